"""Training: metrics, the training loop, gradient clipping, early stopping and checkpoints.

One epoch of training repeats five steps for every mini-batch; evaluation runs only the first two,
in evaluation mode and without recording a graph::

    for inputs, targets in loader:           train_epoch            evaluate
        optimizer.zero_grad()                 1. clear gradients     -
        outputs = model(inputs)               2. forward             2. forward (no_grad, eval)
        loss = loss_fn(outputs, targets)      3. loss                3. loss
        loss.backward()                       4. gradients           -
        optimizer.step()                      5. update              -

``Trainer`` runs these over many epochs, keeps a ``History`` of every number (ready for
``plt.plot(history['train_loss'])``), prints one line per epoch, and can clip gradients, stop
early, and save checkpoints from which training resumes exactly as if it had never stopped.

Losses and metrics of an epoch are averages over samples, not over batches: a last batch of 5
samples counts 5/N, not 1/(number of batches).
"""

import json
import math
import numbers
import os
import tempfile
import time
import zipfile

import numpy as np

from tinytorch import random
from tinytorch.core.autograd import no_grad
from tinytorch.core.tensor import Tensor


def _array(value):
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _check_positive(owner, name, value):
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not value > 0:
        raise ValueError(f"{owner}: {name} must be a positive number, got {value!r}")
    return float(value)


# ===== Metrics ================================================================================


def _class_predictions(owner, predictions, targets, threshold):
    """Turn model outputs into predicted classes; return (predicted, targets, number of classes).

    (N, C) outputs with C >= 2 are multi-class scores (logits or probabilities): the prediction
    is the arg-max, and targets are class indices 0..C-1 of shape (N,). (N,) or (N, 1) outputs
    are binary: the prediction is 1 where the output is >= threshold, and targets are 0 or 1.
    """
    p, t = _array(predictions), _array(targets)
    if p.ndim == 2 and p.shape[1] >= 2:
        if t.shape != (p.shape[0],):
            raise ValueError(
                f"{owner}: predictions of shape {p.shape} are scores for {p.shape[1]} classes, "
                f"so targets must be class indices of shape ({p.shape[0]},), got {t.shape}"
            )
        if not np.issubdtype(t.dtype, np.integer):
            raise TypeError(
                f"{owner}: targets must be integer class indices, got dtype {t.dtype}"
            )
        if t.size and (t.min() < 0 or t.max() >= p.shape[1]):
            raise IndexError(
                f"{owner}: targets contain class {t.min() if t.min() < 0 else t.max()}, but the "
                f"predictions have {p.shape[1]} classes (valid targets are 0..{p.shape[1] - 1})"
            )
        return p.argmax(axis=1), t, p.shape[1]
    if p.ndim == 1 or (p.ndim == 2 and p.shape[1] == 1):
        n = p.shape[0]
        if t.shape not in ((n,), (n, 1)):
            raise ValueError(
                f"{owner}: binary predictions of shape {p.shape} need targets of shape ({n},) "
                f"or ({n}, 1), got {t.shape}"
            )
        t = t.reshape(n)
        if not np.isin(t, (0, 1)).all():
            raise ValueError(f"{owner}: binary targets must be 0 or 1, got values {np.unique(t)}")
        return (p.reshape(n) >= threshold).astype(np.int64), t.astype(np.int64), 2
    raise ValueError(
        f"{owner}: predictions must have shape (N, C) (class scores) or (N,) (binary), got "
        f"{p.shape}"
    )


def accuracy(predictions, targets, threshold=0.5):
    """The fraction of samples whose predicted class is the target class.

    accuracy = (number of correct predictions) / N

    The predicted class is the arg-max of the scores for (N, C) outputs (logits or
    probabilities: the arg-max is the same), or ``output >= threshold`` for (N,) binary outputs
    (probabilities with the default 0.5; use ``threshold=0.0`` for logits, since
    sigmoid(z) >= 0.5 exactly when z >= 0).

    Args:
        predictions: (N, C) class scores, or (N,) / (N, 1) binary outputs.
        targets: (N,) class indices; 0/1 labels for binary outputs.
        threshold: decision threshold for binary outputs (default 0.5).

    Example:
        >>> accuracy(Tensor([[2.0, 0.1], [0.3, 1.5], [0.9, 0.4]]), np.array([0, 1, 1]))
        0.6666666666666666
        >>> accuracy(Tensor([0.9, 0.2, 0.6]), Tensor([1.0, 0.0, 0.0]))
        0.6666666666666666
    """
    predicted, t, _ = _class_predictions("accuracy", predictions, targets, threshold)
    if predicted.size == 0:
        raise ValueError("accuracy: got an empty batch; accuracy needs at least one sample")
    return float(np.mean(predicted == t))


