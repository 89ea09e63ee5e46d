"""A team's own invariants, as tests (and the README) load them with ``--invariant``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from facialflow.products.hookspecs import hookimpl
from facialflow.qa.invariants import Invariant


def no_laser_on_phototype_six(result: Any, policy: Any) -> Iterator[str]:
    """Our clinic never lasers phototype VI, whatever the device."""
    if result.client.fitzpatrick == 6 and any(s.startswith("laser") for s in result.path):
        yield "laser on phototype VI"


def _at_most_two_serums(result: Any, policy: Any) -> Iterator[str]:
    serums = [a for a in result.products if a.step == "serums"]
    if len(serums) > 2:
        yield f"{len(serums)} serums"


AT_MOST_TWO_SERUMS = Invariant(
    "at_most_two_serums", "never more than two serums", (), _at_most_two_serums
)

BOTH = [AT_MOST_TWO_SERUMS]

SHADOWS_A_BUILT_IN = Invariant("path_well_formed", "not the built-in one", (), _at_most_two_serums)

not_an_invariant = 42


class TeamPlugin:
    """A plugin that contributes an invariant through the facialflow_invariants hook."""

    name = "team"

    @hookimpl
    def facialflow_plugin_info(self) -> Any:
        from facialflow.products.hookspecs import PluginInfo

        return PluginInfo(name="team", description="team invariants")

    @hookimpl
    def facialflow_invariants(self) -> list[Any]:
        return [no_laser_on_phototype_six]
