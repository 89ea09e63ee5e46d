"""The ``verify`` command: every class of clients through the engine and the invariants."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from facialflow.cli.options import (
    catalog_option,
    date_option,
    emit_json,
    handle_errors,
    invariant_option,
    junit_option,
    policy_option,
    skip_teardown,
)


def _print_verify(report: Any, saved: dict[str, Path]) -> None:
    click.echo(
        f"verify: {report.classes} classes, {len(report.invariants)} invariants, "
        f"{report.sessions} sessions ({report.date.isoformat()}, {report.policy} policy, "
        f"{report.workers} worker{'s' if report.workers != 1 else ''}) in {report.seconds:.1f} s"
    )
    parts = ", ".join(f"{name} {n}" for name, n in report.classes_by_component.items())
    click.echo(f"classes by component: {parts}")
    if report.ok:
        click.echo(
            f"OK: all {len(report.invariants)} invariants hold in all {report.classes} classes"
        )
        return
    for f in report.failures:
        d = f.to_dict()
        rules = f" ({', '.join(d['rules'])})" if d["rules"] else ""
        click.echo("")
        click.echo(f"VIOLATED {d['invariant']}{rules}: {d['count']} classes")
        click.echo(f"  invariant: {d['description']}")
        click.echo(f"  first class: {d['component']} {json.dumps(d['class'])}")
        click.echo(f"  smallest client: {d['detail']}")
        if d["adverse"]:
            click.echo(f"  with an adverse reaction: --adverse {d['adverse']}")
        if d["invariant"] in saved:
            click.echo(f"  saved: {saved[d['invariant']]}")
        click.echo("  client file:")
        for line in json.dumps(d["client"], indent=2).splitlines():
            click.echo("    " + line)
    click.echo("")
    click.echo(f"FAILED: {len(report.failures)} of {len(report.invariants)} invariants violated")


@click.command("verify")
@date_option()
@policy_option()
@catalog_option()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes to use; the result is the same for any number.",
)
@invariant_option()
@junit_option()
@click.option(
    "--save-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write each violated invariant's client to DIR/<invariant>.json.",
)
@click.option(
    "--max-allergens",
    type=click.IntRange(1, 3),
    default=2,
    show_default=True,
    help="Allergy sets of up to this many allergens are enumerated.",
)
@click.option(
    "--component",
    "components",
    multiple=True,
    metavar="NAME",
    help="Verify only this rule group (repeatable): session, laser_exposure, laser_review, "
    "extraction, exfoliation, selection, product_safety, allergies.",
)
@click.option("--no-shrink", is_flag=True, help="Report each first failing class unshrunk.")
@handle_errors
def verify_command(
    date: dt.date | None,
    policy: str,
    catalogs: tuple[Path, ...],
    fmt: str,
    workers: int,
    invariant_specs: tuple[str, ...],
    junit: Path | None,
    save_dir: Path | None,
    max_allergens: int,
    components: tuple[str, ...],
    no_shrink: bool,
) -> None:
    """Exhaustive verification: every class of clients the rules can tell apart.

    Each class of clients (under the policy, the date and the catalogs) is run
    through the real engine, without a reaction and with one at every step it
    reaches, and through every invariant. Exits 0 with the number of classes
    when all hold; otherwise exits 1 and prints, for each violated invariant,
    a ready-to-run client file that shows it (replay it with
    `facialflow simulate --client FILE`).
    """
    skip_teardown()
    from facialflow.clinic.policy import load_policy
    from facialflow.products.loading import load_plugins
    from facialflow.qa.classes import COMPONENTS
    from facialflow.qa.custom import load_invariants
    from facialflow.qa.verify import verify

    for name in components:
        if name not in COMPONENTS:
            raise click.BadParameter(
                f"unknown component {name!r}; known: {', '.join(COMPONENTS)}",
                param_hint="--component",
            )

    day = date or dt.date.today()
    pol = load_policy(policy)
    plugins = load_plugins(catalogs=catalogs)
    invariants = load_invariants(invariant_specs, plugins)
    report = verify(
        date=day,
        policy=pol,
        plugins=plugins,
        invariants=invariants,
        workers=workers,
        max_allergens=max_allergens,
        components=components or None,
        shrink=not no_shrink,
        settings={
            "policy": policy,
            "catalogs": tuple(str(c) for c in catalogs),
            "invariant_specs": invariant_specs,
        },
    )
    saved: dict[str, Path] = {}
    if save_dir is not None and report.failures:
        from facialflow.io.atomic import write_atomic

        save_dir.mkdir(parents=True, exist_ok=True)
        for f in report.failures:
            target = save_dir / f"{f.invariant.name}.json"
            write_atomic(target, (json.dumps(f.to_dict()["client"], indent=2) + "\n").encode())
            saved[f.invariant.name] = target
    if junit is not None:
        from facialflow.qa.junit import junit_xml, write_junit

        failures = {
            f.invariant.name: {
                "message": f.detail,
                "client": f.to_dict()["client"],
                "adverse": f.to_dict()["adverse"],
            }
            for f in report.failures
        }
        text = junit_xml(
            "facialflow verify",
            report.invariants,
            failures,
            seconds=report.seconds,
            properties={"policy": report.policy, "date": report.date, "classes": report.classes},
        )
        write_junit(junit, text)
    if fmt == "json":
        emit_json(report.to_dict())
    else:
        _print_verify(report, saved)
    if report.failures:
        sys.exit(1)
