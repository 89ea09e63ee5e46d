"""The ``facialflow`` command line: the only module that imports click, prints or exits.

Commands call the services and format what they return. Every
:class:`~facialflow.errors.FacialflowError` becomes one ``Error: ...`` line on
stderr and the error's exit code; a traceback shown to a user is a bug.
Heavy modules are imported inside the commands so ``--help`` starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from facialflow.errors import FacialflowError
from facialflow.isodate import parse_iso_date

F = TypeVar("F", bound=Callable[..., Any])

POLICY_HELP = "Clinical policy: a preset (conservative, asds2017) or a policy .toml file."
DATE_HELP = "Session date for every time-based rule, YYYY-MM-DD (default: today)."


class _Date(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return parse_iso_date(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO date (YYYY-MM-DD)", param, ctx)


DATE = _Date()


def catalog_option(extra: str = "") -> Callable[[F], F]:
    return click.option(
        "--catalog",
        "catalogs",
        multiple=True,
        type=click.Path(path_type=Path),
        help="A clinic catalog .toml file or folder (repeatable)." + extra,
    )


def client_option(
    help: str = "A client file (.json or .toml).", *, required: bool = False
) -> Callable[[F], F]:
    return click.option(
        "--client", "client_file", required=required, type=click.Path(path_type=Path), help=help
    )


def date_option(extra: str = "") -> Callable[[F], F]:
    return click.option("--date", "date", type=DATE, default=None, help=DATE_HELP + extra)


def policy_option(extra: str = "") -> Callable[[F], F]:
    return click.option(
        "--policy", default="conservative", show_default=True, help=POLICY_HELP + extra
    )


def handle_errors(func: F) -> F:
    """Turn facialflow errors into ``Error: ...`` and the error's exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FacialflowError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:  # pragma: no cover - e.g. `facialflow ... | head`
            sys.exit(0)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            # a bug, not a user error: one line for the user, the traceback on request
            if os.environ.get("FACIALFLOW_DEBUG"):
                raise
            click.echo(
                f"Error: internal error ({type(exc).__name__}: {exc}); "
                "set FACIALFLOW_DEBUG=1 for the traceback and please report it",
                err=True,
            )
            sys.exit(70)

    return wrapper  # type: ignore[return-value]


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=None, package_name="facialflow", prog_name="facialflow")
def main() -> None:
    """facialflow: the medical facial as a state machine.

    Simulate sessions, enumerate paths, check safety, draw diagrams and plan visits.
    """


# -- simulate -----------------------------------------------------------------------------------


def _print_session(result: Any) -> None:
    from facialflow.session import session_to_dict

    d = session_to_dict(result)
    click.echo(f"Client {d['client']['id']} on {d['date']} ({d['policy']} policy): {d['outcome']}")
    click.echo("Path: " + " -> ".join(d["path"]))
    declines = [f["reason"] for f in d["findings"] if f["effect"] == "decline"]
    if declines:
        click.echo("Declined because: " + "; ".join(declines))
    if d["adverse"]:
        a = d["adverse"]
        click.echo(f"Adverse reaction: {a['kind']} at {a['step']}; escalation: {a['escalation']}")
    if d["products"]:
        click.echo("Products:")
        for p in d["products"]:
            spf = f" (SPF {p['spf']})" if p["spf"] else ""
            click.echo(f"  {p['step']:<18} {p['name']}{spf}: {', '.join(p['ingredients'])}")
    if d["skipped"] and not declines:
        click.echo("Skipped:")
        for step, why in d["skipped"].items():
            click.echo(f"  {step}: {why}")
    if d["warnings"]:
        click.echo("Warnings:")
        for w in d["warnings"]:
            click.echo(f"  - {w}")


