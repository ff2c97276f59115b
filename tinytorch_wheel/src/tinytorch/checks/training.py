"""Learner checks for module 07, Training.

The learner writes the pieces of a training loop as plain functions; ``Trainer`` in
``tinytorch.core.training`` is built from the same pieces. A "loader" here is anything that
yields ``(inputs, targets)`` batches: the checks pass a list of Tensor pairs (the DataLoader
comes in module 08). Models, losses and optimizers are the reference ones of modules 03-06.

The exercises in the notebook's order::

    the learner writes                                     the check cell runs
    accuracy(predictions, targets) -> float                check_accuracy(accuracy)
    train_epoch(model, loader, loss_fn, optimizer) -> float
                                                           check_train_epoch(train_epoch)
    evaluate(model, loader, loss_fn) -> float              check_evaluate(evaluate)
    clip_grad_norm_(parameters, max_norm) -> float         check_clip_grad_norm(clip_grad_norm_)

- ``accuracy``: predictions are (N, C) class scores (logits or probabilities), targets (N,)
  integer class indices; the result is the fraction of rows whose arg-max is the target.
- ``train_epoch``: ``model.train()``, then for every batch ``optimizer.zero_grad()``, forward,
  loss, ``loss.backward()``, ``optimizer.step()``; returns the mean loss per sample (each batch's
  loss weighted by its size: the last batch may be smaller).
- ``evaluate``: ``model.eval()`` and ``no_grad()``: no training, no graph; returns the mean loss
  per sample.
- ``clip_grad_norm_``: one global L2 norm over all gradients; if it exceeds ``max_norm``, every
  gradient is scaled by ``max_norm / norm`` in place; returns the norm before clipping.

Every expected value below is worked out by hand or by a plain float64 numpy formula written here
(the gradients of a linear model under squared error), never by ``tinytorch.core.training``.
"""

import numpy as np

from tinytorch import random
from tinytorch.checks._helpers import require_function, text
from tinytorch.checks._report import Case, run_cases
from tinytorch.core.layers import Dropout, Linear, Module
from tinytorch.core.losses import MSELoss
from tinytorch.core.optimizers import SGD
from tinytorch.core.tensor import Tensor
from tinytorch.workspace import saves

__all__ = ["check_accuracy", "check_train_epoch", "check_evaluate", "check_clip_grad_norm"]


# ===== accuracy ==================================================================================


@saves("training.accuracy")
def check_accuracy(candidate):
    """Check ``accuracy(predictions, targets)``: the fraction of rows whose arg-max is the target.

    An ``Accuracy`` metric class (called as ``Accuracy()(predictions, targets)``) is accepted too.
    """
    check = "check_accuracy"
    argmax = "the predicted class of a row is its arg-max: predictions.data.argmax(axis=1)"

    def case(name, scores, targets, expected, hint):
        scores = np.array(scores, dtype=np.float64)
        targets = np.array(targets, dtype=np.int64)

        def run():  # a class is built inside the case, so its constructor's errors are reported too
            metric = candidate() if isinstance(candidate, type) else candidate
            return metric(Tensor(scores.copy()), Tensor(targets.copy()))

        return Case(name, run, expected,
                    f"predictions {text(scores)}, targets {text(targets)}", hint)

    cases = [
        case("three samples, three classes", [[0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.7, 0.1, 0.2]],
             [1, 2, 2], 2 / 3,
             "return the fraction of correct rows (correct / N), not the count or a percentage; "
             "take the arg-max along the classes, axis=1 (one per row), not axis=0"),
        case("2 of 3 right", [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], [0, 1, 1], 2 / 3, argmax),
        case("all right", [[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]], [1, 0], 1.0, argmax),
        case("none right", [[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]], [2, 2], 0.0,
             "compare each row's predicted class with its target: np.mean(predicted == targets)"),
        case("negative logits", [[-1.0, -3.0, -2.0], [-5.0, -4.0, -0.5], [-2.0, -1.5, -9.0]],
             [0, 2, 0], 2 / 3,
             "logits can be negative; the largest score wins even if all are below 0: " + argmax),
        case("a single sample", [[0.3, 0.3, 0.4]], [2], 1.0, argmax),
        case("very large logits", [[5e3, 1e4, 0.0], [0.0, 1e4, 5e3]], [1, 2], 0.5,
             "no softmax needed: the arg-max of the logits is the arg-max of the probabilities "
             "(and exp(1e4) overflows to inf, giving nan)"),
    ]
    run_cases(check, cases)


# ===== train_epoch and evaluate ==================================================================
# The model of these checks is a float64 Linear(2, 1) with known weights, trained with
# MSELoss and SGD(lr=0.1) on five samples in batches of 2, 2 and 1. Its gradients by hand:
#   prediction = X @ W.T + b,  loss = mean((prediction - y) ** 2)
#   d loss / d prediction = 2 (prediction - y) / n,  dW = d.T @ X,  db = sum(d)

