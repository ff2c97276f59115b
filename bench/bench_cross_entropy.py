"""Cross-entropy forward + backward, batch 128, 50,000 classes, float32: tinytorch vs numpy.

Both sides compute the mean loss and its gradient with respect to the logits. The baseline is a
careful hand-written numpy version (one (B, C) array, updated in place), run in the same process;
PyTorch is timed too when it is installed, for information. Goals (course design): tinytorch
takes at most 1.2x the numpy time, and its peak traced memory (tracemalloc, the logits excluded)
is at most 3 x B x C x 4 bytes. Exits with status 1 when a goal is missed.

    python bench/bench_cross_entropy.py [--repeats 21]
"""

import argparse
import statistics
import sys
import time
import tracemalloc

import numpy as np

from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.tensor import Tensor

BATCH, CLASSES = 128, 50_000
TIME_GOAL, MEMORY_GOAL = 1.2, 3.0


def numpy_cross_entropy(logits, target):
    """Mean cross-entropy and d(loss)/d(logits) by hand: (softmax - onehot) / B, in one array."""
    rows = np.arange(len(target))
    shifted = logits - logits.max(axis=1, keepdims=True)
    target_logit = shifted[rows, target]
    np.exp(shifted, out=shifted)
    sum_exp = shifted.sum(axis=1)
    loss = np.mean(np.log(sum_exp) - target_logit)
    grad = shifted
    grad *= (1 / (len(target) * sum_exp))[:, None]
    grad[rows, target] -= 1 / len(target)
    return loss, grad


def tinytorch_cross_entropy(logits, target):
    x = Tensor(logits, requires_grad=True)
    loss = CrossEntropyLoss()(x, Tensor(target))
    loss.backward()
    return loss.item(), x.grad.data


def torch_cross_entropy(torch, logits, target):
    x = torch.from_numpy(logits).requires_grad_()
    loss = torch.nn.functional.cross_entropy(x, target)
    loss.backward()
    return loss.item(), x.grad


def peak_memory(run):
    """Peak bytes allocated while ``run()`` executes (numpy reports its arrays to tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    logits = (3 * rng.standard_normal((BATCH, CLASSES))).astype(np.float32)
    target = rng.integers(0, CLASSES, BATCH)

    candidates = {
        "numpy (by hand)": lambda: numpy_cross_entropy(logits, target),
        "tinytorch": lambda: tinytorch_cross_entropy(logits, target),
    }
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch_target = torch.from_numpy(target)
        candidates[f"pytorch {torch.__version__}"] = lambda: torch_cross_entropy(
            torch, logits, torch_target
        )

    loss_np, grad_np = candidates["numpy (by hand)"]()
    loss_tt, grad_tt = candidates["tinytorch"]()
    np.testing.assert_allclose(loss_tt, loss_np, rtol=1e-5)
    np.testing.assert_allclose(grad_tt, grad_np, rtol=1e-4, atol=1e-10)

    for run in candidates.values():  # warm-up: first touches of memory, lazy imports
        run()
    times = {name: [] for name in candidates}
    cpu_times = {name: [] for name in candidates}
    for _ in range(args.repeats):  # interleaved, so that machine noise hits every candidate
        for name, run in candidates.items():
            start, cpu_start = time.perf_counter(), time.process_time()
            run()
            times[name].append(time.perf_counter() - start)
            cpu_times[name].append(time.process_time() - cpu_start)
    median = {name: statistics.median(t) for name, t in times.items()}
    cpu_median = {name: statistics.median(t) for name, t in cpu_times.items()}
    bc4 = BATCH * CLASSES * 4
    memory = {name: peak_memory(candidates[name]) / bc4
              for name in ("numpy (by hand)", "tinytorch")}

    print(f"cross-entropy forward+backward, batch {BATCH}, {CLASSES:,} classes, float32 "
          f"(median of {args.repeats}; memory = tracemalloc peak / (B x C x 4 bytes))")
    for name, seconds in median.items():
        line = f"  {name:<22} {1000 * seconds:7.1f} ms"
        if name in memory:
            line += f"   peak memory {memory[name]:.2f} x BC4"
        print(line)
    ratio = median["tinytorch"] / median["numpy (by hand)"]
    cpu_ratio = cpu_median["tinytorch"] / cpu_median["numpy (by hand)"]
    print(f"  tinytorch / numpy time   {ratio:.2f}   (goal <= {TIME_GOAL}; "
          f"CPU time ratio {cpu_ratio:.2f}, less sensitive to other load on the machine)")
    print(f"  tinytorch peak memory    {memory['tinytorch']:.2f} x BC4   (goal <= {MEMORY_GOAL})")
    if ratio > TIME_GOAL or memory["tinytorch"] > MEMORY_GOAL:
        print("FAILED: a goal was missed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
