"""``python -m gradsim.tui [SCENARIO]``: the app on a bundled name or a file (what textual-serve runs)."""

from __future__ import annotations

import sys

from ..errors import ScenarioError
from ..scenario import DEFAULT_SCENARIO, load_scenario


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        scenario = load_scenario(args[0] if args else DEFAULT_SCENARIO)
    except ScenarioError as exc:
        print(f"gradsim: {exc}", file=sys.stderr)
        return 2
    from .app import GradsimApp

    GradsimApp(scenario).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
