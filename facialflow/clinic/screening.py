"""Intake screening: the clinical rules applied to one client on one date.

:func:`screen` evaluates rules R1-R19 of docs/clinical-rules.md under a :class:`Policy` and
returns a frozen :class:`Screening`: the guard facts the engine branches on,
every :class:`Finding` (rule, step, effect, reason, policy), the reasons each
skipped step names, and the exfoliation strength allowed. It is pure: the same
client, date and policy always give an equal result, which is what lets the
simulator reuse it for equivalent clients.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from attrs import frozen

from facialflow.clinic.client_facts import ClientFacts, client_facts, unknown_allergy_warnings
from facialflow.clinic.policy import LaserDevice, Policy
from facialflow.model import Client, Comedones, Condition, Effect, Exfoliation, Finding, SkinType
from facialflow.protocol.guards import Facts

__all__ = [
    "CLIENT_READS",
    "CONDITIONAL_STEPS",
    "READ_AS",
    "Screening",
    "add_months",
    "decline",
    "possible_rules",
    "screen",
]

#: the protocol steps screening may skip, each with a reason in ``Screening.skipped``
CONDITIONAL_STEPS = ("extraction", "laser")


@frozen
class Screening:
    policy: str
    facts: Facts
    findings: tuple[Finding, ...]
    #: reasons for each conditional step that will not be performed
    skipped: Mapping[str, str]
    #: peel-strength acids allowed, or gentle only
    exfoliation: Exfoliation
    warnings: tuple[str, ...]
    #: R28: a procedure of the policy's ``post_procedure_steps`` happens today, so what follows it
    #: comes from the calming set
    after_procedure: bool = False
    #: R16: a recent peel, laser or microdermabrasion: only a calming facial, no exfoliating actives
    calming_only: bool = False
    #: R10: the device the laser step uses, when laser is performed
    laser_device: LaserDevice | None = None

    @property
    def declined(self) -> bool:
        return self.facts.session_blocked

    @property
    def decline_reasons(self) -> tuple[str, ...]:
        return tuple(f.reason for f in self.findings if f.effect is Effect.DECLINE)


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later, clamped to the month's last day (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _label(condition: Condition) -> str:
    return condition.value.replace("_", " ")


class _Collector:
    """Accumulates findings for one screening; not shared, not returned."""

    def __init__(self, policy: str) -> None:
        self.policy = policy
        self.findings: list[Finding] = []

    def add(self, rule: str, step: str, effect: Effect, cause: str) -> str:
        reason = f"{cause} ({self.policy} policy)"
        self.findings.append(Finding(rule, step, effect, reason, self.policy))
        return reason

    def reasons(self, step: str, effect: Effect) -> list[str]:
        return [f.reason for f in self.findings if f.step == step and f.effect is effect]


def _isotretinoin_within(f: ClientFacts, date: dt.date, months: int) -> bool:
    last = f.isotretinoin_last_dose
    return last is not None and months > 0 and date < add_months(last, months)


def _screen_session(c: _Collector, client: Client, policy: Policy) -> None:
    for condition, rule in policy.screening.declining_conditions.items():
        if client.has(condition):
            c.add(rule, "session", Effect.DECLINE, _label(condition))


def _screen_extraction(
    c: _Collector, client: Client, f: ClientFacts, date: dt.date, policy: Policy
) -> None:
    sp = policy.screening
    if not _comedones_seen(client.assessment.comedones):
        c.findings.append(Finding("R19", "extraction", Effect.SKIP, "no comedones", policy.name))
        return
    if f.has(Condition.ROSACEA):
        c.add("R19", "extraction", Effect.SKIP, "rosacea: handling and heat increase redness")
    if f.has(Condition.FRAGILE_SKIN):
        c.add("R19", "extraction", Effect.SKIP, "fragile skin")
    if f.has(Condition.INFLAMED_ACNE) and not sp.extract_with_inflamed_acne:
        c.add("R19", "extraction", Effect.SKIP, "inflamed acne: inflamed lesions are not extracted")
    if f.has(Condition.RECENT_PEEL_OR_LASER) and sp.recent_procedure_blocks:
        c.add(
            "R16",
            "extraction",
            Effect.SKIP,
            f"peel, laser or microdermabrasion in the last {sp.recent_procedure_days} days"
            + f.src(Condition.RECENT_PEEL_OR_LASER),
        )
    if f.has(Condition.RECENT_INJECTABLES):
        c.add(
            "R17",
            "extraction",
            Effect.SKIP,
            "recent injectables: no pressure over injected areas"
            + f.src(Condition.RECENT_INJECTABLES),
        )
    months = sp.isotretinoin_washout_months.get("extraction", 0)
    if _isotretinoin_within(f, date, months):
        c.add(
            "R7",
            "extraction",
            Effect.SKIP,
            f"isotretinoin within {months} months" + f.isotretinoin_source,
        )
    if f.has(Condition.ANTICOAGULANTS):
        src = f.src(Condition.ANTICOAGULANTS)
        if sp.anticoagulant_extraction == "skip":
            c.add(
                "R18", "extraction", Effect.SKIP, "anticoagulants: bruising and bleeding risk" + src
            )
        elif sp.anticoagulant_requires_acknowledgement and not (
            client.assessment.anticoagulant_acknowledged
        ):
            c.add(
                "R18",
                "extraction",
                Effect.SKIP,
                "anticoagulants: extraction waits for the practitioner's acknowledgement of the "
                "bruising and bleeding risk" + src,
            )
        else:
            c.add(
                "R18",
                "extraction",
                Effect.WARN,
                "anticoagulants: bruising and bleeding risk on extraction (acknowledged)" + src,
            )


def _device_problems(
    device: LaserDevice, client: Client, f: ClientFacts, policy: Policy
) -> list[tuple[str, str]]:
    """The (rule, cause) pairs that rule out this device for this client (R10, R13, R14)."""
    sp = policy.screening
    out: list[tuple[str, str]] = []
    if (
        device is not LaserDevice.ND_YAG_1064
        and client.fitzpatrick > sp.short_wavelength_max_fitzpatrick
    ):
        out.append(
            (
                "R10",
                f"Fitzpatrick {client.fitzpatrick}: no {device.value} above type "
                f"{sp.short_wavelength_max_fitzpatrick}",
            )
        )
    if device is LaserDevice.IPL:
        if f.has(Condition.PHOTOSENSITIZING_MEDICATION) and sp.photosensitizer_requires_review:
            out.append(
                (
                    "R13",
                    "photosensitising medication: no IPL"
                    + f.src(Condition.PHOTOSENSITIZING_MEDICATION),
                )
            )
        if f.has(Condition.MELASMA) and sp.melasma_requires_review:
            out.append(("R14", "melasma: IPL can worsen it"))
    return out


def _choose_device(c: _Collector, client: Client, f: ClientFacts, policy: Policy) -> LaserDevice:
    """The first of the clinic's devices nothing rules out (its problems recorded otherwise)."""
    devices = policy.screening.devices
    for device in devices:
        if not _device_problems(device, client, f, policy):
            why = (
                "the clinic's preferred device"
                if device is devices[0]
                else (
                    "safer for this client than "
                    + ", ".join(d.value for d in devices[: devices.index(device)])
                )
            )
            c.add("R10", "laser", Effect.RECORD, f"laser device {device.value}: {why}")
            return device
    device = devices[0]
    for rule, cause in _device_problems(device, client, f, policy):
        c.add(rule, "laser", Effect.SKIP, cause)
    return device


