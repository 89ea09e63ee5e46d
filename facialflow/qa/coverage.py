"""What a set of sessions exercised, and what it never did.

A :class:`Trace` is what one session exercised: the states it entered, the
transitions it took, every guard outcome the first-match evaluation saw, and
the screening rules that fired. :class:`Coverage` adds traces up (with a count,
so a simulator can add a thousand identical sessions at once) and
:meth:`Coverage.report` lists, per criterion, what was covered and, explicitly,
what was never exercised: states, transitions, guard outcomes (each guard seen
true *and* false) and rules. Reporting what a run never touched is the point:
generators that stay silent about it give false confidence.

Everything here is pure and depends only on the protocol data and the guard
functions, so any service (simulation, safety checks, replay) can use it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import Any

from attrs import frozen

from facialflow.errors import InvalidValueError, UnknownNameError
from facialflow.protocol.decide import Decision, decide
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import Facts
from facialflow.protocol.names import Trigger
from facialflow.protocol.spec import FacialProtocol, TransitionSpec

__all__ = [
    "Coverage",
    "CoverageReport",
    "Criterion",
    "Decision",
    "Trace",
    "decide",
    "trace_path",
    "unsimulated_transitions",
    "transition_name",
]


@frozen
class Trace:
    """What one session exercised."""

    path: tuple[str, ...]
    #: indexes into ``protocol.transitions``, in the order taken
    transitions: tuple[int, ...]
    guards: tuple[tuple[str, bool], ...]
    rules: frozenset[str] = frozenset()

    @property
    def outcome(self) -> str:
        return self.path[-1]


def trace_path(
    path: Sequence[str],
    facts: Facts,
    *,
    facts_after_adverse: Facts | None = None,
    rules: Iterable[str] = (),
    protocol: FacialProtocol = FACIAL,
) -> Trace:
    """The trace of a session that followed ``path`` with these guard facts.

    ``facts_after_adverse`` are the facts from the adverse reaction on (the
    reaction can make the skin intolerant of product). Raises ``ValueError``
    when the guards could not have produced ``path``: a cross-check between a
    recorded path and the protocol data.
    """
    transitions: list[int] = []
    guards: list[tuple[str, bool]] = []
    current = facts
    specs = protocol.transitions
    for source, dest in pairwise(path):
        decision = decide(protocol, source, Trigger.ADVANCE, current)
        if decision.transition is None or specs[decision.transition].dest != dest:
            # the engine applies the reaction's effect before it takes the adverse edge
            after = facts_after_adverse if facts_after_adverse is not None else current
            adverse = decide(protocol, source, Trigger.ADVERSE, after)
            if adverse.transition is None or specs[adverse.transition].dest != dest:
                # a reaction that worsened during the safe exit
                adverse = decide(protocol, source, Trigger.EMERGENCY, after)
            if adverse.transition is None or specs[adverse.transition].dest != dest:
                raise InvalidValueError(
                    f"{source} -> {dest} is not what the protocol decides for {facts}"
                )
            decision = adverse
            current = after
        transitions.append(decision.transition)  # type: ignore[arg-type]
        guards.extend(decision.guards)
    return Trace(tuple(path), tuple(transitions), tuple(guards), frozenset(rules))


def unsimulated_transitions(protocol: FacialProtocol = FACIAL) -> frozenset[int]:
    """Transitions a simulated session never takes: a reaction at intake, or one that worsens.

    (A severe reaction at intake does stop and then escalate, but only at intake.)

    The simulator injects at most one reaction, at a step after intake (the contract);
    these edges are exercised by the live API and ``simulate --client --adverse``.
    """
    return frozenset(
        i
        for i, t in enumerate(protocol.transitions)
        if (t.trigger == Trigger.EMERGENCY and t.source.startswith("safe_exit"))
        or (t.trigger == Trigger.ADVERSE and t.source == protocol.initial)
    )


def transition_name(t: TransitionSpec) -> str:
    """``source -> dest`` for advance edges, ``source -(trigger)-> dest`` otherwise."""
    if t.trigger == Trigger.ADVANCE:
        return f"{t.source} -> {t.dest}"
    return f"{t.source} -({t.trigger})-> {t.dest}"


@frozen
class Criterion:
    """One coverage criterion: every item, how often each was exercised, and the gaps."""

    name: str
    #: item -> times exercised, in the protocol's (or the rule list's) order
    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        return len(self.counts)

    @property
    def covered(self) -> int:
        return sum(1 for c in self.counts.values() if c)

    @property
    def missed(self) -> tuple[str, ...]:
        return tuple(k for k, c in self.counts.items() if not c)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "covered": self.covered,
            "total": self.total,
            "percent": round(self.percent, 2),
            "never_exercised": list(self.missed),
            "counts": dict(self.counts),
        }


@frozen
class CoverageReport:
    """Coverage by criterion; :attr:`percent` pools every item of every criterion."""

    criteria: tuple[Criterion, ...]
    sessions: int = 0

    def __getitem__(self, name: str) -> Criterion:
        for c in self.criteria:
            if c.name == name:
                return c
        raise UnknownNameError(name)

    @property
    def covered(self) -> int:
        return sum(c.covered for c in self.criteria)

    @property
    def total(self) -> int:
        return sum(c.total for c in self.criteria)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0

    @property
    def never_exercised(self) -> Mapping[str, tuple[str, ...]]:
        return {c.name: c.missed for c in self.criteria if c.missed}

    def to_dict(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "percent": round(self.percent, 2),
            "covered": self.covered,
            "total": self.total,
            "criteria": {c.name: c.to_dict() for c in self.criteria},
        }


class Coverage:
    """An accumulator of traces. Not thread-safe; merge per-worker accumulators with :meth:`merge`.

    ``rules`` is the universe of rule ids that could fire, so that rules never
    fired are listed; a fired rule outside it is counted and listed too.
    """

    __slots__ = (
        "_guards",
        "_rules",
        "_states",
        "_transitions",
        "protocol",
        "rules",
        "sessions",
        "unreachable",
    )

    def __init__(
        self,
        protocol: FacialProtocol = FACIAL,
        rules: Iterable[str] = (),
        *,
        unreachable: Iterable[int] = (),
    ) -> None:
        self.protocol = protocol
        #: transitions (indexes) the traces counted here cannot take, left out of the report
        self.unreachable = frozenset(unreachable)
        self.rules: tuple[str, ...] = tuple(dict.fromkeys(rules))
        self.sessions = 0
        self._states: Counter[str] = Counter()
        self._transitions: Counter[int] = Counter()
        self._guards: Counter[tuple[str, bool]] = Counter()
        self._rules: Counter[str] = Counter()

    def add(self, trace: Trace, count: int = 1) -> None:
        """Count ``trace`` as ``count`` sessions."""
        if count < 0:
            raise InvalidValueError("count must not be negative")
        self.sessions += count
        for s in trace.path:
            self._states[s] += count
        for t in trace.transitions:
            self._transitions[t] += count
        # a guard seen twice in one session counts twice: counts measure evaluations
        for g in trace.guards:
            self._guards[g] += count
        for r in trace.rules:
            self._rules[r] += count

    def merge(self, other: Coverage) -> None:
        if other.protocol is not self.protocol:
            raise InvalidValueError("cannot merge coverage of different protocols")
        self.sessions += other.sessions
        self._states.update(other._states)
        self._transitions.update(other._transitions)
        self._guards.update(other._guards)
        self._rules.update(other._rules)

    def report(self) -> CoverageReport:
        p = self.protocol
        states = {s: self._states[s] for s in p.state_names}
        transitions = {
            transition_name(t): self._transitions[i]
            for i, t in enumerate(p.transitions)
            if i not in self.unreachable
        }
        guards = {
            f"{g.name}={'true' if v else 'false'}": self._guards[(g.name, v)]
            for g in p.guards
            for v in (True, False)
        }
        universe = list(self.rules)
        universe += sorted(set(self._rules) - set(universe), key=_rule_order)
        rules = {r: self._rules[r] for r in universe}
        return CoverageReport(
            (
                Criterion("states", states),
                Criterion("transitions", transitions),
                Criterion("guard outcomes", guards),
                Criterion("rules", rules),
            ),
            sessions=self.sessions,
        )


def _rule_order(rule: str) -> tuple[str, int]:
    # R2 before R10
    head = rule.rstrip("0123456789")
    tail = rule[len(head) :]
    return head, int(tail) if tail else -1
