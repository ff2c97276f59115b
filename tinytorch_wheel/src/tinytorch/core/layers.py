"""Layers: Linear, Sequential and Dropout, built on ``Module`` (``tinytorch.core.module``, whose
name this file re-exports, so ``from tinytorch.core.layers import Module`` works as before).
"""

import numpy as np

from tinytorch import random
from tinytorch.core._validation import check_int, check_number, check_tensor
from tinytorch.core.autograd import Function
from tinytorch.core.module import Module
from tinytorch.core.tensor import Tensor


class LinearFunction(Function):
    """y = x @ W^T + b as one node of the graph, like PyTorch's ``F.linear``.

    With g = dL/dy and the batch (all leading axes of x) flattened into rows:
    dL/dx = g @ W,  dL/dW = g^T @ x,  dL/db = g summed over the batch.

    One node instead of three (transpose, matmul, add) keeps the per-operation overhead of a
    training step low, and puts a layer's three gradients side by side.
    """

    def forward(self, x, weight, bias=None):
        self.x, self.weight = x, weight
        y = x @ weight.T
        return y if bias is None else y + bias

    def backward(self, grad):
        # The input batch itself (the first layer's x) needs no gradient: skip that product.
        grad_x = grad @ self.weight if self.inputs[0].requires_grad else None
        x, g = self.x, grad
        if x.ndim != 2:  # (N, d1, ..., in): every position is a row of the batch
            x, g = x.reshape(-1, x.shape[-1]), g.reshape(-1, g.shape[-1])
        grad_w = g.T @ x
        if len(self.inputs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, g.sum(axis=0)


class Linear(Module):
    r"""A fully connected layer: ``y = x @ W.T + b``, like ``torch.nn.Linear``.

    Weight and bias start uniform in [-1/sqrt(in_features), 1/sqrt(in_features)], PyTorch's
    default, so that outputs keep roughly the scale of the inputs.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: whether to add a learnable bias (default True).
        dtype: dtype of the parameters (default float32).

    Shape:
        input: (*, in_features); output: (*, out_features).

    Example:
        >>> layer = Linear(3, 2)
        >>> layer(Tensor([[1.0, 2.0, 3.0]])).shape
        (1, 2)
        >>> layer
        Linear(in_features=3, out_features=2, bias=True)
    """

    def __init__(self, in_features, out_features, bias=True, dtype=np.float32):
        super().__init__()
        self.in_features = check_int("Linear", "in_features", in_features, low=1)
        self.out_features = check_int("Linear", "out_features", out_features, low=1)
        bound = 1.0 / np.sqrt(in_features)
        rng = random.generator()
        self.weight = Tensor(
            rng.uniform(-bound, bound, (out_features, in_features)).astype(dtype), requires_grad=True
        )
        self.bias = (
            Tensor(rng.uniform(-bound, bound, out_features).astype(dtype), requires_grad=True)
            if bias
            else None
        )

    def forward(self, x):
        check_tensor("Linear", "input", x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear: input has shape {x.shape}, but this layer expects the last dimension "
                f"to be in_features={self.in_features}"
            )
        if self.bias is None:
            return LinearFunction.apply(x, self.weight)
        return LinearFunction.apply(x, self.weight, self.bias)

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Sequential(Module):
    """Modules applied one after another, like ``torch.nn.Sequential``.

    Example:
        >>> from tinytorch.core.activations import ReLU
        >>> model = Sequential(Linear(4, 8), ReLU(), Linear(8, 2))
        >>> model(Tensor(np.ones((5, 4), dtype=np.float32))).shape
        (5, 2)
        >>> [name for name, _ in model.named_parameters()]
        ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *modules):
        super().__init__()
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(
                    f"Sequential: argument {i} must be a Module, got {type(module).__name__}"
                )
        self.layers = list(modules)

    def named_children(self):
        for i, module in enumerate(self.layers):
            yield str(i), module

    def forward(self, x):
        for module in self.layers:
            x = module(x)
        return x

    def __getitem__(self, index):
        if isinstance(index, slice):  # model[:2] is a smaller model, as in PyTorch
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)


class Dropout(Module):
    """Randomly zero elements during training, like ``torch.nn.Dropout``.

    In training mode each element is kept with probability ``1 - p`` and scaled by
    ``1 / (1 - p)``, so the expected value is unchanged; in evaluation mode (``model.eval()``)
    the input passes through untouched.

    Args:
        p: probability of zeroing an element, in [0, 1).

    Shape:
        input: any; output: the same shape.

    Example:
        >>> drop = Dropout(p=0.5).eval()
        >>> drop(Tensor([1.0, 2.0]))
        Tensor([1., 2.])
    """

    def __init__(self, p=0.5):
        super().__init__()
        self.p = check_number("Dropout", "p", p, low=0, high=1, high_open=True,
                              what="a probability")

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = random.generator().random(x.shape) >= self.p
        return x * Tensor(keep.astype(x.dtype) / (1 - self.p))

    def extra_repr(self):
        return f"p={self.p}"
