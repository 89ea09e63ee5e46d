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

F = TypeVar("F", bound=Callable[..., Any])

POLICY_HELP = "Clinical policy: a preset (conservative, asds2017) or a policy .toml file."
DATE_HELP = "Session date for every time-based rule, YYYY-MM-DD (default: today)."


class _Date(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO date (YYYY-MM-DD)", param, ctx)


DATE = _Date()


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


def _version() -> str:
    import facialflow

    return str(facialflow.__version__)


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
@click.option("--client", "client_file", type=click.Path(path_type=Path), help="A client file (.json or .toml).")
@click.option("--date", "date", type=DATE, default=None, help=DATE_HELP)
@click.option("--policy", default="conservative", show_default=True, help=POLICY_HELP)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "summary", "jsonl"]),
    default=None,
    help="Output format (client: text|json; random: summary|jsonl|json).",
)
@click.option("--catalog", "catalogs", multiple=True, type=click.Path(path_type=Path), help="A clinic catalog .toml file or folder (repeatable).")
@handle_errors
def simulate(
    client_file: Path | None,
    date: dt.date | None,
    policy: str,
    fmt: str | None,
    catalogs: tuple[Path, ...],
) -> None:
    """Simulate one full session for a client (or many generated ones with --random)."""
    from facialflow.clientfile import load_client
    from facialflow.plugins import load_plugins
    from facialflow.session import Session, session_to_dict

    if client_file is None:
        raise click.UsageError("give --client FILE (or --random N)")
    fmt = fmt or "text"
    if fmt not in ("text", "json"):
        raise click.UsageError("with --client, --format is text or json")
    client = load_client(client_file)
    plugins = load_plugins(catalogs=catalogs)
    result = Session.start(client, date=date or dt.date.today(), policy=policy, plugins=plugins).run()
    if fmt == "json":
        emit_json(session_to_dict(result))
    else:
        _print_session(result)


# -- plugins ------------------------------------------------------------------------------------


@main.command("plugins")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--catalog", "catalogs", multiple=True, type=click.Path(path_type=Path), help="A clinic catalog .toml file or folder (repeatable).")
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
            click.echo(f"  - {prod['kind']:<11} {prod['name']}{spf}: {', '.join(prod['ingredients'])}")
