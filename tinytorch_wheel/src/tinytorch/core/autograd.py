"""Reverse-mode automatic differentiation: Function, the graph, backward() and no_grad.

Every differentiable operation is a ``Function`` with a ``forward`` (numpy arrays in, a numpy
array out) and a ``backward`` (the gradient of the output in, one gradient per input out). Calling
``SomeFunction.apply(*tensors)`` runs the forward and, when gradients are wanted, remembers the
function on the output tensor. Those links form the computation graph::

    x ──┐
        ├─ Mul ─── y ─── Sum ─── loss        loss.backward() walks this graph
    w ──┘                                    from right to left, calling each
                                             Function's backward once.

``backward`` visits the graph in reverse topological order, so every tensor has received the
gradients from all of its users before its own function passes gradients on.
"""

import contextlib

import numpy as np

_grad_enabled = True


def is_grad_enabled():
    """Return True when operations record the graph (outside ``no_grad``)."""
    return _grad_enabled


@contextlib.contextmanager
def no_grad():
    """Context manager (and decorator) that stops recording the graph, like ``torch.no_grad``.

    Use it for evaluation and for optimizer updates: results have ``requires_grad=False`` and no
    graph is kept, which saves memory and time.

    Example:
        >>> from tinytorch.core.tensor import Tensor
        >>> w = Tensor([1.0, 2.0], requires_grad=True)
        >>> with no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
    """
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = False
    try:
        yield
    finally:
        _grad_enabled = previous


class Function:
    """One differentiable operation: ``forward`` and ``backward`` side by side.

    Subclasses implement ``forward(self, *arrays, **options)`` returning a numpy array, saving on
    ``self`` whatever the backward needs, and ``backward(self, grad)`` returning the gradient for
    each input (a tuple with one entry per input, or a single array for one input; ``None`` for an
    input that needs no gradient). Gradients may keep a broadcast shape: the engine sums them back
    to each input's shape in one place (``unbroadcast``).

    Example:
        >>> import numpy as np
        >>> from tinytorch.core.tensor import Tensor
        >>> class Cube(Function):
        ...     def forward(self, x):
        ...         self.x = x
        ...         return x ** 3
        ...     def backward(self, grad):
        ...         return grad * 3 * self.x ** 2
        >>> x = Tensor([2.0], requires_grad=True)
        >>> Cube.apply(x).backward(Tensor([1.0]))
        >>> x.grad
        Tensor([12.])
    """

    inputs = ()

    def forward(self, *arrays, **options):
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, grad):
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    @classmethod
    def apply(cls, *inputs, **options):
        """Run the forward on tensors and link the result into the graph."""
        from tinytorch.core.tensor import Tensor  # tensor.py imports this module

        fn = cls()
        out = Tensor._wrap(fn.forward(*(t.data for t in inputs), **options))
        if _grad_enabled and any(t.requires_grad for t in inputs):
            out.requires_grad = True
            fn.inputs = inputs
            out._ctx = fn
        return out


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``.

    If ``x`` of shape (3, 1) was broadcast against (2, 3, 4), each element of ``x`` was used
    2 * 4 times, so its gradient is the sum over those uses.

    >>> unbroadcast(np.ones((2, 3, 4)), (3, 1)).tolist()
    [[8.0], [8.0], [8.0]]
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1
    )
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def _topological_order(root):
    """Tensors reachable from ``root`` through the graph, each after all of its inputs."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        if tensor._ctx is not None:
            stack.extend((t, False) for t in tensor._ctx.inputs if t.requires_grad)
    return order


def backward(root, grad):
    """Propagate ``grad`` (a numpy array shaped like ``root``) to every tensor that needs it.

    Leaf tensors (created by the user, ``requires_grad=True``) and tensors that called
    ``retain_grad()`` accumulate the result in ``.grad``, as in PyTorch.
    """
    from tinytorch.core.tensor import Tensor

    grads = {id(root): grad}
    for tensor in reversed(_topological_order(root)):
        g = grads.pop(id(tensor), None)
        if g is None:
            continue
        if tensor._ctx is None or tensor._retains_grad:
            total = g.copy() if tensor.grad is None else tensor.grad.data + g
            tensor.grad = Tensor._wrap(total)
        if tensor._ctx is None:
            continue
        input_grads = tensor._ctx.backward(g)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for inp, inp_grad in zip(tensor._ctx.inputs, input_grads):
            if inp_grad is None or not inp.requires_grad:
                continue
            inp_grad = unbroadcast(np.asarray(inp_grad), inp.shape).astype(inp.dtype, copy=False)
            key = id(inp)
            grads[key] = inp_grad if key not in grads else grads[key] + inp_grad
