"""Layers: Module (the base of every model), Linear, Sequential and Dropout.

A ``Module`` is an object with a ``forward`` method and parameters. Its parameters are found by
looking at its attributes: every ``Tensor`` attribute that requires gradients is a parameter, and
every ``Module`` attribute (or list of modules) is a child whose parameters are included, with
dotted names, exactly as ``torch.nn.Module.named_parameters`` reports them::

    Sequential                      named_parameters()
    ├── (0) Linear  weight, bias    0.weight  (128, 64)   0.bias  (128,)
    ├── (1) ReLU
    └── (2) Linear  weight, bias    2.weight  (10, 128)   2.bias  (10,)
"""

import numpy as np

from tinytorch import random
from tinytorch.core.autograd import Function
from tinytorch.core.tensor import Tensor


class Module:
    """Base class of layers, activations, losses and models, like ``torch.nn.Module``.

    Subclasses implement ``forward``; calling the module calls ``forward``. Assign parameters
    (tensors with ``requires_grad=True``) and sub-modules as attributes in ``__init__``.

    Example:
        >>> class Scale(Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.factor = Tensor([2.0], requires_grad=True)
        ...     def forward(self, x):
        ...         return x * self.factor
        >>> Scale()(Tensor([1.0, 3.0]))
        Tensor([2., 6.], requires_grad=True)
        >>> [name for name, _ in Scale().named_parameters()]
        ['factor']
    """

    training = True

    def __init__(self):
        self.training = True

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ----- the module tree ---------------------------------------------------------------------
    def named_children(self):
        """Direct sub-modules as ``(name, module)`` pairs, in the order they were assigned."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item

    def named_parameters(self, prefix=""):
        """Every parameter of this module and its children as ``(dotted_name, tensor)`` pairs."""
        seen = set()
        for name, value in vars(self).items():
            if isinstance(value, Tensor) and value.requires_grad and id(value) not in seen:
                seen.add(id(value))
                yield prefix + name, value
        for name, child in self.named_children():
            for sub_name, value in child.named_parameters(prefix=f"{prefix}{name}."):
                if id(value) not in seen:
                    seen.add(id(value))
                    yield sub_name, value

    def parameters(self):
        """The parameters as a list, ready for an optimizer: ``SGD(model.parameters(), lr=0.1)``."""
        return [value for _, value in self.named_parameters()]

    def modules(self):
        """This module and all of its descendants."""
        yield self
        for _, child in self.named_children():
            yield from child.modules()

    # ----- modes ------------------------------------------------------------------------------------
    def train(self, mode=True):
        """Switch this module and its children to training mode (``mode=False``: evaluation)."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(): mode must be True or False, got {mode!r}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        """Switch to evaluation mode: dropout passes its input through unchanged."""
        return self.train(False)

    def zero_grad(self):
        """Reset the gradients of every parameter (``optimizer.zero_grad()`` does the same)."""
        for p in self.parameters():
            p.grad = None

    # ----- saving and loading -----------------------------------------------------------------------
    def state_dict(self):
        """A dict from each parameter's dotted name to a copy of its values (a numpy array)."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict):
        """Copy values from ``state_dict`` into the parameters, checking names and shapes."""
        if not isinstance(state_dict, dict):
            raise TypeError(
                f"load_state_dict: expected a dict of name -> array, got {type(state_dict).__name__}"
            )
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state_dict]
        unexpected = [name for name in state_dict if name not in params]
        if missing or unexpected:
            raise KeyError(
                f"load_state_dict: the state does not match the model's parameters "
                f"(missing: {missing or 'none'}; unexpected: {unexpected or 'none'})"
            )
        for name, p in params.items():
            value = state_dict[name]
            value = np.asarray(value.data if isinstance(value, Tensor) else value)
            if value.shape != p.shape:
                raise ValueError(
                    f"load_state_dict: {name} has shape {value.shape} in the state but "
                    f"{p.shape} in the model"
                )
            p.data[...] = value

    # ----- printing ----------------------------------------------------------------------------------
    def extra_repr(self):
        """The text between the parentheses of this module's ``repr`` (subclasses override it)."""
        return ""

    def __repr__(self):
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_repr}")
        lines.append(")")
        return "\n".join(lines)


def _check_positive_int(owner, name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


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
        _check_positive_int("Linear", "in_features", in_features)
        _check_positive_int("Linear", "out_features", out_features)
        self.in_features, self.out_features = in_features, out_features
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
        if not isinstance(x, Tensor):
            raise TypeError(f"Linear: input must be a Tensor, got {type(x).__name__}")
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
        if not isinstance(p, (int, float)) or not 0 <= p < 1:
            raise ValueError(f"Dropout: p must be a probability in [0, 1), got {p!r}")
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = random.generator().random(x.shape) >= self.p
        return x * Tensor(keep.astype(x.dtype) / (1 - self.p))

    def extra_repr(self):
        return f"p={self.p}"
