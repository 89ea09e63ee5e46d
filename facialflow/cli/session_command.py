"""The ``session`` commands: sessions kept in a store (SQLite file or SQLAlchemy URL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from facialflow.cli.options import (
    Number,
    catalog_option,
    client_option,
    date_option,
    emit_json,
    handle_errors,
    policy_option,
)

F = TypeVar("F", bound=Callable[..., Any])

#: a laser parameter: a finite, non-negative measurement
MEASURE = Number(0, 1_000_000)

DB_HELP = "The store: a file path (SQLite, created if missing) or a SQLAlchemy URL."


def db_option(func: F) -> F:
    return click.option("--db", required=True, metavar="DB", help=DB_HELP)(func)


def _expect(func: F) -> F:
    return click.option(
        "--expect-revision",
        type=Number(1, 2**63 - 1, integer=True),
        default=None,
        metavar="N",
        help="Refuse (exit 1, nothing written) unless the session is at revision N.",
    )(func)


def _format(*choices: str) -> Callable[[F], F]:
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True
    )


_RECORD_OPTIONS: list[Callable[[Any], Any]] = [
    click.option("--actor", default=None, help="Who gives this command (journaled)."),
    click.option("--consent", default=None, metavar="ID@VERSION", help="Signed consent form."),
    click.option(
        "--photo-consent/--no-photo-consent", default=None, help="Consent to clinical photos."
    ),
    click.option("--performer", "performers", multiple=True, help="A performer (repeatable)."),
    click.option(
        "--lot", "lots", multiple=True, metavar="PRODUCT=LOT", help="Lot or batch number."
    ),
    click.option("--laser-device", default=None, help="Laser device and handpiece."),
    click.option("--wavelength", type=MEASURE, default=None, help="Laser wavelength, nm."),
    click.option("--fluence", type=MEASURE, default=None, help="Laser fluence, J/cm2."),
    click.option("--spot-size", type=MEASURE, default=None, help="Laser spot size, mm."),
    click.option("--pulse-width", type=MEASURE, default=None, help="Laser pulse width, ms."),
    click.option("--cooling", default=None, help="Cooling method and setting."),
    click.option("--test-spot-result", default=None, help="Result of the test-spot review."),
    click.option("--aftercare", default=None, help="Aftercare advice given."),
    click.option("--follow-up", default=None, help="Follow-up booked."),
    click.option(
        "--record",
        "record_file",
        type=click.Path(path_type=Path),
        default=None,
        help="Treatment-record items as a .json or .toml file (same names as these options).",
    ),
]


def record_options(func: F) -> F:
    for option in reversed(_RECORD_OPTIONS):
        func = option(func)
    return func


def _read_record_file(path: Path) -> dict[str, Any]:
    from facialflow.errors import RecordIncomplete
    from facialflow.io.reading import DocumentError, parse_document, read_text

    suffix = ".toml" if path.suffix.lower() == ".toml" else ".json"
    try:
        data: Any = parse_document(read_text(path), suffix)
    except DocumentError as exc:
        reason = (
            "no such record file" if str(exc) == "no such file" else f"malformed record file: {exc}"
        )
        raise RecordIncomplete(f"{path}: {reason}") from None
    if not isinstance(data, dict):
        raise RecordIncomplete(f"{path}: a record file holds an object")
    return data


def build_record(opts: dict[str, Any]) -> Any:
    """The command's record items: the file first, then the options on top."""
    from facialflow.errors import RecordIncomplete
    from facialflow.records.treatment import record_input_from_dict

    data = _read_record_file(opts["record_file"]) if opts.get("record_file") else {}
    if opts.get("consent"):
        ident, sep, version = str(opts["consent"]).rpartition("@")
        if not sep or not ident or not version:
            raise RecordIncomplete(f"--consent: {opts['consent']!r} is not ID@VERSION")
        data["consent"] = {"id": ident, "version": version}
    if opts.get("photo_consent") is not None:
        data["photo_consent"] = opts["photo_consent"]
    if opts.get("performers"):
        data["performers"] = [*data.get("performers", []), *opts["performers"]]
    lots = dict(data.get("lots", {}))
    for pair in opts.get("lots", ()):
        name, sep, lot = pair.rpartition("=")
        if not sep or not name or not lot:
            raise RecordIncomplete(f"--lot: {pair!r} is not PRODUCT=LOT")
        lots[name] = lot
    if lots:
        data["lots"] = lots
    laser = dict(data.get("laser", {}))
    for option, key in (
        ("laser_device", "device"),
        ("wavelength", "wavelength_nm"),
        ("fluence", "fluence_j_cm2"),
        ("spot_size", "spot_size_mm"),
        ("pulse_width", "pulse_width_ms"),
        ("cooling", "cooling"),
        ("test_spot_result", "test_spot_result"),
    ):
        if opts.get(option) is not None:
            laser[key] = opts[option]
    if laser:
        data["laser"] = laser
    for key in ("aftercare", "follow_up"):
        if opts.get(key) is not None:
            data[key] = opts[key]
    return record_input_from_dict(data, source=str(opts.get("record_file") or "record"))


