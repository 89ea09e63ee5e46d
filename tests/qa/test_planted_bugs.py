"""Every planted bug is found by verify, with a client file that shows it through simulate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from planted_bugs import BUGS, DATE, PlantedBug, planted

from facialflow.cli import main
from facialflow.clinic.policy import load_policy
from facialflow.io.client_file import client_from_dict
from facialflow.model import AppliedProduct, Outcome, Product, SessionResult
from facialflow.products.loading import load_plugins
from facialflow.qa.invariants import violations
from facialflow.qa.verify import verify


def _catalog(catalogs: tuple[str, ...] = ()) -> dict[str, Product]:
    """Every product the plugins (and ``catalogs``) can propose, by name."""
    from facialflow.qa.classes import catalog_products

    return {p.name: p for p in catalog_products(load_plugins(catalogs=catalogs))}


def _result(doc: dict[str, Any], catalogs: tuple[str, ...] = ()) -> SessionResult:
    """The session of ``simulate --format json``, as the invariants read it.

    The session JSON names each product with its ingredients; the invariants also read
    strengths and kinds, so each product is the catalog's own, checked against the JSON.
    """
    known = _catalog(catalogs)
    products = []
    for p in doc["products"]:
        product = known[p["name"]]
        assert list(product.ingredients) == p["ingredients"] and product.spf == p["spf"]
        products.append(AppliedProduct(p["step"], product))
    return SessionResult(
        client=client_from_dict(doc["client"]),
        outcome=Outcome(doc["outcome"]),
        path=tuple(doc["path"]),
        products=tuple(products),
        skipped=doc["skipped"],
        warnings=tuple(doc["warnings"]),
        policy="replay",
        date=DATE,
        adverse=doc.get("adverse"),
    )


def test_at_least_six_bugs_each_in_a_different_place() -> None:
    assert len(BUGS) >= 6
    assert len({b.where.split(":")[0] + b.where for b in BUGS}) == len(BUGS)
    kinds = {("policy" if b.policy_toml else "catalog" if b.catalog_toml else "rule") for b in BUGS}
    assert kinds == {"policy", "catalog", "rule"}


@pytest.mark.parametrize("bug", BUGS, ids=[b.name for b in BUGS])
def test_verify_finds_the_bug_and_its_client_file_replays_it(
    bug: PlantedBug, tmp_path: Path
) -> None:
    policy_name, catalogs = bug.files(tmp_path)
    policy = load_policy(policy_name)
    plugins = load_plugins(catalogs=catalogs)
    with planted(bug):
        report = verify(date=DATE, policy=policy, plugins=plugins, components=bug.components)
    found = {f.invariant.name: f for f in report.failures}
    assert bug.invariant in found, [f.to_dict() for f in report.failures]
    failure = found[bug.invariant].to_dict()
    client_file = tmp_path / "client.json"
    client_file.write_text(json.dumps(failure["client"]))
    args = ["simulate", "--client", str(client_file), "--date", DATE.isoformat()]
    args += ["--policy", policy_name, "--format", "json"]
    for c in catalogs:
        args += ["--catalog", c]
    if failure["adverse"]:
        args += ["--adverse", failure["adverse"]]
    if bug.patch is None:
        # a policy or catalog bug replays from a fresh install: a real process
        run = subprocess.run(
            [sys.executable, "-m", "facialflow", *args], capture_output=True, text=True, check=False
        )
        out, code = run.stdout, run.returncode
    else:
        with planted(bug):
            res = CliRunner().invoke(main, args)
        out, code = res.output, res.exit_code
    assert code == 0, out
    replayed = violations(_result(json.loads(out), catalogs), policy)
    assert bug.invariant in {v.invariant for v in replayed}
    # and without the bug, the same client is safe
    clean = violations(_result(_clean_run(args, bug)), load_policy("conservative"))
    assert bug.invariant not in {v.invariant for v in clean}


def _clean_run(args: list[str], bug: PlantedBug) -> dict[str, Any]:
    keep: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("--policy", "--catalog"):
            skip = True
            continue
        keep.append(a)
    res = CliRunner().invoke(main, keep)
    assert res.exit_code == 0, res.output
    return dict(json.loads(res.output))
