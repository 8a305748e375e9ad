"""One training iteration of gradsim's engine against its peers, side by side in one run.

    python bench/bench_iteration.py [--quick] [--gradsim-root PATH]

For each net (layers L × width w × batch m; tanh hidden layers, a linear output unit, l2 loss, batch
gradient descent, float64, one thread) it times one iteration (forward + loss + backward + update) of:

  gradsim        ``Simulation.run(N)``: every phase makes its read-only ``Record``; no statistics.
  gradsim+step   the same iterations stepped one phase at a time: ``Simulation.step()`` P = 2L + 2 times
                 (what the app and ``gradsim step`` do), each call entering the engine anew.
  gradsim+trace  the same, plus what ``gradsim run --trace`` computes each iteration: the trace row of
                 ``gradsim.trace.trace_row`` (J, ‖dW[l]‖, ‖db[l]‖, ‖A[l]‖, saturated and dead fractions of
                 every layer), from a ``run`` callback; the file write is not charged.
  gradsim+app    the same as gradsim, plus what the TUI computes for the iteration it shows: ``rec.stats``
                 of every record of that iteration and ``sim.layer_stats(l)`` of every layer, done from a
                 timer at ~10 Hz (charged here in the same thread, whenever ≥ 0.1 s has passed).
  gradsim+all    the worst case: all of those statistics for *every* iteration (never done by the app).
  plain          a hand-written NumPy loop of the same maths, no in-place writes, as a competent person
                 would write it (it also computes J each iteration, as the engine does).
  torch          PyTorch eager on CPU, float64, autograd, manual SGD update under ``no_grad``.
  sklearn        ``MLPRegressor(...).partial_fit`` (rows are examples; identity output; alpha = 0).

Every peer starts from gradsim's initial W, b; one iteration of each is checked against gradsim's before
timing. Each peer is warmed up into its steady state (for gradsim: past the filling of its rewind ring),
then timed in blocks of N iterations (N chosen so a block takes ~0.1 s, or ~0.03 s with --quick) on the
same, continuing run; blocks of all peers are interleaved, R rounds, and the best block per peer is
reported in µs/iteration (the median is printed too). Ratios are gradsim variants over each peer: < 1 is faster.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

CONFIGS = [(10, 2, 1), (10, 2, 64), (10, 64, 64), (50, 32, 32)]  # (layers L, width w, batch m)
N_OUT = 1  # one linear output unit (sklearn's MLPRegressor has an identity output)
LR = 0.01


def load_gradsim(root: str | None):
    if root:
        sys.path.insert(0, root)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import gradsim.engine as eng

    return eng


def make_data(L: int, w: int, m: int):
    rng = np.random.default_rng(1234)
    X = rng.standard_normal((w, m))
    Y = rng.standard_normal((N_OUT, m))
    return X, Y


def build_sim(eng, X, Y, L, w):
    layers = [eng.LayerSpec(w, "tanh")] * (L - 1) + [eng.LayerSpec(N_OUT, "linear")]
    return eng.Simulation(X, Y, layers, "l2", eng.InitSpec("xavier"), eng.OptimizerSpec("gd", LR), seed=0)


# ---- peers: each is (setup() -> state, run(state, n)) ------------------------------------------------


def gradsim_peer(eng, X, Y, L, w, variant: str):
    def setup():
        return build_sim(eng, X, Y, L, w)

    def full_stats(sim):
        for rec in sim.records:
            rec.stats
        for l in range(1, sim.L + 1):
            sim.layer_stats(l)

    if variant == "plain":
        def run(sim, n):
            sim.run(n)
    elif variant == "step":
        def run(sim, n):
            step = sim.step
            for _ in range(n * sim.P):
                step()
    elif variant == "trace":
        try:  # what `gradsim run --trace` computes after every iteration (the row, not the file write)
            from gradsim.trace import trace_row
        except ImportError:  # an engine tree without the trace module: per-layer norms by hand
            def trace_row(sim):
                arrays = sim.arrays
                row = {"J": sim.J}
                for l in range(1, sim.L + 1):
                    for k in ("dW", "db", "A"):
                        a = arrays[f"{k}[{l}]"]
                        row[f"norm({k}[{l}])"] = math.sqrt(float(np.vdot(a, a)))
                    row.update(sim.layer_stats(l))
                return row

        sink = []

        def cb(sim):
            sink.append(trace_row(sim))
            if len(sink) > 1000:
                sink.clear()

        def run(sim, n):
            sim.run(n, callback=cb)
    elif variant == "app":
        # The app's timer fires every 0.1 s of wall time; here the clock counts only this peer's own run
        # time, so interleaving with the other peers neither adds nor hides redraws.
        clock = time.perf_counter
        st = {"own": 0.0, "t0": 0.0, "next": 0.0}

        def cb(sim):
            if st["own"] + (clock() - st["t0"]) >= st["next"]:
                st["next"] += 0.1
                full_stats(sim)

        def run(sim, n):
            st["t0"] = clock()
            sim.run(n, callback=cb)
            st["own"] += clock() - st["t0"]
    elif variant == "all":
        def run(sim, n):
            sim.run(n, callback=full_stats)
    else:
        raise ValueError(variant)
    return setup, run


def initial_params(eng, X, Y, L, w):
    sim = build_sim(eng, X, Y, L, w)
    return [np.array(p) for p in sim.params]  # (W[1], b[1], ..., W[L], b[L]), writable copies


def plain_peer(params0, X, Y, L):
    m = X.shape[1]

    def setup():
        return [p.copy() for p in params0]

    def run(p, n):
        for _ in range(n):
            # forward, caching A[l]
            As = [X]
            A = X
            for l in range(0, 2 * L - 2, 2):
                A = np.tanh(p[l] @ A + p[l + 1])
                As.append(A)
            A = p[2 * L - 2] @ A + p[2 * L - 1]  # linear output
            D = A - Y
            J = 0.5 * float((D * D).sum()) / m  # noqa: F841  (logged, as the engine does)
            dZ = D / m
            # backward and update, layer L..1 (dA[l-1] uses the old W[l])
            for l in range(L, 0, -1):
                i = 2 * (l - 1)
                A_prev = As[l - 1]
                dW = dZ @ A_prev.T
                db = dZ.sum(axis=1, keepdims=True)
                if l > 1:
                    dZ = (p[i].T @ dZ) * (1.0 - A_prev * A_prev)
                p[i] = p[i] - LR * dW
                p[i + 1] = p[i + 1] - LR * db
        return p

    return setup, run


def torch_peer(torch, params0, X, Y, L):
    Xt = torch.from_numpy(np.ascontiguousarray(X.T))  # rows are examples
    Yt = torch.from_numpy(np.ascontiguousarray(Y.T))
    m = X.shape[1]

    def setup():
        layers = []
        for l in range(L):
            W, b = params0[2 * l], params0[2 * l + 1]
            lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(W))
                lin.bias.copy_(torch.from_numpy(b[:, 0]))
            layers.append(lin)
            if l < L - 1:
                layers.append(torch.nn.Tanh())
        return torch.nn.Sequential(*layers)

    def run(model, n):
        params = list(model.parameters())
        for _ in range(n):
            out = model(Xt)
            loss = 0.5 * ((out - Yt) ** 2).sum() / m
            loss.backward()
            with torch.no_grad():
                for q in params:
                    q -= LR * q.grad
                    q.grad = None
        return model

    return setup, run


def sklearn_peer(MLPRegressor, params0, X, Y, L, w):
    Xr = np.ascontiguousarray(X.T)
    yr = Y[0].copy()

    def setup():
        reg = MLPRegressor(
            hidden_layer_sizes=(w,) * (L - 1), activation="tanh", solver="sgd", batch_size=X.shape[1],
            learning_rate_init=LR, learning_rate="constant", momentum=0.0, nesterovs_momentum=False, alpha=0.0,
            shuffle=False, random_state=0, tol=0.0, n_iter_no_change=10**9, early_stopping=False,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg.partial_fit(Xr, yr)  # initialises the coefficients ...
        reg.coefs_ = [np.ascontiguousarray(params0[2 * l].T) for l in range(L)]  # ... then gradsim's
        reg.intercepts_ = [params0[2 * l + 1][:, 0].copy() for l in range(L)]
        reg._optimizer.params = reg.coefs_ + reg.intercepts_
        return reg

    def run(reg, n):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(n):
                reg.partial_fit(Xr, yr)
        return reg

    return setup, run


# ---- checks and timing ---------------------------------------------------------------------------------


def check_same(eng, peers, X, Y, L, w, torch):
    """One iteration of every peer must land on gradsim's parameters."""
    sim = build_sim(eng, X, Y, L, w)
    sim.run(1)
    ref = [np.asarray(p) for p in sim.params]
    bad = []
    for name, (setup, run) in peers.items():
        if name.startswith("gradsim"):
            continue
        st = setup()
        st = run(st, 1)
        if name == "plain":
            got = st
        elif name == "torch":
            lins = [mod for mod in st if isinstance(mod, torch.nn.Linear)]
            got = []
            for lin in lins:
                got += [lin.weight.detach().numpy(), lin.bias.detach().numpy()[:, None]]
        else:
            got = []
            for c, b in zip(st.coefs_, st.intercepts_):
                got += [c.T, b[:, None]]
        err = max(float(np.max(np.abs(a - b))) for a, b in zip(ref, got))
        if not err < 1e-10:
            bad.append(f"{name} differs from gradsim by {err:.3g} after one iteration")
    return bad


