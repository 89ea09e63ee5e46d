"""``facialflow verify``, ``check --invariant/--junit``, ``paths --witness``, ``simulate --adverse``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from junitparser import Failure, JUnitXml

from facialflow.cli import main
from facialflow.qa.invariants import INVARIANTS

DAY = "2026-12-01"
#: the shipped invariants every report names
N = len(INVARIANTS)
TESTS_QA = str(Path(__file__).resolve().parent.parent / "qa")
SCOPE = ["--component", "laser_review", "--component", "extraction"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def weak_policy(tmp_path: Path) -> str:
    path = tmp_path / "weak.toml"
    path.write_text(
        'extends = "conservative"\nname = "weak"\n[screening]\nhsv_requires_prophylaxis = false\n'
    )
    return str(path)


def test_verify_exits_0_with_the_number_of_classes(runner: CliRunner) -> None:
    r = runner.invoke(main, ["verify", "--date", DAY, *SCOPE])
    assert r.exit_code == 0, r.output
    first = r.stdout.splitlines()[0]
    assert first.startswith("verify: ") and f" classes, {N} invariants, " in first
    assert f"OK: all {N} invariants hold in all" in r.stdout


def test_verify_json_report_counts_classes_invariants_sessions_and_time(runner: CliRunner) -> None:
    r = runner.invoke(main, ["verify", "--date", DAY, *SCOPE, "--format", "json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["ok"] is True
    assert report["classes"] == sum(report["classes_by_component"].values())
    assert set(report["classes_by_component"]) == {"laser_review", "extraction"}
    assert report["sessions"] > report["classes"]
    assert len(report["invariants"]) == N
    assert report["seconds"] >= 0


def test_verify_violation_exits_1_with_a_client_file_that_replays(
    runner: CliRunner, tmp_path: Path
) -> None:
    policy = weak_policy(tmp_path)
    junit = tmp_path / "verify.xml"
    saved = tmp_path / "found"
    r = runner.invoke(
        main,
        [
            "verify",
            "--date",
            DAY,
            "--policy",
            policy,
            *SCOPE,
            "--junit",
            str(junit),
            "--save-dir",
            str(saved),
        ],
    )
    assert r.exit_code == 1, r.output
    assert "VIOLATED no_laser_when_contraindicated" in r.stdout
    client_file = saved / "no_laser_when_contraindicated.json"
    replay = runner.invoke(
        main,
        [
            "simulate",
            "--client",
            str(client_file),
            "--date",
            DAY,
            "--policy",
            policy,
            "--format",
            "json",
        ],
    )
    doc = json.loads(replay.stdout)
    assert "laser_treatment" in doc["path"]
    assert "hsv_history" in doc["client"]["conditions"]
    xml = JUnitXml.fromfile(str(junit))
    cases = [c for suite in xml for c in suite]
    assert len(cases) == N
    failed = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
    assert [c.name for c in failed] == ["no_laser_when_contraindicated"]
    (failure,) = failed[0].result
    assert "HSV" in failure.message
    assert json.loads(failure.text)["client"] == json.loads(client_file.read_text())


def test_verify_an_unknown_component_is_a_user_error(runner: CliRunner) -> None:
    r = runner.invoke(main, ["verify", "--component", "nope"])
    assert r.exit_code == 2
    assert "nope" in r.output and "laser_review" in r.output


def test_verify_runs_a_team_invariant_from_a_fresh_process(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": TESTS_QA}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "facialflow",
            "verify",
            "--date",
            DAY,
            "--component",
            "laser_review",
            "--invariant",
            "team_invariants:no_laser_on_phototype_six",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert "no_laser_on_phototype_six" in report["invariants"]
    (v,) = report["violations"]
    assert v["invariant"] == "no_laser_on_phototype_six"
    assert v["client"]["fitzpatrick"] == 6


def test_verify_workers_give_the_same_report(runner: CliRunner, tmp_path: Path) -> None:
    policy = weak_policy(tmp_path)
    outs = []
    for w in ("1", "2"):
        r = runner.invoke(
            main,
            [
                "verify",
                "--date",
                DAY,
                "--policy",
                policy,
                *SCOPE,
                "--workers",
                w,
                "--format",
                "json",
            ],
        )
        assert r.exit_code == 1
        d = json.loads(r.stdout)
        d.pop("seconds")
        d.pop("workers")
        outs.append(d)
    assert outs[0] == outs[1]


def test_check_takes_team_invariants_and_writes_junit(runner: CliRunner, tmp_path: Path) -> None:
    sys.path.insert(0, TESTS_QA)
    junit = tmp_path / "check.xml"
    try:
        r = runner.invoke(
            main,
            [
                "check",
                "--random",
                "300",
                "--date",
                DAY,
                "--invariant",
                "team_invariants:AT_MOST_TWO_SERUMS",
                "--junit",
                str(junit),
            ],
        )
    finally:
        sys.path.remove(TESTS_QA)
    assert r.exit_code == 1, r.output
    assert "VIOLATED at_most_two_serums" in r.stdout
    xml = JUnitXml.fromfile(str(junit))
    cases = {c.name: c for suite in xml for c in suite}
    assert len(cases) == N + 1  # the team's own invariant too
    assert not cases["path_well_formed"].result
    (failure,) = cases["at_most_two_serums"].result
    assert isinstance(failure, Failure)
    shrunk = json.loads(failure.text)["client"]
    assert len(shrunk["concerns"]) == 3


def test_check_junit_of_a_clean_run_has_no_failures(runner: CliRunner, tmp_path: Path) -> None:
    junit = tmp_path / "ok.xml"
    r = runner.invoke(main, ["check", "--random", "100", "--date", DAY, "--junit", str(junit)])
    assert r.exit_code == 0, r.output
    suite = next(iter(JUnitXml.fromfile(str(junit))))
    assert suite.tests == N and suite.failures == 0


def test_check_a_bad_invariant_spec_is_one_error_line(runner: CliRunner) -> None:
    r = runner.invoke(main, ["check", "--random", "5", "--invariant", "no_such_mod_q:f"])
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: --invariant 'no_such_mod_q:f'")


def test_paths_witness_json_has_a_client_for_every_path(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "w"
    r = runner.invoke(
        main,
        ["paths", "--witness", "--date", DAY, "--format", "json", "--witness-dir", str(folder)],
    )
    assert r.exit_code == 0, r.output
    paths = json.loads(r.stdout)
    assert all(p["witness"] is not None for p in paths)
    assert len(list(folder.glob("path-*.json"))) == len(paths)
    # every path into the emergency through the safe exit comes with its worsening
    worsened = [i for i, p in enumerate(paths, start=1) if "then" in p["witness"]]
    assert worsened
    for i in worsened:
        assert (folder / f"path-{i}.then").read_text().startswith("worsening@safe_exit")
    assert len(list(folder.glob("path-*.then"))) == len(worsened)


def test_paths_witness_for_one_client_is_the_client(runner: CliRunner, tmp_path: Path) -> None:
    client = tmp_path / "c.json"
    client.write_text(
        json.dumps({"id": "c", "skin_type": "oily", "concerns": ["acne"], "fitzpatrick": 2})
    )
    r = runner.invoke(
        main, ["paths", "--client", str(client), "--witness", "--date", DAY, "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    paths = json.loads(r.stdout)
    assert {p["witness"]["client"]["id"] for p in paths} == {"c"}
    assert [p["witness"]["adverse"] is None for p in paths].count(True) == 1


def test_paths_witness_text_names_each_client(runner: CliRunner) -> None:
    r = runner.invoke(main, ["paths", "--witness", "--no-adverse", "--date", DAY])
    assert r.exit_code == 0, r.output
    assert r.stdout.count("witness: {") == 7


def test_simulate_adverse_reports_the_reaction_at_the_step(
    runner: CliRunner, tmp_path: Path
) -> None:
    client = tmp_path / "c.json"
    client.write_text(
        json.dumps({"id": "c", "skin_type": "oily", "concerns": ["acne"], "fitzpatrick": 2})
    )
    r = runner.invoke(
        main,
        [
            "simulate",
            "--client",
            str(client),
            "--date",
            DAY,
            "--adverse",
            "blistering@mask",
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["outcome"] == "stopped"
    assert doc["adverse"]["kind"] == "blistering" and doc["adverse"]["step"] == "mask"
    first = runner.invoke(
        main, ["simulate", "--client", str(client), "--adverse", "irritation", "--format", "json"]
    )
    assert json.loads(first.stdout)["adverse"]["step"] == "cleansing"


@pytest.mark.parametrize("value", ["sneeze", "irritation@nowhere"])
def test_simulate_a_bad_adverse_is_a_user_error(
    runner: CliRunner, tmp_path: Path, value: str
) -> None:
    client = tmp_path / "c.json"
    client.write_text(
        json.dumps({"id": "c", "skin_type": "oily", "concerns": ["acne"], "fitzpatrick": 2})
    )
    r = runner.invoke(main, ["simulate", "--client", str(client), "--adverse", value])
    assert r.exit_code == 2
    assert "--adverse" in r.output
