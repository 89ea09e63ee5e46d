"""Name lookups: ingredients, allergies and medications, fast enough for the simulator's hot path.

Names already in canonical form are one dict hit; anything else is normalised
once and cached, since a population draws its names from a small vocabulary.
"""

from __future__ import annotations

import re
from functools import lru_cache

from facialflow.knowledge.ingredient_base import ingredient_base
from facialflow.knowledge.medication_base import medication_base
from facialflow.knowledge.records import AllergyMatch, Ingredient, MedicationMatch
from facialflow.knowledge.text import (
    candidate_keys,
    match_key,
    medication_tokens,
    normalize_name,
    plural_keys,
)

__all__ = [
    "allergy_matches",
    "canonical_ingredient",
    "is_prescription_reference",
    "class_names",
    "classes_of",
    "contained_ingredients",
    "ingredient_names",
    "literal_key",
    "lookup_ingredient",
    "members_of",
    "resolve_allergy",
    "resolve_medication",
    "resolve_medications",
]


def lookup_ingredient(text: str) -> Ingredient | None:
    """The ingredient ``text`` names (canonical, INCI or synonym, any spelling), or None."""
    hit = ingredient_base().by_exact.get(text)
    return hit if hit is not None else _lookup_slow(text)


@lru_cache(maxsize=65536)
def _lookup_slow(text: str) -> Ingredient | None:
    base = ingredient_base()
    written = normalize_name(text)
    if "/" in written:
        whole = base.by_key.get(match_key(written))
        if whole is not None:
            return base.ingredients[whole]
        # a dual name ("Parfum/Fragrance", "Aqua/Water") is one ingredient only when every
        # part names that same one: "Aqua/Glycolic Acid" must not read as water alone (it is
        # then unknown, and restricted by every ingredient named inside it)
        parts = {_part_name(part) for part in written.split("/") if match_key(part)}
        if len(parts) == 1:
            (only,) = parts
            return base.ingredients[only] if only is not None else None
        return None
    for key in candidate_keys(text):
        name = base.by_key.get(key)
        if name is not None:
            return base.ingredients[name]
    return None


def _part_name(part: str) -> str | None:
    hit = _lookup_slow(part.strip())
    return hit.name if hit is not None else None


def classes_of(ingredient_name: str) -> frozenset[str]:
    """Every class of the named ingredient, implied ones included; empty if it is unknown."""
    hit = lookup_ingredient(ingredient_name)
    return hit.classes if hit is not None else frozenset()


_WORD_SEPARATORS = re.compile(r"[,;:()\[\]{}/+&|]")


@lru_cache(maxsize=16384)
def contained_ingredients(text: str) -> tuple[Ingredient, ...]:
    """Known ingredients whose name appears, as whole words, inside an unknown name.

    ``glycolic acid 30% peel`` holds glycolic acid and ``sodium bentonite`` holds
    bentonite: a rule that restricts an ingredient must not be escaped by writing
    more words around its name. Longest spans are taken first, left to right. A
    known name (or a blank one) holds nothing: it is its own ingredient.
    """
    if lookup_ingredient(text) is not None:
        return ()
    base = ingredient_base()
    found: dict[str, Ingredient] = {}
    for key in candidate_keys(text):
        words = _WORD_SEPARATORS.sub(" ", key).split()
        start = 0
        while start < len(words):
            for end in range(len(words), start, -1):
                name = base.by_key.get(" ".join(words[start:end]))
                if name is not None:
                    found.setdefault(name, base.ingredients[name])
                    start = end
                    break
            else:
                start += 1
    return tuple(found.values())


def members_of(class_name: str) -> frozenset[str]:
    """Canonical names of every ingredient in a class (by class name, alias or plural).

    Raises KeyError for a word that names no class.
    """
    base = ingredient_base()
    found = base.members.get(class_name)
    if found is not None:
        return found
    meaning = base.alias_keys.get(match_key(class_name))
    # an alias that also names single ingredients (``papaya``) is not a class
    if meaning is None or not meaning[0] or meaning[1]:
        raise KeyError(f"no ingredient class {class_name!r}")
    return frozenset().union(*(base.members[c] for c in meaning[0]))


@lru_cache(maxsize=1)
def class_names() -> frozenset[str]:
    return frozenset(ingredient_base().classes)


def ingredient_names() -> frozenset[str]:
    """Canonical names of every ingredient in the knowledge base."""
    return frozenset(ingredient_base().ingredients)


@lru_cache(maxsize=16384)
def resolve_allergy(text: str) -> AllergyMatch:
    """What an allergy the client wrote covers.

    A class word (``retinoids``, ``fragrance``, ``aspirin``) covers every member of
    the class; an ingredient name covers that ingredient under every spelling. A
    word the knowledge base does not know is kept with ``known=False`` and matched
    literally by its normalised form; the caller warns about it.
    """
    base = ingredient_base()
    keys = candidate_keys(text)
    if not keys:
        raise ValueError(f"an allergy needs a name, got {text!r}")
    # the plural readings come last: "ceramides" is the class before it is a guess
    tries = (*keys, *(p for k in keys[:1] for p in plural_keys(k)))
    for key in tries:
        meaning = base.alias_keys.get(key)
        if meaning is not None:
            classes, ingredients = meaning
            covers = ingredients.union(*(base.members[c] for c in classes))
            return AllergyMatch(text, keys[0], True, ingredients, classes, covers)
        name = base.by_key.get(key)
        if name is not None:
            named = frozenset({name})
            return AllergyMatch(text, keys[0], True, named, frozenset(), named)
    return AllergyMatch(text, keys[0], False)


