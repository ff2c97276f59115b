"""The solutions of 08_dataloader.ipynb: TensorDataset and DataLoader."""

import math

import numpy as np

import tinytorch
from tinytorch import Tensor
from tinytorch.utils.data import Dataset


class TensorDataset(Dataset):
    """Samples along the first dimension of equally long tensors, like PyTorch's TensorDataset.

    dataset[i] is the tuple (tensors[0][i], tensors[1][i], ...), each part a Tensor.

    Example:
        data = TensorDataset(Tensor(X), Tensor(y))     # X (N, 64), y (N,)
        len(data)      gives N
        data[0]        gives (Tensor of shape (64,), Tensor of shape ())
    """

    def __init__(self, *tensors):
        sizes = [len(t.data) for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(
                f"TensorDataset: all tensors must have the same size of the first dimension "
                f"(one row per sample), got sizes {sizes}"
            )
        self.tensors = tensors

    def __len__(self):
        return len(self.tensors[0].data)

    def __getitem__(self, index):
        return tuple(Tensor(t.data[index]) for t in self.tensors)


class DataLoader:
    """Iterate over a dataset in mini-batches, like torch.utils.data.DataLoader.

    Args:
        dataset: anything with __len__ and __getitem__; dataset[i] is a tuple of Tensors.
        batch_size: samples per batch.
        shuffle: visit the samples in a new random order every epoch.
        drop_last: drop the last batch if it is smaller than batch_size.
        seed: seed of the loader's own random generator (None: a random seed).

    Example:
        for inputs, targets in DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True):
            ...   # inputs (32, 64), targets (32,); the last batch may be smaller
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = np.random.default_rng(seed)

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        end = len(self) * self.batch_size if self.drop_last else n
        for start in range(0, end, self.batch_size):
            samples = [self.dataset[int(i)] for i in order[start:start + self.batch_size]]
            # zip(*samples) gathers field k of every sample: all inputs, then all targets.
            yield tuple(Tensor(np.stack([part.data for part in field])) for field in zip(*samples))
