"""The plugin hooks (pluggy) and the frozen values plugins exchange with facialflow.

A plugin is any module or object with ``@hookimpl`` functions named like the
specs below. Hooks receive frozen values only, so a plugin cannot change a
session; whatever they propose still passes the safety filter of
:mod:`facialflow.products.safety`, which no plugin can bypass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pluggy
from attrs import field, frozen

from facialflow import validation as v
from facialflow.model import Client, Concern, Product, SkinType

__all__ = [
    "STEPS",
    "Candidate",
    "PluginInfo",
    "SelectionContext",
    "hookimpl",
    "hookspec",
]

hookspec = pluggy.HookspecMarker("facialflow")
hookimpl = pluggy.HookimplMarker("facialflow")

#: the steps products are applied at, in treatment order
STEPS = (
    "cleansing",
    "exfoliation",
    "serums",
    "mask",
    "hydration",
    "safe_exit_soothe",
    "safe_exit_protect",
)


@frozen(cache_hash=True)
class SelectionContext:
    """What a plugin may know about the session besides the client."""

    #: "strong" or "gentle" (screening decides; an :class:`~facialflow.model.Exfoliation`)
    exfoliation: str
    extraction_today: bool
    laser_today: bool
    policy: str
    #: R28: a procedure happens today, so serums, mask and moisturiser come from the calming set
    after_procedure: bool = False
    #: R16: a recent peel, laser or microdermabrasion: the whole facial is a calming one
    calming_only: bool = False


def _concern(value: Concern | str | None) -> Concern | None:
    return v.to_optional_enum(value, Concern, "concern")


def _concerns(value: Iterable[Concern | str]) -> tuple[Concern, ...]:
    return v.to_enum_tuple(value, Concern, "concerns")


def _skin_types(value: Iterable[SkinType | str]) -> tuple[SkinType, ...]:
    return v.to_enum_tuple(value, SkinType, "skin_types")


def _products(value: Iterable[Product]) -> tuple[Product, ...]:
    return v.to_instances(value, Product, "a Product", "products")


# Plugins are third-party code: what they hand back is validated like any other input,
# so a wrong type is an error naming the field, not a crash deep in selection.
@frozen
class Candidate:
    """A product a plugin proposes. Lower ``rank`` is preferred."""

    product: Product = field(validator=v.instance(Product, "a Product"))
    #: the concern this product serves; None for general products (cleansers, sunscreens)
    concern: Concern | None = field(default=None, converter=_concern)
    rank: int = field(default=50, validator=v.int_in(-1_000_000, 1_000_000))
    why: str = field(default="", validator=v.instance(str, "a string"))


@frozen
class PluginInfo:
    """What ``facialflow plugins`` lists for a plugin."""

    name: str = field(validator=v.non_empty_str)
    description: str = field(validator=v.instance(str, "a string"))
    concerns: tuple[Concern, ...] = field(default=(), converter=_concerns)
    skin_types: tuple[SkinType, ...] = field(default=(), converter=_skin_types)
    products: tuple[Product, ...] = field(default=(), converter=_products)


class FacialflowSpec:
    """Hook specifications; pluggy validates every plugin against these."""

    @hookspec
    def facialflow_plugin_info(self) -> PluginInfo:  # type: ignore[empty-body]
        """Describe the plugin: what it covers and which products it can propose."""

    @hookspec
    def facialflow_candidates(  # type: ignore[empty-body]
        self, client: Client, context: SelectionContext
    ) -> Sequence[Candidate]:
        """Propose products for this client's session, any step.

        The product's kind decides the step it is considered for (a serum for
        ``serums``, a sunscreen for ``hydration`` and the safe exit, ...).
        Return an empty sequence when the plugin has nothing for this client.
        Called once per session, so a plugin's cost is paid once per plan.
        """

    @hookspec
    def facialflow_invariants(self) -> Sequence[object]:  # type: ignore[empty-body]
        """Extra safety invariants ``check`` and ``verify`` run (``facialflow.qa.invariants.Invariant``).

        Return invariants, or plain check functions ``(result, policy) -> violations``.
        """
