"""``verify``: every client class through the real engine and the invariants, with every reaction.

:mod:`facialflow.qa.classes` partitions clients into the classes the rules can
tell apart; this module starts one session per class representative (the real
screening, product selection and R27 settlement of :meth:`Session.start`) and
runs it to its end without a reaction and with a reaction at every step its
route can meet one, one reaction kind per group the engine and the invariants
treat alike. The engine steps one session per distinct set of facts and
reaction (and that path must equal the engine's own decided route); every
other class with those facts is placed on that path with
:meth:`Session.positioned`, and each finished :class:`SessionResult` goes
through every invariant. A violated
invariant is reported with its first class (in a fixed order, so the result
does not depend on ``workers``) shrunk to the smallest client that still
breaks it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import attrs
from attrs import frozen

from facialflow.clinic.policy import Policy, load_policy
from facialflow.clinic.reactions import AdverseRecord, reaction_response
from facialflow.errors import ProtocolError
from facialflow.io.workers import Workers, leave_the_terminal_to_the_parent, worker_context
from facialflow.model import AdverseKind, Client
from facialflow.protocol.engine import engine_for
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import Facts
from facialflow.qa.check import compact_client_dict
from facialflow.qa.classes import COMPONENTS, ClassSpace, catalog_products, class_space
from facialflow.qa.invariants import INTOLERANT_REACTIONS, INVARIANTS, Invariant, violations
from facialflow.qa.paths import adverse_states, route
from facialflow.qa.shrinking import AdversePlan, drive_session, run_scenario, shrink_client

__all__ = ["VerifyFailure", "VerifyReport", "kind_groups", "verify"]


def kind_groups() -> tuple[tuple[AdverseKind, ...], ...]:
    """Reaction kinds split by everything the engine and the invariants read of a kind."""
    groups: dict[tuple[bool, bool], list[AdverseKind]] = {}
    for kind in AdverseKind:
        key = (reaction_response(kind)[1], kind in INTOLERANT_REACTIONS)
        groups.setdefault(key, []).append(kind)
    return tuple(tuple(g) for g in groups.values())


@frozen
class VerifyFailure:
    """One violated invariant: how many runs broke it, and the smallest client that does."""

    invariant: Invariant
    count: int
    component: str
    class_key: tuple[Hashable, ...]
    detail: str
    client: Client
    adverse: AdversePlan | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "invariant": self.invariant.name,
            "description": self.invariant.description,
            "rules": list(self.invariant.rules),
            "count": self.count,
            "component": self.component,
            "class": [_jsonable(v) for v in self.class_key],
            "detail": self.detail,
            "client": compact_client_dict(self.client),
            "adverse": (
                f"{self.adverse.kind}@{self.adverse.step}" if self.adverse is not None else None
            ),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


@frozen
class VerifyReport:
    policy: str
    date: dt.date
    classes: int
    classes_by_component: Mapping[str, int]
    sessions: int
    invariants: tuple[str, ...]
    failures: tuple[VerifyFailure, ...]
    seconds: float
    workers: int

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "policy": self.policy,
            "date": self.date.isoformat(),
            "classes": self.classes,
            "classes_by_component": dict(self.classes_by_component),
            "sessions": self.sessions,
            "invariants": list(self.invariants),
            "violations": [f.to_dict() for f in self.failures],
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
        }


# -- running classes ----------------------------------------------------------------------------


class _Runner:
    """Runs class representatives; memoises the engine's path per (facts, reaction)."""

    def __init__(
        self, date: dt.date, policy: Policy, plugins: Any, invariants: Sequence[Invariant]
    ) -> None:
        self.date = date
        self.policy = policy
        self.plugins = plugins
        self.invariants = tuple(invariants)
        self.engine = engine_for(FACIAL)
        self.capable = frozenset(adverse_states())
        self.kinds = [g[0] for g in kind_groups()]
        self._paths: dict[tuple[Facts, str | None, AdverseKind | None], tuple[str, ...]] = {}
        self._routes: dict[Facts, tuple[str, ...]] = {}

    def plans(self, facts: Facts) -> list[AdversePlan | None]:
        steps = self._routes.get(facts)
        if steps is None:
            steps = self._routes[facts] = tuple(s for s in route(facts) if s in self.capable)
        return [None, *(AdversePlan(s, k) for s in steps for k in self.kinds)]

    def run(self, client: Client) -> tuple[int, list[tuple[str, str, AdversePlan | None]]]:
        """Sessions run and (invariant, detail, plan) of every violation, first per invariant."""
        from facialflow.session.live import Session

        start = Session.start(client, date=self.date, policy=self.policy, plugins=self.plugins)
        found: list[tuple[str, str, AdversePlan | None]] = []
        seen: set[str] = set()
        plans = self.plans(start.facts)
        for plan in plans:
            key = (start.facts, str(plan.step) if plan else None, plan.kind if plan else None)
            path = self._paths.get(key)
            if path is None:
                # the first session with these facts and this reaction is stepped by the engine
                session = Session(
                    client,
                    self.date,
                    self.policy,
                    start.screening,
                    start.selection,
                    engine=self.engine,
                )
                target = str(plan.step) if plan else None
                kind = plan.kind if plan else AdverseKind.IRRITATION
                result = drive_session(session, target, kind)
                path = self._paths[key] = result.path
                self._check_route(start.facts, plan, path)
            else:
                tolerates = reaction_response(plan.kind)[1] if plan else True
                result = Session.positioned(
                    client,
                    self.date,
                    self.policy,
                    start.screening,
                    start.selection,
                    path=path,
                    adverse=self._record(plan),
                    facts=attrs.evolve(start.facts, tolerates_product=tolerates),
                ).result()
            for v in violations(result, self.policy, invariants=self.invariants):
                if v.invariant not in seen:
                    seen.add(v.invariant)
                    found.append((v.invariant, v.detail, plan))
        return len(plans), found

    def _check_route(self, facts: Facts, plan: AdversePlan | None, path: tuple[str, ...]) -> None:
        # the stepped path and the engine's decided route must agree, or sharing paths is wrong
        if plan is None:
            decided = self.engine.route(facts)
        else:
            decided = self.engine.route(facts, str(plan.step), reaction_response(plan.kind)[1])
        if decided != path:
            raise ProtocolError(f"stepping gave {list(path)}, the engine's route {list(decided)}")

    @staticmethod
    def _record(plan: AdversePlan | None) -> AdverseRecord | None:
        if plan is None:
            return None
        return AdverseRecord(plan.kind, str(plan.step), reaction_response(plan.kind)[0])


