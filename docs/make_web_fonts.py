"""Build the served page's fallback fonts and the page itself (gradsim/tui/web/).

    python docs/make_web_fonts.py

Needs fontTools (pip install fonttools) and Debian's fonts-dejavu-core (/usr/share/fonts/truetype/dejavu).
Writes gradsim-mono.ttf (DejaVu Sans Mono: the glyphs of gradsim/tui/glyphs.py that Roboto Mono lacks),
gradsim-sans.ttf (DejaVu Sans, for what the mono face lacks too) and app_index.html
(textual-serve's page, with the Google Fonts link replaced by local @font-face rules). Run it again when a
test says a glyph has no font.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import textual_serve  # noqa: E402

from gradsim.tui.glyphs import FALLBACK_FONTS, WEB, unicode_range, used_glyphs  # noqa: E402

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
SOURCES = (DEJAVU / "DejaVuSansMono.ttf", DEJAVU / "DejaVuSans.ttf")
SERVE = Path(textual_serve.__file__).resolve().parent
ROBOTO = SERVE / "static" / "fonts" / "RobotoMono-VariableFont_wght.ttf"


def build_subset(source: Path, wanted: set[int], target: Path) -> set[int]:
    """Subset ``source`` to the points of ``wanted`` it has; return them."""
    keep = {p for p in wanted if p in TTFont(source).getBestCmap()}
    options = subset.Options()
    options.name_IDs, options.notdef_outline, options.hinting = ["*"], True, False
    options.layout_features = []
    font = TTFont(source)
    sub = subset.Subsetter(options)
    sub.populate(unicodes=sorted(keep))
    sub.subset(font)
    font.save(target)
    return set(TTFont(target).getBestCmap()) & keep


def main() -> None:
    roboto = TTFont(ROBOTO).getBestCmap()
    wanted = {ord(c) for c in used_glyphs()} - set(roboto)
    faces = []
    for source, name in zip(SOURCES, FALLBACK_FONTS):
        covered = build_subset(source, wanted, WEB / name)
        wanted -= covered
        faces.append((name, covered))
        print(f"{name}: {len(covered)} glyphs, {(WEB / name).stat().st_size} bytes")
    if wanted:
        print("no font has:", "".join(chr(p) for p in sorted(wanted)), "- the app should not use them")
    # Later rules are tried first for the characters in their range; Roboto Mono takes everything else.
    rules = ['@font-face { font-family: "Roboto Mono"; font-weight: 100 700;\n'
             '  src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype"); }']
    for name, covered in reversed(faces):
        rules.append(f'@font-face {{ font-family: "Roboto Mono";\n  src: url("/gradsim-web/{name}") '
                     f'format("truetype");\n  unicode-range: {unicode_range(covered)}; }}')
    page = (SERVE / "templates" / "app_index.html").read_text(encoding="utf-8")
    link = re.compile(r'\s*<link\s+rel="stylesheet"\s+href="https://fonts\.googleapis\.com[^>]*/>', re.S)
    page, n = link.subn("\n    <!-- gradsim: fonts served locally (docs/make_web_fonts.py), no internet needed -->\n"
                        "    <style>\n" + "\n".join(rules) + "\n    </style>", page)
    assert n == 1, "textual-serve's page changed: update docs/make_web_fonts.py"
    # xterm.js draws on a canvas, which never asks for a unicode-range face: load every face before the
    # terminal starts (textual.js starts it from window.onload).
    script = '<script src="{{ config.static.url }}js/textual.js"></script>'
    assert script in page, "textual-serve's page changed: update docs/make_web_fonts.py"
    page = page.replace(script, script + """
    <script>
      const gradsimStart = window.onload;
      window.onload = (e) => Promise.allSettled([...document.fonts].map((f) => f.load())).then(() => gradsimStart(e));
    </script>""")
    (WEB / "app_index.html").write_text(page, encoding="utf-8")
    print("wrote", WEB / "app_index.html")


if __name__ == "__main__":
    main()
