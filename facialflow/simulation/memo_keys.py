"""Cache keys of the fast path: which client features screening and selection read."""

from __future__ import annotations

from collections.abc import Hashable
from functools import lru_cache
from typing import Any

from facialflow.clinic.reactions import FIRST_REACTIONS
from facialflow.clinic.screening import Screening
from facialflow.knowledge import resolve_allergy
from facialflow.model import AdverseKind, Client, Condition
from facialflow.products.selection import selection_context

__all__ = [
    "ADVERSE_KINDS",
    "Variant",
    "context_key",
    "offer_universe",
    "relevant_allergies",
    "unknown_allergies",
    "screening_key",
    "selection_part",
]


#: the reactions the simulator injects, in a fixed order (a seed picks by index); ``worsening``
#: is not a first reaction, only what a reaction does during the safe exit
ADVERSE_KINDS: tuple[AdverseKind, ...] = FIRST_REACTIONS

#: an adverse reaction: its kind and the step (state) during which it happens
Variant = tuple[AdverseKind, str]


def screening_key(client: Client) -> Hashable:
    """What :func:`~facialflow.clinic.screening.screen` reads of a client (for a given date and policy).

    Left out, because screening never reads them: ``id``, ``concerns``, the
    allergies the knowledge base knows (an unknown one is a screening warning)
    and ``birth_date``. The whole assessment is kept, including the prescription
    reference that screening does not read; medications and dated facts are read.
    """
    return (
        client.skin_type,
        client.fitzpatrick,
        client.pregnant,
        client.breastfeeding,
        client.isotretinoin_last_dose,
        client.conditions,
        client.assessment,
        client.medications,
        client.last_sun_exposure,
        client.last_topical_retinoid,
        client.last_peel,
        client.last_injectable,
        unknown_allergies(client.allergies),
    )


@lru_cache(maxsize=4096)
def unknown_allergies(allergies: tuple[str, ...]) -> tuple[str, ...]:
    """The allergies that name nothing the knowledge base knows (screening warns about them)."""
    return tuple(a for a in allergies if not resolve_allergy(a).known)


@lru_cache(maxsize=16384)
def relevant_allergies(allergies: tuple[str, ...], universe: frozenset[str]) -> tuple[str, ...]:
    """The allergies, in the client's order and words, that could cover an offered product.

    An allergy the knowledge base knows and whose ingredients and classes meet
    nothing in ``universe`` cannot change a selection; every other one is kept
    (its words appear in the warnings).
    """
    from facialflow.products.ingredients import classes_of

    classes = frozenset().union(*(classes_of(n) for n in universe), universe)
    out = []
    for a in allergies:
        m = resolve_allergy(a)
        if not m.known or m.classes & classes or not m.covers.isdisjoint(universe):
            out.append(a)
    return tuple(out)


def selection_part(client: Client, universe: frozenset[str]) -> Hashable:
    """What product selection reads of a client itself, when every plugin is a plain OfferPlugin.

    Offers read the skin type and the concerns (in order: the first concern's
    serum is picked first); the safety filter reads allergies only as their
    intersection with the ingredients and tags of the offered products
    (``universe``), pregnancy, breastfeeding, whether a prescription is on
    file and the skin type. Left out: ``id``, ``fitzpatrick``,
    ``isotretinoin_last_dose``, ``conditions``, ``medications``,
    ``birth_date`` and the rest of the assessment, which reach selection only
    through the screening (see :func:`context_key`).
    """
    return (
        client.skin_type,
        client.concerns,
        client.pregnant,
        client.breastfeeding,
        relevant_allergies(client.allergies, universe),
        client.assessment.prescription_reference is not None,
        client.has(Condition.ROSACEA),
    )


def context_key(screening: Screening) -> Hashable:
    """What product selection reads of a screening: whether it declined, and its selection context."""
    return (screening.declined, selection_context(screening))


def offer_universe(plugins: Any) -> frozenset[str] | None:
    """Every ingredient and tag of every offered product, when every plugin is a plain OfferPlugin.

    None when any plugin is something else (or when the plugin set cannot be
    inspected): selection must then run per client.
    """
    from facialflow.products.catalog import Offer, OfferPlugin

    loaded = getattr(plugins, "plugins", None)
    if loaded is None or not hasattr(plugins, "plugin_object"):
        return None
    names: set[str] = set()
    for info in loaded:
        obj = plugins.plugin_object(info.name)
        # exact types: a subclass could override what its candidates depend on
        if type(obj) is not OfferPlugin or any(type(o) is not Offer for o in obj.offers):
            return None
        for offer in obj.offers:
            names.update(offer.product.ingredients)
            names.update(offer.product.tags)
    return frozenset(names)
