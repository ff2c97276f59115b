"""The solutions of 03_layers.ipynb: Linear, Sequential and Dropout.

Their random numbers come from tinytorch's generator, so ``tinytorch.manual_seed`` makes a model
built from them reproducible, as it does for the reference layers.
"""

import math

import numpy as np

import tinytorch
from tinytorch import Tensor
from tinytorch.core.module import Module


class Linear(Module):
    """A fully connected layer: y = x @ W.T + b, like torch.nn.Linear.

    weight: Tensor of shape (out_features, in_features); bias: Tensor of shape (out_features,),
    or None when bias=False. Both start uniform in [-1/sqrt(in_features), 1/sqrt(in_features)],
    as float32 tensors with requires_grad=True.

    Example:
        Linear(3, 2)(Tensor([[1.0, 2.0, 3.0]])).shape  gives  (1, 2)
    """

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1 / np.sqrt(in_features)
        rng = tinytorch.random.generator()
        weight = rng.uniform(-bound, bound, size=(out_features, in_features))
        self.weight = Tensor(weight.astype(np.float32), requires_grad=True)
        if bias:
            self.bias = Tensor(rng.uniform(-bound, bound, size=out_features).astype(np.float32),
                               requires_grad=True)
        else:
            self.bias = None

    def forward(self, x):
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias

    def extra_repr(self):  # given: what print(layer) shows inside the parentheses
        return f"in_features={self.in_features}, out_features={self.out_features}"


class Sequential(Module):
    """Modules applied one after another, like torch.nn.Sequential.

    Example:
        Sequential(Linear(4, 8), ReLU(), Linear(8, 2))(Tensor(np.ones((5, 4)))).shape  gives  (5, 2)
    """

    def __init__(self, *modules):
        super().__init__()
        self.layers = list(modules)

    def forward(self, x):
        for module in self.layers:
            x = module(x)
        return x


class Dropout(Module):
    """Randomly zero elements with probability p during training, like torch.nn.Dropout.

    Training: each element is kept with probability 1 - p and scaled by 1 / (1 - p).
    Evaluation (after .eval()): the input is returned unchanged.
    """

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = tinytorch.random.generator().random(x.shape) >= self.p
        # A mask of x's dtype and a number keep float32 activations float32.
        return x * Tensor(keep, dtype=x.dtype) / (1 - self.p)
