"""The ingredient knowledge base: shipped data is valid, names resolve by identity, allergies by class."""

from __future__ import annotations

import ast
import copy
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facialflow.errors import FacialflowError
from facialflow.knowledge import (
    KnowledgeBaseError,
    allergy_matches,
    build_ingredient_base,
    class_names,
    classes_of,
    ingredient_base,
    ingredient_names,
    lookup_ingredient,
    members_of,
    normalize_name,
    resolve_allergy,
)

ROOT = Path(__file__).parent.parent.parent


def _fullwidth(char: str) -> str:
    if char == " ":
        return "\u3000"
    return chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char


def wide(text: str) -> str:
    """The fullwidth (NFKC-equivalent) form of ASCII text, as East Asian keyboards type it."""
    return "".join(_fullwidth(c) for c in text)


def shipped() -> dict[str, Any]:
    text = resources.files("facialflow.knowledge").joinpath("ingredients.toml").read_text("utf-8")
    return tomllib.loads(text)


def covered(allergy: str, ingredient: str) -> bool:
    return allergy_matches(resolve_allergy(allergy), ingredient)


# --- the shipped data -------------------------------------------------------------------------


def test_shipped_ingredient_data_is_valid_and_substantial() -> None:
    base = build_ingredient_base(shipped())
    assert len(base.ingredients) >= 200
    assert len(base.classes) >= 40
    assert base.ingredients == ingredient_base().ingredients


def test_every_class_has_members() -> None:
    empty = sorted(c for c in class_names() if not members_of(c))
    assert not empty


def test_sources_cite_publications_not_local_files() -> None:
    base = ingredient_base()
    sources = [i.source for i in base.ingredients.values()] + [
        c.source for c in base.classes.values()
    ]
    for source in sources:
        assert "../" not in source and ".md" not in source and "shared" not in source, source


def test_all_26_eu_labelled_fragrance_allergens_are_classed() -> None:
    assert len(members_of("fragrance_allergen")) == 26
    for name in (
        "benzyl alcohol",
        "alpha-isomethyl ionone",
        "evernia prunastri extract",
        "evernia furfuracea extract",
        "hydroxyisohexyl 3-cyclohexene carboxaldehyde",
        "methyl 2-octynoate",
        "amylcinnamyl alcohol",
        "anise alcohol",
    ):
        assert "fragrance_allergen" in classes_of(name), name


def _plugin_ingredients() -> set[str]:
    found: set[str] = set()
    for path in sorted((ROOT / "plugins").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "ingredients":
                assert isinstance(node.value, ast.List)
                found.update(ast.literal_eval(e) for e in node.value.elts)
    return found


def test_every_ingredient_of_the_builtin_plugins_is_known_by_its_canonical_name() -> None:
    names = _plugin_ingredients()
    assert len(names) > 40
    assert sorted(n for n in names if n not in ingredient_names()) == []


def test_canonical_names_resolve_without_normalising() -> None:
    base = ingredient_base()
    for name, ingredient in base.ingredients.items():
        assert base.by_exact[name] is ingredient
        assert lookup_ingredient(name) is ingredient


# --- identity across spellings -----------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "Butyrospermum Parkii (Shea) Butter",
        "butyrospermum parkii",
        "Butyrospermum Parkii Butter",
        "Vitellaria Paradoxa Butter",
        wide("shea butter"),
        "sh\u200bea butter",
        "\ufeffShea  Butter ",
        "shéa bütter",
        "SHEA BUTTER",
    ],
)
def test_every_spelling_of_shea_butter_is_shea_butter(written: str) -> None:
    hit = lookup_ingredient(written)
    assert hit is not None and hit.name == "shea butter"


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("1,4-benzenediol", "hydroquinone"),
        ("Benzene-1,4-diol", "hydroquinone"),
        ("quinol", "hydroquinone"),
        ("HQ", "hydroquinone"),
        ("vitamin a palmitate", "retinyl palmitate"),
        ("retinaldehyde", "retinal"),
        ("all-trans retinoic acid", "tretinoin"),
        ("Salix Alba (Willow) Bark Extract", "willow bark extract"),
        ("Lavandula Angustifolia (Lavender) Oil", "lavender oil"),
        ("Simmondsia Chinensis (Jojoba) Seed Oil", "jojoba oil"),
        ("Glycyrrhiza Glabra (Licorice) Root Extract", "licorice root extract"),
        ("Aloe Barbadensis Leaf Juice*", "aloe vera"),
        ("Parfum/Fragrance", "fragrance"),
        ("Zinc Oxide [nano]", "zinc oxide"),
        ("CI 77891", "titanium dioxide"),
        ("Butyl Methoxydibenzoylmethane", "avobenzone"),
        ("Ethylhexyl Salicylate", "octisalate"),
        ("Tinosorb M", "bisoctrizole"),
        ("Jessner\u2019s Solution", "jessner's solution"),
        ("L\u2013Ascorbic Acid", "l-ascorbic acid"),
        ("ascorbic acid", "l-ascorbic acid"),
        ("salicylic acid 2%", "salicylic acid"),
        ("Carica Papaya (Papaya) Fruit Extract", "papaya fruit extract"),
    ],
)
def test_inci_and_common_spellings_name_one_ingredient(written: str, name: str) -> None:
    hit = lookup_ingredient(written)
    assert hit is not None and hit.name == name


