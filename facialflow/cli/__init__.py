"""The ``facialflow`` command line: the only module that imports click, prints or exits.

Commands call the services and format what they return. Every
:class:`~facialflow.errors.FacialflowError` becomes one ``Error: ...`` line on
stderr and the error's exit code; a traceback shown to a user is a bug.
Heavy modules are imported inside the commands so ``--help`` starts fast.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys

import click

from facialflow.cli.check_command import check_command
from facialflow.cli.diagram_command import diagram
from facialflow.cli.journal_command import journal_group
from facialflow.cli.migrate_command import migrate_command
from facialflow.cli.paths_command import paths_command
from facialflow.cli.plan_command import plan
from facialflow.cli.plugins_command import plugins_command
from facialflow.cli.session_command import session_group
from facialflow.cli.simulate_command import simulate
from facialflow.cli.verify_command import verify_command
from facialflow.errors import ENDING_SIGNALS, Signalled

__all__ = ["main", "run"]


class _Main(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        # click would turn Ctrl-C into "Aborted!" and exit 1; the documented code is 130
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("Interrupted", err=True)
            raise click.exceptions.Exit(130) from None


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=None, package_name="facialflow", prog_name="facialflow")
def main() -> None:
    """facialflow: the medical facial as a state machine.

    Simulate sessions, enumerate paths, check safety, draw diagrams and plan visits.
    """


main.add_command(simulate)
main.add_command(plugins_command)
main.add_command(plan)
main.add_command(diagram)
main.add_command(paths_command)
main.add_command(check_command)
main.add_command(session_group)
main.add_command(journal_group)
main.add_command(migrate_command)
main.add_command(verify_command)


def run() -> None:
    """The ``facialflow`` program (the console script and ``python -m facialflow``).

    The process is then the command's own; a host that calls :func:`main` keeps
    its process as it is.
    """
    from facialflow.cli.options import become_program, teardown_skipped

    become_program()
    for signum in ENDING_SIGNALS:
        # a signal the program was started ignoring stays ignored (nohup, `trap '' HUP`)
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _unwind)
    try:
        main()
    except Signalled as ended:
        # cleaned up (workers stopped, temporary files and folders removed): now end as
        # the signal ends a program, so the caller sees exactly what it always saw
        _default_endings()
        _flushed()
        os.kill(os.getpid(), ended.signum)
        raise  # where a signal cannot end a process (no such default)
    except SystemExit as done:
        _default_endings()  # the exit handlers and the teardown are not to be unwound
        code = 0 if done.code is None else done.code
        if isinstance(code, int) and teardown_skipped() and _flushed():
            # the exit handlers still run (a plugin's or an invariant module's, logging's);
            # then what the teardown would free one object at a time dies with the process
            # (os._exit, as mypy's --fast-exit). Any doubt keeps the normal exit
            atexit._run_exitfuncs()
            if _flushed():
                os._exit(code)
        raise


def _unwind(signum: int, frame: object) -> None:
    # a second signal ends the program at once, as a second Ctrl-C does in many programs:
    # a clean-up that hangs (a stalled pipe reader) never needs SIGKILL
    _default_endings()
    raise Signalled(signum)


def _default_endings() -> None:
    for signum in ENDING_SIGNALS:
        if signal.getsignal(signum) is _unwind:
            signal.signal(signum, signal.SIG_DFL)


def _flushed() -> bool:
    try:
        for stream in {sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__}:
            if stream is not None:  # None: the descriptor was closed before the program ran
                stream.flush()
    except Exception:
        return False  # a closed pipe or stream: the normal exit reports it as it always has
    return True
