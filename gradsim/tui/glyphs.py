"""Which characters the app can put on screen, and where the served page finds a glyph for each.

``gradsim serve`` shows the app through textual-serve's xterm.js page, whose font is Roboto Mono (bundled
with textual-serve). Roboto Mono has no arrows, ⊙, ᵀ, ‖ or ✓, and a machine without internet or
system fonts draws those as empty boxes. The page (gradsim/tui/web/app_index.html) therefore declares
two fallback faces under the same family name, each limited by ``unicode-range`` to the glyphs Roboto
Mono lacks: a subset of DejaVu Sans Mono and, for the few that only DejaVu Sans has (⋮, ⁝), a subset of
DejaVu Sans. ``docs/make_web_fonts.py`` builds the subsets from this module; a test
checks that every character of the sources is covered.

It imports nothing itself (the package gradsim.tui around it imports Textual).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # gradsim/
WEB = Path(__file__).resolve().parent / "web"  # the page and its fonts, shipped as package data
REPO = PACKAGE.parent

# Glyphs that Textual's own widgets draw in this app (Select's arrows; the palette's search icon is
# replaced by app.py, see EMOJI_ONLY).
TEXTUAL_GLYPHS = "▼▲"

# Characters Chromium draws only from a colour-emoji font, never from a web font (measured: even with a
# glyph mapped to them in the served face they stay blank). The app does not use them: the status line
# pauses with ‖, not ⏸, and the command palette's search icon 🔎 is ⌕ (GradsimApp.action_command_palette).
EMOJI_ONLY = "⏸🔎"

FALLBACK_FONTS = ("gradsim-mono.ttf", "gradsim-sans.ttf")  # in WEB, most preferred first


def source_texts() -> list[Path]:
    """Every file whose characters can reach the screen: the package's code and styles, the bundled
    scenarios (summaries, narration) and lessons."""
    files = [f for f in sorted(PACKAGE.rglob("*.py")) if f != Path(__file__).resolve()]  # not this list
    files += sorted(PACKAGE.rglob("*.tcss"))
    for folder in ("scenarios", "lessons"):
        files += sorted((REPO / folder).glob("*.toml")) if (REPO / folder).is_dir() else []
    return files


def used_glyphs() -> set[str]:
    """Every non-ASCII character in the sources, and the ones Textual's widgets draw."""
    chars = set(TEXTUAL_GLYPHS)
    for path in source_texts():
        chars.update(c for c in path.read_text(encoding="utf-8") if ord(c) > 127)
    return {c for c in chars if c.isprintable() or ord(c) in range(0x300, 0x370)}  # keep combining accents


def unicode_range(codepoints: set[int]) -> str:
    """CSS ``unicode-range`` for ``codepoints``: runs of consecutive points as U+A-B."""
    points, runs = sorted(codepoints), []
    for p in points:
        if runs and p == runs[-1][1] + 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)
