"""The plugin hooks (pluggy) and the frozen values plugins exchange with facialflow.

A plugin is any module or object with ``@hookimpl`` functions named like the
specs below. Hooks receive frozen values only, so a plugin cannot change a
session; whatever they propose still passes the safety filter of
:mod:`facialflow.products.safety`, which no plugin can bypass.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pluggy
from attrs import field, frozen

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


@frozen
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


@frozen
class Candidate:
    """A product a plugin proposes. Lower ``rank`` is preferred."""

    product: Product
    #: the concern this product serves; None for general products (cleansers, sunscreens)
    concern: Concern | None = None
    rank: int = field(default=50, validator=attrs.validators.instance_of(int))
    why: str = ""


@frozen
class PluginInfo:
    """What ``facialflow plugins`` lists for a plugin."""

    name: str
    description: str
    concerns: tuple[Concern, ...] = ()
    skin_types: tuple[SkinType, ...] = ()
    products: tuple[Product, ...] = ()


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
