"""Bit-identity of the engine's numbers across a change: digests of every bundled scenario's run.

    python bench/check_identical.py --save before.json [--gradsim-root PATH]
    python bench/check_identical.py --compare before.json

For each scenario in scenarios/ it runs ``replay.run`` for the scenario's iterations (at most
``--iterations``, its stop conditions on) with a JSONL trace and digests (SHA-256) the trace bytes, the J
history (float64 bytes), the final parameters and optimiser state, the last iteration's named arrays and
its records (kind, layer, array names, J); then the same with the stop conditions off (``--ignore-stop``);
then it steps the first iterations one phase at a time with ``step()``, rewinds with ``goto`` and
``step_back`` and digests those states too. ``--compare`` prints every digest that differs and exits 1
if any does. Speed is not measured here.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, np.ndarray):
            h.update(str((p.dtype.str, p.shape)).encode())
            h.update(np.ascontiguousarray(p).tobytes())
        elif isinstance(p, (bytes, bytearray)):
            h.update(p)
        else:
            h.update(repr(p).encode())
    return h.hexdigest()[:16]


def _leaves(x):
    if isinstance(x, (tuple, list)):
        for y in x:
            yield from _leaves(y)
    elif isinstance(x, dict):
        for k in sorted(x):
            yield k
            yield from _leaves(x[k])
    else:
        yield x if isinstance(x, np.ndarray) else repr(x)


def _state(sim) -> dict[str, str]:
    arrays = sim.arrays
    opt = list(_leaves(sim.opt_state))
    recs = [(r.iteration, r.index, r.kind, r.layer, tuple(r._arrays), r.J) for r in sim.records]
    return {
        "position": repr((sim.iteration, sim.phase_index, sim.J, sim.halted, sim.blowup)),
        "J_history": _digest(np.asarray(sim.J_history), sim.J_history.iterations()),
        "params": _digest(*sim.params),
        "opt_state": _digest(*opt),
        "arrays": _digest(*[(k, arrays[k]) for k in sorted(arrays)], *[arrays[k] for k in sorted(arrays)]),
        "records": _digest(recs, *[a for r in sim.records for a in r._arrays.values()]),
    }


def scenario_digests(path: Path, cap: int) -> dict[str, dict[str, str]]:
    from gradsim import replay
    from gradsim.scenario.build import build_simulation
    from gradsim.scenario.loader import load_scenario

    out = {}
    sc = load_scenario(path)
    for mode, s in (("run", sc), ("ignore-stop", sc.without_stops())):
        if s is None:
            continue
        sim = build_simulation(s)
        with tempfile.TemporaryDirectory() as tmp:
            trace = Path(tmp) / "t.jsonl"
            res = replay.run(sim, min(s.run.iterations, cap), stop_below=s.run.stop_below,
                             stop_on_blowup=s.run.stop_on_blowup, trace=trace)
            d = _state(sim)
            d["result"] = repr(res)
            d["trace"] = _digest(trace.read_bytes())
        out[mode] = d
    sim = build_simulation(sc)
    steps = []
    for _ in range(3 * sim.P + 1):
        rec = sim.step()
        steps.append(None if rec is None else (rec.kind, rec.layer, rec.J, _digest(*rec.arrays.values())))
    d = _state(sim)
    d["steps"] = _digest(steps)
    sim.goto(2, sim.P // 2)
    d["goto"] = repr(_state(sim))
    sim.step_back()
    sim.step_back()
    d["step_back"] = repr(_state(sim))
    sim.run(5)
    d["after_rewind"] = repr(_state(sim))
    out["step"] = d
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--save", help="write the digests to this JSON file")
    ap.add_argument("--compare", help="compare against digests saved earlier; exit 1 on any difference")
    ap.add_argument("--iterations", type=int, default=2000, help="at most this many iterations per run")
    ap.add_argument("--gradsim-root", default=None, help="import gradsim from this tree")
    args = ap.parse_args(argv)
    root = Path(args.gradsim_root or Path(__file__).resolve().parents[1])
    sys.path.insert(0, str(root))
    paths = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))
    digests = {p.stem: scenario_digests(p, args.iterations) for p in paths}
    if args.save:
        Path(args.save).write_text(json.dumps(digests, indent=1, sort_keys=True))
        print(f"{len(digests)} scenarios digested into {args.save}")
    if args.compare:
        before = json.loads(Path(args.compare).read_text())
        bad = [f"{name} {mode} {key}: {v} != {digests.get(name, {}).get(mode, {}).get(key)}"
               for name, modes in before.items() for mode, d in modes.items() for key, v in d.items()
               if digests.get(name, {}).get(mode, {}).get(key) != v]
        for line in bad:
            print("DIFFERS", line)
        print(f"{len(before)} scenarios compared: {'identical' if not bad else f'{len(bad)} digests differ'}")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
