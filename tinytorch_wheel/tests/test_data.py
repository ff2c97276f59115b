"""Unit tests of tinytorch.utils.data: Dataset, TensorDataset, DataLoader, collate, load_digits."""

import numpy as np
import pytest

import tinytorch
from tinytorch.core.tensor import Tensor
from tinytorch.utils.data import DataLoader, Dataset, TensorDataset, collate, load_digits


def numbered(n=10):
    """A dataset whose inputs say which sample they are: X[i] = [i, 10 i], y[i] = i % 3."""
    X = np.stack([np.arange(n), 10 * np.arange(n)], axis=1).astype(np.float32)
    # int64 spelled out: numpy's default integer is int32 in Pyodide (wasm32).
    return TensorDataset(X, np.arange(n, dtype=np.int64) % 3)


class Squares(Dataset):
    """A map-style dataset computed on the fly (no tensors stored)."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return np.array([i, i * i], dtype=np.float64), i


# ----- TensorDataset ---------------------------------------------------------------------------
def test_tensor_dataset_items_and_length():
    data = numbered(5)
    assert len(data) == 5
    x, y = data[3]
    assert x.tolist() == [3.0, 30.0] and y.item() == 0
    assert data[-1][0].tolist() == [4.0, 40.0]
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert not x.requires_grad


def test_tensor_dataset_batches_by_index_array_and_slice():
    data = numbered(6)
    x, y = data[np.array([4, 0, 4])]
    assert x[:, 0].tolist() == [4.0, 0.0, 4.0] and y.tolist() == [1, 0, 1]
    x, y = data[1:3]
    assert x.shape == (2, 2) and y.tolist() == [1, 2]


def test_tensor_dataset_accepts_tensors_and_keeps_dtypes():
    X = Tensor(np.zeros((4, 2)))
    data = TensorDataset(X, Tensor(np.arange(4, dtype=np.int64)), np.ones(4, dtype=np.float32))
    assert [t.dtype for t in data[0]] == [np.float64, np.int64, np.float32]


@pytest.mark.parametrize("args, error, message", [
    ((), ValueError, "at least one tensor"),
    ((np.zeros((3, 2)), np.zeros(4)), ValueError, r"same size in the first dimension.*\[3, 4\]"),
    ((np.zeros(3), [1, 2, 3]), TypeError, "argument 1 must be a Tensor or a numpy array"),
    ((np.array(1.0),), ValueError, "scalar"),
    ((np.array(["a", "b"]),), TypeError, "numbers"),
])
def test_tensor_dataset_rejects_bad_input(args, error, message):
    with pytest.raises(error, match=message):
        TensorDataset(*args)


def test_tensor_dataset_index_out_of_range():
    with pytest.raises(IndexError, match="index 5 is out of range for a dataset of 5 samples"):
        numbered(5)[5]


def test_dataset_base_class_needs_methods():
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]


# ----- DataLoader ------------------------------------------------------------------------------
@pytest.mark.parametrize("n, batch_size, drop_last, sizes", [
    (10, 3, False, [3, 3, 3, 1]),
    (10, 3, True, [3, 3, 3]),
    (9, 3, False, [3, 3, 3]),
    (9, 3, True, [3, 3, 3]),
    (4, 10, False, [4]),
    (4, 10, True, []),
    (5, 1, False, [1, 1, 1, 1, 1]),
])
def test_batch_sizes_and_len(n, batch_size, drop_last, sizes):
    loader = DataLoader(numbered(n), batch_size=batch_size, drop_last=drop_last)
    assert [len(x) for x, _ in loader] == sizes
    assert len(loader) == len(sizes)


def test_unshuffled_batches_are_in_order_and_aligned():
    batches = list(DataLoader(numbered(7), batch_size=3))
    xs = np.concatenate([x.data for x, _ in batches])
    ys = np.concatenate([y.data for _, y in batches])
    assert xs[:, 0].tolist() == list(range(7))
    assert ys.tolist() == [i % 3 for i in range(7)]
    assert all(isinstance(t, Tensor) for batch in batches for t in batch)
    assert batches[0][1].dtype == np.int64 and batches[0][0].dtype == np.float32


def test_shuffle_is_a_new_permutation_every_epoch_and_keeps_pairs():
    loader = DataLoader(numbered(50), batch_size=8, shuffle=True, seed=3)
    orders = []
    for _ in range(3):
        batches = list(loader)
        xs = np.concatenate([x.data for x, _ in batches])
        ys = np.concatenate([y.data for _, y in batches])
        assert sorted(xs[:, 0].tolist()) == list(range(50))
        np.testing.assert_array_equal(xs[:, 1], 10 * xs[:, 0])
        np.testing.assert_array_equal(ys, xs[:, 0].astype(int) % 3)
        orders.append(xs[:, 0].tolist())
    assert orders[0] != list(range(50))
    assert orders[0] != orders[1] != orders[2]


def first_order(loader):
    return np.concatenate([x.data[:, 0] for x, _ in loader]).tolist()


def test_seed_makes_the_order_reproducible():
    a = DataLoader(numbered(30), batch_size=4, shuffle=True, seed=11)
    b = DataLoader(numbered(30), batch_size=4, shuffle=True, seed=11)
    c = DataLoader(numbered(30), batch_size=4, shuffle=True, seed=12)
    assert first_order(a) == first_order(b) != first_order(c)


def test_without_seed_manual_seed_makes_the_order_reproducible():
    tinytorch.manual_seed(5)
    a = DataLoader(numbered(30), batch_size=4, shuffle=True)
    tinytorch.manual_seed(5)
    b = DataLoader(numbered(30), batch_size=4, shuffle=True)
    assert first_order(a) == first_order(b)


def test_generator_argument_is_used():
    a = DataLoader(numbered(30), batch_size=4, shuffle=True, generator=np.random.default_rng(1))
    b = DataLoader(numbered(30), batch_size=4, shuffle=True, seed=1)
    assert first_order(a) == first_order(b)


def test_state_dict_resumes_the_exact_order():
    loader = DataLoader(numbered(40), batch_size=6, shuffle=True, seed=0)
    first_order(loader)
    state = loader.state_dict()
    expected = [first_order(loader) for _ in range(2)]
    other = DataLoader(numbered(40), batch_size=6, shuffle=True, seed=99)
    other.load_state_dict(state)
    assert [first_order(other) for _ in range(2)] == expected
    import json
    assert json.loads(json.dumps(state)) == state  # plain JSON data, no pickle needed


def test_load_state_dict_rejects_other_states():
    loader = DataLoader(numbered(4), seed=0)
    with pytest.raises(ValueError, match="expected the dict returned by state_dict"):
        loader.load_state_dict({"rng": 1})
    mt = DataLoader(numbered(4), generator=np.random.Generator(np.random.MT19937(0)))
    with pytest.raises(ValueError, match="MT19937"):
        loader.load_state_dict(mt.state_dict())


def test_generic_dataset_is_collated():
    batches = list(DataLoader(Squares(), batch_size=3))
    x, y = batches[0]
    assert x.data.tolist() == [[0, 0], [1, 1], [2, 4]] and x.dtype == np.float64
    assert y.tolist() == [0, 1, 2] and y.dtype == np.int64
    assert [len(b[1]) for b in batches] == [3, 3, 1]
    shuffled = DataLoader(Squares(), batch_size=2, shuffle=True, seed=0)
    ys = sorted(np.concatenate([y.data for _, y in shuffled]).tolist())
    assert ys == list(range(7))


def test_collate_kinds():
    assert collate([1.5, 2.5]).dtype == np.float32
    assert collate([True, False]).dtype == np.bool_
    batch = collate([{"a": 1, "b": Tensor([1.0])}, {"a": 2, "b": Tensor([2.0])}])
    assert batch["a"].tolist() == [1, 2] and batch["b"].shape == (2, 1)
    mixed = collate([Tensor([1.0, 2.0]), np.array([3.0, 4.0], dtype=np.float32)])
    assert mixed.tolist() == [[1.0, 2.0], [3.0, 4.0]] and mixed.dtype == np.float32
    with pytest.raises(ValueError, match="different shapes"):
        collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match="different lengths"):
        collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="cannot make a batch of str"):
        collate(["a", "b"])


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(batch_size=0), ValueError, "batch_size must be a positive integer, got 0"),
    (dict(batch_size=2.5), TypeError, r"batch_size must be a positive integer, got 2.5 \(float\)"),
    (dict(batch_size=True), TypeError, "batch_size"),
    (dict(shuffle=1), TypeError, "shuffle must be True or False"),
    (dict(drop_last="no"), TypeError, "drop_last"),
    (dict(seed=-1), ValueError, "seed must be an integer >= 0, got -1"),
    (dict(seed="1"), TypeError, "seed must be an integer >= 0"),
    (dict(seed=1, generator=np.random.default_rng()), ValueError, "not both"),
    (dict(generator=np.random.RandomState(0)), TypeError, "numpy.random.Generator"),
])
def test_dataloader_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        DataLoader(numbered(4), **kwargs)


def test_dataloader_rejects_bad_datasets():
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader(iter([1, 2]))
    with pytest.raises(ValueError, match="empty"):
        DataLoader([])


def test_repr():
    assert repr(DataLoader(numbered(4), batch_size=2)) == (
        "DataLoader(TensorDataset of 4 samples, batch_size=2, shuffle=False, drop_last=False)")


# ----- batches are copies, and collate looks at every sample (issue 11) ----------------------
class Rows(Dataset):
    """A hand-written dataset whose samples are views of its arrays (``X[i]`` is a view)."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], self.y[i]


