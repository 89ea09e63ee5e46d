"""Frozen records of the knowledge base and of what a lookup found.

Validators here check each record on its own; rules that span records
(duplicate names, unknown classes) are the loaders' job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import attrs
from attrs import field, frozen

from facialflow.knowledge.text import normalize_name

__all__ = [
    "AllergyMatch",
    "ClassAlias",
    "DrugClass",
    "Ingredient",
    "IngredientClassInfo",
    "Medication",
    "MedicationMatch",
]

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_RULE = re.compile(r"^R[1-9][0-9]*$")


def _text_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value))


def _text_set(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _non_empty(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name} must be a non-empty string, got {value!r}")


def _canonical(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    _non_empty(_, attribute, value)
    if normalize_name(value) != value:
        raise ValueError(f"{attribute.name} {value!r} is not canonical: {normalize_name(value)!r}")


def _identifier(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not _IDENT.match(value):
        raise ValueError(f"{attribute.name} must be lower_snake_case, got {value!r}")


def _optional_identifier(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        _identifier(_, attribute, value)


def _rule(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not _RULE.match(value):
        raise ValueError(f"{attribute.name} must be a rule id such as 'R7', got {value!r}")


def _names(_: object, attribute: attrs.Attribute[Any], value: Iterable[str]) -> None:
    for item in value:
        _non_empty(_, attribute, item)


def _identifiers(_: object, attribute: attrs.Attribute[Any], value: Iterable[str]) -> None:
    for item in value:
        _identifier(_, attribute, item)


@frozen
class IngredientClassInfo:
    """One ingredient class: what it means, which broader classes it implies, its aliases."""

    name: str = field(validator=_identifier)
    description: str = field(validator=_non_empty)
    source: str = field(validator=_non_empty)
    #: broader classes every member also belongs to (``tretinoin`` implies ``retinoid``)
    implies: frozenset[str] = field(
        default=frozenset(), converter=_text_set, validator=_identifiers
    )
    #: words a client may write for this class as an allergy (``retinoids``, ``ahas``)
    aliases: tuple[str, ...] = field(default=(), converter=_text_tuple, validator=_names)


@frozen
class ClassAlias:
    """An allergy word that stands for ingredients and classes (``papaya``, ``aspirin``)."""

    names: tuple[str, ...] = field(converter=_text_tuple, validator=_names)
    classes: frozenset[str] = field(
        default=frozenset(), converter=_text_set, validator=_identifiers
    )
    ingredients: frozenset[str] = field(default=frozenset(), converter=_text_set, validator=_names)
    note: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.names:
            raise ValueError("an alias needs at least one name")
        if not (self.classes or self.ingredients):
            raise ValueError(f"alias {self.names[0]!r} names no class and no ingredient")


@frozen(cache_hash=True)
class Ingredient:
    """One substance under every name it is written with."""

    #: the lower-case common name facialflow uses in products and reports
    name: str = field(validator=_canonical)
    inci: tuple[str, ...] = field(converter=_text_tuple, validator=_names)
    synonyms: tuple[str, ...] = field(converter=_text_tuple, validator=_names)
    #: every class the ingredient belongs to, implied ones included
    classes: frozenset[str] = field(converter=_text_set, validator=_identifiers)
    source: str = field(validator=_non_empty)
    note: str | None = field(default=None, eq=False)

    @classes.validator
    def _some_class(self, attribute: attrs.Attribute[Any], value: frozenset[str]) -> None:
        if not value:
            raise ValueError(f"ingredient {self.name!r} has no class")

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name, then INCI names, then synonyms."""
        return tuple(dict.fromkeys((self.name, *self.inci, *self.synonyms)))


@frozen
class DrugClass:
    """A class of medication and the client fact it stands for in screening."""

    name: str = field(validator=_identifier)
    description: str = field(validator=_non_empty)
    rule: str = field(validator=_rule)
    source: str = field(validator=_non_empty)
    #: the ``Condition`` value this class is equivalent to, if it is one
    condition: str | None = field(default=None, validator=_optional_identifier)
    #: the client-file field this class sets instead, if it is not a condition
    client_field: str | None = field(default=None, validator=_optional_identifier)

    def __attrs_post_init__(self) -> None:
        if (self.condition is None) == (self.client_field is None):
            raise ValueError(
                f"drug class {self.name!r} needs exactly one of condition and client_field"
            )


@frozen(cache_hash=True)
class Medication:
    """One medicine under its generic name, brand names and other spellings."""

    name: str = field(validator=_canonical)
    brands: tuple[str, ...] = field(converter=_text_tuple, validator=_names)
    synonyms: tuple[str, ...] = field(converter=_text_tuple, validator=_names)
    #: drug classes, the one that matters most for screening first
    classes: tuple[str, ...] = field(converter=_text_tuple, validator=_identifiers)
    source: str = field(validator=_non_empty)
    note: str | None = field(default=None, eq=False)

    @classes.validator
    def _some_class(self, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
        if not value:
            raise ValueError(f"medication {self.name!r} has no drug class")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.name, *self.brands, *self.synonyms)))


@frozen(cache_hash=True)
class AllergyMatch:
    """What a client's allergy means: the ingredients and classes it covers.

    ``given`` keeps the client's own words for messages; ``key`` is the literal
    form an unknown allergy is matched by.
    """

    given: str
    key: str
    known: bool
    #: canonical names of the ingredients the allergy names directly
    ingredients: frozenset[str] = frozenset()
    #: classes the allergy names; every member is covered
    classes: frozenset[str] = frozenset()
    #: every canonical ingredient covered, class members included
    covers: frozenset[str] = field(default=frozenset(), repr=False)


@frozen(cache_hash=True)
class MedicationMatch:
    """A medication line recognised as a known medicine, with the screening facts it implies."""

    given: str
    #: the generic (canonical) name
    medication: str
    #: the spelling that was recognised inside ``given`` (``accutane``)
    matched: str
    drug_classes: tuple[str, ...]
    #: the ``Condition`` value of the main drug class (None when it sets a field instead)
    condition: str | None
    #: every ``Condition`` value implied, in drug-class order
    conditions: tuple[str, ...]
    #: client-file fields implied (``isotretinoin_last_dose``: a current course)
    client_fields: tuple[str, ...]
    rules: tuple[str, ...]

    @property
    def drug_class(self) -> str:
        """The drug class that matters most for screening."""
        return self.drug_classes[0]

    @property
    def rule(self) -> str:
        """The rule of the main drug class."""
        return self.rules[0]
