"""Tensor: an n-dimensional array that remembers how it was computed.

A ``Tensor`` wraps a numpy array (``.data``). Operators on tensors (``+ - * / ** @``, ``sum``,
``exp``, indexing, ...) run a ``Function`` from this file; each one keeps its forward and its
backward side by side, so the rule for differentiating an operation sits next to the operation.
Comparisons (``== != < <= > >=``) work elementwise too, as in PyTorch, and give boolean tensors
outside the graph: a comparison has no gradient.

Dtype rules (as in the course design): a numpy array keeps its dtype (float64 stays float64, like
``torch.from_numpy``; integer arrays stay integer, for class indices); Python numbers and lists
become float32, PyTorch's default. A Python number in an operation takes the tensor's dtype, and
two tensors of different dtypes promote like numpy arrays (float32 with float64 gives float64;
PyTorch differs only when one of them is 0-dimensional, where it keeps the other's dtype).
"""

import math

import numpy as np

from tinytorch.core import autograd
from tinytorch.core.autograd import Function


def _to_array(data, dtype):
    if isinstance(data, Tensor):
        array = data.data
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
    elif isinstance(data, (bool, int, float, list, tuple)):
        try:
            array = np.array(data, dtype=np.float32 if dtype is None else dtype)
        except ValueError as error:
            raise ValueError(
                f"Tensor: data must be a number or a rectangular (nested) list of numbers; {error}"
            ) from None
    else:
        raise TypeError(
            f"Tensor: data must be a number, a (nested) list of numbers or a numpy array, "
            f"got {type(data).__name__}"
        )
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    if array.dtype.kind not in "biufc":  # bool, signed, unsigned, float, complex
        raise TypeError(f"Tensor: data must hold numbers, got an array of dtype {array.dtype}")
    return array


