"""Learner checks for module 08, DataLoader.

The learner writes two classes with PyTorch's interface; each check takes the class itself (not
an instance) and builds it the way PyTorch code does.

The exercises in the notebook's order::

    the learner writes                                          the check cell runs
    TensorDataset(*tensors): len(ds), ds[i] -> (x_i, y_i, ...)  check_tensor_dataset(TensorDataset)
    DataLoader(dataset, batch_size, shuffle, drop_last):
        len(loader), for inputs, targets in loader              check_dataloader(DataLoader)

- ``TensorDataset`` keeps its tensors as they are (integer labels stay integer), answers
  ``len()`` with the number of samples (the first dimension), returns sample ``i`` as a tuple of
  Tensors (one row of each tensor, negative indices included), and raises ``ValueError`` when the
  tensors have different first dimensions.
- ``DataLoader`` yields batches as tuples of Tensors stacked along a new first dimension, in
  order without ``shuffle``, in a new random order every epoch (every sample exactly once, inputs
  still paired with their targets) with ``shuffle=True``; the last batch is smaller unless
  ``drop_last=True`` drops it; ``len()`` is the number of batches; the dataset itself is left as
  it was (shuffling reorders the reading, not the data). The check gives it the reference
  ``TensorDataset``, which supports ``dataset[i]`` and ``dataset[index_array]``.

The expected values are counted by hand (batch sizes, ``len``) or follow from the data itself:
sample i has input [i, 10 i] and label i, so a batch shows which samples it holds.
"""

import numpy as np

from tinytorch.checks._helpers import require_class
from tinytorch.checks._report import Case, run_cases
from tinytorch.core.tensor import Tensor
from tinytorch.utils.data import TensorDataset as _ReferenceTensorDataset
from tinytorch.workspace import saves

__all__ = ["check_tensor_dataset", "check_dataloader"]


def _numbered(n):
    """Inputs [i, 10 i] (float32) and labels i (int64) for i = 0..n-1."""
    X = np.stack([np.arange(n), 10 * np.arange(n)], axis=1).astype(np.float32)
    return X, np.arange(n, dtype=np.int64)


def _values(item):
    """A sample or batch (a tuple of Tensors) as one flat float array, for comparison."""
    return np.concatenate([np.ravel(part.data if isinstance(part, Tensor) else part)
                           for part in item]).astype(np.float64)


def _raises_value_error(function):
    """1.0 if ``function()`` raises ValueError, 0.0 if it returns; other errors propagate."""
    try:
        function()
    except ValueError:
        return 1.0
    return 0.0


# ===== TensorDataset =============================================================================


@saves("data.TensorDataset")
def check_tensor_dataset(candidate):
    """Check a ``TensorDataset`` class: ``len``, ``dataset[i]`` as a tuple of rows, validation."""
    check = "check_tensor_dataset"
    require_class(check, candidate, "TensorDataset")
    X, y = _numbered(5)
    weights = np.array([0.5, 1.5, 2.5, 3.5, 4.5], dtype=np.float32)
    data = f"X = {X.tolist()} (float32), y = {y.tolist()} (int64)"

    def make(*arrays):
        return candidate(*(Tensor(a.copy()) for a in arrays))

    def item(index, *arrays):
        return lambda: _values(make(*arrays)[index])

    def parts_are_tensors():
        return np.array([isinstance(part, Tensor) for part in make(X, y)[2]])

    def label_is_integer():
        label = make(X, y)[2][1]
        return np.issubdtype(np.asarray(label.data if isinstance(label, Tensor) else label).dtype,
                             np.integer)

    cases = [
        Case("len", lambda: len(make(X, y)), 5, f"TensorDataset(X, y) with {data}",
             "the length is the number of samples: the size of the first dimension (len(X)), not "
             "the number of tensors"),
        Case("dataset[3]", item(3, X, y), np.array([3.0, 30.0, 3.0]), f"{data}; compared: x, then y",
             "sample i is the tuple (X[i], y[i]): row i of every tensor"),
        Case("dataset[0]", item(0, X, y), np.array([0.0, 0.0, 0.0]), f"{data}; compared: x, then y",
             "index rows with the first dimension: tensor.data[i]"),
        Case("dataset[-1]", item(-1, X, y), np.array([4.0, 40.0, 4.0]),
             f"{data}; compared: x, then y", "negative indices count from the end, as for lists"),
        Case("three tensors", item(1, X, y, weights), np.array([1.0, 10.0, 1.0, 1.5]),
             f"TensorDataset(X, y, w) with w = {weights.tolist()}; compared: dataset[1]",
             "support any number of tensors: def __init__(self, *tensors), and return a tuple "
             "with one row of each"),
        Case("the parts are Tensors", parts_are_tensors, np.array([True, True]),
             f"{data}; compared: isinstance(part, Tensor) for the parts of dataset[2]",
             "wrap each row: Tensor(tensor.data[i])"),
        Case("labels stay integers", label_is_integer, True,
             f"{data}; compared: is the dtype of dataset[2][1] an integer type",
             "keep each tensor's dtype: class labels must stay int64 (Tensor(list) would make "
             "them float32)"),
        Case("different lengths are rejected", lambda: _raises_value_error(
            lambda: make(X, y[:4])), 1.0, "TensorDataset(X (5 rows), y[:4] (4 rows))",
             "check that every tensor has the same first dimension and raise ValueError "
             "otherwise, naming the sizes"),
    ]
    run_cases(check, cases)


