"""The ``plan`` command: a client's visit schedule, as text, JSON or ICS."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from facialflow.cli.options import (
    DATE,
    Number,
    client_option,
    emit_json,
    handle_errors,
    policy_file,
    policy_option,
)

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@click.command()
@client_option(required=True)
@click.option("--start", required=True, type=DATE, help="Day of the first visit, YYYY-MM-DD.")
@click.option(
    "--visits", type=Number(1, 1000, integer=True), default=None, help="How many visits to plan."
)
@click.option(
    "--until",
    type=DATE,
    default=None,
    help="Last possible visit day, YYYY-MM-DD (default: one year).",
)
@click.option(
    "--series-sessions",
    type=Number(1, 1000, integer=True),
    default=None,
    help="Shorten the corrective series (within the policy's range).",
)
@policy_option()
@click.option(
    "--skip-weekends", is_flag=True, help="The clinic is closed on Saturdays and Sundays."
)
@click.option(
    "--closed-weekday",
    "closed_weekdays",
    multiple=True,
    type=click.Choice(_WEEKDAYS, case_sensitive=False),
    help="A weekday the clinic is closed (repeatable).",
)
@click.option(
    "--closed-date",
    "closed_dates",
    multiple=True,
    type=DATE,
    help="A date the clinic is closed (repeatable).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail instead of warning when a closed day pushes a visit past its maximum interval.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--ics",
    "ics_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the visits to this iCalendar (.ics) file.",
)
@click.option(
    "--duration",
    type=Number(1, 1440, integer=True),
    default=60,
    show_default=True,
    help="Calendar event length in minutes.",
)
@click.option(
    "--time",
    "start_time",
    default="09:00",
    show_default=True,
    help="Calendar event start time, HH:MM (local).",
)
@handle_errors
def plan(
    client_file: Path,
    start: dt.date,
    visits: int | None,
    until: dt.date | None,
    series_sessions: int | None,
    policy: str,
    skip_weekends: bool,
    closed_weekdays: tuple[str, ...],
    closed_dates: tuple[dt.date, ...],
    strict: bool,
    fmt: str,
    ics_file: Path | None,
    duration: int,
    start_time: str,
) -> None:
    """Plan a client's visits: a corrective series, then maintenance (rules R32-R35).

    The first visit is on --start; each later one is at the shortest interval every
    spacing rule allows, moved past closed days while the maximum interval holds.
    A visit that cannot stay within it carries a warning (--strict: an error).
    """
    from facialflow.io.client_file import load_client
    from facialflow.planning.ics import write_ics
    from facialflow.planning.report import plan_text_lines, plan_to_dict
    from facialflow.planning.schedule import plan_visits
    from facialflow.planning.visits import Calendar

    if visits is not None and until is not None:
        raise click.UsageError("--visits and --until cannot be used together")
    try:
        at = dt.time.fromisoformat(start_time)
    except ValueError:
        raise click.BadParameter(
            f"{start_time!r} is not a time (HH:MM)", param_hint="'--time'"
        ) from None
    client = load_client(client_file, on=start)
    calendar = Calendar.from_options(
        skip_weekends=skip_weekends,
        closed_weekdays=[d.lower() for d in closed_weekdays],
        closed_dates=closed_dates,
    )
    result = plan_visits(
        client,
        start,
        policy,
        visits=visits,
        until=until,
        calendar=calendar,
        series_sessions=series_sessions,
        strict=strict,
    )
    if ics_file is not None:
        count = write_ics(
            result,
            ics_file,
            duration=dt.timedelta(minutes=duration),
            start_time=at,
            protect=[("--client", client_file), ("--policy", policy_file(policy))],
        )
        click.echo(f"Wrote {count} calendar events to {ics_file}", err=True)
    if fmt == "json":
        emit_json(plan_to_dict(result))
    else:
        for line in plan_text_lines(result):
            click.echo(line)


# -- diagram ------------------------------------------------------------------------------------
