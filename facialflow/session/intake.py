"""The intake decision: screen the client, choose products, decline without SPF 30+ (R27).

Everything that opens a session, the live API, restore and the simulator's
memoised planner, calls :func:`decide_intake` or :func:`settle_intake`, so a
session starts the same way whoever computed its parts. Products a caller
hands in pass the same safety filter as the plugins' choices
(:func:`filter_given`): safety never depends on the caller behaving well.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from facialflow.clinic.policy import Policy
from facialflow.clinic.screening import Screening, decline
from facialflow.errors import ProductStepError
from facialflow.model import Client, Product, ProductKind, Selection
from facialflow.products.catalog import steps_for_kind
from facialflow.products.ingredients import IngredientClass, product_classes
from facialflow.products.safety import conflicts, profile_problems, safety_profile, step_problems
from facialflow.products.selection import SUNSCREEN_MISSING, selection_context
from facialflow.session.memo import memo_choose, memo_screen

__all__ = ["decide_intake", "filter_given", "settle_intake", "sunscreen_planned"]


def decide_intake(
    client: Client,
    date: dt.date,
    policy: Policy,
    *,
    selection: Selection | None = None,
    plugins: Any = None,
) -> tuple[Screening, Selection]:
    """Screen, choose products (or filter the ``selection`` given) and settle R27.

    Screening and selection are memoised on the client fields they read
    (:mod:`facialflow.session.memo`).
    """
    screening = memo_screen(client, date, policy)
    if selection is None:
        selection = memo_choose(client, screening, policy, plugins)
    else:
        selection = filter_given(client, screening, selection, policy)
    return settle_intake(screening, selection, policy)


def filter_given(
    client: Client, screening: Screening, selection: Selection, policy: Policy
) -> Selection:
    """A caller's selection after the safety filter the plugins' choices pass.

    Every product is checked against the client's safety profile and the
    session (allergies, pregnancy, prescription, laser-day actives, skin type,
    SPF floor) and against the products kept before it (R23 pairs); a product
    that fails is removed with a warning naming why. Unchanged when all pass.

    Raises :class:`~facialflow.errors.ProductStepError` for a product placed at a step
    its kind is not made for: the rules judge a product by what it is for (a wash-off
    acid is allowed in pregnancy, the same acid left on is not), so a cleanser at the
    mask step or an exfoliant among the serums would be judged as the wrong thing.
    """
    for step, products in selection.steps.items():
        for product in products:
            allowed = steps_for_kind(product.kind)
            if step not in allowed:
                raise ProductStepError(step, product.name, str(product.kind), allowed)
    if screening.declined:
        return selection
    profile = safety_profile(client)
    context = selection_context(screening)
    kept: dict[str, tuple[Product, ...]] = {}
    chosen: list[Product] = []
    warnings: list[str] = []
    missing: dict[str, str] = {}
    for step, products in selection.steps.items():
        keep: list[Product] = []
        removed: list[str] = []
        for product in products:
            problems = list(profile_problems(product, profile, context, policy.products))
            problems.extend(step_problems(product, step, policy.products))
            problems.extend(c for other in chosen if (c := conflicts(product, other)))
            if problems:
                removed.append(f"{product.name!r} ({'; '.join(problems)})")
                continue
            keep.append(product)
            chosen.append(product)
        warnings.extend(f"{step}: removed the given {why}" for why in removed)
        if keep:
            kept[step] = tuple(keep)
        elif removed:
            missing[step] = "no safe product: " + "; ".join(removed[:3])
    if not warnings:
        return selection
    return Selection(
        steps=kept,
        warnings=(*selection.warnings, *warnings),
        missing={**selection.missing, **missing},
        sources={k: v for k, v in selection.sources.items() if any(p.name == k for p in chosen)},
    )


def sunscreen_planned(selection: Selection, policy: Policy) -> bool:
    """Whether ``selection`` ends the session under an SPF 30+ sunscreen (R27)."""
    return any(
        p.kind is ProductKind.SUNSCREEN
        and (p.spf or 0) >= policy.products.min_spf
        # an SPF number on a label with no UV filter protects nobody
        and IngredientClass.UV_FILTER in product_classes(p)
        for p in selection.for_step("hydration")
    )


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
    if sunscreen_planned(selection, policy):
        return screening, selection
    why = selection.missing.get(SUNSCREEN_MISSING, "the plan has none")
    declined = decline(
        screening, "R27", f"no tolerated SPF {policy.products.min_spf}+ sunscreen: {why}"
    )
    return declined, Selection(steps={}, missing={SUNSCREEN_MISSING: why})
