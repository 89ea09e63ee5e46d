"""The protocol's step and trigger names, as enums.

They are ``str`` enums, so a name compares, hashes and serialises exactly as
the contract's plain string does (``Step.LASER == "laser"``); code uses the
members instead of repeating bare strings. A test checks that :class:`Step`
and the states of :data:`~facialflow.protocol.facial.FACIAL` are the same set.
"""

from __future__ import annotations

import enum

__all__ = ["Step", "Trigger"]


class Trigger(enum.StrEnum):
    """What moves a session: finishing a step, or an adverse reaction during it."""

    ADVANCE = "advance"
    ADVERSE = "adverse"
    #: a severe reaction, or one that worsens during the safe exit: the emergency protocol (R30)
    EMERGENCY = "emergency"


class Step(enum.StrEnum):
    """Every public state name of the facial, in treatment order, then the exits."""

    INTAKE = "intake"
    CLEANSING = "cleansing"
    EXFOLIATION = "exfoliation"
    EXTRACTION = "extraction"
    LASER = "laser"
    LASER_TEST_SPOT = "laser_test_spot"
    LASER_TREATMENT = "laser_treatment"
    LASER_COOLING = "laser_cooling"
    SERUMS = "serums"
    MASK = "mask"
    HYDRATION = "hydration"
    COMPLETE = "complete"
    DECLINED = "declined"
    SAFE_EXIT = "safe_exit"
    SAFE_EXIT_STOP = "safe_exit_stop"
    SAFE_EXIT_REMOVE = "safe_exit_remove"
    SAFE_EXIT_COOL = "safe_exit_cool"
    SAFE_EXIT_SOOTHE = "safe_exit_soothe"
    SAFE_EXIT_PROTECT = "safe_exit_protect"
    SAFE_EXIT_DOCUMENT = "safe_exit_document"
    STOPPED = "stopped"
    EMERGENCY = "emergency"
