"""Clinical policy: every threshold of the rules, as data.

A :class:`Policy` is a frozen tree of values with the conservative defaults of
`docs/clinical-rules.md`. Presets are TOML files shipped in
``facialflow/presets``; a clinic policy file is TOML too, may name a preset in
``extends`` and overrides any value. Unknown keys and wrong types are errors
that name the file and the key.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Mapping
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from attrs import asdict, field, frozen
from cattrs.errors import ClassValidationError

from facialflow import validation as v
from facialflow.clinic.devices import (
    LaserDevice,
    to_laser_device,
    to_laser_devices,
    to_post_procedure_steps,
)
from facialflow.errors import InvalidValueError, PolicyError, PolicyFloorError
from facialflow.io.reading import DocumentError, parse_document, read_text
from facialflow.io.structure import strict_converter, structure_error_message
from facialflow.model import Condition

__all__ = [
    "FLOOR_DECLINING",
    "FLOOR_MIN_SPF",
    "FLOOR_SA_PREGNANCY_MAX_PCT",
    "PRESETS",
    "LaserDevice",
    "Policy",
    "ProductPolicy",
    "RecordPolicy",
    "SchedulePolicy",
    "ScreeningPolicy",
    "load_policy",
    "policy_to_dict",
]

_PRESET_DIR = Path(__file__).parent / "presets"
PRESETS: tuple[str, ...] = ("conservative", "asds2017")


def _int(default: int, low: int, high: int, note: str = "") -> Any:
    """An integer policy value and its documented range (``docs/policy.md``)."""
    return field(
        default=default, validator=v.int_in(low, high, note=note), metadata={"range": (low, high)}
    )


def _pct(default: float, low: float, high: float) -> Any:
    """A percentage policy value: a finite number in its documented range (NaN passes no limit)."""
    return field(
        default=default, validator=v.finite_number(low, high), metadata={"range": (low, high)}
    )


def _flag(default: bool) -> Any:
    return field(default=default, validator=v.strict_bool)


_FITZPATRICK_NOTE = " (7 meaning never)"

#: R1-R4 are high-confidence rules: these conditions decline a session under every policy
FLOOR_DECLINING: Mapping[Condition, str] = {
    Condition.ACTIVE_COLD_SORE: "R1",
    Condition.ACTIVE_INFECTION: "R1",
    Condition.OPEN_WOUND: "R2",
    Condition.SUNBURN: "R3",
    Condition.FEVER: "R4",
}
#: R27: no policy may accept a sunscreen below SPF 30
FLOOR_MIN_SPF = 30
#: R8: salicylic acid in pregnancy and breastfeeding is wash-off, at most 2 %
FLOOR_SA_PREGNANCY_MAX_PCT = 2.0
#: washout months, sessions and days above these are typing mistakes, not clinic choices
MAX_WASHOUT_MONTHS = 60
MAX_DAYS = 730


def _default_declining() -> dict[Condition, str]:
    return {**FLOOR_DECLINING, Condition.UNDIAGNOSED_LESION: "R5"}


def _default_washout() -> dict[str, int]:
    return {"laser": 6, "strong_exfoliation": 6, "extraction": 0}


_RULE_ID = re.compile(r"R\d{1,3}[A-Z]?")


@frozen
class ScreeningPolicy:
    """Thresholds of the intake rules R1-R19."""

    #: conditions that decline the whole session, with the rule that says so
    declining_conditions: Mapping[Condition, str] = field(factory=_default_declining)
    #: R7: months since the last isotretinoin dose before each modality
    isotretinoin_washout_months: Mapping[str, int] = field(
        factory=_default_washout, metadata={"range": (0, MAX_WASHOUT_MONTHS)}
    )
    #: R10: the device the laser step uses
    laser_device: LaserDevice = field(
        default=LaserDevice.ND_YAG_1064,
        converter=to_laser_device,
    )
    #: R10: IPL and short-wavelength devices only up to this phototype
    short_wavelength_max_fitzpatrick: int = _int(3, 1, 7, _FITZPATRICK_NOTE)
    #: R10: a test spot from this phototype up (7: never for phototype)
    test_spot_min_fitzpatrick: int = _int(4, 1, 7, _FITZPATRICK_NOTE)
    #: R12: keloid history requires a test spot and conservative settings
    keloid_requires_test_spot: bool = _flag(True)
    #: R11: HSV history requires confirmed antiviral prophylaxis before laser
    hsv_requires_prophylaxis: bool = _flag(True)
    #: R13: photosensitising medication requires clinician approval before laser
    photosensitizer_requires_review: bool = _flag(True)
    #: R14: melasma requires clinician approval before laser; IPL is never used
    melasma_requires_review: bool = _flag(True)
    #: R9: a recent tan or sun exposure blocks laser (the window the clinic means by "recent")
    tan_blocks_laser: bool = _flag(True)
    sun_washout_days: int = _int(14, 0, 365)
    #: R8: pregnancy / breastfeeding defer laser and strong exfoliation
    pregnancy_defers_laser: bool = _flag(True)
    breastfeeding_defers_laser: bool = _flag(True)
    #: R15: a topical retinoid in use limits exfoliation to gentle and blocks laser
    retinoid_blocks_strong_exfoliation: bool = _flag(True)
    retinoid_blocks_laser: bool = _flag(True)
    #: R22: strong (peel-strength) exfoliation only up to this phototype
    strong_exfoliation_max_fitzpatrick: int = _int(4, 1, 7, _FITZPATRICK_NOTE)
    #: R16: a peel, laser or microdermabrasion in the last 7-14 days
    recent_procedure_blocks: bool = _flag(True)
    #: R18: "warn" allows extraction with a warning; "skip" skips it
    anticoagulant_extraction: str = field(default="warn")
    #: R19: extract around inflamed acne (False: skip extraction when inflamed acne is present)
    extract_with_inflamed_acne: bool = _flag(False)
    #: R15: days since a topical retinoid before peels (2-14), and before laser
    retinoid_washout_days: int = _int(5, 0, 365)
    retinoid_laser_washout_days: int = _int(14, 0, 365)
    #: R16: days after a peel, laser or microdermabrasion with a calming facial only; R17:
    #: days after an injectable with no pressure over the injected area (2-42)
    recent_procedure_days: int = _int(14, 0, 365)
    injectable_washout_days: int = _int(14, 0, 365)
    #: R18: extraction on anticoagulants waits for ``assessment.anticoagulant_acknowledged``
    anticoagulant_requires_acknowledgement: bool = _flag(True)
    #: R10: the clinic's devices, preferred first (empty: ``laser_device`` only; see ``devices``)
    laser_devices: tuple[LaserDevice, ...] = field(default=(), converter=to_laser_devices)

    @property
    def devices(self) -> tuple[LaserDevice, ...]:
        return self.laser_devices or (self.laser_device,)

    @anticoagulant_extraction.validator
    def _check_anticoagulant(self, attribute: Any, value: str) -> None:
        if value not in ("warn", "skip"):
            raise InvalidValueError(
                f"{v.describe(value)} is not one of: warn, skip", field=attribute.name
            )

    @declining_conditions.validator
    def _check_declining(self, attribute: Any, value: Mapping[Condition, str]) -> None:
        if not isinstance(value, Mapping):
            raise v.type_error("a table of condition = rule id", value, attribute.name)
        for condition, rule in value.items():
            if not isinstance(condition, Condition):
                raise v.vocabulary_error(condition, Condition, attribute.name)
            if not isinstance(rule, str) or not _RULE_ID.fullmatch(rule):
                raise InvalidValueError(
                    f'{condition}: expected a rule id such as "R4", got {v.describe(rule)}',
                    field=attribute.name,
                )
        for condition, rule in FLOOR_DECLINING.items():
            if condition not in value:
                raise PolicyFloorError(
                    f"cannot leave out {condition}: {rule} is a high-confidence rule and "
                    "declines the session under every policy",
                    field=attribute.name,
                )

    @isotretinoin_washout_months.validator
    def _check_washout(self, attribute: Any, value: Mapping[str, int]) -> None:
        if not isinstance(value, Mapping):
            raise v.type_error("a table of modality = months", value, attribute.name)
        allowed = set(_default_washout())
        check = v.int_in(0, MAX_WASHOUT_MONTHS)
        for key, months in value.items():
            if key not in allowed:
                raise InvalidValueError(
                    f"unknown modality {key!r}; allowed: " + ", ".join(sorted(allowed)),
                    field=attribute.name,
                )
            check(self, _Named(f"{attribute.name}.{key}"), months)


@frozen
class _Named:
    # lets a validator name one key of a table (isotretinoin_washout_months.laser)
    name: str


@frozen(cache_hash=True)
class ProductPolicy:
    """Thresholds of the product rules (R6, R8, R23-R27)."""

    max_serums: int = _int(3, 0, 10)
    #: R27: never below SPF 30 (a high-confidence rule); a clinic may ask for more
    min_spf: int = field(default=30, metadata={"range": (FLOOR_MIN_SPF, 100)})
    #: R8: salicylic acid above this percentage is avoided in pregnancy and breastfeeding
    sa_pregnancy_max_pct: float = _pct(2.0, 0, FLOOR_SA_PREGNANCY_MAX_PCT)
    #: an AHA above this percentage counts as a strong acid
    aha_strong_pct: float = _pct(10.0, 0, 100)
    #: a BHA above this percentage counts as a strong acid
    bha_strong_pct: float = _pct(2.0, 0, 100)
    #: R28, R24: stronger vitamin C is a strong active after a procedure and with rosacea
    vitamin_c_calm_max_pct: float = _pct(10.0, 0, 100)
    #: R28: the calming set follows these steps (``peel``: a peel-strength exfoliation)
    post_procedure_steps: tuple[str, ...] = field(
        default=("extraction", "laser"), converter=to_post_procedure_steps
    )

    @min_spf.validator
    def _check_min_spf(self, attribute: Any, value: Any) -> None:
        if type(value) is int and value < FLOOR_MIN_SPF:
            raise PolicyFloorError(
                f"must be at least {FLOOR_MIN_SPF}, got {value}: R27 (every completed session ends "
                "with SPF 30 or more) is a high-confidence rule",
                field=attribute.name,
            )
        v.int_in(FLOOR_MIN_SPF, 100)(self, attribute, value)


#: R33: a hyperpigmentation series may be spaced up to this many days, never more
HYPERPIGMENTATION_MAX_DAYS_LIMIT = 42


@frozen
class SchedulePolicy:
    """Thresholds of the visit planner (R32-R35)."""

    maintenance_min_days: int = _int(28, 1, MAX_DAYS)
    maintenance_max_days: int = _int(42, 1, MAX_DAYS)
    acne_series_sessions: int = _int(6, 1, 52)
    acne_min_days: int = _int(14, 1, MAX_DAYS)
    acne_max_days: int = _int(21, 1, MAX_DAYS)
    hyperpigmentation_series_sessions: int = _int(6, 1, 52)
    hyperpigmentation_min_days: int = _int(21, 1, HYPERPIGMENTATION_MAX_DAYS_LIMIT)
    hyperpigmentation_max_days: int = _int(
        28, 1, HYPERPIGMENTATION_MAX_DAYS_LIMIT, " (R33: a pigment series is spaced up to 6 weeks)"
    )
    laser_min_gap_days: int = _int(28, 0, MAX_DAYS)
    post_active_min_gap_days: int = _int(14, 0, MAX_DAYS)
    #: from this age on, intervals lengthen by ``age_extra_days_per_decade`` per decade
    age_lengthening_from: int = _int(40, 0, 120)
    age_extra_days_per_decade: int = _int(3, 0, 60)
    #: R33: the fewest sessions a corrective series may be shortened to
    #: (``*_series_sessions`` is the planned, and longest, series)
    acne_series_min_sessions: int = _int(4, 1, 52)
    hyperpigmentation_series_min_sessions: int = _int(4, 1, 52)
    #: R28: aftercare reminder: no retinoid or exfoliant for this many days after a peel or laser
    post_active_pause_days: int = _int(7, 0, 60)
    #: R34: laser sessions in a course (3-6); after it, laser only as maintenance
    laser_series_sessions: int = _int(6, 0, 52)
    #: R34: laser maintenance at most this often once the course is done (6-12 months)
    laser_maintenance_min_days: int = _int(182, 0, MAX_DAYS)

    def __attrs_post_init__(self) -> None:
        # cross-field checks: a plan needs non-empty windows and series that can exist
        for prefix in ("maintenance", "acne", "hyperpigmentation"):
            low, high = getattr(self, f"{prefix}_min_days"), getattr(self, f"{prefix}_max_days")
            if low > high:
                raise InvalidValueError(
                    f"({low}) must not exceed {prefix}_max_days ({high})",
                    field=f"{prefix}_min_days",
                )
        for concern in ("acne", "hyperpigmentation"):
            fewest = getattr(self, f"{concern}_series_min_sessions")
            planned = getattr(self, f"{concern}_series_sessions")
            if not 1 <= fewest <= planned:
                raise InvalidValueError(
                    f"({fewest}) must be from 1 to {concern}_series_sessions ({planned})",
                    field=f"{concern}_series_min_sessions",
                )


@frozen
class RecordPolicy:
    """Treatment-record items (R29) whose absence blocks the step they belong to."""

    #: no consent (id and version) on the record, no leaving intake for treatment
    require_consent: bool = _flag(True)
    #: at least one named performer before treatment starts
    require_performer: bool = _flag(True)
    #: device, wavelength, fluence, spot size, pulse width and cooling before leaving a laser
    #: step; the test-spot result before leaving the test spot
    require_laser_parameters: bool = _flag(True)
    #: a lot or batch number for every product applied at a step before leaving it
    require_lot_numbers: bool = _flag(False)
    #: aftercare advice recorded before the session completes
    require_aftercare: bool = _flag(False)


@frozen
class Policy:
    """A named clinical policy; ``name`` appears in every decision it makes."""

    name: str = field(default="conservative", validator=v.non_empty_str)
    screening: ScreeningPolicy = field(
        factory=ScreeningPolicy, validator=v.instance(ScreeningPolicy, "a screening table")
    )
    products: ProductPolicy = field(
        factory=ProductPolicy, validator=v.instance(ProductPolicy, "a products table")
    )
    schedule: SchedulePolicy = field(
        factory=SchedulePolicy, validator=v.instance(SchedulePolicy, "a schedule table")
    )
    records: RecordPolicy = field(
        factory=RecordPolicy, validator=v.instance(RecordPolicy, "a records table")
    )

    def __attrs_post_init__(self) -> None:
        # every decision records the policy's name: a preset's name must mean the preset's values
        if self.name in PRESETS and _values(self) != _preset_values(self.name):
            raise InvalidValueError(
                f"{self.name!r} is the name of a preset, and these values differ from it; "
                "give the policy its own name",
                field="name",
            )

    @cached_property
    def digest(self) -> str:
        """A short hash of every value: snapshots use it to restore exactly this policy."""
        text = json.dumps(policy_to_dict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def is_preset(self) -> bool:
        return self.name in PRESETS and load_policy(self.name).digest == self.digest


_CONVERTER = strict_converter(Condition, LaserDevice)


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        # mappings of rule thresholds merge key by key; everything else replaces
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    def serialize(inst: Any, a: Any, value: Any) -> Any:
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, Mapping):
            return {(k.value if isinstance(k, enum.Enum) else k): v for k, v in value.items()}
        return value

    return asdict(policy, value_serializer=serialize)


def _values(policy: Policy) -> dict[str, Any]:
    values = policy_to_dict(policy)
    del values["name"]
    return values


#: a name no preset has: builds a preset's values without asking for the preset itself
_PROBE = "\0preset"


@cache
def _preset_values(name: str) -> dict[str, Any]:
    data = _preset_data(name)
    data["name"] = _PROBE
    return _values(policy_from_dict(data, source=f"preset {name}"))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = parse_document(read_text(path), ".toml")
    except DocumentError as exc:
        reason = "no such policy file" if str(exc) == "no such file" else str(exc)
        raise PolicyError(f"{path}: {reason}") from None
    assert isinstance(data, dict)
    return data


def policy_from_dict(data: Mapping[str, Any], *, source: str) -> Policy:
    if not isinstance(data, Mapping):
        raise PolicyError(f"{source}: a policy must be a table")
    try:
        return _CONVERTER.structure(dict(data), Policy)
    except (ClassValidationError, ValueError, TypeError) as exc:
        message, path = structure_error_message(exc)
        text = f"{source}: {path}: {message}" if path else f"{source}: {message}"
        if _floor_in(exc) is None:
            raise PolicyError(text) from None
        floor = PolicyFloorError(text)
        floor.field = path
        raise floor from None


def _floor_in(exc: BaseException) -> PolicyFloorError | None:
    if isinstance(exc, PolicyFloorError):
        return exc
    for sub in getattr(exc, "exceptions", ()):
        found = _floor_in(sub)
        if found is not None:
            return found
    return None


def _resolve(data: dict[str, Any], source: str, seen: tuple[str, ...]) -> dict[str, Any]:
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise PolicyError(f"{source}: extends must be a preset name or a file path")
    if parent in seen:
        raise PolicyError(f"{source}: extends forms a cycle through {parent!r}")
    if parent in PRESETS:
        base = _preset_data(parent)
    else:
        # a relative path is relative to the file that names it, not to the working directory
        path = Path(parent)
        if not path.is_absolute() and source not in PRESETS:
            path = Path(source).parent / path
        if str(path.resolve()) in seen:
            raise PolicyError(f"{source}: extends forms a cycle through {parent!r}")
        base = _file_data(path, (*seen, str(path.resolve())))
    base.pop("name", None)
    merged = _merge(base, data)
    # the clinic's list replaces the preset's, so a condition can be made non-blocking
    screening = data.get("screening")
    if isinstance(screening, Mapping) and "declining_conditions" in screening:
        merged["screening"]["declining_conditions"] = data["screening"]["declining_conditions"]
    return merged


def _file_data(path: Path, seen: tuple[str, ...]) -> dict[str, Any]:
    return _resolve(_read_toml(path), str(path), seen)


def _preset_data(name: str) -> dict[str, Any]:
    return _resolve(_read_toml(_PRESET_DIR / f"{name}.toml"), name, (name,))


@cache
def _load_preset(name: str) -> Policy:
    data = _preset_data(name)
    data.setdefault("name", name)
    return policy_from_dict(data, source=f"preset {name}")


def load_policy(name_or_path: str | Path | None = None) -> Policy:
    """A preset by name (``conservative``, ``asds2017``) or a clinic policy TOML file."""
    if name_or_path is None:
        return _load_preset("conservative")
    text = str(name_or_path)
    if text in PRESETS:
        return _load_preset(text)
    path = Path(text)
    if path.suffix.lower() != ".toml":
        raise PolicyError(
            f"unknown policy {text!r}: use a preset ({', '.join(PRESETS)}) or a .toml policy file"
        )
    data = _file_data(path, (str(path.resolve()),))
    data.setdefault("name", path.stem)
    if data["name"] in PRESETS:
        # even with equal values: the file can change later, the preset's name cannot
        raise PolicyError(
            f"{text}: name: {data['name']!r} is a preset's name; a clinic policy needs its own "
            '(set name = "..." in the file)'
        )
    return policy_from_dict(data, source=text)