# ===== DataLoader ================================================================================


@saves("data.DataLoader")
def check_dataloader(candidate):
    """Check a ``DataLoader`` class: batching, ``len``, ``drop_last`` and shuffling."""
    check = "check_dataloader"
    require_class(check, candidate, "DataLoader")
    X, y = _numbered(10)

    def loader(n=10, **options):
        data = _ReferenceTensorDataset(*(_numbered(n)))
        return candidate(data, **options)

    def describe(n=10, **options):
        args = ", ".join(f"{k}={v!r}" for k, v in options.items())
        return f"DataLoader(dataset of {n} samples, {args}); sample i is ([i, 10 i], i)"

    def labels_of_epoch(it):
        return np.concatenate([np.ravel(batch[1].data) for batch in it])

    def sizes(**options):
        return lambda: np.array([len(batch[1].data) for batch in loader(**options)])

    def in_order():
        batches = list(loader(batch_size=4))
        return np.concatenate([_values(batch) for batch in batches])

    def shuffled_epochs():
        shuffling = loader(20, batch_size=6, shuffle=True)
        return [labels_of_epoch(shuffling) for _ in range(2)]

    def pairs_kept():
        batches = list(loader(20, batch_size=6, shuffle=True))
        return np.concatenate([batch[0].data[:, 0] - batch[1].data for batch in batches])

    def dataset_after_an_epoch():
        data = _ReferenceTensorDataset(*_numbered(20))
        for _ in candidate(data, batch_size=6, shuffle=True):
            pass
        return np.concatenate([_values(data[i]) for i in range(20)])

    def batch_kinds():
        inputs, labels = next(iter(loader(batch_size=4)))
        return np.array([isinstance(inputs, Tensor), isinstance(labels, Tensor),
                         inputs.shape == (4, 2), np.issubdtype(labels.data.dtype, np.integer)])

    expected_order = np.concatenate([
        np.concatenate([X[a:b].ravel(), y[a:b]]) for a, b in ((0, 4), (4, 8), (8, 10))
    ])
    every = "every sample exactly once: shuffle a permutation of the indices (np.random.permutation)"
    cases = [
        Case("len with a smaller last batch", lambda: len(loader(batch_size=4)), 3,
             describe(batch_size=4),
             "10 samples in batches of 4 make 3 batches (4, 4, 2): round up, math.ceil(n / batch_size)"),
        Case("len with drop_last", lambda: len(loader(batch_size=4, drop_last=True)), 2,
             describe(batch_size=4, drop_last=True),
             "with drop_last the incomplete batch does not count: n // batch_size"),
        Case("batch sizes", sizes(batch_size=4), np.array([4, 4, 2]), describe(batch_size=4),
             "keep the smaller last batch unless drop_last=True: slice indices[start:start + batch_size]"),
        Case("batch sizes with drop_last", sizes(batch_size=4, drop_last=True), np.array([4, 4]),
             describe(batch_size=4, drop_last=True), "drop_last=True drops only the incomplete batch"),
        Case("batch size 3", sizes(batch_size=3), np.array([3, 3, 3, 1]), describe(batch_size=3),
             "step through the samples in strides of batch_size, up to the very last one"),
        Case("batches are stacked Tensors", batch_kinds, np.array([True, True, True, True]),
             describe(batch_size=4) + "; compared: inputs and labels of the first batch are "
             "Tensors, inputs have shape (4, 2), labels are integers",
             "stack the samples of a batch into one Tensor per part (inputs (B, 2), labels (B,)); "
             "keep integer labels integer"),
        Case("without shuffle the order is kept", in_order, expected_order,
             describe(batch_size=4) + "; compared: each batch's inputs then labels",
             "without shuffle, batch k holds samples k*batch_size ... in order"),
        Case("shuffle visits every sample once", lambda: np.sort(shuffled_epochs()[0]),
             np.arange(20), describe(20, batch_size=6, shuffle=True) + "; compared: sorted labels "
             "of one epoch", every),
        Case("shuffle keeps inputs with their labels", pairs_kept, np.zeros(20),
             describe(20, batch_size=6, shuffle=True) + "; compared: input[0] - label per sample",
             "use the same shuffled indices for inputs and labels (one permutation of the "
             "samples), or the pairs get mixed up"),
        Case("shuffle changes the order", lambda: float(
            not np.array_equal(shuffled_epochs()[0], np.arange(20))), 1.0,
             describe(20, batch_size=6, shuffle=True) + "; compared: 1 if the order is not 0..19",
             "with shuffle=True draw a random permutation: " + every),
        Case("a new order every epoch", lambda: float(
            not np.array_equal(*shuffled_epochs())), 1.0,
             describe(20, batch_size=6, shuffle=True) + "; compared: 1 if two epochs differ",
             "draw the permutation in __iter__ (once per epoch), not once in __init__"),
        Case("shuffle leaves the dataset as it was", dataset_after_an_epoch,
             np.concatenate([[i, 10.0 * i, i] for i in range(20)]),
             describe(20, batch_size=6, shuffle=True) + "; compared after one epoch: "
             "dataset[i] for i = 0..19, each x then y",
             "shuffle the order in which you read the samples (a permutation of the indices), "
             "not the dataset: permuting its arrays in place reorders the caller's X and y"),
    ]
    run_cases(check, cases)