def _screen_laser(
    c: _Collector, client: Client, f: ClientFacts, date: dt.date, policy: Policy
) -> tuple[bool, LaserDevice | None]:
    """Adds laser findings; returns whether a test spot is required, and the device."""
    sp = policy.screening
    if not client.assessment.laser_requested:
        c.findings.append(Finding("R20", "laser", Effect.SKIP, "not requested", policy.name))
        return False, None
    if client.pregnant and sp.pregnancy_defers_laser:
        c.add("R8", "laser", Effect.SKIP, "pregnancy")
    if client.breastfeeding and sp.breastfeeding_defers_laser:
        c.add("R8", "laser", Effect.SKIP, "breastfeeding")
    months = sp.isotretinoin_washout_months.get("laser", 0)
    if _isotretinoin_within(f, date, months):
        c.add(
            "R7",
            "laser",
            Effect.SKIP,
            f"isotretinoin within {months} months" + f.isotretinoin_source,
        )
    elif f.isotretinoin_last_dose is not None and months == 0:
        c.add(
            "R7",
            "laser",
            Effect.WARN,
            "isotretinoin history: no delay for non-ablative laser" + f.isotretinoin_source,
        )
    if f.has(Condition.RECENT_TAN) and sp.tan_blocks_laser:
        c.add(
            "R9",
            "laser",
            Effect.SKIP,
            f"recent tan or sun exposure (within {sp.sun_washout_days} days)"
            + f.src(Condition.RECENT_TAN),
        )
    device = _choose_device(c, client, f, policy)
    hsv = f.has(Condition.HSV_HISTORY) and sp.hsv_requires_prophylaxis
    if hsv and not client.assessment.antiviral_prophylaxis:
        c.add("R11", "laser", Effect.SKIP, "HSV history without confirmed antiviral prophylaxis")
    approved = client.assessment.clinician_approved_laser
    photo = f.has(Condition.PHOTOSENSITIZING_MEDICATION) and sp.photosensitizer_requires_review
    if photo and device is not LaserDevice.IPL and not approved:
        c.add(
            "R13",
            "laser",
            Effect.SKIP,
            "photosensitising medication: needs clinician review"
            + f.src(Condition.PHOTOSENSITIZING_MEDICATION),
        )
    melasma = f.has(Condition.MELASMA) and sp.melasma_requires_review
    if melasma and device is not LaserDevice.IPL and not approved:
        c.add("R14", "laser", Effect.SKIP, "melasma: needs clinician review")
    if sp.retinoid_blocks_laser and f.retinoid_within(sp.retinoid_laser_washout_days):
        c.add(
            "R15",
            "laser",
            Effect.SKIP,
            f"topical retinoid in use or used in the last {sp.retinoid_laser_washout_days} days"
            + f.src(Condition.TOPICAL_RETINOID),
        )
    if f.has(Condition.RECENT_PEEL_OR_LASER) and sp.recent_procedure_blocks:
        c.add(
            "R16",
            "laser",
            Effect.SKIP,
            f"peel, laser or microdermabrasion in the last {sp.recent_procedure_days} days"
            + f.src(Condition.RECENT_PEEL_OR_LASER),
        )
    test_spot = False
    if client.fitzpatrick >= sp.test_spot_min_fitzpatrick:
        c.add("R10", "laser", Effect.REQUIRE, f"test spot: Fitzpatrick {client.fitzpatrick}")
        test_spot = True
    if f.has(Condition.KELOID_HISTORY) and sp.keloid_requires_test_spot:
        c.add("R12", "laser", Effect.REQUIRE, "test spot and conservative settings: keloid history")
        test_spot = True
    if f.has(Condition.ANTICOAGULANTS):
        c.add(
            "R18",
            "laser",
            Effect.WARN,
            "anticoagulants: bruising risk with laser" + f.src(Condition.ANTICOAGULANTS),
        )
    return test_spot, device


