"""What a session did, read off its path: the products applied, the steps skipped, the warnings.

Pure functions of the screening, the selection and where the engine took the
session (its path, its reaction, its facts after it): a
:class:`~facialflow.session.live.Session` reports through them, and so does the
simulator's writer for sessions it never builds, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from itertools import chain
from typing import TypeVar

from facialflow.clinic.reactions import AdverseRecord
from facialflow.clinic.screening import CONDITIONAL_STEPS, Screening
from facialflow.model import AppliedProduct, Product, Selection
from facialflow.products.hookspecs import STEPS
from facialflow.protocol.spec import FacialProtocol

__all__ = [
    "NO_SUNSCREEN",
    "applied_products",
    "applied_steps",
    "intake_warnings",
    "reaction_warnings",
    "selection_warnings",
    "session_warnings",
    "shown_parts",
    "skipped_steps",
    "sunscreen_applied",
]

_Part = TypeVar("_Part")

#: R27: the safe exit could apply no sunscreen (none tolerated, or none safe for the client)
NO_SUNSCREEN = "no sunscreen could be applied: sun-avoidance advice given instead of SPF"


def applied_steps(path: Collection[str], selection: Selection) -> tuple[tuple[str, Product], ...]:
    """Each product step on ``path`` with each of its products, in protocol order."""
    return tuple(
        (step, product) for step in STEPS if step in path for product in selection.for_step(step)
    )


def applied_products(path: Collection[str], selection: Selection) -> tuple[AppliedProduct, ...]:
    """The products of every product step on ``path``, in protocol order."""
    return tuple(AppliedProduct(step, product) for step, product in applied_steps(path, selection))


def sunscreen_applied(path: Collection[str], selection: Selection) -> bool:
    """Whether the safe exit applied its sunscreen (it has one, and the path went there)."""
    return "safe_exit_protect" in path and bool(selection.for_step("safe_exit_protect"))


def skipped_steps(
    path: Iterable[str],
    screening: Screening,
    adverse: AdverseRecord | None,
    protocol: FacialProtocol,
) -> dict[str, str]:
    """Each conditional step the session did not perform, with the reason."""
    done = {protocol.step_of(s) for s in path}
    out: dict[str, str] = {}
    for step in CONDITIONAL_STEPS:
        if step in done:
            continue
        if step in screening.skipped:
            out[step] = screening.skipped[step]
        elif adverse is not None:
            out[step] = f"session stopped: {adverse.kind} at {adverse.step}"
    return out


def session_warnings(
    screening: Screening,
    selection: Selection,
    adverse: AdverseRecord | None,
    tolerates_product: bool,
    protected: bool,
) -> tuple[str, ...]:
    """The session's warnings: screening's, selection's, each missing step's, the reaction's
    (``protected``: the safe exit applied its sunscreen, :func:`sunscreen_applied`).

    In three parts, each read off one thing, so that a writer may keep each part's
    text where that thing is kept: :func:`intake_warnings`,
    :func:`selection_warnings` and :func:`reaction_warnings`, shown as
    :func:`shown_parts` says.
    """
    parts = shown_parts(
        screening.declined,
        intake_warnings(screening),
        selection_warnings(selection),
        reaction_warnings(adverse, tolerates_product, protected),
    )
    return tuple(chain.from_iterable(parts))


def shown_parts(
    declined: bool, intake: _Part, selection: _Part, reaction: _Part
) -> tuple[_Part, ...]:
    """The parts of a session's warnings it shows, in order, whatever form they take (the
    tuples above, or a writer's text of each): a declined session shows only its reaction's."""
    return (reaction,) if declined else (intake, selection, reaction)


def intake_warnings(screening: Screening) -> tuple[str, ...]:
    """The screening's own warnings (a declined session shows none of these or the next)."""
    return screening.warnings


def selection_warnings(selection: Selection) -> tuple[str, ...]:
    """Selection's warnings, then each product step it left without a product, with why."""
    return (
        *selection.warnings,
        *(f"{step}: {why}" for step, why in selection.missing.items()),
    )


def reaction_warnings(
    adverse: AdverseRecord | None, tolerates_product: bool, protected: bool
) -> tuple[str, ...]:
    """The reaction's warnings, and why the safe exit applied no sunscreen; none without one."""
    if adverse is None:
        return ()
    said = f"adverse reaction ({adverse.kind}) at {adverse.step}: {adverse.escalation}"
    if not tolerates_product:
        return (said, "skin could not tolerate product: sun-avoidance advice given instead of SPF")
    if not protected:
        return (said, NO_SUNSCREEN)
    return (said,)
