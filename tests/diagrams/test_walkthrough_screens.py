"""The walkthrough page on a projector, a phone and paper, measured in a real headless Chromium.

Each test opens the page at a real screen size, asserts from the DOM (rendered
font size of the active step, overflow, where the details are, the zoom scale,
printed frames) and saves a screenshot under ``artifacts/`` for a human to look at.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from facialflow.diagrams.route import Route, route_for_client, storyboard_path
from facialflow.diagrams.walkthrough import to_html
from facialflow.io.client_file import load_client
from facialflow.protocol.facial import FACIAL

ROOT = Path(__file__).parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = os.environ.get("FACIALFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
PROJECTOR = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser

#: the active step's label, in CSS pixels, as drawn (font size x the diagram's on-screen scale)
ACTIVE_FONT_PX = """() => {
  const svg = document.querySelector('#diagram svg');
  const ratio = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const text = document.querySelector('#diagram .ff-current text');
  return parseFloat(text.getAttribute('font-size')) * ratio;
}"""

PAGE_STATE = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: innerWidth,
  innerHeight: innerHeight,
  scrollY: scrollY,
  scale: parseFloat(document.getElementById('viewport').dataset.scale),
})"""


def rect(page: Any, selector: str) -> dict[str, float]:
    box: dict[str, float] = page.eval_on_selector(
        selector,
        "e => { const r = e.getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,"
        " width: r.width, height: r.height}; }",
    )
    return box


