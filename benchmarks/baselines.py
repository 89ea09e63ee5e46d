"""The bare baselines facialflow is measured against, built once from the protocol's own data.

``bench_engine.py`` and ``bench_simulate.py`` both compare with these, so "flat"
means one thing in every figure:

- ``flat``: a bare transitions ``Machine``, compound steps as dotted names, shared,
  with one reused model (``add_model`` once), stepped with the model's trigger
  method: the fastest fair transitions baseline, and the one the targets are
  measured against;
- ``hsm``: the same with a bare ``HierarchicalMachine`` of the protocol's tree;
- ``psm``: a python-statemachine class, one instance per session;
- a dispatch table for a hand-written loop: the floor.

Every baseline takes the same transitions and guards as the engine
(:data:`facialflow.FACIAL`), and a guard reads one fact of the model's
``facts``, as the engine's guards do. Nothing else runs: no screening, no
products, no output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import Any

from transitions import Machine
from transitions.extensions.nesting import HierarchicalMachine, NestedState

# the top-level name, which the older checkouts `bench_engine.py --tree` measures have too
from facialflow import FACIAL

__all__ = [
    "Baseline",
    "Model",
    "PsmBaseline",
    "TransitionsBaseline",
    "baselines",
    "dispatch_table",
    "flat_machine",
    "hsm_machine",
    "internal_names",
    "psm_class",
]


def internal_names() -> dict[str, str]:
    """Each public state name -> the dotted name the bare machines use (``intake.screening``)."""
    return {
        s.name: (f"{s.parent}.{s.name[len(s.parent) + 1 :]}" if s.parent else s.name)
        for s in FACIAL.states
    }


class Model:
    """The one reused model of the transitions baselines."""

    def __init__(self) -> None:
        self.facts: Any = None
        self.state = ""


def _guard(name: str) -> Callable[[Any], bool]:
    return lambda event: bool(getattr(event.model.facts, name))


def _table() -> list[dict[str, Any]]:
    names = internal_names()
    return [
        {
            "trigger": t.trigger,
            "source": names[t.source],
            "dest": names[t.dest],
            "conditions": [_guard(g) for g in t.guards],
        }
        for t in FACIAL.transitions
    ]


def flat_machine() -> tuple[Machine, Model]:
    """A bare flat ``Machine`` of the protocol and its one model, at the initial state."""
    model = Model()
    names = internal_names()
    machine = Machine(
        model=model,
        states=list(names.values()),
        transitions=_table(),
        initial=names[FACIAL.initial],
        auto_transitions=False,
        send_event=True,
    )
    return machine, model


class _State(NestedState):
    separator = "."


class _HSM(HierarchicalMachine):
    state_cls = _State


def hsm_machine() -> tuple[HierarchicalMachine, Model]:
    """A bare ``HierarchicalMachine`` of the protocol's tree and its one model."""
    names = internal_names()
    tree: list[Any] = []
    seen: set[str] = set()
    for s in FACIAL.states:
        if s.parent is None:
            tree.append(s.name)
        elif s.parent not in seen:
            seen.add(s.parent)
            kids = [c[len(s.parent) + 1 :] for c in FACIAL.children(s.parent)]
            tree.append({"name": s.parent, "children": kids, "initial": kids[0]})
    model = Model()
    machine = _HSM(
        model=model,
        states=tree,
        transitions=_table(),
        initial=names[FACIAL.initial],
        auto_transitions=False,
        send_event=True,
    )
    return machine, model


def psm_class() -> Any:
    """A python-statemachine class of the protocol; an instance's ``facts`` feed its guards."""
    from statemachine import State, StateMachine

    attrs: dict[str, Any] = {}
    for s in FACIAL.states:
        attrs[s.name] = State(s.name, initial=s.name == FACIAL.initial, final=s.final, value=s.name)
    events: dict[str, Any] = {}
    for t in FACIAL.transitions:
        cond = [f"g_{g}" for g in t.guards]
        edge = attrs[t.source].to(attrs[t.dest], cond=cond)
        events[t.trigger] = edge if t.trigger not in events else events[t.trigger] | edge
    attrs.update(events)
    for g in {g for t in FACIAL.transitions for g in t.guards}:
        attrs[f"g_{g}"] = (lambda name: lambda self: bool(getattr(self.facts, name)))(g)
    return type("FacialPSM", (StateMachine,), attrs)


def dispatch_table() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """State -> its ``advance`` edges as (guards, destination), in the protocol's order."""
    table: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for t in FACIAL.transitions:
        if t.trigger == "advance":
            table.setdefault(t.source, []).append((t.guards, t.dest))
    return table


