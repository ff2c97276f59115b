"""Data loading: Dataset, TensorDataset, DataLoader and the 8x8 digits.

A ``Dataset`` answers two questions: how many samples are there (``len``) and what is sample
``i`` (``dataset[i]``). A ``DataLoader`` walks through a dataset in mini-batches, in a new random
order every epoch if asked, and stacks the samples of each batch into tensors::

    samples   0 1 2 3 4 5 6 7 8 9        DataLoader(dataset, batch_size=4, shuffle=True)
    epoch 1   7 2 9 0 | 4 1 8 5 | 3 6     batches (X[[7,2,9,0]], y[[7,2,9,0]]), ..., (X[[3,6]], ...)
    epoch 2   1 5 0 8 | 6 9 3 2 | 4 7     a new permutation every epoch

The loader owns its random generator (a numpy ``Generator``), so its state can be saved with a
checkpoint and restored: a resumed run then sees exactly the batches it would have seen.
"""

import math
from importlib import resources

import numpy as np

from tinytorch import random
from tinytorch.core._validation import check_flag, check_int
from tinytorch.core.tensor import Tensor


class Dataset:
    """Base class of datasets, like ``torch.utils.data.Dataset``.

    Subclasses implement ``__len__`` (the number of samples) and ``__getitem__(i)`` (sample ``i``,
    usually a tuple ``(input, target)`` of tensors, arrays or numbers).

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 5
        ...     def __getitem__(self, i):
        ...         return float(i), float(i * i)
        >>> next(iter(DataLoader(Squares(), batch_size=3)))
        (Tensor([0., 1., 2.]), Tensor([0., 1., 4.]))
    """

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__}.__len__ is not implemented")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__}.__getitem__ is not implemented")


