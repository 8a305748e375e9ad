"""Where a scenario may read its data files from.

A scenario is untrusted input (a pull request's scenarios run in CI), so ``data.path`` is read only inside
the scenario's own folder tree, after resolving symlinks and ``..``: ``/etc/passwd``, ``../../secret.csv``
and a symlink pointing out of the tree are refused before the file is opened. ``GRADSIM_DATA_ROOT`` (one
folder, or several separated by ``os.pathsep``) widens this to named roots; ``gradsim --data-root DIR``
sets it for one command. A refusal names the path as written and the roots, never the file's contents.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "GRADSIM_DATA_ROOT"


def allowed_roots(base_dir: Path) -> list[Path]:
    """The scenario's folder, then every root named in ``GRADSIM_DATA_ROOT``, resolved."""
    roots = [base_dir]
    roots += [Path(p) for p in os.environ.get(ENV, "").split(os.pathsep) if p.strip()]
    out = []
    for r in roots:
        try:
            out.append(r.resolve())
        except (OSError, RuntimeError):
            continue
    return out


def inside(file: Path, roots: list[Path]) -> bool:
    """Whether ``file`` (resolved: symlinks and .. followed) lies in one of ``roots``' trees."""
    try:
        real = file.resolve()
    except (OSError, RuntimeError):
        return False
    return any(real == r or real.is_relative_to(r) for r in roots)