class Metric:
    """Base class of the metrics: a value for one batch, and a running value over an epoch.

    A metric reduces a batch to a few summable numbers (``statistics``: e.g. correct and total
    counts) and turns them into its value (``value``). Summing statistics over batches gives the
    exact value over the whole epoch, which averaging per-batch values would not (for precision,
    or when the last batch is smaller).

    Use ``metric(predictions, targets)`` for one batch, or ``reset()``, ``update(...)`` for every
    batch and ``compute()`` for the epoch. ``name`` is the key in the training history.
    """

    name = "metric"

    def __init__(self):
        self.reset()

    def statistics(self, predictions, targets):
        raise NotImplementedError(f"{type(self).__name__}.statistics is not implemented")

    def value(self, statistics):
        raise NotImplementedError(f"{type(self).__name__}.value is not implemented")

    def reset(self):
        """Forget the batches seen so far."""
        self.total = None

    def update(self, predictions, targets):
        """Add one batch to the running statistics."""
        stats = self.statistics(predictions, targets)
        self.total = stats if self.total is None else self.total + stats

    def compute(self):
        """The metric over every batch since the last ``reset()``."""
        if self.total is None:
            raise ValueError(
                f"{type(self).__name__}.compute(): no batch was seen since reset(); call "
                f"update(predictions, targets) first"
            )
        return self.value(self.total)

    def __call__(self, predictions, targets):
        """The metric of this batch alone (the running statistics are not touched)."""
        return self.value(self.statistics(predictions, targets))

    def __repr__(self):
        return f"{type(self).__name__}()"


class Accuracy(Metric):
    """Accuracy: the fraction of correctly classified samples (see ``accuracy``).

    Args:
        threshold: decision threshold for binary (N,) outputs (default 0.5; 0.0 for logits).

    Example:
        >>> metric = Accuracy()
        >>> metric.update(Tensor([[2.0, 0.1], [0.3, 1.5]]), np.array([0, 0]))
        >>> metric.update(Tensor([[0.2, 0.9]]), np.array([1]))
        >>> metric.compute()                  # 2 correct out of 3 samples
        0.6666666666666666
    """

    name = "accuracy"

    def __init__(self, threshold=0.5):
        self.threshold = threshold
        super().__init__()

    def statistics(self, predictions, targets):
        predicted, t, _ = _class_predictions("Accuracy", predictions, targets, self.threshold)
        return np.array([np.sum(predicted == t), t.size])

    def value(self, statistics):
        correct, count = statistics
        if count == 0:
            raise ValueError("Accuracy: got no samples; accuracy needs at least one")
        return float(correct / count)


class _ConfusionMetric(Metric):
    """Shared by Precision and Recall: the statistics are a confusion matrix.

    ``matrix[i, j]`` counts samples of true class i predicted as class j: a row holds one true
    class, a column one predicted class.
    """

    def __init__(self, threshold=0.5):
        self.threshold = threshold
        super().__init__()

    def statistics(self, predictions, targets):
        predicted, t, classes = _class_predictions(
            type(self).__name__, predictions, targets, self.threshold
        )
        self.binary = _array(predictions).ndim == 1 or _array(predictions).shape[1] == 1
        matrix = np.zeros((classes, classes), dtype=np.int64)
        np.add.at(matrix, (t, predicted), 1)
        return matrix

    def value(self, matrix):
        true_positives = np.diag(matrix)
        per_class = self.per_class(true_positives, matrix)
        if self.binary:
            return float(per_class[1])
        present = (matrix.sum(axis=0) + matrix.sum(axis=1)) > 0
        return float(per_class[present].mean())

    @staticmethod
    def _ratio(numerator, denominator):
        """numerator / denominator, and 0 where the denominator is 0 (nothing to count)."""
        return np.divide(numerator, denominator, out=np.zeros(len(numerator)),
                         where=denominator > 0)


class Precision(_ConfusionMetric):
    """Precision: of the samples predicted as a class, the fraction that belong to it.

    precision_c = TP_c / (TP_c + FP_c)   (0 when class c is never predicted)

    Binary outputs ((N,) with a threshold): the precision of class 1. Multi-class outputs
    ((N, C) scores): the macro average, the mean of precision_c over the classes that occur in
    the targets or the predictions (as scikit-learn's ``average='macro'``).

    Args:
        threshold: decision threshold for binary outputs (default 0.5; 0.0 for logits).

    Example:
        >>> Precision()(Tensor([0.9, 0.8, 0.7, 0.1]), np.array([1, 1, 0, 1]))  # 2 of 3 right
        0.6666666666666666
    """

    name = "precision"

    def per_class(self, true_positives, matrix):
        return self._ratio(true_positives, matrix.sum(axis=0))


