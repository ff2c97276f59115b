"""The training loop: one epoch of training, one pass of evaluation, gradient clipping (module 07).

One epoch of training repeats five steps for every mini-batch; evaluation runs only the first two,
in evaluation mode and without recording a graph::

    for inputs, targets in loader:           train_epoch            evaluate
        optimizer.zero_grad()                 1. clear gradients     -
        outputs = model(inputs)               2. forward             2. forward (no_grad, eval)
        loss = loss_fn(outputs, targets)      3. loss                3. loss
        loss.backward()                       4. gradients           -
        optimizer.step()                      5. update              -

These are the functions you write in module 07; the ``Trainer`` runs them epoch after epoch. The
loss of an epoch is an average over samples, not over batches: a last batch of 5 samples counts
5/N, not 1/(number of batches).
"""

import math

import numpy as np

from tinytorch.core._validation import check_number
from tinytorch.core.autograd import no_grad
from tinytorch.core.tensor import Tensor


def clip_grad_norm_(parameters, max_norm):
    """Scale all gradients together so that their global L2 norm is at most ``max_norm``.

    ::

        total_norm = sqrt(sum over parameters of sum(grad ** 2))
        if total_norm > max_norm:  every grad *= max_norm / total_norm

    One factor for all parameters keeps the direction of the full gradient; only its length
    shrinks. Like ``torch.nn.utils.clip_grad_norm_`` (in place, returns the norm before
    clipping). PyTorch divides by ``total_norm + 1e-6``; scaling only when ``total_norm >
    max_norm`` never divides by zero, so no epsilon is needed (results differ by about 1e-6
    relative).

    Args:
        parameters: tensors whose ``.grad`` to clip (those without a gradient are skipped).
        max_norm: the largest allowed global norm (> 0).

    Returns:
        the global norm before clipping, as a float.

    Example:
        >>> w = Tensor([0.0, 0.0], requires_grad=True)
        >>> w.grad = Tensor([3.0, 4.0])
        >>> clip_grad_norm_([w], max_norm=1.0)
        5.0
        >>> w.grad
        Tensor([0.6, 0.8])
    """
    max_norm = check_number("clip_grad_norm_", "max_norm", max_norm, low=0, low_open=True)
    grads = [p.grad.data for p in parameters if p.grad is not None]
    total_norm = math.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads))
    if total_norm > max_norm:
        for g in grads:
            g *= max_norm / total_norm
    return total_norm


def _batches(owner, loader):
    """Each batch of ``loader`` as an (inputs, targets) pair, with a clear error otherwise."""
    for batch in loader:
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            length = f" of length {len(batch)}" if hasattr(batch, "__len__") else ""
            raise ValueError(
                f"{owner}: each batch must be a pair (inputs, targets), got "
                f"{type(batch).__name__}{length}"
            )
        yield batch


def _batch_size(inputs):
    shape = inputs.shape if isinstance(inputs, Tensor) else np.shape(inputs)
    return shape[0] if shape else 1


def train_epoch(model, loader, loss_fn, optimizer, metrics=(), grad_clip_norm=None):
    """Train ``model`` for one pass over ``loader``; return the mean loss per sample.

    For every batch: ``optimizer.zero_grad()``, forward, loss, ``loss.backward()``, optional
    gradient clipping, ``optimizer.step()``. The model is put in training mode first (dropout
    active). The returned loss is the average over samples of the batch losses (each batch loss
    weighted by its size), computed as the batches go, with the parameters of that moment.

    Args:
        model: a Module (or any callable) mapping inputs to outputs.
        loader: an iterable of (inputs, targets) batches, e.g. a ``DataLoader``.
        loss_fn: a loss returning a scalar tensor, e.g. ``CrossEntropyLoss()``.
        optimizer: e.g. ``SGD(model.parameters(), lr=0.1)``.
        metrics: ``Metric`` objects; they are reset and then updated with every batch, so
            ``metric.compute()`` afterwards gives the epoch's value.
        grad_clip_norm: if given, clip the global gradient norm to this value before each step.

    Returns:
        the mean training loss over the epoch, as a float.
    """
    if hasattr(model, "train"):
        model.train()
    for metric in metrics:
        metric.reset()
    total, count = 0.0, 0
    for inputs, targets in _batches("train_epoch", loader):
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = loss_fn(outputs, targets)
        loss.backward()
        if grad_clip_norm is not None:
            clip_grad_norm_(optimizer.params, grad_clip_norm)
        optimizer.step()
        n = _batch_size(inputs)
        total += loss.item() * n
        count += n
        for metric in metrics:
            metric.update(outputs.detach(), targets)
    if count == 0:
        raise ValueError("train_epoch: the loader gave no batches (drop_last with a small dataset?)")
    return total / count


def evaluate(model, loader, loss_fn, metrics=()):
    """The mean loss per sample of ``model`` on ``loader``, without training.

    Runs in evaluation mode (dropout off) and under ``no_grad`` (no graph, no gradients), and
    puts the model back into the mode it was in.

    Args:
        model, loader, loss_fn: as for ``train_epoch``.
        metrics: ``Metric`` objects, reset and updated with every batch.

    Returns:
        the mean loss over the samples, as a float.
    """
    was_training = getattr(model, "training", None)
    if was_training is not None:
        model.eval()
    for metric in metrics:
        metric.reset()
    total, count = 0.0, 0
    try:
        with no_grad():
            for inputs, targets in _batches("evaluate", loader):
                outputs = model(inputs)
                n = _batch_size(inputs)
                total += loss_fn(outputs, targets).item() * n
                count += n
                for metric in metrics:
                    metric.update(outputs, targets)
    finally:
        if was_training is not None:
            model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: the loader gave no batches")
    return total / count
