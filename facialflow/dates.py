"""Strict ISO dates: ``YYYY-MM-DD`` and nothing else.

``date.fromisoformat`` also accepts ``20250101`` and week dates such as
``2025W011``; the contract's dates are ``YYYY-MM-DD``. Imports nothing heavy,
so the CLI can use it at start-up.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["parse_iso_date"]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_iso_date(text: str) -> dt.date:
    """The date ``text`` names; ValueError unless it is a real ``YYYY-MM-DD`` date."""
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not an ISO date (YYYY-MM-DD)")
    return dt.date.fromisoformat(text)
