"""The gradient-flow panel on the lecture's own examples, driven through Pilot: the ×1.50 factors of
‖dZ[l]‖, the verdict line, the gradient column chosen by key, and axes that stay put between steps."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("textual")

from gradsim.scenario import load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.format import log_range  # noqa: E402
from gradsim.tui.widgets import GradientFlow  # noqa: E402

SIZE = (160, 48)


def panel(app) -> GradientFlow:
    return app.main.query_one(GradientFlow)


def rows(app) -> dict[int, str]:
    out = {}
    for line in panel(app).render().plain.splitlines():
        m = re.match(r"\s*l=(\d+) ", line)
        if m:
            out[int(m.group(1))] = line
    return out


def table(flow) -> list[str]:
    """The panel's lines from its column header on (the verdict comes first, above the header)."""
    lines = flow.render().plain.splitlines()
    return lines[next(i for i, ln in enumerate(lines) if "(g)" in ln):]


def verdict(app) -> str:
    """The verdict as the panel prints it (wrapped lines joined again): its first lines, above the table."""
    lines = panel(app).render().plain.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("verdict"))
    end = next(i for i, ln in enumerate(lines) if "(g)" in ln)
    assert start == 0, "the verdict is drawn first, so a panel that scrolls still shows it"
    return " ".join(lines[start:end])


async def step(pilot, n: int) -> None:
    for _ in range(n):
        await pilot.press("space")
    await pilot.pause()


@pytest.mark.parametrize("name, factor, word, c", [("exploding-linear", "×1.50", "exploding", "1.5"),
                                                   ("vanishing-linear", "×0.50", "vanishing", "0.5")])
async def test_linear_nets_show_the_factor_between_every_pair_of_layers(name, factor, word, c):
    app = GradsimApp(load_scenario(name))
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, 21)  # forward l = 1..10, the loss, backward l = 10..1
        assert app.main.snap.phase.label == "backward l=1"
        shown = rows(app)
        assert sorted(shown) == list(range(11))  # l = 0..10
        assert panel(app).followed.key == "dZ"  # the default once backward has run
        for l in range(1, 10):  # dZ[l]/dZ[l+1] on row l: the factor as the gradient travels back
            assert shown[l].rstrip().endswith(factor), shown[l]
        assert factor not in shown[10] and factor not in shown[0]  # no dZ[11], no dZ[0]
        assert verdict(app) == f"verdict {word}: {factor} per layer in ‖dZ[l]‖, W[l] = {c}·I"


async def test_saturation_is_named_in_layer_1():
    app = GradsimApp(load_scenario("saturation-unnormalised"))
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, 5)  # forward 1, 2, the loss, backward 2, 1
        text = verdict(app)
        assert "100% of σ units in layer 1 saturated" in text and text.startswith("verdict dA shrinks ×")
        assert rows(app)[1].rstrip().endswith("100%")
        assert rows(app)[2].rstrip().endswith("(0%)")  # the output layer: bracketed, confident, not a fault


async def test_the_key_cycles_the_gradient_column():
    app = GradsimApp(load_scenario("exploding-linear"))
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, 21)
        seen = []
        for _ in range(4):
            await pilot.press("g")
            await pilot.pause()
            seen.append(panel(app).gradient)
            head = table(panel(app))[0]
            assert f"‖{seen[-1]}[l]‖ (g)" in head
        assert seen == ["dA", "dW", "db", "dZ"]
        await pilot.press("g")
        await pilot.pause()
        shown = rows(app)  # dA: l = 0..9 each ×1.50 (dA[l-1] = 1.5·dA[l]); dA[0] = 1.5^10·dA[10]
        assert all(shown[l].rstrip().endswith("×1.50") for l in range(0, 10))
        assert "‖dA[0]‖/‖dA[L]‖ = 57.7" in panel(app).render().plain


async def test_the_axes_stay_put_between_steps_and_say_when_they_widen():
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "i")
        await pilot.pause()
        scales = {k: s.range for k, s in panel(app).scales.items()}
        assert all(r is not None for r in scales.values())
        await step(pilot, 3)  # a new iteration: its first phases, with most norms not computed yet
        for _ in range(3):
            await pilot.press("p")
        await pilot.pause()
        assert {k: s.range for k, s in panel(app).scales.items()} == scales
        # a value outside the axis widens it, and the axis row says so
        await pilot.press("i")
        await pilot.pause()
        flow = panel(app)
        own = log_range(list(app.main.snap.norms("dZ").values()), 0.0)  # the decades of the values shown
        flow.scales["dZ"].range = (own[0] + 1, own[1])  # as if the smallest value had been above them
        flow.show(flow.info, app.main.snap)
        assert flow.scales["dZ"].range == own and flow.scales["dZ"].widened
        assert "rescaled" in table(flow)[1]
        flow.show(flow.info, app.main.snap)
        assert not flow.scales["dZ"].widened and "rescaled" not in table(flow)[1]


async def test_every_layer_reachable_at_80x24():
    app = GradsimApp(load_scenario("init-standard-tanh"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await pilot.pause()
        shown = rows(app)
        assert sorted(shown) == list(range(12))
        width = panel(app).content_region.width
        assert all(len(line) <= width for line in panel(app).render().plain.splitlines())
        box = app.main.query_one("#flow-box")
        assert box.virtual_size.height >= 12 + 4  # the box scrolls to the last layer


@pytest.mark.parametrize("width", [100, 160, 180, 220])
async def test_network_header_keeps_n_128_whole_and_the_marker(width):
    from gradsim.tui.widgets import NetworkPanel

    app = GradsimApp(load_scenario("init-standard-tanh"))  # ten 128-unit layers and n[L] = 1
    async with app.run_test(size=(width, 40)) as pilot:
        await pilot.pause()
        head, sizes = app.main.query_one(NetworkPanel).render().plain.splitlines()[:2]
        assert "▸l=1◂" in head
        shown = re.findall(r"n=\d+", sizes)
        assert shown and set(shown) <= {"n=128", "n=1"}, sizes
        assert shown.count("n=128") == len(re.findall(r"l=\d+|x", head)) - ("n=1" in shown)
