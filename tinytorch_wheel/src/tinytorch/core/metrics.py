"""Metrics: how good the predictions are, in numbers a person reads (module 07).

The loss is what training minimises; a metric is what you report: accuracy, precision, recall,
mean absolute error. ``accuracy`` is the function you write in module 07; the ``Metric`` classes
keep a running value over an epoch for the ``Trainer``::

    metric.reset()                               before the epoch
    metric.update(predictions, targets)          after every batch: add up its statistics
    metric.compute()                             after the epoch: the value over every sample

A metric sums statistics (correct and total counts, a confusion matrix), not per-batch values, so
a last batch of 5 samples counts 5/N, not 1/(number of batches).
"""

import numpy as np

from tinytorch.core.tensor import Tensor


def _array(value):
    return value.data if isinstance(value, Tensor) else np.asarray(value)


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
