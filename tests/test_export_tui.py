"""The app's export key: x writes both scripts next to the scenario's file and says where."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from gradsim.export import targets_beside  # noqa: E402
from gradsim.scenario import BUNDLED_DIR, load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from tui_scenarios import THREE_LAYER  # noqa: E402

from export_helpers import run_script  # noqa: E402


async def test_x_writes_both_scripts_beside_the_scenario_and_says_where(tmp_path):
    path = tmp_path / "tl.toml"
    path.write_text(THREE_LAYER, encoding="utf-8")
    app = GradsimApp(load_scenario(path))
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
    assert any(str(tmp_path / "tl.py") in m and str(tmp_path / "tl_torch.py") in m for m in messages), messages
    for name in ("tl.py", "tl.npz", "tl_torch.py", "tl_torch.npz"):
        assert (tmp_path / name).is_file(), name
    assert run_script(tmp_path / "tl.py").returncode == 0


def test_a_bundled_scenario_exports_into_the_current_folder(tmp_path):
    sc = load_scenario("three-layer-cache")
    assert sc.source is not None and sc.source.parent.resolve() == BUNDLED_DIR.resolve()
    assert targets_beside(sc, tmp_path) == (tmp_path / "three-layer-cache.py", tmp_path / "three-layer-cache_torch.py")
