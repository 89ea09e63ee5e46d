"""facialflow's clinical knowledge base: ingredients, ingredient classes and medications, as data.

The facts live in ``ingredients.toml`` and ``medications.toml`` next to this
file, each entry with its source; this package reads them once, validates them
strictly and answers identity questions: is ``Butyrospermum Parkii (Shea)
Butter`` shea butter, does an allergy to ``salicylates`` cover betaine
salicylate, is ``Eliquis`` an anticoagulant. It imports nothing from facialflow
but :mod:`facialflow.errors`, so any layer may use it.
"""

from __future__ import annotations

from facialflow.knowledge.errors import KnowledgeBaseError
from facialflow.knowledge.ingredient_base import (
    IngredientBase,
    build_ingredient_base,
    ingredient_base,
)
from facialflow.knowledge.lookup import (
    allergy_matches,
    canonical_ingredient,
    class_names,
    classes_of,
    contained_ingredients,
    ingredient_names,
    is_prescription_reference,
    literal_key,
    lookup_ingredient,
    members_of,
    resolve_allergy,
    resolve_medication,
    resolve_medications,
)
from facialflow.knowledge.medication_base import (
    MedicationBase,
    build_medication_base,
    medication_base,
)
from facialflow.knowledge.records import (
    AllergyMatch,
    ClassAlias,
    DrugClass,
    Ingredient,
    IngredientClassInfo,
    Medication,
    MedicationMatch,
)
from facialflow.knowledge.text import match_key, normalize_name

__all__ = [
    "AllergyMatch",
    "ClassAlias",
    "DrugClass",
    "Ingredient",
    "IngredientBase",
    "IngredientClassInfo",
    "KnowledgeBaseError",
    "Medication",
    "MedicationBase",
    "MedicationMatch",
    "allergy_matches",
    "literal_key",
    "build_ingredient_base",
    "build_medication_base",
    "canonical_ingredient",
    "class_names",
    "classes_of",
    "contained_ingredients",
    "ingredient_base",
    "ingredient_names",
    "is_prescription_reference",
    "lookup_ingredient",
    "match_key",
    "medication_base",
    "members_of",
    "normalize_name",
    "resolve_allergy",
    "resolve_medication",
    "resolve_medications",
]
