"""Right and wrong answers to the module 07 learner checks, and their unwritten exercises.

Each check runs on the reference (tinytorch.core.training), on a learner-style version and on
typical mistakes, each of which must fail with the standard AssertionError.

RIGHT, WRONG and STUBS are run by test_checks_contract.py; what only these checks say is
tested in test_checks_training.py.
"""

import math

import numpy as np

from tinytorch.core import training
from tinytorch.core.autograd import no_grad


# ===== accuracy ==================================================================================
def good_accuracy(predictions, targets):
    return float(np.mean(predictions.data.argmax(axis=1) == targets.data))


def accuracy_count(predictions, targets):
    return float(np.sum(predictions.data.argmax(axis=1) == targets.data))


def accuracy_percent(predictions, targets):
    return 100 * good_accuracy(predictions, targets)


def accuracy_axis0(predictions, targets):
    return float(np.mean(predictions.data.argmax(axis=0) == targets.data))


def accuracy_argmin(predictions, targets):
    return float(np.mean(predictions.data.argmin(axis=1) == targets.data))


def accuracy_naive_softmax(predictions, targets):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(predictions.data)
        probabilities = e / e.sum(axis=1, keepdims=True)
    return float(np.mean(probabilities.argmax(axis=1) == targets.data))


def accuracy_max_value(predictions, targets):
    return float(np.mean(predictions.data.max(axis=1) == targets.data))


def accuracy_threshold(predictions, targets):
    return float(np.mean((predictions.data[:, 1] > 0.5) == targets.data))


# ===== train_epoch ===============================================================================
def good_train_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


def train_variant(zero="before", mean="samples", step=True, train_mode=True, result="mean"):
    def train_epoch(model, loader, loss_fn, optimizer):
        if train_mode:
            model.train()
        losses, sizes = [], []
        for inputs, targets in loader:
            if zero == "before":
                optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            if zero == "after_backward":
                optimizer.zero_grad()
            if step:
                optimizer.step()
            losses.append(loss.item())
            sizes.append(len(inputs))
        if result == "last":
            return losses[-1]
        if result == "sum":
            return float(np.dot(losses, sizes))
        if mean == "batches":
            return float(np.mean(losses))
        return float(np.dot(losses, sizes) / np.sum(sizes))
    return train_epoch


# ===== evaluate ==================================================================================
def good_evaluate(model, loader, loss_fn):
    model.eval()
    total, count = 0.0, 0
    with no_grad():
        for inputs, targets in loader:
            total += loss_fn(model(inputs), targets).item() * len(inputs)
            count += len(inputs)
    return total / count


def evaluate_variant(eval_mode=True, grad_off=True, backward=False, result="mean"):
    def evaluate(model, loader, loss_fn):
        if eval_mode:
            model.eval()
        losses, sizes = [], []
        for inputs, targets in loader:
            if grad_off:
                with no_grad():
                    loss = loss_fn(model(inputs), targets)
            else:
                loss = loss_fn(model(inputs), targets)
            if backward:
                loss.backward()
            losses.append(loss.item())
            sizes.append(len(inputs))
        if result == "batches":
            return float(np.mean(losses))
        if result == "sum":
            return float(np.dot(losses, sizes))
        if result == "last":
            return losses[-1]
        return float(np.dot(losses, sizes) / np.sum(sizes))
    return evaluate


# ===== clip_grad_norm_ ===========================================================================
def good_clip(parameters, max_norm):
    grads = [p.grad.data for p in parameters if p.grad is not None]
    norm = math.sqrt(sum(float((g**2).sum()) for g in grads))
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return norm


def clip_per_parameter(parameters, max_norm):
    norms = []
    for p in parameters:
        if p.grad is not None:
            norm = float(np.sqrt((p.grad.data**2).sum()))
            if norm > max_norm:
                p.grad.data *= max_norm / norm
            norms.append(norm)
    return max(norms)


