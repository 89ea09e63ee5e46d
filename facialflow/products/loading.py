"""Finding, validating and calling plugins.

Three sources, in this order: the built-in plugins (the top-level ``plugins/``
folder, shipped inside the wheel as ``facialflow/_builtin_plugins``), third
party plugins registered under the ``facialflow.plugins`` entry-point group,
and clinic catalogs (``--catalog``). Each plugin is validated against the hook
specs when it is loaded; a broken one is an error that names it, never a
silent change to what the others chose.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Hashable, Iterable, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from attrs import frozen

from facialflow.errors import PluginError, Signalled
from facialflow.model import Client
from facialflow.products.catalog import Offer, OfferPlugin, load_catalog
from facialflow.products.hookspecs import Candidate, FacialflowSpec, PluginInfo, SelectionContext
from facialflow.validation import describe

__all__ = [
    "ENTRY_POINT_GROUP",
    "LoadedPlugin",
    "PluginSet",
    "builtin_plugin_dir",
    "load_plugins",
    "plugins_to_dict",
]

ENTRY_POINT_GROUP = "facialflow.plugins"


def builtin_plugin_dir() -> Path:
    """Where the built-in plugins are: inside the installed package, or the source tree."""
    installed = Path(__file__).parent.parent / "_builtin_plugins"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "plugins"


@frozen
class LoadedPlugin:
    name: str
    #: "built-in", "entry point" or "catalog"
    source: str
    info: PluginInfo


#: held while plugins load: a module is in sys.modules before its code has run, so a
#: second thread must never see it half-imported (concurrent first requests)
_LOADING = threading.RLock()


def _import_file(path: Path) -> ModuleType:
    with _LOADING:
        return _import_file_locked(path)


def _import_file_locked(path: Path) -> ModuleType:
    # a private module name: no generic top-level "plugins" package is ever imported
    name = f"facialflow._builtin_plugins.{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"built-in plugin {path.stem}: cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Signalled:
        del sys.modules[name]
        raise
    except (Exception, SystemExit) as exc:
        del sys.modules[name]
        raise PluginError(
            f"built-in plugin {path.stem} failed to import: {_failure(exc)}"
        ) from None
    return module


#: seconds a third-party plugin may take to import (``FACIALFLOW_PLUGIN_IMPORT_TIMEOUT``)
IMPORT_TIMEOUT = 20.0


def _failure(exc: BaseException) -> str:
    """What a plugin did wrong, in words: ``sys.exit(3)`` is not an exception message."""
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _import_timeout() -> float:
    raw = os.environ.get("FACIALFLOW_PLUGIN_IMPORT_TIMEOUT", "")
    try:
        seconds = float(raw) if raw else IMPORT_TIMEOUT
    except ValueError:
        raise PluginError(
            f"FACIALFLOW_PLUGIN_IMPORT_TIMEOUT must be a number of seconds, got {raw!r}"
        ) from None
    if not 0 < seconds < 86400:
        raise PluginError(f"FACIALFLOW_PLUGIN_IMPORT_TIMEOUT must be above 0, got {raw!r}")
    return seconds


def _load_with_watchdog(ep: Any) -> Any:
    """``ep.load()`` in a daemon thread, so a plugin that hangs on import is an error, not a hang.

    The thread is abandoned on timeout (Python cannot stop it); being a daemon, it does
    not keep the process alive.
    """
    outcome: list[tuple[bool, Any]] = []

    def load() -> None:
        try:
            outcome.append((True, ep.load()))
        except BaseException as exc:
            outcome.append((False, exc))

    seconds = _import_timeout()
    thread = threading.Thread(target=load, name=f"facialflow-import-{ep.name}", daemon=True)
    thread.start()
    thread.join(seconds)
    if not outcome:
        raise PluginError(
            f"plugin {ep.name} ({ep.value}) did not finish importing within {seconds:g} s"
        )
    ok, value = outcome[0]
    if ok:
        return value
    if isinstance(value, KeyboardInterrupt):
        raise value
    raise PluginError(f"plugin {ep.name} ({ep.value}) failed to load: {_failure(value)}") from None


def _plugin_object(obj: Any) -> Any:
    # a module may expose a ready-made plugin object (an OfferPlugin) as `plugin`
    return getattr(obj, "plugin", obj) if isinstance(obj, ModuleType) else obj


class PluginSet:
    """Validated plugins in a fixed order; calls each one and attributes its failures."""

    def __init__(self) -> None:
        self._pm = pluggy.PluginManager("facialflow")
        self._pm.add_hookspecs(FacialflowSpec)
        self._order: list[str] = []
        self._loaded: list[LoadedPlugin] = []
        # (plugin name, function, argument names) in load order; rebuilt on register
        self._candidate_impls: list[tuple[str, Any, tuple[str, ...]]] = []
        self._offers_only = True
        #: whatever a caller derives from :meth:`candidates` under an :meth:`offers_key`;
        #: emptied whenever a plugin is registered
        self.offers_memo: dict[Hashable, Any] = {}
        self._offer_names: tuple[frozenset[str] | None] | None = None

    @property
    def offer_names(self) -> frozenset[str] | None:
        """:func:`offer_universe` of this set (kept until a plugin is registered)."""
        kept = self._offer_names
        if kept is None:
            kept = self._offer_names = (offer_universe(self),)
        return kept[0]

    @property
    def plugins(self) -> tuple[LoadedPlugin, ...]:
        return tuple(self._loaded)

    def plugin_object(self, name: str) -> Any:
        """The registered object of plugin ``name`` (a module, an OfferPlugin, ...)."""
        obj = self._pm.get_plugin(name)
        if obj is None:
            raise PluginError(f"no plugin named {name!r} is loaded")
        return obj

    def register(self, obj: Any, name: str, source: str) -> None:
        """Register and validate one plugin; raise :class:`PluginError` naming it if it is broken."""
        plugin = _plugin_object(obj)
        if name in self._order:
            raise PluginError(
                f"plugin {name} ({source}): a plugin with this name is already loaded"
            )
        try:
            self._pm.register(plugin, name=name)
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            self._unregister_quietly(name)
            raise PluginError(f"plugin {name} ({source}) is invalid: {exc}") from None
        impls = [
            i for i in self._pm.hook.facialflow_plugin_info.get_hookimpls() if i.plugin_name == name
        ]
        if not impls:
            self._unregister_quietly(name)
            raise PluginError(
                f"plugin {name} ({source}) must implement facialflow_plugin_info returning a PluginInfo"
            )
        try:
            info = self._call(impls[0].function, name, {})
        except PluginError:
            self._unregister_quietly(name)
            raise
        if not isinstance(info, PluginInfo):
            self._unregister_quietly(name)
            raise PluginError(
                f"plugin {name} ({source}): facialflow_plugin_info must return a PluginInfo, "
                f"got {_what(info)}"
            )
        self._order.append(name)
        self._loaded.append(LoadedPlugin(name, source, info))
        by_name = {i.plugin_name: i for i in self._pm.hook.facialflow_candidates.get_hookimpls()}
        self._candidate_impls = [
            (n, by_name[n].function, tuple(by_name[n].argnames))
            for n in self._order
            if n in by_name
        ]
        # exact types: a subclass could override what its candidates depend on
        self._offers_only = self._offers_only and (
            type(plugin) is OfferPlugin and all(type(o) is Offer for o in plugin.offers)
        )
        self.offers_memo = {}
        self._offer_names = None

    def offers_key(self, client: Client, context: SelectionContext) -> Hashable | None:
        """All :meth:`candidates` reads of its arguments, or None when a plugin may read more.

        Every plugin a plain OfferPlugin of plain Offers: candidates follow from
        the skin type, the concerns in order and whether a procedure happens today.
        """
        if not self._offers_only:
            return None
        return (client.skin_type, client.concerns, context.after_procedure or context.calming_only)

    def _unregister_quietly(self, name: str) -> None:
        if self._pm.get_plugin(name) is not None:
            self._pm.unregister(name=name)
        # pluggy keeps unknown-hook impls pending; a failed plugin must leave none behind
        self._pm = self._rebuilt_without(name)

    def _rebuilt_without(self, name: str) -> pluggy.PluginManager:
        pm = pluggy.PluginManager("facialflow")
        pm.add_hookspecs(FacialflowSpec)
        for kept in self._order:
            plugin = self._pm.get_plugin(kept)
            if plugin is not None:
                pm.register(plugin, name=kept)
        return pm

    @staticmethod
    def _call(function: Any, name: str, kwargs: dict[str, Any]) -> Any:
        try:
            return function(**kwargs)
        except Signalled:
            raise  # the program is ending (kill): not the plugin's doing
        except SystemExit as exc:
            # a plugin must not end the caller's process (or a web server's worker)
            raise PluginError(f"plugin {name} {_failure(exc)} instead of returning") from None
        except Exception as exc:
            raise PluginError(f"plugin {name} raised {_failure(exc)}") from exc

    def candidates(self, client: Client, context: SelectionContext) -> list[tuple[Candidate, str]]:
        """Every plugin's proposals for this session, in load order, each tagged with its plugin."""
        args = {"client": client, "context": context}
        out: list[tuple[Candidate, str]] = []
        # plain offer plugins are this package's own code: what they return is Candidates
        checked = not self._offers_only
        for name, function, argnames in self._candidate_impls:
            result = self._call(function, name, {a: args[a] for a in argnames})
            if not checked:
                out.extend((c, name) for c in result)
                continue
            if not isinstance(result, list | tuple):
                raise PluginError(
                    f"plugin {name}: facialflow_candidates must return a list of Candidate, "
                    f"got {_what(result)}"
                )
            for i, c in enumerate(result):
                if not isinstance(c, Candidate):
                    raise PluginError(
                        f"plugin {name}: facialflow_candidates must return a list of Candidate, "
                        f"got {_what(c)} at [{i}]"
                    )
            out.extend((c, name) for c in result)
        return out