def example_route() -> Route:
    client = load_client(ROOT / "examples" / "clients" / "isotretinoin-laser.toml")
    return route_for_client(client, date=dt.date(2026, 12, 1), policy="conservative")


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("walkthrough")
    out = {}
    for name, route in (("protocol", None), ("route", example_route())):
        path = folder / f"{name}.html"
        path.write_text(to_html(route=route, renderer="embedded"), encoding="utf-8")
        out[name] = path
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the browser tests need playwright: pip install playwright"
    )
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"needs Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_at(browser: Any, path: Path, size: dict[str, int], *, phone: bool = False) -> Any:
    context = browser.new_context(viewport=size, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    assert errors == []
    return page


def screenshot(page: Any, name: str) -> Path:
    """Saved under artifacts/ (CI keeps it), or a temporary folder in a read-only checkout."""
    target = ARTIFACTS if os.access(ROOT, os.W_OK) else Path(tempfile.gettempdir())
    target.mkdir(exist_ok=True)
    shot = target / name
    page.screenshot(path=str(shot))
    print(f"walkthrough screenshot: {shot}")
    return shot


def test_projector_shows_the_active_step_legibly_without_any_action(
    browser: Any, pages: dict[str, Path]
) -> None:
    """At 1280x800 the active step's label is drawn at 12 px or more, centred, on load."""
    page = open_at(browser, pages["route"], PROJECTOR)
    screenshot(page, "walkthrough-1280x800.png")
    font = page.evaluate(ACTIVE_FONT_PX)
    node, view = rect(page, "#diagram .ff-current"), rect(page, "#viewport")
    state = page.evaluate(PAGE_STATE)

    assert font >= 12
    assert view["left"] < node["left"] and node["right"] < view["right"]
    assert abs((node["top"] + node["bottom"]) / 2 - (view["top"] + view["bottom"]) / 2) < 2
    assert state["scrollWidth"] <= state["innerWidth"]
    assert rect(page, "#detail")["top"] < PROJECTOR["height"]

    # following the current step: the next step comes to the centre, still legible
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    node = rect(page, "#diagram .ff-current")
    assert page.evaluate(ACTIVE_FONT_PX) >= 12
    assert abs((node["left"] + node["right"]) / 2 - (view["left"] + view["right"]) / 2) < 2
    screenshot(page, "walkthrough-1280x800-step3.png")
    page.context.close()


def test_phone_stacks_title_strip_details_without_overflow(
    browser: Any, pages: dict[str, Path]
) -> None:
    """At 390x844 the title is in view, the steps are one strip, nothing overflows sideways."""
    page = open_at(browser, pages["route"], PHONE, phone=True)
    screenshot(page, "walkthrough-390x844.png")
    state = page.evaluate(PAGE_STATE)
    title = rect(page, "h1")
    tops = page.eval_on_selector_all("#steps li", "els => els.map(e => e.offsetTop)")

    assert state["scrollY"] == 0
    assert title["top"] >= 0 and title["bottom"] <= PHONE["height"]
    assert state["scrollWidth"] <= state["innerWidth"]
    assert len(set(tops)) == 1, "the step list is not a single strip"
    assert rect(page, "#steps")["height"] < 80
    assert page.evaluate(ACTIVE_FONT_PX) >= 12
    page.context.close()


def test_tapping_a_step_on_a_phone_shows_its_details_right_there(
    browser: Any, pages: dict[str, Path]
) -> None:
    """After a tap on a step (in the strip or in the diagram) its details are in view."""
    page = open_at(browser, pages["route"], PHONE, phone=True)
    page.tap("#steps button[data-state='serums']")
    detail, strip = rect(page, "#detail"), rect(page, "#steps")
    screenshot(page, "walkthrough-390x844-tapped.png")

    assert page.inner_text("#detail-title") == "5. Serums"
    assert 0 <= detail["top"] < PHONE["height"] - 100
    assert detail["top"] - strip["bottom"] < 40, "the details are not right under the strip"
    assert page.evaluate(PAGE_STATE)["scrollWidth"] <= PHONE["width"]

    page.tap("#diagram #state-mask")
    assert page.inner_text("#detail-title") == "6. Mask"
    assert 0 <= rect(page, "#detail-title")["top"] < PHONE["height"]
    page.context.close()


def test_zoom_buttons_keys_wheel_and_pinch_change_the_scale(
    browser: Any, pages: dict[str, Path]
) -> None:
    """Every zoom control changes the diagram's scale; fit-to-width fits the width."""
    page = open_at(browser, pages["protocol"], PROJECTOR)

    def scale() -> float:
        value: float = page.evaluate(PAGE_STATE)["scale"]
        return value

    start, font = scale(), page.evaluate(ACTIVE_FONT_PX)
    page.click("#zoom-in")
    assert scale() == pytest.approx(start * 1.25, rel=1e-3)
    assert page.evaluate(ACTIVE_FONT_PX) == pytest.approx(font * 1.25, rel=1e-2)
    page.click("#zoom-out")
    assert scale() == pytest.approx(start, rel=1e-3)

    page.keyboard.press("0")
    assert page.get_attribute("#follow", "aria-pressed") == "false"
    svg, view = rect(page, "#diagram svg"), rect(page, "#viewport")
    assert svg["width"] == pytest.approx(view["width"], abs=1)
    fitted = scale()
    page.keyboard.press("+")
    assert scale() > fitted

    before = scale()
    page.mouse.move(view["left"] + 200, view["top"] + 200)
    page.mouse.wheel(0, -300)
    page.wait_for_function(
        f"() => parseFloat(document.getElementById('viewport').dataset.scale) > {before}"
    )

    # a two-finger pinch, spreading the fingers apart
    before = scale()
    page.evaluate(
        """([x, y]) => {
          const v = document.getElementById('viewport');
          const ev = (type, id, px) => v.dispatchEvent(new PointerEvent(type,
            {pointerId: id, clientX: px, clientY: y, bubbles: true, pointerType: 'touch'}));
          ev('pointerdown', 1, x - 20); ev('pointerdown', 2, x + 20);
          ev('pointermove', 1, x - 60); ev('pointermove', 2, x + 60);
          ev('pointerup', 1, x - 60); ev('pointerup', 2, x + 60);
        }""",
        [view["left"] + 300, view["top"] + 300],
    )
    assert scale() == pytest.approx(before * 3, rel=1e-2)
    screenshot(page, "walkthrough-1280x800-zoomed.png")
    page.context.close()


def test_diagram_pans_by_drag_and_keys_and_follow_mode_recentres(
    browser: Any, pages: dict[str, Path]
) -> None:
    """Dragging or arrow keys in the diagram pan it; F brings the current step back."""
    page = open_at(browser, pages["protocol"], PROJECTOR)
    view = rect(page, "#viewport")
    node = rect(page, "#diagram .ff-current")
    page.mouse.move(view["left"] + 100, view["top"] + 100)
    page.mouse.down()
    page.mouse.move(view["left"] + 250, view["top"] + 160, steps=5)
    page.mouse.up()
    moved = rect(page, "#diagram .ff-current")
    assert moved["left"] - node["left"] == pytest.approx(150, abs=1)

    page.focus("#viewport")
    page.keyboard.press("ArrowLeft")
    assert rect(page, "#diagram .ff-current")["left"] - moved["left"] == pytest.approx(60, abs=1)
    assert page.get_attribute("#steps button[data-state='intake']", "aria-current") == "step"

    page.click("#follow")
    page.click("#follow")
    centred = rect(page, "#diagram .ff-current")
    middle = (view["left"] + view["right"]) / 2
    assert (centred["left"] + centred["right"]) / 2 == pytest.approx(middle, abs=2)
    page.context.close()


def test_keyboard_and_screen_reader_structure(browser: Any, pages: dict[str, Path]) -> None:
    """Landmarks and roles are named, focus moves in reading order and is visibly drawn."""
    page = open_at(browser, pages["route"], PROJECTOR)

    assert page.get_attribute("nav", "aria-label") == "Steps"
    assert page.get_attribute(".toolbar", "role") == "toolbar"
    assert page.get_attribute("#detail", "aria-live") == "polite"
    assert page.get_attribute("#follow", "aria-pressed") == "true"
    assert page.get_attribute("#diagram svg", "role") == "img"
    assert page.get_attribute("#steps button[aria-current='step']", "data-state") == "intake"

    def tab() -> str:
        page.keyboard.press("Tab")
        name: str = page.evaluate(
            "(e => e.dataset.state || e.id || e.className)(document.activeElement)"
        )
        return name

    # the list is one tab stop (its current step), then the toolbar, then the diagram
    order = [tab() for _ in range(7)]
    assert order == ["skip", "intake", "zoom-out", "zoom-in", "fit", "follow", "viewport"]
    page.focus("#steps button[data-state='intake']")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.state") == "cleansing"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.context.close()


def test_print_produces_one_numbered_frame_per_step(browser: Any, pages: dict[str, Path]) -> None:
    """Printed, the page is a storyboard: one frame per step, the step marked, edges numbered."""
    page = open_at(browser, pages["route"], PROJECTOR)
    path = storyboard_path(FACIAL, example_route())
    page.emulate_media(media="print")
    frames = page.eval_on_selector_all(
        "#storyboard .frame",
        """els => els.map(e => ({
          state: e.dataset.state,
          shown: getComputedStyle(e).display !== 'none' && e.getBoundingClientRect().height > 0,
          title: e.querySelector('h2').textContent,
          current: [...e.querySelectorAll('.ff-current')].map(n => n.dataset.ffId),
          badges: [...e.querySelectorAll('.ff-badge text')].map(t => t.textContent),
          later: [...e.querySelectorAll('g.node.ff-later')].map(n => n.dataset.ffId),
          details: e.querySelector('dl').textContent.length,
        }))""",
    )
    screen_hidden = page.eval_on_selector("#screen", "e => getComputedStyle(e).display")
    screenshot(page, "walkthrough-print.png")
    page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape at 96 dpi
    frame_shot = ARTIFACTS / "walkthrough-print-frame4.png"
    if os.access(ROOT, os.W_OK):
        page.locator("#storyboard .frame").nth(3).screenshot(path=str(frame_shot))
    pdf = page.pdf(format="A4", landscape=True)

    assert screen_hidden == "none"
    assert [f["state"] for f in frames] == list(path)
    for k, frame in enumerate(frames):
        assert frame["shown"]
        assert frame["title"].startswith(f"Step {k + 1} of {len(path)}: ")
        assert frame["current"] == [f"state-{path[k]}"]
        assert frame["badges"] == [str(n) for n in range(1, k + 1)]
        assert sorted(frame["later"]) == sorted(f"state-{s}" for s in path[k + 1 :])
        assert frame["details"] > 0
    import pypdf

    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == len(path)
    page.context.close()


def test_page_data_frames_follow_the_route(pages: dict[str, Path]) -> None:
    """The page carries one frame per route step, each with the edges taken before it."""
    text = pages["route"].read_text()
    data = json.loads(text.split('id="ff-data">', 1)[1].split("</script>", 1)[0])
    path = storyboard_path(FACIAL, example_route())

    assert [f["id"] for f in data["frames"]] == list(path)
    assert data["frames"][-1]["edges"] == [list(p) for p in itertools.pairwise(path)]


#: every text of the drawing with its box as the browser lays it out with real fonts
TEXT_BOXES = """() => [...document.querySelectorAll('#diagram svg text')].map(t => {
  const b = t.getBBox();
  const owner = t.closest('g.node, g.edge, g.cluster');
  const shape = owner && owner.classList.contains('node')
    ? owner.querySelector('path, polygon, ellipse') : null;
  const s = shape ? shape.getBBox() : null;
  return {text: t.textContent, owner: owner ? owner.id : '', box: [b.x, b.y, b.x + b.width, b.y + b.height],
          shape: s ? [s.x, s.y, s.x + s.width, s.y + s.height] : null};
})"""


@pytest.mark.parametrize("name", ["protocol", "route"])
def test_with_real_fonts_no_label_overlaps_another_or_leaves_its_box(
    browser: Any, pages: dict[str, Path], name: str
) -> None:
    """Measured in Chromium with the fonts it has: texts stay apart and inside their boxes."""
    page = open_at(browser, pages[name], PROJECTOR)
    texts = page.evaluate(TEXT_BOXES)
    page.context.close()

    def apart(a: list[float], b: list[float]) -> bool:
        return a[2] <= b[0] + 0.5 or b[2] <= a[0] + 0.5 or a[3] <= b[1] + 0.5 or b[3] <= a[1] + 0.5

    clashes = [
        (a["text"], b["text"])
        for i, a in enumerate(texts)
        for b in texts[i + 1 :]
        if a["owner"] != b["owner"] and not apart(a["box"], b["box"])
    ]
    spills = [
        t["text"]
        for t in texts
        if t["shape"] is not None
        and not (t["shape"][0] - 1 <= t["box"][0] and t["box"][2] <= t["shape"][2] + 1)
    ]
    assert texts
    assert clashes == []
    assert spills == []
