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
import tomllib
from collections.abc import Mapping
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from attrs import asdict, field, frozen
from cattrs.errors import ClassValidationError

from facialflow.errors import PolicyError
from facialflow.io.structure import strict_converter, structure_error_message
from facialflow.model import Condition

__all__ = [
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


class LaserDevice(enum.StrEnum):
    """The clinic's laser/light device; short wavelengths are riskier on darker skin (R10)."""

    ND_YAG_1064 = "nd_yag_1064"
    ALEXANDRITE_755 = "alexandrite_755"
    IPL = "ipl"


def _non_negative(_: object, attribute: Any, value: int | float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative")


def _fitzpatrick(_: object, attribute: Any, value: int) -> None:
    if not 1 <= value <= 7:
        raise ValueError(f"{attribute.name} must be 1..7 (7 meaning never)")


def _default_declining() -> dict[Condition, str]:
    return {
        Condition.ACTIVE_COLD_SORE: "R1",
        Condition.ACTIVE_INFECTION: "R1",
        Condition.OPEN_WOUND: "R2",
        Condition.SUNBURN: "R3",
        Condition.FEVER: "R4",
        Condition.UNDIAGNOSED_LESION: "R5",
    }


def _default_washout() -> dict[str, int]:
    return {"laser": 6, "strong_exfoliation": 6, "extraction": 0}


@frozen
class ScreeningPolicy:
    """Thresholds of the intake rules R1-R19."""

    #: conditions that decline the whole session, with the rule that says so
    declining_conditions: Mapping[Condition, str] = field(factory=_default_declining)
    #: R7: months since the last isotretinoin dose before each modality
    isotretinoin_washout_months: Mapping[str, int] = field(factory=_default_washout)
    #: R10: the device the laser step uses
    laser_device: LaserDevice = LaserDevice.ND_YAG_1064
    #: R10: IPL and short-wavelength devices only up to this phototype
    short_wavelength_max_fitzpatrick: int = field(default=3, validator=_fitzpatrick)
    #: R10: a test spot from this phototype up (7: never for phototype)
    test_spot_min_fitzpatrick: int = field(default=4, validator=_fitzpatrick)
    #: R12: keloid history requires a test spot and conservative settings
    keloid_requires_test_spot: bool = True
    #: R11: HSV history requires confirmed antiviral prophylaxis before laser
    hsv_requires_prophylaxis: bool = True
    #: R13: photosensitising medication requires clinician approval before laser
    photosensitizer_requires_review: bool = True
    #: R14: melasma requires clinician approval before laser; IPL is never used
    melasma_requires_review: bool = True
    #: R9: a recent tan or sun exposure blocks laser (the window the clinic means by "recent")
    tan_blocks_laser: bool = True
    sun_washout_days: int = field(default=14, validator=_non_negative)
    #: R8: pregnancy / breastfeeding defer laser and strong exfoliation
    pregnancy_defers_laser: bool = True
    breastfeeding_defers_laser: bool = True
    #: R15: a topical retinoid in use limits exfoliation to gentle and blocks laser
    retinoid_blocks_strong_exfoliation: bool = True
    retinoid_blocks_laser: bool = True
    #: R22: strong (peel-strength) exfoliation only up to this phototype
    strong_exfoliation_max_fitzpatrick: int = field(default=4, validator=_fitzpatrick)
    #: R16: a peel, laser or microdermabrasion in the last 7-14 days
    recent_procedure_blocks: bool = True
    #: R18: "warn" allows extraction with a warning; "skip" skips it
    anticoagulant_extraction: str = field(default="warn")
    #: R19: extract around inflamed acne (False: skip extraction when inflamed acne is present)
    extract_with_inflamed_acne: bool = False
    #: R15: days after the last topical retinoid use before peels and strong exfoliation (2-14)
    retinoid_washout_days: int = field(default=5, validator=_non_negative)
    #: R15: days after the last topical retinoid use before laser
    retinoid_laser_washout_days: int = field(default=14, validator=_non_negative)
    #: R16: days after a peel, laser or microdermabrasion during which only a calming facial is given
    recent_procedure_days: int = field(default=14, validator=_non_negative)
    #: R17: days after botulinum toxin or filler with no pressure over the injected area (2-42)
    injectable_washout_days: int = field(default=14, validator=_non_negative)
    #: R18: extraction on anticoagulants waits for ``assessment.anticoagulant_acknowledged``
    anticoagulant_requires_acknowledgement: bool = True
    #: R10: the devices the clinic can use, preferred first; empty means ``laser_device`` only
    laser_devices: tuple[LaserDevice, ...] = field(default=(), converter=tuple)

    @laser_devices.validator
    def _check_devices(self, attribute: Any, value: tuple[LaserDevice, ...]) -> None:
        for device in value:
            if not isinstance(device, LaserDevice):
                raise ValueError(f"laser_devices: {device!r} is not a LaserDevice")

    @property
    def devices(self) -> tuple[LaserDevice, ...]:
        """The clinic's devices in order of preference (``laser_device`` when none are listed)."""
        return self.laser_devices or (self.laser_device,)

    @anticoagulant_extraction.validator
    def _check_anticoagulant(self, attribute: Any, value: str) -> None:
        if value not in ("warn", "skip"):
            raise ValueError("anticoagulant_extraction must be 'warn' or 'skip'")

    @isotretinoin_washout_months.validator
    def _check_washout(self, attribute: Any, value: Mapping[str, int]) -> None:
        allowed = set(_default_washout())
        for key, months in value.items():
            if key not in allowed:
                raise ValueError(
                    f"isotretinoin_washout_months: unknown modality {key!r}; allowed: "
                    + ", ".join(sorted(allowed))
                )
            if months < 0:
                raise ValueError(f"isotretinoin_washout_months.{key} must not be negative")


#: what ``post_procedure_steps`` may name
POST_PROCEDURE_STEPS = ("peel", "extraction", "laser")


@frozen
class ProductPolicy:
    """Thresholds of the product rules (R6, R8, R23-R27)."""

    max_serums: int = field(default=3, validator=_non_negative)
    min_spf: int = field(default=30, validator=_non_negative)
    #: R8: salicylic acid above this percentage is avoided in pregnancy and breastfeeding
    sa_pregnancy_max_pct: float = field(default=2.0, validator=_non_negative)
    #: an AHA above this percentage counts as a strong acid
    aha_strong_pct: float = field(default=10.0, validator=_non_negative)
    #: a BHA above this percentage counts as a strong acid
    bha_strong_pct: float = field(default=2.0, validator=_non_negative)
    #: R28, R24: vitamin C above this percentage is a strong active after a procedure and on
    #: sensitive or rosacea skin
    vitamin_c_calm_max_pct: float = field(default=10.0, validator=_non_negative)
    #: R28 (2j): steps after which the session's serums, mask and moisturiser come from the
    #: calming set; ``peel`` is a peel-strength exfoliation
    post_procedure_steps: tuple[str, ...] = field(default=("extraction", "laser"), converter=tuple)

    @post_procedure_steps.validator
    def _check_post_steps(self, attribute: Any, value: tuple[str, ...]) -> None:
        for step in value:
            if step not in POST_PROCEDURE_STEPS:
                raise ValueError(
                    f"post_procedure_steps: {step!r} is not one of: {', '.join(POST_PROCEDURE_STEPS)}"
                )


#: R33: a hyperpigmentation series may be spaced up to this many days, never more
HYPERPIGMENTATION_MAX_DAYS_LIMIT = 42


@frozen
class SchedulePolicy:
    """Thresholds of the visit planner (R32-R35)."""

    maintenance_min_days: int = field(default=28, validator=_non_negative)
    maintenance_max_days: int = field(default=42, validator=_non_negative)
    acne_series_sessions: int = field(default=6, validator=_non_negative)
    acne_min_days: int = field(default=14, validator=_non_negative)
    acne_max_days: int = field(default=21, validator=_non_negative)
    hyperpigmentation_series_sessions: int = field(default=6, validator=_non_negative)
    hyperpigmentation_min_days: int = field(default=21, validator=_non_negative)
    hyperpigmentation_max_days: int = field(default=28, validator=_non_negative)
    laser_min_gap_days: int = field(default=28, validator=_non_negative)
    post_active_min_gap_days: int = field(default=14, validator=_non_negative)
    #: from this age on, intervals lengthen by ``age_extra_days_per_decade`` per decade
    age_lengthening_from: int = field(default=40, validator=_non_negative)
    age_extra_days_per_decade: int = field(default=3, validator=_non_negative)
    #: R33: the fewest sessions a corrective series may be shortened to
    #: (``*_series_sessions`` is the planned, and longest, series)
    acne_series_min_sessions: int = field(default=4, validator=_non_negative)
    hyperpigmentation_series_min_sessions: int = field(default=4, validator=_non_negative)
    #: R28: aftercare reminder: no retinoid or exfoliant for this many days after a peel or laser
    post_active_pause_days: int = field(default=7, validator=_non_negative)
    #: R34: laser sessions in a course (3-6); after it, laser only as maintenance
    laser_series_sessions: int = field(default=6, validator=_non_negative)
    #: R34: laser maintenance at most this often once the course is done (6-12 months)
    laser_maintenance_min_days: int = field(default=182, validator=_non_negative)

    def __attrs_post_init__(self) -> None:
        # cross-field checks: a plan needs non-empty windows and series that can exist
        for prefix in ("maintenance", "acne", "hyperpigmentation"):
            low, high = getattr(self, f"{prefix}_min_days"), getattr(self, f"{prefix}_max_days")
            if low < 1:
                raise ValueError(f"{prefix}_min_days must be at least 1")
            if low > high:
                raise ValueError(
                    f"{prefix}_min_days ({low}) must not exceed {prefix}_max_days ({high})"
                )
        if self.hyperpigmentation_max_days > HYPERPIGMENTATION_MAX_DAYS_LIMIT:
            raise ValueError(
                f"hyperpigmentation_max_days must be at most {HYPERPIGMENTATION_MAX_DAYS_LIMIT}"
                " (R33: sources space a pigment series up to 6 weeks)"
            )
        for concern in ("acne", "hyperpigmentation"):
            fewest = getattr(self, f"{concern}_series_min_sessions")
            planned = getattr(self, f"{concern}_series_sessions")
            if not 1 <= fewest <= planned:
                raise ValueError(
                    f"{concern}_series_min_sessions ({fewest}) must be from 1 to "
                    f"{concern}_series_sessions ({planned})"
                )


@frozen
class RecordPolicy:
    """Treatment-record items (R29) whose absence blocks the step they belong to."""

    #: no consent (id and version) on the record, no leaving intake for treatment
    require_consent: bool = True
    #: at least one named performer before treatment starts
    require_performer: bool = True
    #: device, wavelength, fluence, spot size, pulse width and cooling before leaving a laser
    #: step; the test-spot result before leaving the test spot
    require_laser_parameters: bool = True
    #: a lot or batch number for every product applied at a step before leaving it
    require_lot_numbers: bool = False
    #: aftercare advice recorded before the session completes
    require_aftercare: bool = False


@frozen
class Policy:
    """A named clinical policy; ``name`` appears in every decision it makes."""

    name: str = "conservative"
    screening: ScreeningPolicy = field(factory=ScreeningPolicy)
    products: ProductPolicy = field(factory=ProductPolicy)
    schedule: SchedulePolicy = field(factory=SchedulePolicy)
    records: RecordPolicy = field(factory=RecordPolicy)

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


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"{path}: no such policy file") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: malformed TOML: {exc}") from None
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc}") from None


def policy_from_dict(data: Mapping[str, Any], *, source: str) -> Policy:
    try:
        return _CONVERTER.structure(dict(data), Policy)
    except ClassValidationError as exc:
        message, path = structure_error_message(exc)
        where = f"{path}: " if path else ""
        raise PolicyError(f"{source}: {where}{message}") from None
    except (ValueError, TypeError) as exc:
        raise PolicyError(f"{source}: {exc}") from None


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
    return policy_from_dict(data, source=text)
