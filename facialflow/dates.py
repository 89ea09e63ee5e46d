"""Strict ISO dates: ``YYYY-MM-DD`` and nothing else, within a sane range of years.

``date.fromisoformat`` also accepts ``20250101`` and week dates such as
``2025W011``; the contract's dates are ``YYYY-MM-DD``. Every rule adds months
or years to dates (a washout, a series, an age), so a date near year 1 or 9999
is refused here rather than overflowing later. Imports nothing heavy, so the CLI
can use it at start-up.
"""

from __future__ import annotations

import datetime as dt
import re

from facialflow.errors import InvalidValueError

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "SESSION_YEARS",
    "check_session_date",
    "check_year",
    "parse_iso_date",
]

#: the years a birth or dose date may fall in
MIN_YEAR = 1900
MAX_YEAR = 2199
#: the years a session date may fall in: generated clients' dates (years before it) and
#: plans (years after it) then stay within MIN_YEAR-MAX_YEAR
SESSION_YEARS = (1950, 2150)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_year(date: dt.date) -> dt.date:
    """``date``, or ValueError when its year is outside ``MIN_YEAR``-``MAX_YEAR``."""
    if not MIN_YEAR <= date.year <= MAX_YEAR:
        raise InvalidValueError(f"{date.isoformat()} is outside the years {MIN_YEAR}-{MAX_YEAR}")
    return date


def check_session_date(date: dt.date) -> dt.date:
    """``date``, or ValueError when it is outside :data:`SESSION_YEARS`."""
    low, high = SESSION_YEARS
    if not low <= date.year <= high:
        raise InvalidValueError(f"{date.isoformat()} is outside the years {low}-{high}")
    return date


def parse_iso_date(text: str, *, session: bool = False) -> dt.date:
    """The date ``text`` names; ValueError unless it is a real ``YYYY-MM-DD`` date in range.

    The range is ``MIN_YEAR``-``MAX_YEAR``, or :data:`SESSION_YEARS` for a ``session`` date.
    """
    if not _ISO_DATE.fullmatch(text):
        raise InvalidValueError(f"{text!r} is not an ISO date (YYYY-MM-DD)")
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(f"{text!r} is not an ISO date (YYYY-MM-DD): no such day") from None
    return check_session_date(date) if session else check_year(date)