class Tensor:
    """An n-dimensional array with optional gradient tracking, like ``torch.Tensor``.

    Args:
        data: a number, a (nested) list of numbers or a numpy array. Arrays are used as they are
            (no copy); numbers and lists become float32.
        requires_grad: record operations on this tensor so that ``backward()`` can compute
            ``.grad``. Only floating tensors can require gradients.
        dtype: optional numpy dtype to convert the data to (e.g. ``np.int64`` for class labels).

    Example:
        >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        Tensor([[2., 4.],
                [6., 8.]])
    """

    # Make numpy hand mixed expressions such as ``array + tensor`` to Tensor's operators.
    __array_ufunc__ = None

    # What a new tensor starts with (__init__ sets them again, for the reader). Class-level
    # defaults let _wrap, which creates most tensors of a training step, set only ``data``.
    requires_grad = False
    _grad = None
    _ctx = None
    _retains_grad = False

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _to_array(data, dtype)
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise ValueError(
                f"Tensor: only floating-point tensors can require gradients, got dtype "
                f"{self.data.dtype}; convert first, e.g. Tensor(data, dtype=np.float32)"
            )
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._ctx = None
        self._retains_grad = False

    @classmethod
    def _wrap(cls, array):
        """A tensor around an array computed by tinytorch itself (no conversion, no checks)."""
        tensor = cls.__new__(cls)
        tensor.data = array if isinstance(array, np.ndarray) else np.asarray(array)
        return tensor

    # ----- information -------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self):
        return self.data.size

    @property
    def grad(self):
        """What ``backward()`` accumulated here: a Tensor of this tensor's shape, or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        # Checked on assignment, as in PyTorch: a numpy array or a wrong shape fails here, where
        # it was assigned, rather than deep inside optimizer.step().
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f".grad must be a Tensor or None, got {type(value).__name__}; wrap it: "
                    f"Tensor(array)"
                )
            if value.data.shape != self.data.shape:
                raise ValueError(
                    f".grad must have the tensor's shape {self.shape}, got a gradient of shape "
                    f"{value.shape}"
                )
        self._grad = value

    @property
    def grad_fn(self):
        """The ``Function`` that made this tensor (its node in the graph), or None for a leaf."""
        return self._ctx

    @property
    def is_leaf(self):
        """True for tensors created by the user rather than by an operation."""
        return self._ctx is None

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __bool__(self):
        """The truth of a one-element tensor (``if loss < 0.1:``), as in PyTorch."""
        if self.data.size != 1:
            raise ValueError(
                f"bool(): the truth value of a tensor with {self.data.size} elements (shape "
                f"{self.shape}) is ambiguous; use t.data.any() or t.data.all()"
            )
        return bool(self.data)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        if self.data.dtype not in (np.float32, np.int64, np.bool_):
            body += f", dtype={self.data.dtype}"
        if self.requires_grad:
            body += ", requires_grad=True"
        return f"Tensor({body})"

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"item(): only one-element tensors can be converted to a Python number, "
                f"got shape {self.shape}"
            )
        return self.data.item()

    def numpy(self):
        """The underlying numpy array (shared, not copied)."""
        return self.data

    def tolist(self):
        return self.data.tolist()

    def detach(self):
        """A tensor with the same data that is cut from the graph (``requires_grad=False``)."""
        return Tensor._wrap(self.data)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after ``backward()`` (leaves always keep it)."""
        if not self.requires_grad:
            raise ValueError("retain_grad(): this tensor does not require gradients")
        self._retains_grad = True

    def zero_grad(self):
        self.grad = None

    # ----- autograd ------------------------------------------------------------------------
    def backward(self, gradient=None):
        """Compute the gradient of this tensor with respect to every leaf that requires it.

        Args:
            gradient: d(something)/d(self), shaped like ``self``. May be omitted for a scalar
                (one-element) tensor, where it defaults to 1.

        Gradients accumulate: calling ``backward`` twice adds to ``.grad``, as in PyTorch, so
        training loops reset them with ``optimizer.zero_grad()``.
        """
        if not self.requires_grad:
            raise ValueError(
                "backward(): this tensor does not require gradients and has no graph; create "
                "the inputs with requires_grad=True"
            )
        grad = None
        if gradient is not None:
            grad = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient)
            if grad.shape != self.shape:
                raise ValueError(
                    f"backward(): gradient has shape {grad.shape}, but the tensor has shape "
                    f"{self.shape}; they must match"
                )
            grad = grad.astype(self.dtype, copy=False)
        autograd.engine(self, grad)

    # ----- operators ------------------------------------------------------------------------
    def _operand(self, other):
        """Turn the other operand of a binary operator into a tensor.

        A Python number takes this tensor's dtype when it fits, as in PyTorch:
        ``float32_tensor * 2.5`` stays float32 and ``int64_tensor + 1`` stays int64.
        """
        if isinstance(other, Tensor):
            return other
        kind = self.data.dtype.kind
        if isinstance(other, (bool, int, float)) and (
            kind == "f" or (kind in "iu" and isinstance(other, int))
        ):
            return Tensor._wrap(np.asarray(other, dtype=self.data.dtype))
        return Tensor(other)

    def _binary(self, name, other, reflected=False):
        other = self._operand(other)
        a, b = (other, self) if reflected else (self, other)
        _check_broadcast(name, a, b)
        return functions[name].apply(a, b)

    def __add__(self, other):
        return self._binary("add", other)

    def __radd__(self, other):
        return self._binary("add", other, reflected=True)

    def __sub__(self, other):
        return self._binary("sub", other)

    def __rsub__(self, other):
        return self._binary("sub", other, reflected=True)

    def __mul__(self, other):
        return self._binary("mul", other)

    def __rmul__(self, other):
        return self._binary("mul", other, reflected=True)

    def __truediv__(self, other):
        return self._binary("div", other)

    def __rtruediv__(self, other):
        return self._binary("div", other, reflected=True)

    def __pow__(self, exponent):
        if isinstance(exponent, (int, float)):
            return functions["pow_scalar"].apply(self, exponent=exponent)
        return self._binary("pow", exponent)

    def __rpow__(self, base):
        return self._binary("pow", base, reflected=True)

    def __neg__(self):
        return functions["neg"].apply(self)

    def __matmul__(self, other):
        return _matmul(self, self._operand(other))

    def __rmatmul__(self, other):
        return _matmul(self._operand(other), self)

    def __getitem__(self, index):
        return functions["getitem"].apply(self, index=_plain_index(index))

    # ----- comparisons -----------------------------------------------------------------------
    # Elementwise and broadcasting, as in PyTorch: a boolean tensor, outside the graph (a
    # comparison has no gradient). ``2 < t`` works too: Python turns it into ``t > 2``.
    def _compare(self, name, other):
        if not isinstance(other, (Tensor, bool, int, float, np.ndarray, np.generic)):
            return NotImplemented  # Python falls back: == on identity, < with a TypeError
        other = self._operand(other)
        _check_broadcast(name, self, other)
        return Tensor._wrap(_COMPARISONS[name](self.data, other.data))

    def __eq__(self, other):
        return self._compare("eq", other)

    def __ne__(self, other):
        return self._compare("ne", other)

    def __lt__(self, other):
        return self._compare("lt", other)

    def __le__(self, other):
        return self._compare("le", other)

    def __gt__(self, other):
        return self._compare("gt", other)

    def __ge__(self, other):
        return self._compare("ge", other)

    # Defining __eq__ drops the hash Python gives every object; keep it (identity), as PyTorch
    # does, so that tensors can still be dictionary keys and set members.
    __hash__ = object.__hash__

    # ----- reductions ------------------------------------------------------------------------
    def sum(self, axis=None, keepdims=False):
        return functions["sum"].apply(self, axis=_check_axis(self, axis, "sum"), keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return functions["mean"].apply(self, axis=_check_axis(self, axis, "mean"), keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        if self.data.size == 0:
            raise ValueError("max(): the tensor is empty, so it has no maximum")
        return functions["max"].apply(self, axis=_check_axis(self, axis, "max"), keepdims=keepdims)

    # ----- elementwise functions ------------------------------------------------------------
    def exp(self):
        return functions["exp"].apply(self)

    def log(self):
        return functions["log"].apply(self)

    def sqrt(self):
        return functions["sqrt"].apply(self)

    def abs(self):
        return functions["abs"].apply(self)

    def clip(self, min=None, max=None):
        for name, bound in (("min", min), ("max", max)):
            if bound is not None and not isinstance(bound, (int, float, np.integer, np.floating)):
                raise TypeError(
                    f"clip(): {name} must be a number or None, got {type(bound).__name__}"
                )
        if min is None and max is None:
            raise ValueError("clip(): give at least one of min and max")
        if min is not None and max is not None and min > max:
            raise ValueError(f"clip(): min ({min}) must not be greater than max ({max})")
        return functions["clip"].apply(self, low=min, high=max)

    # ----- shape ------------------------------------------------------------------------------
    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if not all(_is_int(n) for n in shape):
            raise TypeError(f"reshape(): the shape must be ints, got {shape!r}")
        if shape == self.data.shape:  # nothing to do: no node in the graph either
            return self
        return functions["reshape"].apply(self, shape=shape)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if not all(_is_int(a) for a in axes):
            raise TypeError(f"transpose(): axes must be ints, got {axes!r}")
        n = self.ndim
        if axes and sorted(a + n if a < 0 else a for a in axes) != list(range(n)):
            raise ValueError(
                f"transpose(): axes {axes} are not a permutation of the {self.ndim} axes of a "
                f"tensor of shape {self.shape}"
            )
        return functions["transpose"].apply(self, axes=axes or None)

    @property
    def T(self):
        """The tensor with its axes reversed (for a matrix: the transpose)."""
        return functions["transpose"].apply(self, axes=None)


def _matmul(a, b):
    """a @ b, checked. A vector becomes a one-row matrix on the left and a one-column matrix on
    the right, and the added axis is dropped from the result (numpy's and PyTorch's rule): the
    MatMul Function only ever multiplies matrices, or batches of them, and the reshapes carry the
    gradient back to the vector's shape."""
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: both operands need at least one dimension, got a scalar")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} do not fit: the last dimension of the "
            f"left ({a.shape[-1]}) must equal the "
            f"{'second-to-last' if b.ndim > 1 else 'only'} dimension of the right"
        )
    if a.ndim > 2 and b.ndim > 2 and not _broadcastable(a.shape[:-2], b.shape[:-2]):
        raise ValueError(
            f"matmul: the batch dimensions {a.shape[:-2]} and {b.shape[:-2]} of shapes "
            f"{a.shape} and {b.shape} cannot be broadcast together"
        )
    if a.ndim > 1 and b.ndim > 1:
        return functions["matmul"].apply(a, b)
    out = functions["matmul"].apply(a.reshape(1, -1) if a.ndim == 1 else a,
                                    b.reshape(-1, 1) if b.ndim == 1 else b)
    shape = out.shape
    if a.ndim == 1:
        shape = shape[:-2] + shape[-1:]
    if b.ndim == 1:
        shape = shape[:-1]
    return out.reshape(shape)


def _check_axis(tensor, axis, name):
    """Check a reduction's axis (None, an int, or a tuple or list of ints); return it for numpy.

    An empty tuple reduces every axis, as in PyTorch (numpy would reduce none): the result is
    None, like the axis of a 0-d tensor.
    """
    if axis is None:
        return None
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    n = max(tensor.ndim, 1)  # like torch, a 0-d tensor accepts axis 0 and -1
    seen = set()
    for a in axes:
        if not _is_int(a):
            raise TypeError(f"{name}(): axis must be None, an int or a tuple of ints, got {axis!r}")
        if not -n <= a < n:
            raise IndexError(
                f"{name}(): axis {a} is out of range for a tensor with {tensor.ndim} dimensions "
                f"(shape {tensor.shape})"
            )
        if a % n in seen:
            raise ValueError(
                f"{name}(): axis {a % n} appears more than once in axis={axis!r} "
                f"(shape {tensor.shape})"
            )
        seen.add(a % n)
    if tensor.ndim == 0 or not axes:
        return None
    return axes if isinstance(axis, (tuple, list)) else axis


def _is_int(value):
    """True for an int, numpy's too, but not a bool (True is an int to Python)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _plain_index(index):
    """Replace tensors inside an index by their arrays, so numpy can use them."""
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index.data if isinstance(index, Tensor) else index


def _check_broadcast(name, a, b):
    """Check that the operands of ``a <op> b`` broadcast together; name the operator if not."""
    if a.data.shape != b.data.shape and not _broadcastable(a.shape, b.shape):
        raise ValueError(
            f"a {_SYMBOLS[name]} b: shapes {a.shape} and {b.shape} cannot be broadcast "
            f"together (trailing dimensions must be equal or 1)"
        )


def _broadcastable(shape_a, shape_b):
    """True when numpy can broadcast the shapes together (each trailing pair equal or 1)."""
    # A plain loop: np.broadcast_shapes costs more than adding two small arrays.
    return all(m == n or m == 1 or n == 1 for m, n in zip(shape_a[::-1], shape_b[::-1]))


# ===== The operations: each forward with its backward ========================================
# The engine sums every gradient back to its input's shape (autograd.unbroadcast), so the
# backward of a broadcasting operation can return gradients of the broadcast shape.


class Add(Function):
    """z = a + b;  dz/da = 1, dz/db = 1."""


    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad


class Sub(Function):
    """z = a - b;  dz/da = 1, dz/db = -1."""


    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        return grad, -grad


class Mul(Function):
    """z = a * b;  dz/da = b, dz/db = a."""


    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, grad):
        return grad * self.b, grad * self.a


class Div(Function):
    """z = a / b;  dz/da = 1 / b, dz/db = -a / b**2."""


    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, grad):
        grad_a = grad / self.b
        return grad_a, -grad_a * self.a / self.b


class PowScalar(Function):
    """z = a ** p for a number p;  dz/da = p * a ** (p - 1) (0 for p = 0, as in PyTorch)."""

    def forward(self, a, exponent):
        self.a, self.exponent = a, exponent
        return a**exponent

    def backward(self, grad):
        if self.exponent == 0:  # z = 1 is constant; a ** -1 would turn a = 0 into nan
            return np.zeros_like(grad)
        return grad * self.exponent * self.a ** (self.exponent - 1)


class Pow(Function):
    """z = a ** b;  dz/da = b * a ** (b - 1), dz/db = z * log(a).

    Where a = 0 and b >= 0 the limits are used, as in PyTorch: dz/da = 0 for b = 0 and
    dz/db = 0 (z is 0 or 1 there, whatever log(0) says).
    """


    def forward(self, a, b):
        self.a, self.b = a, b
        self.z = a**b
        return self.z

    def backward(self, grad):
        a, b = self.a, self.b
        grad_a = grad_b = None
        if self.inputs[0].requires_grad:
            grad_a = grad * np.where(b == 0, 0.0, b * a ** np.where(b == 0, 1, b - 1))
        if self.inputs[1].requires_grad:
            at_zero = (a == 0) & (b >= 0)
            grad_b = grad * np.where(at_zero, 0.0, self.z * np.log(np.where(at_zero, 1, a)))
        return grad_a, grad_b


class Neg(Function):
    """z = -a;  dz/da = -1."""

    def forward(self, a):
        return -a

    def backward(self, grad):
        return -grad


class MatMul(Function):
    """Z = A @ B for matrices, or batches of them (Tensor.__matmul__ turns vectors into
    matrices first);  dL/dA = dL/dZ @ B^T, dL/dB = A^T @ dL/dZ, transposing the last two axes."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, grad):
        # A constant input (the batch of data in x @ W) needs no gradient, and computing it
        # would cost as much as the gradient that is needed.
        need_a, need_b = self.inputs[0].requires_grad, self.inputs[1].requires_grad
        a, b = self.a, self.b
        # A batch's gradient keeps the batch axes; the engine sums them away where an operand was
        # broadcast over the batch (a matrix times a batch of matrices).
        grad_a = grad @ np.swapaxes(b, -1, -2) if need_a else None
        grad_b = np.swapaxes(a, -1, -2) @ grad if need_b else None
        return grad_a, grad_b


def _kept_shape(shape, axis):
    """The shape of a reduction over ``axis`` with keepdims=True: each reduced axis becomes 1."""
    if axis is None or not shape:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in (axis if isinstance(axis, (tuple, list)) else (axis,))}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(grad, kept_shape, shape):
    """Copy each reduced value's gradient back over the elements it came from.

    Assigning into a new array broadcasts in C; np.expand_dims and np.broadcast_to do the same
    in Python-level code that costs more than the arithmetic for the small arrays of a
    training step.
    """
    out = np.empty(shape, dtype=grad.dtype)
    out[...] = grad.reshape(kept_shape)
    return out


