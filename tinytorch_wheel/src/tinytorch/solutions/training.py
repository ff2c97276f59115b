"""The solutions of 07_training.ipynb: accuracy, train_epoch, evaluate and clip_grad_norm_."""

import numpy as np

import tinytorch
from tinytorch import Tensor, no_grad


def accuracy(predictions, targets):
    """The fraction of samples whose predicted class (the row's arg-max) is the target.

    Args:
        predictions: Tensor of shape (N, C): class scores, logits or probabilities.
        targets: Tensor of shape (N,): integer class indices 0..C-1.

    Returns:
        a Python float in [0, 1].
    """
    predicted = predictions.data.argmax(axis=1)
    return float(np.mean(predicted == targets.data))


def train_epoch(model, loader, loss_fn, optimizer):
    """Train model for one pass over loader; return the mean training loss per sample.

    Args:
        model: a Module, e.g. Sequential(Linear(64, 128), ReLU(), Linear(128, 10)).
        loader: an iterable of (inputs, targets) batches of Tensors.
        loss_fn: a loss returning a scalar Tensor, e.g. CrossEntropyLoss().
        optimizer: an optimizer over model.parameters(), e.g. SGD(..., lr=0.1).

    Returns:
        a float: the sum of loss.item() * (batch size) over the batches,
        divided by the number of samples.
    """
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = loss_fn(outputs, targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


def evaluate(model, loader, loss_fn):
    """The mean loss per sample of model on loader, without training.

    Args:
        model: a Module.
        loader: an iterable of (inputs, targets) batches of Tensors.
        loss_fn: a loss returning a scalar Tensor.

    Returns:
        a float: the sum of loss.item() * (batch size) over the batches,
        divided by the number of samples.
    """
    model.eval()
    total, count = 0.0, 0
    with no_grad():
        for inputs, targets in loader:
            loss = loss_fn(model(inputs), targets)
            total += loss.item() * len(inputs)
            count += len(inputs)
    return total / count


def clip_grad_norm_(parameters, max_norm):
    """Scale all gradients together so that their global L2 norm is at most max_norm.

    Args:
        parameters: an iterable of Tensors; those whose .grad is None are skipped.
        max_norm: the largest allowed global norm (a positive number).

    Returns:
        the global norm before clipping, as a float.
    """
    grads = [p.grad.data for p in parameters if p.grad is not None]
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return norm
