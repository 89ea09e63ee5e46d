"""Options shared by the commands, the single error boundary and JSON output."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from facialflow.dates import check_session_date, parse_iso_date
from facialflow.errors import FacialflowError

F = TypeVar("F", bound=Callable[..., Any])

POLICY_HELP = "Clinical policy: a preset (conservative, asds2017) or a policy .toml file."
DATE_HELP = "Session date for every time-based rule, YYYY-MM-DD (default: today)."


class _Date(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        try:
            if isinstance(value, dt.date):
                return check_session_date(value)
            return parse_iso_date(str(value), session=True)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DATE = _Date()

#: whether this process is the ``facialflow`` program itself (see :func:`facialflow.cli.run`),
#: not a host that invokes the click group (a test's CliRunner, an application)
_PROGRAM = [False]


def owns_process() -> bool:
    """Whether the command may treat the process as its own (say, freeze its caches for the
    garbage collector): only when it runs as the program, never inside a host."""
    return _PROGRAM[0]


def become_program() -> None:
    _PROGRAM[0] = True


#: whether the program may end without the interpreter's teardown (see :func:`skip_teardown`)
_SKIP_TEARDOWN = [False]


def skip_teardown() -> None:
    """Let the program end without tearing the interpreter down, once the command is done.

    For commands that fill large caches (``simulate --random``, ``check``, ``verify``):
    freeing them one object at a time took 0.3 s of the 1.8 s of ``check --random
    10000``, and 20-30 ms after a simulation (whose caches the collector no longer
    looks at). Only when the process is the program's own, and only for commands
    that hold nothing an exit handler must close (no store, no open files, no
    worker left running).
    """
    if owns_process():
        _SKIP_TEARDOWN[0] = True


def teardown_skipped() -> bool:
    return _SKIP_TEARDOWN[0]


class Number(click.ParamType):  # type: ignore[type-arg]
    """A finite number in ``[low, high]``: NaN and infinity are refused, as everywhere else.

    click's FloatRange lets ``nan`` through (NaN fails no comparison), so every
    float option uses this type instead; ``integer=True`` asks for a whole number.
    """

    def __init__(self, low: float, high: float, *, integer: bool = False) -> None:
        self.low, self.high, self.integer = low, high, integer
        self.name = "INTEGER" if integer else "NUMBER"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number: float = value
        else:
            text = str(value).strip()
            if len(text) > 30 and text.lstrip("+-").isdigit():
                # int() would refuse past 4,300 digits, with a message about Python, not the option
                self.fail(
                    f"{_shown(value)} is not from {_num(self.low)} to {_num(self.high)}", param, ctx
                )
            try:
                number = int(text) if self.integer else float(text)
            except ValueError:
                kind = "an integer" if self.integer else "a number"
                self.fail(f"{_shown(value)} is not {kind}", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{_shown(value)} is not a finite number", param, ctx)
        if not self.low <= number <= self.high:
            self.fail(
                f"{_shown(value)} is not from {_num(self.low)} to {_num(self.high)}", param, ctx
            )
        return number

    def __repr__(self) -> str:
        return f"Number({_num(self.low)}, {_num(self.high)})"


def _shown(value: Any) -> str:
    # a 5,000-digit argument is named by its size, not echoed back in full
    text = str(value)
    return repr(text) if len(text) <= 40 else f"{text[:12]!r}... ({len(text)} characters)"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


#: the largest count (sessions, visits, paths) an option accepts
MAX_COUNT = 10**9

#: a probability option
PROBABILITY = Number(0, 1)
#: a percentage option
PERCENT = Number(0, 100)
#: a non-negative count option
COUNT = Number(0, MAX_COUNT, integer=True)
#: a seed option: any 64-bit integer
SEED = Number(-(2**63), 2**63 - 1, integer=True)


def workers_option(
    help: str = "With --random: processes to use; the output is the same for any number.",
) -> Callable[[F], F]:
    return click.option(
        "--workers",
        type=Number(1, 4096, integer=True),
        default=1,
        show_default=True,
        help=help + " More than the CPUs are capped to the CPU count, with a note.",
    )


def cap_workers(workers: int) -> int:
    """``workers``, or the CPU count with a note on stderr when it asks for more."""
    cpus = os.cpu_count() or 1
    if workers > cpus:
        click.echo(
            f"Note: --workers {workers} capped to the {cpus} CPU(s) of this machine", err=True
        )
        return cpus
    return workers


def policy_file(policy: str | None) -> Path | None:
    """The file a ``--policy`` value names, or None for a preset (for refusing to overwrite it)."""
    if policy is None or not policy.lower().endswith(".toml"):
        return None
    return Path(policy)


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
            # one line: a message carrying a newline (a plugin's) is folded
            click.echo(f"Error: {_one_line(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            # Ctrl-C: no traceback, the shell's convention 128 + SIGINT
            click.echo("Interrupted", err=True)
            sys.exit(130)
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


def _one_line(text: str) -> str:
    return text if "\n" not in text else " ".join(part.strip() for part in text.splitlines())


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def invariant_option() -> Callable[[F], F]:
    return click.option(
        "--invariant",
        "invariant_specs",
        multiple=True,
        metavar="MODULE:FUNCTION",
        help="Also check this invariant (an Invariant, a list of them or a check function; "
        "repeatable).",
    )


def junit_option() -> Callable[[F], F]:
    return click.option(
        "--junit",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write a JUnit XML report to FILE: one test case per invariant.",
    )
