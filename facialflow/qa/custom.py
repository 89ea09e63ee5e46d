"""Team invariants: ``--invariant module:function`` and the ``facialflow_invariants`` plugin hook.

An invariant spec names a module and an attribute, ``my_team.checks:no_peel_on_mondays``.
The attribute may be an :class:`~facialflow.qa.invariants.Invariant`, a
sequence of them, or a plain check function ``(result, policy) -> iterable of
str`` (each string one violation); a function becomes an invariant named after
it, described by the first line of its docstring. Plugins add invariants by
implementing the ``facialflow_invariants`` hook, returning the same shapes.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Sequence
from typing import Any

from facialflow.errors import InvariantError, PluginError
from facialflow.qa.invariants import INVARIANTS, Invariant

__all__ = ["as_invariants", "load_invariants", "plugin_invariants", "resolve_invariant"]


def as_invariants(obj: Any, where: str) -> list[Invariant]:
    """``obj`` (an Invariant, a sequence of them, or a check function) as invariants."""
    if isinstance(obj, Invariant):
        return [obj]
    if isinstance(obj, list | tuple) and all(isinstance(x, Invariant) for x in obj):
        return list(obj)
    if callable(obj):
        name = getattr(obj, "__name__", None) or where
        doc = inspect.getdoc(obj) or f"custom invariant {name}"
        return [Invariant(name, doc.splitlines()[0], (), obj)]
    raise InvariantError(
        f"{where}: not an invariant: give an Invariant, a list of them or a function "
        "(result, policy) -> violations"
    )


def resolve_invariant(spec: str) -> list[Invariant]:
    """The invariants ``module:attribute`` names."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise InvariantError(f"--invariant {spec!r}: expected module:function")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InvariantError(f"--invariant {spec!r}: cannot import {module_name}: {exc}") from None
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise InvariantError(f"--invariant {spec!r}: {module_name} has no {attr!r}") from None
    return as_invariants(obj, f"--invariant {spec}")


def plugin_invariants(plugins: Any) -> list[Invariant]:
    """Invariants the loaded plugins contribute through ``facialflow_invariants``."""
    out: list[Invariant] = []
    for loaded in plugins.plugins:
        hook = getattr(plugins.plugin_object(loaded.name), "facialflow_invariants", None)
        if hook is None:
            continue
        try:
            provided = hook()
        except Exception as exc:
            raise PluginError(
                f"plugin {loaded.name}: facialflow_invariants raised {type(exc).__name__}: {exc}"
            ) from exc
        for item in provided or ():
            out.extend(as_invariants(item, f"plugin {loaded.name}"))
    return out


def load_invariants(specs: Iterable[str], plugins: Any = None) -> list[Invariant]:
    """The built-in invariants, then the plugins', then the specs', each name once."""
    chosen: list[Invariant] = list(INVARIANTS)
    if plugins is not None:
        chosen.extend(plugin_invariants(plugins))
    for spec in specs:
        chosen.extend(resolve_invariant(spec))
    return _unique(chosen)


def _unique(invariants: Sequence[Invariant]) -> list[Invariant]:
    seen: dict[str, Invariant] = {}
    for inv in invariants:
        # the same check named twice (a spec given twice) is one invariant
        if inv.name in seen and seen[inv.name].check is not inv.check:
            raise InvariantError(f"two invariants are named {inv.name!r}")
        seen.setdefault(inv.name, inv)
    return list(seen.values())