def _actor(opts: dict[str, Any]) -> str | None:
    if opts.get("actor"):
        return str(opts["actor"])
    performers = opts.get("performers") or ()
    return str(performers[0]) if performers else None


def _store(db: str, catalogs: tuple[Path, ...] = ()) -> Any:
    from facialflow.records.store import SessionStore

    plugins = None
    if catalogs:
        from facialflow.products.loading import load_plugins

        plugins = load_plugins(catalogs=catalogs)
    return SessionStore(db, plugins=plugins)


@click.group("session")
def session_group() -> None:
    """Sessions kept in a store: start, advance, report a reaction, show, list."""


@session_group.command("start")
@db_option
@client_option(required=True)
@date_option()
@policy_option()
@catalog_option()
@click.option("--id", "session_id", default=None, help="The session id (default: a new UUID).")
@record_options
@_format("json")
@handle_errors
def start_command(
    db: str,
    client_file: Path,
    date: dt.date | None,
    policy: str,
    catalogs: tuple[Path, ...],
    session_id: str | None,
    fmt: str,
    **opts: Any,
) -> None:
    """Screen a client and store a session at intake; prints {"id", "revision", "state"}."""
    from facialflow.io.client_file import load_client

    day = date or dt.date.today()
    client = load_client(client_file, on=day)
    record = build_record(opts)
    with _store(db, catalogs) as store:
        stored = store.start(
            client,
            date=day,
            policy=policy,
            actor=_actor(opts),
            record=record,
            session_id=session_id,
        )
    emit_json(stored.to_dict())


@session_group.command("advance")
@db_option
@click.argument("session_id", metavar="ID")
@_expect
@record_options
@_format("json")
@handle_errors
def advance_command(
    db: str, session_id: str, expect_revision: int | None, fmt: str, **opts: Any
) -> None:
    """Finish the current step and enter the next one."""
    record = build_record(opts)
    with _store(db) as store:
        stored = store.advance(
            session_id, expect_revision=expect_revision, actor=_actor(opts), record=record
        )
    emit_json(stored.to_dict())


@session_group.command("adverse")
@db_option
@click.argument("session_id", metavar="ID")
@click.argument("kind")
@click.option("--note", default="", help="What was seen (journaled).")
@_expect
@record_options
@_format("json")
@handle_errors
def adverse_command(
    db: str,
    session_id: str,
    kind: str,
    note: str,
    expect_revision: int | None,
    fmt: str,
    **opts: Any,
) -> None:
    """Report an adverse reaction of KIND during the current step: the safe exit."""
    record = build_record(opts)
    with _store(db) as store:
        stored = store.report_adverse(
            session_id,
            kind,
            note=note,
            expect_revision=expect_revision,
            actor=_actor(opts),
            record=record,
        )
    emit_json(stored.to_dict())


@session_group.command("record")
@db_option
@click.argument("session_id", metavar="ID")
@_expect
@record_options
@_format("json")
@handle_errors
def record_command(
    db: str, session_id: str, expect_revision: int | None, fmt: str, **opts: Any
) -> None:
    """Add treatment-record items without stepping (for example aftercare at the end)."""
    record = build_record(opts)
    with _store(db) as store:
        stored = store.add_record(
            session_id, record, expect_revision=expect_revision, actor=_actor(opts)
        )
    emit_json(stored.to_dict())


@session_group.command("show")
@db_option
@click.argument("session_id", metavar="ID")
@_format("json", "fhir")
@handle_errors
def show_command(db: str, session_id: str, fmt: str) -> None:
    """The stored session document (with id and revision), or its FHIR R4 record."""
    with _store(db) as store:
        doc = store.show(session_id)
    if fmt == "fhir":
        from facialflow.records.fhir import bundle_from_document, bundle_json

        emit_json(bundle_json(bundle_from_document(doc)))
    else:
        emit_json(doc)


@session_group.command("list")
@db_option
@_format("text", "json")
@handle_errors
def list_command(db: str, fmt: str) -> None:
    """Every stored session: id, revision, state."""
    with _store(db) as store:
        rows = store.list()
    if fmt == "json":
        emit_json(rows)
        return
    for r in rows:
        click.echo(f"{r['id']}  revision {r['revision']:<3} {r['state']:<18} client {r['client']}")
    if not rows:
        click.echo("no sessions")
