"""Right and wrong answers to the module 08 learner checks, and their unwritten exercises.

Each check runs on the reference (tinytorch.utils.data), on a learner-style version and on
typical mistakes, each of which must fail with the standard AssertionError.

RIGHT, WRONG and STUBS are run by test_checks_contract.py; what only these checks say is
tested in test_checks_data.py.
"""

import math

import numpy as np

from tinytorch.core.tensor import Tensor
from tinytorch.utils import data


# ===== TensorDataset =============================================================================
class GoodTensorDataset:
    def __init__(self, *tensors):
        if len({len(t.data) for t in tensors}) != 1:
            raise ValueError(f"all tensors need the same first dimension, got "
                             f"{[len(t.data) for t in tensors]}")
        self.tensors = tensors

    def __len__(self):
        return len(self.tensors[0].data)

    def __getitem__(self, i):
        return tuple(Tensor(t.data[i]) for t in self.tensors)


def dataset_variant(length="rows", item="rows", check_lengths=True):
    class TensorDataset(GoodTensorDataset):
        def __init__(self, *tensors):
            if check_lengths:
                super().__init__(*tensors)
            self.tensors = tensors

        def __len__(self):
            if length == "tensors":
                return len(self.tensors)
            if length == "elements":
                return self.tensors[0].data.size
            return super().__len__()

        def __getitem__(self, i):
            if item == "first only":
                return Tensor(self.tensors[0].data[i])
            if item == "floats":
                return tuple(Tensor(t.data[i].tolist()) for t in self.tensors)
            if item == "arrays":
                return tuple(t.data[i] for t in self.tensors)
            if item == "shifted":
                return tuple(Tensor(t.data[(i + 1) % len(self)]) for t in self.tensors)
            if item == "first two":
                return tuple(Tensor(t.data[i]) for t in self.tensors[:2])
            return super().__getitem__(i)

    return TensorDataset


# ===== DataLoader ================================================================================
class GoodDataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False):
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last = shuffle, drop_last

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = np.random.permutation(n) if self.shuffle else np.arange(n)
        for k in range(len(self)):
            samples = [self.dataset[int(i)] for i in order[k * self.batch_size:(k + 1) * self.batch_size]]
            yield tuple(Tensor(np.stack([s[j].data for s in samples])) for j in range(len(samples[0])))


def loader_variant(length="right", drop="right", shuffle="right", stop="right"):
    class DataLoader(GoodDataLoader):
        def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False):
            super().__init__(dataset, batch_size, shuffle, drop_last)
            self.fixed_order = np.random.permutation(len(dataset))

        def __len__(self):
            n = len(self.dataset)
            if length == "floor":
                return n // self.batch_size
            if length == "ceil":
                return math.ceil(n / self.batch_size)
            return super().__len__()

        def __iter__(self):
            X, y = self.dataset.tensors
            n = len(self.dataset)
            if self.shuffle and shuffle != "ignored":
                order = self.fixed_order if shuffle == "once" else np.random.permutation(n)
            else:
                order = np.arange(n)
            labels_order = np.random.permutation(n) if self.shuffle and shuffle == "apart" else order
            last = n
            if drop == "always" or (self.drop_last and drop == "right"):
                last = n - n % self.batch_size
            if stop == "early":
                last = n - self.batch_size
            for start in range(0, last, self.batch_size):
                end = min(start + self.batch_size, last)
                yield (Tensor(X.data[order[start:end]]), Tensor(y.data[labels_order[start:end]]))

    return DataLoader


class DataLoaderShufflingTheDataset(GoodDataLoader):
    """Shuffles the dataset's own arrays (the same permutation for all), then reads in order."""

    def __iter__(self):
        if self.shuffle:
            order = np.random.permutation(len(self.dataset))
            for t in self.dataset.tensors:
                t.data[...] = t.data[order]
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield self.dataset[slice(start, min(start + self.batch_size, len(self.dataset)))]


EXERCISES = {
    "check_tensor_dataset": dict(
        reference=data.TensorDataset,
        good=GoodTensorDataset,
        wrong={
            "len is the number of tensors": dataset_variant(length="tensors"),
            "len counts elements": dataset_variant(length="elements"),
            "returns only the first tensor": dataset_variant(item="first only"),
            "labels become floats": dataset_variant(item="floats"),
            "numpy arrays instead of Tensors": dataset_variant(item="arrays"),
            "off by one": dataset_variant(item="shifted"),
            "only two tensors": dataset_variant(item="first two"),
            "no length check": dataset_variant(check_lengths=False),
        },
    ),
    "check_dataloader": dict(
        reference=data.DataLoader,
        good=GoodDataLoader,
        wrong={
            "len rounds down": loader_variant(length="floor"),
            "len ignores drop_last": loader_variant(length="ceil"),
            "drop_last ignored": loader_variant(drop="ignored"),
            "always drops the last batch": loader_variant(drop="always"),
            "shuffles once in __init__": loader_variant(shuffle="once"),
            "shuffles inputs and labels apart": loader_variant(shuffle="apart"),
            "never shuffles": loader_variant(shuffle="ignored"),
            "stops a batch early": loader_variant(stop="early"),
            "shuffles the dataset in place": DataLoaderShufflingTheDataset,
        },
    ),
}

RIGHT = {check: [spec["reference"], spec["good"]] for check, spec in EXERCISES.items()}
WRONG = {check: spec["wrong"] for check, spec in EXERCISES.items()}


class Stub:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("Store the tensors and check their lengths.")


STUBS = dict.fromkeys(EXERCISES, Stub)
