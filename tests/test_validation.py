"""One validation path: Python construction refuses exactly what the file loader refuses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from facialflow.errors import (
    ClientFileError,
    FacialflowError,
    InvalidTypeError,
    InvalidValueError,
)
from facialflow.io.client_file import client_from_dict
from facialflow.model import Assessment, Client, Product

BASE: dict[str, Any] = {"id": "c-1", "skin_type": "dry", "concerns": ["acne"], "fitzpatrick": 2}

# (field, bad value, builtin it must also be, words of the message)
BAD = [
    ("allergies", "fragrance", TypeError, "expected a list of strings, got str 'fragrance'"),
    ("medications", "warfarin", TypeError, "expected a list of strings"),
    ("concerns", "acne", TypeError, "expected a list of names"),
    ("conditions", "rosacea", TypeError, "expected a list of names"),
    ("pregnant", "no", TypeError, "expected true or false, got str 'no'"),
    ("breastfeeding", 0, TypeError, "expected true or false, got int 0"),
    ("fitzpatrick", True, TypeError, "expected an integer, got bool True"),
    ("fitzpatrick", 2.0, TypeError, "expected an integer, got float 2.0"),
    ("fitzpatrick", 7, ValueError, "must be an integer from 1 to 6, got 7"),
    ("fitzpatrick", 10**5000, ValueError, "got an integer of about 5001 digits"),
    ("skin_type", "oilly", ValueError, "'oilly' is not one of: normal, dry, oily"),
    ("concerns", ["acne", "wrinkles"], ValueError, "'wrinkles' is not one of: acne, aging"),
    ("concerns", [], ValueError, "must list at least one concern"),
    ("conditions", ["cold_sore"], ValueError, "'cold_sore' is not one of: active_cold_sore"),
    ("id", "  ", ValueError, "must not be empty"),
    ("id", 7, TypeError, "expected a string, got int 7"),
    ("allergies", ["shea butter", 3], TypeError, "expected a string, got int 3"),
    ("isotretinoin_last_dose", "9999-12-31", ValueError, "outside the years 1900-2199"),
    ("isotretinoin_last_dose", "2026-02-30", ValueError, "no such day"),
    ("isotretinoin_last_dose", "20260101", ValueError, "is not an ISO date"),
    ("birth_date", "0001-01-01", ValueError, "outside the years 1900-2199"),
]


@pytest.mark.parametrize(
    ("field", "value", "builtin", "words"), BAD, ids=[f"{f}-{i}" for i, (f, *_) in enumerate(BAD)]
)
def test_python_construction_refuses_what_a_file_refuses_in_the_same_words(
    field: str, value: Any, builtin: type[Exception], words: str
) -> None:
    with pytest.raises(builtin) as in_python:
        Client(**{**BASE, field: value})
    assert isinstance(in_python.value, FacialflowError)
    assert isinstance(in_python.value, InvalidTypeError | InvalidValueError)
    assert in_python.value.field == field
    assert words in str(in_python.value)
    if field == "fitzpatrick" and type(value) is int and value > 10**30:
        return  # no JSON or TOML parser hands such an integer over (the reader refuses it)
    with pytest.raises(ClientFileError) as from_file:
        client_from_dict({**BASE, field: value})
    assert from_file.value.field == field
    assert words.split(", got")[0] in str(from_file.value)


def test_a_bare_string_never_becomes_letters() -> None:
    with pytest.raises(TypeError):
        Client(**BASE, allergies="fragrance")
    # the client's own words are kept; matching is by identity (R6)
    assert Client(**BASE, allergies=["Fragrance"]).allergies == ("Fragrance",)


def test_no_is_not_pregnant_and_strings_are_not_booleans() -> None:
    for word in ("no", "false", "yes", ""):
        with pytest.raises(TypeError, match="pregnant"):
            Client(**BASE, pregnant=word)  # type: ignore[arg-type]
    assert Client(**BASE, pregnant=False).pregnant is False


def test_assessment_and_product_fields_are_checked_the_same_way() -> None:
    with pytest.raises(ValueError, match="comedones: 'lots' is not one of"):
        Assessment(comedones="lots")
    with pytest.raises(TypeError, match="laser_requested: expected true or false"):
        Assessment(laser_requested="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="assessment: expected an assessment table"):
        Client(**BASE, assessment={"comedones": "mild"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ingredients: expected a list of strings"):
        Product(name="P", kind="serum", ingredients="retinol")
    with pytest.raises(TypeError, match="rx_only: expected true or false"):
        Product(name="P", kind="serum", ingredients=["x"], rx_only="no")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"finite|0-100"):
        Product(name="P", kind="serum", ingredients=["x"], strengths={"x": float("nan")})


def test_dates_may_be_given_as_dates_or_iso_strings() -> None:
    a = Client(**BASE, birth_date="1980-05-01")
    b = Client(**BASE, birth_date=dt.date(1980, 5, 1))
    assert a == b


def test_a_date_after_the_session_date_is_named() -> None:
    c = Client(**BASE, isotretinoin_last_dose=dt.date(2026, 6, 1))
    assert c.date_problems(dt.date(2026, 5, 1)) == [
        ("isotretinoin_last_dose", "2026-06-01 is after the session date 2026-05-01")
    ]
    assert c.date_problems(dt.date(2026, 6, 1)) == []


@pytest.mark.parametrize(
    "name", ["last_sun_exposure", "last_topical_retinoid", "last_peel", "last_injectable"]
)
def test_every_dated_fact_after_the_session_date_is_named(name: str) -> None:
    dated: dict[str, Any] = {name: dt.date(2026, 6, 1)}
    c = Client(**BASE, **dated)
    assert c.date_problems(dt.date(2026, 5, 1)) == [
        (name, "2026-06-01 is after the session date 2026-05-01")
    ]


def test_two_spellings_of_one_ingredient_cannot_both_carry_a_strength() -> None:
    with pytest.raises(InvalidValueError, match="same ingredient") as info:
        Product(
            name="E serum",
            kind="serum",
            ingredients=["tocopherol"],
            strengths={"vitamin e": 1.0, "tocopherol": 20.0},
        )
    assert info.value.field == "strengths"


def test_values_already_of_the_right_type_are_taken_as_they_are() -> None:
    from facialflow.model import Concern, Condition

    concerns = (Concern.ACNE, Concern.AGING)
    conditions = frozenset({Condition.ROSACEA})
    client = Client(
        id="c-1",
        skin_type="dry",
        concerns=concerns,
        fitzpatrick=2,
        conditions=conditions,
        allergies=("shea butter",),
    )
    assert client.concerns is concerns
    assert client.conditions is conditions
    # the same checks still apply to a tuple of the right type
    again = Client(id="c-2", skin_type="dry", concerns=(Concern.ACNE, Concern.ACNE), fitzpatrick=2)
    assert again.concerns == (Concern.ACNE,)
    mixed = Client(id="c-3", skin_type="dry", concerns=(Concern.ACNE, "aging"), fitzpatrick=2)
    assert mixed.concerns == (Concern.ACNE, Concern.AGING)
    spaced = Client(
        id="c-4", skin_type="dry", concerns=["acne"], fitzpatrick=2, allergies=("a  b",)
    )
    assert spaced.allergies == ("a b",)
    with pytest.raises(InvalidTypeError, match="allergies"):
        Client(id="c-5", skin_type="dry", concerns=["acne"], fitzpatrick=2, allergies=("x", 3))  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="conditions"):
        Client(
            id="c-6", skin_type="dry", concerns=["acne"], fitzpatrick=2, conditions=frozenset({"x"})
        )
