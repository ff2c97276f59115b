"""Learner checks for module 06, Optimizers.

The learner writes optimizer classes with PyTorch's interface: the constructor takes the list of
parameters and the hyper-parameters as keywords, ``step()`` updates every parameter that has a
gradient, in place (``p.data``), and skips those whose ``.grad`` is ``None``. Subclassing the
reference ``tinytorch.core.optimizers.Optimizer`` gives ``zero_grad()`` and the parameter checks.
Each check takes the class itself (not an instance), creates it on float64 parameters, sets
``p.grad`` by hand, calls ``step()`` a few times and compares the parameters.

The exercises in the notebook's order::

    the learner writes                                       the check cell runs
    SGD(params, lr).step()                                   check_sgd_step(SGD)
    SGD(params, lr, momentum).step()   (same class)          check_sgd_momentum(SGD)
    Adam(params, lr, betas, eps).step()                      check_adam_step(Adam)
    AdamW(params, lr, betas, eps, weight_decay).step()       check_adamw_step(AdamW)

The update rules are PyTorch's (torch.optim.SGD, Adam and AdamW, as their documentation writes
the algorithms): the momentum buffer starts as a copy of the first gradient, then
``buf = momentum * buf + g`` and ``p -= lr * buf``, with the learning rate read at every step (a
scheduler changes ``optimizer.lr`` between steps); Adam's bias correction uses each parameter's
own step count and adds ``eps`` after the square root; AdamW shrinks the parameter by
``1 - lr * weight_decay`` before the Adam step. A parameter whose ``.grad`` is ``None`` is
skipped entirely: it does not move and its state is left as it was. ``step()`` changes the
parameters only: ``p.grad`` stays as it was, which the checks see by keeping one gradient for
several steps. Every expected value below comes from a plain float64 numpy loop written here,
never from ``tinytorch.core.optimizers``.
"""

import numpy as np

from tinytorch.checks._helpers import floats, require_class
from tinytorch.checks._report import Case, run_cases
from tinytorch.core.tensor import Tensor
from tinytorch.workspace import saves

__all__ = ["check_sgd_step", "check_sgd_momentum", "check_adam_step", "check_adamw_step"]


def _text(value):
    """Numbers to 6 significant digits, as a nested list: [1.0, 1e-09]."""
    array = np.asarray(value, dtype=np.float64)
    return str(np.vectorize(lambda x: float(f"{x:.6g}"), otypes=[float])(array).tolist())


def _describe(starts, grads, options, lrs=None):
    """One line: the starting parameters, the gradients of each step and the options."""
    steps = "; ".join(
        f"step {i + 1}: " + ", ".join("None" if g is None else _text(g) for g in step)
        for i, step in enumerate(grads)
    )
    args = ", ".join(f"{k}={v!r}" for k, v in options.items())
    describe = f"params {', '.join(_text(p) for p in starts)} ({args}); grads {steps}"
    if lrs is not None:
        describe += (f"; optimizer.lr set to {', '.join(map(str, lrs))} before steps "
                     f"1 to {len(lrs)}, as a learning-rate scheduler does")
    return describe


def _run_optimizer(candidate, starts, grads, options, lrs=None):
    """Build the learner's optimizer, feed it the gradients step by step (and set ``lr`` before
    each step, if ``lrs`` are given), return the parameters."""
    params = [Tensor(np.array(s, dtype=np.float64), requires_grad=True) for s in starts]
    optimizer = candidate(params, **options)
    for k, step in enumerate(grads):
        for p, g in zip(params, step):
            p.grad = None if g is None else Tensor(np.array(g, dtype=np.float64))
        if lrs is not None:
            optimizer.lr = lrs[k]
        optimizer.step()
    return np.concatenate([p.data.ravel() for p in params])


def _simulated(simulate, starts, grads, options, lrs=None):
    """The right parameters after the steps, flat: ``simulate`` takes the lr of every step."""
    lrs = [options["lr"]] * len(grads) if lrs is None else lrs
    hyper = {k: v for k, v in options.items() if k != "lr"}
    return np.concatenate([np.ravel(p) for p in simulate(starts, grads, lrs, **hyper)])


