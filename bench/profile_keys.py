"""Where a key's time goes in the app: the UI thread's CPU per press of ``space`` (Pilot, 160×48), split into
the compositor's refreshes, each widget's ``render_lines`` and gradsim's own ``paint``.

    python bench/profile_keys.py SCENARIO [KEYS]
    PYTHONPATH=/tmp/before python bench/profile_keys.py SCENARIO [KEYS]   # another tree, the same way

CPU time (``time.thread_time``), not wall time, so other processes on the machine inflate it little; run
two trees interleaved a few times and compare the ranges (docs/benchmarks.md).
"""
import asyncio, collections, sys, time
from gradsim.scenario import load_scenario
from gradsim.tui.app import GradsimApp
from textual.widget import Widget

name = sys.argv[1] if len(sys.argv) > 1 else "three-layer-cache"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 40
tot = collections.Counter(); cnt = collections.Counter(); ON=[False]
orig = Widget.render_lines
def rl(self, crop):
    t = time.thread_time()
    r = orig(self, crop)
    if ON[0]:
        k = f"{type(self).__name__}#{self.id}"
        tot[k] += time.thread_time() - t; cnt[k] += 1
    return r
Widget.render_lines = rl
async def main():
    app = GradsimApp(load_scenario(name))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.3)
        scr = app.main
        comp = [0.0, 0]; paint=[0.0]
        o2 = scr._compositor_refresh
        def cr():
            t = time.thread_time(); o2(); comp[0] += time.thread_time() - t; comp[1] += 1
        scr._compositor_refresh = cr
        op = scr.paint
        def p(*a, **k):
            t = time.thread_time(); op(*a, **k); paint[0] += time.thread_time() - t
        scr.paint = p
        ON[0] = True
        t0 = time.thread_time()
        for _ in range(N):
            await pilot.press("space")
            await pilot.pause(0.05)
        total = time.thread_time() - t0
        ON[0] = False
    print(f"{name}: per key CPU {total/N*1e3:.1f} ms; compositor refresh {comp[0]/N*1e3:.1f} ms ({comp[1]} passes); paint {paint[0]/N*1e3:.1f} ms; render_lines sum {sum(tot.values())/N*1e3:.1f} ms")
    for k, v in tot.most_common(14): print(f"  {k:40} {v/N*1e3:6.2f} ms/key  {cnt[k]/N:.1f} calls/key")
asyncio.run(main())
