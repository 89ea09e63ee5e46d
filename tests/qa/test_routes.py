"""Shared routes: a session placed on its route ends exactly where stepping it ends."""

from __future__ import annotations

import datetime as dt

from facialflow.clinic.policy import load_policy
from facialflow.products.loading import load_plugins
from facialflow.qa.draws import adverse_draws, iter_clients, pick_adverse
from facialflow.qa.paths import reaction_steps
from facialflow.qa.routes import route_for
from facialflow.qa.shrinking import drive_session
from facialflow.session.live import Session

DATE = dt.date(2026, 11, 25)


def test_a_placed_session_gives_the_result_of_stepping_it() -> None:
    policy = load_policy()
    plugins = load_plugins()
    capable = frozenset(reaction_steps())
    draw = adverse_draws(61, 0)
    reactions = 0
    for client in iter_clients(61, 1000, date=DATE):
        session = Session.start(client, date=DATE, policy=policy, plugins=plugins)
        steps = [s for s in session.planned_path() if s in capable]
        picked = pick_adverse(draw(), 0.5, steps)
        stepped = route_for(session.facts, picked)
        placed = Session.positioned(
            client,
            DATE,
            policy,
            session.screening,
            session.selection,
            path=stepped.path,
            adverse=stepped.adverse,
            facts=stepped.facts_after,
        ).result()
        kind, target = picked if picked is not None else (None, None)
        expected = drive_session(session, target, kind or "irritation")  # type: ignore[arg-type]
        assert placed == expected
        reactions += picked is not None
    assert reactions > 300


def test_a_route_is_stepped_once_per_facts_and_reaction() -> None:
    session = Session.start(next(iter_clients(62, 1, date=DATE)), date=DATE)
    assert route_for(session.facts, None) is route_for(session.facts, None)
