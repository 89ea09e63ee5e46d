"""The one exception hierarchy of facialflow.

Every error a user can cause derives from :class:`FacialflowError`; the CLI turns
each into a one-line ``Error: ...`` and a non-zero exit. This module imports
nothing from facialflow so every layer can raise these.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CatalogError",
    "ClientFileError",
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
    "PathExplosion",
    "PluginError",
    "PolicyError",
    "ProtocolError",
    "RendererUnavailable",
    "ScheduleError",
    "SnapshotError",
]


class FacialflowError(Exception):
    """Base class of every error facialflow raises on purpose."""

    #: the process exit code the CLI uses for this kind of error
    exit_code: int = 1


class ClientFileError(FacialflowError):
    """A client file is missing, malformed or has an invalid field."""

    exit_code = 2

    def __init__(self, message: str, *, source: str = "client", field: str | None = None) -> None:
        self.source = source
        self.field = field
        where = f"{source}: {field}: " if field else f"{source}: "
        super().__init__(where + message)


class PolicyError(FacialflowError):
    """A clinical policy preset or policy file is unknown or invalid."""

    exit_code = 2


class ProtocolError(FacialflowError):
    """A protocol definition is structurally invalid (unreachable state, trap, ...)."""


class InvalidStep(FacialflowError):
    """A session was asked for a step its current state does not allow."""

    def __init__(self, trigger: str, state: str, allowed: Sequence[str]) -> None:
        self.trigger = trigger
        self.state = state
        self.allowed = tuple(allowed)
        allowed_text = ", ".join(self.allowed) if self.allowed else "none (the session has ended)"
        super().__init__(
            f"cannot {trigger!r} from state {state!r}; allowed next steps: {allowed_text}"
        )


class InvalidReaction(FacialflowError):
    """An adverse reaction kind facialflow does not know."""


class GuardTypeError(FacialflowError):
    """A guard returned something other than a real bool."""


class SnapshotError(FacialflowError):
    """A snapshot cannot be restored (wrong protocol version, unknown state, bad shape)."""

    exit_code = 2


class PluginError(FacialflowError):
    """A plugin failed to load, has an invalid hook, or raised while choosing products."""


class CatalogError(FacialflowError):
    """A clinic catalog file is malformed or has an invalid entry."""

    exit_code = 2


class DiagramError(FacialflowError):
    """A diagram cannot be produced in the requested format."""


class RendererUnavailable(DiagramError):
    """The renderer a format needs (system Graphviz for png/pdf) is not installed."""


class PathExplosion(FacialflowError):
    """Path enumeration exceeded its hard cap."""


class ScheduleError(FacialflowError):
    """A visit plan cannot be made from the given options."""

    exit_code = 2


class StoreError(FacialflowError):
    """A session store cannot be opened or used (bad URL, schema from a newer facialflow)."""

    exit_code = 2


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

    exit_code = 2


class JournalError(FacialflowError):
    """A journal record is malformed or its chain is broken."""