@main.command()
@client_option()
@date_option()
@policy_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "summary", "jsonl"]),
    default=None,
    help="Output format (client: text|json; random: summary|jsonl|json).",
)
@catalog_option()
@click.option(
    "--random",
    "n",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Simulate N generated clients instead of one client file.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="With --random: seed of the generated clients and reactions.",
)
@click.option(
    "--adverse-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="With --random: chance that a session meets an adverse reaction after intake.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="With --random: processes to use; the output is the same for any number.",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="PCT",
    help="With --random: exit 1 when coverage is below PCT percent.",
)
@click.option(
    "--engine",
    type=click.Choice(["fast", "transitions"]),
    default="fast",
    show_default=True,
    help="With --random: step sessions by shared plans (fast) or one Session each "
    "(transitions, the reference); the output is identical.",
)
@handle_errors
def simulate(
    client_file: Path | None,
    date: dt.date | None,
    policy: str,
    fmt: str | None,
    catalogs: tuple[Path, ...],
    n: int | None,
    seed: int,
    adverse_rate: float,
    workers: int,
    fail_under: float | None,
    engine: str,
) -> None:
    """Simulate one full session for a client, or N generated ones with --random.

    With --random, the same seed gives byte-identical output whatever --workers
    is. Formats: summary (outcome, path, step and branch frequencies and
    coverage, with what was never exercised), jsonl (one session JSON per line,
    streamed) or json (one document: sessions and summary).
    """
    from facialflow.clientfile import load_client
    from facialflow.plugins import load_plugins
    from facialflow.session import Session, session_to_dict

    if n is not None:
        if client_file is not None:
            raise click.UsageError("give either --client FILE or --random N, not both")
        _simulate_random(
            n=n,
            seed=seed,
            date=date or dt.date.today(),
            policy=policy,
            adverse_rate=adverse_rate,
            fmt=fmt or "summary",
            workers=workers,
            fail_under=fail_under,
            engine=engine,
            catalogs=catalogs,
        )
        return
    if client_file is None:
        raise click.UsageError("give --client FILE (or --random N)")
    fmt = fmt or "text"
    if fmt not in ("text", "json"):
        raise click.UsageError("with --client, --format is text or json")
    client = load_client(client_file)
    plugins = load_plugins(catalogs=catalogs)
    result = Session.start(
        client, date=date or dt.date.today(), policy=policy, plugins=plugins
    ).run()
    if fmt == "json":
        emit_json(session_to_dict(result))
    else:
        _print_session(result)


#: runs at least this long show a progress bar (on a terminal's stderr only)
PROGRESS_FROM = 50_000


def _simulate_random(
    *,
    n: int,
    seed: int,
    date: dt.date,
    policy: str,
    adverse_rate: float,
    fmt: str,
    workers: int,
    fail_under: float | None,
    engine: str,
    catalogs: tuple[Path, ...],
) -> None:
    from facialflow.plugins import load_plugins
    from facialflow.policy import load_policy
    from facialflow.simulate import SimulationSpec, Tally, simulate, summarize, summary_lines

    if fmt not in ("summary", "jsonl", "json"):
        raise click.UsageError("with --random, --format is summary, jsonl or json")
    # bad catalogs fail here, once, not in every worker
    load_plugins(catalogs=catalogs)
    spec = SimulationSpec(
        n=n,
        seed=seed,
        date=date,
        policy=load_policy(policy),
        adverse_rate=adverse_rate,
        catalogs=catalogs,
        workers=workers,
        engine="transitions" if engine == "transitions" else "fast",
        sessions=fmt != "summary",
    )
    tally = Tally()
    show = n >= PROGRESS_FROM and sys.stderr.isatty()
    with click.progressbar(length=n, label="simulating", file=sys.stderr, hidden=not show) as bar:
        first = True
        if fmt == "json":
            click.echo('{"sessions":[', nl=False)
        for batch in simulate(spec):
            tally.add(batch)
            if batch.text:
                if fmt == "jsonl":
                    click.echo(batch.text)
                else:
                    # a JSON line holds no raw newline: each newline ends a session
                    text = batch.text.replace("\n", ",\n")
                    click.echo(("\n" if first else ",\n") + text, nl=False)
                    first = False
            bar.update(batch.count)
    summary = summarize(tally, spec)
    if fmt == "json":
        text = json.dumps(summary.to_dict(), ensure_ascii=False, separators=(",", ":"))
        click.echo("\n],\n" + '"summary":' + text + "}")
    elif fmt == "summary":
        for line in summary_lines(summary):
            click.echo(line)
    coverage = summary.coverage.percent
    if fail_under is not None and coverage < fail_under:
        click.echo(
            f"Error: coverage {coverage:.1f}% is below --fail-under {fail_under:g}%", err=True
        )
        sys.exit(1)


