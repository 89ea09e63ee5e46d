"""Adverse reactions: what each kind escalates to and what the skin may still take (R30, R31).

Three grades. A reaction the skin tolerates (irritation, a vasovagal episode
that resolves) takes the full safe exit, soothing and SPF included. One it does
not tolerate (urticaria, blistering) takes the safe exit with nothing more put
on the skin and sun-avoidance advice instead of SPF. An emergency-grade one
(anaphylaxis, dyspnoea, airway or lip swelling, syncope that does not resolve)
starts the emergency protocol at once, from any step after intake; a reaction
that worsens during the safe exit (``worsening``) does too.
"""

from __future__ import annotations

from collections.abc import Mapping

from attrs import frozen

from facialflow.model import AdverseKind
from facialflow.protocol.names import Trigger
from facialflow.protocol.spec import FacialProtocol

__all__ = [
    "EMERGENCY_PROTOCOL",
    "FIRST_REACTIONS",
    "AdverseRecord",
    "Response",
    "VASOVAGAL_CARE",
    "emergency_grade",
    "escalate",
    "escalates",
    "reaction_route",
    "reaction_response",
    "response_to",
]

#: R30: airway symptoms, faintness that persists or widespread swelling
EMERGENCY_PROTOCOL = (
    "emergency protocol: call emergency services, lie the client flat (or sitting up if "
    "breathing is hard), adrenaline per the clinic's anaphylaxis protocol, monitor airway, "
    "breathing and circulation until help arrives"
)

#: R31: vasovagal episode
VASOVAGAL_CARE = (
    "stop; recline supine with legs raised; cool compresses; monitor; sit up gradually "
    "before standing (report syncope or worsening if it does not resolve)"
)


@frozen
class Response:
    """What the practitioner does about one reaction kind."""

    escalation: str
    #: whether the skin may still take product (soothe, SPF) in the safe exit
    tolerates_product: bool
    #: whether the reaction goes to the emergency protocol instead of the safe exit
    emergency: bool = False


_EMERGENCY = Response(EMERGENCY_PROTOCOL, False, True)

_RESPONSES: Mapping[AdverseKind, Response] = {
    AdverseKind.IRRITATION: Response("follow up within 24-48 h", True),
    AdverseKind.VASOVAGAL: Response(VASOVAGAL_CARE, True),
    AdverseKind.URTICARIA: Response("consider an antihistamine through a clinician", False),
    AdverseKind.BLISTERING: Response("physician or dermatologist the same day", False),
    AdverseKind.ANAPHYLAXIS: _EMERGENCY,
    AdverseKind.DYSPNOEA: _EMERGENCY,
    AdverseKind.AIRWAY_SWELLING: _EMERGENCY,
    AdverseKind.LIP_SWELLING: _EMERGENCY,
    AdverseKind.SYNCOPE: Response(
        "syncope that does not resolve: " + EMERGENCY_PROTOCOL, False, True
    ),
    AdverseKind.WORSENING: Response("the reaction worsened: " + EMERGENCY_PROTOCOL, False, True),
}


#: reactions that can start an adverse event, in a fixed order (simulate and check pick by
#: index); ``worsening`` is only what a reaction does during the safe exit
FIRST_REACTIONS: tuple[AdverseKind, ...] = tuple(
    k for k in AdverseKind if k is not AdverseKind.WORSENING
)


def response_to(kind: AdverseKind | str) -> Response:
    """The response to a reaction kind (R30, R31)."""
    return _RESPONSES[AdverseKind(kind)]


def reaction_response(kind: AdverseKind | str) -> tuple[str, bool]:
    """What a reaction escalates to, and whether the skin may still take product (R30, R31)."""
    r = response_to(kind)
    return r.escalation, r.tolerates_product


def emergency_grade(kind: AdverseKind | str) -> bool:
    """Whether a reaction of this kind starts the emergency protocol (R30)."""
    return response_to(kind).emergency


@frozen
class AdverseRecord:
    kind: AdverseKind
    step: str
    escalation: str
    note: str = ""
    #: the safe-exit step at which the reaction worsened into an emergency, if it did
    worsened_at: str = ""
    #: what was reported there (``worsening``, or a severe kind such as ``dyspnoea``)
    worsened_as: AdverseKind | None = None

    def to_dict(self) -> dict[str, str]:
        out = {
            "kind": str(self.kind),
            "step": self.step,
            "escalation": self.escalation,
            "note": self.note,
        }
        if self.worsened_at:
            out["worsened_at"] = self.worsened_at
        if self.worsened_as is not None:
            out["worsened_as"] = str(self.worsened_as)
        return out


def escalates(kind: AdverseKind) -> bool:
    """Whether a report of ``kind`` during the safe exit takes the emergency path (R30, R31).

    ``worsening`` and every emergency-grade kind do; another mild reaction does not: the
    safe exit already cares for it.
    """
    return kind is AdverseKind.WORSENING or response_to(kind).emergency


def escalate(record: AdverseRecord, kind: AdverseKind, step: str) -> AdverseRecord:
    """``record`` after the reaction worsened (reported as ``kind``) at safe-exit ``step``."""
    # the text depends on the record, the kind and the step only, so a snapshot re-derives it
    what = "worsened" if kind is AdverseKind.WORSENING else str(kind)
    escalation = f"{record.escalation}; then {what} at {step}: {EMERGENCY_PROTOCOL}"
    return AdverseRecord(record.kind, record.step, escalation, record.note, step, kind)


def reaction_route(
    protocol: FacialProtocol,
    natural: tuple[str, ...],
    stopped: tuple[str, ...],
    adverse: AdverseRecord,
) -> tuple[str, ...]:
    """The route of a reaction, ending in the emergency state where the record says it did."""
    if adverse.worsened_at:
        if adverse.worsened_at not in stopped:
            return stopped
        return (*stopped[: stopped.index(adverse.worsened_at) + 1], "emergency")
    if not emergency_grade(adverse.kind):
        return stopped
    if Trigger.EMERGENCY in protocol.outgoing[adverse.step] and adverse.step in natural:
        return (*natural[: natural.index(adverse.step) + 1], "emergency")
    # at intake: the safe exit stops, then the emergency protocol
    return (*stopped[:2], "emergency")
