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

The engine is replaceable, because in module 05 learners write their own: ``Tensor.backward``
runs ``engine`` (this module's ``backward`` unless ``use_engine`` installs another), and every
operation records the graph only while ``grad_enabled`` is True, the switch ``no_grad`` turns off.
"""

import contextlib

import numpy as np

# Do operations record the graph? One switch for every Tensor: no_grad (this module's, or a
# learner's) turns it off and back on.
grad_enabled = True


def is_grad_enabled():
    """Return True when operations record the graph (outside ``no_grad``).

    Example:
        >>> is_grad_enabled()
        True
        >>> with no_grad():
        ...     is_grad_enabled()
        False
    """
    return grad_enabled


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
    global grad_enabled
    previous = grad_enabled
    grad_enabled = False
    try:
        yield
    finally:
        grad_enabled = previous


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
        fn = cls()
        # type(inputs[0]) is Tensor: tensor.py imports this module, so it cannot be imported here.
        out = type(inputs[0])._wrap(fn.forward(*[t.data for t in inputs], **options))
        if grad_enabled:
            for t in inputs:
                if t.requires_grad:
                    out.requires_grad = True
                    fn.inputs = inputs
                    out._ctx = fn
                    break
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


def topological_order(root):
    """The tensors that require gradients and lead to ``root``, each after all of its inputs.

    A depth-first search with an explicit stack rather than recursion, so that a graph as deep
    as you like (a long loop of operations) never hits Python's recursion limit.

    Example:
        >>> from tinytorch.core.tensor import Tensor
        >>> x = Tensor([1.0], requires_grad=True)
        >>> y = x * 2
        >>> [t is x for t in topological_order(y + x)]
        [True, False, False]
    """
    order, visited = [], set()
    stack = [root]
    while stack:
        tensor = stack.pop()
        if tensor is None:  # the marker pushed below: all inputs of the next tensor are done
            order.append(stack.pop())
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        if tensor._ctx is None:  # a leaf has no inputs to wait for
            order.append(tensor)
            continue
        stack.append(tensor)
        stack.append(None)
        for inp in tensor._ctx.inputs:
            if inp.requires_grad and id(inp) not in visited:
                stack.append(inp)
    return order


def backward(root, grad=None):
    """Propagate ``grad`` (d(something)/d(root), a numpy array shaped like ``root``) to every
    tensor that needs it; for a one-element ``root``, ``grad=None`` means 1.

    Leaf tensors (created by the user, ``requires_grad=True``) and tensors that called
    ``retain_grad()`` accumulate the result in ``.grad``, as in PyTorch. ``Tensor.backward``
    checks its arguments and calls this (or the engine installed with ``use_engine``).

    Example:
        >>> from tinytorch.core.tensor import Tensor
        >>> x = Tensor([3.0], requires_grad=True)
        >>> backward(x * x)
        >>> x.grad
        Tensor([6.])
    """
    if grad is None:
        if root.data.size != 1:
            raise ValueError(
                f"backward(): a gradient can only be implied for a scalar output, but this "
                f"tensor has shape {root.shape}; reduce it first (e.g. loss.mean()) or pass "
                f"gradient= with shape {root.shape}"
            )
        grad = np.ones(root.data.shape, dtype=root.data.dtype)
    grads = {id(root): grad}
    for tensor in reversed(topological_order(root)):
        grad = grads.pop(id(tensor), None)
        if grad is None:
            continue
        fn = tensor._ctx
        if fn is None or tensor._retains_grad:
            # np.array copies: grad may be shared with another tensor or a read-only view.
            total = np.array(grad) if tensor.grad is None else tensor.grad.data + grad
            tensor.grad = type(tensor)._wrap(total)
        if fn is None:
            continue
        input_grads = fn.backward(grad)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        if len(input_grads) != len(fn.inputs):
            raise ValueError(
                f"{type(fn).__name__}.backward returned {len(input_grads)} gradient(s) for "
                f"{len(fn.inputs)} inputs; return one per input (None for no gradient)"
            )
        for i, (inp, inp_grad) in enumerate(zip(fn.inputs, input_grads)):
            if inp_grad is None or not inp.requires_grad:
                continue
            inp_grad, data = np.asarray(inp_grad), inp.data
            if inp_grad.shape != data.shape:
                if not _broadcasts_to(data.shape, inp_grad.shape):
                    raise ValueError(
                        f"{type(fn).__name__}.backward returned a gradient of shape "
                        f"{inp_grad.shape} for input {i} of shape {data.shape}"
                    )
                inp_grad = unbroadcast(inp_grad, data.shape)
            if inp_grad.dtype != data.dtype:
                inp_grad = inp_grad.astype(data.dtype)
            key = id(inp)
            grads[key] = grads[key] + inp_grad if key in grads else inp_grad


# The engine Tensor.backward runs: backward above, or a learner's own (see use_engine).
engine = backward


def use_engine(function):
    """Make ``Tensor.backward`` run ``function(root, grad)`` (``grad`` None or an array shaped like
    ``root``), such as the engine a learner writes in module 05; ``use_engine(backward)`` restores
    tinytorch's own. The learner's package (my_tinytorch/__init__.py) calls it when imported.

    Example:
        >>> from tinytorch.core.tensor import Tensor
        >>> calls = []
        >>> use_engine(lambda root, grad: calls.append(root.shape))
        >>> (Tensor([1.0, 2.0], requires_grad=True) * 2).sum().backward()
        >>> use_engine(backward)
        >>> calls
        [()]
    """
    global engine
    if not callable(function):
        raise TypeError(f"use_engine: expected a function (root, grad), got {function!r}")
    engine = function


def _broadcasts_to(shape, target):
    """True when an array of ``shape`` broadcasts to ``target`` (so unbroadcast can undo it)."""
    return len(shape) <= len(target) and all(
        n == 1 or n == m for n, m in zip(shape[::-1], target[::-1])
    )


def numerical_gradient(f, x, eps=1e-6):
    r"""The gradient of a scalar function by central differences, to test a ``backward``.

    df/dx[i] ~ (f(x + eps * e_i) - f(x - eps * e_i)) / (2 * eps)

    The error of this central difference shrinks like eps**2, that of the one-sided
    ``(f(x + eps * e_i) - f(x)) / eps`` only like eps, and the step must stay far above the
    rounding error of the values: hence float64 and eps=1e-6. Costs two calls of ``f`` per element.

    Args:
        f: a function of a numpy array returning a number (e.g. a loss).
        x: a float64 numpy array; each element is nudged in place and restored.
        eps: the step.

    Shape:
        x: any; output: the same shape as x.

    Example:
        >>> numerical_gradient(lambda a: np.sum(a ** 2), np.array([1.0, -2.0])).round(6)
        array([ 2., -4.])
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"numerical_gradient: x must be a float64 numpy array, got {got}")
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
