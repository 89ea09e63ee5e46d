"""What the client classes are made of, declared next to each other so drift is visible.

:data:`FIELDS` says, for every client-file field, which dimension of
:mod:`facialflow.qa.classes` splits it; :data:`IGNORED_FIELDS` why no rule
reads the others; :data:`POLICY_THRESHOLDS` how every policy value is used;
:data:`COMPONENTS` which facts each rule group reads. The drift tests compare
these with the attrs fields of the model and the policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from facialflow.model import Comedones, Concern, SkinType

__all__ = ["COMPONENTS", "FIELDS", "IGNORED_FIELDS", "NEUTRAL", "POLICY_THRESHOLDS"]

#: the client every class starts from; a component's facts are then set on it
NEUTRAL: Mapping[str, Any] = {
    "skin_type": SkinType.NORMAL,
    "concerns": (next(iter(Concern)),),
    "fitzpatrick": 1,
    "pregnant": False,
    "breastfeeding": False,
    "isotretinoin_last_dose": None,
    "allergies": (),
    "conditions": frozenset(),
    "comedones": Comedones.NONE,
    "laser_requested": False,
    "antiviral_prophylaxis": False,
    "clinician_approved_laser": False,
    "prescription_reference": None,
    "medications": (),
    "last_sun_exposure": None,
    "last_topical_retinoid": None,
    "last_peel": None,
    "last_injectable": None,
    "anticoagulant_acknowledged": False,
}

#: how each field of the client file is abstracted: the dimension that splits it
FIELDS: Mapping[str, str] = {
    "skin_type": "skin_type",
    "concerns": "concerns",
    "fitzpatrick": "fitzpatrick",
    "pregnant": "pregnant",
    "breastfeeding": "breastfeeding",
    "isotretinoin_last_dose": "isotretinoin_last_dose",
    "allergies": "allergies",
    "conditions": "conditions (one dimension per condition; declining ones together)",
    "assessment.comedones": "comedones",
    "assessment.laser_requested": "laser_requested",
    "assessment.antiviral_prophylaxis": "antiviral_prophylaxis",
    "assessment.clinician_approved_laser": "clinician_approved_laser",
    "assessment.prescription_reference": "prescription",
    "assessment.anticoagulant_acknowledged": "anticoagulant_acknowledged",
    "last_sun_exposure": "last_sun_exposure",
    "last_topical_retinoid": "last_topical_retinoid",
    "last_peel": "last_peel",
    "last_injectable": "last_injectable",
    "medications": "medications",
}

#: fields no rule and no invariant reads, and why (a new rule that reads one must move it)
IGNORED_FIELDS: Mapping[str, str] = {
    "id": "a label: no rule reads it",
    "birth_date": "read by the visit planner only, not by a session",
}

#: every policy value, and how the abstraction uses it: a cut of a dimension, or why not
POLICY_THRESHOLDS: Mapping[str, str] = {
    "screening.declining_conditions": "declining: the conditions split together",
    "screening.isotretinoin_washout_months": "isotretinoin_last_dose: one cut per washout",
    "screening.laser_device": "a constant of the run (the device is the clinic's)",
    "screening.short_wavelength_max_fitzpatrick": "fitzpatrick: cut above it",
    "screening.test_spot_min_fitzpatrick": "fitzpatrick: cut at it",
    "screening.strong_exfoliation_max_fitzpatrick": "fitzpatrick: cut above it",
    "screening.keloid_requires_test_spot": "a switch: keloid_history is split either way",
    "screening.hsv_requires_prophylaxis": "a switch: hsv_history is split either way",
    "screening.photosensitizer_requires_review": "a switch: the condition is split either way",
    "screening.melasma_requires_review": "a switch: melasma is split either way",
    "screening.tan_blocks_laser": "a switch: recent_tan is split either way",
    "screening.pregnancy_defers_laser": "a switch: pregnant is split either way",
    "screening.breastfeeding_defers_laser": "a switch: breastfeeding is split either way",
    "screening.retinoid_blocks_strong_exfoliation": "a switch: topical_retinoid is split",
    "screening.retinoid_blocks_laser": "a switch: topical_retinoid is split either way",
    "screening.recent_procedure_blocks": "a switch: recent_peel_or_laser is split either way",
    "screening.anticoagulant_extraction": "a switch: anticoagulants is split either way",
    "screening.extract_with_inflamed_acne": "a switch: inflamed_acne is split either way",
    "products.max_serums": "concerns: every order of every concern set is a class",
    "products.min_spf": "a catalog property: every class runs the real selection",
    "products.sa_pregnancy_max_pct": "a catalog property: pregnant x product classes",
    "products.aha_strong_pct": "a catalog property: exfoliation classes x products",
    "products.bha_strong_pct": "a catalog property: exfoliation classes x products",
    "screening.retinoid_washout_days": "last_topical_retinoid: cut at it",
    "screening.retinoid_laser_washout_days": "last_topical_retinoid: cut at it",
    "screening.recent_procedure_days": "last_peel: cut at it",
    "screening.injectable_washout_days": "last_injectable: cut at it",
    "screening.sun_washout_days": "last_sun_exposure: cut at it; recent_tan means within it",
    "screening.anticoagulant_requires_acknowledgement": "a switch: anticoagulant_acknowledged "
    "is split either way",
    "screening.laser_devices": "a constant of the run: the device is chosen from the client's "
    "facts already split (fitzpatrick)",
    "products.vitamin_c_calm_max_pct": "a catalog property: post-procedure classes x products",
    "products.post_procedure_steps": "a constant of the run: which steps count as a procedure; "
    "extraction and laser are split by their own dimensions",
    "schedule": "the visit planner's; no session rule reads it",
    "records": "what a stored treatment record must hold (R29); no client fact is compared",
}


#: rule groups and the dimensions their rules and invariants read (condition dimensions by name)
COMPONENTS: Mapping[str, tuple[str, ...]] = {
    "session": (
        "declining",
        "laser_requested",
        "comedones",
        "recent_injectables",
    ),
    "laser_exposure": (
        "laser_requested",
        "pregnant",
        "breastfeeding",
        "isotretinoin_last_dose",
        "fitzpatrick",
        "recent_tan",
        "topical_retinoid",
        "recent_peel_or_laser",
        "keloid_history",
        "anticoagulants",
    ),
    "laser_review": (
        "laser_requested",
        "fitzpatrick",
        "hsv_history",
        "antiviral_prophylaxis",
        "photosensitizing_medication",
        "melasma",
        "clinician_approved_laser",
    ),
    "extraction": (
        "comedones",
        "rosacea",
        "fragile_skin",
        "inflamed_acne",
        "recent_peel_or_laser",
        "anticoagulants",
        "anticoagulant_acknowledged",
        "isotretinoin_last_dose",
        "recent_injectables",
    ),
    "exfoliation": (
        "skin_type",
        "rosacea",
        "topical_retinoid",
        "isotretinoin_last_dose",
        "pregnant",
        "breastfeeding",
        "hsv_history",
        "antiviral_prophylaxis",
        "fitzpatrick",
        "recent_peel_or_laser",
    ),
    "selection": ("skin_type", "concerns"),
    "product_safety": (
        "skin_type",
        "pregnant",
        "breastfeeding",
        "prescription",
        "laser_requested",
        "comedones",
        "fitzpatrick",
        "rosacea",
        "dehydrated",
    ),
    "allergies": ("allergies", "skin_type", "laser_requested"),
    # a medicine acts through the fact its drug class implies (isotretinoin course, R7;
    # photosensitiser, R13; topical retinoid, R15; anticoagulant, R18): every reachable
    # set of classes against the steps those facts restrict
    "medications": ("medications", "laser_requested", "comedones", "skin_type"),
    # a dated fact acts through the recency it implies on the session date (R9, R15-R17);
    # each date is cut at its washouts and run beside its own flag, against every step it
    # can restrict (laser, extraction, exfoliation strength by skin type)
    "sun_date": ("last_sun_exposure", "recent_tan", "laser_requested", "comedones", "skin_type"),
    "retinoid_date": (
        "last_topical_retinoid",
        "topical_retinoid",
        "laser_requested",
        "comedones",
        "skin_type",
    ),
    "peel_date": ("last_peel", "recent_peel_or_laser", "laser_requested", "comedones", "skin_type"),
    "injectable_date": (
        "last_injectable",
        "recent_injectables",
        "laser_requested",
        "comedones",
        "skin_type",
    ),
}
