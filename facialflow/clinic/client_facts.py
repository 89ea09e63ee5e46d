"""What screening knows about a client: flags, dated facts and medications read as one set of facts.

A fact can come from three places, and each rule must fire whichever it came
from: a condition flag in the client file (``topical_retinoid``), a dated fact
inside its washout (``last_topical_retinoid`` five days ago, R15), or a
medication of a known drug class (``Retin-A 0.05% cream``). :func:`client_facts`
merges them and remembers where each fact came from, so a finding can say
"topical retinoid in use (from medications: Retin-A 0.05% cream)".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from attrs import frozen

from facialflow.clinic.policy import Policy
from facialflow.dates import parse_iso_date
from facialflow.knowledge import resolve_allergy, resolve_medications
from facialflow.model import Client, Condition

__all__ = ["ClientFacts", "client_facts", "unknown_allergies", "unknown_allergy_warnings"]

_ISO = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


@frozen
class ClientFacts:
    """Effective facts of one client on one date, each with where it came from."""

    #: condition -> source text ("" for the client file's own flag)
    conditions: Mapping[Condition, str]
    #: the last isotretinoin dose from the file or from a medication, and its source text
    isotretinoin_last_dose: dt.date | None
    isotretinoin_source: str
    #: days since the last topical retinoid use, when only a date says so (None: flag or unknown)
    retinoid_days: int | None

    def has(self, condition: Condition) -> bool:
        return condition in self.conditions

    def retinoid_within(self, days: int) -> bool:
        """A topical retinoid in use, or used less than ``days`` days ago (R15)."""
        if Condition.TOPICAL_RETINOID not in self.conditions:
            return False
        return self.retinoid_days is None or self.retinoid_days < days

    def src(self, condition: Condition) -> str:
        """`` (from ...)`` for a fact that did not come from the file's own flag, else ``""``."""
        return self.conditions.get(condition, "")


def _within(last: dt.date | None, date: dt.date, days: int) -> bool:
    # a date after the session date cannot be true; read it the safe way, as recent (a client
    # file refuses it, but a caller's Client must not turn a recent peel into no peel)
    return last is not None and days > 0 and (date - last).days < days


def _medication_date(text: str) -> dt.date | None:
    found = _ISO.search(text)
    if found is None:
        return None
    try:
        return parse_iso_date(found.group(1))
    except ValueError:
        return None


def client_facts(client: Client, date: dt.date, policy: Policy) -> ClientFacts:
    """Merge ``client``'s flags, dated facts and screened medications for ``date``."""
    sp = policy.screening
    found: dict[Condition, str] = dict.fromkeys(client.conditions, "")

    def add(condition: Condition, source: str) -> None:
        before = found.get(condition)
        if before is None:
            found[condition] = f" (from {source})"
        elif before.startswith(" (from medications: ") and source.startswith("medications: "):
            # every medication line that implies the fact is named
            found[condition] = before[:-1] + ", " + source.removeprefix("medications: ") + ")"

    iso_last = client.isotretinoin_last_dose
    iso_source = ""
    for line in client.medications:
        for match in resolve_medications(line):
            for value in match.conditions:
                add(Condition(value), f"medications: {line}")
            if "isotretinoin_last_dose" in match.client_fields:
                # a medication list names a current course: the last dose is today unless dated
                dose = _medication_date(line) or date
                if iso_last is None or dose > iso_last:
                    iso_last, iso_source = dose, f" (from medications: {line})"
    if _within(client.last_sun_exposure, date, sp.sun_washout_days):
        add(Condition.RECENT_TAN, f"last_sun_exposure {client.last_sun_exposure}")
    retinoid_days: int | None = None
    last_retinoid = client.last_topical_retinoid
    washout = max(sp.retinoid_washout_days, sp.retinoid_laser_washout_days)
    if (
        last_retinoid is not None
        and Condition.TOPICAL_RETINOID not in found
        and _within(last_retinoid, date, washout)
    ):
        # only a date says so: each modality's own washout decides (R15)
        retinoid_days = (date - last_retinoid).days
        add(Condition.TOPICAL_RETINOID, f"last_topical_retinoid {last_retinoid}")
    if _within(client.last_peel, date, sp.recent_procedure_days):
        add(Condition.RECENT_PEEL_OR_LASER, f"last_peel {client.last_peel}")
    if _within(client.last_injectable, date, sp.injectable_washout_days):
        add(Condition.RECENT_INJECTABLES, f"last_injectable {client.last_injectable}")
    return ClientFacts(found, iso_last, iso_source, retinoid_days)


def unknown_allergies(allergies: tuple[str, ...]) -> tuple[str, ...]:
    """The allergies, in the client's order and words, that name nothing the knowledge base knows.

    All screening reads of a client's allergies: memoised screenings key on this.
    """
    return tuple(a for a in allergies if not resolve_allergy(a).known)


def unknown_allergy_warnings(client: Client) -> tuple[str, ...]:
    """A warning for each allergy that names no known ingredient or class (matched literally)."""
    return tuple(
        f"allergy {a!r} names no ingredient the knowledge base knows: matched by its exact "
        "name only (R6)"
        for a in unknown_allergies(client.allergies)
    )