def _screen_exfoliation(
    c: _Collector, client: Client, f: ClientFacts, date: dt.date, policy: Policy
) -> Exfoliation:
    sp = policy.screening
    before = len(c.findings)
    if _sensitive(client.skin_type):
        c.add("R24", "exfoliation", Effect.RESTRICT, "gentle only: sensitive skin")
    if f.has(Condition.ROSACEA):
        c.add("R24", "exfoliation", Effect.RESTRICT, "gentle only: rosacea")
    if sp.retinoid_blocks_strong_exfoliation and f.retinoid_within(sp.retinoid_washout_days):
        c.add(
            "R15",
            "exfoliation",
            Effect.RESTRICT,
            "gentle only: topical retinoid in use" + f.src(Condition.TOPICAL_RETINOID),
        )
    months = sp.isotretinoin_washout_months.get("strong_exfoliation", 0)
    if _isotretinoin_within(f, date, months):
        c.add(
            "R7",
            "exfoliation",
            Effect.RESTRICT,
            f"gentle only: isotretinoin within {months} months" + f.isotretinoin_source,
        )
    if client.pregnant or client.breastfeeding:
        c.add(
            "R8",
            "exfoliation",
            Effect.RESTRICT,
            "gentle only: no peel in pregnancy or breastfeeding",
        )
    hsv = f.has(Condition.HSV_HISTORY) and sp.hsv_requires_prophylaxis
    if hsv and not client.assessment.antiviral_prophylaxis:
        # R11 covers peels as well as laser: heat and acids can reactivate HSV
        c.add(
            "R11",
            "exfoliation",
            Effect.RESTRICT,
            "gentle only: HSV history without confirmed antiviral prophylaxis",
        )
    if client.fitzpatrick > sp.strong_exfoliation_max_fitzpatrick:
        c.add(
            "R22", "exfoliation", Effect.RESTRICT, f"gentle only: Fitzpatrick {client.fitzpatrick}"
        )
    if f.has(Condition.RECENT_PEEL_OR_LASER) and sp.recent_procedure_blocks:
        c.add(
            "R16",
            "exfoliation",
            Effect.RESTRICT,
            "calming only: recent peel, laser or microdermabrasion"
            + f.src(Condition.RECENT_PEEL_OR_LASER),
        )
    return Exfoliation.GENTLE if len(c.findings) > before else Exfoliation.STRONG


