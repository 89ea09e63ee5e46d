"""Instructions a command runs, counted by valgrind's callgrind, process by process.

Instruction counts do not move with the machine's load, unlike wall-clock time:
two runs of the same program on the same input give the same count.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

__all__ = ["instructions"]


def instructions(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, int, list[int]]:
    """Instructions counted by callgrind: the program's before its first fork, its
    own in all, and each forked process's own.

    The program's counters are dumped and zeroed at each fork (``--dump-before``),
    so a forked worker starts from zero instead of inheriting the program's
    start-up (which callgrind would otherwise count again in every worker).
    """
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "callgrind.%p")
        counted = [
            "valgrind",
            "--tool=callgrind",
            "--quiet",
            f"--callgrind-out-file={out}",
            # glibc's os.fork goes through _Fork; fork itself may be inlined away
            "--dump-before=_Fork",
            "--dump-before=fork",
        ]
        with open(os.devnull, "wb") as sink:
            proc = subprocess.Popen([*counted, *command], stdout=sink, cwd=cwd, env=env)
            if proc.wait():
                shown = " ".join(command)
                raise SystemExit(f"failed ({proc.returncode}) under callgrind: {shown}")
        #: pid -> {part number: instructions}
        parts: dict[int, dict[int, int]] = {}
        for name in os.listdir(folder):
            pid = part = total = None
            with open(os.path.join(folder, name)) as file:
                for line in file:
                    key, _, value = line.partition(":")
                    if key == "pid":
                        pid = int(value)
                    elif key == "part":
                        part = int(value)
                    elif key in ("summary", "totals"):
                        total = int(value.split()[0])
                        break
            if pid is None or total is None:
                raise SystemExit(f"no pid or instruction count in callgrind's {name}")
            parts.setdefault(pid, {})[part or 0] = total
    # valgrind runs the program in the process it was started as
    program = parts.pop(proc.pid)
    if parts and len(program) < 2:
        # no dump at the fork: every worker's count would hold the program's start-up
        raise SystemExit("callgrind found no fork or _Fork to dump before: counts not split")
    first = program[min(program)] if len(program) > 1 else sum(program.values())
    return first, sum(program.values()), [sum(p.values()) for _, p in sorted(parts.items())]
