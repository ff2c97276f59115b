"""Right and wrong answers to the module 06 learner checks, and their unwritten exercises.

Each check runs on the reference (tinytorch.core.optimizers), on a learner-style version written
from scratch, and on typical mistakes, each of which must fail with the standard AssertionError.

RIGHT, WRONG and STUBS are run by test_checks_contract.py; what only these checks say is
tested in test_checks_optimizers.py.
"""

import numpy as np

from tinytorch.core import optimizers
from tinytorch.core.optimizers import Optimizer


def learner_optimizer(update, **defaults):
    """An optimizer class as a learner writes it: a constructor that keeps its keywords as
    attributes (self.lr, ...), read again at every step, and an update."""

    class LearnerOptimizer(Optimizer):
        def __init__(self, params, **options):
            super().__init__(params)
            self.names = {**defaults, **options}
            for name, value in self.names.items():
                setattr(self, name, value)
            self.shared = {}

        def update(self, p, grad, state):
            update(self, p, grad, state, **{name: getattr(self, name) for name in self.names})

    return LearnerOptimizer


# ===== SGD =======================================================================================
def sgd(opt, p, g, state, lr, momentum=0.0):
    if momentum:
        state["buf"] = g.copy() if "buf" not in state else momentum * state["buf"] + g
        g = state["buf"]
    p.data -= lr * g


def sgd_plus(opt, p, g, state, lr, momentum=0.0):
    p.data += lr * g


def sgd_no_lr(opt, p, g, state, lr, momentum=0.0):
    p.data -= g


def sgd_squared(opt, p, g, state, lr, momentum=0.0):
    p.data -= lr * g * np.abs(g)


def sgd_fixed_lr(opt, p, g, state, lr, momentum=0.0):
    p.data -= 0.1 * g


def sgd_scaling_the_gradient(opt, p, g, state, lr, momentum=0.0):
    g *= lr  # g is p.grad.data: the gradient itself is scaled
    p.data -= g


class SGDOnlyFirst(Optimizer):
    def __init__(self, params, lr):
        super().__init__(params)
        self.lr = lr

    def step(self):
        p = self.params[0]
        if p.grad is not None:
            p.data -= self.lr * p.grad.data


class SGDRebinding(Optimizer):
    """Builds new tensors instead of changing the parameters: the model never learns."""

    def __init__(self, params, lr):
        super().__init__(params)
        self.lr = lr

    def step(self):
        for p in self.params:
            if p.grad is not None:
                p = p - self.lr * p.grad  # noqa: F841 (the mistake)


class SGDStaleGradient(Optimizer):
    """Reads the gradients once, at the first step."""

    def __init__(self, params, lr):
        super().__init__(params)
        self.lr, self.grads = lr, None

    def step(self):
        if self.grads is None:
            self.grads = [None if p.grad is None else p.grad.data.copy() for p in self.params]
        for p, g in zip(self.params, self.grads):
            if g is not None:
                p.data -= self.lr * g


def momentum_ignored(opt, p, g, state, lr, momentum=0.0):
    p.data -= lr * g


def momentum_ema(opt, p, g, state, lr, momentum=0.0):
    state["buf"] = (1 - momentum) * g if "buf" not in state else (
        momentum * state["buf"] + (1 - momentum) * g)
    p.data -= lr * state["buf"]


def momentum_shared_buffer(opt, p, g, state, lr, momentum=0.0):
    buf = opt.shared.get("buf")
    buf = g.copy() if buf is None or buf.shape != g.shape else momentum * buf + g
    opt.shared["buf"] = buf
    p.data -= lr * buf


def momentum_forgotten(opt, p, g, state, lr, momentum=0.0):
    buf = momentum * np.zeros_like(g) + g  # a fresh buffer every step
    p.data -= lr * buf


def momentum_counted_twice(opt, p, g, state, lr, momentum=0.0):
    state["buf"] = g.copy() if "buf" not in state else momentum * state["buf"] + g
    p.data -= lr * (g + state["buf"])


def momentum_aliasing_the_gradient(opt, p, g, state, lr, momentum=0.0):
    if "buf" not in state:
        state["buf"] = g  # no copy: the buffer is p.grad's own array
    else:
        state["buf"] *= momentum
        state["buf"] += g
    p.data -= lr * state["buf"]


def momentum_with_lr_in_the_buffer(opt, p, g, state, lr, momentum=0.0):
    state["buf"] = lr * g if "buf" not in state else momentum * state["buf"] + lr * g
    p.data -= state["buf"]


class MomentumWithZeroGradients(learner_optimizer(sgd)):
    """Treats a missing gradient as zeros: the buffer still moves the parameter."""

    def step(self):
        for p, state in zip(self.params, self.state):
            g = np.zeros_like(p.data) if p.grad is None else p.grad.data
            sgd(self, p, g, state, self.lr, self.momentum)


def momentum_lagging(opt, p, g, state, lr, momentum=0.0):
    old = state.get("buf", np.zeros_like(g))
    p.data -= lr * (g if "buf" not in state else old)
    state["buf"] = g.copy() if "buf" not in state else momentum * old + g


