"""The Trainer: many epochs of the loop, a history, early stopping, checkpoints (module 07).

``Trainer.fit`` runs ``train_epoch`` and ``evaluate`` (``tinytorch.core.loop``) once per epoch,
keeps a ``History`` of every number (ready for ``plt.plot(history['train_loss'])``), prints one
line per epoch, and can clip gradients, stop early (``EarlyStopping``) and save checkpoints
(``tinytorch.core.checkpoint``) from which training resumes exactly as if it had never stopped.
"""

import math
import os
import time

from tinytorch.core._validation import check_choice, check_int, check_number
from tinytorch.core.checkpoint import (_check_parameters, _read_checkpoint, _restore,
                                       save_checkpoint)
from tinytorch.core.loop import evaluate, train_epoch
from tinytorch.core.metrics import Metric, _FunctionMetric


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
        self.monitor = monitor
        self.patience = check_int("EarlyStopping", "patience", patience, low=1)
        self.mode = check_choice("EarlyStopping", "mode", mode, ("min", "max"))
        self.min_delta = check_number("EarlyStopping", "min_delta", min_delta, low=0)
        self.restore_best = restore_best
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
        >>> import numpy as np
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
            grad_clip_norm = check_number("Trainer", "grad_clip_norm", grad_clip_norm, low=0,
                                          low_open=True)
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
        check_int("Trainer.fit", "epochs", epochs, low=1)
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