_X = np.array([[1.0, 2.0], [0.0, -1.0], [2.0, 0.5], [-1.0, 1.0], [3.0, -2.0]])
_Y = np.array([[1.0], [0.0], [2.0], [-1.0], [0.5]])
_W, _B, _LR = np.array([[0.5, -0.25]]), np.array([0.1]), 0.1
_SIZES = (2, 2, 1)


def _batches(sizes=_SIZES):
    """The data as a list of (inputs, targets) Tensor pairs: a loader as train_epoch sees it."""
    edges = np.cumsum((0,) + tuple(sizes))
    return [(Tensor(_X[a:b].copy()), Tensor(_Y[a:b].copy())) for a, b in zip(edges, edges[1:])]


def _by_hand(train, sizes=_SIZES):
    """Mean loss per sample (with the weights of the moment) and the final W, b."""
    W, b = _W.copy(), _B.copy()
    total, edges = 0.0, np.cumsum((0,) + tuple(sizes))
    for lo, hi in zip(edges, edges[1:]):
        x, y = _X[lo:hi], _Y[lo:hi]
        error = x @ W.T + b - y
        total += np.mean(error**2) * len(x)
        if train:
            d = 2 * error / error.size
            W, b = W - _LR * d.T @ x, b - _LR * d.sum(axis=0)
    return total / len(_X), np.concatenate([W.ravel(), b])


class _Recorder(Module):
    """The Linear model, noting whether it was in training mode at each forward."""

    def __init__(self, dropout=0.0):
        super().__init__()
        self.linear = Linear(2, 1, dtype=np.float64)
        self.linear.weight.data[...] = _W
        self.linear.bias.data[...] = _B
        self.dropout = Dropout(dropout) if dropout else None
        self.modes = []

    def forward(self, x):
        self.modes.append(self.training)
        out = self.linear(x)
        return self.dropout(out) if self.dropout is not None else out

    def weights(self):
        return np.concatenate([self.linear.weight.data.ravel(), self.linear.bias.data])


def _describe(what):
    return (f"Linear(2, 1) with W={text(_W)}, b={text(_B)}; X={text(_X)}, y={text(_Y.ravel())} "
            f"in batches of {', '.join(map(str, _SIZES))}; MSELoss(){what}")


def _keeping_random_state(function):
    """Run ``function`` and put tinytorch's generator back, so a check leaves no trace in it."""
    state = random.generator().bit_generator.state
    try:
        return function()
    finally:
        random.generator().bit_generator.state = state


@saves("training.train_epoch")
def check_train_epoch(candidate):
    """Check ``train_epoch(model, loader, loss_fn, optimizer)``: one epoch of the 5-step loop."""
    check = "check_train_epoch"
    require_function(check, candidate, "train_epoch")
    loop = ("for each batch: optimizer.zero_grad(); outputs = model(inputs); "
            "loss = loss_fn(outputs, targets); loss.backward(); optimizer.step()")
    expected_loss, expected_weights = _by_hand(train=True)

    def train(stale_gradients=False, start_in_eval=False):
        model = _Recorder()
        optimizer = SGD(model.parameters(), lr=_LR)
        if stale_gradients:
            for p in model.parameters():
                p.grad = Tensor(np.full(p.shape, 100.0))
        if start_in_eval:
            model.eval()
        loss = candidate(model, _batches(), MSELoss(), optimizer)
        return model, loss

    def returned_loss():
        return train()[1]

    def weights():
        return train()[0].weights()

    def weights_after_stale_gradients():
        return train(stale_gradients=True)[0].weights()

    def modes():
        return np.array(train(start_in_eval=True)[0].modes)

    sgd = f", SGD(lr={_LR})"
    cases = [
        Case("the weights after one epoch", weights, expected_weights, _describe(sgd),
             "update once per batch, three updates in all: " + loop),
        Case("the returned loss", returned_loss, expected_loss, _describe(sgd),
             "return the mean loss per sample: add loss.item() * len(inputs) for every batch and "
             "divide by the number of samples (a plain mean over batches overweights the last, "
             "smaller batch)"),
        Case("old gradients are cleared", weights_after_stale_gradients, expected_weights,
             _describe(sgd + "; every p.grad set to 100 before the call"),
             "gradients add up in p.grad: call optimizer.zero_grad() before loss.backward() in "
             "every batch, not after"),
        Case("the model trains in training mode", modes, np.ones(len(_SIZES), dtype=bool),
             _describe(sgd + "; the model was in eval mode before the call"),
             "call model.train() at the start: evaluate() leaves the model in eval mode, where "
             "dropout is off"),
    ]
    _keeping_random_state(lambda: run_cases(check, cases))