def test_a_name_the_knowledge_base_lacks_is_none() -> None:
    assert lookup_ingredient("moonflower dust") is None
    assert classes_of("moonflower dust") == frozenset()


def test_normalize_name_removes_invisible_and_typographic_differences() -> None:
    assert normalize_name("  " + wide("Retin") + "\u2011A\u2122  Micro ") == "retin-a micro"
    assert normalize_name("Crème\u00a0Brûlée") == "creme brulee"
    assert normalize_name("Jessner\u2019s") == "jessner's"


# --- classes --------------------------------------------------------------------------------


def test_tca_is_a_peel_acid() -> None:
    assert "peel_acid" in classes_of("TCA")
    assert "peel_acid" in classes_of("trichloroacetic acid")


def test_implied_classes_are_part_of_an_ingredients_classes() -> None:
    assert {"tretinoin", "retinoid", "strong_active"} <= classes_of("tretinoin")
    assert {"mineral_filter", "uv_filter"} <= classes_of("zinc oxide")
    assert {"essential_oil", "fragrance"} <= classes_of("tea tree oil")
    assert {"fragrance_allergen", "fragrance"} <= classes_of("linalool")


def test_benzyl_salicylate_and_octisalate_are_salicylates_too() -> None:
    assert {"fragrance_allergen", "salicylate"} <= classes_of("benzyl salicylate")
    assert {"chemical_filter", "salicylate"} <= classes_of("octisalate")
    assert "bha" not in classes_of("benzyl salicylate")


def test_only_pure_l_ascorbic_acid_is_in_the_l_ascorbic_acid_class() -> None:
    assert "l_ascorbic_acid" in classes_of("l-ascorbic acid")
    for derivative in (
        "sodium ascorbyl phosphate",
        "ascorbyl glucoside",
        "3-o-ethyl ascorbic acid",
    ):
        assert "vitamin_c" in classes_of(derivative)
        assert "l_ascorbic_acid" not in classes_of(derivative)


def test_bergamot_is_a_photosensitising_essential_oil() -> None:
    assert {"essential_oil", "photosensitizer"} <= classes_of("citrus aurantium bergamia oil")


def test_members_of_accepts_class_names_and_aliases() -> None:
    assert members_of("retinoids") == members_of("retinoid")
    assert "kaolin" in members_of("clays")
    with pytest.raises(KeyError):
        members_of("moonflower dust")


# --- allergies --------------------------------------------------------------------------------


