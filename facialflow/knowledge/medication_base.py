"""The medication vocabulary: ``medications.toml`` validated and indexed by name span.

A medication line is free text ("Retin-A 0.05% cream at night"), so names are
indexed as token sequences and the lookup finds the longest known span.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from attrs import frozen

from facialflow.knowledge import _checks as chk
from facialflow.knowledge.errors import KnowledgeBaseError
from facialflow.knowledge.records import DrugClass, Medication
from facialflow.knowledge.text import medication_tokens

__all__ = ["MedicationBase", "build_medication_base", "medication_base"]

FILE = "medications.toml"


@frozen
class MedicationBase:
    classes: Mapping[str, DrugClass]
    medications: Mapping[str, Medication]
    #: token sequence of every spelling -> (canonical medication, spelling)
    by_tokens: Mapping[tuple[str, ...], tuple[str, str]]
    #: the most tokens any spelling has: the longest span worth trying
    longest: int


def _classes(data: Mapping[str, Any]) -> dict[str, DrugClass]:
    out: dict[str, DrugClass] = {}
    for name, entry in chk.table(FILE, data, "classes").items():
        where = f"{FILE}: class {name!r}"
        if not isinstance(entry, dict):
            raise KnowledgeBaseError(f"{where}: must be a table")
        chk.keys(where, entry, {"description", "rule", "source"}, {"condition", "client_field"})
        with chk.located(where):
            out[name] = DrugClass(
                name=name,
                description=chk.string(where, entry, "description"),
                rule=chk.string(where, entry, "rule"),
                source=chk.string(where, entry, "source"),
                condition=chk.optional_string(where, entry, "condition"),
                client_field=chk.optional_string(where, entry, "client_field"),
            )
    return out


def build_medication_base(data: Mapping[str, Any]) -> MedicationBase:
    """Validate parsed ``medications.toml`` data strictly and index it."""
    chk.keys(FILE, data, {"schema", "classes", "medication"})
    chk.schema(FILE, data)
    classes = _classes(data)
    medications: dict[str, Medication] = {}
    by_tokens: dict[tuple[str, ...], tuple[str, str]] = {}
    for number, entry in enumerate(chk.table_list(FILE, data, "medication"), 1):
        where = f"{FILE}: medication #{number} ({entry.get('name', '?')!r})"
        chk.keys(where, entry, {"name", "classes", "source"}, {"brands", "synonyms", "note"})
        with chk.located(where):
            medication = Medication(
                name=chk.string(where, entry, "name"),
                brands=chk.string_list(where, entry, "brands"),
                synonyms=chk.string_list(where, entry, "synonyms"),
                classes=chk.string_list(where, entry, "classes"),
                source=chk.string(where, entry, "source"),
                note=chk.optional_string(where, entry, "note"),
            )
        unknown = sorted(set(medication.classes) - classes.keys())
        if unknown:
            raise KnowledgeBaseError(
                f"{where}: unknown drug class(es) {unknown}; known: {', '.join(sorted(classes))}"
            )
        for spelling in medication.names:
            tokens = medication_tokens(spelling)
            if not tokens:
                raise KnowledgeBaseError(f"{where}: {spelling!r} has no letters to match")
            owner = by_tokens.setdefault(tokens, (medication.name, spelling))[0]
            if owner != medication.name:
                raise KnowledgeBaseError(
                    f"{where}: name {spelling!r} already belongs to medication {owner!r}"
                )
        if medication.name in medications:
            raise KnowledgeBaseError(f"{where}: duplicate medication {medication.name!r}")
        medications[medication.name] = medication
    return MedicationBase(
        classes=classes,
        medications=medications,
        by_tokens=by_tokens,
        longest=max((len(t) for t in by_tokens), default=0),
    )


@cache
def medication_base() -> MedicationBase:
    """The shipped medication vocabulary, read and validated once per process."""
    return build_medication_base(chk.read_data(FILE))
