"""The solutions of 05_autograd.ipynb: four backward passes, unbroadcast, the engine
(topological_order, backward, no_grad) and numerical_gradient.
"""

import contextlib

import numpy as np

import tinytorch.core.autograd as tinytorch_autograd
from tinytorch import Tensor
from tinytorch.core.autograd import Function


class Mul(Function):
    """z = a * b (elementwise);  dz/da = b, dz/db = a."""

    def forward(self, a, b):
        self.a, self.b = a, b          # saved for backward
        return a * b

    def backward(self, grad):
        """grad = dL/dz, shaped like z. Return (dL/da, dL/db)."""
        return grad * self.b, grad * self.a


class Exp(Function):
    """z = exp(a);  dz/da = exp(a) = z."""

    def forward(self, a):
        self.z = np.exp(a)
        return self.z

    def backward(self, grad):
        return grad * self.z


class Sum(Function):
    """z = sum of a over axis (None: all elements);  every summed element gets grad of its sum."""

    def forward(self, a, axis, keepdims):
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        return a.sum(axis=axis, keepdims=keepdims)

    def backward(self, grad):
        if not self.keepdims and self.axis is not None:
            grad = np.expand_dims(grad, self.axis)
        return np.broadcast_to(grad, self.shape)


class MatMul(Function):
    """Z = A @ B for matrices A (n, k) and B (k, m), or batches of them (b, n, k) and (b, k, m);
    dL/dA = grad @ B^T, dL/dB = A^T @ grad, where ^T swaps the last two axes."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, grad):
        return grad @ np.swapaxes(self.b, -1, -2), np.swapaxes(self.a, -1, -2) @ grad


class LinearFunction(Function):
    """y = x @ weight.T + bias, for x (N, in_features), weight (out_features, in_features),
    bias (out_features,)."""

    def forward(self, x, weight, bias):
        self.x, self.weight = x, weight
        return x @ weight.T + bias

    def backward(self, grad):
        return grad @ self.weight, grad.T @ self.x, grad.sum(axis=0)


def unbroadcast(grad, shape):
    """Sum grad over the axes that broadcasting added or stretched, so that it has `shape`.

    Example:
        unbroadcast(np.ones((4, 3)), (3,))    gives  [4., 4., 4.]
        unbroadcast(np.ones((4, 3)), (4, 1))  gives  [[3.], [3.], [3.], [3.]]
    """
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def topological_order(root):
    """Every tensor that requires a gradient and leads to root, each after all of its inputs.

    Follow t.grad_fn.inputs from root (t.grad_fn is None for a leaf); visit each tensor once,
    skip inputs that do not require gradients, and add a tensor to the list only once all of
    its inputs are in it. root comes last.
    """
    order, visited = [], set()

    def visit(tensor):
        if id(tensor) in visited:
            return
        visited.add(id(tensor))
        if tensor.grad_fn is not None:
            for inp in tensor.grad_fn.inputs:
                if inp.requires_grad:
                    visit(inp)
        order.append(tensor)

    visit(root)
    return order


def backward(root, grad=None):
    """Fill .grad of every leaf that root depends on: d(root)/d(leaf), times grad.

    grad is a numpy array shaped like root; None means 1, which only makes sense for a root
    with one element (anything else is a ValueError that says so). Walk topological_order(root)
    backwards, hand each tensor's gradient to its grad_fn.backward, unbroadcast what comes back
    to each input's shape, and add (never overwrite) gradients that meet at the same tensor.
    Leaves keep theirs in .grad, added to what .grad already holds.
    """
    if grad is None:
        if root.data.size != 1:
            raise ValueError(
                f"backward: a gradient can only be implied for a scalar, but root has shape "
                f"{root.shape}; reduce it first (e.g. loss.mean()) or pass grad"
            )
        grad = np.ones_like(root.data)
    grads = {id(root): grad}
    for tensor in reversed(topological_order(root)):
        grad = grads.pop(id(tensor))
        if tensor.grad_fn is None:  # a leaf: a copy of its own, which zero_grad may change
            tensor.grad = Tensor(np.array(grad) if tensor.grad is None else tensor.grad.data + grad)
            continue
        input_grads = tensor.grad_fn.backward(grad)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for inp, inp_grad in zip(tensor.grad_fn.inputs, input_grads):
            if inp_grad is None or not inp.requires_grad:
                continue
            inp_grad = unbroadcast(np.asarray(inp_grad), inp.shape)
            grads[id(inp)] = grads[id(inp)] + inp_grad if id(inp) in grads else inp_grad


@contextlib.contextmanager
def no_grad():
    """Inside `with no_grad():` operations record no graph; afterwards, as before.

    Operations record the graph while tinytorch_autograd.grad_enabled is True. Switch it off on
    entry and put back the value it had before on exit, also when the block raises.
    """
    before = tinytorch_autograd.grad_enabled
    tinytorch_autograd.grad_enabled = False
    try:
        yield
    finally:
        tinytorch_autograd.grad_enabled = before


def numerical_gradient(f, x, eps=1e-6):
    """The gradient of a scalar function f at x by central differences.

    grad[i] = (f(x + eps * e_i) - f(x - eps * e_i)) / (2 * eps), for every index i of x.
    x is a float64 numpy array; each element is nudged in place and restored afterwards.

    Example:
        numerical_gradient(lambda a: np.sum(a ** 2), np.array([1.0, -2.0]))  gives about  [2., -4.]
    """
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = f(x)
        x[index] = original - eps
        minus = f(x)
        x[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad
