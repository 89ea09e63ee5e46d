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


def _print_witness(w: Any, pad: str) -> None:
    import json

    if w.client is None:
        click.echo(f"{pad}UNREACHABLE: {w.unreachable}")
        return
    d = w.to_dict()["witness"]
    click.echo(f"{pad}witness: " + json.dumps(d["client"], separators=(", ", ": ")))
    if d["adverse"]:
        then = f" --adverse {d['then']}" if "then" in d else ""
        click.echo(f"{pad}  with --adverse {d['adverse']}{then}")


def _print_paths(paths: Any, header: str, witnesses: Any = None) -> None:
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
        if witnesses is not None:
            _print_witness(witnesses[i - 1], pad)


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
@catalog_option()
@click.option(
    "--witness",
    is_flag=True,
    help="Give each path the smallest client file (and reaction) that takes it; "
    "paths no client can take are reported unreachable, with the reason.",
)
@click.option(
    "--witness-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="With --witness: also write each witness to DIR/path-N.json.",
)
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
    witness: bool,
    witness_dir: Path | None,
) -> None:
    """Every possible path, with the conditions that lead to it.

    Without --client: every path any client can take (every guard outcome, an
    adverse reaction at any step). With --client: that client's screening fixes
    the branches, and an adverse reaction can still happen at any step after
    intake.

    With --witness, each path comes with a ready-to-run client file (run it
    with `facialflow simulate --client FILE [--adverse KIND@STEP]`); for one
    client, the client itself witnesses every path it can take.
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
    witnesses = None
    if witness:
        witnesses = _witnesses(paths, client_file, date, policy, catalogs)
        if witness_dir is not None:
            _write_witnesses(witnesses, witness_dir)
    if fmt == "json":
        if witnesses is None:
            emit_json(paths_to_dicts(paths))
        else:
            from facialflow.qa.witnesses import witnesses_to_dicts

            emit_json(witnesses_to_dicts(witnesses))
    else:
        _print_paths(paths, header, witnesses)


def _witnesses(
    paths: Any,
    client_file: Path | None,
    date: dt.date | None,
    policy: str,
    catalogs: tuple[Path, ...],
) -> Any:
    from facialflow.clinic.policy import load_policy
    from facialflow.products.loading import load_plugins
    from facialflow.qa.witnesses import client_witnesses, find_witnesses

    if client_file is not None:
        from facialflow.io.client_file import load_client

        return client_witnesses(load_client(client_file), paths)
    found = find_witnesses(
        date=date or dt.date.today(),
        policy=load_policy(policy),
        plugins=load_plugins(catalogs=catalogs),
    )
    by_path = {w.path.path: w for w in found}
    # the listing keeps its own order and options (--no-adverse); witnesses follow it
    return [by_path[p.path] for p in paths]


def _write_witnesses(witnesses: Any, folder: Path) -> None:
    import json

    from facialflow.io.atomic import write_atomic

    folder.mkdir(parents=True, exist_ok=True)
    for i, w in enumerate(witnesses, 1):
        if w.client is None:
            continue
        data = w.to_dict()["witness"]
        # each file whole or not at all, like every other output
        write_atomic(
            folder / f"path-{i}.json", (json.dumps(data["client"], indent=2) + "\n").encode()
        )
        if data["adverse"]:
            write_atomic(folder / f"path-{i}.adverse", (data["adverse"] + "\n").encode())
        if "then" in data:
            # the second report a path into the emergency state needs (the reaction worsening)
            write_atomic(folder / f"path-{i}.then", (data["then"] + "\n").encode())
