"""A scenario as a standalone script: NumPy (``numpy_script``) or PyTorch (``torch_script``), each with a
.npz beside it holding the data (and the initial arrays it cannot draw itself).

    from gradsim.export import export
    export(load_scenario("three-layer-cache"), numpy="tlc.py", torch="tlc_torch.py")

The scripts run the scenario's iterations (or ``iterations``) and save J per iteration and the final
W[l], b[l] to ``<stem>-final.npz``; the PyTorch one also saves iteration 1's gradients.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .common import make_plan, write_npz, write_text

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario import Scenario

__all__ = ["export", "files_for", "targets_beside"]


def files_for(script: str | Path) -> tuple[Path, Path, Path]:
    """(the script, the .npz it reads, the .npz it writes) for a script path."""
    script = Path(script)
    return script, script.with_suffix(".npz"), script.with_name(script.stem + "-final.npz")


def export(scenario: "Scenario", numpy: str | Path | None = None, torch: str | Path | None = None, *,
           seed: int | None = None, iterations: int | None = None) -> list[Path]:
    """Write the asked-for scripts and their data files; returns the paths written."""
    from .numpy_script import numpy_script
    from .torch_script import torch_script

    plan = make_plan(scenario, seed, iterations)
    if torch is not None:  # before anything is written: no half an export
        from .torch_parts import torch_refusal

        refusal = torch_refusal(plan)
        if refusal is not None:
            raise refusal
    written: list[Path] = []
    for target, make in ((numpy, numpy_script), (torch, torch_script)):
        if target is None:
            continue
        script, data, out = files_for(target)
        text, arrays = make(plan, script.name, data.name, out.name)
        write_npz(data, arrays)
        write_text(script, text)
        written += [script, data]
    return written


def targets_beside(scenario: "Scenario", cwd: str | Path = ".") -> tuple[Path, Path]:
    """Where the app writes the two scripts: ``<name>.py`` and ``<name>_torch.py`` next to the scenario's
    file, or in ``cwd`` for a bundled scenario (the package's folder is not the user's)."""
    from ..scenario import BUNDLED_DIR

    source = Path(scenario.source).resolve() if scenario.source is not None else None
    folder = source.parent if source is not None and source.parent != Path(BUNDLED_DIR).resolve() else Path(cwd)
    return folder / f"{scenario.name}.py", folder / f"{scenario.name}_torch.py"