@pytest.mark.parametrize("ingredient", ["tocopherol", "tocopheryl acetate", "Vitamin E Acetate"])
def test_vitamin_e_allergy_covers_every_tocopherol(ingredient: str) -> None:
    assert covered("vitamin e", ingredient)


@pytest.mark.parametrize("allergy", ["salicylates", "aspirin", "Salicylate"])
@pytest.mark.parametrize(
    "ingredient",
    [
        "salicylic acid",
        "capryloyl salicylic acid",
        "betaine salicylate",
        "willow bark extract",
        "Salix Alba Bark Extract",
        "benzyl salicylate",
        "octisalate",
    ],
)
def test_salicylate_and_aspirin_allergies_cover_every_salicylate(
    allergy: str, ingredient: str
) -> None:
    assert covered(allergy, ingredient)


def test_aha_allergy_covers_glycolic_acid_and_not_salicylic_acid() -> None:
    assert covered("AHA", "glycolic acid")
    assert covered("AHAs", "Lactic Acid")
    assert not covered("AHA", "salicylic acid")


def test_papaya_allergy_covers_papain_and_papaya_extract() -> None:
    assert covered("papaya", "papain")
    assert covered("papaya", "Carica Papaya Fruit Extract")
    assert not covered("papaya", "bromelain")


@pytest.mark.parametrize(
    "ingredient", ["retinyl palmitate", "vitamin a palmitate", "tretinoin", "adapalene"]
)
def test_retinoid_allergy_covers_every_retinoid(ingredient: str) -> None:
    assert covered("retinoids", ingredient)


@pytest.mark.parametrize(
    "ingredient", ["linalool", "limonene", "lavandula angustifolia oil", "parfum", "tea tree oil"]
)
def test_fragrance_allergy_covers_allergens_and_essential_oils(ingredient: str) -> None:
    assert covered("fragrance", ingredient)
    assert covered("Parfum", ingredient)


def test_ingredient_allergy_covers_that_ingredient_under_any_spelling_and_nothing_else() -> None:
    allergy = resolve_allergy("Shea Butter")
    assert allergy.known and allergy.ingredients == {"shea butter"} and not allergy.classes
    assert allergy_matches(allergy, "Butyrospermum Parkii (Shea) Butter")
    assert not allergy_matches(allergy, "jojoba oil")
    assert not covered("salicylic acid", "glycolic acid")


def test_unicode_variants_of_an_allergy_resolve_alike() -> None:
    for written in (wide("fragrance"), "frag\u200drance", "Fragránce", " FRAGRANCE  "):
        assert resolve_allergy(written).classes == {"fragrance"}, written


def test_unknown_allergy_is_kept_in_the_clients_words_and_matched_literally() -> None:
    allergy = resolve_allergy("Moonflower  Dust")
    assert not allergy.known
    assert allergy.given == "Moonflower  Dust"
    assert allergy_matches(allergy, "moonflower dust")
    assert allergy_matches(allergy, "MOONFLOWER DUST")
    assert not allergy_matches(allergy, "glycerin")


def test_plural_allergy_words_resolve_to_their_class() -> None:
    assert resolve_allergy("parabens").classes == {"paraben"}
    assert resolve_allergy("ceramides").classes == {"ceramide"}


def test_an_empty_allergy_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a name"):
        resolve_allergy(" \u200b ")


# --- strict validation -------------------------------------------------------------------------


def _broken(change: Any) -> str:
    data = copy.deepcopy(shipped())
    change(data)
    with pytest.raises(KnowledgeBaseError) as info:
        build_ingredient_base(data)
    assert isinstance(info.value, FacialflowError) and isinstance(info.value, ValueError)
    return str(info.value)


def test_an_unknown_key_is_refused() -> None:
    message = _broken(lambda d: d["ingredient"][0].update(synonym=["typo"]))
    assert "unknown key" in message and "synonym" in message


