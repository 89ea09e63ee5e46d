"""``facialflow simulate --random``: deterministic summaries, streamed JSON, coverage gates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import facialflow.cli.simulate_command
from facialflow.cli import main
from facialflow.io.client_file import client_from_dict

BASE = ["simulate", "--date", "2026-11-25"]
SESSION_KEYS = {"client", "outcome", "path", "products", "skipped", "warnings"}
FINALS = {"complete", "declined", "stopped", "emergency"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(main, [*BASE, *args])


def test_summary_is_the_default_and_shows_frequencies_and_coverage(runner: CliRunner) -> None:
    r = invoke(runner, "--random", "2000", "--seed", "3", "--adverse-rate", "0.2")

    assert r.exit_code == 0, r.output
    out = r.stdout
    assert out.startswith("2000 sessions: seed 3, date 2026-11-25, conservative policy")
    for section in ("Outcomes", "Paths", "Steps", "Branches", "Adverse reactions", "Coverage"):
        assert f"\n{section}" in out
    assert "intake > cleansing > exfoliation" in out
    assert "exfoliation/advance: extraction" in out
    assert "guard outcomes" in out
    assert "rules" in out


def test_summary_names_what_was_never_exercised(runner: CliRunner) -> None:
    r = invoke(runner, "--random", "50")

    assert r.exit_code == 0, r.output
    assert "Never exercised" in r.stdout
    assert "states: " in r.stdout
    assert "stopped" in r.stdout.split("Never exercised", 1)[1]


def test_jsonl_streams_one_contract_session_per_line(runner: CliRunner) -> None:
    r = invoke(runner, "--random", "1500", "--format", "jsonl", "--adverse-rate", "0.3")

    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert len(lines) == 1500
    for i, line in enumerate(lines):
        session = json.loads(line)
        assert set(session) >= SESSION_KEYS
        assert session["client"]["id"] == f"sim-0-{i}"
        assert session["path"][0] == "intake"
        assert session["path"][-1] == session["outcome"] in FINALS
        for product in session["products"]:
            assert set(product) == {"step", "name", "ingredients", "spf"}
    # the client is in the client-file shape: it loads as a client file
    client_from_dict(json.loads(lines[7])["client"], source="line 8")


def test_json_is_one_document_with_sessions_and_summary(runner: CliRunner) -> None:
    r = invoke(runner, "--random", "1100", "--format", "json", "--seed", "5")

    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc) == {"sessions", "summary"}
    assert len(doc["sessions"]) == 1100
    assert doc["summary"]["sessions"] == 1100
    assert doc["summary"]["seed"] == 5
    assert set(doc["sessions"][0]) >= SESSION_KEYS
    assert set(doc["summary"]["coverage"]["criteria"]) == {
        "states",
        "transitions",
        "guard outcomes",
        "rules",
    }


def test_json_of_no_sessions_is_still_a_document(runner: CliRunner) -> None:
    r = invoke(runner, "--random", "0", "--format", "json")

    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["sessions"] == []


@pytest.mark.parametrize("fmt", ["summary", "jsonl", "json"])
def test_output_is_byte_identical_for_one_or_two_workers(runner: CliRunner, fmt: str) -> None:
    args = ["--random", "2300", "--seed", "8", "--adverse-rate", "0.1", "--format", fmt]
    one = invoke(runner, *args, "--workers", "1")
    two = invoke(runner, *args, "--workers", "2")

    assert one.exit_code == two.exit_code == 0
    assert one.stdout_bytes == two.stdout_bytes


def test_the_same_seed_repeats_and_another_seed_differs(runner: CliRunner) -> None:
    a = invoke(runner, "--random", "300", "--seed", "1", "--format", "jsonl")
    b = invoke(runner, "--random", "300", "--seed", "1", "--format", "jsonl")
    c = invoke(runner, "--random", "300", "--seed", "2", "--format", "jsonl")

    assert a.stdout_bytes == b.stdout_bytes != c.stdout_bytes


def test_the_transitions_engine_prints_exactly_the_same(runner: CliRunner) -> None:
    args = ["--random", "400", "--seed", "4", "--adverse-rate", "0.4", "--format", "jsonl"]

    fast = invoke(runner, *args)
    reference = invoke(runner, *args, "--engine", "transitions")

    assert fast.stdout_bytes == reference.stdout_bytes


def test_adverse_rate_one_stops_every_session_that_passed_intake(runner: CliRunner) -> None:
    r = invoke(runner, "--random", "500", "--adverse-rate", "1", "--format", "jsonl")

    outcomes = {json.loads(line)["outcome"] for line in r.stdout.splitlines()}
    assert outcomes == {"stopped", "declined", "emergency"}


def test_adverse_rate_zero_never_stops_a_session(runner: CliRunner) -> None:
    r = invoke(runner, "--random", "500", "--format", "jsonl")

    assert "stopped" not in {json.loads(line)["outcome"] for line in r.stdout.splitlines()}


def test_fail_under_exits_one_below_the_threshold(runner: CliRunner) -> None:
    r = invoke(runner, "--random", "100", "--fail-under", "99")

    assert r.exit_code == 1
    assert "Coverage" in r.stdout
    assert "Error: coverage" in r.stderr
    assert "below --fail-under 99%" in r.stderr


def test_fail_under_passes_at_or_above_the_threshold(runner: CliRunner) -> None:
    r = invoke(runner, "--random", "100", "--fail-under", "10", "--format", "jsonl")

    assert r.exit_code == 0, r.output
    assert r.stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--random", "-1"], "Invalid value for '--random': '-1' is not from 0 to 1000000000"),
        (["--random", "5", "--adverse-rate", "1.5"], "Invalid value for '--adverse-rate'"),
        (["--random", "5", "--adverse-rate", "-0.1"], "Invalid value for '--adverse-rate'"),
        (["--random", "5", "--workers", "0"], "Invalid value for '--workers'"),
        (["--random", "5", "--fail-under", "101"], "Invalid value for '--fail-under'"),
        (["--random", "five"], "Invalid value for '--random'"),
        (
            ["--random", "5", "--format", "text"],
            "with --random, --format is summary, jsonl or json",
        ),
        (["--random", "5", "--client", "c.json"], "give either --client FILE or --random N"),
        (["--random", "5", "--engine", "warp"], "Invalid value for '--engine'"),
        (["--random", "5", "--date", "2026-13-01"], "is not an ISO date"),
    ],
)
def test_bad_options_are_usage_errors(runner: CliRunner, args: list[str], message: str) -> None:
    r = invoke(runner, *args)

    assert r.exit_code == 2
    assert message in r.stderr
    assert "Traceback" not in r.output
    assert r.stdout == ""


def test_unknown_policy_and_bad_catalog_are_clean_errors(runner: CliRunner) -> None:
    policy = invoke(runner, "--random", "5", "--policy", "lenient")
    catalog = invoke(runner, "--random", "5", "--catalog", "missing.toml")

    assert policy.exit_code == 2
    assert policy.stderr.startswith("Error: unknown policy 'lenient'")
    assert catalog.exit_code == 2
    assert catalog.stderr.startswith("Error: missing.toml")


def test_no_progress_bar_when_stderr_is_not_a_terminal(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facialflow.cli.simulate_command, "PROGRESS_FROM", 10)

    r = invoke(runner, "--random", "3000", "--format", "jsonl")

    assert r.exit_code == 0
    assert r.stderr == ""
    assert r.stdout.count("\n") == 3000


def test_client_mode_still_works_and_refuses_random_formats(
    runner: CliRunner, tmp_path: Any
) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps({"id": "c-1", "skin_type": "oily", "concerns": ["acne"], "fitzpatrick": 2})
    )

    ok = invoke(runner, "--client", str(path), "--format", "json")
    bad = invoke(runner, "--client", str(path), "--format", "jsonl")

    assert ok.exit_code == 0
    assert json.loads(ok.stdout)["client"]["id"] == "c-1"
    assert bad.exit_code == 2


def test_fail_under_100_is_reachable_when_the_policy_switches_a_rule_off(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from facialflow.cli import main

    f = tmp_path / "notan.toml"
    f.write_text('extends = "conservative"\n[screening]\ntan_blocks_laser = false\n')
    args = ["simulate", "--random", "20000", "--seed", "1", "--date", "2026-11-25"]
    r = CliRunner().invoke(
        main, [*args, "--adverse-rate", "0.3", "--policy", str(f), "--fail-under", "100"]
    )
    assert r.exit_code == 0, r.output
    assert "R9" not in r.stdout.split("Never exercised")[-1]


def test_simulate_inside_a_host_leaves_the_hosts_objects_to_its_collector() -> None:
    # frozen caches are for the program's own process: a host calling the click group
    # (here CliRunner) must find its garbage collector as it was
    import gc

    gc.unfreeze()
    result = CliRunner().invoke(
        main, ["simulate", "--random", "3000", "--seed", "1", "--date", "2026-11-25"]
    )
    assert result.exit_code == 0, result.output
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize(
    ("encoding", "name"), [("utf-8", "Crème Sérum"), ("latin-1", "Crème Sérum")]
)
def test_jsonl_lines_are_written_in_stdouts_encoding(
    tmp_path: Path, encoding: str, name: str
) -> None:
    # a real process: jsonl goes out as bytes only where stdout's text layer would write the
    # same bytes, so a latin-1 terminal still gets latin-1
    catalog = tmp_path / "creme.toml"
    catalog.write_text(
        f'[[products]]\nname = "{name}"\nkind = "serum"\ningredients = ["glycerin"]\n'
        'concerns = ["dehydration"]\nrank = 1\n',
        encoding="utf-8",
    )
    args = ["simulate", "--random", "200", "--date", "2026-11-25", "--catalog", str(catalog)]
    out = subprocess.run(
        [sys.executable, "-m", "facialflow", *args, "--format", "jsonl"],
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONIOENCODING": encoding},
    ).stdout
    assert name.encode(encoding) in out
    lines = out.decode(encoding).splitlines()
    assert len(lines) == 200
    assert all(json.loads(line)["client"]["id"].startswith("sim-") for line in lines)