#: the Client fields :func:`screen` reads (with the date and the policy): screenings are
#: memoised on exactly these, so a rule that reads another field must add it here
CLIENT_READS: tuple[str, ...] = (
    "skin_type",
    "fitzpatrick",
    "pregnant",
    "breastfeeding",
    "isotretinoin_last_dose",
    "conditions",
    # of the assessment, all but the prescription reference (that is selection's, R26)
    "assessment.comedones",
    "assessment.laser_requested",
    "assessment.antiviral_prophylaxis",
    "assessment.clinician_approved_laser",
    "assessment.anticoagulant_acknowledged",
    # screened: a known drug class has the effect of the matching fact
    "medications",
    # dated facts inside their washouts (R9, R15-R17)
    "last_sun_exposure",
    "last_topical_retinoid",
    "last_peel",
    "last_injectable",
    # only for the warning about an allergy the knowledge base does not know
    "allergies",
)


def _sensitive(skin_type: SkinType) -> bool:
    return skin_type is SkinType.SENSITIVE


def _comedones_seen(comedones: Comedones) -> bool:
    return comedones is not Comedones.NONE


#: fields of :data:`CLIENT_READS` screening reads only in part, and the part (R24: sensitive
#: skin or not; R19: comedones or none): the simulator shares a screening within a part. A
#: rule reading more of such a field drops it here (a test tries every value of each part)
READ_AS: Mapping[str, Callable[[Any], Hashable]] = {
    "skin_type": _sensitive,
    "assessment.comedones": _comedones_seen,
}


