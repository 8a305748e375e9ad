"""gradsim serve without internet (issue 13): the page asks for nothing outside the server, every glyph the
app uses has a font on the page (Roboto Mono or the bundled fallbacks), and headless Chromium shows the
first frame, steps a phase on space, and the screen changes.

The browser test needs Debian's chromium (apt-get install -y chromium) and playwright
(pip install -e '.[browser]'); it is skipped, saying which is missing, where they are not.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from gradsim.tui.glyphs import EMOJI_ONLY, FALLBACK_FONTS, WEB, used_glyphs

CHROMIUM = Path("/usr/bin/chromium")
PAGE = WEB / "app_index.html"


def test_page_asks_for_nothing_on_the_internet():
    page = PAGE.read_text(encoding="utf-8")
    assert "googleapis" not in page
    urls = re.findall(r'(?:href|src|url)\s*[=(]\s*"([^"]+)"', page)
    assert urls and all(not u.startswith(("http:", "https:", "//")) for u in urls), urls
    for name in FALLBACK_FONTS:
        assert f"/gradsim-web/{name}" in page and (WEB / name).stat().st_size < 64_000


def test_every_glyph_the_app_uses_has_a_font_on_the_page():
    ttlib = pytest.importorskip("fontTools.ttLib", reason="fontTools is not installed (pip install fonttools)")
    serve = pytest.importorskip("textual_serve", reason="textual-serve is not installed ('.[serve]')")
    roboto = ttlib.TTFont(Path(serve.__file__).parent / "static/fonts/RobotoMono-VariableFont_wght.ttf")
    covered = set(roboto.getBestCmap())
    page = PAGE.read_text(encoding="utf-8")
    for name in FALLBACK_FONTS:
        cmap = set(ttlib.TTFont(WEB / name).getBestCmap())
        block = page[page.index(f"/gradsim-web/{name}"):].split("}", 1)[0]
        ranges = re.search(r"unicode-range:\s*([^;]+);", block).group(1)
        declared = set()
        for part in ranges.split(","):
            a, _, b = part.strip()[2:].partition("-")
            declared.update(range(int(a, 16), int(b or a, 16) + 1))
        assert declared <= cmap, f"{name}: its unicode-range names glyphs it lacks; run docs/make_web_fonts.py"
        covered |= declared  # the page uses the face for these only
    missing = sorted(c for c in used_glyphs() if ord(c) not in covered)
    assert not missing, f"no served font has {''.join(missing)!r}: run docs/make_web_fonts.py"
    assert len(used_glyphs()) > 50 and "‖" in used_glyphs() and ord("‖") not in set(roboto.getBestCmap())


def test_the_app_uses_no_glyph_that_chromium_draws_only_as_emoji():
    emoji = sorted(set(EMOJI_ONLY) & used_glyphs())
    assert not emoji, f"the served app shows {''.join(emoji)!r} as blanks: use a text glyph"


async def test_the_palette_search_icon_is_a_text_glyph():
    pytest.importorskip("textual")
    from textual.command import SearchIcon

    from gradsim.scenario import load_scenario
    from gradsim.tui.app import GradsimApp

    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.pause()
        icons = list(app.screen.query(SearchIcon))
        assert icons and all(i.icon == "⌕" for i in icons)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served():
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install -e '.[serve]')")
    port = free_port()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "gradsim", "serve", "three-layer-cache", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"gradsim serve exited: {proc.stderr.read().decode()[-2000:]}")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# Draws each glyph in the terminal's font on a canvas, as xterm.js does, and returns those that left no ink.
INKED = """(glyphs) => {
  const c = document.createElement('canvas'); c.width = 48; c.height = 48;
  const x = c.getContext('2d', {willReadFrequently: true});
  return [...glyphs].filter((g) => {
    x.clearRect(0, 0, 48, 48); x.font = "32px 'Roboto Mono'"; x.fillStyle = '#000'; x.fillText(g, 4, 36);
    return !x.getImageData(0, 0, 48, 48).data.some((v, i) => i % 4 === 3 && v > 0);
  }).join('');
}"""


def settled(page, terminal, tries: int = 100) -> bytes:
    """The terminal's picture once two looks 300 ms apart agree (the first frame is drawn)."""
    shot = terminal.screenshot()
    for _ in range(tries):
        page.wait_for_timeout(300)
        again = terminal.screenshot()
        if again == shot and len(shot) > 20_000:  # not the blank start-up background
            return shot
        shot = again
    return shot


def test_the_served_app_in_headless_chromium(served):
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: install it with apt-get install -y chromium (see docs/tui.md)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed: pip install -e '.[browser]'")
    requested, failed, outside = [], [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                          "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})

            def route(r):
                if r.request.url.startswith(served.rstrip("/")) or r.request.url.startswith("ws:"):
                    requested.append(r.request.url)
                    r.continue_()
                else:
                    outside.append(r.request.url)  # the test machine may be offline: nothing may go out
                    r.abort()

            page.route("**/*", route)
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
            page.goto(served)
            page.wait_for_selector("body.-first-byte", timeout=30_000)  # the app's first bytes arrived
            terminal = page.locator("#terminal")
            before = settled(page, terminal)  # the first frame, painted and still
            page.locator("#terminal textarea").focus()  # xterm.js reads keys from its hidden textarea
            page.keyboard.press("Space")  # one phase: forward l = 1
            changed = None
            for _ in range(50):
                page.wait_for_timeout(100)
                after = terminal.screenshot()
                if after != before:
                    changed = after
                    break
            assert changed is not None, "space did not change the screen"
            glyphs = sorted(c for c in used_glyphs() if not c.isspace() and not 0x300 <= ord(c) < 0x370)
            blank = page.evaluate(INKED, "".join(glyphs))
            faces = page.evaluate("""() => [...document.fonts].map(f => [f.family, f.unicodeRange, f.status])""")
        finally:
            browser.close()
    assert not blank, f"drawn blank in the served font: {blank!r}"
    assert not outside, outside
    assert not failed, failed
    assert any(u.endswith("/gradsim-web/gradsim-mono.ttf") for u in requested), requested
    loaded = [f for f in faces if f[2] == "loaded"]
    assert any("2016" in f[1] for f in loaded), faces  # the fallback face was used for the app's glyphs
