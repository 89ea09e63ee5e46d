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
    after_procedure = false             # in the calming set: preferred after a procedure (R28)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from attrs import field, frozen
from cattrs.errors import ClassValidationError, IterableValidationError

from facialflow import validation as v
from facialflow.errors import CatalogError
from facialflow.io.reading import DocumentError, parse_document, read_text
from facialflow.io.structure import strict_converter, structure_error_message
from facialflow.model import Client, Concern, Product, ProductKind, SkinType
from facialflow.products.hookspecs import Candidate, PluginInfo, SelectionContext, hookimpl

__all__ = ["CatalogEntry", "CatalogFile", "Offer", "OfferPlugin", "load_catalog", "steps_for_kind"]

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


def _as_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


@frozen
class Offer:
    product: Product
    concerns: tuple[Concern, ...] = field(default=(), converter=_as_tuple)
    skin_types: tuple[SkinType, ...] = field(default=(), converter=_as_tuple)
    #: the plugin's preference, bounded so any adjustment still makes a valid candidate rank
    rank: int = field(default=50, validator=v.int_in(-999_000, 999_000))
    after_procedure: bool = False
    #: rank adjustments by skin type (negative: preferred)
    skin_rank: Mapping[SkinType, int] = field(factory=dict)

    def candidates(self, client: Client, context: SelectionContext) -> list[Candidate]:
        per = self.by_concern(client.skin_type, context.after_procedure or context.calming_only)
        return _for_concerns(per, client.concerns)

    def by_concern(
        self, skin_type: SkinType, procedure_today: bool
    ) -> dict[Concern | None, Candidate]:
        """The candidate this offer makes for each concern it serves (``None``: for every
        client) on skin of ``skin_type``, on a day with or without a procedure."""
        if self.skin_types and skin_type not in self.skin_types:
            return {}
        rank = self.rank + self.skin_rank.get(skin_type, 0)
        if self.after_procedure and procedure_today:
            rank -= AFTER_PROCEDURE_BONUS
        if not self.concerns:
            return {None: _candidate(self.product, None, rank)}
        return {c: _candidate(self.product, c, rank) for c in self.concerns}


def _for_concerns(
    per: Mapping[Concern | None, Candidate], concerns: tuple[Concern, ...]
) -> list[Candidate]:
    """An offer's candidates (:meth:`Offer.by_concern`) for a client's concerns, in their order."""
    general = per.get(None)
    if general is not None:
        return [general]
    return [per[c] for c in concerns if c in per]


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
        #: each offer's candidates by concern, for a skin type and a day with or without a
        #: procedure (a new concerns tuple then only picks from them in the client's order)
        self._by_concern: dict[
            tuple[SkinType, bool], tuple[dict[Concern | None, Candidate], ...]
        ] = {}

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
        today = context.after_procedure or context.calming_only
        key = (client.skin_type, client.concerns, today)
        found = self._memo.get(key)
        if found is None:
            tables = self._by_concern.get(key[::2])
            if tables is None:
                tables = self._by_concern[key[::2]] = tuple(
                    o.by_concern(client.skin_type, today) for o in self.offers
                )
            # what Offer.candidates gives, in offer order, then the client's concern order
            found = self._memo[key] = tuple(
                c for per in tables for c in _for_concerns(per, client.concerns)
            )
        return list(found)


@frozen
class CatalogEntry:
    """One ``[[products]]`` table of a catalog file, as written (structured strictly by cattrs)."""

    name: str
    kind: ProductKind
    ingredients: list[str]
    strengths: dict[str, float] = field(factory=dict)
    concerns: list[Concern] = field(factory=list)
    skin_types: list[SkinType] = field(factory=list)
    rank: int = 5
    spf: int | None = None
    rx_only: bool = False
    tags: list[str] = field(factory=list)
    after_procedure: bool = False
    #: the lot or batch number, for the treatment record (R29)
    lot: str | None = None

    def to_offer(self) -> Offer:
        if self.lot is not None and not self.lot.strip():
            raise ValueError("lot must be a non-empty string")
        product = Product(
            name=self.name,
            kind=self.kind,
            ingredients=self.ingredients,
            strengths=self.strengths,
            spf=self.spf,
            rx_only=self.rx_only,
            tags=self.tags,
            lot=self.lot,
        )
        return Offer(
            product=product,
            concerns=self.concerns,
            skin_types=self.skin_types,
            rank=self.rank,
            after_procedure=self.after_procedure,
        )


@frozen
class CatalogFile:
    """A whole catalog file."""

    products: list[CatalogEntry]
    name: str | None = None
    description: str | None = None


_CONVERTER = strict_converter(ProductKind, Concern, SkinType)


def _structure(data: Any, path: Path) -> CatalogFile:
    """The catalog document, or one CatalogError naming the file, the entry and the field."""
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: a catalog is a TOML table")
    unknown = sorted(set(data) - {"name", "description", "products"})
    if unknown:
        raise CatalogError(
            f"{path}: unknown key(s) {', '.join(unknown)}; allowed: name, description, products"
        )
    entries = data.get("products")
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{path}: a catalog needs at least one [[products]] entry")
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            raise CatalogError(f"{path}: {key} must be a string")
    products = []
    # 0-based, as every other list in an error message (allergies[0], products[0].rank)
    for i, entry in enumerate(entries):
        label = entry.get("name", "?") if isinstance(entry, dict) else "?"
        where = f"{path}: products[{i}] ({label})"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: each [[products]] entry must be a table")
        try:
            products.append(_CONVERTER.structure(entry, CatalogEntry))
        except (ClassValidationError, IterableValidationError) as exc:
            message, field_path = structure_error_message(exc)
            named = f"{field_path}: " if field_path else ""
            raise CatalogError(f"{where}: {named}{message}") from None
        except (ValueError, TypeError) as exc:
            raise CatalogError(f"{where}: {exc}") from None
    return CatalogFile(products, data.get("name"), data.get("description"))


def _load_file(path: Path) -> OfferPlugin:
    try:
        data = parse_document(read_text(path), ".toml")
    except DocumentError as exc:
        reason = "no such catalog file" if str(exc) == "no such file" else str(exc)
        raise CatalogError(f"{path}: {reason}") from None
    doc = _structure(data, path)
    offers = []
    for i, entry in enumerate(doc.products):
        try:
            offers.append(entry.to_offer())
        except (ValueError, TypeError) as exc:
            raise CatalogError(f"{path}: products[{i}] ({entry.name}): {exc}") from None
    names = [o.product.name for o in offers]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise CatalogError(f"{path}: duplicate product name(s): {', '.join(dupes)}")
    name = doc.name if doc.name is not None else path.stem
    if not name.strip():
        raise CatalogError(f"{path}: name must be a non-empty string")
    description = doc.description or f"clinic catalog {path.name}"
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