def allergy_matches(allergy: AllergyMatch, ingredient_name: str) -> bool:
    """Whether a product ingredient, under any spelling, is covered by the allergy.

    An ingredient the knowledge base does not know still matches an allergy
    written the same way (after normalisation), or one covering a known
    ingredient named inside it (``sodium bentonite clay`` for a bentonite allergy).
    """
    hit = lookup_ingredient(ingredient_name)
    if hit is not None and hit.name in allergy.covers:
        return True
    # fail closed: an unknown name is covered when a known ingredient inside it is
    if hit is None and any(
        i.name in allergy.covers for i in contained_ingredients(ingredient_name)
    ):
        return True
    return (hit is None or not allergy.known) and literal_key(ingredient_name) == allergy.key


@lru_cache(maxsize=65536)
def literal_key(text: str) -> str:
    """The normalised form a name the knowledge base does not know is matched by."""
    keys = candidate_keys(text)
    return keys[0] if keys else ""


@lru_cache(maxsize=16384)
def resolve_medications(text: str) -> tuple[MedicationMatch, ...]:
    """Every known medicine named in one medication line, left to right."""
    base = medication_base()
    tokens = medication_tokens(text)
    found: list[MedicationMatch] = []
    start = 0
    while start < len(tokens):
        for length in range(min(base.longest, len(tokens) - start), 0, -1):
            hit = base.by_tokens.get(tokens[start : start + length])
            if hit is not None:
                found.append(_medication_match(text, *hit))
                start += length
                break
        else:
            start += 1
    return tuple(found)


def resolve_medication(text: str) -> MedicationMatch | None:
    """The first known medicine named in a medication line, or None (it stays informational).

    Generic and brand names both count; strengths and forms around the name
    ("tretinoin cream 0.05%", "doxycycline 100 mg") are ignored.
    """
    found = resolve_medications(text)
    return found[0] if found else None


def _medication_match(given: str, name: str, spelling: str) -> MedicationMatch:
    base = medication_base()
    classes = tuple(base.classes[c] for c in base.medications[name].classes)
    return MedicationMatch(
        given=given,
        medication=name,
        matched=spelling,
        drug_classes=tuple(c.name for c in classes),
        condition=classes[0].condition,
        conditions=tuple(dict.fromkeys(c.condition for c in classes if c.condition)),
        client_fields=tuple(dict.fromkeys(c.client_field for c in classes if c.client_field)),
        rules=tuple(c.rule for c in classes),
    )


@lru_cache(maxsize=65536)
def canonical_ingredient(text: str) -> str:
    """The lower-case common name of a known ingredient; any other name normalised as written.

    Products and reports use this name, so ``Butyrospermum Parkii (Shea) Butter``,
    ``PARFUM`` and ``1,4-benzenediol`` read ``shea butter``, ``fragrance`` and
    ``hydroquinone`` whoever wrote the catalog.
    """
    hit = lookup_ingredient(text)
    return hit.name if hit is not None else normalize_name(text)


#: words that, written where a prescription reference belongs, mean there is none (R26)
_NO_REFERENCE_WORDS = frozenset(
    {
        "none", "no", "n/a", "na", "n.a", "nil", "null", "nothing", "not", "unknown", "unk",
        "tbd", "tbc", "tba", "pending", "awaiting", "await", "waiting", "declined", "refused",
        "requested", "request", "unavailable", "missing", "without", "x", "?", "0", "false",
        "nope", "nada", "non", "keine", "kein", "aucune", "aucun", "ninguna", "ninguno",
        "applicable", "prescribed", "prescription", "script", "rx", "ref", "reference",
        "given", "yet", "follow", "to", "see", "notes", "ask", "gp", "later", "soon",
        "required", "needed", "needs", "need", "outstanding", "due", "obtain",
    }
)  # fmt: skip
#: the words a recorded reference may not consist of alone (beyond the refusals above)
_NEGATIVE_PHRASES = (
    "not prescribed",
    "no prescription",
    "no rx",
    "not applicable",
    "required",
    "needed",
    "to follow",
)
_ALNUM_RUN = re.compile(r"[^\W_]+")


def is_prescription_reference(text: str | None) -> bool:
    """Whether ``text`` records a prescription: blank, "none", "n/a", "no", "-" and the like do not.

    Brackets, quotes, punctuation and spacing are ignored ("(none)", "N / A", "'none'").
    A refusal in first place decides ("N/A - not prescribed" is none, "RX-2291 (none
    refused)" is one); otherwise a reference needs a word of at least three letters or
    digits (punctuation inside it dropped: "RX-77") that is not a refusal word ("TBC",
    "awaiting", "declined" are none) and not one character repeated ("xx", "0000").
    """
    if text is None:
        return False
    norm = normalize_name(text)
    runs = _ALNUM_RUN.findall(norm)
    words = [w for w in ("".join(_ALNUM_RUN.findall(w)) for w in norm.split()) if w]
    if not runs:
        return False
    compact = "".join(words)
    if compact in _NO_REFERENCE_WORDS or len(set(compact)) == 1:
        return False
    # the first word as written ("n/a" in "N/A - not prescribed") and its first run ("no-ref")
    if any(w in _NO_REFERENCE_WORDS - _REFERENCE_PREFIXES for w in (words[0], runs[0])):
        return False
    spaced = " ".join(runs)
    if any(p in spaced for p in _NEGATIVE_PHRASES):
        return False
    return any(len(w) >= 3 and w not in _NO_REFERENCE_WORDS and len(set(w)) > 1 for w in words)


#: refusal-list words that may begin a real reference ("RX-2291", "Ref 4471", "Script 88120")
_REFERENCE_PREFIXES = frozenset({"rx", "ref", "reference", "script", "prescription"})