# -- plugins ------------------------------------------------------------------------------------


@main.command("plugins")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@catalog_option()
@handle_errors
def plugins_command(fmt: str, catalogs: tuple[Path, ...]) -> None:
    """List the loaded plugins, where they come from, what they cover and their products."""
    from facialflow.plugins import load_plugins, plugins_to_dict

    listing = plugins_to_dict(load_plugins(catalogs=catalogs))
    if fmt == "json":
        emit_json(listing)
        return
    for p in listing:
        click.echo(f"{p['name']} ({p['source']}): {p['description']}")
        if p["concerns"]:
            click.echo(f"  concerns:   {', '.join(p['concerns'])}")
        if p["skin_types"]:
            click.echo(f"  skin types: {', '.join(p['skin_types'])}")
        for prod in p["products"]:
            spf = f" (SPF {prod['spf']})" if prod["spf"] and "SPF" not in prod["name"] else ""
            click.echo(
                f"  - {prod['kind']:<11} {prod['name']}{spf}: {', '.join(prod['ingredients'])}"
            )


# -- plan ---------------------------------------------------------------------------------------

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@main.command()
@client_option(required=True)
@click.option("--start", required=True, type=DATE, help="Day of the first visit, YYYY-MM-DD.")
@click.option("--visits", type=click.IntRange(min=1), default=None, help="How many visits to plan.")
@click.option(
    "--until",
    type=DATE,
    default=None,
    help="Last possible visit day, YYYY-MM-DD (default: one year).",
)
@click.option(
    "--series-sessions",
    type=click.IntRange(min=1),
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
    type=click.IntRange(1, 1440),
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
    from facialflow.clientfile import load_client
    from facialflow.ics import write_ics
    from facialflow.schedule import Calendar, plan_text_lines, plan_to_dict, plan_visits

    if visits is not None and until is not None:
        raise click.UsageError("--visits and --until cannot be used together")
    try:
        at = dt.time.fromisoformat(start_time)
    except ValueError:
        raise click.BadParameter(
            f"{start_time!r} is not a time (HH:MM)", param_hint="'--time'"
        ) from None
    client = load_client(client_file)
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
        count = write_ics(result, ics_file, duration=dt.timedelta(minutes=duration), start_time=at)
        click.echo(f"Wrote {count} calendar events to {ics_file}", err=True)
    if fmt == "json":
        emit_json(plan_to_dict(result))
    else:
        for line in plan_text_lines(result):
            click.echo(line)


# -- diagram ------------------------------------------------------------------------------------

DIAGRAM_FORMATS = ("dot", "svg", "png", "pdf", "mermaid", "html")


@main.command()
@client_option("Mark this client's route (.json or .toml).")
@date_option(" Needs --client.")
@click.option(
    "--policy", default=None, help=POLICY_HELP + " Needs --client. [default: conservative]"
)
@catalog_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(DIAGRAM_FORMATS),
    default=None,
    help="Output format [default: from the --output extension, else dot].",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE instead of stdout.",
)
@click.option(
    "--renderer",
    type=click.Choice(["auto", "system", "embedded"]),
    default=None,
    help="Draw SVG with the system Graphviz or the embedded one "
    "[default: $FACIALFLOW_RENDERER, else auto].",
)
@click.option(
    "--write-all",
    "write_dir",
    is_flag=False,
    flag_value="diagrams",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    metavar="[DIR]",
    help="Regenerate every committed diagram in DIR (default: diagrams).",
)
@click.option(
    "--check",
    "check_dir",
    is_flag=False,
    flag_value="diagrams",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    metavar="[DIR]",
    help="Exit 1 listing each stale diagram under DIR (default: diagrams).",
)
@handle_errors
def diagram(
    client_file: Path | None,
    date: dt.date | None,
    policy: str | None,
    catalogs: tuple[Path, ...],
    fmt: str | None,
    output: Path | None,
    renderer: str | None,
    write_dir: Path | None,
    check_dir: Path | None,
) -> None:
    """Draw the protocol (dot, svg, png, pdf, mermaid or html); with --client, that client's route.

    html is a self-contained step-by-step walkthrough page for trainers. svg and html
    work without a system Graphviz (an embedded renderer draws them); png and pdf need it.
    """
    from facialflow.diagrams import BINARY_FORMATS, EXTENSIONS, format_for_path, produce
    from facialflow.errors import DiagramError

    if write_dir is not None or check_dir is not None:
        if write_dir is not None and check_dir is not None:
            raise click.UsageError("--write-all and --check cannot be used together")
        if client_file or date or policy or catalogs or fmt or output:
            raise click.UsageError("--write-all and --check take no other option but --renderer")
        from facialflow.diagram_set import stale_files, write_all

        if write_dir is not None:
            for path in write_all(write_dir):
                click.echo(f"wrote {path}", err=True)
            return
        assert check_dir is not None
        stale = stale_files(check_dir)
        if stale:
            raise DiagramError(
                f"{len(stale)} stale diagram file(s); regenerate with "
                f"`facialflow diagram --write-all {check_dir}`:\n  " + "\n  ".join(stale)
            )
        click.echo(f"{check_dir}: every diagram is up to date")
        return

    if client_file is None and (date or policy or catalogs):
        raise click.UsageError("--date, --policy and --catalog need --client")
    if fmt is None:
        fmt = format_for_path(output) if output is not None else "dot"
    elif output is not None and EXTENSIONS.get(output.suffix.lower(), fmt) != fmt:
        raise click.UsageError(f"--format {fmt} does not match the extension of {output}")
    if fmt in BINARY_FORMATS and output is None and sys.stdout.isatty():
        raise click.UsageError(f"{fmt} is binary: give --output FILE, or redirect stdout to a file")

    route = None
    if client_file is not None:
        from facialflow.clientfile import load_client
        from facialflow.diagrams import route_for_client
        from facialflow.plugins import load_plugins

        route = route_for_client(
            load_client(client_file),
            date=date or dt.date.today(),
            policy=policy,
            plugins=load_plugins(catalogs=catalogs),
        )
    data = produce(fmt, route=route, renderer=renderer)
    if output is not None:
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise DiagramError(f"cannot write {output}: {exc.strerror or exc}") from None
        click.echo(f"wrote {fmt} diagram to {output}", err=True)
    elif fmt in BINARY_FORMATS:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        click.echo(data.decode(), nl=False)