def clip_always(parameters, max_norm):
    grads = [p.grad.data for p in parameters if p.grad is not None]
    norm = math.sqrt(sum(float((g**2).sum()) for g in grads))
    for g in grads:
        g *= max_norm / norm
    return norm


def clip_returns_new_norm(parameters, max_norm):
    good_clip(parameters, max_norm)
    return math.sqrt(sum(float((p.grad.data**2).sum()) for p in parameters if p.grad is not None))


def clip_without_sqrt(parameters, max_norm):
    grads = [p.grad.data for p in parameters if p.grad is not None]
    norm = sum(float((g**2).sum()) for g in grads)
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return norm


def clip_by_value(parameters, max_norm):
    norm = math.sqrt(sum(float((p.grad.data**2).sum()) for p in parameters if p.grad is not None))
    for p in parameters:
        if p.grad is not None:
            np.clip(p.grad.data, -max_norm, max_norm, out=p.grad.data)
    return norm


def clip_inverted(parameters, max_norm):
    grads = [p.grad.data for p in parameters if p.grad is not None]
    norm = math.sqrt(sum(float((g**2).sum()) for g in grads))
    if norm > max_norm:
        for g in grads:
            g *= norm / max_norm
    return norm


def clip_spectral(parameters, max_norm):
    grads = [p.grad.data for p in parameters if p.grad is not None]
    norm = math.sqrt(sum(float(np.linalg.norm(g, 2 if g.ndim == 2 else None) ** 2) for g in grads))
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return norm


EXERCISES = {
    "check_accuracy": dict(
        reference=training.accuracy,
        good=good_accuracy,
        wrong={
            "counts instead of a fraction": accuracy_count,
            "a percentage": accuracy_percent,
            "arg-max over the batch (axis 0)": accuracy_axis0,
            "arg-min": accuracy_argmin,
            "naive softmax first": accuracy_naive_softmax,
            "compares the top score with the target": accuracy_max_value,
            "a binary threshold": accuracy_threshold,
        },
    ),
    "check_train_epoch": dict(
        reference=training.train_epoch,
        good=good_train_epoch,
        wrong={
            "never zeroes gradients": train_variant(zero="never"),
            "zeroes gradients before the step": train_variant(zero="after_backward"),
            "averages over batches": train_variant(mean="batches"),
            "no optimizer step": train_variant(step=False),
            "no model.train()": train_variant(train_mode=False),
            "returns the last batch's loss": train_variant(result="last"),
            "returns the sum": train_variant(result="sum"),
        },
    ),
    "check_evaluate": dict(
        reference=training.evaluate,
        good=good_evaluate,
        wrong={
            "no model.eval()": evaluate_variant(eval_mode=False),
            "records the graph": evaluate_variant(grad_off=False),
            "calls backward": evaluate_variant(grad_off=False, backward=True),
            "averages over batches": evaluate_variant(result="batches"),
            "returns the sum": evaluate_variant(result="sum"),
            "returns the last batch's loss": evaluate_variant(result="last"),
        },
    ),
    "check_clip_grad_norm": dict(
        reference=training.clip_grad_norm_,
        good=good_clip,
        wrong={
            "clips each parameter on its own": clip_per_parameter,
            "always rescales": clip_always,
            "returns the norm after clipping": clip_returns_new_norm,
            "forgets the square root": clip_without_sqrt,
            "clips by value": clip_by_value,
            "inverted factor": clip_inverted,
            "spectral norm of matrices": clip_spectral,
        },
    ),
}

RIGHT = {check: [spec["reference"], spec["good"]] for check, spec in EXERCISES.items()}
WRONG = {check: spec["wrong"] for check, spec in EXERCISES.items()}
RIGHT["check_accuracy"].append(training.Accuracy)  # the metric class is accepted too


def stub(*args):
    raise NotImplementedError("Write the loop: zero_grad, forward, loss, backward, step.")


STUBS = dict.fromkeys(EXERCISES, stub)