class TensorDataset(Dataset):
    """Samples taken along the first dimension of equally long tensors, like ``torch``'s.

    ``dataset[i]`` is the tuple ``(tensors[0][i], tensors[1][i], ...)``. An index array or a slice
    gives a whole batch at once (a copy or a view, as numpy indexing gives); ``DataLoader`` uses
    index arrays: one numpy indexing operation per tensor and batch instead of one per sample.

    Args:
        *tensors: tensors (or numpy arrays) with the same size of the first dimension. Their
            dtypes are kept: float32 inputs stay float32, int64 labels stay int64.

    Shape:
        tensors[k]: ``(N, *)``; dataset[i]: a tuple of tensors of shape ``(*)``; dataset[indices]:
        ``(B, *)``.

    Example:
        >>> X = np.arange(6, dtype=np.float32).reshape(3, 2)
        >>> y = np.array([0, 1, 1], dtype=np.int64)
        >>> data = TensorDataset(X, y)
        >>> len(data)
        3
        >>> data[1]
        (Tensor([2., 3.]), Tensor(1))
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor, e.g. TensorDataset(X, y)")
        arrays = []
        for i, t in enumerate(tensors):
            if isinstance(t, Tensor):
                array = t.data
            elif isinstance(t, np.ndarray):
                array = Tensor(t).data  # the same checks as Tensor: numbers only
            else:
                raise TypeError(
                    f"TensorDataset: argument {i} must be a Tensor or a numpy array, got "
                    f"{type(t).__name__}"
                )
            if array.ndim == 0:
                raise ValueError(
                    f"TensorDataset: argument {i} is a scalar; each tensor needs a first "
                    f"dimension that indexes the samples"
                )
            arrays.append(array)
        sizes = [len(a) for a in arrays]
        if len(set(sizes)) > 1:
            raise ValueError(
                f"TensorDataset: all tensors must have the same size in the first dimension "
                f"(one row per sample), got sizes {sizes}"
            )
        self.tensors = tuple(Tensor._wrap(a) for a in arrays)

    def __len__(self):
        return len(self.tensors[0].data)

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)) and not -len(self) <= index < len(self):
            raise IndexError(
                f"TensorDataset: index {index} is out of range for a dataset of {len(self)} samples"
            )
        return tuple([Tensor._wrap(t.data[index]) for t in self.tensors])


class DataLoader:
    """Iterate over a dataset in mini-batches, optionally shuffled, like ``torch``'s DataLoader.

    Each iteration (epoch) yields ``ceil(N / batch_size)`` batches (``floor`` with
    ``drop_last=True``). A batch is what a sample is, with every tensor, array or number stacked
    along a new first dimension: a dataset of ``(x, y)`` pairs gives ``(X_batch, y_batch)``
    tensors. Numbers and arrays keep their kind: integer labels stay int64, Python floats become
    float32. A batch is always a new array, as PyTorch's collate makes it: editing it in place
    leaves the dataset alone.

    With ``shuffle=True`` every epoch draws a new permutation from the loader's own numpy
    Generator. ``seed`` fixes it; without a seed it is seeded from tinytorch's generator, so
    ``tinytorch.manual_seed`` makes the order reproducible too (as ``torch.manual_seed`` does for
    PyTorch's loader). ``state_dict()``/``load_state_dict()`` save and restore the generator, so a
    training run resumed from a checkpoint (saved between epochs) sees the same batches.

    Args:
        dataset: a ``Dataset`` (anything with ``__len__`` and ``__getitem__``).
        batch_size: samples per batch (default 1).
        shuffle: visit the samples in a new random order every epoch (default False).
        drop_last: drop the last batch if it is smaller than ``batch_size`` (default False).
        seed: integer seed for the shuffling generator (default None: drawn from tinytorch's).
        generator: a ``numpy.random.Generator`` to use instead (default None).

    Example:
        >>> X = np.arange(10, dtype=np.float32).reshape(5, 2)
        >>> loader = DataLoader(TensorDataset(X, np.arange(5)), batch_size=2)
        >>> len(loader)
        3
        >>> [y.tolist() for x, y in loader]
        [[0, 1], [2, 3], [4]]
        >>> sorted(sum((y.tolist() for x, y in DataLoader(loader.dataset, 2, shuffle=True)), []))
        [0, 1, 2, 3, 4]
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None,
                 generator=None):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader: dataset must have __len__ and __getitem__ (a Dataset), got "
                f"{type(dataset).__name__}"
            )
        if len(dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty; there is nothing to load")
        batch_size = check_int("DataLoader", "batch_size", batch_size, low=1)
        check_flag("DataLoader", "shuffle", shuffle)
        check_flag("DataLoader", "drop_last", drop_last)
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: give seed or generator, not both")
        if seed is not None:
            seed = check_int("DataLoader", "seed", seed, low=0)
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"DataLoader: generator must be a numpy.random.Generator, got "
                f"{type(generator).__name__}"
            )
        if generator is None:
            generator = np.random.default_rng(
                seed if seed is not None else random.generator().integers(2**63)
            )
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            indices = order[start:start + self.batch_size]
            if isinstance(self.dataset, TensorDataset):
                # The fast path: index every tensor once per batch. An index array (never a
                # slice, which would be a view) makes numpy copy, so that a batch edited in place
                # leaves the dataset alone, as PyTorch's collate does.
                yield self.dataset[indices]
            else:
                yield collate([self.dataset[i] for i in indices.tolist()])

    def state_dict(self):
        """The shuffling generator's state (plain Python data, JSON-ready)."""
        return {"generator": self.generator.bit_generator.state}

    def load_state_dict(self, state):
        """Restore the generator state saved by ``state_dict()``."""
        if not isinstance(state, dict) or set(state) != {"generator"}:
            raise ValueError(
                f"DataLoader.load_state_dict: expected the dict returned by state_dict() with "
                f"the key 'generator', got {state!r:.80}"
            )
        ours = self.generator.bit_generator.state["bit_generator"]
        theirs = state["generator"]
        if not isinstance(theirs, dict) or theirs.get("bit_generator") != ours:
            raise ValueError(
                f"DataLoader.load_state_dict: expected the generator state of a {ours} generator "
                f"(this loader's kind), got {theirs!r:.80}"
            )
        try:
            # numpy checks the rest of the state and sets all of it, or none of it.
            self.generator.bit_generator.state = theirs
        except (KeyError, TypeError, ValueError, OverflowError) as error:
            raise ValueError(
                f"DataLoader.load_state_dict: the generator state is damaged ({error!r}); "
                f"expected the state saved by state_dict()"
            ) from error

    def __repr__(self):
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)} samples, "
            f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})"
        )


