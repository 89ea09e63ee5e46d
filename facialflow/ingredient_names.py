"""Canonical ingredient names, so one substance is matched under every spelling.

Allergies, ingredient lists, strengths and tags all pass through
:func:`canonical_ingredient`: ``" Parfum"``, ``"all-trans retinoic acid"`` and
``"Vitamin C"`` must meet the same safety rules as ``fragrance``,
``tretinoin`` and ``l-ascorbic acid``. This module imports nothing, so the
model can use it.
"""

from __future__ import annotations

__all__ = ["SYNONYMS", "canonical_ingredient"]

#: common spellings -> the name the safety rules know
SYNONYMS: dict[str, str] = {
    "parfum": "fragrance",
    "perfume": "fragrance",
    "aroma": "fragrance",
    "retinoic acid": "tretinoin",
    "all-trans retinoic acid": "tretinoin",
    "all trans retinoic acid": "tretinoin",
    "vitamin a acid": "tretinoin",
    "vitamin a": "retinol",
    "vitamin c": "l-ascorbic acid",
    "ascorbic acid": "l-ascorbic acid",
    "l ascorbic acid": "l-ascorbic acid",
    "bpo": "benzoyl peroxide",
    "hq": "hydroquinone",
    "bha": "salicylic acid",
    "vitamin b3": "niacinamide",
    "nicotinamide": "niacinamide",
    "vitamin b5": "panthenol",
    "d-panthenol": "panthenol",
    "dexpanthenol": "panthenol",
    "cica": "centella asiatica",
    "sodium hyaluronate": "sodium hyaluronate",
}


def canonical_ingredient(name: str) -> str:
    """Lower-case, single-spaced, and the canonical name of a known synonym."""
    text = " ".join(str(name).lower().split())
    return SYNONYMS.get(text, text)