@saves("training.evaluate")
def check_evaluate(candidate):
    """Check ``evaluate(model, loader, loss_fn)``: the mean loss, without training, in eval mode."""
    check = "check_evaluate"
    require_function(check, candidate, "evaluate")
    expected_loss, _ = _by_hand(train=False)
    recorded = []

    def spy(outputs, targets):
        recorded.append(outputs.requires_grad)
        return MSELoss()(outputs, targets)

    def run(dropout=0.0, loss_fn=None):
        model = _Recorder(dropout)
        loss = candidate(model, _batches(), loss_fn or MSELoss())
        return model, loss

    def unchanged():
        model, _ = run()
        return np.concatenate([model.weights(), [p.grad is None for p in model.parameters()]])

    def graph_recorded():
        recorded.clear()
        run(loss_fn=spy)
        return np.array(recorded)

    cases = [
        Case("the returned loss", lambda: run()[1], expected_loss, _describe(""),
             "return the mean loss per sample: add loss.item() * len(inputs) for every batch and "
             "divide by the number of samples"),
        Case("the model is not trained", unchanged, np.concatenate([_by_hand(False)[1], [1, 1]]),
             _describe("; compared: W, b after the call, then 1 for each p.grad that is None"),
             "evaluation only measures: no loss.backward(), no optimizer step"),
        Case("no graph is recorded", graph_recorded, np.zeros(len(_SIZES), dtype=bool),
             _describe("; compared: outputs.requires_grad in each batch"),
             "run the loop inside `with no_grad():` so no graph is built (faster, less memory)"),
        Case("dropout is off (eval mode)", lambda: run(dropout=0.5)[1], expected_loss,
             _describe(" with Dropout(0.5) after the Linear layer"),
             "call model.eval() first: in training mode dropout zeroes random outputs"),
    ]
    _keeping_random_state(lambda: run_cases(check, cases))


# ===== clip_grad_norm_ ===========================================================================


@saves("training.clip_grad_norm_")
def check_clip_grad_norm(candidate):
    """Check ``clip_grad_norm_(parameters, max_norm)``: global norm, in-place scaling, returns norm."""
    check = "check_clip_grad_norm"
    require_function(check, candidate, "clip_grad_norm_")
    rule = ("norm = sqrt(sum of g**2 over every gradient of every parameter); if norm > max_norm: "
            "g *= max_norm / norm for every gradient, in place")

    def clip(grads, max_norm, what="grads"):
        params = []
        for g in grads:
            p = Tensor(np.zeros(np.shape(g) if g is not None else (1,)), requires_grad=True)
            p.grad = None if g is None else Tensor(np.array(g, dtype=np.float64))
            params.append(p)
        norm = candidate(params, max_norm)
        if what == "norm":
            return norm
        # A parameter that had no gradient shows as 1 if its .grad is still None (else 0).
        return np.concatenate([[float(p.grad is None)] if g is None else p.grad.data.ravel()
                               for p, g in zip(params, grads)])

    def case(name, grads, max_norm, expected, hint, what="grads"):
        listed = ", ".join("None" if g is None else text(g) for g in grads)
        return Case(name, lambda: clip(grads, max_norm, what), np.array(expected, dtype=np.float64),
                    f"gradients {listed}, max_norm={max_norm}"
                    + ("; compared: the returned value" if what == "norm" else ""), hint)

    cases = [
        case("norm 5 clipped to 1", [[3.0, 4.0]], 1.0, [0.6, 0.8],
             "sqrt(3**2 + 4**2) = 5 > 1, so scale by 1 / 5: " + rule),
        case("one norm over all parameters", [[3.0, 0.0], [4.0]], 2.5, [1.5, 0.0, 2.0],
             "the norm is global: sqrt(9 + 16) = 5 for both together, one factor 2.5 / 5 for all "
             "(clipping each parameter on its own changes the direction)"),
        case("below the limit nothing changes", [[0.3, -0.4], [1.0]], 10.0, [0.3, -0.4, 1.0],
             "scale only when the norm exceeds max_norm"),
        case("the returned norm", [[3.0, 0.0], [4.0]], 2.5, 5.0,
             "return the total norm measured before clipping", what="norm"),
        case("a matrix gradient", [[[1.0, 2.0], [2.0, -4.0]]], 2.5, [0.5, 1.0, 1.0, -2.0],
             "the norm of a matrix here is the square root of the sum of all squared entries "
             "(5), not a matrix norm: " + rule),
        case("a parameter without a gradient", [[6.0, 8.0], None], 5.0, [3.0, 4.0, 1.0],
             "skip parameters whose .grad is None and leave it None (compared: the clipped "
             "gradient, then 1 if the second .grad is still None)"),
        case("no clipping by value", [[10.0, 0.1]], 1.0, [10.0 / np.hypot(10.0, 0.1),
                                                          0.1 / np.hypot(10.0, 0.1)],
             "scale the whole vector (keeping its direction) instead of clipping each entry "
             "to [-max_norm, max_norm]"),
    ]
    run_cases(check, cases)
