"""The walkthrough page: self-contained HTML, checked in a real headless Chromium."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from facialflow.diagrams.route import Route
from facialflow.diagrams.walkthrough import page_steps, to_html
from facialflow.model import Effect, Finding, Product
from facialflow.protocol.facial import FACIAL

ROOT = Path(__file__).parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = os.environ.get("FACIALFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def demo_route() -> Route:
    return Route(
        client_id="w-7",
        date=dt.date(2026, 1, 15),
        policy="conservative",
        outcome="complete",
        path=("intake", "cleansing", "exfoliation", "serums", "mask", "hydration", "complete"),
        skipped={"extraction": "no comedones", "laser": "pregnancy (conservative policy)"},
        products=(
            ("serums", Product("Azelaic Serum 10%", "serum", ["azelaic acid"])),
            ("mask", Product("Oat Calming Mask", "mask", ["colloidal oatmeal"])),
            ("hydration", Product("Mineral Sunscreen", "sunscreen", ["zinc oxide"], spf=50)),
        ),
        findings=(
            Finding("R8", "laser", Effect.SKIP, "pregnancy (conservative policy)", "conservative"),
        ),
        warnings=("serums: retinol removed (pregnancy)",),
    )


# -- the page as text ---------------------------------------------------------------------------


def test_page_is_self_contained() -> None:
    page = to_html(renderer="embedded")
    assert page.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in page
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", page)
    assert "http://" not in without_namespaces
    assert "https://" not in without_namespaces
    for fetches in ("<link", " src=", "@import", "url("):
        assert fetches not in page
    assert page.count("<svg") == 1
    # Graphviz writes the '-' in ids as an entity
    assert re.search(r'id="state(-|&#45;)serums"', page)


def test_page_inlines_its_package_data_assets() -> None:
    """The markup, styles and script ship as package data and all end up inside the one file."""
    from importlib.resources import files

    assets = files("facialflow.diagrams").joinpath("assets")
    page = to_html(renderer="embedded")
    for name in ("walkthrough.css", "walkthrough.js"):
        assert assets.joinpath(name).read_text(encoding="utf-8") in page, name
    assert "{{" not in page.split('id="ff-data"', 1)[0]


def test_step_list_covers_every_state_and_compound_in_treatment_order() -> None:
    ids = [s["id"] for s in page_steps()]
    assert ids[:5] == ["intake", "cleansing", "exfoliation", "extraction", "laser"]
    assert set(ids) == set(FACIAL.state_names) | set(FACIAL.compounds)
    extraction = next(s for s in page_steps() if s["id"] == "extraction")
    assert extraction["skipped_when"].startswith("no comedones")
    assert extraction["why"]
    assert "from Exfoliation: non-inflamed comedones" in extraction["reached_when"][0]


def test_route_steps_follow_the_path_with_skipped_steps_in_place() -> None:
    steps = [s for s in page_steps(route=demo_route()) if not s.get("other")]
    assert [s["id"] for s in steps] == [
        "intake",
        "cleansing",
        "exfoliation",
        "extraction",
        "laser",
        "serums",
        "mask",
        "hydration",
        "complete",
    ]
    by_id = {s["id"]: s for s in steps}
    assert by_id["laser"]["status"] == "skipped"
    assert by_id["laser"]["skipped"] == "pregnancy (conservative policy)"
    assert by_id["laser"]["findings"] == ["R8 (skip): pregnancy (conservative policy)"]
    assert by_id["serums"]["number"] == 4
    assert by_id["hydration"]["products"][0]["name"] == "Mineral Sunscreen (SPF 50)"


def test_text_from_the_protocol_is_escaped() -> None:
    route = demo_route()
    evil = Route(
        client_id="<script>alert(1)</script>",
        date=route.date,
        policy=route.policy,
        outcome=route.outcome,
        path=route.path,
        warnings=("</script><b>x</b>",),
    )
    page = to_html(route=evil, renderer="embedded")
    assert "<script>alert(1)" not in page
    assert "</script><b>" not in page


# -- the page in a browser ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="the walkthrough browser test needs playwright: pip install playwright "
        "(no `playwright install`; it drives the system Chromium)",
    )
    if not Path(CHROMIUM).is_file():
        pytest.skip(
            f"the walkthrough browser test needs Chromium at {CHROMIUM}: apt-get install chromium "
            "(or set FACIALFLOW_CHROMIUM)"
        )
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser: Any, html: str, path: Path) -> tuple[Any, list[str]]:
    path.write_text(html)
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    assert not errors, errors
    return page, requests


def highlighted(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all("#diagram .ff-current", "els => els.map(e => e.id)")
    return ids


def screenshot(page: Any, name: str, tmp_path: Path) -> Path:
    target = ARTIFACTS if os.access(ROOT, os.W_OK) else tmp_path
    target.mkdir(exist_ok=True)
    shot = target / name
    page.screenshot(path=str(shot), full_page=True)
    print(f"walkthrough screenshot: {shot}")
    return shot


@pytest.mark.browser
def test_arrow_keys_and_clicks_move_the_highlight(browser: Any, tmp_path: Path) -> None:
    page, requests = open_page(browser, to_html(renderer="embedded"), tmp_path / "w.html")
    assert highlighted(page) == ["state-intake"]
    assert "Consultation, contraindication screening" in page.inner_text("#detail")

    page.keyboard.press("ArrowDown")
    assert highlighted(page) == ["state-cleansing"], "stepping did not move the highlight"
    assert page.inner_text("#detail-title") == "Cleansing"
    assert FACIAL.state_map["cleansing"].does in page.inner_text("#detail")
    page.keyboard.press("ArrowRight")
    assert highlighted(page) == ["state-exfoliation"]
    page.keyboard.press("ArrowUp")
    assert highlighted(page) == ["state-cleansing"]

    page.click("button[data-state='extraction']")
    assert highlighted(page) == ["state-extraction"]
    detail = page.inner_text("#detail")
    assert "Skipped when" in detail
    assert FACIAL.state_map["extraction"].skipped_when in detail
    assert FACIAL.state_map["extraction"].why in detail
    assert page.get_attribute("button[data-state='extraction']", "aria-current") == "step"

    page.click("button[data-state='laser']")
    assert highlighted(page) == ["state-laser"]
    page.click("#state-serums")
    assert highlighted(page) == ["state-serums"]
    page.keyboard.press("End")
    assert highlighted(page) == ["state-emergency"]

    screenshot(page, "walkthrough-protocol.png", tmp_path)
    assert requests == [(tmp_path / "w.html").as_uri()], "the page fetched something"
    page.close()


@pytest.mark.browser
def test_route_page_shows_the_client_products_and_reasons(browser: Any, tmp_path: Path) -> None:
    html = to_html(route=demo_route(), renderer="embedded")
    page, requests = open_page(browser, html, tmp_path / "r.html")
    assert "Client w-7 on 2026-01-15" in page.inner_text("header")
    assert "retinol removed" in page.inner_text("header")
    assert page.inner_text("#steps li:nth-child(4)") == "Extraction (skipped)"

    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert highlighted(page) == ["state-extraction"]
    assert "no comedones" in page.inner_text("#detail")
    page.keyboard.press("ArrowDown")
    assert highlighted(page) == ["state-laser"]
    detail = page.inner_text("#detail")
    assert "pregnancy (conservative policy)" in detail
    assert "R8 (skip)" in detail
    page.keyboard.press("ArrowDown")
    assert highlighted(page) == ["state-serums"]
    assert page.inner_text("#detail-title") == "4. Serums"
    assert "Azelaic Serum 10% (azelaic acid)" in page.inner_text("#detail")

    screenshot(page, "walkthrough-route.png", tmp_path)
    assert requests == [(tmp_path / "r.html").as_uri()]
    page.close()


@pytest.mark.browser
def test_committed_walkthrough_pages_work_in_a_browser(browser: Any, tmp_path: Path) -> None:
    for path in sorted((ROOT / "diagrams").glob("*.html")):
        page, _ = open_page(browser, path.read_text(), tmp_path / path.name)
        steps = json.loads(page.inner_text("#ff-data"))["steps"]
        first = highlighted(page)
        page.keyboard.press("ArrowDown")
        assert highlighted(page) != first, path.name
        assert highlighted(page) == [f"state-{steps[1]['id']}"], path.name
        page.close()


@pytest.mark.browser
def test_page_drawn_by_the_system_graphviz_highlights_too(browser: Any, tmp_path: Path) -> None:
    from facialflow.diagrams.render import has_system_dot

    if not has_system_dot():
        pytest.skip("needs system Graphviz: apt-get install graphviz")
    page, _ = open_page(browser, to_html(renderer="system"), tmp_path / "s.html")
    assert highlighted(page) == ["state-intake"]
    page.keyboard.press("ArrowDown")
    assert highlighted(page) == ["state-cleansing"]
    page.close()
