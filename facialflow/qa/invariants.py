"""Named safety invariants, checked on a finished session.

Each :class:`Invariant` looks only at the :class:`~facialflow.model.SessionResult`
(the client, the path taken, the products applied, the adverse record), the
:class:`~facialflow.clinic.policy.Policy` and the session date. It re-derives what is
contraindicated from the client itself and does not call the screening or the
safety filter: an invariant that trusted ``screening.py`` could never catch a
bug in it.

The invariants are the clinical safety *floor*. A policy may be stricter, and
its stricter values are honoured (a later isotretinoin washout, a lower
phototype cutoff, a higher SPF); a policy may not be looser. A policy switch
that turns a safety rule off (``pregnancy_defers_laser = false``, an empty
``declining_conditions``) therefore shows up as a violation, which is what
``facialflow check`` is for. Thresholds the reference marks as genuinely varying
between sources (the isotretinoin washout, which the 2017 ASDS consensus sets
to zero for non-ablative laser) come from the policy alone.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from attrs import frozen

from facialflow.clinic.policy import LaserDevice, Policy
from facialflow.clinic.reactions import emergency_grade
from facialflow.errors import UnknownNameError
from facialflow.model import (
    AdverseKind,
    AppliedProduct,
    Client,
    Comedones,
    Condition,
    Outcome,
    SessionResult,
)
from facialflow.qa import product_invariants as pi

__all__ = [
    "FLOOR_DECLINING",
    "FLOOR_SHORT_WAVELENGTH_MAX_FITZPATRICK",
    "FLOOR_TEST_SPOT_MIN_FITZPATRICK",
    "INTOLERANT_REACTIONS",
    "INVARIANTS",
    "Invariant",
    "Violation",
    "invariant_named",
    "laser_contraindications",
    "violations",
]

#: conditions that decline a session whatever the policy says (contract; R1-R4)
FLOOR_DECLINING: frozenset[Condition] = frozenset(
    {
        Condition.ACTIVE_COLD_SORE,
        Condition.ACTIVE_INFECTION,
        Condition.OPEN_WOUND,
        Condition.SUNBURN,
        Condition.FEVER,
    }
)

#: reactions after which nothing more may be put on the skin (R30: soothe and SPF "if tolerated")
INTOLERANT_REACTIONS: frozenset[AdverseKind] = frozenset(
    {
        AdverseKind.URTICARIA,
        AdverseKind.BLISTERING,
        AdverseKind.ANAPHYLAXIS,
        AdverseKind.DYSPNOEA,
        AdverseKind.AIRWAY_SWELLING,
        AdverseKind.LIP_SWELLING,
        AdverseKind.SYNCOPE,
        AdverseKind.WORSENING,
    }
)

_FLOOR_MIN_SPF = 30
#: R10: short wavelengths are unsafe from phototype IV
FLOOR_SHORT_WAVELENGTH_MAX_FITZPATRICK = _FLOOR_SHORT_WAVELENGTH_MAX_FITZPATRICK = 3
#: R10: a test spot from phototype IV
FLOOR_TEST_SPOT_MIN_FITZPATRICK = _FLOOR_TEST_SPOT_MIN_FITZPATRICK = 4
#: R8: at most low-percentage salicylic acid in pregnancy and breastfeeding
_FLOOR_SA_PREGNANCY_MAX_PCT = 2.0


@frozen
class Violation:
    """One invariant that a session broke, and how."""

    invariant: str
    detail: str
    rules: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"invariant": self.invariant, "detail": self.detail, "rules": list(self.rules)}


Check = Callable[[SessionResult, Policy], Iterable[str]]


@frozen
class Invariant:
    """A named safety property of every finished session."""

    name: str
    description: str
    rules: tuple[str, ...]
    check: Check

    def violations(self, result: SessionResult, policy: Policy) -> list[Violation]:
        return [Violation(self.name, detail, self.rules) for detail in self.check(result, policy)]


# -- helpers ------------------------------------------------------------------------------------


def _months_elapsed(since: dt.date, day: dt.date) -> int:
    """Whole calendar months from ``since`` to ``day``; a month ending early counts as whole."""
    months = (day.year - since.year) * 12 + (day.month - since.month)
    month_end = calendar.monthrange(day.year, day.month)[1]
    if day.day < min(since.day, month_end):
        months -= 1
    return months


def _isotretinoin_within(last: dt.date | None, day: dt.date, months: int) -> bool:
    return last is not None and months > 0 and _months_elapsed(last, day) < months


def _did_laser(result: SessionResult) -> bool:
    return any(s.startswith("laser") for s in result.path)


def _applied(result: SessionResult) -> tuple[AppliedProduct, ...]:
    return result.products


def _carer(client: Client) -> str | None:
    if client.pregnant:
        return "pregnant"
    if client.breastfeeding:
        return "breastfeeding"
    return None


def laser_contraindications(client: Client, day: dt.date, policy: Policy) -> list[str]:
    """Why ``client`` must not have laser on ``day``: the floor, or ``policy`` where stricter."""
    sp = policy.screening
    a = client.assessment
    f = pi.floor_facts(client, day, policy)
    out: list[str] = []
    if not a.laser_requested:
        out.append("laser was not requested (R20)")
    if client.pregnant:
        out.append("pregnant (R8)")
    if client.breastfeeding:
        out.append("breastfeeding (R8)")
    months = sp.isotretinoin_washout_months.get("laser", 0)
    if _isotretinoin_within(f.isotretinoin_last_dose, day, months):
        out.append(f"isotretinoin within {months} months (R7)")
    if f.has(Condition.RECENT_TAN):
        out.append("recent tan (R9)")
    cutoff = min(sp.short_wavelength_max_fitzpatrick, _FLOOR_SHORT_WAVELENGTH_MAX_FITZPATRICK)
    if sp.laser_device is not LaserDevice.ND_YAG_1064 and client.fitzpatrick > cutoff:
        out.append(f"{sp.laser_device} on Fitzpatrick {client.fitzpatrick} (R10)")
    if f.has(Condition.HSV_HISTORY) and not a.antiviral_prophylaxis:
        out.append("HSV history without antiviral prophylaxis (R11)")
    for condition, rule in (
        (Condition.PHOTOSENSITIZING_MEDICATION, "R13"),
        (Condition.MELASMA, "R14"),
    ):
        if f.has(condition):
            name = condition.value.replace("_", " ")
            if sp.laser_device is LaserDevice.IPL:
                out.append(f"IPL with {name} ({rule})")
            elif not a.clinician_approved_laser:
                out.append(f"{name} without clinician approval ({rule})")
    if f.retinoid_within(sp.retinoid_laser_washout_days):
        out.append("topical retinoid in use or used recently (R15)")
    if f.has(Condition.RECENT_PEEL_OR_LASER):
        out.append("peel or laser in the last 14 days (R16)")
    return out


def _extraction_contraindications(client: Client, day: dt.date, policy: Policy) -> list[str]:
    sp = policy.screening
    f = pi.floor_facts(client, day, policy)
    out: list[str] = []
    if client.assessment.comedones is Comedones.NONE:
        out.append("no comedones to extract (R19)")
    if f.has(Condition.ROSACEA):
        out.append("rosacea (R19)")
    if f.has(Condition.FRAGILE_SKIN):
        out.append("fragile skin (R19)")
    if f.has(Condition.RECENT_PEEL_OR_LASER):
        out.append("peel or laser in the last 14 days (R16)")
    # policy-governed: the sources treat these as precautions, not bars
    if f.has(Condition.INFLAMED_ACNE) and not sp.extract_with_inflamed_acne:
        out.append("inflamed acne under a policy that skips extraction then (R19)")
    if f.has(Condition.ANTICOAGULANTS) and sp.anticoagulant_extraction == "skip":
        out.append("anticoagulants under a policy that skips extraction then (R18)")
    ack = client.assessment.anticoagulant_acknowledged
    if f.has(Condition.ANTICOAGULANTS) and sp.anticoagulant_requires_acknowledgement and not ack:
        out.append("anticoagulants without the practitioner's acknowledgement (R18)")
    if f.has(Condition.RECENT_INJECTABLES):
        out.append("recent injectables: no pressure over injected areas (R17)")
    months = sp.isotretinoin_washout_months.get("extraction", 0)
    if _isotretinoin_within(f.isotretinoin_last_dose, day, months):
        out.append(f"isotretinoin within {months} months (R7)")
    return out


# -- the invariants -----------------------------------------------------------------------------


def _path_well_formed(result: SessionResult, policy: Policy) -> Iterable[str]:
    path = result.path
    if not path or path[0] != "intake":
        yield f"the path does not start at intake: {list(path)}"
    if result.outcome is None:
        yield "the session did not finish"
    elif path and path[-1] != str(result.outcome):
        yield f"the path ends in {path[-1]!r} but the outcome is {result.outcome}"
    steps = set(path)
    for a in _applied(result):
        if a.step not in steps:
            yield f"{a.product.name!r} applied at {a.step}, which the session never entered"


#: states a session may pass through without any treatment step running
_CARE_ONLY = frozenset({"intake", "stopped", "emergency"})


def _blocking_declined(result: SessionResult, policy: Policy) -> Iterable[str]:
    blocking = FLOOR_DECLINING | frozenset(policy.screening.declining_conditions)
    found = sorted(str(c) for c in result.client.conditions & blocking)
    if not found or result.outcome is Outcome.DECLINED:
        return
    # a reaction during the consultation itself (a faint at intake) is cared for by the safe
    # exit or the emergency path instead of a decline; no treatment step may run either way
    at_intake = result.adverse is not None and result.adverse.get("step") == "intake"
    treated = [s for s in result.path if s not in _CARE_ONLY and not s.startswith("safe_exit")]
    if not at_intake or treated:
        yield f"{', '.join(found)} but the session was {result.outcome} (not declined)"


def _declined_applies_nothing(result: SessionResult, policy: Policy) -> Iterable[str]:
    if result.outcome is not Outcome.DECLINED:
        return
    if result.path != ("intake", "declined"):
        yield f"declined after entering {', '.join(result.path[1:-1])}"
    for a in _applied(result):
        yield f"declined session applied {a.product.name!r} at {a.step}"


def _no_laser_when_contraindicated(result: SessionResult, policy: Policy) -> Iterable[str]:
    if not _did_laser(result):
        return
    for why in laser_contraindications(result.client, result.date, policy):
        yield f"laser performed although {why}"


def _test_spot_when_required(result: SessionResult, policy: Policy) -> Iterable[str]:
    if "laser_treatment" not in result.path:
        return
    client = result.client
    needs: list[str] = []
    threshold = min(policy.screening.test_spot_min_fitzpatrick, _FLOOR_TEST_SPOT_MIN_FITZPATRICK)
    if client.fitzpatrick >= threshold:
        needs.append(f"Fitzpatrick {client.fitzpatrick}")
    if client.has(Condition.KELOID_HISTORY):
        needs.append("keloid history")
    path = list(result.path)
    spotted = "laser_test_spot" in path and path.index("laser_test_spot") < path.index(
        "laser_treatment"
    )
    if needs and not spotted:
        yield f"laser treatment without a test spot although {' and '.join(needs)}"


def _no_extraction_when_contraindicated(result: SessionResult, policy: Policy) -> Iterable[str]:
    if "extraction" not in result.path:
        return
    for why in _extraction_contraindications(result.client, result.date, policy):
        yield f"extraction performed although {why}"


def _safe_exit_ends_stopped(result: SessionResult, policy: Policy) -> Iterable[str]:
    path = result.path
    exits = [i for i, s in enumerate(path) if s.startswith("safe_exit")]
    if exits:
        tail = path[exits[0] :]
        if path[-1] == "emergency" and result.outcome is Outcome.EMERGENCY:
            tail = tail[:-1]
        elif result.outcome is not Outcome.STOPPED or path[-1] != "stopped":
            yield f"entered the safe exit but ended {path[-1]!r}"
        stray = [s for s in tail[:-1] if not s.startswith("safe_exit")]
        if stray:
            yield f"treatment resumed after the safe exit: {', '.join(stray)}"
        if result.adverse is None:
            yield "entered the safe exit with no adverse reaction recorded"
    elif result.outcome is Outcome.STOPPED:
        yield "stopped without passing through the safe exit"
    if result.adverse is not None and not exits and result.outcome is not Outcome.EMERGENCY:
        yield f"adverse reaction recorded ({result.adverse.get('kind')}) but no safe exit"
    if result.outcome is Outcome.EMERGENCY and result.adverse is None:
        yield "emergency protocol with no adverse reaction recorded"


def _emergency_escalates(result: SessionResult, policy: Policy) -> Iterable[str]:
    adverse = result.adverse
    if adverse is None:
        return
    try:
        kind = AdverseKind(adverse.get("kind", ""))
    except ValueError:
        return
    severe = emergency_grade(kind) or bool(adverse.get("worsened_at"))
    if severe and result.outcome is not Outcome.EMERGENCY:
        yield f"{kind} at {adverse.get('step')} ended {result.outcome}, not in the emergency protocol"
    if not severe and result.outcome is Outcome.EMERGENCY:
        yield f"{kind} that did not worsen ended in the emergency protocol"


def _nothing_after_intolerance(result: SessionResult, policy: Policy) -> Iterable[str]:
    if result.adverse is None:
        return
    try:
        kind = AdverseKind(result.adverse.get("kind", ""))
    except ValueError:
        return
    if kind not in INTOLERANT_REACTIONS:
        return
    for a in _applied(result):
        if a.step.startswith("safe_exit"):
            yield f"{a.product.name!r} applied at {a.step} after {kind}"


INVARIANTS: tuple[Invariant, ...] = (
    Invariant(
        "path_well_formed",
        "a path starts at intake and ends in its outcome; products only at steps entered",
        (),
        _path_well_formed,
    ),
    Invariant(
        "blocking_conditions_declined",
        "an active cold sore, infection, open wound, sunburn or fever (or any condition the "
        "policy adds) declines the session",
        ("R1", "R2", "R3", "R4", "R5"),
        _blocking_declined,
    ),
    Invariant(
        "declined_applies_nothing",
        "a declined session goes straight from intake to declined and applies no product",
        ("R1", "R27"),
        _declined_applies_nothing,
    ),
    Invariant(
        "no_laser_when_contraindicated",
        "no laser step unless requested, and never under a laser contraindication (pregnancy, "
        "breastfeeding, isotretinoin washout, recent tan, short wavelength on phototype IV+, HSV "
        "without prophylaxis, unreviewed photosensitiser or melasma, retinoid, recent procedure)",
        ("R7", "R8", "R9", "R10", "R11", "R13", "R14", "R15", "R16", "R20"),
        _no_laser_when_contraindicated,
    ),
    Invariant(
        "laser_test_spot_when_required",
        "laser on phototype IV+ or with keloid history starts with a test spot",
        ("R10", "R12"),
        _test_spot_when_required,
    ),
    Invariant(
        "no_extraction_when_contraindicated",
        "extraction only of present comedones; never with rosacea, fragile skin, recent procedure",
        ("R16", "R18", "R19"),
        _no_extraction_when_contraindicated,
    ),
    Invariant(
        "no_allergen_applied",
        "no applied product contains an ingredient a listed allergy covers (identity and class)",
        ("R6",),
        pi.no_allergen_applied,
    ),
    Invariant(
        "pregnancy_safe_ingredients",
        "no retinoid, hydroquinone or high-percentage salicylic acid in pregnancy or breastfeeding",
        ("R8", "R26"),
        pi.pregnancy_safe_ingredients,
    ),
    Invariant(
        "hydroquinone_needs_prescription",
        "hydroquinone and prescription-only products only with a real prescription reference",
        ("R26",),
        pi.prescription_recorded,
    ),
    Invariant(
        "sunscreen_at_hydration",
        "every completed session applies an SPF 30+ sunscreen with a known UV filter at hydration",
        ("R27",),
        pi.sunscreen_at_hydration,
    ),
    Invariant(
        "safe_exit_ends_stopped",
        "an adverse reaction leads through the safe exit to stopped (or on to the emergency "
        "protocol), and nothing resumes after it",
        ("R30",),
        _safe_exit_ends_stopped,
    ),
    Invariant(
        "nothing_applied_after_intolerance",
        "after urticaria, blistering or anaphylaxis the safe exit applies no product",
        ("R27", "R30"),
        _nothing_after_intolerance,
    ),
    Invariant(
        "no_incompatible_actives",
        "no benzoyl peroxide with tretinoin, L-ascorbic acid or hydroquinone in one session",
        ("R23",),
        pi.no_incompatible_actives,
    ),
)

INVARIANTS = (
    *INVARIANTS,
    Invariant(
        "no_laser_day_exfoliants",
        "no acid, enzyme or retinoid anywhere in a session with laser",
        ("R15", "R20", "R28"),
        pi.no_laser_day_exfoliants,
    ),
    Invariant(
        "after_procedure_calm",
        "after extraction or laser (the policy's post-procedure steps), and after a recent peel, "
        "no acids, retinoids, azelaic acid, sulfur, menthol or strong vitamin C",
        ("R16", "R28"),
        pi.after_procedure_calm,
    ),
    Invariant(
        "safe_exit_bland",
        "the safe exit soothes and protects with bland products: no acid, retinoid, azelaic "
        "acid, sulfur, menthol, benzoyl peroxide, hydroquinone, strong vitamin C or fragrance",
        ("R30",),
        pi.safe_exit_bland,
    ),
    Invariant(
        "clay_never_on_dry_skin",
        "no clay on dry, dehydrated or sensitive skin, nor with rosacea",
        ("R24", "R25"),
        pi.clay_never_on_dry_skin,
    ),
    Invariant(
        "emergency_grade_reaction_escalates",
        "an emergency-grade reaction (or one that worsened) ends in the emergency protocol",
        ("R30",),
        _emergency_escalates,
    ),
)

_BY_NAME = {inv.name: inv for inv in INVARIANTS}


def invariant_named(name: str) -> Invariant:
    """The invariant called ``name`` (KeyError names the known ones)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown invariant {name!r}; known: {', '.join(_BY_NAME)}"
        ) from None


def violations(
    result: SessionResult,
    policy: Policy,
    *,
    invariants: Sequence[Invariant] = INVARIANTS,
) -> list[Violation]:
    """Every invariant ``result`` breaks under ``policy`` (empty: the session is safe)."""
    out: list[Violation] = []
    for inv in invariants:
        out.extend(inv.violations(result, policy))
    return out
