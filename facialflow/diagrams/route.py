"""A client's route through the protocol, and the labels every diagram format shares.

DOT, Mermaid and the walkthrough page all read :func:`edge_text`,
:func:`short_edge_text`, :func:`conditions` and :func:`node_lines` here, so
every format shows the same words. A long condition is drawn on its edges as a
numbered tag (``[2]``) and spelt out once, in the legend (and in each edge's
tooltip): the same sentence written on four edges buried the drawing.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from facialflow.model import Effect
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.spec import FacialProtocol, StateSpec, TransitionSpec

if TYPE_CHECKING:
    from facialflow.model import Client, Finding, Product, SessionResult


#: this many same-trigger edges into one state are drawn through a junction (see _bundles)
BUNDLE_MIN = 4

#: the label of an unconditional edge; Mermaid and the legend need a word on every edge
NEXT = "next"

#: a condition longer than this is drawn as a numbered tag and spelt out in the legend
SHORT = 30


# -- a client's route ---------------------------------------------------------------------------


def _str_tuple(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(items)


def _str_dict(items: Mapping[str, str]) -> dict[str, str]:
    return dict(items)


@frozen
class Route:
    """One client's way through the protocol, as the diagrams mark it."""

    client_id: str
    date: dt.date
    policy: str
    outcome: str | None
    path: tuple[str, ...] = field(converter=_str_tuple)
    #: conditional step (``extraction``, ``laser``) -> why it was not performed
    skipped: Mapping[str, str] = field(factory=dict, converter=_str_dict)
    #: (state, product) in the order they were applied
    products: tuple[tuple[str, Product], ...] = ()
    findings: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = ()

    @classmethod
    def from_result(cls, result: SessionResult) -> Route:
        return cls(
            client_id=result.client.id,
            date=result.date,
            policy=result.policy,
            outcome=str(result.outcome) if result.outcome is not None else None,
            path=result.path,
            skipped=result.skipped,
            products=tuple((a.step, a.product) for a in result.products),
            findings=tuple(result.findings),
            warnings=tuple(result.warnings),
        )

    @property
    def visited(self) -> frozenset[str]:
        return frozenset(self.path)

    @property
    def edges(self) -> frozenset[tuple[str, str]]:
        return frozenset(zip(self.path, self.path[1:], strict=False))

    def step_number(self, state: str) -> int | None:
        return self.path.index(state) + 1 if state in self.path else None

    def products_at(self, state: str) -> tuple[Product, ...]:
        return tuple(p for step, p in self.products if step == state)

    def skip_reason(self, protocol: FacialProtocol, state: str) -> str | None:
        """Why ``state`` (or the compound step it belongs to) was skipped, if it was."""
        if state in self.skipped:
            return self.skipped[state]
        if state in protocol.state_map:
            return self.skipped.get(protocol.step_of(state))
        return None

    @property
    def final_state(self) -> str | None:
        """The final state the route ended in, or None for an unfinished route."""
        return self.path[-1] if self.path and self.outcome == self.path[-1] else None

    def exit_reasons(self) -> tuple[str, ...]:
        """Why the session ended early (the blocking findings of a declined screening)."""
        return tuple(f"{f.rule}: {f.reason}" for f in self.findings if f.effect == Effect.DECLINE)

    def title(self) -> str:
        outcome = self.outcome or "unfinished"
        return (
            f"Client {self.client_id} on {self.date.isoformat()} ({self.policy} policy): {outcome}"
        )


def route_for_client(
    client: Client,
    *,
    date: dt.date,
    policy: str | None = None,
    plugins: Any = None,
    protocol: FacialProtocol = FACIAL,
) -> Route:
    """Run ``client``'s session to its end and return the route it took."""
    # imported here: drawing the protocol alone needs no engine
    from facialflow.session.live import Session

    session = Session.start(client, date=date, policy=policy, plugins=plugins, protocol=protocol)
    return Route.from_result(session.run())


# -- shared text --------------------------------------------------------------------------------


def edge_text(protocol: FacialProtocol, t: TransitionSpec) -> str:
    """The plain-language label of an edge, the same in every format."""
    return protocol.edge_label(t) or NEXT


def _parts(protocol: FacialProtocol, t: TransitionSpec) -> list[str]:
    if t.label:
        return [t.label]
    return [protocol.guard_map[g].label for g in t.guards]


@functools.cache
def _conditions(protocol: FacialProtocol) -> dict[str, str]:
    tags: dict[str, str] = {}
    for t in protocol.transitions:
        for text in _parts(protocol, t):
            if len(text) > SHORT and text not in tags:
                tags[text] = f"[{len(tags) + 1}]"
    return tags


def conditions(protocol: FacialProtocol) -> list[tuple[str, str]]:
    """``(tag, text)`` for every long condition, in the order the protocol first uses them."""
    return [(tag, text) for text, tag in _conditions(protocol).items()]


def short_edge_text(protocol: FacialProtocol, t: TransitionSpec) -> str:
    """The label drawn on an edge: short conditions as words, long ones as their tag."""
    tags = _conditions(protocol)
    parts = _parts(protocol, t)
    return " and ".join(tags.get(p, p) for p in parts) if parts else NEXT


def product_text(p: Product) -> str:
    if p.spf and f"SPF {p.spf}" not in p.name:
        return f"{p.name} (SPF {p.spf})"
    return p.name


def node_lines(protocol: FacialProtocol, state: StateSpec, route: Route | None) -> list[str]:
    """The lines of a state's box: its label (numbered on a route), products, skip reason."""
    lines = [state.label]
    if route is None:
        return lines
    number = route.step_number(state.name)
    if number is not None:
        lines[0] = f"{number}. {state.label}"
    lines.extend(product_text(p) for p in route.products_at(state.name))
    if state.name == route.final_state:
        lines.extend(route.exit_reasons())
    reason = route.skipped.get(state.name)
    if reason is not None and not ended_before(protocol, route, state.name):
        lines.append(f"skipped: {reason}")
    return lines


def ended_before(protocol: FacialProtocol, route: Route, name: str) -> bool:
    """Whether the route left the treatment route for an exit before reaching ``name``.

    A declined session never reached its conditional steps: their "skipped"
    reason belongs on the exit, not on greyed boxes it never came to.
    """
    final_state = route.final_state
    if final_state is None or name in route.visited:
        return False
    return protocol.state_map[final_state].lane != "main"


def compound_lines(
    name: str, label: str, route: Route | None, protocol: FacialProtocol = FACIAL
) -> list[str]:
    lines = [label]
    if route is not None and name in route.skipped and not ended_before(protocol, route, name):
        lines.append(f"skipped: {route.skipped[name]}")
    return lines


def main_states(protocol: FacialProtocol) -> list[StateSpec]:
    return [s for s in protocol.states if s.lane == "main"]


# -- storyboards -------------------------------------------------------------------------------


def storyboard_path(protocol: FacialProtocol, route: Route | None) -> tuple[str, ...]:
    """The states the storyboard walks: the route's path, or the protocol's treatment route."""
    if route is not None:
        return route.path
    return tuple(s.name for s in protocol.states if s.lane == "main")


def frames(protocol: FacialProtocol = FACIAL, route: Route | None = None) -> list[dict[str, Any]]:
    """One entry per frame: the state, its number and label, the edges taken up to it."""
    path = storyboard_path(protocol, route)
    pairs = [list(p) for p in itertools.pairwise(path)]
    return [
        {
            "id": name,
            "number": k + 1,
            "label": protocol.state_map[name].label,
            "edges": pairs[:k],
        }
        for k, name in enumerate(path)
    ]
