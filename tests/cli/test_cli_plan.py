"""``facialflow plan``: the contract's JSON, calendar options, the .ics file and clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from icalendar import Calendar as ICalendar

from facialflow.cli import main

ACNE_CLIENT = {
    "id": "c-042",
    "skin_type": "oily",
    "concerns": ["acne", "aging"],
    "fitzpatrick": 3,
    "assessment": {"comedones": "moderate", "laser_requested": False},
}


@pytest.fixture
def client_file(tmp_path: Path) -> Path:
    f = tmp_path / "client.json"
    f.write_text(json.dumps(ACNE_CLIENT))
    return f


def run(*args: str | Path) -> Result:
    # catch_exceptions=False: a traceback would fail the test instead of hiding in the result
    return CliRunner().invoke(main, ["plan", *map(str, args)], catch_exceptions=False)


def assert_clean_error(result: Result, exit_code: int, *fragments: str) -> None:
    assert result.exit_code == exit_code
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert "Error:" in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_json_plan_follows_the_contract(client_file: Path) -> None:
    result = run(
        "--client", client_file, "--start", "2026-11-23", "--visits", "8", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["client"] == "c-042"
    visits = data["visits"]
    assert visits[0]["date"] == "2026-11-23"
    assert [v["date"] for v in visits] == sorted(v["date"] for v in visits)
    assert [v["kind"] for v in visits] == ["series"] * 6 + ["maintenance"] * 2
    assert [v["number"] for v in visits] == [1, 2, 3, 4, 5, 6, 1, 2]
    assert "extraction" in visits[0]["steps"]
    assert visits[1]["reason"]


def test_text_plan_is_the_default_format(client_file: Path) -> None:
    result = run("--client", client_file, "--start", "2026-11-23", "--visits", "2")
    assert result.exit_code == 0
    assert result.stdout.startswith("Visit plan for c-042 (conservative policy): 2 visits")
    assert "series 2/6" in result.stdout


def test_until_ends_the_plan(client_file: Path) -> None:
    result = run(
        "--client",
        client_file,
        "--start",
        "2026-11-23",
        "--until",
        "2026-12-21",
        "--format",
        "json",
    )
    assert [v["date"] for v in json.loads(result.stdout)["visits"]] == [
        "2026-11-23",
        "2026-12-07",
        "2026-12-21",
    ]


def test_calendar_options_move_visits_off_closed_days(client_file: Path) -> None:
    result = run(
        "--client", client_file, "--start", "2026-11-23", "--visits", "10", "--format", "json",
        "--skip-weekends", "--closed-weekday", "TUE", "--closed-date", "2026-12-07",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["closed_weekdays"] == ["tue", "sat", "sun"]
    weekdays = {v["weekday"] for v in data["visits"]}
    assert not weekdays & {"tue", "sat", "sun"}
    second = data["visits"][1]
    assert second["date"] == "2026-12-09"
    assert second["moved_from"] == "2026-12-07"


def test_strict_fails_when_no_open_day_keeps_the_maximum(client_file: Path) -> None:
    closed = [f"2026-12-{d:02d}" for d in range(7, 16)]
    args: list[str | Path] = ["--client", client_file, "--start", "2026-11-23", "--visits", "3"]
    for day in closed:
        args += ["--closed-date", day]
    warned = run(*args, "--format", "json")
    assert warned.exit_code == 0
    assert json.loads(warned.stdout)["visits"][1]["warnings"]
    assert_clean_error(run(*args, "--strict"), 2, "over the 21-day maximum")


def test_ics_file_is_written_and_parses_back(client_file: Path, tmp_path: Path) -> None:
    ics = tmp_path / "plan.ics"
    result = run(
        "--client", client_file, "--start", "2026-11-23", "--visits", "4", "--format", "json",
        "--ics", ics, "--duration", "45", "--time", "10:15",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)  # nothing but JSON on stdout
    assert "Wrote 4 calendar events" in result.stderr
    events = list(ICalendar.from_ical(ics.read_bytes()).walk("VEVENT"))
    assert len(events) == 4
    assert events[0].decoded("dtstart").isoformat() == "2026-11-23T10:15:00"
    assert events[0].decoded("duration").total_seconds() == 45 * 60
    first = ics.read_bytes()
    run("--client", client_file, "--start", "2026-11-23", "--visits", "4", "--ics", ics,
        "--duration", "45", "--time", "10:15")  # fmt: skip
    assert ics.read_bytes() == first


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--start", "2026-13-01"], "is not an ISO date"),
        (["--start", "23/11/2026"], "is not an ISO date"),
        (["--start", "2026-11-23", "--visits", "-1"], "--visits"),
        (["--start", "2026-11-23", "--visits", "0"], "--visits"),
        (["--start", "2026-11-23", "--visits", "two"], "--visits"),
        (["--start", "2026-11-23", "--closed-weekday", "funday"], "--closed-weekday"),
        (["--start", "2026-11-23", "--closed-date", "tomorrow"], "--closed-date"),
        (
            ["--start", "2026-11-23", "--visits", "3", "--until", "2027-01-01"],
            "cannot be used together",
        ),
        (["--start", "2026-11-23", "--time", "9am"], "is not a time"),
        (["--start", "2026-11-23", "--duration", "0"], "--duration"),
        (["--start", "2026-11-23", "--format", "xml"], "--format"),
        ([], "--start"),
    ],
)
def test_bad_options_are_usage_errors(client_file: Path, args: list[str], fragment: str) -> None:
    assert_clean_error(run("--client", client_file, *args), 2, fragment)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--until", "2026-01-01"], "is before the start date"),
        (["--series-sessions", "9"], "the series must have 4 to 6 sessions, got 9"),
        (["--policy", "lenient"], "unknown policy 'lenient'"),
        (
            ["--skip-weekends", "--start", "2026-11-28"],
            "closed on the start date 2026-11-28 (closed on Sat)",
        ),
        (["--ics", "/nonexistent-dir/plan.ics"], "cannot write"),
    ],
)
def test_impossible_plans_are_one_line_errors(
    client_file: Path, args: list[str], fragment: str
) -> None:
    start = [] if "--start" in args else ["--start", "2026-11-23"]
    result = run("--client", client_file, *start, *args)
    assert_clean_error(result, 2, fragment)
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_or_bad_client_file_is_a_clean_error(tmp_path: Path) -> None:
    assert_clean_error(
        run("--client", tmp_path / "nope.json", "--start", "2026-11-23"), 2, "no such file"
    )
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**ACNE_CLIENT, "concerns": ["wrinkles"]}))
    assert_clean_error(run("--client", bad, "--start", "2026-11-23"), 2, "concerns")


def test_a_declined_client_is_a_clean_error(tmp_path: Path) -> None:
    f = tmp_path / "sore.json"
    f.write_text(json.dumps({**ACNE_CLIENT, "conditions": ["active_cold_sore"]}))
    assert_clean_error(
        run("--client", f, "--start", "2026-11-23"), 2, "intake declines the session"
    )


def test_example_client_plans_with_laser_spacing() -> None:
    example = Path(__file__).parents[2] / "examples" / "plan" / "acne-laser.json"
    result = run("--client", example, "--start", "2026-11-23", "--visits", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    visits = json.loads(result.stdout)["visits"]
    assert all("laser" in v["steps"] for v in visits)
    assert [v["gap_days"] for v in visits[1:]] == [28, 28]
