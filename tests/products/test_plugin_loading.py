"""Plugin loading: built-ins, third-party entry points, validation, and attributed failures."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import DATE, build_client

from facialflow import Candidate, Product, ProductKind, hookimpl
from facialflow.errors import PluginError, Signalled
from facialflow.products.loading import builtin_plugin_dir, load_plugins
from facialflow.session.live import Session

BUILTINS = {
    "acne",
    "aging",
    "core",
    "dehydration",
    "dullness",
    "hyperpigmentation",
    "preventative",
    "sensitive",
}


def test_builtin_plugins_load_in_name_order() -> None:
    ps = load_plugins(entry_point_plugins=False)
    assert [p.name for p in ps.plugins] == sorted(BUILTINS)
    assert all(p.source == "built-in" for p in ps.plugins)


def test_every_concern_has_a_builtin_plugin() -> None:
    covered = {c for p in load_plugins().plugins for c in p.info.concerns}
    assert {"acne", "aging", "hyperpigmentation", "dullness", "dehydration", "preventative"} <= {
        str(c) for c in covered
    }


def test_builtin_plugins_are_not_a_top_level_package() -> None:
    load_plugins()
    assert "plugins" not in sys.modules
    assert builtin_plugin_dir().is_dir()


def test_default_plugin_set_is_cached() -> None:
    assert load_plugins() is load_plugins()


def _install_fake_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, source: str
) -> None:
    """A real distribution on sys.path: importlib.metadata finds it like an installed package."""
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
    info = tmp_path / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[facialflow.plugins]\n{module} = {module}\n")
    monkeypatch.syspath_prepend(str(tmp_path))


THIRD_PARTY = """
from facialflow import Candidate, PluginInfo, Product, ProductKind, hookimpl

SERUM = Product(name="Lumen Peptide Elixir", kind=ProductKind.SERUM, ingredients=["copper tripeptide-1"])

@hookimpl
def facialflow_plugin_info():
    return PluginInfo(name="lumen", description="Lumen house serum", products=(SERUM,))

@hookimpl
def facialflow_candidates(client, context):
    return [Candidate(SERUM, concern=c, rank=1) for c in client.concerns]
"""


def test_third_party_plugin_from_an_entry_point_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_fake_distribution(tmp_path, monkeypatch, "ff_lumen", THIRD_PARTY)
    ps = load_plugins(fresh=True)
    assert ("ff_lumen", "entry point") in [(p.name, p.source) for p in ps.plugins]
    result = Session.start(build_client(concerns=["aging"]), date=DATE, plugins=ps).run()
    assert "Lumen Peptide Elixir" in [a.product.name for a in result.products]


def test_entry_point_that_fails_to_import_names_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_fake_distribution(tmp_path, monkeypatch, "ff_broken", "raise RuntimeError('boom')\n")
    with pytest.raises(
        PluginError, match=r"plugin ff_broken \(ff_broken\) failed to load: RuntimeError: boom"
    ):
        load_plugins(fresh=True)


class UnknownHook:
    @hookimpl
    def facialflow_candidatez(self, client: Any) -> list[Any]:
        return []


class WrongSignature:
    @hookimpl
    def facialflow_candidates(self, client: Any, context: Any, colour: str) -> list[Any]:
        return []


class NoInfo:
    @hookimpl
    def facialflow_candidates(self, client: Any) -> list[Any]:
        return []


@pytest.mark.parametrize(
    ("plugin", "words"),
    [
        (UnknownHook(), "unknown hook"),
        (WrongSignature(), "colour"),
        (NoInfo(), "facialflow_plugin_info"),
    ],
)
def test_invalid_plugin_is_rejected_with_its_name(plugin: object, words: str) -> None:
    with pytest.raises(PluginError) as info:
        load_plugins(extra=[("shoddy", plugin)], entry_point_plugins=False)
    assert "plugin shoddy" in str(info.value) and words in str(info.value)


class Info:
    @hookimpl
    def facialflow_plugin_info(self) -> Any:
        from facialflow import PluginInfo

        return PluginInfo(name="x", description="x")


class Raises(Info):
    @hookimpl
    def facialflow_candidates(self, client: Any, context: Any) -> list[Any]:
        raise ValueError("catalog offline")


class ReturnsJunk(Info):
    @hookimpl
    def facialflow_candidates(self, client: Any) -> Any:
        return "Vitamin C"


class Mutates(Info):
    @hookimpl
    def facialflow_candidates(self, client: Any) -> list[Any]:
        client.pregnant = False
        return []


@pytest.mark.parametrize(
    ("plugin", "words"),
    [
        (Raises(), "plugin faulty raised ValueError: catalog offline"),
        (ReturnsJunk(), "plugin faulty: facialflow_candidates must return a list of Candidate"),
        (Mutates(), "plugin faulty raised FrozenInstanceError"),
    ],
)
def test_plugin_failure_during_selection_names_the_plugin(plugin: object, words: str) -> None:
    ps = load_plugins(extra=[("faulty", plugin)], entry_point_plugins=False)
    with pytest.raises(PluginError, match=words):
        Session.start(build_client(), date=DATE, plugins=ps)


class Exits(Info):
    @hookimpl
    def facialflow_candidates(self, client: Any) -> list[Any]:
        sys.exit(3)


class Killed(Info):
    """What the program's SIGTERM handler does while a plugin runs."""

    @hookimpl
    def facialflow_candidates(self, client: Any) -> list[Any]:
        raise Signalled(15)


