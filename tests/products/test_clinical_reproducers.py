"""The clinical review's reproducers: each unsafe session it found is refused now.

Every test here failed on the name-list implementation: catalogs and client
words are read by ingredient identity and class through the knowledge base.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import DATE, build_client

from facialflow.clinic.policy import load_policy
from facialflow.clinic.screening import screen
from facialflow.model import Client, Product, ProductKind, SessionResult
from facialflow.products.loading import load_plugins
from facialflow.products.safety import product_problems
from facialflow.products.selection import choose_products, selection_context
from facialflow.qa.invariants import violations
from facialflow.session.live import Session

POLICY = load_policy()

PEEL = """
[[products]]
name = "Clinic TCA Peel 20%"
kind = "exfoliant"
ingredients = ["Trichloroacetic Acid"]
strengths = { "Trichloroacetic Acid" = 20.0 }
rank = 0
"""


def catalog(tmp_path: Path, text: str, name: str = "c.toml") -> Any:
    f = tmp_path / name
    f.write_text(text)
    return load_plugins(catalogs=[f])


def run(client: Client, plugins: Any = None, date: dt.date = DATE) -> SessionResult:
    return Session.start(client, date=date, policy=POLICY, plugins=plugins).run()


def names(result: SessionResult) -> set[str]:
    return {a.product.name for a in result.products}


def context_for(client: Client) -> Any:
    return selection_context(screen(client, DATE, POLICY))


def problems_of(product: Product, client: Client) -> list[str]:
    return product_problems(product, client, context_for(client), POLICY)


# -- peel acids outside the listed classes ------------------------------------------------------


def test_a_catalog_tca_peel_reaches_no_contraindicated_client(tmp_path: Path) -> None:
    plugins = catalog(tmp_path, PEEL)
    every_contraindication = build_client(
        pregnant=True,
        fitzpatrick=6,
        isotretinoin_last_dose=(DATE - dt.timedelta(days=30)).isoformat(),
        conditions=["rosacea", "topical_retinoid", "hsv_history"],
    )
    assert "Clinic TCA Peel 20%" not in names(run(every_contraindication, plugins))
    for one in (
        {"pregnant": True},
        {"fitzpatrick": 6},
        {"isotretinoin_last_dose": (DATE - dt.timedelta(days=30)).isoformat()},
        {"conditions": ["rosacea"]},
        {"conditions": ["topical_retinoid"]},
        {"conditions": ["hsv_history"]},
        {"conditions": ["recent_peel_or_laser"]},
    ):
        assert "Clinic TCA Peel 20%" not in names(run(build_client(**one), plugins)), one
    # a client with none of them may have it
    assert "Clinic TCA Peel 20%" in names(run(build_client(), plugins))


def test_a_catalog_tca_peel_is_never_applied_on_a_laser_day(tmp_path: Path) -> None:
    plugins = catalog(tmp_path, PEEL)
    laser = run(build_client(a_laser_requested=True), plugins)
    assert any(s.startswith("laser") for s in laser.path)
    assert "Clinic TCA Peel 20%" not in names(laser)


# -- pregnancy by identity ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ingredient", "kind"),
    [
        ("vitamin A palmitate", ProductKind.SERUM),
        ("Capryloyl Salicylic Acid", ProductKind.SERUM),
        ("Salix Alba Bark Extract", ProductKind.SERUM),
        ("1,4-benzenediol", ProductKind.SERUM),
    ],
)
def test_pregnancy_unsafe_ingredients_are_refused_and_caught_under_any_name(
    ingredient: str, kind: ProductKind
) -> None:
    product = Product(name="P", kind=kind, ingredients=[ingredient])
    pregnant = build_client(pregnant=True, a_prescription_reference="RX-1")
    assert problems_of(product, pregnant)
    result = SessionResult(
        client=pregnant,
        outcome=None,
        path=("intake", "cleansing", "exfoliation", "serums"),
        products=(),
        skipped={},
        warnings=(),
        policy=POLICY.name,
        date=DATE,
    )
    from facialflow.model import AppliedProduct, Outcome

    spf = Product(name="S", kind=ProductKind.SUNSCREEN, ingredients=["zinc oxide"], spf=50)
    done = SessionResult(
        **{
            **{k: getattr(result, k) for k in ("client", "skipped", "warnings", "policy", "date")},
            "outcome": Outcome.COMPLETE,
            "path": (
                "intake",
                "cleansing",
                "exfoliation",
                "serums",
                "mask",
                "hydration",
                "complete",
            ),
            "products": (AppliedProduct("serums", product), AppliedProduct("hydration", spf)),
        }
    )
    assert "pregnancy_safe_ingredients" in {v.invariant for v in violations(done, POLICY)}


# -- prescriptions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reference", ["", "   ", "none", "None", "N/A - not prescribed", "n/a", "no", "-", "NA"]
)
def test_a_non_reference_unlocks_no_hydroquinone(reference: str) -> None:
    hq = Product(
        name="HQ 4%",
        kind=ProductKind.SERUM,
        ingredients=["hydroquinone"],
        strengths={"hydroquinone": 4.0},
    )
    client = build_client(a_prescription_reference=reference)
    assert client.assessment.prescription_reference is None
    assert any("R26" in p for p in problems_of(hq, client))
    rx_only = Product(name="Rx", kind=ProductKind.SERUM, ingredients=["niacinamide"], rx_only=True)
    assert any("R26" in p for p in problems_of(rx_only, client))
    prescribed = build_client(a_prescription_reference="RX-2291 Dr Ames")
    assert not problems_of(hq, prescribed)


# -- allergies by identity and class ------------------------------------------------------------


@pytest.mark.parametrize(
    ("allergy", "ingredient"),
    [
        ("vitamin e", "tocopherol"),
        ("Butyrospermum Parkii", "shea butter"),
        ("salicylates", "salicylic acid"),
        ("aspirin", "salicylic acid"),
        ("AHA", "glycolic acid"),
        ("papaya", "papain"),
        ("retinoids", "retinyl palmitate"),
        ("fragrance", "linalool"),
        ("fragrance", "limonene"),
        ("fragrance", "Lavandula Angustifolia Oil"),
        ("\uff53\uff48\uff45\uff41 \uff42\uff55\uff54\uff54\uff45\uff52", "shea butter"),
        ("shea\u200b butter", "Butyrospermum Parkii (Shea) Butter"),
        ("tocophérol", "tocopherol"),
        ("BHA", "Salix Alba Bark Extract"),
    ],
)
def test_an_allergy_in_ordinary_words_covers_the_ingredient(allergy: str, ingredient: str) -> None:
    product = Product(name="P", kind=ProductKind.MOISTURIZER, ingredients=[ingredient, "water"])
    client = build_client(allergies=[allergy])
    found = problems_of(product, client)
    assert any(p.startswith(f"allergy to {allergy}") for p in found), found


def test_the_record_keeps_the_clients_own_words_for_an_allergy() -> None:
    client = build_client(allergies=["BHA"])
    assert client.allergies == ("BHA",)
    result = run(client)
    from facialflow.io.documents import session_to_dict

    assert session_to_dict(result)["client"]["allergies"] == ["BHA"]


def test_an_unknown_allergy_is_matched_literally_with_a_warning() -> None:
    client = build_client(allergies=["Moonflower Essence"])
    product = Product(name="P", kind=ProductKind.SERUM, ingredients=["moonflower essence"])
    assert problems_of(product, client)
    assert any("Moonflower Essence" in w for w in run(client).warnings)


# -- medications are screened ---------------------------------------------------------------------


def test_medications_have_the_effect_of_the_matching_facts() -> None:
    client = build_client(
        medications=["Accutane 20 mg", "warfarin", "tretinoin 0.05% cream", "doxycycline"],
        a_comedones="moderate",
        a_laser_requested=True,
    )
    s = screen(client, DATE, POLICY)
    assert not s.facts.extraction_indicated and not s.facts.laser_indicated
    reasons = " | ".join(f.reason for f in s.findings)
    assert "from medications: Accutane 20 mg" in reasons
    assert "from medications: warfarin" in reasons
    assert "from medications: tretinoin 0.05% cream" in reasons
    assert "doxycycline)" in reasons
    rules = {f.rule for f in s.findings}
    assert {"R7", "R13", "R15", "R18"} <= rules


def test_an_isotretinoin_course_is_current_or_dated_by_the_line() -> None:
    now = screen(build_client(medications=["Roaccutane"], a_laser_requested=True), DATE, POLICY)
    assert "isotretinoin within 6 months" in now.skipped["laser"]
    long_ago = build_client(
        medications=["isotretinoin, last dose 2024-01-10"], a_laser_requested=True
    )
    assert "isotretinoin within" not in screen(long_ago, DATE, POLICY).skipped["laser"]


# -- after a procedure, only calming products ------------------------------------------------------


CALM_BREAKERS = """
[[products]]
name = "Vitamin C 15%"
kind = "serum"
ingredients = ["l-ascorbic acid"]
strengths = { "l-ascorbic acid" = 15.0 }
rank = 0

