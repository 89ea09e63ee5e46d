"""Adverse reactions: what each kind escalates to and what the skin may still take (R30, R31)."""

from __future__ import annotations

from collections.abc import Mapping

from attrs import frozen

from facialflow.model import AdverseKind

__all__ = ["AdverseRecord", "reaction_response"]


# R30/R31: what each reaction escalates to, and whether the skin may take product afterwards
_ESCALATION: Mapping[AdverseKind, tuple[str, bool]] = {
    AdverseKind.IRRITATION: ("follow up within 24-48 h", True),
    AdverseKind.VASOVAGAL: (
        "recline supine with legs raised, cool compresses, sit up gradually before standing",
        True,
    ),
    AdverseKind.URTICARIA: ("consider an antihistamine through a clinician", False),
    AdverseKind.BLISTERING: ("physician or dermatologist the same day", False),
    AdverseKind.ANAPHYLAXIS: ("emergency protocol", False),
}


def reaction_response(kind: AdverseKind | str) -> tuple[str, bool]:
    """What a reaction escalates to, and whether the skin may still take product (R30, R31)."""
    return _ESCALATION[AdverseKind(kind)]


@frozen
class AdverseRecord:
    kind: AdverseKind
    step: str
    escalation: str
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": str(self.kind),
            "step": self.step,
            "escalation": self.escalation,
            "note": self.note,
        }
