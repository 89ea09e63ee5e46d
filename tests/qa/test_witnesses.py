"""Every path has a witness client that takes it through simulate, or a reason it cannot be taken."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from facialflow.cli import main
from facialflow.clinic.policy import load_policy
from facialflow.qa.paths import all_paths
from facialflow.qa.witnesses import find_witnesses

DAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def witnesses():  # type: ignore[no-untyped-def]
    return find_witnesses(date=DAY, policy=load_policy("conservative"))


def test_every_path_of_the_protocol_gets_a_witness_or_a_reason(witnesses) -> None:  # type: ignore[no-untyped-def]
    assert [w.path.path for w in witnesses] == [p.path for p in all_paths()]
    for w in witnesses:
        assert (w.client is None) == (w.unreachable is not None)


def test_every_witness_replays_to_its_path_through_simulate(witnesses, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    replayed = 0
    for i, w in enumerate(witnesses):
        if w.client is None:
            continue
        d = w.to_dict()["witness"]
        client_file = tmp_path / f"w{i}.json"
        client_file.write_text(json.dumps(d["client"]))
        args = ["simulate", "--client", str(client_file), "--date", DAY.isoformat()]
        args += ["--format", "json"]
        if d["adverse"]:
            args += ["--adverse", d["adverse"]]
        if "then" in d:
            args += ["--adverse", d["then"]]
        res = runner.invoke(main, args)
        assert res.exit_code == 0, res.output
        assert json.loads(res.output)["path"] == list(w.path.path)
        replayed += 1
    assert replayed == len(witnesses)


def test_witnesses_are_minimal_no_single_simplification_still_takes_the_path(witnesses) -> None:  # type: ignore[no-untyped-def]
    from facialflow.qa.shrinking import (
        _simplifications,  # the shrinker's own steps
        run_scenario,
    )

    policy = load_policy("conservative")
    for w in witnesses[:12]:
        assert w.client is not None
        for smaller in _simplifications(w.client):
            result = run_scenario(smaller, date=DAY, policy=policy, adverse=w.adverse, then=w.then)
            assert result.path != w.path.path


def test_a_path_no_client_can_take_is_unreachable_with_the_reason(tmp_path: Path) -> None:
    policy_file = tmp_path / "no-spot.toml"
    policy_file.write_text(
        'extends = "conservative"\n[screening]\n'
        "test_spot_min_fitzpatrick = 7\nkeloid_requires_test_spot = false\n"
    )
    found = find_witnesses(date=DAY, policy=load_policy(policy_file), shrink=False)
    unreachable = [w for w in found if w.client is None]
    assert unreachable
    assert all("laser_test_spot" in w.path.path for w in unreachable)
    assert all("test spot required" in (w.unreachable or "") for w in unreachable)
    reachable = [w for w in found if w.client is not None]
    assert all("laser_test_spot" not in w.path.path for w in reachable)


def test_a_path_where_the_reaction_worsens_is_witnessed_with_two_reports(witnesses) -> None:  # type: ignore[no-untyped-def]
    worsened = [w for w in witnesses if w.then is not None]
    assert worsened, "the protocol has safe-exit -> emergency paths; each needs a worsening"
    for w in worsened:
        assert w.path.outcome == "emergency"
        assert str(w.then.step).startswith("safe_exit")
        assert w.to_dict()["witness"]["then"] == f"worsening@{w.then.step}"


def test_a_reaction_at_intake_is_witnessed_at_intake(witnesses) -> None:  # type: ignore[no-untyped-def]
    at_intake = [w for w in witnesses if w.adverse is not None and w.adverse.step == "intake"]
    assert at_intake, "a faint during the consultation is a path of its own"
    for w in at_intake:
        # straight from the consultation to care: no treatment step runs first
        assert w.path.path[1] == "emergency" or w.path.path[1].startswith("safe_exit"), w.path.path