# -- paths --------------------------------------------------------------------------------------


def _print_paths(paths: Any, header: str) -> None:
    from collections import Counter

    counts = Counter(p.outcome for p in paths)
    summary = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
    noun = "path" if len(paths) == 1 else "paths"
    click.echo(f"{len(paths)} {noun} {header}: {summary}")
    width = len(str(len(paths)))
    for i, p in enumerate(paths, 1):
        click.echo("")
        click.echo(f"{i:>{width}}. {p.outcome}: " + " -> ".join(p.path))
        pad = " " * (width + 2)
        if p.conditions:
            click.echo(f"{pad}when: " + "; ".join(p.conditions))
        for alternative in p.also_when:
            click.echo(f"{pad}or when: " + "; ".join(alternative))


@main.command("paths")
@client_option("Only the paths of this client (.json or .toml).")
@date_option(" With --client.")
@policy_option(" With --client.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--no-adverse", is_flag=True, help="Leave out the paths through an adverse reaction.")
@click.option(
    "--max-paths",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Fail past this many paths.",
)
@click.option(
    "--max-depth",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Fail when a path grows past this many states.",
)
@catalog_option(" With --client.")
@handle_errors
def paths_command(
    client_file: Path | None,
    date: dt.date | None,
    policy: str,
    fmt: str,
    no_adverse: bool,
    max_paths: int,
    max_depth: int,
    catalogs: tuple[Path, ...],
) -> None:
    """Every possible path, with the conditions that lead to it.

    Without --client: every path any client can take (every guard outcome, an
    adverse reaction at any step). With --client: that client's screening fixes
    the branches, and an adverse reaction can still happen at any step after
    intake.
    """
    from facialflow.paths import all_paths, client_paths, paths_to_dicts

    if client_file is None:
        paths = all_paths(adverse=not no_adverse, max_paths=max_paths, max_depth=max_depth)
        header = "for any client"
    else:
        from facialflow.clientfile import load_client
        from facialflow.plugins import load_plugins

        client = load_client(client_file)
        day = date or dt.date.today()
        paths = client_paths(
            client,
            date=day,
            policy=policy,
            plugins=load_plugins(catalogs=catalogs),
            adverse=not no_adverse,
            max_paths=max_paths,
            max_depth=max_depth,
        )
        header = f"for client {client.id} on {day.isoformat()} ({policy} policy)"
    if fmt == "json":
        emit_json(paths_to_dicts(paths))
    else:
        _print_paths(paths, header)


