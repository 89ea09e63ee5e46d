"""Cache keys of the fast path: the session's own keys (:mod:`facialflow.session.memo`).

They are built from what screening and selection declare they read; the fast
runner projects its raw draws onto the same declarations.
"""

from __future__ import annotations

from facialflow.model import AdverseKind
from facialflow.qa.draws import ADVERSE_KINDS
from facialflow.session.memo import context_key, offer_universe, screening_key, selection_part

__all__ = [
    "ADVERSE_KINDS",
    "Variant",
    "context_key",
    "offer_universe",
    "screening_key",
    "selection_part",
]


#: an adverse reaction: its kind and the step (state) during which it happens
Variant = tuple[AdverseKind, str]