def _case(candidate, name, starts, grads, options, simulate, hint, lrs=None):
    """A case whose expected value comes from ``simulate`` (a float64 numpy update rule)."""
    return Case(name, lambda: _run_optimizer(candidate, starts, grads, options, lrs),
                _simulated(simulate, starts, grads, options, lrs),
                _describe(starts, grads, options, lrs), hint)


def _kept_gradient_case(candidate, name, start, grad, steps, options, simulate, hint):
    """A case that sets ``p.grad`` once and calls ``step()`` several times, then compares the
    parameter and the gradient: ``step()`` must read the gradient, never change it."""

    def run():
        p = Tensor(np.array(start, dtype=np.float64), requires_grad=True)
        p.grad = Tensor(np.array(grad, dtype=np.float64))
        optimizer = candidate([p], **options)
        for _ in range(steps):
            optimizer.step()
        return np.concatenate([p.data.ravel(), p.grad.data.ravel()])

    expected = np.concatenate([_simulated(simulate, [start], [[grad]] * steps, options),
                               np.ravel(grad)])
    args = ", ".join(f"{k}={v!r}" for k, v in options.items())
    describe = (f"param {_text(start)} ({args}); p.grad = {_text(grad)} set once, then step() "
                f"{steps} times; compared: the parameter, then p.grad")
    return Case(name, run, expected, describe, hint)


# ===== SGD =======================================================================================


def _sgd(starts, grads, lrs, momentum=0.0):
    params = [floats(s) for s in starts]
    buffers = [None] * len(params)
    for lr, step in zip(lrs, grads):
        for i, g in enumerate(step):
            if g is None:
                continue
            g = floats(g)
            if momentum:
                buffers[i] = g if buffers[i] is None else momentum * buffers[i] + g
                g = buffers[i]
            params[i] = params[i] - lr * g
    return params


def check_sgd_step(candidate):
    """Check an ``SGD`` class without momentum: ``p = p - lr * p.grad`` for every parameter."""
    check = "check_sgd_step"
    require_class(check, candidate, "SGD")
    rule = "for every parameter p with a gradient: p.data -= lr * p.grad.data"
    w, b = [[1.0, -2.0], [0.5, 3.0]], [0.25, -0.75]
    cases = [
        _case(candidate, "one step", [[1.0, -2.0, 3.0]], [[[0.5, -1.0, 2.0]]], dict(lr=0.1),
              _sgd, "step against the gradient, scaled by the learning rate: " + rule),
        _case(candidate, "two parameters", [w, b], [[[[2.0, 0.0], [-1.0, 4.0]], [1.0, -2.0]]],
              dict(lr=0.5), _sgd, "update every parameter in the list, not only the first: " + rule),
        _case(candidate, "three steps, new gradients each time", [[0.0, 1.0]],
              [[[1.0, 1.0]], [[-2.0, 0.5]], [[4.0, -3.0]]], dict(lr=0.25), _sgd,
              "read p.grad again in every step(): the gradient changes from step to step"),
        _case(candidate, "a parameter without a gradient", [[1.0, 2.0], [5.0]],
              [[[1.0, 1.0], None]], dict(lr=0.1), _sgd,
              "skip parameters whose .grad is None (they took no part in the loss), as PyTorch does"),
        _case(candidate, "a large learning rate", [[1.0]], [[[2.0]], [[-1.0]]], dict(lr=10.0),
              _sgd, "use the lr given to the constructor: " + rule),
        _kept_gradient_case(candidate, "p.grad is left as it was", [1.0, -2.0], [0.5, 4.0], 2,
                            dict(lr=0.1), _sgd,
                            "step() changes p.data only: g *= lr (or p.grad.data *= lr) scales "
                            "the gradient itself, and the next step reads the scaled one. "
                            "Compute a new array: p.data -= lr * p.grad.data"),
    ]
    run_cases(check, cases)


