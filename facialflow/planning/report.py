"""A visit plan as JSON and as text: titles, step labels and the plan listing."""

from __future__ import annotations

from typing import Any

from facialflow.planning.visits import WEEKDAY_NAMES, Visit, VisitKind, VisitPlan


def _visit_to_dict(v: Visit) -> dict[str, Any]:
    return {
        "date": v.date.isoformat(),
        "kind": str(v.kind),
        "number": v.number,
        "series_of": v.series_of,
        "weekday": WEEKDAY_NAMES[v.date.weekday()],
        "concerns": [str(c) for c in v.concerns],
        "steps": list(v.steps),
        "exfoliation": v.exfoliation,
        "gap_days": v.gap_days,
        "min_gap_days": v.min_gap_days,
        "max_gap_days": v.max_gap_days,
        "reason": v.reason,
        "spacing": [
            {"rule": s.rule, "source": s.source, "min_days": s.min_days, "max_days": s.max_days}
            for s in v.spacing
        ],
        "moved_from": v.moved_from.isoformat() if v.moved_from else None,
        "warnings": list(v.warnings),
        "notes": list(v.notes),
        "aftercare": list(v.aftercare),
    }


def plan_to_dict(plan: VisitPlan) -> dict[str, Any]:
    """The contract's plan JSON: ``{"client": id, "visits": [...]}`` plus extra keys."""
    return {
        "client": plan.client_id,
        "policy": plan.policy,
        "start": plan.start.isoformat(),
        "closed_weekdays": [WEEKDAY_NAMES[d] for d in sorted(plan.calendar.closed_weekdays)],
        "closed_dates": [d.isoformat() for d in sorted(plan.calendar.closed_dates)],
        "visits": [_visit_to_dict(v) for v in plan.visits],
    }


def visit_title(visit: Visit) -> str:
    if visit.kind is VisitKind.SERIES:
        return f"series {visit.number}/{visit.series_of}"
    return f"maintenance {visit.number}"


def step_labels(visit: Visit) -> list[str]:
    strong = visit.exfoliation == "strong"
    return [
        "exfoliation (peel-strength)" if s == "exfoliation" and strong else s
        for s in visit.steps
        if s != "intake"
    ]


def plan_text_lines(plan: VisitPlan) -> list[str]:
    """The plan as human-readable lines (the CLI's text format)."""
    v = plan.visits
    lines = [
        f"Visit plan for {plan.client_id} ({plan.policy} policy): {len(v)} visit"
        f"{'s' if len(v) != 1 else ''}, {v[0].date.isoformat()} to {v[-1].date.isoformat()}"
    ]
    for i, visit in enumerate(v, 1):
        gap = f"+{visit.gap_days}d" if visit.gap_days is not None else "start"
        day = WEEKDAY_NAMES[visit.date.weekday()].capitalize()
        lines.append(
            f"{i:>3}  {visit.date.isoformat()} {day}  {visit_title(visit):<16} {gap:>5}  "
            + ", ".join(step_labels(visit))
        )
        lines.append(f"       why: {visit.reason}")
        lines.extend(f"       warning: {w}" for w in visit.warnings)
        lines.extend(f"       note: {n}" for n in visit.notes)
    return lines