# worker processes rebuild the runner once from picklable settings
_WORKER: dict[str, Any] = {}


def _init_worker(settings: Mapping[str, Any]) -> None:
    leave_the_terminal_to_the_parent()
    from facialflow.products.loading import load_plugins
    from facialflow.qa.custom import load_invariants

    policy = load_policy(settings["policy"])
    plugins = load_plugins(catalogs=settings["catalogs"])
    invariants = load_invariants(settings["invariant_specs"], plugins)
    _WORKER["runner"] = _Runner(settings["date"], policy, plugins, invariants)
    space = _space(
        policy, settings["date"], plugins, settings["max_allergens"], settings["components"]
    )
    _WORKER["reps"] = _unique(space)


def _space(
    policy: Policy,
    date: dt.date,
    plugins: Any,
    max_allergens: int,
    components: Sequence[str] | None = None,
) -> ClassSpace:
    chosen = None
    if components:
        unknown = sorted(set(components) - set(COMPONENTS))
        if unknown:
            raise ValueError(f"unknown component {unknown[0]!r}; known: {', '.join(COMPONENTS)}")
        chosen = {name: COMPONENTS[name] for name in COMPONENTS if name in components}
    return class_space(
        policy, date, catalog_products(plugins), max_allergens=max_allergens, components=chosen
    )


def _unique(space: ClassSpace) -> list[tuple[str, tuple[Hashable, ...], Client]]:
    # components share their neutral corners: a client already run need not run again
    seen: set[Client] = set()
    out = []
    for comp, key, client in space.representatives():
        if client not in seen:
            seen.add(client)
            out.append((comp, key, client))
    return out


def _run_chunk(bounds: tuple[int, int]) -> tuple[int, list[tuple[int, str, str, Any]]]:
    runner: _Runner = _WORKER["runner"]
    return _run_range(runner, _WORKER["reps"], *bounds)