class Sum(Function):
    """z = sum(a, axis);  every summed element gets the gradient of its sum."""

    def forward(self, a, axis, keepdims):
        self.shape, self.kept_shape = a.shape, _kept_shape(a.shape, axis)
        return a.sum(axis=axis, keepdims=keepdims)

    def backward(self, grad):
        return _spread(grad, self.kept_shape, self.shape)


class Mean(Function):
    """z = mean(a, axis) = sum(a, axis) / count;  every element gets the gradient / count."""

    def forward(self, a, axis, keepdims):
        self.shape, self.kept_shape = a.shape, _kept_shape(a.shape, axis)
        # The count of elements per mean; 0 for an empty input gives nan, as np.mean and torch.
        self.count = a.size // max(math.prod(self.kept_shape), 1)
        return a.sum(axis=axis, keepdims=keepdims) / self.count

    def backward(self, grad):
        return _spread(grad / max(self.count, 1), self.kept_shape, self.shape)


class Max(Function):
    """z = max(a, axis);  the gradient goes to the maximum (shared equally between ties)."""

    def forward(self, a, axis, keepdims):
        self.a, self.axis, self.keepdims = a, axis, keepdims
        self.out = np.max(a, axis=axis, keepdims=True)
        return self.out if keepdims else np.squeeze(self.out, axis=axis)

    def backward(self, grad):
        if self.axis is not None and not self.keepdims:
            grad = np.expand_dims(grad, self.axis)
        is_max = self.a == self.out
        return grad * is_max / is_max.sum(axis=self.axis, keepdims=True)


