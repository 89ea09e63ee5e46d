"""``facialflow paths``: every path for any client or for one client, as text or contract JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from facialflow.cli import main

EXAMPLES = Path(__file__).parents[2] / "examples" / "clients"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_paths_json_lists_every_path_for_any_client(runner: CliRunner) -> None:
    r = runner.invoke(main, ["paths", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert len(data) == 326
    for item in data:
        assert {"path", "outcome", "conditions"} <= set(item)
        assert item["path"][0] == "intake"
        assert item["path"][-1] == item["outcome"]
    outcomes = {item["outcome"] for item in data}
    assert outcomes == {"complete", "declined", "stopped", "emergency"}
    declined = [item for item in data if item["outcome"] == "declined"]
    assert declined == [
        {
            "path": ["intake", "declined"],
            "outcome": "declined",
            "conditions": ["blocking contraindication"],
            "guards": {"session_blocked": True},
            "adverse": None,
        }
    ]


def test_paths_text_numbers_each_path_with_its_conditions(runner: CliRunner) -> None:
    r = runner.invoke(main, ["paths"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(
        "326 paths for any client: 6 complete, 1 declined, 64 stopped, 255 emergency"
    )
    assert "declined: intake -> declined" in r.stdout
    assert "when: blocking contraindication" in r.stdout
    assert "adverse reaction at serums; reaction: urticaria or blistering" in r.stdout
    assert "skin cannot tolerate product" in r.stdout


def test_paths_for_a_client_name_its_contraindications(runner: CliRunner) -> None:
    args = ["paths", "--client", str(EXAMPLES / "pregnant-melasma.toml"), "--date", "2025-06-02"]
    r = runner.invoke(main, [*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [d["outcome"] for d in data].count("complete") == 1
    assert all(not any(s.startswith("laser") for s in d["path"]) for d in data)
    complete = next(d for d in data if d["outcome"] == "complete")
    assert any("pregnancy" in c for c in complete["conditions"])
    stopped = [d for d in data if d["outcome"] == "stopped"]
    assert {d["adverse"]["state"] for d in stopped} == {
        "intake",
        "cleansing",
        "exfoliation",
        "serums",
        "mask",
        "hydration",
    }


def test_paths_for_a_declined_client_is_the_one_declined_path(runner: CliRunner) -> None:
    r = runner.invoke(main, ["paths", "--client", str(EXAMPLES / "cold-sore.json")])
    assert r.exit_code == 0, r.output
    # declined at intake; only a reaction during the consultation itself can change that
    assert r.stdout.startswith("10 paths for client c-501")
    assert "1 declined" in r.stdout.splitlines()[0]
    assert "declined: active cold sore" in r.stdout


def test_paths_without_adverse_reactions(runner: CliRunner) -> None:
    r = runner.invoke(main, ["paths", "--no-adverse", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.stdout)) == 7


def test_a_path_cap_too_small_is_one_clear_error(runner: CliRunner) -> None:
    r = runner.invoke(main, ["paths", "--max-paths", "5"])
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.startswith("Error: more than 5 distinct paths")
    assert "Traceback" not in r.stderr


def test_a_missing_client_file_is_one_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(main, ["paths", "--client", str(tmp_path / "nobody.json")])
    assert r.exit_code == 2
    assert "no such file" in r.stderr
    assert "Traceback" not in r.stderr