def screen(client: Client, date: dt.date, policy: Policy) -> Screening:
    """Apply every intake rule to ``client`` on ``date`` under ``policy``."""
    c = _Collector(policy.name)
    _screen_session(c, client, policy)
    blocked = bool(c.findings)
    skipped: dict[str, str] = {}
    warnings: list[str] = []
    if blocked:
        return _declined(policy.name, tuple(c.findings))
    f = client_facts(client, date, policy)
    _screen_extraction(c, client, f, date, policy)
    test_spot, device = _screen_laser(c, client, f, date, policy)
    exfoliation = _screen_exfoliation(c, client, f, date, policy)
    if f.has(Condition.RECENT_INJECTABLES):
        c.add(
            "R17",
            "session",
            Effect.WARN,
            "recent injectables: no massage or pressure over injected areas"
            + f.src(Condition.RECENT_INJECTABLES),
        )
    for step in CONDITIONAL_STEPS:
        reasons = c.reasons(step, Effect.SKIP)
        if reasons:
            skipped[step] = "; ".join(reasons)
    # a warning about a step that will not happen is noise
    warnings = [
        f.reason
        for f in c.findings
        if f.effect in (Effect.WARN, Effect.REQUIRE) and f.step not in skipped
    ]
    warnings.extend(unknown_allergy_warnings(client))
    laser = "laser" not in skipped
    extraction = "extraction" not in skipped
    facts = Facts(
        session_blocked=False,
        extraction_indicated=extraction,
        laser_indicated=laser,
        test_spot_required=laser and test_spot,
    )
    post = policy.products.post_procedure_steps
    after = (
        (extraction and "extraction" in post)
        or (laser and "laser" in post)
        or (exfoliation is Exfoliation.STRONG and "peel" in post)
    )
    calming = f.has(Condition.RECENT_PEEL_OR_LASER) and policy.screening.recent_procedure_blocks
    return Screening(
        policy.name,
        facts,
        tuple(c.findings),
        skipped,
        exfoliation,
        tuple(warnings),
        after_procedure=after,
        calming_only=calming,
        laser_device=device if laser else None,
    )


def decline(screening: Screening, rule: str, cause: str) -> Screening:
    """``screening`` with one more blocking finding: the session will be declined at intake."""
    reason = f"{cause} ({screening.policy} policy)"
    finding = Finding(rule, "session", Effect.DECLINE, reason, screening.policy)
    return _declined(screening.policy, (*screening.findings, finding))


def _declined(policy: str, findings: tuple[Finding, ...]) -> Screening:
    """A screening that declines the session: nothing is applied, every conditional step says why."""
    why = "session declined: " + "; ".join(f.reason for f in findings if f.effect is Effect.DECLINE)
    skipped = dict.fromkeys(CONDITIONAL_STEPS, why)
    return Screening(policy, Facts(session_blocked=True), findings, skipped, Exfoliation.GENTLE, ())


def possible_rules(policy: Policy) -> frozenset[str]:
    """Every rule id a screening (or the R27 intake decline) can record under ``policy``.

    A rule the policy switches off cannot fire, so coverage must not ask for it.
    """
    sp = policy.screening
    short = sp.laser_device is not LaserDevice.ND_YAG_1064
    switched = {
        "R9": sp.tan_blocks_laser,
        "R10": sp.test_spot_min_fitzpatrick <= 6
        or (short and sp.short_wavelength_max_fitzpatrick < 6),
        "R11": sp.hsv_requires_prophylaxis,
        "R12": sp.keloid_requires_test_spot,
        "R13": sp.photosensitizer_requires_review,
        "R14": sp.melasma_requires_review,
        "R15": sp.retinoid_blocks_laser or sp.retinoid_blocks_strong_exfoliation,
        "R16": sp.recent_procedure_blocks,
        "R22": sp.strong_exfoliation_max_fitzpatrick < 6,
    }
    # R10 records the laser device whenever laser is performed
    always = {"R7", "R8", "R10", "R17", "R18", "R19", "R20", "R24", "R27"}
    on = {rule for rule, enabled in switched.items() if enabled}
    return frozenset(always | on | set(sp.declining_conditions.values()))
