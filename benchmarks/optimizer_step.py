"""How long one optimizer step takes: lib.optim against torch.optim and Keras, and against the
memory-bandwidth limit.

    python benchmarks/optimizer_step.py                      # 1e4, 1e6 and 1e7 parameters
    python benchmarks/optimizer_step.py --quick              # 1e4 and 1e5: seconds, for the book
    python benchmarks/optimizer_step.py --sizes 1e6 --repeat 9 --json out.json

An update is memory-bound: it does a few flops per parameter but must read θ, g and the state
and write θ and the state back. Adam reads θ, g, m, v and writes θ, m, v: 7 float32 arrays, 28
bytes per parameter; GD moves 3 arrays (12 bytes), Momentum and RMSProp 5 (20 bytes). The
fastest a step can be is those bytes divided by the machine's copy bandwidth (bytes read and
written per second by ``np.copyto`` of an array larger than the caches, on one thread or split
among all CPUs, whichever is faster), measured in the same run.

Every implementation updates the same float32 parameters with the same hyperparameters, in the
article's formulas (PyTorch's Momentum as ``SGD(lr=η(1-β), momentum=β)``, see lib/frameworks.py;
PyTorch's RMSprop puts ε outside the root, Keras's Adam uses ε̂: the same work). Times are
medians of ``--repeat`` timeit repeats, each averaging enough steps to last ~0.1 s; the
implementations take turns repeat by repeat, so that changes in the machine's load hit them alike.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import timeit
from concurrent.futures import ThreadPoolExecutor

# before TensorFlow/Keras is imported, or they write to stderr
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402

OPTIMIZERS = ("GD", "Momentum", "RMSProp", "Adam")
#: float32 arrays an update must read and write, per parameter: (read, written)
ARRAYS_MOVED = {"GD": (2, 1), "Momentum": (3, 2), "RMSProp": (3, 2), "Adam": (4, 3)}
#: the implementations compared, in table order
IMPLEMENTATIONS = ("lib", "torch single", "torch foreach", "torch fused", "keras")
BASELINE = "torch foreach"
HYPER = {"lr": 1e-3, "beta": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
FULL_SIZES = (10**4, 10**6, 10**7)
QUICK_SIZES = (10**4, 10**5)


def bytes_per_param(name: str) -> int:
    """Bytes one step of ``name`` must move per float32 parameter (read + written)."""
    read, written = ARRAYS_MOVED[name]
    return 4 * (read + written)


def _data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)


# -- one step of each implementation, as a function of no arguments ------------------------------

def lib_step(name: str, n: int):
    from lib import optim
    theta, g = _data(n)
    opt = {"GD": lambda: optim.GD(HYPER["lr"]),
           "Momentum": lambda: optim.Momentum(HYPER["lr"], beta=HYPER["beta"]),
           "RMSProp": lambda: optim.RMSProp(HYPER["lr"], beta=HYPER["beta"], eps=HYPER["eps"]),
           "Adam": lambda: optim.Adam(HYPER["lr"], HYPER["beta1"], HYPER["beta2"], HYPER["eps"]),
           }[name]()
    params, grads = [theta], [g]
    return lambda: opt.step(params, grads)


def torch_step(name: str, n: int, variant: str):
    """``variant``: "single" (foreach=False), "foreach" (foreach=True) or "fused" (fused=True).
    None when this torch has no such variant for the optimizer (RMSprop is not fused)."""
    import torch
    theta, g = _data(n)
    param = torch.nn.Parameter(torch.from_numpy(theta))
    param.grad = torch.from_numpy(g)
    flag = {"single": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}[variant]
    lr, beta = HYPER["lr"], HYPER["beta"]
    make = {"GD": lambda: torch.optim.SGD([param], lr=lr, **flag),
            "Momentum": lambda: torch.optim.SGD([param], lr=lr * (1 - beta), momentum=beta, **flag),
            "RMSProp": lambda: torch.optim.RMSprop([param], lr=lr, alpha=beta, eps=HYPER["eps"], **flag),
            "Adam": lambda: torch.optim.Adam([param], lr=lr, betas=(HYPER["beta1"], HYPER["beta2"]),
                                             eps=HYPER["eps"], **flag)}[name]
    try:
        opt = make()
        opt.step()
    except (TypeError, RuntimeError):  # this optimizer has no such implementation on this device
        return None
    return opt.step


def keras_step(name: str, n: int):
    import keras
    theta, g = _data(n)
    var = keras.Variable(theta)
    grad = keras.ops.convert_to_tensor(g)
    lr, beta = HYPER["lr"], HYPER["beta"]
    opt = {"GD": lambda: keras.optimizers.SGD(learning_rate=lr),
           "Momentum": lambda: keras.optimizers.SGD(learning_rate=lr * (1 - beta), momentum=beta),
           "RMSProp": lambda: keras.optimizers.RMSprop(learning_rate=lr, rho=beta, epsilon=HYPER["eps"]),
           "Adam": lambda: keras.optimizers.Adam(learning_rate=lr, beta_1=HYPER["beta1"],
                                                 beta_2=HYPER["beta2"], epsilon=HYPER["eps"]),
           }[name]()
    opt.apply([grad], [var])
    return lambda: opt.apply([grad], [var])


def make_step(implementation: str, name: str, n: int):
    if implementation == "lib":
        return lib_step(name, n)
    if implementation.startswith("torch "):
        return torch_step(name, n, implementation.split()[1])
    if implementation == "keras":
        return keras_step(name, n)
    raise ValueError(f"unknown implementation {implementation!r}")


# -- timing ---------------------------------------------------------------------------------------

def median_seconds(steps: dict, repeat: int, min_time: float = 0.1) -> dict:
    """Median over ``repeat`` timeit repeats of the time per call of each function of ``steps``.

    The repeats take turns (one repeat of each function, then the next round), so that a change
    in the machine's load during the measurement affects every function alike.
    """
    timers = {key: timeit.Timer(step) for key, step in steps.items()}
    number = {}
    for key, timer in timers.items():
        once = timer.timeit(number=1)  # also a warm-up
        number[key] = max(1, math.ceil(min_time / max(once, 1e-7)))  # calls per repeat, ~min_time s
    times = {key: [] for key in steps}
    for _ in range(repeat):
        for key, timer in timers.items():
            times[key].append(timer.timeit(number=number[key]) / number[key])
    return {key: statistics.median(t) for key, t in times.items()}


def copy_bandwidth(n: int = 2**25, repeat: int = 5, threads: int = 1) -> float:
    """Bytes read plus bytes written per second by ``np.copyto`` of ``n`` float32 (128 MiB by
    default: far larger than the caches, so this is main memory), split among ``threads``
    threads (NumPy releases the GIL while it copies)."""
    src = np.ones(n, dtype=np.float32)
    dst = np.empty_like(src)
    parts = list(zip(np.array_split(src, threads), np.array_split(dst, threads)))
    if threads == 1:
        def copy():
            np.copyto(dst, src)
    else:
        pool = ThreadPoolExecutor(threads)

        def copy():
            list(pool.map(lambda part: np.copyto(part[1], part[0]), parts))
    seconds = median_seconds({"copy": copy}, repeat)["copy"]
    if threads > 1:
        pool.shutdown()
    return 2 * src.nbytes / seconds


def run(sizes=FULL_SIZES, repeat: int = 5, implementations=IMPLEMENTATIONS, optimizers=OPTIMIZERS,
        min_time: float = 0.1, bandwidth_elements: int = 2**25) -> dict:
    """Measure everything; returns a JSON-able dict: the bandwidth, the machine and one row per
    (size, optimizer) with the median seconds per step of each implementation (None: n/a).

    The bandwidth is the faster of a copy on one thread and a copy split among all CPUs (the
    frameworks and lib.optim use several threads on large arrays)."""
    single = copy_bandwidth(bandwidth_elements, repeat, threads=1)
    parallel = copy_bandwidth(bandwidth_elements, repeat, threads=os.cpu_count() or 1)
    bandwidth = max(single, parallel)
    rows = []
    for n in sizes:
        n = int(n)
        for name in optimizers:
            steps = {implementation: make_step(implementation, name, n) for implementation in implementations}
            measured = median_seconds({k: step for k, step in steps.items() if step is not None},
                                      repeat, min_time)
            seconds = {implementation: measured.get(implementation) for implementation in implementations}
            del steps
            rows.append({"size": n, "optimizer": name, "seconds": seconds,
                         "bytes": bytes_per_param(name) * n,
                         "limit_seconds": bytes_per_param(name) * n / bandwidth})
    return {"copy_bandwidth_bytes_per_s": bandwidth, "copy_bandwidth_one_thread": single,
            "copy_bandwidth_all_cpus": parallel, "repeat": repeat, "machine": machine(), "rows": rows}


def machine() -> dict:
    import torch
    from lib.optim import Optimizer
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "lib_threads": Optimizer.threads}


def ratio(row: dict, implementation: str, baseline: str = BASELINE):
    """time(implementation) / time(baseline): below 1 is faster than the baseline."""
    a, b = row["seconds"].get(implementation), row["seconds"].get(baseline)
    return None if a is None or b is None else a / b


def format_table(results: dict) -> str:
    """The results as a Markdown table: median ms per step, lib's ratio to torch foreach, and the
    GB/s lib achieves against the copy-bandwidth limit."""
    implementations = list(results["rows"][0]["seconds"]) if results["rows"] else []
    bw = results["copy_bandwidth_bytes_per_s"]
    head = (["params", "optimizer"] + [f"{i} ms" for i in implementations]
            + [f"lib / {BASELINE}", "lib GB/s", "limit ms", "lib / limit"])
    align = ["---", "---"] + ["---:"] * (len(head) - 2)  # text left, numbers right
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    for row in results["rows"]:
        lib_s = row["seconds"].get("lib")
        cells = [f"{row['size']:.0e}".replace("e+0", "e"), row["optimizer"]]
        cells += ["n/a" if row["seconds"][i] is None else f"{row['seconds'][i] * 1e3:.3g}" for i in implementations]
        r = ratio(row, "lib")
        cells.append("n/a" if r is None else f"{r:.2f}")
        cells.append("n/a" if lib_s is None else f"{row['bytes'] / lib_s / 1e9:.1f}")
        cells.append(f"{row['limit_seconds'] * 1e3:.3g}")
        cells.append("n/a" if lib_s is None else f"{lib_s / row['limit_seconds']:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"copy bandwidth {bw / 1e9:.1f} GB/s (read + written; one thread "
                 f"{results['copy_bandwidth_one_thread'] / 1e9:.1f}, all CPUs "
                 f"{results['copy_bandwidth_all_cpus'] / 1e9:.1f}); limit = bytes a step must move "
                 f"/ copy bandwidth; {results['repeat']} repeats, medians")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", help="parameter counts (default 1e4 1e6 1e7)")
    parser.add_argument("--repeat", type=int, default=5, help="timeit repeats per measurement (median)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--implementations", nargs="+", choices=IMPLEMENTATIONS, default=IMPLEMENTATIONS,
                        metavar="IMPL", help="which to time: " + ", ".join(map(repr, IMPLEMENTATIONS)))
    parser.add_argument("--optimizers", nargs="+", choices=OPTIMIZERS, default=OPTIMIZERS)
    parser.add_argument("--torch-threads", type=int, help="torch.set_num_threads (default: torch's own)")
    parser.add_argument("--quick", action="store_true", help="small sizes (1e4, 1e5), short timings")
    args = parser.parse_args(argv)
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    if args.torch_threads:
        import torch
        torch.set_num_threads(args.torch_threads)
    results = run([int(s) for s in sizes], repeat=args.repeat, implementations=args.implementations,
                  optimizers=args.optimizers, min_time=0.02 if args.quick else 0.1,
                  bandwidth_elements=2**24 if args.quick else 2**25)
    print(format_table(results))
    m = results["machine"]
    print(f"{m['processor']}, {m['cpus']} CPUs, load average {m['load_average']}, "
          f"numpy {m['numpy']}, lib.optim {m['lib_threads']} threads, torch {m['torch']} "
          f"({m['torch_threads']} threads)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