@saves("optimizers.SGD")
def check_sgd_momentum(candidate):
    """Check an ``SGD`` class with ``momentum``: a velocity buffer per parameter, as PyTorch."""
    check = "check_sgd_momentum"
    require_class(check, candidate, "SGD")
    rule = ("per parameter: buf = grad on the first step, then buf = momentum * buf + grad; "
            "p.data -= lr * buf")
    changing = [[[1.0, -1.0]], [[0.5, 2.0]], [[-1.0, 0.0]], [[2.0, 1.0]]]
    cases = [
        _case(candidate, "the first step is a plain SGD step", [[1.0, -2.0]], [[[0.5, 4.0]]],
              dict(lr=0.1, momentum=0.9), _sgd,
              "the buffer starts as the first gradient, so step 1 moves by lr * grad: " + rule),
        _case(candidate, "four steps with momentum 0.9", [[0.0, 0.0]], changing,
              dict(lr=0.1, momentum=0.9), _sgd,
              "keep the buffer between steps and add the new gradient at full weight (no "
              "1 - momentum factor): " + rule),
        _case(candidate, "momentum 0.5", [[1.0, 1.0]], changing, dict(lr=0.2, momentum=0.5), _sgd,
              "use the momentum given to the constructor: " + rule),
        _case(candidate, "two parameters, two buffers", [[1.0, 2.0], [3.0]],
              [[[1.0, 0.0], [2.0]], [[0.0, 1.0], [-1.0]], [[1.0, 1.0], [1.0]]],
              dict(lr=0.1, momentum=0.9), _sgd,
              "each parameter needs its own buffer (e.g. a dict or list indexed like the "
              "parameters), with its own shape"),
        _case(candidate, "momentum=0 is plain SGD", [[1.0, -1.0]], changing,
              dict(lr=0.1, momentum=0.0), _sgd, "with momentum 0 the buffer is just the gradient"),
        _kept_gradient_case(candidate, "one gradient kept for three steps", [1.0, -2.0],
                            [0.5, 4.0], 3, dict(lr=0.1, momentum=0.9), _sgd,
                            "start the buffer as a copy, p.grad.data.copy(): without the copy "
                            "the buffer is p.grad's own array, so updating it in place "
                            "(buf *= momentum; buf += g) changes the gradient too"),
        _case(candidate, "a parameter without a gradient on step 2", [[1.0, -1.0], [2.0]],
              [[[1.0, 0.5], [1.0]], [[0.5, -1.0], None], [[-1.0, 1.0], [2.0]]],
              dict(lr=0.1, momentum=0.9), _sgd,
              "skip a parameter whose .grad is None entirely, as PyTorch does: it does not move "
              "and its buffer stays as it was (a missing gradient is not a gradient of zeros, "
              "which would still move it by lr * momentum * buf)"),
        _case(candidate, "a learning rate that changes between steps", [[1.0, -1.0]],
              changing[:3], dict(lr=0.1, momentum=0.9), _sgd,
              "read self.lr at every step and apply it after the buffer, as PyTorch does: "
              "buf = momentum * buf + g; p.data -= lr * buf. Putting lr into the buffer "
              "(buf = momentum * buf + lr * g; p.data -= buf) gives the same steps only while "
              "lr stays the same", lrs=[0.1, 0.05, 0.01]),
    ]
    run_cases(check, cases)


# ===== Adam and AdamW ============================================================================


