"""The ``diagram`` command: the protocol's diagram, or a client's route on it."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from facialflow.diagrams.route import Route

from facialflow.cli.options import (
    POLICY_HELP,
    catalog_option,
    client_option,
    date_option,
    handle_errors,
    policy_file,
)

DIAGRAM_FORMATS = ("dot", "svg", "png", "pdf", "mermaid", "html", "storyboard")


@click.command()
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
    help="Output format [default: from the --output extension, else dot]. storyboard: "
    "one numbered frame per step, as SVG files in the --output folder, or one PDF when "
    "--output ends in .pdf.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="Write to FILE instead of stdout (for storyboard: a FOLDER, or FILE.pdf).",
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

    html is a self-contained step-by-step walkthrough page for trainers (it prints as a
    storyboard). storyboard writes every step as a numbered frame: SVG files into a
    folder, or one PDF (needs Chromium or the system Graphviz). svg and html work
    without a system Graphviz (an embedded renderer draws them); png and pdf need it.
    """
    from facialflow.diagrams.produce import BINARY_FORMATS, EXTENSIONS, format_for_path, produce

    if write_dir is not None or check_dir is not None:
        if write_dir is not None and check_dir is not None:
            raise click.UsageError("--write-all and --check cannot be used together")
        if client_file or date or policy or catalogs or fmt or output:
            raise click.UsageError("--write-all and --check take no other option but --renderer")
        from facialflow.diagrams.committed import stale_files, write_all

        if write_dir is not None:
            for path in write_all(write_dir):
                click.echo(f"wrote {path}", err=True)
            return
        assert check_dir is not None
        stale = stale_files(check_dir)
        if stale:
            # a check that found a problem: exit 1, not a user error
            click.echo(
                f"Error: {len(stale)} stale diagram file(s); regenerate with "
                f"`facialflow diagram --write-all {check_dir}`:\n  " + "\n  ".join(stale),
                err=True,
            )
            sys.exit(1)
        click.echo(f"{check_dir}: every diagram is up to date")
        return

    if client_file is None and (date or policy or catalogs):
        raise click.UsageError("--date, --policy and --catalog need --client")
    if fmt == "storyboard":
        if output is None:
            raise click.UsageError(
                "--format storyboard needs --output: a folder for SVG frames, or FILE.pdf"
            )
        _storyboard(output, _route(client_file, date, policy, catalogs), renderer)
        return
    if fmt is None:
        fmt = format_for_path(output) if output is not None else "dot"
    elif output is not None and EXTENSIONS.get(output.suffix.lower(), fmt) != fmt:
        raise click.UsageError(f"--format {fmt} does not match the extension of {output}")
    if fmt in BINARY_FORMATS and output is None and sys.stdout.isatty():
        raise click.UsageError(f"{fmt} is binary: give --output FILE, or redirect stdout to a file")

    route = _route(client_file, date, policy, catalogs)
    data = produce(fmt, route=route, renderer=renderer)
    if output is not None:
        from facialflow.io.atomic import write_atomic

        inputs = [("--client", client_file), ("--policy", policy_file(policy))]
        write_atomic(output, data, protect=[*inputs, *(("--catalog", c) for c in catalogs)])
        click.echo(f"wrote {fmt} diagram to {output}", err=True)
    elif fmt in BINARY_FORMATS:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        click.echo(data.decode(), nl=False)


def _route(
    client_file: Path | None, date: dt.date | None, policy: str | None, catalogs: tuple[Path, ...]
) -> Route | None:
    if client_file is None:
        return None
    from facialflow.diagrams.route import route_for_client
    from facialflow.io.client_file import load_client
    from facialflow.products.loading import load_plugins

    day = date or dt.date.today()
    return route_for_client(
        load_client(client_file, on=day),
        date=day,
        policy=policy,
        plugins=load_plugins(catalogs=catalogs),
    )


def _storyboard(output: Path, route: Route | None, renderer: str | None) -> None:
    from facialflow.diagrams.storyboard import storyboard_pdf, write_svg_frames

    if output.suffix.lower() == ".pdf":
        from facialflow.io.atomic import write_atomic

        write_atomic(output, storyboard_pdf(route=route, renderer=renderer))
        click.echo(f"wrote storyboard PDF to {output}", err=True)
        return
    if output.exists() and not output.is_dir():
        raise click.UsageError(
            f"--output {output} is a file: a storyboard goes into a folder, or a .pdf file"
        )
    written = write_svg_frames(output, route=route, renderer=renderer)
    click.echo(f"wrote {len(written)} storyboard frames to {output}", err=True)
