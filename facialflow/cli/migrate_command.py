"""The ``migrate`` command: classify in-flight sessions against this facialflow's protocol."""

from __future__ import annotations

import sys

import click

from facialflow.cli.options import emit_json, handle_errors
from facialflow.cli.session_command import db_option


@click.command("migrate")
@click.option("--check", is_flag=True, help="Classify every in-flight session (writes nothing).")
@db_option
@click.option(
    "--map",
    "pairs",
    multiple=True,
    metavar="OLD=NEW",
    help="An explicit state mapping from the pinned revision to this one (repeatable).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@handle_errors
def migrate_command(check: bool, db: str, pairs: tuple[str, ...], fmt: str) -> None:
    """Which in-flight sessions could move to this protocol revision: compatible,
    needs-mapping or blocked, with reasons. Sessions always continue on the revision
    they pinned; exit 1 when any session is not compatible.
    """
    from facialflow.records.migrate import Verdict, check_migration, parse_mapping
    from facialflow.records.protocols import CURRENT
    from facialflow.records.store import SessionStore

    if not check:
        raise click.UsageError(
            "give --check: stored sessions continue on their pinned revision, "
            "so there is nothing to rewrite"
        )
    mapping = parse_mapping(pairs)
    with SessionStore(db) as store:
        rows = check_migration(store, mapping=mapping)
    if fmt == "json":
        emit_json({"target": CURRENT, "sessions": [r.to_dict() for r in rows]})
    else:
        click.echo(f"target protocol revision {CURRENT}: {len(rows)} in-flight session(s)")
        for r in rows:
            click.echo(f"  {r.session_id}  {r.state:<18} {r.verdict}: {'; '.join(r.reasons)}")
    if any(r.verdict is not Verdict.COMPATIBLE for r in rows):
        sys.exit(1)
