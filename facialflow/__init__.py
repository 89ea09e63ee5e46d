"""facialflow: the medical facial as a state machine.

The public API for embedding::

    from facialflow import Session, load_client

    session = Session.start(load_client("client.json"), policy="conservative")
    while not session.finished:
        session.advance()
    print(session.result().path)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from facialflow.catalog import Offer as Offer
from facialflow.catalog import OfferPlugin as OfferPlugin
from facialflow.clientfile import client_from_dict as client_from_dict
from facialflow.clientfile import client_to_dict as client_to_dict
from facialflow.clientfile import load_client as load_client
from facialflow.errors import *  # noqa: F403
from facialflow.guards import Facts as Facts
from facialflow.hookspecs import Candidate as Candidate
from facialflow.hookspecs import PluginInfo as PluginInfo
from facialflow.hookspecs import SelectionContext as SelectionContext
from facialflow.hookspecs import hookimpl as hookimpl
from facialflow.model import *  # noqa: F403
from facialflow.policy import Policy as Policy
from facialflow.policy import load_policy as load_policy
from facialflow.protocol import FACIAL as FACIAL
from facialflow.protocol import FacialProtocol as FacialProtocol
from facialflow.protocol import validate_protocol as validate_protocol
from facialflow.screening import Screening as Screening
from facialflow.screening import screen as screen
from facialflow.session import Session as Session
from facialflow.session import StepEvent as StepEvent
from facialflow.session import session_to_dict as session_to_dict

if TYPE_CHECKING:
    __version__: str


def __getattr__(name: str) -> Any:
    # read from the installed metadata on demand: no import-time cost, one source of truth
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("facialflow")
        except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
            return "0+unknown"
    raise AttributeError(f"module 'facialflow' has no attribute {name!r}")
