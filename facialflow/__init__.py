"""facialflow: the medical facial as a state machine.

The public API for embedding::

    from facialflow import Session, load_client

    session = Session.start(load_client("client.json"), policy="conservative")
    while not session.finished:
        session.advance()
    print(session.result().path)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# name -> module that defines it; imported on first use so `facialflow --help`
# and `import facialflow.errors` do not pay for transitions, cattrs and pluggy
_EXPORTS: dict[str, str] = {
    "Offer": "products.catalog",
    "OfferPlugin": "products.catalog",
    "client_from_dict": "io.client_file",
    "client_to_dict": "io.client_file",
    "load_client": "io.client_file",
    "Facts": "protocol.guards",
    "Candidate": "products.hookspecs",
    "PluginInfo": "products.hookspecs",
    "SelectionContext": "products.hookspecs",
    "hookimpl": "products.hookspecs",
    "Policy": "clinic.policy",
    "load_policy": "clinic.policy",
    "FACIAL": "protocol.facial",
    "FacialProtocol": "protocol.spec",
    "Step": "protocol.names",
    "Trigger": "protocol.names",
    "validate_protocol": "protocol.spec",
    "Screening": "clinic.screening",
    "screen": "clinic.screening",
    "Session": "session.live",
    "StepEvent": "session.live",
    "session_to_dict": "io.documents",
    "CatalogError": "errors",
    "ClientFileError": "errors",
    "DiagramError": "errors",
    "FacialflowError": "errors",
    "GuardTypeError": "errors",
    "InvalidReaction": "errors",
    "InvalidStep": "errors",
    "InvalidTypeError": "errors",
    "InvalidValueError": "errors",
    "OutputError": "errors",
    "PathExplosion": "errors",
    "PluginError": "errors",
    "PolicyError": "errors",
    "PolicyFloorError": "errors",
    "ProductStepError": "errors",
    "ProtocolError": "errors",
    "RendererUnavailable": "errors",
    "ScheduleError": "errors",
    "SnapshotError": "errors",
    "UnknownNameError": "errors",
    "AdverseKind": "model",
    "AppliedProduct": "model",
    "Assessment": "model",
    "Client": "model",
    "Comedones": "model",
    "Concern": "model",
    "Condition": "model",
    "Effect": "model",
    "Finding": "model",
    "Outcome": "model",
    "Product": "model",
    "ProductKind": "model",
    "Selection": "model",
    "SessionResult": "model",
    "SkinType": "model",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from facialflow.clinic.policy import Policy as Policy
    from facialflow.clinic.policy import load_policy as load_policy
    from facialflow.clinic.screening import Screening as Screening
    from facialflow.clinic.screening import screen as screen
    from facialflow.errors import CatalogError as CatalogError
    from facialflow.errors import ClientFileError as ClientFileError
    from facialflow.errors import DiagramError as DiagramError
    from facialflow.errors import FacialflowError as FacialflowError
    from facialflow.errors import GuardTypeError as GuardTypeError
    from facialflow.errors import InvalidReaction as InvalidReaction
    from facialflow.errors import InvalidStep as InvalidStep
    from facialflow.errors import PathExplosion as PathExplosion
    from facialflow.errors import PluginError as PluginError
    from facialflow.errors import PolicyError as PolicyError
    from facialflow.errors import ProtocolError as ProtocolError
    from facialflow.errors import RendererUnavailable as RendererUnavailable
    from facialflow.errors import ScheduleError as ScheduleError
    from facialflow.errors import SnapshotError as SnapshotError
    from facialflow.io.client_file import client_from_dict as client_from_dict
    from facialflow.io.client_file import client_to_dict as client_to_dict
    from facialflow.io.client_file import load_client as load_client
    from facialflow.io.documents import session_to_dict as session_to_dict
    from facialflow.model import AdverseKind as AdverseKind
    from facialflow.model import AppliedProduct as AppliedProduct
    from facialflow.model import Assessment as Assessment
    from facialflow.model import Client as Client
    from facialflow.model import Comedones as Comedones
    from facialflow.model import Concern as Concern
    from facialflow.model import Condition as Condition
    from facialflow.model import Effect as Effect
    from facialflow.model import Finding as Finding
    from facialflow.model import Outcome as Outcome
    from facialflow.model import Product as Product
    from facialflow.model import ProductKind as ProductKind
    from facialflow.model import Selection as Selection
    from facialflow.model import SessionResult as SessionResult
    from facialflow.model import SkinType as SkinType
    from facialflow.products.catalog import Offer as Offer
    from facialflow.products.catalog import OfferPlugin as OfferPlugin
    from facialflow.products.hookspecs import Candidate as Candidate
    from facialflow.products.hookspecs import PluginInfo as PluginInfo
    from facialflow.products.hookspecs import SelectionContext as SelectionContext
    from facialflow.products.hookspecs import hookimpl as hookimpl
    from facialflow.protocol.facial import FACIAL as FACIAL
    from facialflow.protocol.guards import Facts as Facts
    from facialflow.protocol.names import Step as Step
    from facialflow.protocol.names import Trigger as Trigger
    from facialflow.protocol.spec import FacialProtocol as FacialProtocol
    from facialflow.protocol.spec import validate_protocol as validate_protocol
    from facialflow.session.live import Session as Session
    from facialflow.session.live import StepEvent as StepEvent

    __version__: str


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(import_module(f"facialflow.{module}"), name)
        globals()[name] = value
        return value
    # read from the installed metadata on demand: one source of truth for the version
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("facialflow")
        except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
            return "0+unknown"
    raise AttributeError(f"module 'facialflow' has no attribute {name!r}")


def __dir__() -> list[str]:
    return [*__all__, "__version__"]
