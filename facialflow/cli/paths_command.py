"""The ``paths`` command: every path through the protocol, with its conditions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from facialflow.cli.options import (
    MAX_COUNT,
    Number,
    catalog_option,
    client_option,
    date_option,
    emit_json,
    handle_errors,
    policy_option,
)

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


@click.command("paths")
@client_option("Only the paths of this client (.json or .toml).")
@date_option(" With --client.")
@policy_option(" With --client.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--no-adverse", is_flag=True, help="Leave out the paths through an adverse reaction.")
@click.option(
    "--max-paths",
    type=Number(1, MAX_COUNT, integer=True),
    default=10_000,
    show_default=True,
    help="Fail past this many paths.",
)
@click.option(
    "--max-depth",
    type=Number(1, 100_000, integer=True),
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
    from facialflow.qa.paths import all_paths, client_paths, paths_to_dicts

    if client_file is None:
        paths = all_paths(adverse=not no_adverse, max_paths=max_paths, max_depth=max_depth)
        header = "for any client"
    else:
        from facialflow.io.client_file import load_client
        from facialflow.products.loading import load_plugins

        day = date or dt.date.today()
        client = load_client(client_file, on=day)
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
