"""``check``: generated sessions through the named invariants, each failure shrunk to its smallest client."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from attrs import frozen

from facialflow.clinic.policy import Policy
from facialflow.clinic.reactions import FIRST_REACTIONS
from facialflow.errors import InvalidValueError
from facialflow.io.client_file import client_to_compact_dict
from facialflow.model import (
    Client,
)
from facialflow.qa.draws import CHUNK, adverse_draws, pick_adverse
from facialflow.qa.invariants import INVARIANTS, Invariant, Violation, violations
from facialflow.qa.paths import reaction_steps, route
from facialflow.qa.routes import route_for
from facialflow.qa.shrinking import (
    AdversePlan,
    run_scenario,
    shrink_client,
    shrink_plan,
)

__all__ = ["CheckReport", "Failure", "check_clients", "compact_client_dict"]


@frozen
class Failure:
    """One invariant that failed, how often, and the smallest client that shows it."""

    invariant: Invariant
    count: int
    first: Client
    first_detail: str
    minimal: Client
    minimal_detail: str
    #: the adverse reaction the minimal case needs (None: it fails without one)
    adverse: AdversePlan | None
    shrink_runs: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "invariant": self.invariant.name,
            "description": self.invariant.description,
            "rules": list(self.invariant.rules),
            "count": self.count,
            "first_client": self.first.id,
            "first_detail": self.first_detail,
            "detail": self.minimal_detail,
            "minimal_client": compact_client_dict(self.minimal),
            "adverse": self.adverse.to_dict() if self.adverse else None,
            "shrink_runs": self.shrink_runs,
        }


@frozen
class CheckReport:
    sessions: int
    seed: int | None
    date: dt.date
    policy: str
    adverse_rate: float
    outcomes: Mapping[str, int]
    adverse_sessions: int
    invariants: tuple[str, ...]
    failures: tuple[Failure, ...]

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "sessions": self.sessions,
            "seed": self.seed,
            "date": self.date.isoformat(),
            "policy": self.policy,
            "adverse_rate": self.adverse_rate,
            "outcomes": dict(self.outcomes),
            "adverse_sessions": self.adverse_sessions,
            "invariants": list(self.invariants),
            "violations": [f.to_dict() for f in self.failures],
        }


def compact_client_dict(client: Client) -> dict[str, Any]:
    """The client file of ``client`` with every field at its default left out."""
    return client_to_compact_dict(client)


class _FirstFailure:
    __slots__ = ("client", "count", "detail", "plan")

    def __init__(self, client: Client, plan: AdversePlan | None, detail: str) -> None:
        self.client = client
        self.plan = plan
        self.detail = detail
        self.count = 0


def check_clients(
    clients: Iterable[Client],
    *,
    date: dt.date,
    policy: Policy,
    seed: int | None = 0,
    adverse_rate: float = 0.0,
    invariants: Sequence[Invariant] = INVARIANTS,
    plugins: Any = None,
    shrink: bool = True,
    max_shrink_runs: int = 2000,
) -> CheckReport:
    """Run every client's session through ``invariants``; shrink each failure to a minimal client.

    With ``adverse_rate`` > 0 that share of sessions meets an adverse reaction
    of a random kind at a random step after intake; the draws depend only on
    ``seed``, so a run is reproducible.
    """
    from facialflow.session.live import Session

    if not 0.0 <= adverse_rate <= 1.0:
        raise InvalidValueError("adverse_rate must be between 0 and 1")
    if plugins is None:
        from facialflow.products.loading import load_plugins

        plugins = load_plugins()
    capable = frozenset(reaction_steps())
    outcomes: Counter[str] = Counter()
    first: dict[str, _FirstFailure] = {}
    sessions = adverse_sessions = 0
    draw: Any = None
    for index, client in enumerate(clients):
        sessions += 1
        # simulate's draws exactly (its chunked "adverse" stream, three per client), so a
        # failure `check` reports is the same session `simulate --seed S` runs
        if index % CHUNK == 0:
            draw = adverse_draws(seed or 0, index // CHUNK)
        drawn = draw()
        session = Session.start(client, date=date, policy=policy, plugins=plugins)
        plan: AdversePlan | None = None
        target: str | None = None
        kind = FIRST_REACTIONS[0]
        steps = (
            [s for s in session.planned_path() if s in capable] if drawn[0] < adverse_rate else []
        )
        picked = pick_adverse(drawn, adverse_rate, steps)
        if picked is not None:
            kind, target = picked
            plan = AdversePlan(target, kind)
            adverse_sessions += 1
        # the route is the real engine's for these facts and this reaction, stepped once and
        # shared (qa.routes); the result is still this session's, from its own intake
        stepped = route_for(session.facts, picked)
        result = stepped.place(
            client, date, session.policy, session.screening, session.selection
        ).result()
        outcomes[str(result.outcome)] += 1
        seen: set[str] = set()
        for v in violations(result, policy, invariants=invariants):
            if v.invariant in seen:
                continue
            seen.add(v.invariant)
            record = first.setdefault(v.invariant, _FirstFailure(client, plan, v.detail))
            record.count += 1
    by_name = {inv.name: inv for inv in invariants}
    failures = tuple(
        _failure(by_name[name], record, date, policy, plugins, shrink, max_shrink_runs)
        for name, record in sorted(first.items(), key=lambda kv: list(by_name).index(kv[0]))
    )
    return CheckReport(
        sessions=sessions,
        seed=seed,
        date=date,
        policy=policy.name,
        adverse_rate=adverse_rate,
        outcomes=dict(sorted(outcomes.items())),
        adverse_sessions=adverse_sessions,
        invariants=tuple(inv.name for inv in invariants),
        failures=failures,
    )


def _fails_with(
    fails: Callable[[Client, AdversePlan | None], bool], plan: AdversePlan | None, client: Client
) -> bool:
    return fails(client, plan)


def _failure(
    inv: Invariant,
    record: _FirstFailure,
    date: dt.date,
    policy: Policy,
    plugins: Any,
    shrink: bool,
    max_runs: int,
) -> Failure:
    def broken(client: Client, plan: AdversePlan | None) -> list[Violation]:
        result = run_scenario(client, date=date, policy=policy, adverse=plan, plugins=plugins)
        return violations(result, policy, invariants=[inv])

    def fails(client: Client, plan: AdversePlan | None) -> bool:
        return bool(broken(client, plan))

    client, plan, runs = record.client, record.plan, 0
    if shrink:
        for _ in range(4):
            before = (client, plan)
            if plan is not None:
                from facialflow.session.live import Session

                facts = Session.start(client, date=date, policy=policy, plugins=plugins).facts
                capable = frozenset(reaction_steps())
                plan = shrink_plan(client, plan, fails, [s for s in route(facts) if s in capable])
            client, used = shrink_client(
                client,
                functools.partial(_fails_with, fails, plan),
                max_runs=max(1, max_runs - runs),
            )
            runs += used
            if (client, plan) == before or runs >= max_runs:
                break
    found = broken(client, plan)
    detail = found[0].detail if found else record.detail
    return Failure(inv, record.count, record.client, record.detail, client, detail, plan, runs)
