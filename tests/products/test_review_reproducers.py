"""The safety review's reproducers: each unsafe session it found through a catalog is refused.

Every test here failed before the fix it names: tags that granted a UV filter
(S1), actives after a procedure at hydration (S2), actives and fragrance on the
safe exit (S3), a caller's product placed at a step its kind is not for (S4),
prescription drugs without the catalog's ``rx_only`` flag (S5) and catalog
names the knowledge base did not know (S8).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import DATE, build_client
from review_catalog import FILTER_HOLES_CATALOG

from facialflow import errors
from facialflow.clinic.policy import load_policy
from facialflow.clinic.screening import screen
from facialflow.model import AdverseKind, Client, Product, Selection, SessionResult
from facialflow.products.loading import load_plugins, plugins_to_dict
from facialflow.products.safety import product_problems
from facialflow.products.selection import selection_context
from facialflow.qa.invariants import violations
from facialflow.session.live import Session

POLICY = load_policy()

#: the reviewer's catalog: every product in it is unsafe somewhere it used to be applied
REVIEW_CATALOG = (
    FILTER_HOLES_CATALOG
    + """
[[products]]
name = "Mystery Peel"
kind = "exfoliant"
ingredients = ["glycolic acid 30% peel"]
rank = -100

[[products]]
name = "Sodium Bentonite Mask"
kind = "mask"
ingredients = ["sodium bentonite", "calcium montmorillonite"]
rank = -100
"""
)

RX_CATALOG = """
[[products]]
name = "Tretinoin 0.1% Night Serum"
kind = "serum"
ingredients = ["tretinoin"]
strengths = { tretinoin = 0.1 }
rank = -100
[[products]]
name = "Tazarotene Serum"
kind = "serum"
ingredients = ["tazarotene"]
rank = -90
[[products]]
name = "Adapalene Gel 0.1%"
kind = "serum"
ingredients = ["adapalene"]
strengths = { adapalene = 0.1 }
rank = -80
"""


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("review")
    (folder / "probe.toml").write_text(REVIEW_CATALOG)
    return load_plugins(catalogs=[folder / "probe.toml"])


def run(client: Client, plugins: Any, adverse_at: str | None = None) -> SessionResult:
    session = Session.start(client, date=DATE, policy=POLICY, plugins=plugins)
    if adverse_at is not None:
        while session.current != adverse_at:
            session.advance()
        session.report_adverse(AdverseKind.IRRITATION)
    return session.run()


def applied(result: SessionResult) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for a in result.products:
        out.setdefault(a.step, set()).add(a.product.name)
    return out


EXTRACTION = {"skin_type": "oily", "concerns": ["acne"], "a_comedones": "mild"}


# -- S1: a tag never grants a UV filter ----------------------------------------------------------


def test_a_sunscreen_whose_uv_filter_is_only_a_tag_protects_nobody(review: Any) -> None:
    result = run(build_client(), review)
    assert "Fake SPF" not in {n for names in applied(result).values() for n in names}
    assert any("'Fake SPF' (sunscreen with no known UV filter (R27)" in w for w in result.warnings)
    exited = run(build_client(), review, adverse_at="serums")
    assert "Fake SPF" not in applied(exited).get("safe_exit_protect", set())
    assert violations(result, POLICY) == [] and violations(exited, POLICY) == []


# -- S2: everything after a procedure is judged, hydration included -------------------------------


def test_no_retinoid_menthol_or_azelaic_sunscreen_after_extraction(review: Any) -> None:
    result = run(build_client(**EXTRACTION), review)
    assert "extraction" in result.path
    assert "Retinol SPF" not in applied(result)["hydration"]
    assert applied(result)["hydration"] & {"Mineral Sunscreen SPF 50"}
    retinol_spf = next(p for p in review.plugins[-1].info.products if p.name == "Retinol SPF")
    screening = screen(build_client(**EXTRACTION), DATE, POLICY)
    problems = product_problems(
        retinol_spf, build_client(**EXTRACTION), selection_context(screening), POLICY
    )
    assert problems == [
        "retinoid, azelaic acid, menthol or another cooling agent: after a procedure today (R28)"
    ]
    assert violations(result, POLICY) == []


# -- S3: the safe exit applies bland, fragrance-free products only -------------------------------


@pytest.mark.parametrize("extra", [{}, EXTRACTION], ids=["plain", "after-extraction"])
def test_the_safe_exit_never_soothes_with_acids_retinol_menthol_or_fragrance(
    review: Any, extra: dict[str, Any]
) -> None:
    result = run(build_client(**extra), review, adverse_at="serums")
    got = applied(result)
    assert "Acid Soothe" not in got.get("safe_exit_soothe", set())
    assert "Retinol SPF" not in got.get("safe_exit_protect", set())
    assert got.get("safe_exit_soothe"), "a bland soothing product is still applied"
    assert any("replaced 'Acid Soothe'" in w and "(R30)" in w for w in result.warnings)
    assert violations(result, POLICY) == []


# -- S4: a caller's product must be of a kind its step is for -------------------------------------


SA_WASH = Product(
    name="SA wash",
    kind="exfoliant",
    ingredients=["salicylic acid"],
    strengths={"salicylic acid": 2},
)
MINT_WASH = Product(name="Mint wash", kind="cleanser", ingredients=["menthol", "sulfur"])
ZINC = Product(name="Zinc", kind="sunscreen", ingredients=["zinc oxide"], spf=50)


@pytest.mark.parametrize(
    ("step", "product"), [("serums", SA_WASH), ("mask", MINT_WASH), ("safe_exit_soothe", ZINC)]
)
def test_a_given_product_at_a_step_its_kind_is_not_for_is_refused(
    step: str, product: Product
) -> None:
    selection = Selection(steps={step: (product,), "hydration": (ZINC,)})
    pregnant = build_client(pregnant=True, a_comedones="mild")
    with pytest.raises(errors.ProductStepError, match=f"'{product.name}'.*'{step}'") as raised:
        Session.start(pregnant, date=DATE, policy=POLICY, selection=selection)
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, errors.FacialflowError)
    # the same product at its own step is judged as what it is, and kept when safe
    own = {"exfoliant": "exfoliation", "cleanser": "cleansing", "sunscreen": "hydration"}
    fine = Selection(steps={own[str(product.kind)]: (product,), "hydration": (ZINC,)})
    Session.start(build_client(), date=DATE, policy=POLICY, selection=fine)


# -- S5: prescription drugs need a prescription whatever the catalog says -------------------------


def test_tretinoin_and_tazarotene_need_a_prescription_without_the_rx_only_flag(
    tmp_path: Path,
) -> None:
    (tmp_path / "rx.toml").write_text(RX_CATALOG)
    plugins = load_plugins(catalogs=[tmp_path / "rx.toml"])
    acne = {"skin_type": "oily", "concerns": ["acne"]}
    for reference in (None, "none", "(none)", "TBC", "awaiting"):
        result = run(build_client(**acne, a_prescription_reference=reference), plugins)
        serums = applied(result).get("serums", set())
        assert not serums & {"Tretinoin 0.1% Night Serum", "Tazarotene Serum"}, reference
        # adapalene 0.1% is sold over the counter: no prescription needed
        assert "Adapalene Gel 0.1%" in serums, reference
    prescribed = run(build_client(**acne, a_prescription_reference="RX-2291"), plugins)
    assert "Tretinoin 0.1% Night Serum" in applied(prescribed)["serums"]


# -- S8: catalog names the knowledge base did not know ------------------------------------------


def test_a_peel_and_clays_under_unlisted_names_are_restricted(review: Any) -> None:
    pregnant = run(build_client(pregnant=True), review)
    assert "Mystery Peel" not in applied(pregnant).get("exfoliation", set())
    dry = run(build_client(skin_type="dry"), review)
    assert "Sodium Bentonite Mask" not in applied(dry).get("mask", set())
    laser = build_client(fitzpatrick=2, a_laser_requested=True, a_clinician_approved_laser=True)
    lasered = run(laser, review)
    assert any(s.startswith("laser") for s in lasered.path)
    assert "Mystery Peel" not in applied(lasered).get("exfoliation", set())
    # the session and `facialflow plugins` say how the unknown name was read
    plain = run(build_client(), review)
    assert "Mystery Peel" in applied(plain)["exfoliation"]
    said = "'glycolic acid 30% peel' as glycolic acid), never allowed by them"
    assert any(said in w for w in plain.warnings)
    assert any(said in w for p in plugins_to_dict(review) for w in p["warnings"])


def test_a_tca_peel_under_its_pharmacopoeia_spelling_is_a_peel(tmp_path: Path) -> None:
    (tmp_path / "tca.toml").write_text(
        '[[products]]\nname = "TCA 20"\nkind = "exfoliant"\n'
        'ingredients = ["trichloracetic acid"]\nstrengths = { "trichloracetic acid" = 20.0 }\n'
        "rank = -100\n"
    )
    plugins = load_plugins(catalogs=[tmp_path / "tca.toml"])
    for client in (
        build_client(pregnant=True),
        build_client(fitzpatrick=6),
        build_client(last_peel=(DATE - dt.timedelta(days=3)).isoformat()),
    ):
        assert "TCA 20" not in applied(run(client, plugins)).get("exfoliation", set())


def test_an_allergy_to_the_known_name_inside_an_unknown_one_is_not_memoised_away(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyruvic.toml").write_text(
        '[[products]]\nname = "Pyruvic Peel"\nkind = "exfoliant"\n'
        'ingredients = ["pyruvic acid 40% solution"]\nrank = -100\n'
    )
    plugins = load_plugins(catalogs=[tmp_path / "pyruvic.toml"])
    acne = {"skin_type": "oily", "concerns": ["acne"]}
    # the first client's selection is memoised; the allergic one must not share it
    assert "Pyruvic Peel" in applied(run(build_client(**acne), plugins))["exfoliation"]
    allergic = run(build_client(**acne, allergies=["pyruvic acid"]), plugins)
    assert "Pyruvic Peel" not in applied(allergic).get("exfoliation", set())
    assert violations(allergic, POLICY) == []
