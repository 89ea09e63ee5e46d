"""The command line: simulate --client and plugins, errors as one line, and a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from facialflow.cli import main

EXAMPLES = Path(__file__).parents[2] / "examples" / "clients"
ROOT = Path(__file__).parents[2]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_simulate_client_json_is_the_contract_session(runner: CliRunner) -> None:
    r = runner.invoke(
        main,
        [
            "simulate",
            "--client",
            str(EXAMPLES / "oily-acne.json"),
            "--date",
            "2026-11-25",
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["client"]["id"] == "c-042"
    assert d["outcome"] == "complete"
    assert d["path"][0] == "intake" and d["path"][-1] == "complete"
    assert d["skipped"] == {"laser": "not requested"}
    assert all(set(p) == {"step", "name", "ingredients", "spf"} for p in d["products"])


def test_simulate_text_shows_path_products_skipped_and_warnings(runner: CliRunner) -> None:
    r = runner.invoke(
        main,
        ["simulate", "--client", str(EXAMPLES / "isotretinoin-laser.toml"), "--date", "2026-11-25"],
    )
    assert r.exit_code == 0, r.output
    assert "Path: intake -> cleansing" in r.stdout
    assert "laser: isotretinoin within 6 months (conservative policy)" in r.stdout


def test_policy_preset_changes_the_laser_decision(runner: CliRunner) -> None:
    args = [
        "simulate",
        "--client",
        str(EXAMPLES / "isotretinoin-laser.toml"),
        "--date",
        "2026-11-25",
        "--format",
        "json",
    ]
    cons = json.loads(runner.invoke(main, args).stdout)
    asds = json.loads(runner.invoke(main, [*args, "--policy", "asds2017"]).stdout)
    assert not any(s.startswith("laser") for s in cons["path"])
    assert "laser_treatment" in asds["path"]


def test_declined_client_text_says_why(runner: CliRunner) -> None:
    r = runner.invoke(main, ["simulate", "--client", str(EXAMPLES / "cold-sore.json")])
    assert r.exit_code == 0
    assert "declined" in r.stdout and "Declined because: active cold sore" in r.stdout


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (
            '{"id": "x", "skin_type": "greasy", "concerns": ["acne"], "fitzpatrick": 2}',
            "skin_type: 'greasy' is not one of: normal, dry",
        ),
        (
            '{"id": "x", "skin_type": "dry", "concerns": ["acne"], "fitzpatrick": 9}',
            "fitzpatrick: must be an integer from 1 to 6",
        ),
        (
            '{"id": "x", "skin_type": "dry", "concerns": ["acne"]}',
            "fitzpatrick: required field is missing",
        ),
        ("{oops", "malformed JSON"),
    ],
)
def test_bad_client_file_is_one_error_line_and_exit_2(
    runner: CliRunner, tmp_path: Path, content: str, words: str
) -> None:
    f = tmp_path / "c.json"
    f.write_text(content)
    r = runner.invoke(main, ["simulate", "--client", str(f)])
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.startswith("Error: ") and words in r.stderr
    assert r.stderr.count("\n") == 1


def test_missing_client_file_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(main, ["simulate", "--client", str(tmp_path / "none.json")])
    assert r.exit_code == 2 and "no such file" in r.stderr


def test_unknown_policy_is_an_error(runner: CliRunner) -> None:
    r = runner.invoke(
        main, ["simulate", "--client", str(EXAMPLES / "oily-acne.json"), "--policy", "lenient"]
    )
    assert r.exit_code == 2 and "Error: unknown policy 'lenient'" in r.stderr


def test_bad_date_is_a_usage_error(runner: CliRunner) -> None:
    r = runner.invoke(
        main, ["simulate", "--client", str(EXAMPLES / "oily-acne.json"), "--date", "25/11/2026"]
    )
    assert r.exit_code == 2 and "ISO date" in r.stderr


def test_plugins_lists_builtins_as_json(runner: CliRunner) -> None:
    r = runner.invoke(main, ["plugins", "--format", "json"])
    assert r.exit_code == 0
    listing = json.loads(r.stdout)
    names = {p["name"] for p in listing}
    assert {"acne", "aging", "core", "sensitive"} <= names
    assert all(p["source"] == "built-in" for p in listing if p["name"] in names)
    assert all(p["products"] for p in listing)


def test_plugins_lists_a_catalog_with_its_source(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "lumen.toml"
    f.write_text(
        'name = "Lumen"\n[[products]]\nname = "L"\nkind = "serum"\ningredients = ["x"]\nconcerns = ["acne"]\n'
    )
    r = runner.invoke(main, ["plugins", "--catalog", str(f)])
    assert r.exit_code == 0
    assert "catalog:Lumen (catalog)" in r.stdout


def test_bad_catalog_is_an_error_line(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text("[[products]]\nname = 'A'\n")
    r = runner.invoke(main, ["plugins", "--catalog", str(f)])
    assert r.exit_code == 2 and r.stderr.startswith("Error: ") and "products[0] (A)" in r.stderr


def test_version_comes_from_package_metadata(runner: CliRunner) -> None:
    from importlib.metadata import version

    r = runner.invoke(main, ["--version"])
    assert r.exit_code == 0 and version("facialflow") in r.stdout


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("FACIALFLOW_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "facialflow", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "bad.json",
            '{"id": "x", "skin_type": "oily", "concerns": ["acne"], "fitzpatrick": 3, "conditions": ["gout"]}',
        ),
        ("bad.toml", 'id = "x"\nskin_type = "oily"\nconcerns = "acne"\nfitzpatrick = 3\n'),
        ("bad.json", "not json at all"),
    ],
)
def test_real_subprocess_reports_bad_client_without_traceback(
    tmp_path: Path, name: str, content: str
) -> None:
    f = tmp_path / name
    f.write_text(content)
    proc = _run("simulate", "--client", str(f))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("Error: ") and proc.stderr.count("\n") == 1


def test_python_dash_m_runs_a_session_in_a_subprocess() -> None:
    proc = _run(
        "simulate",
        "--client",
        str(EXAMPLES / "laser-aging.json"),
        "--date",
        "2026-11-25",
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outcome"] == "complete"


@pytest.mark.parametrize("text", ["20261125", "2026W481", "2026-11-25T10:00"])
def test_dates_must_be_yyyy_mm_dd(runner: CliRunner, text: str) -> None:
    r = runner.invoke(
        main, ["simulate", "--client", str(EXAMPLES / "oily-acne.json"), "--date", text]
    )
    assert r.exit_code == 2 and "ISO date (YYYY-MM-DD)" in r.stderr


def test_client_file_dates_must_be_yyyy_mm_dd(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "c.json"
    f.write_text(
        '{"id": "x", "skin_type": "dry", "concerns": ["acne"], "fitzpatrick": 2,'
        ' "isotretinoin_last_dose": "20260101"}'
    )
    r = runner.invoke(main, ["simulate", "--client", str(f)])
    assert r.exit_code == 2 and "isotretinoin_last_dose" in r.stderr


#: the program, with an exit handler and an object that says when the interpreter is torn down
_PROGRAM_WITH_HANDLER = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('exit handler\\n'))\n"
    "class Teardown:\n"
    "    def __del__(self): sys.stderr.write('torn down\\n')\n"
    "kept = Teardown()\n"
    "from facialflow.cli import run\n"
    "sys.argv[0] = 'facialflow'\n"
    "run()\n"
)


def _program(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _PROGRAM_WITH_HANDLER, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize(("fmt", "workers"), [("summary", "1"), ("jsonl", "1"), ("summary", "2")])
def test_simulate_random_skips_the_teardown_and_its_output_is_whole(
    runner: CliRunner, fmt: str, workers: str
) -> None:
    args = ["simulate", "--random", "3000", "--seed", "5", "--date", "2026-11-25"]
    args += ["--adverse-rate", "0.1", "--format", fmt, "--workers", workers]
    done = _program(*args)
    assert done.returncode == 0, done.stderr
    assert "torn down" not in done.stderr
    # the exit handlers ran (a plugin's, logging's), and everything written reached the pipe
    assert "exit handler" in done.stderr
    assert done.stdout == runner.invoke(main, args).stdout
    if fmt == "jsonl":
        assert len(done.stdout.splitlines()) == 3000


def test_a_failed_check_exit_code_and_message_survive_the_skipped_teardown(
    runner: CliRunner,
) -> None:
    args = ["simulate", "--random", "50", "--seed", "5", "--date", "2026-11-25"]
    done = _program(*args, "--fail-under", "100")
    assert done.returncode == 1
    assert "torn down" not in done.stderr
    assert "Error: coverage " in done.stderr
    assert done.stdout == runner.invoke(main, [*args, "--fail-under", "100"]).stdout


def test_check_skips_the_teardown_and_its_junit_file_is_whole(tmp_path: Path) -> None:
    junit = tmp_path / "check.xml"
    args = ["check", "--random", "300", "--seed", "5", "--date", "2026-11-25"]
    done = _program(*args, "--junit", str(junit))
    assert done.returncode == 0, done.stderr
    assert "torn down" not in done.stderr and "exit handler" in done.stderr
    assert junit.read_text(encoding="utf-8").rstrip().endswith("</testsuites>")


def test_closed_stdout_still_ends_quietly(tmp_path: Path) -> None:
    # a program started with its stdout closed (`>&-`): Python gives it no sys.stdout
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM_WITH_HANDLER, "simulate", "--random", "20"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        timeout=120,
        preexec_fn=lambda: os.close(1),
    )
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr


def test_commands_that_may_hold_a_store_exit_normally(tmp_path: Path) -> None:
    for args in (["plugins"], ["session", "list", "--db", str(tmp_path / "s.db")]):
        done = _program(*args)
        assert done.returncode == 0, done.stderr
        assert "torn down" in done.stderr, args


def test_the_first_ending_signal_unwinds_and_a_second_one_ends_at_once() -> None:
    import signal

    from facialflow import cli
    from facialflow.errors import Signalled

    previous = signal.signal(signal.SIGTERM, cli._unwind)
    try:
        with pytest.raises(Signalled) as caught:
            cli._unwind(signal.SIGTERM, None)
        assert caught.value.code == 128 + signal.SIGTERM
        # the clean-up runs under the default: a second `kill` ends a hung clean-up
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)
