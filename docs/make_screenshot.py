"""Make docs/screenshot.svg from the app itself, and print the key table of docs/tui.md.

    python docs/make_screenshot.py                      # docs/screenshot.svg: three-layer-cache, backward l=2
    python docs/make_screenshot.py --scenario exploding-linear --keys "space*10" --out /tmp/x.svg
    python docs/make_screenshot.py --keys-table         # the Markdown key table, from the app's own bindings

The picture is the app's own SVG export (Textual's ``export_screenshot``), taken headless at a fixed
terminal size after a fixed sequence of key presses, so running it again gives the same file.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradsim.scenario import load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.commands import key_table_markdown  # noqa: E402

DEFAULT_KEYS = "i*20 space*6"  # 20 whole iterations, then forward l=1..3, the loss, backward l=3, l=2


def expand(keys: str) -> list[str]:
    """'i*3 space' → ['i', 'i', 'i', 'space']."""
    out: list[str] = []
    for word in keys.split():
        name, _, count = word.partition("*")
        out += [name] * (int(count) if count else 1)
    return out


async def screenshot(scenario: str, keys: list[str], size: tuple[int, int]) -> str:
    app = GradsimApp(load_scenario(scenario))
    async with app.run_test(size=size) as pilot:
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        return app.export_screenshot(title=f"gradsim — {scenario}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="three-layer-cache", help="a bundled name or a file")
    parser.add_argument("--keys", default=DEFAULT_KEYS, help="key presses, e.g. 'i*20 space*6'")
    parser.add_argument("--size", default="160x48", help="terminal columns x rows")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.svg")
    parser.add_argument("--keys-table", action="store_true", help="print the Markdown key table and exit")
    args = parser.parse_args(argv)
    if args.keys_table:
        print(key_table_markdown())
        return 0
    cols, rows = (int(v) for v in args.size.lower().split("x"))
    svg = asyncio.run(screenshot(args.scenario, expand(args.keys), (cols, rows)))
    args.out.write_text(svg, encoding="utf-8")
    print(f"wrote {args.out} ({len(svg) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