def rows(n):
    data = numbered(n)
    return Rows(data.tensors[0].data, data.tensors[1].data)


def stored_arrays(data):
    return [t.data for t in data.tensors] if isinstance(data, TensorDataset) else [data.X, data.y]


@pytest.mark.parametrize("batch_size", [1, 3, 7])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("make", [numbered, rows])
def test_editing_a_batch_in_place_never_changes_the_dataset(make, shuffle, batch_size):
    # PyTorch's default_collate copies: a learner who scales a batch in place (x *= 2) must not
    # scale the data set itself, again in every epoch.
    data = make(7)
    original = [a.copy() for a in stored_arrays(data)]
    loader = DataLoader(data, batch_size=batch_size, shuffle=shuffle, seed=0)
    for _ in range(2):
        for x, y in loader:
            x.data *= 2
            y.data += 1
    for now, before in zip(stored_arrays(data), original):
        np.testing.assert_array_equal(now, before)


@pytest.mark.parametrize("samples, values, dtype", [
    ([0, 0.5], [0.0, 0.5], np.float32),       # one float makes the batch float
    ([2, 0.25, 1], [2.0, 0.25, 1.0], np.float32),
    ([True, 2], [1, 2], np.int64),            # a bool among ints is the int 1
    ([True, 0.5], [1.0, 0.5], np.float32),
    ([0.5, 1], [0.5, 1.0], np.float32),       # float32 here; default_collate gives float64
])
def test_collate_numbers_take_the_dtype_of_the_whole_batch(samples, values, dtype):
    batch = collate(samples)
    assert batch.dtype == dtype
    assert batch.tolist() == values


