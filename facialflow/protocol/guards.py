"""Guard functions: pure predicates over a session's frozen :class:`Facts`.

The protocol names guards; the engine, the path enumerator and the simulator
resolve those names here. Each guard returns a real ``bool`` and reads nothing
but its argument, so evaluating one has no side effect and ``can``/``why``
introspection is free to call them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from attrs import frozen

__all__ = ["GUARDS", "Facts", "Guard"]


@frozen
class Facts:
    """What the guards of a session decide on, fixed at intake (and at an adverse event)."""

    session_blocked: bool = False
    extraction_indicated: bool = False
    laser_indicated: bool = False
    test_spot_required: bool = False
    #: False when the reaction means nothing more may be applied (R30: no soothing or SPF on skin that cannot take it)
    tolerates_product: bool = True


Guard = Callable[[Facts], bool]


def session_blocked(facts: Facts) -> bool:
    return facts.session_blocked


def extraction_indicated(facts: Facts) -> bool:
    return facts.extraction_indicated


def laser_indicated(facts: Facts) -> bool:
    return facts.laser_indicated


def test_spot_required(facts: Facts) -> bool:
    return facts.test_spot_required


def tolerates_product(facts: Facts) -> bool:
    return facts.tolerates_product


GUARDS: Mapping[str, Guard] = {
    g.__name__: g
    for g in (
        session_blocked,
        extraction_indicated,
        laser_indicated,
        test_spot_required,
        tolerates_product,
    )
}
