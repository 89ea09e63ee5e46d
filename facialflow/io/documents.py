"""JSON documents: products in full, and the contract's session JSON.

One codec each, so the snapshot, the plugin listing and the simulator's
writer cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from facialflow.io.client_file import client_to_dict
from facialflow.model import Product, SessionResult

__all__ = ["product_from_dict", "product_to_full_dict", "session_to_dict"]


def product_to_full_dict(p: Product) -> dict[str, Any]:
    return {
        "name": p.name,
        "kind": str(p.kind),
        "ingredients": list(p.ingredients),
        "strengths": dict(p.strengths),
        "spf": p.spf,
        "rx_only": p.rx_only,
        "tags": sorted(p.tags),
    }


def product_from_dict(d: Mapping[str, Any]) -> Product:
    return _product(
        d["name"],
        d["kind"],
        tuple(d["ingredients"]),
        tuple(sorted(d.get("strengths", {}).items())),
        d.get("spf"),
        d.get("rx_only", False),
        tuple(d.get("tags", ())),
    )


@lru_cache(maxsize=4096)
def _product(
    name: str,
    kind: str,
    ingredients: tuple[str, ...],
    strengths: tuple[tuple[str, float], ...],
    spf: int | None,
    rx_only: bool,
    tags: tuple[str, ...],
) -> Product:
    # restoring many sessions rebuilds the same few catalog products: build each once
    return Product(
        name=name,
        kind=kind,
        ingredients=ingredients,
        strengths=dict(strengths),
        spf=spf,
        rx_only=rx_only,
        tags=tags,
    )


def session_to_dict(result: SessionResult) -> dict[str, Any]:
    """The contract's session JSON (plus ``date``, ``policy``, ``findings`` and ``adverse``)."""
    return {
        "client": client_to_dict(result.client),
        "outcome": str(result.outcome) if result.outcome else None,
        "path": list(result.path),
        "products": [a.product.to_dict(a.step) for a in result.products],
        "skipped": dict(result.skipped),
        "warnings": list(result.warnings),
        "date": result.date.isoformat(),
        "policy": result.policy,
        "findings": [f.to_dict() for f in result.findings],
        "adverse": dict(result.adverse) if result.adverse else None,
    }
