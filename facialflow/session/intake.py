"""The intake decision: screen the client, choose products, decline without SPF 30+ (R27).

Everything that opens a session, the live API, restore and the simulator's
memoised planner, calls :func:`decide_intake` or :func:`settle_intake`, so a
session starts the same way whoever computed its parts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from facialflow.clinic.policy import Policy
from facialflow.clinic.screening import Screening, decline, screen
from facialflow.model import Client, ProductKind, Selection
from facialflow.products.ingredients import IngredientClass, product_classes
from facialflow.products.selection import SUNSCREEN_MISSING, choose_products

__all__ = ["decide_intake", "settle_intake"]


def decide_intake(
    client: Client,
    date: dt.date,
    policy: Policy,
    *,
    selection: Selection | None = None,
    plugins: Any = None,
) -> tuple[Screening, Selection]:
    """Screen, choose products (unless ``selection`` is given) and settle R27."""
    screening = screen(client, date, policy)
    if selection is None:
        selection = choose_products(client, screening, policy, plugins=plugins)
    return settle_intake(screening, selection, policy)


def settle_intake(
    screening: Screening, selection: Selection, policy: Policy
) -> tuple[Screening, Selection]:
    """The intake decision once products are chosen: what :meth:`Session.start` and restore take.

    R27: a session that cannot end under SPF 30+ must not start, whoever chose
    its products. Services that compute screening and selection themselves (the
    simulator reuses them for equivalent clients) call this so their sessions
    start exactly as ``start`` would.
    """
    if screening.declined:
        return screening, Selection(steps={}, missing=selection.missing)
    protected = any(
        p.kind is ProductKind.SUNSCREEN
        and (p.spf or 0) >= policy.products.min_spf
        # an SPF number on a label with no UV filter protects nobody
        and IngredientClass.UV_FILTER in product_classes(p)
        for p in selection.for_step("hydration")
    )
    if protected:
        return screening, selection
    why = selection.missing.get(SUNSCREEN_MISSING, "the plan has none")
    declined = decline(
        screening, "R27", f"no tolerated SPF {policy.products.min_spf}+ sunscreen: {why}"
    )
    return declined, Selection(steps={}, missing={SUNSCREEN_MISSING: why})