@pytest.mark.parametrize("samples, error, message", [
    ([1.0, None], TypeError, "cannot make a batch of NoneType"),
    ([1, "a"], TypeError, "cannot make a batch of str"),
    ([1, np.zeros(2)], TypeError, "mix"),
    ([(1, 2), {"a": 1, "b": 2}], TypeError, "mix"),
    ([{"a": 1}, {"b": 2}], ValueError, r"different keys.*\['a'\].*\['b'\]"),
    ([{"a": 1}, {"a": 2, "b": 3}], ValueError, "different keys"),
])
def test_collate_checks_every_sample_not_only_the_first(samples, error, message):
    with pytest.raises(error, match=message):
        collate(samples)


@pytest.mark.parametrize("state", [
    {"generator": 5},
    {"generator": {"bit_generator": "PCG64", "state": "garbage"}},
    {"generator": {"bit_generator": "PCG64"}},
    {"generator": {"bit_generator": "PCG64", "state": {"state": -1, "inc": 1}, "has_uint32": 0,
                   "uinteger": 0}},
])
def test_load_state_dict_refuses_a_damaged_generator_state_and_keeps_its_own(state):
    loader = DataLoader(numbered(4), seed=0)
    before = loader.state_dict()
    with pytest.raises(ValueError, match="DataLoader.load_state_dict: .*generator state"):
        loader.load_state_dict(state)
    assert loader.state_dict() == before


# ----- load_digits -----------------------------------------------------------------------------
def test_load_digits():
    X_train, y_train, X_test, y_test = load_digits()
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    # The pixels were integers 0..16 before scaling.
    np.testing.assert_array_equal(X_train * 16, np.round(X_train * 16))
    digits, train_counts = np.unique(y_train, return_counts=True)
    assert digits.tolist() == list(range(10))
    test_counts = np.unique(y_test, return_counts=True)[1]
    # Stratified: every digit has 20 % of its images in the test set, to within one image.
    share = test_counts / (train_counts + test_counts)
    assert np.all(np.abs(test_counts - 0.2 * (train_counts + test_counts)) <= 1), share
    # Fixed split: the same every call; the 1,797 images are all different, so 1,797 distinct
    # rows means that no image is in both parts.
    again = load_digits()
    np.testing.assert_array_equal(again[0], X_train)
    assert len(np.unique(np.concatenate([X_train, X_test]), axis=0)) == 1797


def test_digits_file_loads_without_pickle():
    from importlib import resources
    with resources.files("tinytorch.utils").joinpath("digits.npz").open("rb") as f:
        with np.load(f, allow_pickle=False) as stored:
            assert sorted(stored.files) == ["X_test", "X_train", "y_test", "y_train"]
            assert stored["X_train"].dtype == np.uint8
    licence = resources.files("tinytorch.utils").joinpath("DIGITS_LICENSE.txt").read_text()
    assert "CC BY 4.0" in licence and "Alpaydin" in licence
