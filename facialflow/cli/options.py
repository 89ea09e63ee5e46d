"""Options shared by the commands, the single error boundary and JSON output."""

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

from facialflow.dates import parse_iso_date
from facialflow.errors import FacialflowError

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
