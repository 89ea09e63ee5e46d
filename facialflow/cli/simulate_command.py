"""The ``simulate`` command: one client's session, or N generated sessions."""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from facialflow.cli.options import (
    COUNT,
    PERCENT,
    PROBABILITY,
    SEED,
    cap_workers,
    catalog_option,
    client_option,
    date_option,
    emit_json,
    handle_errors,
    owns_process,
    policy_option,
    skip_teardown,
    workers_option,
)

# -- simulate -----------------------------------------------------------------------------------


def _print_session(result: Any) -> None:
    from facialflow.io.documents import session_to_dict

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


@click.command()
@client_option()
@date_option()
@policy_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "fhir", "summary", "jsonl"]),
    default=None,
    help="Output format (client: text|json|fhir; random: summary|jsonl|json).",
)
@catalog_option()
@click.option(
    "--random",
    "n",
    type=COUNT,
    default=None,
    metavar="N",
    help="Simulate N generated clients instead of one client file.",
)
@click.option(
    "--seed",
    type=SEED,
    default=0,
    show_default=True,
    help="With --random: seed of the generated clients and reactions.",
)
@click.option(
    "--adverse-rate",
    type=PROBABILITY,
    default=0.0,
    show_default=True,
    help="With --random: chance that a session meets an adverse reaction after intake.",
)
@click.option(
    "--adverse",
    "adverse",
    multiple=True,
    metavar="KIND[@STEP]",
    help="With --client: report a reaction of KIND when the session reaches STEP (default: the "
    "first step after intake). Repeat it to report a worsening during the safe exit, e.g. "
    "--adverse urticaria@mask --adverse worsening@safe_exit_cool.",
)
@workers_option()
@click.option(
    "--fail-under",
    type=PERCENT,
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
    adverse: tuple[str, ...] = (),
) -> None:
    """Simulate one full session for a client, or N generated ones with --random.

    With --random, the same seed gives byte-identical output whatever --workers
    is. Formats: summary (outcome, path, step and branch frequencies and
    coverage, with what was never exercised), jsonl (one session JSON per line,
    streamed) or json (one document: sessions and summary).
    """
    if n is not None:
        if client_file is not None:
            raise click.UsageError("give either --client FILE or --random N, not both")
        if adverse:
            raise click.UsageError(
                "--adverse needs --client FILE; with --random use --adverse-rate"
            )
        _simulate_random(
            n=n,
            seed=seed,
            date=date or dt.date.today(),
            policy=policy,
            adverse_rate=adverse_rate,
            fmt=fmt or "summary",
            workers=cap_workers(workers),
            fail_under=fail_under,
            engine=engine,
            catalogs=catalogs,
        )
        return
    if client_file is None:
        raise click.UsageError("give --client FILE (or --random N)")
    fmt = fmt or "text"
    if fmt not in ("text", "json", "fhir"):
        raise click.UsageError("with --client, --format is text, json or fhir")
    from facialflow.io.client_file import load_client

    # a bad client file is refused before the heavier modules are imported
    day = date or dt.date.today()
    client = load_client(client_file, on=day)
    from facialflow.io.documents import session_to_dict
    from facialflow.products.loading import load_plugins
    from facialflow.session.live import Session

    plugins = load_plugins(catalogs=catalogs)
    session = Session.start(client, date=day, policy=policy, plugins=plugins)
    result = _run_with_reactions(session, [_parse_adverse(a) for a in adverse])
    if fmt == "json":
        emit_json(session_to_dict(result))
    elif fmt == "fhir":
        from facialflow.records.fhir import bundle_json, result_bundle

        emit_json(bundle_json(result_bundle(result)))
    else:
        _print_session(result)


def _parse_adverse(text: str) -> tuple[str, str | None]:
    from facialflow.model import AdverseKind

    kind, at, step = text.partition("@")
    kind = kind.strip().lower()
    if kind not in {k.value for k in AdverseKind}:
        allowed = ", ".join(k.value for k in AdverseKind)
        raise click.BadParameter(f"{kind!r} is not one of: {allowed}", param_hint="'--adverse'")
    if at and not step.strip():
        raise click.BadParameter(
            f"{text!r} names no step after '@' (KIND or KIND@STEP)", param_hint="'--adverse'"
        )
    return kind, step.strip().lower() or None


def _run_with_reactions(session: Any, plans: list[tuple[str, str | None]]) -> Any:
    """Advance ``session`` to its end, reporting each planned reaction at its step."""
    pending = list(plans)
    while not session.finished:
        here = session.current
        if pending:
            kind, step = pending[0]
            at = step or here
            # a compound step ("laser", "safe_exit") means its first sub-step on the route
            if here == at or (here.startswith(at + "_") and at in ("laser", "safe_exit")):
                allowed = session.allowed()
                if step is None and here == session.protocol.initial and session.adverse is None:
                    session.advance()  # the default step is the first one after intake
                    continue
                if "adverse" not in allowed and "emergency" not in allowed:
                    raise click.BadParameter(
                        f"no reaction can be reported at {here}", param_hint="'--adverse'"
                    )
                session.report_adverse(kind)
                pending.pop(0)
                continue
        session.advance()
    if pending:
        kind, step = pending[0]
        raise click.BadParameter(
            f"the session never reached {step!r} (path: {' -> '.join(session.path)})",
            param_hint="'--adverse'",
        )
    return session.result()


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
    if fmt not in ("summary", "jsonl", "json"):
        raise click.UsageError("with --random, --format is summary, jsonl or json")
    skip_teardown()
    from facialflow.clinic.policy import load_policy

    pol = load_policy(policy)
    from facialflow.products.loading import load_plugins
    from facialflow.simulation.run import SimulationSpec, Tally, simulate, summarize, summary_lines

    # bad catalogs fail here, once, not in every worker
    load_plugins(catalogs=catalogs)
    spec = SimulationSpec(
        n=n,
        seed=seed,
        date=date,
        policy=pol,
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
        # run as the program, the process runs nothing but the simulation: the caches it
        # fills may leave the garbage collector's reach (never inside a host's process)
        batches = simulate(spec, freeze_caches=owns_process())
        # JSON lines go out as bytes, a chunk at a time: no copy of a chunk's text to add
        # its newline, no text layer (nothing else is written to stdout meanwhile); only
        # where the text layer would write the same bytes (UTF-8, "\n" line ends)
        raw_out = _utf8_bytes_out() if fmt == "jsonl" else None
        if raw_out is not None:
            sys.stdout.flush()
        try:
            for batch in batches:
                tally.add(batch)
                if batch.text:
                    if raw_out is not None:
                        raw_out.write(batch.text.encode())
                        raw_out.write(b"\n")
                    elif fmt == "jsonl":
                        click.echo(batch.text)
                    else:
                        # a JSON line holds no raw newline: each newline ends a session
                        text = batch.text.replace("\n", ",\n")
                        click.echo(("\n" if first else ",\n") + text, nl=False)
                        first = False
                bar.update(batch.count)
        finally:
            # ends the workers at once when the loop ends early (Ctrl-C, a closed pipe)
            batches.close()
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


def _utf8_bytes_out() -> Any:
    """stdout's byte stream when text written to stdout would reach it unchanged, else None."""
    encoding = getattr(sys.stdout, "encoding", None)
    raw = getattr(sys.stdout, "buffer", None)
    if raw is None or not encoding or os.linesep != "\n":
        return None
    return raw if codecs.lookup(encoding).name == "utf-8" else None