def test_a_name_claimed_by_two_ingredients_is_refused() -> None:
    message = _broken(lambda d: d["ingredient"][1].setdefault("synonyms", []).append("Retinol"))
    assert "already belongs to ingredient 'retinol'" in message


def test_an_ingredient_listed_twice_is_refused() -> None:
    message = _broken(lambda d: d["ingredient"].append(copy.deepcopy(d["ingredient"][0])))
    assert "duplicate ingredient 'retinol'" in message


def test_an_alias_naming_an_unknown_ingredient_is_refused() -> None:
    message = _broken(lambda d: d["alias"][1]["ingredients"].append("papaya seed"))
    assert "unknown ingredient" in message


def test_an_unknown_class_is_refused() -> None:
    message = _broken(lambda d: d["ingredient"][0]["classes"].append("retinoidz"))
    assert "unknown class" in message and "retinoidz" in message


def test_an_allergy_word_that_would_hide_an_ingredient_is_refused() -> None:
    message = _broken(lambda d: d["classes"]["clay"]["aliases"].append("glycerin"))
    assert "does not cover" in message


def test_a_class_cycle_is_refused() -> None:
    message = _broken(lambda d: d["classes"]["strong_active"].update(implies=["retinoid"]))
    assert "cycle" in message


def test_a_non_canonical_ingredient_name_is_refused() -> None:
    message = _broken(lambda d: d["ingredient"][0].update(name="Retinol"))
    assert "not canonical" in message


# --- isolation --------------------------------------------------------------------------------


def test_the_package_imports_nothing_from_facialflow_but_errors() -> None:
    package = ROOT / "facialflow" / "knowledge"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("facialflow")
            ):
                assert node.module == "facialflow.errors" or node.module.startswith(
                    "facialflow.knowledge"
                ), (path.name, node.module)


def test_importing_the_package_does_not_import_the_model() -> None:
    code = (
        "import sys, facialflow.knowledge as k; k.lookup_ingredient('shea butter'); "
        "k.resolve_medication('warfarin'); print('facialflow.model' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "False"


# --- property: spelling noise never changes identity ------------------------------------------

SPELLINGS = sorted(
    (ingredient.name, spelling)
    for ingredient in ingredient_base().ingredients.values()
    for spelling in ingredient.names
)
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"]


@st.composite
def noisy(draw: st.DrawFn) -> tuple[str, str]:
    name, spelling = draw(st.sampled_from(SPELLINGS))
    out: list[str] = []
    for char in spelling:
        if draw(st.booleans()):
            char = char.upper()
        if draw(st.integers(0, 4)) == 0:
            char = _fullwidth(char)
        if char in " \u3000":
            char = char * draw(st.integers(1, 3))
        out.append(char)
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(ZERO_WIDTH)))
    pad = " " * draw(st.integers(0, 2))
    return name, pad + "".join(out) + pad


@settings(max_examples=600, deadline=None)
@given(noisy())
def test_case_width_zero_width_and_spacing_never_change_which_ingredient_a_name_is(
    case: tuple[str, str],
) -> None:
    name, written = case
    hit = lookup_ingredient(written)
    assert hit is not None and hit.name == name, written
    assert allergy_matches(resolve_allergy(name), written)


@pytest.mark.parametrize("transform", ["upper", "fullwidth", "zero_width", "spaced"])
def test_every_spelling_of_every_ingredient_survives_each_kind_of_noise(transform: str) -> None:
    def noise(text: str) -> str:
        if transform == "upper":
            return text.upper()
        if transform == "fullwidth":
            return "".join(_fullwidth(c) for c in text)
        if transform == "zero_width":
            return "\u200b".join(text)
        return "  " + text.replace(" ", "   ") + "\t"

    wrong = [
        (s, name)
        for name, s in SPELLINGS
        if getattr(lookup_ingredient(noise(s)), "name", None) != name
    ]
    assert wrong == []