[[products]]
name = "Azelaic 10%"
kind = "serum"
ingredients = ["azelaic acid"]
strengths = { "azelaic acid" = 10.0 }
rank = 0

[[products]]
name = "Sulfur Clay Mask"
kind = "mask"
ingredients = ["kaolin", "sulfur", "menthol"]
strengths = { sulfur = 10.0 }
rank = 0
"""


def test_no_strong_actives_after_laser_or_extraction(tmp_path: Path) -> None:
    plugins = catalog(tmp_path, CALM_BREAKERS)
    for client in (build_client(a_laser_requested=True), build_client(a_comedones="mild")):
        result = run(client, plugins)
        assert not names(result) & {"Vitamin C 15%", "Azelaic 10%", "Sulfur Clay Mask"}
        assert any("after a procedure today (R28)" in w for w in result.warnings)
    # without a procedure the same products are fine
    assert names(run(build_client(), plugins)) & {"Vitamin C 15%", "Azelaic 10%"}


def test_rosacea_gets_the_sensitive_skin_exclusions_whatever_the_skin_type(tmp_path: Path) -> None:
    plugins = catalog(
        tmp_path,
        CALM_BREAKERS
        + '\n[[products]]\nname = "Retinol Night"\nkind = "serum"\ningredients = ["retinol"]\n'
        "strengths = { retinol = 0.3 }\nrank = 0\n"
        '\n[[products]]\nname = "Scented Cream"\nkind = "moisturizer"\n'
        'ingredients = ["glycerin", "parfum"]\nrank = 0\n',
    )
    result = run(build_client(conditions=["rosacea"], concerns=["aging"]), plugins)
    assert not names(result) & {"Vitamin C 15%", "Retinol Night", "Scented Cream"}


CLAYS = """
[[products]]
name = "Montmorillonite Mask"
kind = "mask"
ingredients = ["Montmorillonite"]
rank = 0