# -- check --------------------------------------------------------------------------------------


def _print_check(report: Any, seconds: float) -> None:
    click.echo(
        f"check: {report.sessions} sessions (seed {report.seed}, {report.date.isoformat()}, "
        f"{report.policy} policy, adverse rate {report.adverse_rate:g}) in {seconds:.1f} s"
    )
    outcomes = ", ".join(f"{name} {n}" for name, n in report.outcomes.items())
    click.echo(f"outcomes: {outcomes}; {report.adverse_sessions} with an adverse reaction")
    if report.ok:
        click.echo(f"OK: all {len(report.invariants)} invariants held in every session")
        for name in report.invariants:
            click.echo(f"  - {name}")
        return
    for f in report.failures:
        inv = f.invariant
        rules = f" ({', '.join(inv.rules)})" if inv.rules else ""
        click.echo("")
        click.echo(f"VIOLATED {inv.name}{rules}: {f.count} of {report.sessions} sessions")
        click.echo(f"  invariant: {inv.description}")
        click.echo(f"  first seen: client {f.first.id}: {f.first_detail}")
        click.echo(
            f"  smallest client that shows it ({f.shrink_runs} shrink runs): {f.minimal_detail}"
        )
        if f.adverse is not None:
            click.echo(f"  with an adverse reaction: {f.adverse.kind} at {f.adverse.step}")
        click.echo("  client file:")
        for line in json.dumps(f.to_dict()["minimal_client"], indent=2).splitlines():
            click.echo("    " + line)
    click.echo("")
    click.echo(f"FAILED: {len(report.failures)} of {len(report.invariants)} invariants violated")


@main.command("check")
@click.option(
    "--random",
    "n",
    type=click.IntRange(min=1),
    required=True,
    metavar="N",
    help="Check N generated sessions.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the generated clients and reactions.",
)
@date_option()
@policy_option()
@click.option(
    "--adverse-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of sessions that meet an adverse reaction at a random step after intake.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--save",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the smallest failing client to this .json client file.",
)
@click.option(
    "--no-shrink", is_flag=True, help="Report the first failing clients as found, unshrunk."
)
@catalog_option()
@handle_errors
def check_command(
    n: int,
    seed: int,
    date: dt.date | None,
    policy: str,
    adverse_rate: float,
    fmt: str,
    save: Path | None,
    no_shrink: bool,
    catalogs: tuple[Path, ...],
) -> None:
    """Run N generated sessions through the named safety invariants.

    Exits 0 when every invariant holds. On a violation, exits 1 and prints each
    violated invariant with the smallest client that shows it, shrunk field by
    field, as a ready-to-run client file.
    """
    import time

    from facialflow.plugins import load_plugins
    from facialflow.policy import load_policy
    from facialflow.population import iter_clients
    from facialflow.shrink import check_clients

    if save is not None and save.suffix.lower() != ".json":
        raise click.UsageError("--save writes a JSON client file: give a path ending in .json")
    day = date or dt.date.today()
    pol = load_policy(policy)
    started = time.perf_counter()
    report = check_clients(
        iter_clients(seed, n, date=day),
        date=day,
        policy=pol,
        seed=seed,
        adverse_rate=adverse_rate,
        plugins=load_plugins(catalogs=catalogs),
        shrink=not no_shrink,
    )
    seconds = time.perf_counter() - started
    if fmt == "json":
        emit_json(report.to_dict())
    else:
        _print_check(report, seconds)
    if report.failures and save is not None:
        minimal = report.failures[0].to_dict()["minimal_client"]
        try:
            save.write_text(json.dumps(minimal, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise click.FileError(str(save), exc.strerror or str(exc)) from None
        click.echo(f"saved the smallest failing client to {save}", err=True)
    if report.failures:
        sys.exit(1)