def _run_range(
    runner: _Runner, reps: Sequence[tuple[str, Any, Client]], lo: int, hi: int
) -> tuple[int, list[tuple[int, str, str, Any]]]:
    sessions = 0
    out: list[tuple[int, str, str, Any]] = []
    for i in range(lo, hi):
        n, found = runner.run(reps[i][2])
        sessions += n
        out.extend((i, name, detail, plan) for name, detail, plan in found)
    return sessions, out


def verify(
    *,
    date: dt.date,
    policy: Policy,
    plugins: Any = None,
    invariants: Sequence[Invariant] = INVARIANTS,
    workers: int = 1,
    max_allergens: int = 2,
    components: Sequence[str] | None = None,
    shrink: bool = True,
    settings: Mapping[str, Any] | None = None,
) -> VerifyReport:
    """Every class of clients under ``policy`` on ``date`` through ``invariants``.

    ``workers`` > 1 runs classes in that many processes; they rebuild policy,
    plugins and invariants from ``settings`` (``policy``, ``catalogs`` and
    ``invariant_specs``, as the command line names them), so with workers the
    policy, catalogs and invariants must be nameable that way. ``components``
    limits the run to those rule groups (default: all of
    :data:`~facialflow.qa.classes.COMPONENTS`).
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if workers > 1 and settings is None:
        raise ValueError(
            "workers > 1 rebuild policy, catalogs and invariants from settings: pass "
            "settings={'policy': ..., 'catalogs': (...), 'invariant_specs': (...)}"
        )
    started = time.perf_counter()
    if plugins is None:
        from facialflow.products.loading import load_plugins

        plugins = load_plugins()
    space = _space(policy, date, plugins, max_allergens, components)
    reps = _unique(space)
    runner = _Runner(date, policy, plugins, invariants)
    results: list[tuple[int, list[tuple[int, str, str, Any]]]]
    if workers == 1 or settings is None or not reps:  # settings is None only with one worker
        results = [_run_range(runner, reps, 0, len(reps))]
    else:
        full = {
            **settings,
            "date": date,
            "max_allergens": max_allergens,
            "components": tuple(components or ()),
        }
        size = max(1, len(reps) // (workers * 8))
        chunks = [(lo, min(lo + size, len(reps))) for lo in range(0, len(reps), size)]
        # a worker killed from outside fails the run at once (WorkerLost); Ctrl-C or SIGTERM
        # here terminates the workers mid-chunk
        count = min(workers, len(chunks))
        with Workers(worker_context(), _init_worker, [(full,)] * count) as pool:
            results = list(pool.map(_run_chunk, chunks))
    sessions = sum(n for n, _ in results)
    first: dict[str, tuple[int, str, Any]] = {}
    counts: dict[str, int] = {}
    for _, found in results:
        for i, name, detail, plan in found:
            counts[name] = counts.get(name, 0) + 1
            if name not in first or i < first[name][0]:
                first[name] = (i, detail, plan)
    by_name = {inv.name: inv for inv in invariants}
    failures = []
    for name in [inv.name for inv in invariants if inv.name in first]:
        i, detail, plan = first[name]
        comp, key, client = reps[i]
        if shrink:
            client, plan, detail = _shrink(by_name[name], client, plan, detail, runner)
        failures.append(VerifyFailure(by_name[name], counts[name], comp, key, detail, client, plan))
    by_component: dict[str, int] = {}
    for comp, _, _ in reps:
        by_component[comp] = by_component.get(comp, 0) + 1
    return VerifyReport(
        policy=policy.name,
        date=date,
        classes=len(reps),
        classes_by_component=by_component,
        sessions=sessions,
        invariants=tuple(inv.name for inv in invariants),
        failures=tuple(failures),
        seconds=time.perf_counter() - started,
        workers=workers,
    )


def _shrink(
    inv: Invariant, client: Client, plan: AdversePlan | None, detail: str, runner: _Runner
) -> tuple[Client, AdversePlan | None, str]:
    def broken(c: Client, p: AdversePlan | None) -> list[Any]:
        result = run_scenario(
            c, date=runner.date, policy=runner.policy, adverse=p, plugins=runner.plugins
        )
        return violations(result, runner.policy, invariants=[inv])

    if plan is not None and broken(client, None):
        plan = None
    small, _ = shrink_client(client, lambda c: bool(broken(c, plan)), max_runs=500)
    found = broken(small, plan)
    return small, plan, found[0].detail if found else detail
