"""What a host's listeners hear from the store, after each commit.

Events carry the session id, the revision the command committed, the journal's
timestamp and actor and, for a reaction, its kind and escalation. A listener that
raises is logged on the ``facialflow.records`` logger and does not undo the step:
it is already durable.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence

from attrs import frozen

__all__ = ["EventKind", "StoreEvent", "StoreListener", "emit", "step_events"]

logger = logging.getLogger("facialflow.records")


class EventKind(enum.StrEnum):
    STARTED = "started"
    STEP = "step"
    ADVERSE = "adverse"
    #: a state of the emergency protocol was entered (its name starts with ``emergency``)
    EMERGENCY = "emergency"
    FINISHED = "finished"
    RECORD = "record"


@frozen
class StoreEvent:
    kind: EventKind
    session_id: str
    revision: int
    timestamp: str
    actor: str | None
    state: str
    source: str | None = None
    trigger: str | None = None
    #: for reactions: the reaction's kind and what it escalates to
    reaction: str | None = None
    escalation: str | None = None
    #: for ``finished``: complete, declined, stopped or emergency
    outcome: str | None = None


StoreListener = Callable[[StoreEvent], None]


def step_events(base: StoreEvent, *, finished: bool, outcome: str | None) -> tuple[StoreEvent, ...]:
    """The event of a step plus the lifecycle events it implies."""
    out = [base]
    if base.state.startswith("emergency"):
        out.append(_with(base, EventKind.EMERGENCY))
    if finished:
        out.append(_with(base, EventKind.FINISHED, outcome=outcome))
    return tuple(out)


def _with(base: StoreEvent, kind: EventKind, outcome: str | None = None) -> StoreEvent:
    return StoreEvent(
        kind,
        base.session_id,
        base.revision,
        base.timestamp,
        base.actor,
        base.state,
        base.source,
        base.trigger,
        base.reaction,
        base.escalation,
        outcome,
    )


def emit(listeners: Sequence[StoreListener], events: Sequence[StoreEvent]) -> None:
    for event in events:
        logger.info(
            "session %s revision %d: %s (%s)",
            event.session_id,
            event.revision,
            event.kind,
            event.state,
        )
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                logger.exception(
                    "listener %r failed on %s of session %s; the step stays committed",
                    listener,
                    event.kind,
                    event.session_id,
                )
