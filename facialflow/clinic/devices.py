"""Policy vocabularies the screening reads: the laser devices and the post-procedure steps.

Kept apart from :mod:`facialflow.clinic.policy` so that module stays a table of values.
"""

from __future__ import annotations

import enum
from typing import Any

from facialflow import validation as v
from facialflow.errors import InvalidValueError

__all__ = [
    "POST_PROCEDURE_STEPS",
    "LaserDevice",
    "to_laser_device",
    "to_laser_devices",
    "to_post_procedure_steps",
]


class LaserDevice(enum.StrEnum):
    """The clinic's laser/light device; short wavelengths are riskier on darker skin (R10)."""

    ND_YAG_1064 = "nd_yag_1064"
    ALEXANDRITE_755 = "alexandrite_755"
    IPL = "ipl"


def to_laser_device(value: LaserDevice | str) -> LaserDevice:
    return v.to_enum(value, LaserDevice, "laser_device")


def to_laser_devices(value: Any) -> tuple[LaserDevice, ...]:
    return v.to_enum_tuple(value, LaserDevice, "laser_devices")


#: what ``post_procedure_steps`` may name
POST_PROCEDURE_STEPS = ("peel", "extraction", "laser")


def to_post_procedure_steps(value: Any) -> tuple[str, ...]:
    steps = v.to_strings(value, "post_procedure_steps")
    bad = [s for s in steps if s not in POST_PROCEDURE_STEPS]
    if bad:
        allowed = ", ".join(POST_PROCEDURE_STEPS)
        raise InvalidValueError(
            f"{v.describe(bad[0])} is not one of: {allowed}", field="post_procedure_steps"
        )
    return steps
