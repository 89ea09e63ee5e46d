"""Domain values: frozen, validated, and the same whichever way they are built."""

from __future__ import annotations

import attrs
import pytest

from facialflow.model import Client, Concern, Condition, Product, ProductKind, SkinType


def test_client_built_in_code_converts_vocabulary_strings_to_enums() -> None:
    c = Client(
        id="x", skin_type="oily", concerns=["aging", "aging"], fitzpatrick=2, conditions=["fever"]
    )
    assert c.skin_type is SkinType.OILY
    assert c.concerns == (Concern.AGING,)
    assert all(type(x) is Condition for x in c.conditions)


def test_client_refuses_unknown_vocabulary_in_code_too() -> None:
    with pytest.raises(ValueError, match="wrinkles"):
        Client(id="x", skin_type="oily", concerns=["wrinkles"], fitzpatrick=2)


def test_client_is_frozen() -> None:
    c = Client(id="x", skin_type="oily", concerns=["acne"], fitzpatrick=2)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        c.pregnant = True  # type: ignore[misc]


def test_product_ingredients_are_lower_case_and_unique() -> None:
    p = Product(name="P", kind="serum", ingredients=["Niacinamide", "niacinamide", "Zinc PCA"])
    assert p.ingredients == ("niacinamide", "zinc pca")
    assert p.kind is ProductKind.SERUM


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"ingredients": []}, "no ingredients"),
        ({"spf": 0}, "spf: must be an integer from 1 to 100"),
        ({"name": " "}, "must not be empty"),
        ({"kind": "potion"}, "potion"),
    ],
)
def test_product_validates_its_fields(kw: dict[str, object], words: str) -> None:
    args: dict[str, object] = {"name": "P", "kind": "serum", "ingredients": ["x"], **kw}
    with pytest.raises(ValueError, match=words):
        Product(**args)  # type: ignore[arg-type]


def test_products_are_hashable_values() -> None:
    a = Product(name="P", kind="serum", ingredients=["x"], strengths={"x": 1.0})
    b = Product(name="P", kind="serum", ingredients=["x"], strengths={"x": 1.0})
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
