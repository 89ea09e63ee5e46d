"""Client files: JSON and TOML load to the same client; every defect is one clear error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from facialflow.errors import ClientFileError
from facialflow.io.client_file import client_from_dict, client_to_dict, load_client
from facialflow.model import Comedones, Concern, Condition, SkinType

EXAMPLES = Path(__file__).parents[2] / "examples" / "clients"

GOOD: dict[str, Any] = {
    "id": "c-1",
    "skin_type": "oily",
    "concerns": ["acne", "aging"],
    "fitzpatrick": 3,
    "pregnant": False,
    "isotretinoin_last_dose": "2026-03-01",
    "allergies": ["Salicylic Acid"],
    "conditions": ["rosacea"],
    "assessment": {"comedones": "mild", "laser_requested": True},
}


def test_json_client_loads_with_defaults(tmp_path: Path) -> None:
    f = tmp_path / "c.json"
    f.write_text(
        json.dumps({"id": "x", "skin_type": "dry", "concerns": ["dullness"], "fitzpatrick": 1})
    )
    c = load_client(f)
    assert c.skin_type is SkinType.DRY
    assert c.concerns == (Concern.DULLNESS,)
    assert c.pregnant is False and c.breastfeeding is False
    assert c.allergies == () and c.conditions == frozenset()
    assert c.assessment.comedones is Comedones.NONE and c.assessment.laser_requested is False


def test_toml_and_json_give_the_same_client(tmp_path: Path) -> None:
    j = tmp_path / "c.json"
    j.write_text(json.dumps(GOOD))
    t = tmp_path / "c.toml"
    t.write_text(
        'id = "c-1"\nskin_type = "oily"\nconcerns = ["acne", "aging"]\nfitzpatrick = 3\n'
        "pregnant = false\nisotretinoin_last_dose = 2026-03-01\n"
        'allergies = ["Salicylic Acid"]\nconditions = ["rosacea"]\n'
        '[assessment]\ncomedones = "mild"\nlaser_requested = true\n'
    )
    assert load_client(j) == load_client(t)


def test_allergies_keep_the_clients_own_words() -> None:
    # matching is by identity (R6); the record keeps what the client said
    assert client_from_dict(GOOD).allergies == ("Salicylic Acid",)


def test_client_to_dict_round_trips() -> None:
    c = client_from_dict(GOOD)
    assert client_from_dict(client_to_dict(c)) == c
    assert client_to_dict(c)["conditions"] == ["rosacea"]


@pytest.mark.parametrize("path", sorted(EXAMPLES.iterdir()), ids=lambda p: p.name)
def test_shipped_example_clients_load(path: Path) -> None:
    assert load_client(path).id


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"skin_type": "greasy"},
            "skin_type",
            ["'greasy'", "normal, dry, oily, combination, sensitive"],
        ),
        ({"concerns": ["acne", "wrinkles"]}, "concerns", ["'wrinkles'", "hyperpigmentation"]),
        ({"concerns": []}, "concerns", ["at least one"]),
        ({"conditions": ["gout"]}, "conditions", ["'gout'", "active_cold_sore"]),
        ({"fitzpatrick": 7}, "fitzpatrick", ["1 to 6"]),
        ({"fitzpatrick": 0}, "fitzpatrick", ["1 to 6"]),
        ({"fitzpatrick": True}, "fitzpatrick", ["integer"]),
        ({"fitzpatrick": "3"}, "fitzpatrick", ["integer"]),
        ({"pregnant": "yes"}, "pregnant", ["true or false"]),
        ({"isotretinoin_last_dose": "2026-13-01"}, "isotretinoin_last_dose", ["ISO date"]),
        ({"allergies": "nuts"}, "allergies", ["list"]),
        ({"assessment": {"comedones": "lots"}}, "assessment.comedones", ["'lots'", "none, mild"]),
        ({"assessment": {"laser_requested": 1}}, "assessment.laser_requested", ["true or false"]),
        ({"pregant": True}, None, ["unknown field", "pregant", "allowed"]),
        # a mapping built in Python, keys of mixed types: named, not a crash
        ({1: True, None: 2}, None, ["unknown field(s) 1, None", "allowed"]),
        ({"id": ""}, "id", ["empty"]),
    ],
)
def test_a_bad_field_is_one_error_naming_the_field(
    change: dict[str, Any], field: str | None, words: list[str]
) -> None:
    with pytest.raises(ClientFileError) as info:
        client_from_dict({**GOOD, **change}, source="c.json")
    message = str(info.value)
    assert message.startswith("c.json: ")
    assert "\n" not in message
    if field:
        assert info.value.field == field
        assert f": {field}: " in message
    for w in words:
        assert w in message


def test_missing_required_field_is_named() -> None:
    data = {k: v for k, v in GOOD.items() if k != "fitzpatrick"}
    with pytest.raises(ClientFileError, match="fitzpatrick: required field is missing"):
        client_from_dict(data)


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("bad.json", "{not json", "malformed JSON at line 1"),
        ("bad.toml", "id = ", "malformed TOML"),
        ("list.json", "[1, 2]", "JSON object"),
        ("client.yaml", "id: x", ".json or .toml"),
    ],
)
def test_malformed_files_are_clear_errors(tmp_path: Path, name: str, text: str, words: str) -> None:
    f = tmp_path / name
    f.write_text(text)
    with pytest.raises(ClientFileError, match=words):
        load_client(f)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ClientFileError, match="no such file"):
        load_client(tmp_path / "nope.json")


def test_conditions_vocabulary_includes_the_contract_names() -> None:
    contract = {
        "active_cold_sore",
        "active_infection",
        "open_wound",
        "sunburn",
        "fever",
        "rosacea",
        "melasma",
        "hsv_history",
        "keloid_history",
        "recent_tan",
        "anticoagulants",
        "photosensitizing_medication",
        "topical_retinoid",
        "fragile_skin",
        "inflamed_acne",
    }
    assert contract <= {c.value for c in Condition}
