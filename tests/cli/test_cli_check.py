"""``facialflow check``: clean runs exit 0; a planted bug exits non-zero with a shrunk client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from facialflow.cli import main
from facialflow.io.client_file import load_client
from facialflow.model import Assessment, Condition
from facialflow.qa.invariants import INVARIANTS

BASE = ["check", "--date", "2025-06-02", "--seed", "11"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def broken_policy(tmp_path: Path, screening: str) -> str:
    path = tmp_path / "broken.toml"
    path.write_text(f'extends = "conservative"\nname = "broken"\n[screening]\n{screening}\n')
    return str(path)


@pytest.mark.parametrize("preset", ["conservative", "asds2017"])
def test_check_passes_the_shipped_presets(runner: CliRunner, preset: str) -> None:
    r = runner.invoke(main, [*BASE, "--random", "400", "--policy", preset, "--adverse-rate", "0.3"])
    assert r.exit_code == 0, r.output
    assert "check: 400 sessions (seed 11, 2025-06-02" in r.stdout
    assert f"OK: all {len(INVARIANTS)} invariants held in every session" in r.stdout


def test_check_json_reports_outcomes_and_no_violations(runner: CliRunner) -> None:
    r = runner.invoke(main, [*BASE, "--random", "300", "--adverse-rate", "0.5", "--format", "json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["ok"] is True
    assert report["sessions"] == 300
    assert sum(report["outcomes"].values()) == 300
    ended = report["outcomes"].get("stopped", 0) + report["outcomes"].get("emergency", 0)
    assert ended == report["adverse_sessions"] > 0
    assert report["violations"] == []


def test_check_output_is_the_same_for_the_same_seed(runner: CliRunner) -> None:
    args = [*BASE, "--random", "200", "--adverse-rate", "0.4", "--format", "json"]
    assert runner.invoke(main, args).stdout == runner.invoke(main, args).stdout


def test_check_catches_laser_in_pregnancy_and_saves_the_smallest_client(
    runner: CliRunner, tmp_path: Path
) -> None:
    policy = broken_policy(tmp_path, "pregnancy_defers_laser = false")
    saved = tmp_path / "minimal.json"
    r = runner.invoke(main, [*BASE, "--random", "3000", "--policy", policy, "--save", str(saved)])
    assert r.exit_code == 1, r.output
    assert "VIOLATED no_laser_when_contraindicated" in r.stdout
    assert "laser performed although pregnant (R8)" in r.stdout
    assert f"saved the smallest failing client to {saved}" in r.stderr
    minimal = load_client(saved)
    assert minimal.pregnant
    assert minimal.assessment == Assessment(laser_requested=True)
    assert (minimal.conditions, minimal.allergies, minimal.breastfeeding) == (
        frozenset(),
        (),
        False,
    )
    assert minimal.fitzpatrick == 1
    assert len(minimal.concerns) == 1
    assert minimal.isotretinoin_last_dose is None
    # the saved file is ready to run and shows the bug again
    again = runner.invoke(
        main, ["simulate", "--client", str(saved), "--date", "2025-06-02", "--policy", policy]
    )
    assert "laser_treatment" in again.stdout


def test_check_catches_a_screening_bug_that_declines_nothing_in_json(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no policy may drop R1-R4 (a policy error), so the bug is injected into the screening
    monkeypatch.setattr("facialflow.clinic.screening._screen_session", lambda *args: None)
    r = runner.invoke(main, [*BASE, "--random", "500", "--format", "json"])
    assert r.exit_code == 1
    report = json.loads(r.stdout)
    assert report["ok"] is False
    (violation,) = report["violations"]
    assert violation["invariant"] == "blocking_conditions_declined"
    minimal = violation["minimal_client"]
    assert set(minimal) == {"id", "skin_type", "concerns", "fitzpatrick", "conditions"}
    (condition,) = minimal["conditions"]
    assert Condition(condition) in {
        Condition.ACTIVE_COLD_SORE,
        Condition.ACTIVE_INFECTION,
        Condition.OPEN_WOUND,
        Condition.SUNBURN,
        Condition.FEVER,
        Condition.UNDIAGNOSED_LESION,
    }


def test_check_needs_random(runner: CliRunner) -> None:
    r = runner.invoke(main, ["check"])
    assert r.exit_code == 2
    assert "--random" in r.stderr


def test_check_refuses_an_adverse_rate_above_one(runner: CliRunner) -> None:
    r = runner.invoke(main, [*BASE, "--random", "5", "--adverse-rate", "2"])
    assert r.exit_code == 2
    assert "--adverse-rate" in r.stderr


def test_check_save_must_be_a_json_file(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(main, [*BASE, "--random", "5", "--save", str(tmp_path / "x.toml")])
    assert r.exit_code == 2
    assert ".json" in r.stderr


def test_check_with_an_unknown_policy_is_one_clear_error(runner: CliRunner) -> None:
    r = runner.invoke(main, [*BASE, "--random", "5", "--policy", "lenient"])
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: unknown policy 'lenient'")


def test_check_no_shrink_reports_the_first_failing_client_as_found(
    runner: CliRunner, tmp_path: Path
) -> None:
    policy = broken_policy(tmp_path, "pregnancy_defers_laser = false")
    args = [*BASE, "--random", "3000", "--policy", policy, "--format", "json"]
    shrunk = json.loads(runner.invoke(main, args).stdout)["violations"][0]
    raw = json.loads(runner.invoke(main, [*args, "--no-shrink"]).stdout)["violations"][0]
    assert raw["shrink_runs"] == 0
    assert raw["minimal_client"]["id"] == raw["first_client"] == shrunk["first_client"]
    assert len(json.dumps(raw["minimal_client"])) > len(json.dumps(shrunk["minimal_client"]))