def _kind(sample):
    """What a sample is, for collate: a tuple/list, a dict, a tensor/array, or a number."""
    if isinstance(sample, (tuple, list)):
        return "tuples/lists"
    if isinstance(sample, dict):
        return "dicts"
    if isinstance(sample, (Tensor, np.ndarray, np.generic)):
        return "tensors/arrays"
    if isinstance(sample, (bool, int, float)):
        return "numbers"
    raise TypeError(
        f"collate: cannot make a batch of {type(sample).__name__}; a sample must be made of "
        f"tensors, numpy arrays, numbers, or tuples/lists/dicts of them"
    )


def collate(samples):
    """Stack a list of samples into one batch, field by field (PyTorch's ``default_collate``).

    Tensors and arrays are stacked along a new first dimension, in the dtype they all promote to
    (numpy's rules: float32 with float64 gives float64). Python numbers become one tensor: int64
    for ints, bool if all are bools, and float32 as soon as one is a float (PyTorch: float64 when
    the first is a float). Tuples, lists and dicts are collated per field. Every sample must have
    the same structure; the batch is always a new array, never a view of a sample.

    Example:
        >>> collate([(Tensor([1.0, 2.0]), 0), (Tensor([3.0, 4.0]), 1)])
        (Tensor([[1., 2.],
                [3., 4.]]), Tensor([0, 1]))
        >>> collate([0, 0.5])
        Tensor([0. , 0.5])
    """
    kinds = sorted({_kind(s) for s in samples})
    if len(kinds) > 1:
        raise TypeError(
            f"collate: the samples of a batch mix {' and '.join(kinds)}; every sample must have "
            f"the same structure"
        )
    first = samples[0]
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise ValueError(
                f"collate: the samples of a batch have different lengths "
                f"{sorted({len(s) for s in samples})}; every sample must have the same fields"
            )
        return tuple(collate(list(field)) for field in zip(*samples))
    if isinstance(first, dict):
        keys = {tuple(sorted(s)) for s in samples}
        if len(keys) > 1:
            raise ValueError(
                f"collate: the samples of a batch have different keys "
                f"{[list(k) for k in sorted(keys)]}; every sample must have the same fields"
            )
        return {key: collate([s[key] for s in samples]) for key in first}
    if kinds == ["numbers"]:
        dtype = (np.float32 if any(isinstance(s, float) for s in samples)
                 else np.bool_ if all(isinstance(s, bool) for s in samples) else np.int64)
        return Tensor._wrap(np.array(samples, dtype=dtype))
    arrays = [s.data if isinstance(s, Tensor) else s for s in samples]
    shapes = {np.shape(a) for a in arrays}
    if len(shapes) > 1:
        raise ValueError(
            f"collate: the samples of a batch have different shapes {sorted(shapes)}; they can "
            f"only be stacked if they all have the same shape"
        )
    return Tensor._wrap(np.stack(arrays))


def load_digits():
    """The 8x8 handwritten digits, split 80/20: ``X_train, y_train, X_test, y_test``.

    1,797 grey-scale images of the digits 0-9 from the UCI ML repository ("Optical Recognition of
    Handwritten Digits", Alpaydin & Kaynak, 1998; CC BY 4.0), shipped inside the wheel (no
    network). Each image is 8x8 = 64 pixels, flattened, with values scaled from 0..16 to [0, 1].
    The split is fixed and stratified (every digit is 20 % of its images in the test set):
    1,437 training and 360 test images.

    Shape:
        X_train: (1437, 64) float32; y_train: (1437,) int64;
        X_test: (360, 64) float32; y_test: (360,) int64.

    Example:
        >>> X_train, y_train, X_test, y_test = load_digits()
        >>> X_train.shape, y_test.shape
        ((1437, 64), (360,))
        >>> float(X_train.min()), float(X_train.max()), sorted(set(y_train.tolist()))
        (0.0, 1.0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    with resources.files("tinytorch.utils").joinpath("digits.npz").open("rb") as file:
        with np.load(file, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in ("X_train", "y_train", "X_test", "y_test")}
    return (
        arrays["X_train"].astype(np.float32) / 16,
        arrays["y_train"].astype(np.int64),
        arrays["X_test"].astype(np.float32) / 16,
        arrays["y_test"].astype(np.int64),
    )
