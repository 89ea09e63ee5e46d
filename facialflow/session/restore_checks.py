"""What restore re-checks: a snapshot's path and products against what is derived again.

:meth:`facialflow.session.live.Session.restore` trusts nothing it reads: it
screens the client and chooses the products again, then refuses the snapshot
when its recorded products or path are not what the engine decides for those
facts (a stored path edited to skip the safe exit, products swapped in).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from facialflow.clinic.reactions import AdverseRecord, reaction_response, reaction_route
from facialflow.errors import SnapshotError
from facialflow.model import Selection
from facialflow.protocol.engine import Engine
from facialflow.protocol.guards import Facts
from facialflow.protocol.names import Trigger
from facialflow.session.snapshot import SnapshotParts, selection_digest, selection_names

__all__ = ["check_products", "checked_route"]


def checked_route(
    engine: Engine, facts: Facts, path: Sequence[str], adverse: AdverseRecord | None
) -> tuple[Sequence[str], AdverseRecord | None, Facts]:
    """``path`` against the route the engine decides for ``facts`` (memoised, not stepped).

    Returns the path, the reaction and the facts the session continues with.
    """
    protocol = engine.protocol
    if path[0] != protocol.initial:
        raise SnapshotError(f"snapshot path must start at {protocol.initial}")
    start = facts
    if adverse is None:
        expected = engine.route(facts)
    else:
        outgoing = protocol.outgoing[adverse.step]
        if Trigger.ADVERSE not in outgoing and Trigger.EMERGENCY not in outgoing:
            raise SnapshotError(f"snapshot records a reaction at {adverse.step}, not on its path")
        tolerates = reaction_response(adverse.kind)[1]
        expected = reaction_route(
            protocol, engine.route(facts), engine.route(facts, adverse.step, tolerates), adverse
        )
        # once the reaction worsened nothing more goes on the skin, as in report_adverse
        worsened = bool(adverse.worsened_at) and adverse.worsened_at in path
        facts = attrs.evolve(facts, tolerates_product=tolerates and not worsened)
    for i in range(1, len(path)):
        if i >= len(expected) or path[i] != expected[i]:
            would = expected[i] if i < len(expected) else "nowhere: the session had ended"
            raise SnapshotError(
                f"snapshot path {path[i - 1]} -> {path[i]} is not what the protocol does "
                f"for this client (it would go to {would})"
            )
    if adverse is not None:
        on_route = adverse.step in expected[:-1]
        if not on_route or len(path) < expected.index(adverse.step) + 2:
            raise SnapshotError(f"snapshot records a reaction at {adverse.step}, not on its path")
    return path, adverse, facts if adverse is not None else start


def check_products(parts: SnapshotParts, selection: Selection) -> None:
    """Refuse a snapshot whose recorded products are not the ones derived again."""
    if parts.legacy:
        recorded = parts.given
        if recorded is not None and dict(recorded.steps) != dict(selection.steps):
            raise SnapshotError(
                f"snapshot products ({selection_names(recorded)}) are not what this client "
                f"gets ({selection_names(selection)})"
            )
        return
    now = selection_digest(selection)
    if parts.products != now:
        if parts.given is not None:
            then = selection_names(parts.given)
        else:
            then = f"digest {parts.products}"
        raise SnapshotError(
            f"snapshot products ({then}) are not what this client gets "
            f"({selection_names(selection)}; digest {now})"
        )