def offer_universe(plugins: Any) -> frozenset[str] | None:
    """Every ingredient and tag of every offered product, when every plugin is a plain OfferPlugin.

    None when any plugin is something else (or when the plugin set cannot be
    inspected): selection must then run per client.
    """
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


def _what(value: Any) -> str:
    return f"{type(value).__name__} {describe(value)}"


def _builtin_files() -> list[Path]:
    return sorted(p for p in builtin_plugin_dir().glob("*.py") if not p.name.startswith("_"))


def _add_builtins(ps: PluginSet) -> None:
    for path in _builtin_files():
        ps.register(_import_file(path), path.stem, "built-in")


def _add_entry_points(ps: PluginSet) -> None:
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        ps.register(_load_with_watchdog(ep), ep.name, "entry point")


def load_plugins(
    *,
    catalogs: Iterable[str | Path] = (),
    builtins: bool = True,
    entry_point_plugins: bool = True,
    extra: Sequence[tuple[str, Any]] = (),
    fresh: bool = False,
) -> PluginSet:
    """Load and validate plugins.

    Without arguments the result is cached and shared; ``fresh=True`` looks
    for entry points again (after installing a plugin in a running process).
    """
    names = tuple(str(c) for c in catalogs)
    if not names and builtins and entry_point_plugins and not extra and not fresh:
        return _default_plugins()
    return _build(names, builtins, entry_point_plugins, extra)