class Baseline:
    """One baseline, built once: :meth:`run` is what is timed, :meth:`routes` what is checked.

    Both step the same instance with the same primitive (a transitions trigger, a
    python-statemachine event, the dispatch table); :meth:`routes` only records
    the states on the way, which :meth:`run` leaves out where recording would slow
    the baseline down (and so flatter facialflow).
    """

    label = ""

    def run(self, facts: Iterable[Any]) -> None:
        """Step one session to its end for each of ``facts``."""
        raise NotImplementedError

    def routes(self, facts: Iterable[Any]) -> list[tuple[str, ...]]:
        """What :meth:`run` steps for each of ``facts``, as public state names."""
        raise NotImplementedError


class TransitionsBaseline(Baseline):
    """A bare transitions machine, shared, stepped through its one model's trigger method."""

    def __init__(self, label: str, built: tuple[Any, Model]) -> None:
        self.label = label
        self.machine, self.model = built
        names = internal_names()
        self.initial = names[FACIAL.initial]
        self.finals = frozenset(names[s] for s in FACIAL.final_states)
        self.public = {v: k for k, v in names.items()}

    def run(self, facts: Iterable[Any]) -> None:
        set_state, model, initial, finals = (
            self.machine.set_state,
            self.model,
            self.initial,
            self.finals,
        )
        for f in facts:
            set_state(initial, model)
            model.facts = f
            while model.state not in finals:
                model.advance()  # type: ignore[attr-defined]

    def routes(self, facts: Iterable[Any]) -> list[tuple[str, ...]]:
        out = []
        for f in facts:
            self.machine.set_state(self.initial, self.model)
            self.model.facts = f
            path = [self.public[self.model.state]]
            while self.model.state not in self.finals:
                self.model.advance()  # type: ignore[attr-defined]
                path.append(self.public[self.model.state])
            out.append(tuple(path))
        return out


class _Recording(Baseline):
    """A baseline that records each route as it runs, and so checks the very loop it times."""

    def run(self, facts: Iterable[Any], out: list[tuple[str, ...]] | None = None) -> None:
        """Step one session to its end for each of ``facts``; each route into ``out`` if given."""
        raise NotImplementedError

    def routes(self, facts: Iterable[Any]) -> list[tuple[str, ...]]:
        out: list[tuple[str, ...]] = []
        self.run(facts, out)
        return out


class PsmBaseline(_Recording):
    """A python-statemachine class of the protocol, one instance per session."""

    label = "python-statemachine, one instance per session"

    def __init__(self) -> None:
        self.cls = psm_class()
        self.finals = frozenset(FACIAL.final_states)

    def _start(self, facts: Any) -> Any:
        # the guards read the facts, so they are in place before the machine starts
        sm = self.cls.__new__(self.cls)
        sm.facts = facts
        sm.__init__()
        return sm

    def run(self, facts: Iterable[Any], out: list[tuple[str, ...]] | None = None) -> None:
        # recording the path costs nothing next to a millisecond a session
        start, finals = self._start, self.finals
        for f in facts:
            sm = start(f)
            path = [sm.current_state_value]
            while sm.current_state_value not in finals:
                sm.advance()
                path.append(sm.current_state_value)
            if out is not None:
                out.append(tuple(path))


class _Loop(_Recording):
    label = "hand-written dispatch loop (floor)"

    def __init__(self) -> None:
        self.table = dispatch_table()
        self.finals = frozenset(FACIAL.final_states)

    def run(self, facts: Iterable[Any], out: list[tuple[str, ...]] | None = None) -> None:
        # records its path, as an engine does: the floor does the least an engine must
        table, initial, finals = self.table, FACIAL.initial, self.finals
        for f in facts:
            state = initial
            path = [state]
            while state not in finals:
                for guards, dest in table[state]:
                    if all(getattr(f, g) for g in guards):
                        state = dest
                        break
                else:
                    raise ValueError(f"no edge out of {state} for {f}")
                path.append(state)
            if out is not None:
                out.append(tuple(path))


def baselines() -> dict[str, Baseline]:
    """Every baseline by short name; python-statemachine only where it is installed.

    (It is the ``bench`` extra's, which the ``test`` extra includes.)
    """
    built: dict[str, Baseline] = {
        "flat": TransitionsBaseline(
            "bare flat transitions Machine, shared, one model", flat_machine()
        ),
        "hsm": TransitionsBaseline(
            "bare transitions HierarchicalMachine, shared, one model", hsm_machine()
        ),
    }
    with suppress(ImportError):
        built["psm"] = PsmBaseline()
    built["loop"] = _Loop()
    return built