class Recall(_ConfusionMetric):
    """Recall: of the samples of a class, the fraction predicted as that class.

    recall_c = TP_c / (TP_c + FN_c)   (0 when class c does not occur in the targets)

    Binary outputs: the recall of class 1; multi-class outputs: the macro average over the
    classes that occur in the targets or the predictions (as for ``Precision``).

    Args:
        threshold: decision threshold for binary outputs (default 0.5; 0.0 for logits).

    Example:
        >>> Recall()(Tensor([0.9, 0.8, 0.7, 0.1]), np.array([1, 1, 0, 1]))  # found 2 of 3
        0.6666666666666666
    """

    name = "recall"

    def per_class(self, true_positives, matrix):
        return self._ratio(true_positives, matrix.sum(axis=1))


class MeanAbsoluteError(Metric):
    """Mean absolute error for regression: mean(abs(prediction - target)) over all elements.

    Shape:
        predictions and targets: the same shape (as for ``MSELoss``; (N, 1) against (N,) is an
        error, not a silent broadcast).

    Example:
        >>> MeanAbsoluteError()(Tensor([1.0, 2.0, 5.0]), Tensor([1.0, 4.0, 4.0]))
        1.0
    """

    name = "mae"

    def statistics(self, predictions, targets):
        p, t = _array(predictions), _array(targets)
        if p.shape != t.shape:
            raise ValueError(
                f"MeanAbsoluteError: predictions have shape {p.shape} but targets have shape "
                f"{t.shape}; they must match"
            )
        return np.array([np.abs(p.astype(np.float64) - t).sum(), p.size])

    def value(self, statistics):
        total, count = statistics
        if count == 0:
            raise ValueError("MeanAbsoluteError: got no elements")
        return float(total / count)


class _FunctionMetric(Metric):
    """A plain function ``f(predictions, targets) -> number`` as a metric: sample-weighted mean."""

    def __init__(self, function):
        self.function = function
        self.name = getattr(function, "__name__", type(function).__name__).lower()
        super().__init__()

    def statistics(self, predictions, targets):
        n = len(_array(targets))
        return np.array([float(_array(self.function(predictions, targets))) * n, n])

    def value(self, statistics):
        return float(statistics[0] / statistics[1])


# ===== The training loop ======================================================================


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
    max_norm = _check_positive("clip_grad_norm_", "max_norm", max_norm)
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
    return len(_array(inputs)) if _array(inputs).ndim else 1


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


class History(dict):
    """The record of a training run: one list per quantity, one entry per epoch.

    Keys: ``epoch`` (1, 2, ...), ``train_loss``, ``train_<metric>``, ``val_loss`` and
    ``val_<metric>`` (with validation data), and ``time`` (seconds per epoch). Each value is a
    plain list of floats, so it plots directly::

        plt.plot(history['epoch'], history['train_loss'], label='train')
        plt.plot(history['epoch'], history['val_loss'], label='validation')

    Example:
        >>> h = History()
        >>> h.append({"epoch": 1, "train_loss": 0.9})
        >>> h.append({"epoch": 2, "train_loss": 0.5})
        >>> h["train_loss"]
        [0.9, 0.5]
    """

    def append(self, row):
        """Add one epoch's numbers."""
        for key, value in row.items():
            self.setdefault(key, []).append(value)

    def __repr__(self):
        return f"History({len(self.get('epoch', []))} epochs: {', '.join(self)})"