def _build(
    catalogs: tuple[str, ...], builtins: bool, eps: bool, extra: Sequence[tuple[str, Any]]
) -> PluginSet:
    ps = PluginSet()
    if builtins:
        _add_builtins(ps)
    if eps:
        _add_entry_points(ps)
    for name, obj in extra:
        ps.register(obj, name, "extra")
    for catalog in catalogs:
        for plugin in load_catalog(catalog):
            ps.register(plugin, plugin.name, "catalog")
    return ps


_DEFAULT: list[PluginSet] = []


def _default_plugins() -> PluginSet:
    if not _DEFAULT:
        with _LOADING:
            if not _DEFAULT:
                _DEFAULT.append(_build((), True, True, ()))
    return _DEFAULT[0]


def plugins_to_dict(plugins: PluginSet) -> list[dict[str, Any]]:
    """The JSON of ``facialflow plugins``: one object per plugin, in load order."""
    from facialflow.io.documents import product_to_full_dict
    from facialflow.products.ingredients import unknown_ingredients, unknown_warning

    return [
        {
            "name": p.name,
            "source": p.source,
            "description": p.info.description,
            "concerns": [str(c) for c in p.info.concerns],
            "skin_types": [str(s) for s in p.info.skin_types],
            "products": [product_to_full_dict(prod) for prod in p.info.products],
            # an ingredient the knowledge base does not know is invisible to every class rule
            "warnings": [
                unknown_warning(prod, unknown_ingredients(prod))
                for prod in p.info.products
                if unknown_ingredients(prod)
            ],
        }
        for p in plugins.plugins
    ]
