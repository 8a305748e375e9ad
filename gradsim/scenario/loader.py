"""Load a scenario from a file or from the bundled library, and list the library."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import gradsim

from typing import TYPE_CHECKING

from ..errors import ScenarioError, did_you_mean
from ..text import printable

if TYPE_CHECKING:
    from .model import Scenario


def bundled_dir(installed: str, checkout: str) -> Path:
    """A folder shipped inside the package: gradsim/<installed>/ in an installed wheel, <checkout>/ beside
    the package in a checkout (pyproject's package-dir maps one to the other)."""
    package = Path(gradsim.__file__).resolve().parent
    for candidate in (package / installed, package.parent / checkout):
        if candidate.is_dir():
            return candidate
    return package.parent / checkout


BUNDLED_DIR = bundled_dir("bundled", "scenarios")
DEFAULT_SCENARIO = "three-layer-cache"
MAX_BYTES = 1 * 2**20


def bundled_names() -> list[str]:
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.toml")) if BUNDLED_DIR.is_dir() else []


def resolve(name_or_path: str | Path) -> Path:
    """A path as given if it names a file; else the bundled scenario of that name."""
    p = Path(name_or_path)
    text = str(name_or_path)
    try:
        if "\0" not in text and p.is_file():
            return p
    except OSError:
        pass
    if isinstance(name_or_path, Path) or "/" in text or "\\" in text or text.endswith(".toml"):
        raise ScenarioError("an existing scenario file", repr(text), file=text)
    bundled = BUNDLED_DIR / f"{text}.toml"
    if text in bundled_names():
        return bundled
    names = bundled_names()
    raise ScenarioError("a scenario file or one of the bundled names (gradsim list)", repr(text), file=text,
                        hint=did_you_mean(text, names))


def header(text: str) -> tuple[str, tuple[str, ...]]:
    """(summary, notes) from the comment lines at the top of a file."""
    lines = []
    for raw in text.splitlines():
        s = raw.strip()
        if not s and not lines:
            continue
        if not s.startswith("#"):
            break
        lines.append(s.lstrip("#").strip())
    if not lines:
        return "", ()
    lines = [printable(s) for s in lines]  # shown in terminals and the app: no control or bidi characters
    return lines[0], tuple(lines[1:])


_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


def loads_scenario(text: str, source: Path | None = None, name: str | None = None) -> "Scenario":
    """A Scenario from TOML text; errors name ``source`` (or '<string>')."""
    label = str(source) if source is not None else "<string>"
    from .guard import check_text_nesting

    try:
        check_text_nesting(text)
        doc = tomllib.loads(text)
    except ScenarioError as exc:
        raise exc.with_file(label) from None
    except RecursionError:  # the scan above bounds nesting; this is the belt to its braces
        raise ScenarioError("a scenario nested less deeply", file=label) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        if not isinstance(exc, tomllib.TOMLDecodeError):
            raise ScenarioError("an integer from -2^63 to 2^63 - 1 (TOML's 64-bit integers)",
                                "an integer of more than 4,300 digits", file=label) from None
        msg = str(exc)
        m = _POS.search(msg)
        field = f"line {m.group(1)}, column {m.group(2)}" if m else None
        reason = _POS.sub("", msg).strip().rstrip(".")
        raise ScenarioError("valid TOML", reason[:1].lower() + reason[1:], file=label, field=field) from None
    from .schema import validate  # NumPy and the engine: not needed just to list the library

    summary, notes = header(text)
    try:
        return validate(doc, source=source, name=printable(name or (source.stem if source else "scenario")),
                        summary=summary, notes=notes)
    except ScenarioError as exc:
        raise exc.with_file(label) from None
    except RecursionError:
        raise ScenarioError("a scenario nested less deeply", file=label) from None


def _one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_scenario(name_or_path: str | Path) -> "Scenario":
    """Load and validate a scenario file, or a bundled scenario by name. Raises ScenarioError only:
    whatever else goes wrong while loading (a bug, a MemoryError) is turned into one at this boundary,
    so neither the CLI nor the app's Open dialog ever sees another kind."""
    try:
        return _load(name_or_path)
    except ScenarioError:
        raise
    except Exception as exc:  # noqa: BLE001 - the loader's boundary, see the docstring
        if os.environ.get("GRADSIM_DEBUG"):
            raise
        what = type(exc).__name__ + (f": {_one_line(exc, 100)}" if str(exc) else "")
        raise ScenarioError("a scenario gradsim can load", what, file=str(name_or_path)) from None


def _load(name_or_path: str | Path) -> "Scenario":
    path = resolve(name_or_path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ScenarioError(f"a scenario file of at most {MAX_BYTES:,} bytes ({MAX_BYTES // 1024} KiB)",
                                f"{size:,} bytes", file=path)
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError("a UTF-8 text file", f"a byte that is not UTF-8 at offset {exc.start}", file=path) from None
    except OSError as exc:
        raise ScenarioError("a readable file", exc.strerror or type(exc).__name__, file=path) from None
    return loads_scenario(text, source=path, name=path.stem)


def list_bundled() -> list[tuple[str, str]]:
    """(name, one-line summary) of every bundled scenario, sorted by name."""
    out = []
    for name in bundled_names():
        try:
            text = (BUNDLED_DIR / f"{name}.toml").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        out.append((name, header(text)[0]))
    return out