class EarlyStopping:
    """Stop training when a monitored quantity has not improved for ``patience`` epochs.

    After each epoch the trainer passes the epoch's numbers; an improvement is a value lower
    (``mode='min'``) or higher (``mode='max'``) than the best so far by more than ``min_delta``.
    With ``restore_best=True`` the model gets the weights of the best epoch back at the end.

    A value that is not finite (nan or inf: training has diverged, and nothing better will come)
    is never the best and stops training at once, as PyTorch Lightning's ``EarlyStopping`` does
    with its default ``check_finite=True``; ``restore_best`` then brings back the best finite
    epoch, if there was one.

    Args:
        monitor: the history key to watch, e.g. ``'val_loss'`` (default) or ``'val_accuracy'``.
        patience: how many epochs without improvement to allow (default 5).
        mode: ``'min'`` (losses, default) or ``'max'`` (accuracy and the like).
        min_delta: the smallest change that counts as an improvement (default 0).
        restore_best: restore the best epoch's weights when training ends (default True).

    Example:
        >>> stopper = EarlyStopping(monitor="val_loss", patience=2, restore_best=False)
        >>> [stopper.step({"epoch": e, "val_loss": v}) for e, v in enumerate([3, 2, 2.5, 2.1], 1)]
        [False, False, False, True]
        >>> stopper.best, stopper.best_epoch
        (2.0, 2)
        >>> stopper.reason
        'val_loss has not improved for 2 epochs (best 2.0000 at epoch 2)'
    """

    state_names = ("best", "best_epoch", "wait", "stopped", "best_state")

    def __init__(self, monitor="val_loss", patience=5, mode="min", min_delta=0.0,
                 restore_best=True):
        if not isinstance(patience, int) or isinstance(patience, bool) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be a positive integer, got {patience!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        if not isinstance(min_delta, numbers.Real) or not min_delta >= 0:  # refuses nan too
            raise ValueError(f"EarlyStopping: min_delta must be a number >= 0, got {min_delta!r}")
        self.monitor, self.patience, self.mode = monitor, patience, mode
        self.min_delta, self.restore_best = float(min_delta), restore_best
        self.best, self.best_epoch, self.wait, self.stopped = None, None, 0, False
        self.best_state = None
        self.reason = None  # why training stopped, for the progress report

    def step(self, row, model=None):
        """Look at one epoch's numbers (a dict); return True when training should stop."""
        if self.stopped:
            return True
        self.check_monitor(row)
        value = float(row[self.monitor])
        sign = 1.0 if self.mode == "min" else -1.0
        if not math.isfinite(value):
            self.stopped, self.reason = True, f"{self.monitor} is {value} at epoch {row['epoch']}"
        elif self.best is None or sign * (self.best - value) > self.min_delta:
            self.best, self.best_epoch, self.wait = value, row["epoch"], 0
            if self.restore_best and model is not None:
                self.best_state = model.state_dict()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped, self.reason = True, (
                    f"{self.monitor} has not improved for {self.patience} epochs "
                    f"(best {self.best:.4f} at epoch {self.best_epoch})")
        return self.stopped

    def check_monitor(self, names):
        """Raise a clear error unless the monitored quantity is among ``names``."""
        if self.monitor not in names:
            raise ValueError(
                f"EarlyStopping: monitor={self.monitor!r} is not among this epoch's numbers "
                f"{sorted(k for k in names if k not in ('epoch', 'time'))}"
                + (" (pass val_loader to fit() to get val_ numbers)"
                   if self.monitor.startswith("val_") else "")
            )

    def state_dict(self):
        """What to save in a checkpoint: the best value, its epoch and weights, the counter."""
        return {name: getattr(self, name) for name in self.state_names}

    def load_state_dict(self, state):
        """Restore the state saved by ``state_dict()``."""
        if not isinstance(state, dict) or set(state) != set(self.state_names):
            raise ValueError(
                f"EarlyStopping.load_state_dict: expected the dict returned by state_dict() with "
                f"the keys {list(self.state_names)}, got {state!r:.80}"
            )
        for name in self.state_names:
            setattr(self, name, state[name])


class Trainer:
    """Train a model over epochs: the loop, validation, a history, progress lines, checkpoints.

    ``fit`` runs ``train_epoch`` and (with validation data) ``evaluate`` once per epoch, records
    every number in ``history`` and prints one line per epoch::

        epoch  3/20  train_loss 0.4123  train_accuracy 0.8812  val_loss 0.4521  val_accuracy 0.8611  0.21s

    ``epochs`` in ``fit`` is the total to reach: a trainer restored from a checkpoint of epoch
    k continues with epoch k + 1, so the same ``fit`` call finishes a run that was interrupted.

    Args:
        model: the Module to train.
        loss_fn: a loss returning a scalar tensor, e.g. ``CrossEntropyLoss()``.
        optimizer: an optimizer over ``model.parameters()``.
        metrics: ``Metric`` objects (``Accuracy()``, ...) or plain functions
            ``f(predictions, targets) -> number`` (averaged over samples); recorded as
            ``train_<name>`` and ``val_<name>``.
        grad_clip_norm: clip the global gradient norm to this value before every step.
        early_stopping: an ``EarlyStopping`` object, or None.
        verbose: print one line per epoch (default True).

    Example:
        >>> from tinytorch.core.layers import Linear
        >>> from tinytorch.core.optimizers import SGD
        >>> from tinytorch.utils.data import DataLoader, TensorDataset
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0]], dtype=np.float32)
        >>> loader = DataLoader(TensorDataset(X, 2 * X), batch_size=2)
        >>> model = Linear(1, 1)
        >>> mse = lambda out, target: ((out - target) ** 2).mean()
        >>> trainer = Trainer(model, mse, SGD(model.parameters(), lr=0.05), verbose=False)
        >>> history = trainer.fit(loader, epochs=200)
        >>> len(history["train_loss"]), history["train_loss"][-1] < 1e-3
        (200, True)
    """

    def __init__(self, model, loss_fn, optimizer, metrics=(), grad_clip_norm=None,
                 early_stopping=None, verbose=True):
        if not callable(model) or not hasattr(model, "parameters"):
            raise TypeError(f"Trainer: model must be a Module, got {type(model).__name__}")
        if not callable(loss_fn):
            raise TypeError(f"Trainer: loss_fn must be callable, got {type(loss_fn).__name__}")
        if not (hasattr(optimizer, "step") and hasattr(optimizer, "zero_grad")):
            raise TypeError(
                f"Trainer: optimizer must be an Optimizer (with step and zero_grad), got "
                f"{type(optimizer).__name__}"
            )
        self.metrics = [m if isinstance(m, Metric) else _FunctionMetric(m) for m in metrics]
        names = [m.name for m in self.metrics]
        if len(set(names)) != len(names) or "loss" in names:  # the history has train_loss already
            raise ValueError(
                f"Trainer: metric names must be different from each other and from 'loss', got "
                f"{names}"
            )
        if grad_clip_norm is not None:
            grad_clip_norm = _check_positive("Trainer", "grad_clip_norm", grad_clip_norm)
        if early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
            raise TypeError(
                f"Trainer: early_stopping must be an EarlyStopping object or None, got "
                f"{type(early_stopping).__name__}"
            )
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.grad_clip_norm, self.early_stopping, self.verbose = grad_clip_norm, early_stopping, verbose
        self.history = History()
        self.epoch = 0

    def fit(self, train_loader, epochs, val_loader=None, checkpoint_path=None):
        """Train until ``epochs`` epochs are complete; return the ``History``.

        Args:
            train_loader: batches (inputs, targets) for training, e.g. a shuffled DataLoader.
            epochs: the total number of epochs (counting those already done).
            val_loader: optional batches for validation after every epoch.
            checkpoint_path: if given, save a checkpoint there after every epoch (atomically;
                ``load_checkpoint`` resumes from it). ``train_loader`` may be a DataLoader
                (its shuffling is saved) or a list of batches (a fixed order: nothing to save).
        """
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise ValueError(f"Trainer.fit: epochs must be a positive integer, got {epochs!r}")
        stopper = self.early_stopping
        # What would fail only after an epoch of training is checked before the first one.
        if stopper is not None:
            stages = ("train", "val") if val_loader is not None else ("train",)
            stopper.check_monitor([f"{stage}_{name}" for stage in stages
                                   for name in ["loss"] + [m.name for m in self.metrics]])
        if checkpoint_path is not None:
            folder = os.path.dirname(os.path.abspath(checkpoint_path))
            if not os.path.isdir(folder):
                raise FileNotFoundError(
                    f"Trainer.fit: the folder {folder} of checkpoint_path does not exist; create "
                    f"it first (os.makedirs)"
                )
        while self.epoch < epochs and not (stopper is not None and stopper.stopped):
            start = time.perf_counter()
            row = {"epoch": self.epoch + 1}
            row["train_loss"] = train_epoch(self.model, train_loader, self.loss_fn,
                                            self.optimizer, self.metrics, self.grad_clip_norm)
            row.update({f"train_{m.name}": m.compute() for m in self.metrics})
            if val_loader is not None:
                row["val_loss"] = evaluate(self.model, val_loader, self.loss_fn, self.metrics)
                row.update({f"val_{m.name}": m.compute() for m in self.metrics})
            row["time"] = time.perf_counter() - start
            self.epoch += 1
            self.history.append(row)
            if self.verbose:
                print(self._progress_line(row, epochs))
            if stopper is not None and stopper.step(row, self.model) and self.verbose:
                print(f"early stopping: {stopper.reason}")
            if checkpoint_path is not None:
                self.save_checkpoint(checkpoint_path, train_loader)
        if stopper is not None and stopper.restore_best and stopper.best_state is not None:
            self.model.load_state_dict(stopper.best_state)
        return self.history

    def evaluate(self, loader):
        """The loss and metrics on ``loader`` as a dict, e.g. ``{'loss': 0.3, 'accuracy': 0.9}``."""
        result = {"loss": evaluate(self.model, loader, self.loss_fn, self.metrics)}
        result.update({m.name: m.compute() for m in self.metrics})
        return result

    def _progress_line(self, row, epochs):
        width = len(str(epochs))
        numbers = "  ".join(f"{key} {value:.4f}" for key, value in row.items()
                            if key not in ("epoch", "time"))
        return f"epoch {row['epoch']:>{width}}/{epochs}  {numbers}  {row['time']:.2f}s"

    def save_checkpoint(self, path, train_loader=None):
        """Save everything needed to resume: model, optimizer, epoch, history, early stopping,
        the random generators (tinytorch's, and the loader's if it has one: a list of batches
        has none)."""
        extra = {"history": dict(self.history),
                 "early_stopping": self.early_stopping.state_dict() if self.early_stopping else None}
        save_checkpoint(path, self.model, self.optimizer, self.epoch,
                        loader=_with_state(train_loader), extra=extra)

    def load_checkpoint(self, path, train_loader=None):
        """Restore a checkpoint written by ``save_checkpoint``; ``fit`` then continues from it.

        The whole file is checked before anything is restored: if it is refused, the trainer,
        model, optimizer and loader are as they were.
        """
        loader = _with_state(train_loader)
        state = _read_checkpoint(path, self.model, self.optimizer, loader)
        extra = state["extra"]
        _check_trainer_extra(path, extra, self.model)
        _restore(path, state, self.model, self.optimizer, loader)
        self.epoch = state["epoch"]
        self.history = History({key: list(values) for key, values in extra["history"].items()})
        if self.early_stopping is not None and extra["early_stopping"] is not None:
            self.early_stopping.load_state_dict(extra["early_stopping"])
        return {"epoch": state["epoch"], "extra": extra}


def _with_state(loader):
    """The loader if it has a shuffling state to save (a DataLoader); None for a list of batches,
    whose order never changes."""
    return loader if hasattr(loader, "state_dict") else None


def _check_trainer_extra(path, extra, model):
    """Raise unless ``extra`` is what ``Trainer.save_checkpoint`` stores (checked before any
    loading)."""
    if not isinstance(extra, dict) or set(extra) != {"history", "early_stopping"}:
        raise ValueError(
            f"Trainer.load_checkpoint: {path} was not saved by a Trainer (its extra should hold "
            f"'history' and 'early_stopping'); load it with load_checkpoint"
        )
    history, stopping = extra["history"], extra["early_stopping"]
    if not isinstance(history, dict) or not all(isinstance(v, list) for v in history.values()):
        raise ValueError(
            f"Trainer.load_checkpoint: {path} holds a damaged history (expected a dict of lists, "
            f"got {history!r:.80})"
        )
    if stopping is not None:
        if not isinstance(stopping, dict) or set(stopping) != set(EarlyStopping.state_names):
            raise ValueError(
                f"Trainer.load_checkpoint: {path} holds a damaged early-stopping state (expected "
                f"the keys {list(EarlyStopping.state_names)}, got {stopping!r:.80})"
            )
        if stopping["best_state"] is not None:
            _check_parameters(path, stopping["best_state"], model, "early_stopping.best_state")


# ===== Checkpoints ============================================================================
# A checkpoint is one .npz file: every numpy array of the state under a readable key
# ("model/0.weight", "optimizer/state/0/exp_avg", ...), plus the key "__metadata__" holding a
# JSON string with everything else (epoch, hyper-parameters, generator states, ...). In the
# JSON, each array is replaced by {"__array__": key}. One file can be replaced atomically; a
# JSON sidecar could not be replaced together with it.

_FORMAT = "tinytorch-checkpoint-1"
_PARTS = ("format", "epoch", "model", "optimizer", "loader", "random", "extra")


def _array_name(key, part):
    """The name of ``part`` inside ``key``: the path joined with '/', each part escaped as in a
    JSON Pointer (RFC 6901: '~' becomes '~0', '/' becomes '~1'), so that {"a/b": x} and
    {"a": {"b": y}} are stored as 'a~1b' and 'a/b', never both as 'a/b'."""
    part = str(part).replace("~", "~0").replace("/", "~1")
    return f"{key}/{part}" if key else part


def _pack(value, key, arrays):
    """Move the numpy arrays out of a nested structure into ``arrays``; return JSON-ready data."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise TypeError(f"save_checkpoint: {key} is an object array, which needs pickle")
        arrays[key] = value
        return {"__array__": key}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise TypeError(f"save_checkpoint: {key} has a non-string key {k!r}")
            if k == "__array__":
                raise ValueError(
                    f"save_checkpoint: {key} has the key '__array__', which is reserved: a "
                    f"checkpoint marks its arrays with it; rename the key"
                )
        return {k: _pack(v, _array_name(key, k), arrays) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_pack(v, _array_name(key, i), arrays) for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"save_checkpoint: cannot store {type(value).__name__} at {key}; use numbers, strings, "
        f"lists, dicts and numpy arrays"
    )


def _unpack(path, value, arrays):
    """Put the arrays back where the JSON data says ``{"__array__": key}``."""
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            name = value["__array__"]
            if not isinstance(name, str) or name not in arrays:
                raise ValueError(
                    f"load_checkpoint: {path} is damaged: its metadata refers to the array "
                    f"{name!r}, which the file does not hold"
                )
            return arrays[name]
        return {k: _unpack(path, v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [_unpack(path, v, arrays) for v in value]
    return value


def _write_atomically(path, arrays):
    """Write ``arrays`` as an .npz to a temporary file beside ``path``, then rename it over
    ``path``. A crash before the rename leaves the previous file untouched; the rename itself is
    atomic (os.replace), so readers see either the old or the new checkpoint, never half of one.
    """
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".checkpoint-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def save_checkpoint(path, model, optimizer, epoch, loader=None, extra=None):
    """Save a training state to ``path`` (an .npz file with JSON metadata), atomically.

    Stored: the model's parameters, the optimizer's hyper-parameters and state, ``epoch``, the
    state of tinytorch's random generator (dropout, initialisation), the loader's shuffling
    generator (if given) and ``extra`` (numbers, strings, lists, dicts and arrays; the key
    ``'__array__'`` is reserved). Loading it with ``load_checkpoint`` and training on gives
    bit-for-bit the same parameters as a run that never stopped. Save between epochs: a loader's
    state is taken when its epoch order is drawn. Everything is checked before the file is
    written.

    Args:
        path: the file to write (conventionally ending in ``.npz``).
        model: a Module.
        optimizer: an Optimizer (or None to save only the model).
        epoch: the number of completed epochs.
        loader: a DataLoader whose shuffling state to save (optional).
        extra: any additional plain data (optional).

    Example:
        >>> import os, tempfile
        >>> from tinytorch.core.layers import Linear
        >>> from tinytorch.core.optimizers import Adam
        >>> model = Linear(2, 1)
        >>> optimizer = Adam(model.parameters())
        >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
        >>> save_checkpoint(path, model, optimizer, epoch=3, extra={"note": "first run"})
        >>> load_checkpoint(path, Linear(2, 1), Adam(Linear(2, 1).parameters()))["epoch"]
        3
    """
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise ValueError(f"save_checkpoint: epoch must be an integer >= 0, got {epoch!r}")
    if loader is not None and not hasattr(loader, "state_dict"):
        raise TypeError(
            f"save_checkpoint: loader must be a DataLoader with state_dict() (its shuffling is "
            f"saved), got {type(loader).__name__}; a list of batches has no state: leave it out"
        )
    state = {
        "format": _FORMAT,
        "epoch": epoch,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "loader": loader.state_dict() if loader is not None else None,
        "random": random.generator().bit_generator.state,
        "extra": extra,
    }
    arrays = {}
    metadata = _pack(state, "", arrays)
    arrays["__metadata__"] = np.array(json.dumps(metadata))
    _write_atomically(path, arrays)


def _read_arrays(path):
    """Every array in the .npz file ``path``, or a clear error saying what the file is instead."""
    with open(path, "rb") as file:
        if file.read(6) == b"\x93NUMPY":
            raise ValueError(
                f"load_checkpoint: {path} is a single .npy array, not an .npz checkpoint written "
                f"by save_checkpoint"
            )
        if not zipfile.is_zipfile(file):
            raise ValueError(
                f"load_checkpoint: {path} is not an .npz archive (it is empty, truncated or "
                f"another kind of file); a checkpoint is the .npz written by save_checkpoint"
            )
        file.seek(0)
        try:
            with np.load(file, allow_pickle=False) as stored:
                return {key: stored[key] for key in stored.files}
        except (ValueError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(
                f"load_checkpoint: {path} is damaged or not a checkpoint: {error}"
            ) from error


def _check_parameters(path, saved, model, part="model"):
    """Raise unless ``saved`` (the file's ``part``) holds an array of exactly the shape and dtype
    of every parameter of ``model``, and nothing else. Stricter than Module.load_state_dict, which
    would cast another dtype: a checkpoint resumes the same model, bit for bit."""
    params = dict(model.named_parameters())
    names = saved if isinstance(saved, dict) else {}
    missing = [name for name in params if name not in names]
    unexpected = [name for name in names if name not in params]
    if missing or unexpected:
        raise ValueError(
            f"load_checkpoint: the {part} in {path} does not match the model's parameters "
            f"(missing: {missing or 'none'}; unexpected: {unexpected or 'none'})"
        )
    for name, p in params.items():
        value = saved[name]
        if not isinstance(value, np.ndarray) or (value.shape, value.dtype) != (p.shape, p.dtype):
            got = (f"shape {value.shape} and dtype {value.dtype}" if isinstance(value, np.ndarray)
                   else f"a {type(value).__name__}")
            raise ValueError(
                f"load_checkpoint: {path} holds {got} for {part}[{name!r}], but the model's "
                f"parameter has shape {p.shape} and dtype {p.dtype}"
            )


def _check_generator_state(path, name, state, generator):
    """Raise unless ``state`` can be given to ``generator``: it is tried on a new generator of
    the same kind, so that ``generator`` itself is left alone."""
    try:
        type(generator.bit_generator)().state = state
    except (KeyError, TypeError, ValueError, OverflowError) as error:
        raise ValueError(
            f"load_checkpoint: {path} holds a damaged {name} generator state ({error!r})"
        ) from error


def _read_checkpoint(path, model, optimizer, loader):
    """The state saved in ``path``, checked against the objects it is for; nothing is loaded."""
    arrays = _read_arrays(path)
    if "__metadata__" not in arrays:
        raise ValueError(f"load_checkpoint: {path} is not a tinytorch checkpoint (no metadata)")
    try:
        metadata = json.loads(str(arrays.pop("__metadata__")))
    except json.JSONDecodeError as error:
        raise ValueError(
            f"load_checkpoint: {path} is damaged: its metadata is not valid JSON ({error})"
        ) from error
    found = metadata.get("format") if isinstance(metadata, dict) else None
    if found != _FORMAT:
        raise ValueError(f"load_checkpoint: {path} has format {found!r}, expected {_FORMAT!r}")
    if set(metadata) != set(_PARTS):
        raise ValueError(
            f"load_checkpoint: {path} is damaged: its metadata has the keys {sorted(metadata)}, "
            f"expected {sorted(_PARTS)}"
        )
    state = _unpack(path, metadata, arrays)
    epoch = state["epoch"]
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise ValueError(
            f"load_checkpoint: {path} is damaged: epoch {epoch!r} is not an integer >= 0"
        )
    _check_parameters(path, state["model"], model)
    if optimizer is not None and state["optimizer"] is None:
        raise ValueError(f"load_checkpoint: {path} holds no optimizer state")
    if loader is not None:
        if state["loader"] is None:
            raise ValueError(f"load_checkpoint: {path} holds no data-loader state")
        if not isinstance(state["loader"], dict) or set(state["loader"]) != {"generator"}:
            raise ValueError(f"load_checkpoint: {path} holds a damaged data-loader state")
        _check_generator_state(path, "data-loader", state["loader"]["generator"], loader.generator)
    _check_generator_state(path, "random", state["random"], random.generator())
    return state


def _restore(path, state, model, optimizer, loader):
    """Load a state checked by ``_read_checkpoint``. Only the optimizer can still refuse it, and
    it checks everything before it changes anything, so it goes first: a refusal leaves every
    object as it was."""
    if optimizer is not None:
        try:
            optimizer.load_state_dict(state["optimizer"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(
                f"load_checkpoint: {path} holds an optimizer state that does not fit: {error}"
            ) from error
    model.load_state_dict(state["model"])
    if loader is not None:
        loader.load_state_dict(state["loader"])
    random.generator().bit_generator.state = state["random"]


def load_checkpoint(path, model, optimizer, loader=None):
    """Restore a checkpoint written by ``save_checkpoint`` into ``model``, ``optimizer`` and
    ``loader``; also restores tinytorch's random generator. Nothing is unpickled
    (``allow_pickle=False``).

    The whole file is checked first: its format, every parameter's name, shape and dtype (they
    must match the model's exactly), the optimizer's and the loader's states. A file that does
    not fit raises a ``ValueError`` naming it and the problem, and leaves every object as it was.

    Args:
        path: the checkpoint file.
        model: a Module with the same parameter names, shapes and dtypes.
        optimizer: an optimizer of the same kind over the same parameters (or None).
        loader: a DataLoader to give the saved shuffling state (optional).

    Returns:
        a dict with ``epoch`` (completed epochs) and ``extra`` (as saved).
    """
    if loader is not None and not hasattr(loader, "load_state_dict"):
        raise TypeError(
            f"load_checkpoint: loader must be a DataLoader with load_state_dict(), got "
            f"{type(loader).__name__}; a list of batches has no state: leave it out"
        )
    state = _read_checkpoint(path, model, optimizer, loader)
    _restore(path, state, model, optimizer, loader)
    return {"epoch": state["epoch"], "extra": state["extra"]}