def time_block(run, state, n):
    t0 = time.perf_counter()
    run(state, n)
    return (time.perf_counter() - t0) / n


def calibrate(run, state, target):
    n = 1
    while True:
        dt = time_block(run, state, n) * n
        if dt >= target / 10 or n >= 1 << 20:
            return max(1, int(n * target / max(dt, 1e-9)))
        n *= 4


def machine_info(torch, sklearn):
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    parts = [
        f"CPU {cpu}, nproc {os.cpu_count()}",
        f"Python {platform.python_version()}, NumPy {np.__version__}",
        f"torch {torch.__version__ if torch else 'not installed'}",
        f"scikit-learn {sklearn.__version__ if sklearn else 'not installed'}",
    ]
    try:
        parts.append("load average %.2f %.2f %.2f (other processes skew the medians more than the best blocks)" % os.getloadavg())
    except OSError:
        pass
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        parts.append(f"BLAS {blas.get('name')} {blas.get('version', '')}".strip())
    except Exception:
        pass
    return "; ".join(parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="shorter blocks and fewer rounds")
    ap.add_argument("--rounds", type=int, default=None, help="rounds of interleaved blocks (default 7, quick 3)")
    ap.add_argument("--peers", default=None, help="comma-separated columns to time (default: all)")
    ap.add_argument("--gradsim-root", default=None, help="import gradsim from this tree (to compare a prototype)")
    args = ap.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 7)
    target = 0.03 if args.quick else 0.1

    eng = load_gradsim(args.gradsim_root)
    try:
        import torch

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
    except ImportError:
        torch = None
    try:
        import sklearn
        from sklearn.neural_network import MLPRegressor
    except ImportError:
        sklearn = MLPRegressor = None

    print(f"# gradsim iteration benchmark ({'quick' if args.quick else 'full'}; gradsim from {Path(eng.__file__).parents[1]})")
    print(machine_info(torch, sklearn))
    if torch is None:
        print("note: torch is not installed; its column is skipped (pip install torch)")
    if sklearn is None:
        print("note: scikit-learn is not installed; its column is skipped (pip install -e '.[bench]')")
    print()

    ap_peers = args.peers.split(",") if args.peers else None
    names = ["gradsim", "gradsim+step", "gradsim+trace", "gradsim+app", "gradsim+all", "plain", "torch", "sklearn"]
    rows = []
    for L, w, m in CONFIGS:
        X, Y = make_data(L, w, m)
        p0 = initial_params(eng, X, Y, L, w)
        peers = {
            "gradsim": gradsim_peer(eng, X, Y, L, w, "plain"),
            "gradsim+step": gradsim_peer(eng, X, Y, L, w, "step"),
            "gradsim+trace": gradsim_peer(eng, X, Y, L, w, "trace"),
            "gradsim+app": gradsim_peer(eng, X, Y, L, w, "app"),
            "gradsim+all": gradsim_peer(eng, X, Y, L, w, "all"),
            "plain": plain_peer(p0, X, Y, L),
        }
        if torch is not None:
            peers["torch"] = torch_peer(torch, p0, X, Y, L)
        if MLPRegressor is not None:
            peers["sklearn"] = sklearn_peer(MLPRegressor, p0, X, Y, L, w)
        if ap_peers:
            peers = {k: v for k, v in peers.items() if k in ap_peers}
        for msg in check_same(eng, peers, X, Y, L, w, torch):
            print(f"WARNING {L}×{w}×m={m}: {msg}")
        states = {k: setup() for k, (setup, _) in peers.items()}
        ns = {}
        for k, (_, run) in peers.items():
            # Warm-up into the steady state: gradsim's rewind ring (history_size iteration-start states)
            # fills during its first iterations, and while it grows every new W, b is fresh memory.
            warm = states[k].history_size + 20 if k.startswith("gradsim") else 20
            run(states[k], warm)
            ns[k] = calibrate(run, states[k], target)
        times: dict[str, list[float]] = {k: [] for k in peers}
        for _ in range(rounds):
            for k, (_, run) in peers.items():
                times[k].append(time_block(run, states[k], ns[k]))
        best = {k: min(v) * 1e6 for k, v in times.items()}
        med = {k: statistics.median(v) * 1e6 for k, v in times.items()}
        rows.append(((L, w, m), best, med, ns))
        print(f"done {L}×{w}×m={m}: " + ", ".join(f"{k} {best[k]:.1f}" for k in peers) + " µs/it", file=sys.stderr)

    def cell(d, k):
        return f"{d[k]:.1f}" if k in d else "–"

    def ratio(d, a, b):
        return f"{d[a] / d[b]:.2f}" if a in d and b in d else "–"

    print("## µs per iteration (best block; median in parentheses)\n")
    print("| net L×w×m | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for (L, w, m), best, med, _ in rows:
        cells = [f"{cell(best, k)} ({cell(med, k)})" if k in best else "–" for k in names]
        print(f"| {L}×{w}×{m} | " + " | ".join(cells) + " |")
    print("\n## Ratios (best blocks; < 1 means gradsim is faster; the goals are ≤ 1.5 vs plain, < 1 vs torch and sklearn)\n")
    print("| net L×w×m | variant | / plain | / torch | / sklearn |")
    print("|---|---|---|---|---|")
    for (L, w, m), best, _, _ in rows:
        for v in ("gradsim", "gradsim+step", "gradsim+trace", "gradsim+app", "gradsim+all"):
            print(f"| {L}×{w}×{m} | {v} | {ratio(best, v, 'plain')} | {ratio(best, v, 'torch')} | {ratio(best, v, 'sklearn')} |")
    print("\n## The trace row against the iteration ((gradsim+trace − gradsim) / gradsim; the goal is ≤ 0.5)\n")
    print("| net L×w×m | row / iteration |")
    print("|---|---|")
    for (L, w, m), best, _, _ in rows:
        if "gradsim+trace" in best and "gradsim" in best:
            print(f"| {L}×{w}×{m} | {(best['gradsim+trace'] - best['gradsim']) / best['gradsim']:.2f} |")
    print("\nN per block: " + "; ".join(f"{L}×{w}×{m}: " + ", ".join(f"{k} {n}" for k, n in ns.items()) for (L, w, m), _, _, ns in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
