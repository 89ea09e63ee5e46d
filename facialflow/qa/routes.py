"""Routes stepped by the real engine once per guard facts and reaction, and shared.

The engine's choices depend only on a session's guard facts and on the
reaction (its kind and the step it happens at): a route is stepped once, by a
real :class:`~facialflow.session.live.Session` through the shared transitions
engine, and every other session with the same facts and reaction is placed
where that one ended (:meth:`~facialflow.session.live.Session.positioned`).
The simulator's fast path and ``check`` share these routes; tests compare both
with sessions stepped one by one.
"""

from __future__ import annotations

import datetime as dt
import functools

from facialflow.clinic.policy import Policy
from facialflow.clinic.reactions import AdverseRecord
from facialflow.clinic.screening import Screening
from facialflow.model import AdverseKind, Client, Concern, Exfoliation, Selection
from facialflow.products.hookspecs import STEPS
from facialflow.protocol.engine import engine_for
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import Facts
from facialflow.qa.coverage import Trace, trace_path
from facialflow.session.live import Session

__all__ = ["StepRoute", "Variant", "route_for"]

#: an adverse reaction: its kind and the step (state) during which it happens
Variant = tuple[AdverseKind, str]


class StepRoute:
    """One way through the protocol, as the engine stepped it."""

    __slots__ = ("adverse", "facts_after", "path", "product_steps", "trace")

    def __init__(
        self, path: tuple[str, ...], adverse: AdverseRecord | None, facts_after: Facts, trace: Trace
    ) -> None:
        self.path = path
        self.adverse = adverse
        self.facts_after = facts_after
        self.trace = trace
        #: the product steps the route went through, in protocol order: what the products
        #: a session applied depend on besides its selection
        self.product_steps = tuple(s for s in STEPS if s in path)

    def place(
        self,
        client: Client,
        date: dt.date,
        policy: Policy,
        screening: Screening,
        selection: Selection,
    ) -> Session:
        """A session of ``client`` (whose facts this route was stepped for) where it ends."""
        return Session.positioned(
            client,
            date,
            policy,
            screening,
            selection,
            path=self.path,
            adverse=self.adverse,
            facts=self.facts_after,
        )


_ROUTES: dict[tuple[Facts, Variant | None], StepRoute] = {}


def route_for(facts: Facts, variant: Variant | None) -> StepRoute:
    """The route of a session with these facts and ``variant``: stepped by the real engine once.

    The engine's choices depend only on the guard facts and on the reaction
    (its kind decides whether the skin still tolerates product), so one route
    serves every session with the same facts and variant.
    """
    key = (facts, variant)
    route = _ROUTES.get(key)
    if route is None:
        route = _step(facts, variant)
        _ROUTES[key] = route
    return route


_NO_PRODUCTS = Selection(steps={})


@functools.cache
def _stand_ins() -> tuple[Client, Policy]:
    # built once: a policy validates all its tables, more than half of a new route's cost
    client = Client(id="route", skin_type="normal", concerns=tuple(Concern)[:1], fitzpatrick=1)
    return client, Policy()


def _step(facts: Facts, variant: Variant | None) -> StepRoute:
    # the engine reads nothing but the facts: any client, screening and products with them will do
    client, policy = _stand_ins()
    screening = Screening("route", facts, (), {}, Exfoliation.GENTLE, ())
    day = dt.date(2000, 1, 1)
    session = Session(client, day, policy, screening, _NO_PRODUCTS, engine=engine_for(FACIAL))
    if variant is not None:
        kind, step = variant
        while session.current != step:
            if session.finished:
                raise ValueError(f"step {step!r} is not on the route of {facts}")
            session.advance()
        session.report_adverse(kind)
    while not session.finished:
        session.advance()
    trace = trace_path(session.path, facts, facts_after_adverse=session.facts)
    return StepRoute(tuple(session.path), session.adverse, session.facts, trace)