def _adam(starts, grads, lrs, betas, eps, weight_decay=0.0):
    """Adam (weight_decay=0) or AdamW (decoupled weight decay), one step count per parameter."""
    beta1, beta2 = betas
    params = [floats(s) for s in starts]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = [0] * len(params)
    for lr, step in zip(lrs, grads):
        for i, g in enumerate(step):
            if g is None:
                continue
            g = floats(g)
            t[i] += 1
            params[i] = params[i] * (1 - lr * weight_decay)
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            m_hat = m[i] / (1 - beta1 ** t[i])
            v_hat = v[i] / (1 - beta2 ** t[i])
            params[i] = params[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return params


_ADAM_RULE = ("m = beta1*m + (1-beta1)*g; v = beta2*v + (1-beta2)*g*g; "
              "p -= lr * (m / (1-beta1**t)) / (sqrt(v / (1-beta2**t)) + eps)")


@saves("optimizers.Adam")
def check_adam_step(candidate):
    """Check an ``Adam`` class: moment estimates, bias correction, eps after the square root."""
    check = "check_adam_step"
    require_class(check, candidate, "Adam")
    default = dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    changing = [[[0.1, -3.0, 20.0]], [[0.2, -1.0, -5.0]], [[-0.3, 2.0, 1.0]], [[0.4, 0.5, 0.0]],
                [[1.0, -1.0, 2.0]]]
    cases = [
        _case(candidate, "the first step moves each weight by about lr", [[1.0, -2.0, 0.5]],
              changing[:1], default, _adam,
              "with bias correction, step 1 is lr * g / |g| = lr * sign(g) whatever the size of "
              "g (without it: lr * 0.1 / sqrt(0.001), about 3.2 lr): " + _ADAM_RULE),
        _case(candidate, "five steps", [[1.0, -2.0, 0.5]], changing, default, _adam,
              "keep m, v and the step count t between steps (t starts at 1): " + _ADAM_RULE),
        _case(candidate, "betas (0.5, 0.75), lr 0.1", [[1.0, -2.0, 0.5]], changing,
              dict(lr=0.1, betas=(0.5, 0.75), eps=1e-8), _adam,
              "use the betas given to the constructor: beta1, beta2 = betas"),
        _case(candidate, "tiny gradients: eps matters", [[1.0, 1.0]],
              [[[1e-9, -1e-9]], [[1e-9, -1e-9]]], dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8),
              _adam, "add eps after the square root: sqrt(v_hat) + eps (not sqrt(v_hat + eps)); "
              "here |g| = 1e-9 is small against eps = 1e-8, so each step is about lr / 11"),
        _case(candidate, "two parameters, each with its own moments", [[1.0, 2.0], [3.0]],
              [[[1.0, 0.0], [2.0]], [[0.0, 1.0], [-1.0]], [[1.0, 1.0], [1.0]]], default, _adam,
              "keep m and v per parameter, with the parameter's shape"),
        _case(candidate, "a parameter without a gradient", [[1.0], [2.0]],
              [[[1.0], None], [[0.5], None]], default, _adam,
              "skip parameters whose .grad is None"),
        _case(candidate, "a parameter whose gradient starts at step 3", [[1.0, -1.0], [2.0]],
              [[[1.0, 0.5], None], [[0.5, -1.0], None], [[-1.0, 1.0], [2.0]],
               [[0.5, 0.5], [-1.0]]], dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8), _adam,
              "count the steps of each parameter, in its own state (s['step'] += 1 when it has a "
              "gradient), not the optimizer's steps: at step 3 the second parameter takes its "
              "first step, t = 1, and its bias correction divides by 1 - beta1**1"),
    ]
    run_cases(check, cases)


@saves("optimizers.AdamW")
def check_adamw_step(candidate):
    """Check an ``AdamW`` class: ``p *= 1 - lr * weight_decay``, then the Adam step."""
    check = "check_adamw_step"
    require_class(check, candidate, "AdamW")
    decay = ("decoupled weight decay shrinks the parameter directly, before the Adam step: "
             "p.data *= 1 - lr * weight_decay; the gradient is not changed")
    changing = [[[0.5, -1.0]], [[0.25, 2.0]], [[-1.0, 0.5]]]
    cases = [
        _case(candidate, "zero gradients: only the decay acts", [[2.0, -4.0]], [[[0.0, 0.0]]],
              dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.5), _adam,
              "with g = 0 the Adam step is 0 and p becomes p * (1 - lr * weight_decay) = "
              "p * 0.95; " + decay),
        _case(candidate, "three steps, weight_decay 0.1", [[2.0, -4.0]], changing,
              dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1), _adam,
              decay + " (adding weight_decay * p to the gradient is Adam's L2 penalty, which "
              "the normalisation by sqrt(v) then rescales)"),
        _case(candidate, "weight_decay=0 is Adam", [[2.0, -4.0]], changing,
              dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0), _adam,
              "without decay AdamW is exactly Adam: " + _ADAM_RULE),
        _case(candidate, "lr 0.01, weight_decay 1.0", [[2.0, -4.0]], changing,
              dict(lr=0.01, betas=(0.8, 0.99), eps=1e-8, weight_decay=1.0), _adam,
              "the decay factor uses the learning rate: 1 - lr * weight_decay (not 1 - weight_decay)"),
        _case(candidate, "a parameter whose gradient starts at step 3", [[2.0], [4.0]],
              [[[0.5], None], [[0.25], None], [[-1.0], [1.0]]],
              dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1), _adam,
              "a parameter whose .grad is None is skipped entirely, as in PyTorch: neither "
              "decayed nor moved. Decay only where p.grad is not None, then run the Adam step"),
    ]
    run_cases(check, cases)
