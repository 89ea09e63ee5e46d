"""The ``check`` command: generated sessions through the named safety invariants."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from facialflow.cli.options import (
    MAX_COUNT,
    PROBABILITY,
    SEED,
    Number,
    catalog_option,
    date_option,
    emit_json,
    handle_errors,
    invariant_option,
    junit_option,
    policy_file,
    policy_option,
    skip_teardown,
)

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


@click.command("check")
@click.option(
    "--random",
    "n",
    type=Number(1, MAX_COUNT, integer=True),
    required=True,
    metavar="N",
    help="Check N generated sessions.",
)
@click.option(
    "--seed",
    type=SEED,
    default=0,
    show_default=True,
    help="Seed of the generated clients and reactions.",
)
@date_option()
@policy_option()
@click.option(
    "--adverse-rate",
    type=PROBABILITY,
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
@invariant_option()
@junit_option()
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
    invariant_specs: tuple[str, ...],
    junit: Path | None,
) -> None:
    """Run N generated sessions through the named safety invariants.

    Exits 0 when every invariant holds. On a violation, exits 1 and prints each
    violated invariant with the smallest client that shows it, shrunk field by
    field, as a ready-to-run client file.
    """
    skip_teardown()
    import time

    from facialflow.clinic.policy import load_policy
    from facialflow.products.loading import load_plugins
    from facialflow.qa.check import check_clients
    from facialflow.qa.custom import load_invariants
    from facialflow.qa.draws import iter_clients

    if save is not None and save.suffix.lower() != ".json":
        raise click.UsageError("--save writes a JSON client file: give a path ending in .json")
    day = date or dt.date.today()
    pol = load_policy(policy)
    plugins = load_plugins(catalogs=catalogs)
    invariants = load_invariants(invariant_specs, plugins)
    started = time.perf_counter()
    report = check_clients(
        iter_clients(seed, n, date=day),
        date=day,
        policy=pol,
        seed=seed,
        adverse_rate=adverse_rate,
        plugins=plugins,
        invariants=invariants,
        shrink=not no_shrink,
    )
    seconds = time.perf_counter() - started
    if junit is not None:
        from facialflow.qa.junit import junit_xml, write_junit

        failures = {}
        for f in report.failures:
            d = f.to_dict()
            adverse = f"{f.adverse.kind}@{f.adverse.step}" if f.adverse is not None else None
            failures[f.invariant.name] = {
                "message": d["detail"],
                "client": d["minimal_client"],
                "adverse": adverse,
            }
        text = junit_xml(
            "facialflow check",
            report.invariants,
            failures,
            seconds=seconds,
            properties={"policy": report.policy, "date": report.date, "sessions": report.sessions},
        )
        write_junit(junit, text)
    if fmt == "json":
        emit_json(report.to_dict())
    else:
        _print_check(report, seconds)
    if report.failures and save is not None:
        minimal = report.failures[0].to_dict()["minimal_client"]
        from facialflow.io.atomic import write_atomic

        inputs = [("--policy", policy_file(policy)), *(("--catalog", c) for c in catalogs)]
        write_atomic(save, (json.dumps(minimal, indent=2) + "\n").encode(), protect=inputs)
        click.echo(f"saved the smallest failing client to {save}", err=True)
    if report.failures:
        sys.exit(1)