class Exp(Function):
    """z = exp(a);  dz/da = z."""

    def forward(self, a):
        self.z = np.exp(a)
        return self.z

    def backward(self, grad):
        return grad * self.z


class Log(Function):
    """z = log(a);  dz/da = 1 / a."""

    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, grad):
        return grad / self.a


class Sqrt(Function):
    """z = sqrt(a);  dz/da = 1 / (2 z)."""

    def forward(self, a):
        self.z = np.sqrt(a)
        return self.z

    def backward(self, grad):
        return grad / (2 * self.z)


class Abs(Function):
    """z = abs(a);  dz/da = sign(a) (0 at a = 0, and at a = nan, as in PyTorch)."""

    def forward(self, a):
        self.a = a
        return np.abs(a)

    def backward(self, grad):
        return grad * np.nan_to_num(np.sign(self.a))  # numpy's sign(nan) is nan, torch's is 0


class Clip(Function):
    """z = min(max(a, low), high);  the gradient passes where a is inside [low, high]."""

    def forward(self, a, low, high):
        self.inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            self.inside &= a >= low
        if high is not None:
            self.inside &= a <= high
        return np.clip(a, low, high)

    def backward(self, grad):
        return grad * self.inside


class Reshape(Function):
    """z = a viewed with another shape;  the gradient is reshaped back."""

    def forward(self, a, shape):
        self.shape = a.shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape(): cannot reshape a tensor of shape {a.shape} ({a.size} elements) into "
                f"shape {shape}"
            ) from None

    def backward(self, grad):
        return grad.reshape(self.shape)


