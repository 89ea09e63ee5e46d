"""Planted bugs for verify: each breaks a different rule, clinic policy or the safety filter.

Used by tests/qa/test_planted_bugs.py and benchmarks/bench_planted_bugs.py. A
bug is a policy TOML, a monkeypatch of one screening rule, or a monkeypatch of
the safety filter with a catalog product that needs it (a catalog alone cannot
get past the filter: that is what the filter is for);
``components`` are the rule groups whose classes the bug lives in (the scoped
verify run the tests use; the benchmark runs the full verify).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from attrs import frozen

DATE = dt.date(2026, 12, 1)


@frozen
class PlantedBug:
    name: str
    #: what is broken, in a few words
    where: str
    invariant: str
    components: tuple[str, ...]
    policy_toml: str | None = None
    catalog_toml: str | None = None
    patch: Callable[[Any], None] | None = None

    def files(self, folder: Path) -> tuple[str, tuple[str, ...]]:
        """The --policy value and the --catalog values this bug needs, written to ``folder``."""
        policy = "conservative"
        catalogs: tuple[str, ...] = ()
        if self.policy_toml is not None:
            path = folder / f"{self.name}.toml"
            path.write_text(self.policy_toml, encoding="utf-8")
            policy = str(path)
        if self.catalog_toml is not None:
            path = folder / f"{self.name}-catalog.toml"
            path.write_text(self.catalog_toml, encoding="utf-8")
            catalogs = (str(path),)
        return policy, catalogs


@contextlib.contextmanager
def planted(bug: PlantedBug) -> Iterator[None]:
    """Apply a monkeypatch bug for the duration of the block (policy and catalog bugs: no-op)."""
    if bug.patch is None:
        yield
        return
    from facialflow.clinic import screening
    from facialflow.products import selection
    from facialflow.session import intake

    # a patch may replace a rule (screening) or the filter where the session reads it
    with restored(screening, selection, intake):
        bug.patch(screening)
        yield


@contextlib.contextmanager
def restored(*modules: Any) -> Iterator[None]:
    """Whatever the block replaces in ``modules`` is put back after it, and nothing memoised
    under the replacement outlives it (nor does anything memoised before leak into it)."""
    saved = [(m, dict(vars(m))) for m in modules]
    _forget_intakes()
    try:
        yield
    finally:
        for module, names in saved:
            for key, value in names.items():
                setattr(module, key, value)
        _forget_intakes()


def _forget_intakes() -> None:
    # sessions memoise screenings and selections, and selection keeps the filter's
    # verdicts: a patched rule must not leak in or out
    from facialflow.products.selection import forget_verdicts
    from facialflow.session import memo

    for cache in (memo._SCREENINGS, memo._SELECTIONS):
        cache.young.clear()
        cache.old.clear()
    forget_verdicts()


def _washout_off_by_one(screening: Any) -> None:
    # R7 bug: the washout ends a day early (``<`` against the day before the anniversary)
    def within(facts: Any, date: dt.date, months: int) -> bool:
        last = facts.isotretinoin_last_dose
        end = screening.add_months(last, months) - dt.timedelta(days=1) if last else None
        return end is not None and months > 0 and date < end

    screening._isotretinoin_within = within


def _hsv_forgotten_with_photosensitiser(screening: Any) -> None:
    # R11 bug: the HSV check is lost when a clinician approved laser for melasma and a
    # photosensitiser (a rare combination: three conditions and an approval)
    original = screening._screen_laser

    def laser(c: Any, client: Any, facts: Any, date: dt.date, policy: Any) -> Any:
        decided = original(c, client, facts, date, policy)
        from facialflow.model import Condition

        both = facts.has(Condition.PHOTOSENSITIZING_MEDICATION) and facts.has(Condition.MELASMA)
        if both and client.assessment.clinician_approved_laser:
            c.findings[:] = [f for f in c.findings if not (f.rule == "R11" and f.step == "laser")]
        return decided

    screening._screen_laser = laser


def _fragile_skin_extracted(screening: Any) -> None:
    # R19 bug: fragile skin is forgotten when comedones are severe and anticoagulants are
    # taken by a client with an isotretinoin history (a rare combination)
    original = screening._screen_extraction

    def extraction(c: Any, client: Any, facts: Any, date: dt.date, policy: Any) -> None:
        original(c, client, facts, date, policy)
        from facialflow.model import Comedones, Condition

        rare = facts.has(Condition.ANTICOAGULANTS) and facts.isotretinoin_last_dose is not None
        if client.assessment.comedones is Comedones.SEVERE and rare:
            c.findings[:] = [
                f for f in c.findings if not (f.step == "extraction" and "fragile" in f.reason)
            ]

    screening._screen_extraction = extraction


def _retinyl_esters_forgotten(screening: Any) -> None:
    # R8 bug in the safety filter: retinyl esters are not treated as retinoids in pregnancy
    # (the retinoid class is there; the pregnancy check looks at retinol's spellings only)
    from facialflow.products import selection
    from facialflow.session import intake

    original = selection.profile_problems  # type: ignore[attr-defined]

    def problems(product: Any, profile: Any, context: Any, pp: Any) -> tuple[str, ...]:
        found: tuple[str, ...] = original(product, profile, context, pp)
        if any(n.startswith("retinyl") for n in product.ingredients):
            found = tuple(p for p in found if not p.startswith("retinoid in pregnancy"))
        return found

    selection.profile_problems = problems  # type: ignore[attr-defined,assignment]
    intake.profile_problems = problems  # type: ignore[attr-defined,assignment]


BUGS: tuple[PlantedBug, ...] = (
    PlantedBug(
        "device_cutoff_policy",
        "clinic policy: a 755 nm device allowed up to phototype V (R10)",
        "no_laser_when_contraindicated",
        ("laser_review",),
        policy_toml='extends = "conservative"\nname = "device-cutoff"\n[screening]\n'
        'laser_device = "alexandrite_755"\nshort_wavelength_max_fitzpatrick = 5\n',
    ),
    PlantedBug(
        "pregnancy_laser_policy",
        "clinic policy: pregnancy no longer defers laser (R8)",
        "no_laser_when_contraindicated",
        ("laser_exposure",),
        policy_toml='extends = "conservative"\nname = "pregnancy-laser"\n[screening]\n'
        "pregnancy_defers_laser = false\n",
    ),
    PlantedBug(
        "recent_procedure_policy",
        "clinic policy: a peel or laser in the last 14 days no longer stops extraction (R16)",
        "no_extraction_when_contraindicated",
        ("extraction",),
        policy_toml='extends = "conservative"\nname = "recent-procedure"\n[screening]\n'
        "recent_procedure_blocks = false\n",
    ),
    PlantedBug(
        "test_spot_policy",
        "clinic policy: test spot only from phototype V (R10)",
        "laser_test_spot_when_required",
        ("laser_review",),
        policy_toml='extends = "conservative"\nname = "late-test-spot"\n[screening]\n'
        "test_spot_min_fitzpatrick = 5\n",
    ),
    PlantedBug(
        "retinyl_ester_filter",
        "safety filter: a catalog's retinyl palmitate serum passes in pregnancy (R8)",
        "pregnancy_safe_ingredients",
        ("product_safety",),
        catalog_toml='name = "Renewal Lab"\ndescription = "planted bug"\n[[products]]\n'
        'name = "Renewal Night Serum"\nkind = "serum"\n'
        'ingredients = ["retinyl palmitate", "squalane"]\nrank = 1\n',
        patch=_retinyl_esters_forgotten,
    ),
    PlantedBug(
        "washout_off_by_one_rule",
        "rule R7: the isotretinoin washout ends a day early",
        "no_laser_when_contraindicated",
        ("laser_exposure",),
        patch=_washout_off_by_one,
    ),
    PlantedBug(
        "hsv_with_photosensitiser_rule",
        "rule R11: HSV prophylaxis forgotten with approved melasma and a photosensitiser",
        "no_laser_when_contraindicated",
        ("laser_review",),
        patch=_hsv_forgotten_with_photosensitiser,
    ),
    PlantedBug(
        "fragile_severe_rule",
        "rule R19: fragile skin extracted with severe comedones, anticoagulants, isotretinoin",
        "no_extraction_when_contraindicated",
        ("extraction",),
        patch=_fragile_skin_extracted,
    ),
)
