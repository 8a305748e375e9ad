"""How gradsim writes its outputs (traces, NPZ, JUnit): to a temporary file beside the target, renamed
into place only when complete, so a reader never sees half a file, two runs on one path never interleave
(the last to finish wins, whole), and an interrupted run leaves the old file as it was.

Also the rule that an output never overwrites one of the inputs it was made from.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Iterable, Iterator


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_open(path: str | Path, mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temporary file in ``path``'s folder; on a clean exit flush it and ``os.replace`` it onto
    ``path``; on an exception remove it. An OSError (ENOSPC…) names ``path``, not the temporary file."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; an output is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        with suppress(OSError):
            os.unlink(tmp)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (after symlinks; hard links too when both exist)."""
    a, b = Path(a), Path(b)
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except (OSError, ValueError):
        return False


def clashing_input(output: str | Path, inputs: Iterable[str | Path | None]) -> Path | None:
    """The first of ``inputs`` that ``output`` would overwrite, or None."""
    for p in inputs:
        if p is not None and same_file(output, p):
            return Path(p)
    return None