class Transpose(Function):
    """z = a with its axes permuted;  the gradient is permuted back by the inverse permutation."""

    def forward(self, a, axes):
        # The inverse of a permutation is its argsort, once negative axes count from the front:
        # argsort((0, -1, 1)) would sort -1 first. None reverses all axes, its own inverse.
        self.inverse = None if axes is None else np.argsort([axis % a.ndim for axis in axes])
        return a.transpose(axes)

    def backward(self, grad):
        return grad.transpose(self.inverse)


class GetItem(Function):
    """z = a[index];  the gradient is scattered back, adding up at repeated indices."""

    def forward(self, a, index):
        self.shape, self.dtype, self.index = a.shape, a.dtype, index
        try:
            return a[index]
        except IndexError as error:
            raise IndexError(f"indexing a tensor of shape {a.shape}: {error}") from None

    def backward(self, grad):
        full = np.zeros(self.shape, dtype=grad.dtype)
        np.add.at(full, self.index, grad)
        return full


# ===== Which Function each operation runs ===================================================
# Tensor's methods look their Function up here by name when they run. A learner's package puts
# in its own classes with use_functions (the way autograd.use_engine puts in its engine), so that
# a * b runs the Mul written in module 05.
functions = {
    "add": Add, "sub": Sub, "mul": Mul, "div": Div, "pow": Pow, "pow_scalar": PowScalar,
    "neg": Neg, "matmul": MatMul, "sum": Sum, "mean": Mean, "max": Max, "exp": Exp, "log": Log,
    "sqrt": Sqrt, "abs": Abs, "clip": Clip, "reshape": Reshape, "transpose": Transpose,
    "getitem": GetItem,
}
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "eq": "==", "ne": "!=",
            "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_COMPARISONS = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
                "gt": np.greater, "ge": np.greater_equal}


def use_functions(**classes):
    """Make Tensor's operations run other ``Function`` classes, by name: ``use_functions(mul=Mul)``
    makes ``a * b`` (and ``2 * a``) run ``Mul.apply``. The learner's package
    (my_tinytorch/__init__.py) calls it with the Functions written in module 05;
    ``use_functions(mul=tinytorch.core.tensor.Mul)`` puts tinytorch's back.

    Example:
        >>> class Times(Mul):
        ...     calls = 0
        ...     def forward(self, a, b):
        ...         Times.calls += 1
        ...         return super().forward(a, b)
        >>> use_functions(mul=Times)
        >>> y = Tensor([2.0]) * 3
        >>> use_functions(mul=Mul)
        >>> Times.calls
        1
    """
    for name, cls in classes.items():
        if name not in functions:
            raise ValueError(
                f"use_functions: there is no operation {name!r}; the operations are: "
                f"{', '.join(functions)}"
            )
        if not (isinstance(cls, type) and issubclass(cls, Function)):
            raise TypeError(
                f"use_functions: {name}= must be a subclass of tinytorch.core.autograd.Function, "
                f"got {cls!r}"
            )
    functions.update(classes)
