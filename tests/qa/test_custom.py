"""Team invariants from ``module:function`` specs and from the facialflow_invariants plugin hook."""

from __future__ import annotations

import pytest
from team_invariants import AT_MOST_TWO_SERUMS, TeamPlugin

from facialflow.errors import InvariantError
from facialflow.products.loading import load_plugins
from facialflow.qa.custom import load_invariants, plugin_invariants, resolve_invariant
from facialflow.qa.invariants import INVARIANTS


def test_a_check_function_becomes_an_invariant_named_after_it() -> None:
    (inv,) = resolve_invariant("team_invariants:no_laser_on_phototype_six")
    assert inv.name == "no_laser_on_phototype_six"
    assert inv.description == "Our clinic never lasers phototype VI, whatever the device."


def test_an_invariant_object_and_a_list_of_them_load_as_they_are() -> None:
    assert resolve_invariant("team_invariants:AT_MOST_TWO_SERUMS") == [AT_MOST_TWO_SERUMS]
    assert resolve_invariant("team_invariants:BOTH") == [AT_MOST_TWO_SERUMS]


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("team_invariants", "module:function"),
        ("no_such_module_xyz:f", "cannot import"),
        ("team_invariants:missing", "has no"),
        ("team_invariants:not_an_invariant", "not an invariant"),
    ],
)
def test_a_bad_spec_is_a_user_error_naming_it(spec: str, says: str) -> None:
    with pytest.raises(InvariantError, match=says) as info:
        resolve_invariant(spec)
    assert info.value.exit_code == 2


def test_built_ins_come_first_then_plugins_then_specs() -> None:
    plugins = load_plugins(extra=[("team", TeamPlugin())])
    chosen = load_invariants(["team_invariants:AT_MOST_TWO_SERUMS"], plugins)
    names = [i.name for i in chosen]
    assert names[: len(INVARIANTS)] == [i.name for i in INVARIANTS]
    assert names[len(INVARIANTS) :] == ["no_laser_on_phototype_six", "at_most_two_serums"]


def test_a_plugin_without_the_hook_adds_nothing() -> None:
    assert plugin_invariants(load_plugins()) == []


def test_the_same_spec_twice_is_one_invariant() -> None:
    spec = "team_invariants:no_laser_on_phototype_six"
    assert len(load_invariants([spec, spec])) == len(INVARIANTS) + 1


def test_a_custom_invariant_may_not_take_a_built_in_name() -> None:
    with pytest.raises(InvariantError, match="two invariants"):
        load_invariants(["team_invariants:SHADOWS_A_BUILT_IN"])
