"""Which planted bugs random ``check`` finds, and which only ``verify`` finds; verify wall time.

Run: python benchmarks/bench_planted_bugs.py [--sessions 10000] [--workers 2] [--timing]

For every bug of tests/qa/planted_bugs.py (a policy, a catalog or a patched
rule), in this process:

- ``check``: ``check_clients`` over the first N generated clients of seed 0 on
  2026-12-01 (what ``facialflow check --random N --seed 0`` runs), shrinking off;
- ``verify``: the full ``verify`` (every component) under the same policy,
  date and catalogs.

It prints, per bug, whether each found the bug's invariant and the verify time.
``--timing`` also times the clean full verify of both presets with 1 and with
``--workers`` processes (the baseline of the same process), which is what the
120 s target is about.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "qa"))

from planted_bugs import BUGS, DATE, planted  # type: ignore[import-not-found,unused-ignore]  # noqa: E402  (tests/qa, on sys.path above)

from facialflow.clinic.policy import load_policy  # noqa: E402
from facialflow.products.loading import load_plugins  # noqa: E402
from facialflow.qa.check import check_clients  # noqa: E402
from facialflow.qa.draws import iter_clients  # noqa: E402
from facialflow.qa.verify import verify  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timing", action="store_true")
    args = parser.parse_args()
    print(
        f"command: python benchmarks/bench_planted_bugs.py --sessions {args.sessions}"
        f" --workers {args.workers}{' --timing' if args.timing else ''}"
    )
    if args.timing:
        for preset in ("conservative", "asds2017"):
            for workers in sorted({1, args.workers}):
                report = verify(
                    date=DATE,
                    policy=load_policy(preset),
                    workers=workers,
                    settings={"policy": preset, "catalogs": (), "invariant_specs": ()},
                )
                print(
                    f"verify {preset:12} workers={workers}: {report.classes} classes, "
                    f"{report.sessions} sessions, {report.seconds:.1f} s, ok={report.ok}"
                )
    print(f"{'bug':32} {'invariant':34} check@{args.sessions:<6} verify  verify s")
    with TemporaryDirectory() as tmp:
        for bug in BUGS:
            policy_name, catalogs = bug.files(Path(tmp))
            policy = load_policy(policy_name)
            plugins = load_plugins(catalogs=catalogs)
            with planted(bug):
                checked = check_clients(
                    iter_clients(0, args.sessions, date=DATE),
                    date=DATE,
                    policy=policy,
                    plugins=plugins,
                    shrink=False,
                )
                started = time.perf_counter()
                report = verify(date=DATE, policy=policy, plugins=plugins, shrink=False)
                seconds = time.perf_counter() - started
            by_check = any(f.invariant.name == bug.invariant for f in checked.failures)
            by_verify = any(f.invariant.name == bug.invariant for f in report.failures)
            print(
                f"{bug.name:32} {bug.invariant:34} {'found' if by_check else 'MISSED':12} "
                f"{'found' if by_verify else 'MISSED':7} {seconds:6.1f}"
            )


if __name__ == "__main__":
    main()
