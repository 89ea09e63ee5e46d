"""The one exception hierarchy of facialflow.

Every error facialflow raises on purpose derives from :class:`FacialflowError`
and also from the builtin a caller would expect (``ValueError`` for a bad value,
``TypeError`` for a value of the wrong type, ``KeyError`` for an unknown name),
as attrs does: ``except ValueError`` keeps working, and ``except FacialflowError``
catches everything facialflow means. The CLI turns each into a one-line
``Error: ...`` and the error's exit code (2: the user's input or environment;
the exit codes are listed in the README). This module imports nothing from
facialflow so every layer can raise these.
"""

from __future__ import annotations

import signal
from collections.abc import Sequence

__all__ = [
    "CatalogError",
    "ClientFileError",
    "ENDING_SIGNALS",
    "JournalError",
    "RecordIncomplete",
    "StaleRevision",
    "StoreError",
    "UnknownSession",
    "DiagramError",
    "FacialflowError",
    "GuardTypeError",
    "InvalidReaction",
    "InvalidStep",
    "InvalidTypeError",
    "InvalidValueError",
    "OutputError",
    "PathExplosion",
    "PluginError",
    "PolicyError",
    "PolicyFloorError",
    "ProductStepError",
    "ProtocolError",
    "RendererUnavailable",
    "InvariantError",
    "ScheduleError",
    "SnapshotError",
    "Signalled",
    "UnknownNameError",
    "WorkerLost",
]


class FacialflowError(Exception):
    """Base class of every error facialflow raises on purpose."""

    #: the process exit code the CLI uses for this kind of error (2: a user error)
    exit_code: int = 2


class _FieldError(FacialflowError):
    """A value of a model field is invalid; ``field`` names it (dotted for nested values)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        self.detail = message
        super().__init__(f"{field}: {message}" if field else message)

    def __str__(self) -> str:
        # KeyError's own __str__ would quote the message
        return str(self.args[0]) if self.args else ""


class InvalidValueError(_FieldError, ValueError):
    """A model value is out of range or not in its vocabulary."""


class InvalidTypeError(_FieldError, TypeError):
    """A model value has the wrong type (``"no"`` where a bool is asked, a bare string for a list)."""


class UnknownNameError(_FieldError, KeyError):
    """A name that facialflow looks up (a plugin, a preset) does not exist."""


class ClientFileError(FacialflowError, ValueError):
    """A client file is missing, malformed or has an invalid field."""

    def __init__(self, message: str, *, source: str = "client", field: str | None = None) -> None:
        self.source = source
        self.field = field
        where = f"{source}: {field}: " if field else f"{source}: "
        super().__init__(where + message)


class OutputError(FacialflowError, OSError):
    """An output file cannot be written (missing folder, full disk, or it is an input file)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class PolicyError(FacialflowError, ValueError):
    """A clinical policy preset or policy file is unknown or invalid."""


class PolicyFloorError(_FieldError, PolicyError):
    """A policy tried to weaken a high-confidence rule (R1-R4, R8, R26, R27); ``field`` names it."""


class ProtocolError(FacialflowError, ValueError):
    """A protocol definition is structurally invalid (unreachable state, trap, ...)."""


class InvalidStep(FacialflowError, ValueError):
    """A session was asked for a step its current state does not allow."""

    def __init__(self, trigger: str, state: str, allowed: Sequence[str]) -> None:
        self.trigger = trigger
        self.state = state
        self.allowed = tuple(allowed)
        allowed_text = ", ".join(self.allowed) if self.allowed else "none (the session has ended)"
        super().__init__(
            f"cannot {trigger!r} from state {state!r}; allowed next steps: {allowed_text}"
        )


class ProductStepError(FacialflowError, ValueError):
    """A product handed in for a step its kind is not made for (a wash at the mask step)."""

    def __init__(self, step: str, product: str, kind: str, allowed: Sequence[str]) -> None:
        self.step = step
        self.product = product
        self.kind = kind
        self.allowed = tuple(allowed)
        super().__init__(
            f"selection: {product!r} (kind {kind}) cannot be applied at {step!r}; "
            f"kind {kind} belongs at: {', '.join(self.allowed)}"
        )


class InvalidReaction(FacialflowError, ValueError):
    """An adverse reaction kind facialflow does not know, or one that cannot apply where reported."""


class GuardTypeError(FacialflowError, TypeError):
    """A guard returned something other than a real bool."""


class SnapshotError(FacialflowError, ValueError):
    """A snapshot cannot be restored (wrong protocol version, unknown state, bad shape)."""


class PluginError(FacialflowError, RuntimeError):
    """A plugin failed to load, has an invalid hook, or raised while choosing products."""


class InvariantError(FacialflowError, ValueError):
    """A custom invariant (``--invariant module:function`` or a plugin's) cannot be loaded."""


class CatalogError(FacialflowError, ValueError):
    """A clinic catalog file is malformed or has an invalid entry."""


class DiagramError(FacialflowError, ValueError):
    """A diagram cannot be produced in the requested format."""


class RendererUnavailable(DiagramError, RuntimeError):
    """The renderer a format needs (system Graphviz for png/pdf) is not installed."""


class PathExplosion(FacialflowError, RuntimeError):
    """Path enumeration exceeded its hard cap."""


class ScheduleError(FacialflowError, ValueError):
    """A visit plan cannot be made from the given options."""


#: the signals the program ends by only after unwinding (``kill PID``, a closed terminal):
#: each raises :class:`Signalled` where the program installed its handler, POSIX only
ENDING_SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Signalled(SystemExit):
    """A signal asked the program to end (SIGTERM, SIGHUP): raised so that every ``finally``
    and context manager runs; the program then ends by that signal. Nothing may turn it
    into another error (a plugin guard catching ``SystemExit`` lets it through)."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum

    def __reduce__(self) -> tuple[type[Signalled], tuple[int]]:
        return type(self), (self.signum,)


class WorkerLost(FacialflowError, RuntimeError):
    """A worker process of a split run ended before finishing its work (killed from outside)."""


class StoreError(FacialflowError, RuntimeError):
    """A session store cannot be opened or used (bad URL, schema from a newer facialflow)."""


class UnknownSession(StoreError, LookupError):
    """No session with that id is in the store."""


class StaleRevision(StoreError, RuntimeError):
    """A command stated a revision the session has moved past; nothing was written."""

    # a conflict found, not a malformed request: the caller re-reads and decides
    exit_code = 1

    def __init__(self, session_id: str, expected: int, actual: int) -> None:
        self.session_id = session_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"session {session_id!r} is at revision {actual}, not {expected}: "
            "it changed since you read it; nothing was written"
        )


class RecordIncomplete(FacialflowError, ValueError):
    """A treatment-record item the policy requires is missing, so the step cannot be taken."""


class JournalError(FacialflowError, ValueError):
    """A journal record is malformed or its chain is broken."""

    # `journal verify` found a problem: a check's exit code, not a user error's
    exit_code = 1