# ===== Adam ======================================================================================
def adam(opt, p, g, state, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
         bias_correction=True, eps_inside=False, abs_v=False, no_sqrt=False, global_t=False,
         decay="decoupled", decay_lr=True, no_one_minus=False):
    b1, b2 = betas
    if not state:
        state.update(t=0, m=np.zeros_like(g), v=np.zeros_like(g))
    state["t"] += 1
    t = opt.t if global_t else state["t"]
    if weight_decay and decay == "decoupled":
        p.data *= 1 - (lr if decay_lr else 1.0) * weight_decay
    if weight_decay and decay == "l2":
        g = g + weight_decay * p.data
    state["m"] = b1 * state["m"] + (1 if no_one_minus else 1 - b1) * g
    state["v"] = b2 * state["v"] + (1 - b2) * (np.abs(g) if abs_v else g * g)
    m_hat, v_hat = state["m"], state["v"]
    if bias_correction:
        m_hat, v_hat = m_hat / (1 - b1**t), v_hat / (1 - b2**t)
    root = v_hat if no_sqrt else np.sqrt(v_hat + eps if eps_inside else v_hat)
    update = lr * m_hat / (root if eps_inside else root + eps)
    p.data -= update
    if weight_decay and decay == "after":
        p.data *= 1 - lr * weight_decay


def variant(**fixed):
    def update(opt, p, g, state, **options):
        adam(opt, p, g, state, **{**options, **fixed})
    return update


class AdamWithOneStepCount(learner_optimizer(variant(global_t=True))):
    """Counts the optimizer's steps, not each parameter's: a late parameter starts at t > 1."""

    def step(self):
        self.t = getattr(self, "t", 0) + 1
        super().step()


class AdamWDecayingEveryParameter(learner_optimizer(adam, weight_decay=0.01)):
    """Decays the parameters without a gradient too (adam() decays those with one)."""

    def step(self):
        for p in self.params:
            if p.grad is None:
                p.data *= 1 - self.lr * self.weight_decay
        super().step()


def adam_as_sgd(opt, p, g, state, lr, **ignored):
    p.data -= lr * g


def adam_fixed_betas(opt, p, g, state, lr, betas=(0.9, 0.999), eps=1e-8):
    adam(opt, p, g, state, lr, (0.9, 0.999), eps)


# ===== the table of exercises ====================================================================
def stub_class(message):
    class Stub(Optimizer):
        def __init__(self, params, **options):
            super().__init__(params)

        def update(self, p, grad, state):
            raise NotImplementedError(message)

    return Stub


EXERCISES = {
    "check_sgd_step": dict(
        reference=optimizers.SGD,
        good=learner_optimizer(sgd),
        wrong={
            "adds the gradient": learner_optimizer(sgd_plus),
            "forgets the learning rate": learner_optimizer(sgd_no_lr),
            "scales by |g|": learner_optimizer(sgd_squared),
            "hard-codes lr=0.1": learner_optimizer(sgd_fixed_lr),
            "updates only the first parameter": SGDOnlyFirst,
            "rebinds instead of updating in place": SGDRebinding,
            "keeps the first gradients": SGDStaleGradient,
            "scales p.grad in place": learner_optimizer(sgd_scaling_the_gradient),
        },
    ),
    "check_sgd_momentum": dict(
        reference=optimizers.SGD,
        good=learner_optimizer(sgd),
        wrong={
            "ignores momentum": learner_optimizer(momentum_ignored),
            "uses an exponential moving average": learner_optimizer(momentum_ema),
            "shares one buffer": learner_optimizer(momentum_shared_buffer),
            "forgets the buffer between steps": learner_optimizer(momentum_forgotten),
            "adds gradient and buffer": learner_optimizer(momentum_counted_twice),
            "uses last step's buffer": learner_optimizer(momentum_lagging),
            "buffer aliases the gradient": learner_optimizer(momentum_aliasing_the_gradient),
            "lr inside the buffer": learner_optimizer(momentum_with_lr_in_the_buffer),
            "a missing gradient counts as zeros": MomentumWithZeroGradients,
        },
    ),
    "check_adam_step": dict(
        reference=optimizers.Adam,
        good=learner_optimizer(adam),
        wrong={
            "no bias correction": learner_optimizer(variant(bias_correction=False)),
            "eps inside the square root": learner_optimizer(variant(eps_inside=True)),
            "|g| instead of g squared": learner_optimizer(variant(abs_v=True)),
            "no square root": learner_optimizer(variant(no_sqrt=True)),
            "m without the 1 - beta1 factor": learner_optimizer(variant(no_one_minus=True)),
            "hard-coded betas": learner_optimizer(adam_fixed_betas),
            "plain SGD": learner_optimizer(adam_as_sgd),
            "one step count for all parameters": AdamWithOneStepCount,
        },
    ),
    "check_adamw_step": dict(
        reference=optimizers.AdamW,
        good=learner_optimizer(adam, weight_decay=0.01),
        wrong={
            "L2 penalty in the gradient (Adam's)": learner_optimizer(variant(decay="l2")),
            "decays after the step": learner_optimizer(variant(decay="after")),
            "decay without the learning rate": learner_optimizer(variant(decay_lr=False)),
            "no decay at all": learner_optimizer(variant(decay="none")),
            "no bias correction": learner_optimizer(variant(bias_correction=False)),
            "decays parameters without a gradient": AdamWDecayingEveryParameter,
        },
    ),
}

RIGHT = {check: [spec["reference"], spec["good"]] for check, spec in EXERCISES.items()}
WRONG = {check: spec["wrong"] for check, spec in EXERCISES.items()}
STUBS = dict.fromkeys(EXERCISES, stub_class("Implement step(): move every parameter."))
