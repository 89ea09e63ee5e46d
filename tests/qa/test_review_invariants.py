"""The invariants catch the safety review's findings on their own, with the filter's fix undone.

Each unit test hands the invariants a session the old filter let through (a
tag as the only UV filter, actives after extraction at hydration or on the
safe exit, a prescription drug with no flag, a peel under an unlisted name);
the verify test plants the three filter holes back and shows that verify,
over the reviewer's catalog, finds each of them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from planted_bugs import DATE, restored
from review_catalog import FILTER_HOLES_CATALOG
from test_invariants import MAIN, SPF50, broken, client, result, serum

from facialflow.clinic.policy import load_policy
from facialflow.model import AdverseKind, Assessment, Product, ProductKind
from facialflow.products.loading import load_plugins
from facialflow.qa.verify import verify

EXTRACTION = (
    "intake", "cleansing", "exfoliation", "extraction", "serums", "mask", "hydration", "complete",
)  # fmt: skip
SAFE_EXIT = (
    "intake", "cleansing", "exfoliation", "serums", "safe_exit_stop", "safe_exit_remove",
    "safe_exit_cool", "safe_exit_soothe", "safe_exit_protect", "safe_exit_document", "stopped",
)  # fmt: skip
TAGGED_SPF = Product(
    name="Fake SPF",
    kind="sunscreen",
    ingredients=["water", "glycerin"],
    tags=["zinc oxide"],
    spf=50,
)
RETINOL_SPF = Product(
    name="Retinol SPF",
    kind="sunscreen",
    ingredients=["zinc oxide", "retinol", "menthol", "azelaic acid"],
    spf=50,
)
ACID_SOOTHE = Product(
    name="Acid Soothe",
    kind="soothing",
    ingredients=["glycolic acid", "retinol", "menthol", "fragrance"],
    strengths={"glycolic acid": 10.0},
)
BALM = Product(name="Balm", kind="soothing", ingredients=["panthenol", "glycerin"])


def test_a_tag_is_never_the_uv_filter_that_completes_a_session() -> None:
    assert "sunscreen_at_hydration" in broken(
        result(client(), products=[("hydration", TAGGED_SPF)])
    )
    # and a tag still restricts: an allergy to zinc oxide is met by the tag
    allergic = client(allergies=["zinc oxide"])
    both = [("hydration", TAGGED_SPF), ("hydration", SPF50)]
    assert "no_allergen_applied" in broken(result(allergic, products=both))


def test_actives_in_the_sunscreen_after_extraction_are_caught() -> None:
    c = client(assessment=Assessment(comedones="mild"))
    assert "after_procedure_calm" in broken(
        result(c, path=EXTRACTION, products=[("hydration", RETINOL_SPF)])
    )
    assert "after_procedure_calm" not in broken(
        result(c, path=MAIN, products=[("hydration", RETINOL_SPF)])
    )


@pytest.mark.parametrize(
    ("step", "product"),
    [
        ("safe_exit_soothe", ACID_SOOTHE),
        ("safe_exit_protect", RETINOL_SPF),
        (
            "safe_exit_soothe",
            Product(name="Rose Balm", kind="soothing", ingredients=["panthenol", "rose oil"]),
        ),
    ],
)
def test_actives_or_fragrance_on_the_safe_exit_are_caught(step: str, product: Product) -> None:
    r = result(client(), path=SAFE_EXIT, products=[(step, product)], adverse=AdverseKind.IRRITATION)
    assert "safe_exit_bland" in broken(r)
    fine = result(
        client(),
        path=SAFE_EXIT,
        products=[("safe_exit_soothe", BALM), ("safe_exit_protect", SPF50)],
        adverse=AdverseKind.IRRITATION,
    )
    assert broken(fine) == set()


@pytest.mark.parametrize("drug", ["tretinoin", "tazarotene", "trifarotene"])
def test_a_prescription_drug_without_the_rx_only_flag_needs_a_prescription(drug: str) -> None:
    products = [("serums", serum(drug)), ("hydration", SPF50)]
    assert "hydroquinone_needs_prescription" in broken(result(client(), products=products))
    prescribed = client(assessment=Assessment(prescription_reference="RX-2291"))
    assert "hydroquinone_needs_prescription" not in broken(result(prescribed, products=products))
    otc = [("serums", serum("adapalene")), ("hydration", SPF50)]
    assert "hydroquinone_needs_prescription" not in broken(result(client(), products=otc))


def test_an_unlisted_peel_or_clay_name_is_read_by_the_known_name_inside_it() -> None:
    peel = Product(name="Mystery Peel", kind="exfoliant", ingredients=["glycolic acid 30% peel"])
    products = [("exfoliation", peel), ("hydration", SPF50)]
    assert "pregnancy_safe_ingredients" in broken(result(client(pregnant=True), products=products))
    mud = Product(name="Mud", kind=ProductKind.MASK, ingredients=["kaolin and sea mud blend"])
    assert "clay_never_on_dry_skin" in broken(
        result(client(skin_type="dry"), products=[("mask", mud), ("hydration", SPF50)])
    )
    # a guess never permits: "zinc oxide free" is no UV filter
    free = Product(name="Glow", kind="sunscreen", ingredients=["zinc oxide free base"], spf=50)
    assert "sunscreen_at_hydration" in broken(result(client(), products=[("hydration", free)]))


# -- verify finds the holes when the filter has them again --------------------------------------


@contextlib.contextmanager
def _old_filter() -> Iterator[None]:
    """The filter as it was: tags as UV filters (S1), kind-limited R28 (S2), no safe-exit check (S3)."""
    from facialflow.products import ingredients, selection
    from facialflow.session import intake

    original = selection.profile_problems  # type: ignore[attr-defined]

    def problems(product: Any, profile: Any, context: Any, pp: Any) -> tuple[str, ...]:
        kept = []
        for p in original(product, profile, context, pp):
            if "(R30)" in p or (product.kind == "sunscreen" and "(R28)" in p):
                continue
            if "no known UV filter" in p and product.tags:
                continue
            kept.append(p)
        return tuple(kept)

    with restored(selection, intake):
        selection.profile_problems = intake.profile_problems = problems  # type: ignore[attr-defined,assignment]
        selection.step_problems = intake.step_problems = lambda *a: ()  # type: ignore[attr-defined]
        intake.product_classes = ingredients.tagged_classes  # type: ignore[attr-defined]
        yield


def test_verify_finds_every_review_hole_when_the_filter_has_it_again(tmp_path: Path) -> None:
    (tmp_path / "probe.toml").write_text(FILTER_HOLES_CATALOG)
    plugins = load_plugins(catalogs=[tmp_path / "probe.toml"])
    policy = load_policy()
    kwargs: dict[str, Any] = {"date": DATE, "policy": policy, "plugins": plugins}
    with _old_filter():
        report = verify(**kwargs, components=("product_safety",))
    found = {f.invariant.name for f in report.failures}
    assert found >= {"sunscreen_at_hydration", "after_procedure_calm", "safe_exit_bland"}
