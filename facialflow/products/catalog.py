"""Declarative product offers, and clinic catalogs that add them without code.

An :class:`Offer` says: this product, for these steps, concerns and skin
types, at this rank. :class:`OfferPlugin` turns a list of offers into a pluggy
plugin; the built-in plugins and every clinic catalog are one of these.

A catalog is a TOML file (or a folder of them)::

    name = "Clinic Lumen"               # the plugin's name in `facialflow plugins`
    description = "Our house products"

    [[products]]
    name = "Lumen Clarifying Serum"
    kind = "serum"                      # cleanser exfoliant serum mask moisturizer sunscreen soothing
    ingredients = ["salicylic acid", "niacinamide"]
    strengths = { "salicylic acid" = 2.0 }   # percent, for acids and actives
    concerns = ["acne"]                 # empty or absent: offered for every client
    skin_types = ["oily", "combination"]     # empty or absent: every skin type
    rank = 5                            # lower wins; built-ins use 10-60; default 5
    spf = 50                            # sunscreens only
    rx_only = false
    tags = ["fragrance"]                # extra flags the safety filter matches
    after_procedure = false             # preferred after extraction or laser
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from attrs import field, frozen

from facialflow.errors import CatalogError, InvalidValueError
from facialflow.io.reading import DocumentError, parse_document, read_text
from facialflow.model import Client, Concern, Product, ProductKind, SkinType
from facialflow.products.hookspecs import Candidate, PluginInfo, SelectionContext, hookimpl

__all__ = ["Offer", "OfferPlugin", "load_catalog", "steps_for_kind"]

_STEPS_BY_KIND: Mapping[ProductKind, tuple[str, ...]] = {
    ProductKind.CLEANSER: ("cleansing",),
    ProductKind.EXFOLIANT: ("exfoliation",),
    ProductKind.SERUM: ("serums",),
    ProductKind.MASK: ("mask",),
    ProductKind.MOISTURIZER: ("hydration",),
    ProductKind.SUNSCREEN: ("hydration", "safe_exit_protect"),
    ProductKind.SOOTHING: ("safe_exit_soothe",),
}

#: how much an ``after_procedure`` offer is preferred on an extraction or laser day
AFTER_PROCEDURE_BONUS = 25


def steps_for_kind(kind: ProductKind) -> tuple[str, ...]:
    return _STEPS_BY_KIND[kind]


@frozen
class Offer:
    product: Product
    concerns: tuple[Concern, ...] = field(default=(), converter=tuple)
    skin_types: tuple[SkinType, ...] = field(default=(), converter=tuple)
    rank: int = 50
    after_procedure: bool = False
    #: rank adjustments by skin type (negative: preferred)
    skin_rank: Mapping[SkinType, int] = field(factory=dict)

    def candidates(self, client: Client, context: SelectionContext) -> list[Candidate]:
        if self.skin_types and client.skin_type not in self.skin_types:
            return []
        rank = self.rank + self.skin_rank.get(client.skin_type, 0)
        if self.after_procedure and (context.extraction_today or context.laser_today):
            rank -= AFTER_PROCEDURE_BONUS
        if not self.concerns:
            return [_candidate(self.product, None, rank)]
        return [_candidate(self.product, c, rank) for c in client.concerns if c in self.concerns]


@lru_cache(maxsize=16384)
def _candidate(product: Product, concern: Concern | None, rank: int) -> Candidate:
    # candidates are frozen values: share them instead of building new ones every session
    return Candidate(product, concern, rank)


class OfferPlugin:
    """A pluggy plugin made of offers: what built-in plugins and catalogs are."""

    def __init__(self, name: str, description: str, offers: Sequence[Offer]) -> None:
        self.name = name
        self.description = description
        self.offers = tuple(offers)
        # an offer reads only skin type, concerns and whether a procedure happens today
        self._memo: dict[tuple[SkinType, tuple[Concern, ...], bool], tuple[Candidate, ...]] = {}

    def __repr__(self) -> str:
        return f"OfferPlugin({self.name!r}, {len(self.offers)} offers)"

    @hookimpl
    def facialflow_plugin_info(self) -> PluginInfo:
        concerns = tuple(dict.fromkeys(c for o in self.offers for c in o.concerns))
        skin_types = tuple(dict.fromkeys(s for o in self.offers for s in o.skin_types))
        return PluginInfo(
            name=self.name,
            description=self.description,
            concerns=concerns,
            skin_types=skin_types,
            products=tuple(dict.fromkeys(o.product for o in self.offers)),
        )

    @hookimpl
    def facialflow_candidates(self, client: Client, context: SelectionContext) -> list[Candidate]:
        key = (client.skin_type, client.concerns, context.extraction_today or context.laser_today)
        found = self._memo.get(key)
        if found is None:
            out: list[Candidate] = []
            for offer in self.offers:
                out.extend(offer.candidates(client, context))
            found = self._memo[key] = tuple(out)
        return list(found)


_ENTRY_KEYS = {
    "lot",
    "name",
    "kind",
    "ingredients",
    "strengths",
    "concerns",
    "skin_types",
    "rank",
    "spf",
    "rx_only",
    "tags",
    "after_procedure",
}


def _enum_list(value: Any, cls: type[Concern] | type[SkinType], key: str) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise InvalidValueError(f"{key} must be a list")
    out = []
    for v in value:
        try:
            out.append(cls(v))
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise InvalidValueError(f"{key}: {v!r} is not one of: {allowed}") from None
    return tuple(out)


def _offer_from_entry(entry: Any) -> Offer:
    if not isinstance(entry, dict):
        raise InvalidValueError("each [[products]] entry must be a table")
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        raise InvalidValueError(
            f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_ENTRY_KEYS))}"
        )
    for key in ("name", "kind", "ingredients"):
        if key not in entry:
            raise InvalidValueError(f"{key} is required")
    if not isinstance(entry["name"], str):
        raise InvalidValueError("name must be a string")
    kind = entry["kind"]
    if kind not in ProductKind.__members__.values():
        raise InvalidValueError(
            f"kind: {kind!r} is not one of: {', '.join(k.value for k in ProductKind)}"
        )
    ingredients = entry["ingredients"]
    if not isinstance(ingredients, list) or not all(isinstance(i, str) for i in ingredients):
        raise InvalidValueError("ingredients must be a list of names")
    strengths = entry.get("strengths", {})
    if not isinstance(strengths, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in strengths.values()
    ):
        raise InvalidValueError("strengths must map ingredient names to percentages")
    rank = entry.get("rank", 5)
    if type(rank) is not int:
        raise InvalidValueError("rank must be an integer")
    spf = entry.get("spf")
    if spf is not None and type(spf) is not int:
        raise InvalidValueError("spf must be an integer")
    for flag in ("rx_only", "after_procedure"):
        if type(entry.get(flag, False)) is not bool:
            raise InvalidValueError(f"{flag} must be true or false")
    tags = entry.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InvalidValueError("tags must be a list of strings")
    lot = entry.get("lot")
    if lot is not None and not (isinstance(lot, str) and lot.strip()):
        raise InvalidValueError("lot must be a non-empty string")
    product = Product(
        name=entry["name"],
        kind=ProductKind(kind),
        ingredients=ingredients,
        strengths={k: float(v) for k, v in strengths.items()},
        spf=spf,
        rx_only=entry.get("rx_only", False),
        tags=tags,
        lot=lot,
    )
    return Offer(
        product=product,
        concerns=_enum_list(entry.get("concerns", []), Concern, "concerns"),
        skin_types=_enum_list(entry.get("skin_types", []), SkinType, "skin_types"),
        rank=rank,
        after_procedure=entry.get("after_procedure", False),
    )


def _load_file(path: Path) -> OfferPlugin:
    try:
        data = parse_document(read_text(path), ".toml")
    except DocumentError as exc:
        reason = "no such catalog file" if str(exc) == "no such file" else str(exc)
        raise CatalogError(f"{path}: {reason}") from None
    unknown = sorted(set(data) - {"name", "description", "products"})
    if unknown:
        raise CatalogError(
            f"{path}: unknown key(s) {', '.join(unknown)}; allowed: name, description, products"
        )
    entries = data.get("products")
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{path}: a catalog needs at least one [[products]] entry")
    offers = []
    for i, entry in enumerate(entries, start=1):
        label = entry.get("name", "?") if isinstance(entry, dict) else "?"
        try:
            offers.append(_offer_from_entry(entry))
        except (ValueError, TypeError) as exc:
            raise CatalogError(f"{path}: products[{i}] ({label}): {exc}") from None
    names = [o.product.name for o in offers]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise CatalogError(f"{path}: duplicate product name(s): {', '.join(dupes)}")
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise CatalogError(f"{path}: name must be a non-empty string")
    description = data.get("description", f"clinic catalog {path.name}")
    return OfferPlugin(f"catalog:{name}", str(description), offers)


def load_catalog(path: str | Path) -> list[OfferPlugin]:
    """One plugin per catalog file; a folder loads every ``*.toml`` in it, sorted by name."""
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.toml"))
        if not files:
            raise CatalogError(f"{p}: the folder holds no .toml catalog")
        return [_load_file(f) for f in files]
    if p.suffix.lower() != ".toml":
        raise CatalogError(f"{p}: a catalog is a .toml file or a folder of them")
    return [_load_file(p)]