def test_a_plugin_that_exits_is_an_error_but_a_signal_to_the_program_passes_through() -> None:
    exits = load_plugins(extra=[("faulty", Exits())], entry_point_plugins=False)
    with pytest.raises(PluginError, match=r"plugin faulty called sys.exit\(3\)"):
        Session.start(build_client(), date=DATE, plugins=exits)
    # a `kill` that lands while a plugin runs is the program's to end by, not the plugin's fault
    killed = load_plugins(extra=[("slow", Killed())], entry_point_plugins=False)
    with pytest.raises(Signalled) as caught:
        Session.start(build_client(), date=DATE, plugins=killed)
    assert caught.value.signum == 15 and caught.value.code == 143


class Unsafe(Info):
    """Proposes a retinoid with the best rank to everyone."""

    @hookimpl
    def facialflow_candidates(self, client: Any) -> list[Candidate]:
        p = Product(name="Tretinoin Booster", kind=ProductKind.SERUM, ingredients=["tretinoin"])
        return [Candidate(p, concern=c, rank=-100) for c in client.concerns]


def test_no_plugin_can_bypass_the_safety_filter() -> None:
    ps = load_plugins(extra=[("pushy", Unsafe())], entry_point_plugins=False)
    result = Session.start(
        build_client(concerns=["aging"], pregnant=True), date=DATE, plugins=ps
    ).run()
    names = [a.product.name for a in result.products]
    assert "Tretinoin Booster" not in names
    assert any(
        "replaced 'Tretinoin Booster' (retinoid in pregnancy (R8)" in w for w in result.warnings
    )
    # and for a client it is safe for (tretinoin is prescription-only), the plugin's rank wins
    prescribed = build_client(concerns=["aging"], a_prescription_reference="RX-2291")
    ok = Session.start(prescribed, date=DATE, plugins=ps).run()
    assert "Tretinoin Booster" in [a.product.name for a in ok.products]


def test_broken_third_party_plugin_is_one_error_line_in_a_real_run(tmp_path: Path) -> None:
    import os
    import subprocess

    (tmp_path / "ff_bad.py").write_text("raise ImportError('missing dependency: lumenlib')\n")
    info = tmp_path / "ff_bad-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ff_bad\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[facialflow.plugins]\nff_bad = ff_bad\n")
    root = Path(__file__).parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(root)])}
    proc = subprocess.run(
        [sys.executable, "-m", "facialflow", "plugins"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert (
        proc.stderr
        == "Error: plugin ff_bad (ff_bad) failed to load: ImportError: missing dependency: lumenlib\n"
    )
