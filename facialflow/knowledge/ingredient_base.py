"""The ingredient knowledge base: ``ingredients.toml`` validated and indexed for lookups.

Every spelling of every ingredient, class and alias is indexed by its
:func:`~facialflow.knowledge.text.match_key` once, when the file is first
read, so a lookup is a dict hit.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from attrs import frozen

from facialflow.knowledge import _checks as chk
from facialflow.knowledge.errors import KnowledgeBaseError
from facialflow.knowledge.records import ClassAlias, Ingredient, IngredientClassInfo
from facialflow.knowledge.text import match_key

__all__ = ["IngredientBase", "build_ingredient_base", "ingredient_base"]

FILE = "ingredients.toml"


@frozen
class IngredientBase:
    classes: Mapping[str, IngredientClassInfo]
    ingredients: Mapping[str, Ingredient]
    aliases: tuple[ClassAlias, ...]
    #: match key of every spelling -> canonical ingredient name
    by_key: Mapping[str, str]
    #: exact spellings as written in the file (and lower-cased) -> ingredient: the hot path
    by_exact: Mapping[str, Ingredient]
    #: class -> canonical names of its members (implied membership included)
    members: Mapping[str, frozenset[str]]
    #: match key of a class name or alias -> (classes, ingredients) it stands for
    alias_keys: Mapping[str, tuple[frozenset[str], frozenset[str]]]


def _closure(classes: Mapping[str, IngredientClassInfo]) -> dict[str, frozenset[str]]:
    """Each class with every class it implies, directly or not; a cycle is an error."""
    done: dict[str, frozenset[str]] = {}

    def visit(name: str, trail: tuple[str, ...]) -> frozenset[str]:
        if name in trail:
            raise KnowledgeBaseError(f"{FILE}: class cycle {' -> '.join((*trail, name))}")
        if name not in done:
            found = {name}
            for parent in classes[name].implies:
                found |= visit(parent, (*trail, name))
            done[name] = frozenset(found)
        return done[name]

    for name in classes:
        visit(name, ())
    return done


def _classes(data: Mapping[str, Any]) -> dict[str, IngredientClassInfo]:
    out: dict[str, IngredientClassInfo] = {}
    for name, entry in chk.table(FILE, data, "classes").items():
        where = f"{FILE}: class {name!r}"
        if not isinstance(entry, dict):
            raise KnowledgeBaseError(f"{where}: must be a table")
        chk.keys(where, entry, {"description", "source"}, {"implies", "aliases"})
        with chk.located(where):
            out[name] = IngredientClassInfo(
                name=name,
                description=chk.string(where, entry, "description"),
                source=chk.string(where, entry, "source"),
                implies=chk.string_list(where, entry, "implies"),
                aliases=chk.string_list(where, entry, "aliases"),
            )
    for info in out.values():
        unknown = info.implies - out.keys()
        if unknown:
            raise KnowledgeBaseError(
                f"{FILE}: class {info.name!r} implies unknown {sorted(unknown)}"
            )
    return out


def _unknown_classes(where: str, names: frozenset[str], known: Mapping[str, object]) -> None:
    unknown = sorted(names - known.keys())
    if unknown:
        raise KnowledgeBaseError(
            f"{where}: unknown class(es) {unknown}; known classes: {', '.join(sorted(known))}"
        )


def build_ingredient_base(data: Mapping[str, Any]) -> IngredientBase:
    """Validate parsed ``ingredients.toml`` data strictly and index it."""
    chk.keys(FILE, data, {"schema", "classes", "ingredient"}, {"alias"})
    chk.schema(FILE, data)
    classes = _classes(data)
    closure = _closure(classes)
    ingredients: dict[str, Ingredient] = {}
    by_key: dict[str, str] = {}
    by_exact: dict[str, Ingredient] = {}
    for number, entry in enumerate(chk.table_list(FILE, data, "ingredient"), 1):
        where = f"{FILE}: ingredient #{number} ({entry.get('name', '?')!r})"
        chk.keys(where, entry, {"name", "classes", "source"}, {"inci", "synonyms", "note"})
        declared = frozenset(chk.string_list(where, entry, "classes"))
        _unknown_classes(where, declared, classes)
        with chk.located(where):
            ingredient = Ingredient(
                name=chk.string(where, entry, "name"),
                inci=chk.string_list(where, entry, "inci"),
                synonyms=chk.string_list(where, entry, "synonyms"),
                classes=frozenset().union(*(closure[c] for c in declared)),
                source=chk.string(where, entry, "source"),
                note=chk.optional_string(where, entry, "note"),
            )
        if ingredient.name in ingredients:
            raise KnowledgeBaseError(f"{where}: duplicate ingredient {ingredient.name!r}")
        for spelling in ingredient.names:
            key = match_key(spelling)
            owner = by_key.setdefault(key, ingredient.name)
            if owner != ingredient.name:
                raise KnowledgeBaseError(
                    f"{where}: name {spelling!r} already belongs to ingredient {owner!r}"
                )
            by_exact[spelling] = by_exact[spelling.lower()] = ingredient
        ingredients[ingredient.name] = ingredient
    members: dict[str, set[str]] = {name: set() for name in classes}
    for ingredient in ingredients.values():
        for cls in ingredient.classes:
            members[cls].add(ingredient.name)
    aliases = _aliases(data, classes, ingredients)
    return IngredientBase(
        classes=classes,
        ingredients=ingredients,
        aliases=aliases,
        by_key=by_key,
        by_exact=by_exact,
        members={name: frozenset(names) for name, names in members.items()},
        alias_keys=_alias_keys(classes, aliases, by_key, ingredients, members),
    )


def _aliases(
    data: Mapping[str, Any],
    classes: Mapping[str, IngredientClassInfo],
    ingredients: Mapping[str, Ingredient],
) -> tuple[ClassAlias, ...]:
    out: list[ClassAlias] = []
    for number, entry in enumerate(chk.table_list(FILE, data, "alias"), 1):
        where = f"{FILE}: alias #{number} ({entry.get('names', ['?'])[:1]})"
        chk.keys(where, entry, {"names"}, {"classes", "ingredients", "note"})
        with chk.located(where):
            alias = ClassAlias(
                names=chk.string_list(where, entry, "names"),
                classes=chk.string_list(where, entry, "classes"),
                ingredients=chk.string_list(where, entry, "ingredients"),
                note=chk.optional_string(where, entry, "note"),
            )
        _unknown_classes(where, alias.classes, classes)
        unknown = sorted(alias.ingredients - ingredients.keys())
        if unknown:
            raise KnowledgeBaseError(
                f"{where}: unknown ingredient(s) {unknown} (use canonical names)"
            )
        out.append(alias)
    return tuple(out)


def _alias_keys(
    classes: Mapping[str, IngredientClassInfo],
    aliases: tuple[ClassAlias, ...],
    by_key: Mapping[str, str],
    ingredients: Mapping[str, Ingredient],
    members: Mapping[str, set[str]],
) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    out: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    owners: dict[str, str] = {}

    def add(spelling: str, owner: str, meaning: tuple[frozenset[str], frozenset[str]]) -> None:
        key = match_key(spelling)
        if key in owners and owners[key] != owner:
            raise KnowledgeBaseError(f"{FILE}: {spelling!r} is both {owners[key]} and {owner}")
        # an allergy word that is also an ingredient's name must cover that ingredient,
        # or reading it as a class would make the allergy narrower than the client meant
        named = by_key.get(key)
        covered = meaning[1] | {m for c in meaning[0] for m in members[c]}
        if named is not None and named not in covered:
            raise KnowledgeBaseError(
                f"{FILE}: {owner} {spelling!r} is also ingredient {named!r} but does not cover it"
            )
        owners[key] = owner
        out[key] = meaning

    for info in classes.values():
        meaning = (frozenset({info.name}), frozenset[str]())
        for spelling in (info.name, info.name.replace("_", " "), *info.aliases):
            add(spelling, f"class {info.name!r}", meaning)
    for alias in aliases:
        for spelling in alias.names:
            add(spelling, f"alias {alias.names[0]!r}", (alias.classes, alias.ingredients))
    return out


@cache
def ingredient_base() -> IngredientBase:
    """The shipped ingredient knowledge base, read and validated once per process."""
    return build_ingredient_base(chk.read_data(FILE))
