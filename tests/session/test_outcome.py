"""A session's products, skipped steps and warnings are pure functions of where the engine took it."""

from __future__ import annotations

from conftest import DATE, MakeClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facialflow import testing
from facialflow.model import AdverseKind, AppliedProduct, Client
from facialflow.products.hookspecs import STEPS
from facialflow.protocol.facial import FACIAL
from facialflow.session.live import Session
from facialflow.session.outcome import (
    NO_SUNSCREEN,
    applied_products,
    applied_steps,
    session_warnings,
    skipped_steps,
    sunscreen_applied,
)

FIRST = [k for k in AdverseKind if k is not AdverseKind.WORSENING]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    client=testing.clients(),
    steps=st.integers(min_value=0, max_value=12),
    reaction=st.none() | st.sampled_from(FIRST),
)
def test_a_sessions_report_is_what_its_path_screening_and_selection_say(
    client: Client, steps: int, reaction: AdverseKind | None
) -> None:
    # the simulator writes sessions it never builds from these functions: they must give
    # exactly what the session itself reports, wherever it stopped and however
    s = Session.start(client, date=DATE)
    for _ in range(steps):
        if s.finished:
            break
        s.advance()
    if reaction is not None and not s.finished:
        s.report_adverse(reaction)
    path = tuple(s.path)
    # the session reports through these functions: each is held to an independent reading
    # of the contract here (what Session computed inline before they were factored out)
    expected_applied = _applied(s)
    assert applied_products(path, s.selection) == s.applied() == expected_applied
    assert applied_steps(path, s.selection) == tuple((a.step, a.product) for a in expected_applied)
    assert skipped_steps(path, s.screening, s.adverse, FACIAL) == s.skipped() == _skipped(s)
    protected = sunscreen_applied(path, s.selection)
    assert protected == any(a.step == "safe_exit_protect" for a in expected_applied)
    assert (
        session_warnings(s.screening, s.selection, s.adverse, s.facts.tolerates_product, protected)
        == s.warnings()
        == _warnings(s, expected_applied)
    )


def _applied(s: Session) -> tuple[AppliedProduct, ...]:
    seen = set(s.path)
    return tuple(
        AppliedProduct(step, product)
        for step in STEPS
        if step in seen
        for product in s.selection.for_step(step)
    )


def _skipped(s: Session) -> dict[str, str]:
    done = {FACIAL.step_of(state) for state in s.path}
    out: dict[str, str] = {}
    for step in ("extraction", "laser"):
        if step in done:
            continue
        if step in s.screening.skipped:
            out[step] = s.screening.skipped[step]
        elif s.adverse is not None:
            out[step] = f"session stopped: {s.adverse.kind} at {s.adverse.step}"
    return out


def _warnings(s: Session, applied: tuple[AppliedProduct, ...]) -> tuple[str, ...]:
    out: list[str] = []
    if not s.screening.declined:
        out += [*s.screening.warnings, *s.selection.warnings]
        out += [f"{step}: {why}" for step, why in s.selection.missing.items()]
    if s.adverse is not None:
        a = s.adverse
        out.append(f"adverse reaction ({a.kind}) at {a.step}: {a.escalation}")
        if not s.facts.tolerates_product:
            out.append("skin could not tolerate product: sun-avoidance advice given instead of SPF")
        elif not any(p.step == "safe_exit_protect" for p in applied):
            out.append("no sunscreen could be applied: sun-avoidance advice given instead of SPF")
    return tuple(out)


def test_a_safe_exit_without_its_sunscreen_says_so(make_client: MakeClient) -> None:
    # a reaction with the skin still tolerating product, and no sunscreen applied: R27's note
    client = make_client()
    s = Session.start(client, date=DATE)
    said = session_warnings(s.screening, s.selection, None, True, False)
    assert NO_SUNSCREEN not in said
    s.advance()
    s.report_adverse(AdverseKind.IRRITATION)
    said = session_warnings(s.screening, s.selection, s.adverse, True, False)
    assert said[-1] == NO_SUNSCREEN
    assert NO_SUNSCREEN not in session_warnings(s.screening, s.selection, s.adverse, True, True)
