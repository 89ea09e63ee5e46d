"""A witness for every path: the smallest client file (and reaction) that takes it.

``paths`` lists conditions; a QA engineer wants a client to run. For every
path of the protocol this finds, among the class representatives of
:mod:`facialflow.qa.classes` (under a policy, a date and a catalog), the
smallest client whose session takes that path, shrinks it field by field
while it still takes the path, and names the reaction (``KIND@STEP``) the path
needs. A path no class takes is unreachable under that policy and catalog, and
the reason says which guard outcome (or pair of them) no client can produce.
Classes partition all clients (see :mod:`facialflow.qa.classes`), so a path
no class takes is a path no client takes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any

from attrs import frozen

from facialflow.clinic.policy import Policy
from facialflow.model import AdverseKind, Client, Outcome
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import Facts
from facialflow.qa.check import compact_client_dict
from facialflow.qa.classes import COMPONENTS, catalog_products, class_space
from facialflow.qa.paths import ProtocolPath, all_paths, enumerate_paths
from facialflow.qa.shrinking import AdversePlan, run_scenario, shrink_client

__all__ = ["Witness", "client_witnesses", "find_witnesses", "witnesses_to_dicts"]


@frozen
class Witness:
    """A path and the client that takes it, or why none can."""

    path: ProtocolPath
    client: Client | None
    adverse: AdversePlan | None
    unreachable: str | None = None
    #: a second report during the safe exit (the reaction worsening), for paths that need one
    then: AdversePlan | None = None

    def to_dict(self) -> dict[str, Any]:
        out = self.path.to_dict()
        if self.client is None:
            out["witness"] = None
            out["unreachable"] = self.unreachable
        else:
            out["witness"] = {
                "client": compact_client_dict(self.client),
                "adverse": (
                    f"{self.adverse.kind}@{self.adverse.step}" if self.adverse is not None else None
                ),
            }
            if self.then is not None:
                out["witness"]["then"] = f"{self.then.kind}@{self.then.step}"
        return out


def witnesses_to_dicts(witnesses: Sequence[Witness]) -> list[dict[str, Any]]:
    return [w.to_dict() for w in witnesses]


def _plan(path: ProtocolPath) -> AdversePlan | None:
    if path.adverse is None:
        return None
    return AdversePlan(path.adverse.state, path.adverse.kinds[0])


def _then(path: ProtocolPath) -> AdversePlan | None:
    """The worsening a path needs: it reaches the emergency from a later state than the reaction."""
    if path.adverse is None or path.outcome != str(Outcome.EMERGENCY):
        return None
    last = path.path[-2]
    return None if last == path.adverse.state else AdversePlan(last, AdverseKind.WORSENING)


def _size(client: Client) -> tuple[int, int]:
    d = compact_client_dict(client)
    return (len(d) + len(d.get("assessment", {})), len(str(d)))


#: the rule groups that decide a session's facts: searched first, the rest only if needed
_FACT_COMPONENTS = ("session", "product_safety", "laser_review", "extraction")


def _facts_classes(
    policy: Policy, date: dt.date, plugins: Any, components: Sequence[str] | None
) -> dict[Facts, Client]:
    """The smallest class representative for each set of facts a session can start with."""
    from facialflow.session.live import Session

    chosen = None if components is None else {c: COMPONENTS[c] for c in components}
    space = class_space(policy, date, catalog_products(plugins), max_allergens=1, components=chosen)
    best: dict[Facts, Client] = {}
    seen: set[Client] = set()
    for _, _, client in space.representatives():
        if client in seen:
            continue
        seen.add(client)
        facts = Session.start(client, date=date, policy=policy, plugins=plugins).facts
        if facts not in best or _size(client) < _size(best[facts]):
            best[facts] = client
    return best


def _takes(client: Client, path: ProtocolPath, date: dt.date, policy: Policy, plugins: Any) -> bool:
    result = run_scenario(
        client, date=date, policy=policy, adverse=_plan(path), plugins=plugins, then=_then(path)
    )
    return result.path == path.path


def _unreachable_reason(path: ProtocolPath, realised: Sequence[Facts], policy: str) -> str:
    """The fewest guard outcomes of ``path`` that no realised set of facts has together."""
    from facialflow.protocol.guards import GUARDS

    needs = [(g, v) for g, v in path.guards.items() if g in GUARDS]
    labels = FACIAL.guard_map
    for size in range(1, len(needs) + 1):
        for combo in itertools.combinations(needs, size):
            if not any(all(GUARDS[g](f) is v for g, v in combo) for f in realised):
                said = " and ".join(
                    f"{'' if v else 'not '}{labels[g].label if g in labels else g}"
                    for g, v in combo
                )
                return f"no client under the {policy} policy and these catalogs has: {said}"
    return "no client class takes it (its guard outcomes are realised only separately)"


def _paths_of(by_facts: dict[Facts, Client]) -> dict[tuple[str, ...], tuple[Client, ProtocolPath]]:
    found: dict[tuple[str, ...], tuple[Client, ProtocolPath]] = {}
    for facts, client in sorted(by_facts.items(), key=lambda kv: _size(kv[1])):
        for p in enumerate_paths(FACIAL, facts, adverse=True):
            found.setdefault(p.path, (client, p))
    return found


def find_witnesses(
    *, date: dt.date, policy: Policy, plugins: Any = None, shrink: bool = True
) -> tuple[Witness, ...]:
    """A witness for every path any client can take, and the unreachable ones with why."""
    if plugins is None:
        from facialflow.products.loading import load_plugins

        plugins = load_plugins()
    every = all_paths()
    by_facts = _facts_classes(policy, date, plugins, _FACT_COMPONENTS)
    found = _paths_of(by_facts)
    if any(p.path not in found for p in every):
        # unreachable is a claim about every client: look in every class before making it
        by_facts = _facts_classes(policy, date, plugins, None)
        found = _paths_of(by_facts)
    out: list[Witness] = []
    for p in every:
        hit = found.get(p.path)
        if hit is None:
            reason = _unreachable_reason(p, list(by_facts), policy.name)
            out.append(Witness(p, None, None, reason))
            continue
        client, own = hit
        if shrink:

            def takes(c: Client, own: ProtocolPath = own) -> bool:
                return _takes(c, own, date, policy, plugins)

            client, _ = shrink_client(client, takes, max_runs=300)
        out.append(Witness(p, client, _plan(own), then=_then(own)))
    return tuple(out)


def client_witnesses(client: Client, paths: Sequence[ProtocolPath]) -> tuple[Witness, ...]:
    """For one client every path it can take is witnessed by the client itself."""
    return tuple(Witness(p, client, _plan(p), then=_then(p)) for p in paths)
