"""Lookups the safety rules rely on: prescription references, and unknown names read fail-closed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facialflow import knowledge
from facialflow.knowledge import contained_ingredients, is_prescription_reference

# -- prescription references (R26) ---------------------------------------------------------------

NOT_A_REFERENCE = [
    "(none)", "[none]", "'none'", '"none"', "None.", "NONE", "\uff4e\uff4f\uff4e\uff45",
    "no\u200bne", "N / A", "n.a.", "NA", "n/a.", "TBC", "TBA", "tba", "tbd", "pending",
    "awaiting", "awaiting script", "declined", "refused", "requested", "unknown", "unk", "nil",
    "null", "nope", "nada", "xx", "xxxx", "0000", "x-x-x", "#", "-", "--", "\u2014",
    "no-ref", "no ref", "not yet", "Not applicable", "none given", "N/A - not prescribed",
    "ask GP", "to follow", "see notes", "keine", "aucune", "ninguna", "rx", "ref 12",
    "prescription required", "Rx needed", "rx required", "script outstanding",
]  # fmt: skip
A_REFERENCE = [
    "RX-2291", "RX-77", "RX-2291 (none refused)", "RX-2291 Dr Ames", "Script 88120",
    "Ref 4471", "Dr Ames", "RX-VERIFY", "1234", "AB-1234",
]  # fmt: skip


@pytest.mark.parametrize("text", NOT_A_REFERENCE)
def test_refusals_placeholders_and_filler_are_no_prescription(text: str) -> None:
    assert not is_prescription_reference(text)


@pytest.mark.parametrize("text", A_REFERENCE)
def test_a_reference_with_a_real_word_or_number_is_a_prescription(text: str) -> None:
    assert is_prescription_reference(text)


_REFUSALS = ["none", "n/a", "na", "tbc", "tba", "pending", "awaiting", "declined", "refused"]
_WRAPPERS = st.sampled_from(["{}", "({})", "[{}]", "'{}'", '"{}"', "{}.", " {} ", "<{}>", "{}!"])


@given(
    word=st.sampled_from(_REFUSALS),
    wrapper=_WRAPPERS,
    case=st.sampled_from([str.lower, str.upper, str.title]),
    spaced=st.booleans(),
)
def test_a_refusal_word_is_no_prescription_however_it_is_wrapped_or_spaced(
    word: str, wrapper: str, case: object, spaced: bool
) -> None:
    written = " ".join(word) if spaced else word
    assert not is_prescription_reference(wrapper.format(case(written)))  # type: ignore[operator]


# a character normalisation keeps one character ("\u00bc" becomes "1/4": three)
_ONE_CHARACTER = st.characters(categories=["L", "N"]).filter(
    lambda c: len(knowledge.normalize_name(c)) == 1
)


@given(char=_ONE_CHARACTER, n=st.integers(1, 12), wrapper=_WRAPPERS)
def test_one_character_repeated_is_no_prescription(char: str, n: int, wrapper: str) -> None:
    assert not is_prescription_reference(wrapper.format(char * n))


@given(
    prefix=st.sampled_from(["RX-", "Rx ", "Ref ", "Script ", ""]),
    number=st.integers(100, 10**7),
    wrapper=_WRAPPERS,
)
def test_a_numbered_reference_is_a_prescription_however_it_is_wrapped(
    prefix: str, number: int, wrapper: str
) -> None:
    written = f"{prefix}{number}"
    if len(set(str(number))) == 1:
        return  # "1111" is filler, not a number
    assert is_prescription_reference(wrapper.format(written))


# -- prescription-only ingredients ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["tretinoin", "retinoic acid", "tazarotene", "trifarotene", "hydroquinone", "quinol"]
)
def test_prescription_drugs_are_prescription_only_whatever_the_catalog_says(name: str) -> None:
    assert "prescription_only" in knowledge.classes_of(name)


def test_adapalene_is_a_retinoid_sold_over_the_counter() -> None:
    assert knowledge.classes_of("adapalene") >= {"retinoid"}
    assert "prescription_only" not in knowledge.classes_of("adapalene")


# -- synonyms and names inside unknown names (S8) ------------------------------------------------


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("sodium bentonite", "bentonite"),
        ("Calcium Bentonite Clay", "bentonite"),
        ("calcium montmorillonite", "montmorillonite"),
        ("trichloracetic acid", "trichloroacetic acid"),
    ],
)
def test_salts_and_pharmacopoeia_spellings_are_known(written: str, name: str) -> None:
    hit = knowledge.lookup_ingredient(written)
    assert hit is not None and hit.name == name


@pytest.mark.parametrize(
    ("written", "inside"),
    [
        ("glycolic acid 30% peel", ["glycolic acid"]),
        ("Glycolic Acid, 30% Peel", ["glycolic acid"]),
        ("professional salicylic acid peel solution", ["salicylic acid"]),
        ("retinol complex / bakuchiol blend", ["retinol", "bakuchiol"]),
        ("zorbium extract", []),
    ],
)
def test_known_names_inside_an_unknown_name_are_found_as_whole_words(
    written: str, inside: list[str]
) -> None:
    assert knowledge.lookup_ingredient(written) is None
    assert [i.name for i in contained_ingredients(written)] == inside


def test_a_known_name_contains_nothing_and_parts_of_words_do_not_count() -> None:
    assert contained_ingredients("glycolic acid") == ()
    # "retinol" is not a whole word of "retinolate" nor "tca" of "tcafe"
    assert contained_ingredients("retinolate tcafe") == ()


def test_an_allergy_covers_an_unknown_name_that_contains_its_ingredient() -> None:
    allergy = knowledge.resolve_allergy("glycolic acid")
    assert knowledge.allergy_matches(allergy, "glycolic acid 30% peel")
    assert not knowledge.allergy_matches(allergy, "lactic acid 30% peel")


@pytest.mark.parametrize(
    ("written", "hidden"),
    [
        ("water/glycolic acid", "glycolic acid"),
        ("Aqua/Tretinoin", "tretinoin"),
        ("glycerin/hydroquinone", "hydroquinone"),
        ("aqua/bentonite", "bentonite"),
        ("kaolin/bentonite", "bentonite"),
    ],
)
def test_a_slash_name_of_two_ingredients_is_not_read_as_its_first_part(
    written: str, hidden: str
) -> None:
    # "Aqua/Glycolic Acid" read as water alone would pass every acid, Rx and allergy rule
    assert knowledge.lookup_ingredient(written) is None
    assert hidden in {i.name for i in contained_ingredients(written)}
    assert knowledge.allergy_matches(knowledge.resolve_allergy(hidden), written)


@pytest.mark.parametrize("written", ["Parfum/Fragrance", "Aqua/Water", "Aqua/Water/Eau"])
def test_a_dual_name_of_one_ingredient_is_that_ingredient(written: str) -> None:
    hit = knowledge.lookup_ingredient(written)
    assert hit is not None and contained_ingredients(written) == ()
