"""The ``journal`` commands: check and read the stores' hash-chained journals."""

from __future__ import annotations

import json
import sys
import time

import click

from facialflow.cli.options import emit_json, handle_errors
from facialflow.cli.session_command import db_option


@click.group("journal")
def journal_group() -> None:
    """The append-only, hash-chained journal of every stored session."""


@journal_group.command("verify")
@db_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@handle_errors
def verify_command(db: str, fmt: str) -> None:
    """Check every chain and replay every session to its stored state; exit 1 on a problem."""
    from facialflow.records.store import SessionStore

    began = time.perf_counter()
    with SessionStore(db) as store:
        report = store.verify()
    took = time.perf_counter() - began
    if fmt == "json":
        emit_json(
            {
                "ok": report.ok,
                "sessions": report.sessions,
                "records": report.records,
                "problems": [
                    {"session": p.session_id, "seq": p.seq, "reason": p.reason}
                    for p in report.problems
                ],
            }
        )
    elif report.ok:
        click.echo(
            f"{report.sessions} sessions, {report.records} records: every chain intact and "
            f"every session replays to its stored state ({took:.2f} s)"
        )
    if not report.ok:
        first = report.problems[0]
        more = f" ({len(report.problems) - 1} more)" if len(report.problems) > 1 else ""
        click.echo(f"Error: journal: {first}{more}", err=True)
        sys.exit(1)


@journal_group.command("show")
@db_option
@click.argument("session_id", metavar="ID")
@handle_errors
def show_command(db: str, session_id: str) -> None:
    """A session's journal records, one JSON object per line."""
    from facialflow.records.store import SessionStore

    with SessionStore(db) as store:
        for record in store.journal(session_id):
            click.echo(json.dumps(record, ensure_ascii=False, sort_keys=True))
