"""Running generated sessions through the invariants, and shrinking a failure to its core.

:func:`check_clients` runs each client's session (with an adverse reaction at
a random step for a share of them), checks every invariant, and for each
invariant that failed shrinks the first failing client the way hypothesis
does: greedy delta shrinking that tries one simplification at a time (drop
the conditions, allergies and concerns, set booleans false, comedones none,
phototype down, dates cleared) and keeps it only if the same invariant still
fails, until no simplification helps. What is left is the smallest client that
shows the bug, with every field that does not matter at its default.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs
from attrs import field, frozen

from facialflow.clientfile import client_to_dict
from facialflow.errors import FacialflowError
from facialflow.invariants import INVARIANTS, Invariant, Violation, violations
from facialflow.model import (
    AdverseKind,
    Assessment,
    Client,
    Comedones,
    Concern,
    SessionResult,
    SkinType,
)
from facialflow.paths import adverse_states, route
from facialflow.policy import Policy
from facialflow.population import CHUNK, chunk_rng

__all__ = [
    "AdversePlan",
    "CheckReport",
    "Failure",
    "StepNotReached",
    "check_clients",
    "compact_client_dict",
    "run_scenario",
    "shrink_client",
]


class StepNotReached(FacialflowError):
    """An adverse reaction was planned at a step the session cannot reach."""


def _step_value(value: str | int) -> str | int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"step must be a state name or an index, got {value!r}")
    if isinstance(value, int) and value < 0:
        raise ValueError("a step index must not be negative")
    return value


@frozen
class AdversePlan:
    """An adverse reaction of ``kind`` during ``step``.

    ``step`` is a state name (``"serums"``), or an index into the states of
    the client's route that accept a reaction, taken modulo their number so
    any index fits any client (handy for generated tests).
    """

    step: str | int = field(converter=_step_value)
    kind: AdverseKind = field(default=AdverseKind.IRRITATION, converter=AdverseKind)

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "kind": str(self.kind)}


# -- running one scenario -----------------------------------------------------------------------


def _target(session: Any, plan: AdversePlan | None, strict: bool) -> str | None:
    if plan is None:
        return None
    capable = adverse_states()
    if isinstance(plan.step, str):
        if plan.step not in capable:
            raise StepNotReached(
                f"no adverse reaction can happen at {plan.step!r}; possible: {', '.join(capable)}"
            )
        if strict and plan.step not in route(session.facts):
            raise StepNotReached(
                f"client {session.client.id} never reaches {plan.step!r} "
                f"(route: {' -> '.join(route(session.facts))})"
            )
        return plan.step
    on_route = [s for s in route(session.facts) if s in capable]
    return on_route[plan.step % len(on_route)] if on_route else None


def _drive(session: Any, target: str | None, kind: AdverseKind) -> SessionResult:
    while not session.finished:
        if target is not None and session.current == target:
            session.report_adverse(kind)
            target = None
        else:
            session.advance()
    result: SessionResult = session.result()
    return result


def run_scenario(
    client: Client,
    *,
    date: dt.date,
    policy: Policy | str | None = None,
    adverse: AdversePlan | None = None,
    plugins: Any = None,
    strict: bool = False,
) -> SessionResult:
    """Run ``client``'s session to its end, with the planned adverse reaction if any.

    A reaction planned at a step the client never reaches does not happen,
    unless ``strict``, which raises :class:`StepNotReached` instead.
    """
    from facialflow.session import Session

    session = Session.start(client, date=date, policy=policy, plugins=plugins)
    target = _target(session, adverse, strict)
    return _drive(session, target, adverse.kind if adverse else AdverseKind.IRRITATION)


# -- shrinking ----------------------------------------------------------------------------------


def _simplifications(c: Client) -> Iterator[Client]:
    """Simpler variants of ``c``, most drastic first; each is strictly smaller than ``c``."""
    ev = attrs.evolve
    if c.conditions:
        yield ev(c, conditions=frozenset())
        for cond in sorted(c.conditions):
            yield ev(c, conditions=c.conditions - {cond})
    if c.allergies:
        yield ev(c, allergies=())
        for allergy in c.allergies:
            yield ev(c, allergies=tuple(a for a in c.allergies if a != allergy))
    if c.medications:
        yield ev(c, medications=())
    if c.pregnant:
        yield ev(c, pregnant=False)
    if c.breastfeeding:
        yield ev(c, breastfeeding=False)
    if c.isotretinoin_last_dose is not None:
        yield ev(c, isotretinoin_last_dose=None)
    if c.birth_date is not None:
        yield ev(c, birth_date=None)
    a = c.assessment
    if a != Assessment():
        yield ev(c, assessment=Assessment())
        for name, default in (
            ("laser_requested", False),
            ("antiviral_prophylaxis", False),
            ("clinician_approved_laser", False),
            ("prescription_reference", None),
        ):
            if getattr(a, name) != default:
                yield ev(c, assessment=ev(a, **{name: default}))
        levels = list(Comedones)
        for level in levels[: levels.index(a.comedones)]:
            yield ev(c, assessment=ev(a, comedones=level))
    if len(c.concerns) > 1:
        for concern in sorted(c.concerns, key=list(Concern).index):
            yield ev(c, concerns=(concern,))
        for concern in c.concerns:
            yield ev(c, concerns=tuple(x for x in c.concerns if x != concern))
    if c.skin_type is not SkinType.NORMAL:
        yield ev(c, skin_type=SkinType.NORMAL)
    for fitz in range(1, c.fitzpatrick):
        yield ev(c, fitzpatrick=fitz)


def shrink_client(
    client: Client, still_fails: Callable[[Client], bool], *, max_runs: int = 2000
) -> tuple[Client, int]:
    """The smallest variant of ``client`` for which ``still_fails`` holds, and the runs it took.

    Greedy: take the first simplification that still fails, start over from
    it, and stop when none does (or after ``max_runs`` tries).
    """
    current = client
    runs = 0
    improved = True
    while improved and runs < max_runs:
        improved = False
        for candidate in _simplifications(current):
            runs += 1
            if still_fails(candidate):
                current = candidate
                improved = True
                break
            if runs >= max_runs:
                break
    return current, runs


def _shrink_plan(
    client: Client,
    plan: AdversePlan,
    fails: Callable[[Client, AdversePlan | None], bool],
    capable_route: Sequence[str],
) -> AdversePlan | None:
    if fails(client, None):
        return None
    for kind in AdverseKind:
        if kind is plan.kind:
            break
        if fails(client, attrs.evolve(plan, kind=kind)):
            plan = attrs.evolve(plan, kind=kind)
            break
    for step in capable_route:
        if step == plan.step:
            break
        if fails(client, attrs.evolve(plan, step=step)):
            return attrs.evolve(plan, step=step)
    return plan


# -- checking many sessions ---------------------------------------------------------------------


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
    full = client_to_dict(client)
    out = {k: v for k, v in full.items() if v not in (False, [], None)}
    assessment = {k: v for k, v in full["assessment"].items() if v not in (False, "none", None)}
    if assessment:
        out["assessment"] = assessment
    else:
        out.pop("assessment", None)
    return out


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
    from facialflow.session import Session

    if not 0.0 <= adverse_rate <= 1.0:
        raise ValueError("adverse_rate must be between 0 and 1")
    if plugins is None:
        from facialflow.plugins import load_plugins

        plugins = load_plugins()
    kinds = list(AdverseKind)
    capable = frozenset(adverse_states())
    outcomes: Counter[str] = Counter()
    first: dict[str, _FirstFailure] = {}
    sessions = adverse_sessions = 0
    draw: Any = None
    for index, client in enumerate(clients):
        sessions += 1
        # simulate's draws exactly (its chunked "adverse" stream, three per client), so a
        # failure `check` reports is the same session `simulate --seed S` runs
        if index % CHUNK == 0:
            draw = chunk_rng(seed or 0, index // CHUNK, "adverse").random
        hit, pick_kind, where = draw(), draw(), draw()
        kind = kinds[int(pick_kind * len(kinds))]
        session = Session.start(client, date=date, policy=policy, plugins=plugins)
        plan: AdversePlan | None = None
        target: str | None = None
        if hit < adverse_rate:
            steps = [s for s in route(session.facts) if s in capable]
            if steps:
                target = steps[int(where * len(steps))]
                plan = AdversePlan(target, kind)
                adverse_sessions += 1
        result = _drive(session, target, kind)
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
                from facialflow.session import Session

                facts = Session.start(client, date=date, policy=policy, plugins=plugins).facts
                capable = frozenset(adverse_states())
                plan = _shrink_plan(client, plan, fails, [s for s in route(facts) if s in capable])
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
