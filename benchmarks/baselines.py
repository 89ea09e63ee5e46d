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
from typing import Any

from transitions import Machine
from transitions.extensions.nesting import HierarchicalMachine, NestedState

# the top-level name, which the older checkouts `bench_engine.py --tree` measures have too
from facialflow import FACIAL

__all__ = [
    "Model",
    "dispatch_table",
    "flat_machine",
    "hsm_machine",
    "internal_names",
    "psm_class",
    "routes",
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


def routes(facts: Iterable[Any]) -> dict[str, list[tuple[str, ...]]]:
    """Each baseline's route for each of ``facts``, as public state names, stepping ``advance``.

    A baseline is fair only if it steps the very states the engine steps: every
    route here must equal the engine's for the same facts (``bench_engine.py``
    checks this before it times anything, and a test checks every set of facts).
    python-statemachine is left out when it is not installed (the ``bench`` extra).
    """
    names = internal_names()
    public = {v: k for k, v in names.items()}
    finals = FACIAL.final_states
    machines = {"flat": flat_machine(), "hsm": hsm_machine()}
    table = dispatch_table()
    try:
        psm: Any = psm_class()
    except ImportError:
        psm = None
    out: dict[str, list[tuple[str, ...]]] = {name: [] for name in (*machines, "loop")}
    if psm is not None:
        out["psm"] = []
    for f in facts:
        for name, (machine, model) in machines.items():
            machine.set_state(str(machine.initial), model)
            model.facts = f
            path = [FACIAL.initial]
            while path[-1] not in finals:
                model.advance()  # type: ignore[attr-defined]
                path.append(public[model.state])
            out[name].append(tuple(path))
        path = [FACIAL.initial]
        while path[-1] not in finals:
            path.append(next(d for gs, d in table[path[-1]] if all(getattr(f, g) for g in gs)))
        out["loop"].append(tuple(path))
        if psm is not None:
            sm = psm.__new__(psm)
            sm.facts = f
            sm.__init__()
            path = [FACIAL.initial]
            while path[-1] not in finals:
                sm.advance()
                path.append(sm.current_state_value)
            out["psm"].append(tuple(path))
    return out
