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
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs
from attrs import field, frozen

from facialflow.clinic.policy import Policy
from facialflow.errors import FacialflowError, InvalidTypeError, InvalidValueError
from facialflow.model import (
    AdverseKind,
    Assessment,
    Client,
    Comedones,
    Concern,
    SessionResult,
    SkinType,
)
from facialflow.qa.paths import adverse_states, reaction_steps, route

__all__ = [
    "AdversePlan",
    "StepNotReached",
    "drive_reactions",
    "drive_session",
    "run_scenario",
    "shrink_client",
    "shrink_plan",
]


class StepNotReached(FacialflowError):
    """An adverse reaction was planned at a step the session cannot reach."""


def _step_value(value: str | int) -> str | int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidTypeError(f"step must be a state name or an index, got {value!r}")
    if isinstance(value, int) and value < 0:
        raise InvalidValueError("a step index must not be negative")
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
    capable = reaction_steps() if isinstance(plan.step, int) else adverse_states()
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


def drive_reactions(session: Any, reactions: Sequence[tuple[str, AdverseKind]]) -> SessionResult:
    """Advance ``session`` to its end, reporting each ``(state, kind)`` when it is there, in order.

    A second reaction at a safe-exit state is how a reaction that worsens is
    recorded (``worsening@safe_exit_cool``): it takes the emergency path.
    """
    pending = list(reactions)
    while not session.finished:
        if pending and session.current == pending[0][0]:
            session.report_adverse(pending.pop(0)[1])
        else:
            session.advance()
    result: SessionResult = session.result()
    return result


def drive_session(session: Any, target: str | None, kind: AdverseKind) -> SessionResult:
    return drive_reactions(session, [] if target is None else [(target, kind)])


def run_scenario(
    client: Client,
    *,
    date: dt.date,
    policy: Policy | str | None = None,
    adverse: AdversePlan | None = None,
    plugins: Any = None,
    strict: bool = False,
    then: AdversePlan | None = None,
) -> SessionResult:
    """Run ``client``'s session to its end, with the planned adverse reaction if any.

    A reaction planned at a step the client never reaches does not happen,
    unless ``strict``, which raises :class:`StepNotReached` instead. ``then``
    is a second report during the safe exit (its ``step`` a safe-exit state
    name), such as the reaction worsening.
    """
    from facialflow.session.live import Session

    session = Session.start(client, date=date, policy=policy, plugins=plugins)
    target = _target(session, adverse, strict)
    reactions: list[tuple[str, AdverseKind]] = []
    if target is not None and adverse is not None:
        reactions.append((target, adverse.kind))
        if then is not None:
            reactions.append((str(then.step), then.kind))
    return drive_reactions(session, reactions)


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
    if len(c.medications) > 1:
        for line in c.medications:
            yield ev(c, medications=tuple(m for m in c.medications if m != line))
    for dated in (
        "isotretinoin_last_dose",
        "last_sun_exposure",
        "last_topical_retinoid",
        "last_peel",
        "last_injectable",
    ):
        if getattr(c, dated) is not None:
            yield ev(c, **{dated: None})
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
            ("anticoagulant_acknowledged", False),
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


def shrink_plan(
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