[[products]]
name = "Illite Polish"
kind = "exfoliant"
ingredients = ["illite"]
rank = 0
"""


@pytest.mark.parametrize(
    "client",
    [
        {"skin_type": "dry"},
        {"skin_type": "sensitive"},
        {"skin_type": "oily", "concerns": ["dehydration"]},
    ],
)
def test_clay_never_reaches_dry_dehydrated_or_sensitive_skin(
    tmp_path: Path, client: dict[str, Any]
) -> None:
    plugins = catalog(tmp_path, CLAYS)
    result = run(build_client(**client), plugins)
    assert not names(result) & {"Montmorillonite Mask", "Illite Polish"}
    builtin = run(build_client(**client))
    assert not any("clay" in violation.invariant for violation in violations(builtin, POLICY))
    from facialflow.products.ingredients import IngredientClass, product_classes

    assert not any(IngredientClass.CLAY in product_classes(a.product) for a in builtin.products)


# -- dated facts ------------------------------------------------------------------------------------


def test_a_recent_peel_by_date_leaves_only_a_calming_facial(tmp_path: Path) -> None:
    plugins = catalog(
        tmp_path,
        '[[products]]\nname = "Mandelic 5%"\nkind = "exfoliant"\ningredients = ["mandelic acid"]\n'
        'strengths = { "mandelic acid" = 5.0 }\nrank = 0\n'
        '\n[[products]]\nname = "Glycolic Serum 8%"\nkind = "serum"\ningredients = ["glycolic acid"]\n'
        'strengths = { "glycolic acid" = 8.0 }\nrank = 0\n',
    )
    client = build_client(last_peel=(DATE - dt.timedelta(days=5)).isoformat(), a_comedones="mild")
    result = run(client, plugins)
    assert not names(result) & {"Mandelic 5%", "Glycolic Serum 8%"}
    assert "extraction" in result.skipped
    assert any("last_peel" in f.reason for f in result.findings)
    # three weeks later the washout is over
    later = build_client(last_peel=(DATE - dt.timedelta(days=21)).isoformat())
    assert "Mandelic 5%" in names(run(later, plugins))


@pytest.mark.parametrize(
    ("field", "days", "step", "rule"),
    [
        ("last_sun_exposure", 7, "laser", "R9"),
        ("last_topical_retinoid", 3, "laser", "R15"),
        ("last_peel", 10, "laser", "R16"),
        ("last_injectable", 10, "extraction", "R17"),
    ],
)
def test_each_dated_fact_applies_its_rule_inside_its_washout_only(
    field: str, days: int, step: str, rule: str
) -> None:
    base = {"a_laser_requested": True, "a_comedones": "mild"}
    recent = build_client(**base, **{field: (DATE - dt.timedelta(days=days)).isoformat()})
    s = screen(recent, DATE, POLICY)
    assert step in s.skipped and any(f.rule == rule and f.step == step for f in s.findings)
    old = build_client(**base, **{field: (DATE - dt.timedelta(days=60)).isoformat()})
    assert step not in screen(old, DATE, POLICY).skipped


def test_the_laser_device_and_why_are_recorded() -> None:
    s = screen(build_client(a_laser_requested=True), DATE, POLICY)
    assert any(f.rule == "R10" and "laser device nd_yag_1064" in f.reason for f in s.findings)
    assert s.laser_device == "nd_yag_1064"
    from facialflow.clinic.policy import policy_from_dict, policy_to_dict

    data = policy_to_dict(POLICY)
    data["name"] = "two-devices"
    data["screening"]["laser_devices"] = ["ipl", "nd_yag_1064"]
    two = policy_from_dict(data, source="test")
    dark = screen(build_client(a_laser_requested=True, fitzpatrick=5), DATE, two)
    assert dark.laser_device == "nd_yag_1064" and dark.facts.laser_indicated
    assert any("safer for this client than ipl" in f.reason for f in dark.findings)
    light = screen(build_client(a_laser_requested=True), DATE, two)
    assert light.laser_device == "ipl"


# -- SPF needs a UV filter --------------------------------------------------------------------------


def test_an_spf_number_without_a_uv_filter_protects_nobody(tmp_path: Path) -> None:
    fake = catalog(
        tmp_path,
        '[[products]]\nname = "Glow SPF 50"\nkind = "sunscreen"\ningredients = ["glycerin"]\n'
        "spf = 50\nrank = -100\n",
    )
    result = run(build_client(), fake)
    assert "Glow SPF 50" not in names(result)
    assert result.outcome == "complete"
    sel = choose_products(
        build_client(), screen(build_client(), DATE, POLICY), POLICY, plugins=fake
    )
    assert any("no known UV filter" in w for w in sel.warnings)


# -- unknown catalog ingredients -------------------------------------------------------------------


def test_a_catalog_ingredient_the_knowledge_base_does_not_know_is_a_session_warning(
    tmp_path: Path,
) -> None:
    plugins = catalog(
        tmp_path,
        '[[products]]\nname = "Mystery Serum"\nkind = "serum"\ningredients = ["zorbium extract"]\n'
        "rank = 0\n",
    )
    result = run(build_client(), plugins)
    assert "Mystery Serum" in names(result)
    assert any("'zorbium extract'" in w and "unknown" in w for w in result.warnings)


def test_replacing_the_concerns_usual_mask_after_a_procedure_is_recorded() -> None:
    result = run(build_client(skin_type="oily", concerns=["acne"], a_comedones="mild"))
    mask = [a.product.name for a in result.products if a.step == "mask"]
    assert mask == ["Calming Centella Gel Mask"]
    assert any(
        "post-procedure calming set" in w and "Kaolin Sulfur Clarifying Mask" in w
        for w in result.warnings
    )
