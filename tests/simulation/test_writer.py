"""The session JSON the simulator assembles from cached pieces, against the session's own."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from facialflow.clinic.policy import load_policy
from facialflow.simulation.fast_runner import FastRunner
from facialflow.simulation.run import SimulationSpec
from facialflow.simulation.writer import Fragments

DATE = dt.date(2026, 11, 25)


@pytest.mark.parametrize("policy", ["conservative", "asds2017"])
def test_every_fragment_is_the_sessions_own_json_declined_and_reacted_ones_included(
    monkeypatch: pytest.MonkeyPatch, policy: str
) -> None:
    # the writer checks a sample of what it assembles against session_to_dict; checking
    # every fragment, a run that meets each part of the warnings (the screening's, the
    # selection's, the reaction's, and none of the first two when intake declined) holds
    # the assembly to the whole
    monkeypatch.setattr(Fragments, "CHECK_EVERY", 1)
    s = SimulationSpec(
        n=3000, seed=11, date=DATE, policy=load_policy(policy), adverse_rate=0.5, sessions=True
    )
    runner = FastRunner(s)
    sessions = []
    for chunk in s.chunks:
        _, text, _ = runner.chunk(chunk)
        assert text is not None
        sessions += [json.loads(line) for line in text.split("\n")]

    assert len(sessions) == 3000
    assert runner.writer.made > 100  # distinct fragments, each one checked
    declined = [d for d in sessions if d["outcome"] == "declined"]
    reacted = [d for d in sessions if d["adverse"] is not None]
    assert declined and reacted
    assert all(d["warnings"] == [] for d in declined)
    # reacted sessions whose warnings begin with the screening's or the selection's
    assert any(not d["warnings"][0].startswith("adverse reaction (") for d in reacted)
    assert any("replaced" in w for d in sessions for w in d["warnings"])
