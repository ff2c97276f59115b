"""Learner checks for module 01, Tensor.

In module 01 the learner builds a ``Tensor`` class without autograd: a numpy array in ``.data``,
its shape, the arithmetic operators with broadcasting, matrix multiplication, reductions and
reshaping. Every check takes the learner's class itself (``check_arithmetic(Tensor)``), builds
its own tensors with ``Tensor(data)`` and reads results through ``.data``; every operation must
return a new ``Tensor`` and leave its inputs unchanged.

The exercises in the notebook's order::

    the learner writes                                     the check cell runs
    Tensor(data); .data .shape .ndim .size .dtype          check_tensor_creation(Tensor)
    + - * / (and 2 + t, 1 / t, ...) with broadcasting      check_arithmetic(Tensor)
    a @ b, ValueError naming both shapes on a mismatch     check_matmul(Tensor)
    sum / mean / max(axis=None, keepdims=False)            check_reductions(Tensor)
    reshape(*shape) (with -1), transpose(), .T             check_reshape_and_transpose(Tensor)

The dtype rules are the design's (and PyTorch's): Python numbers and lists become float32, a
numpy array keeps its dtype (float64 stays float64, integer class labels stay integer), and a
float32 tensor combined with a Python number stays float32.

Every expected value is a plain float64 numpy formula or a number worked out by hand, never a
call of ``tinytorch.core.tensor``.
"""

import numpy as np

from tinytorch.checks._helpers import floats, raises_case, require_class, tensor_result, text
from tinytorch.checks._report import Case, fail, run_cases

__all__ = ["check_tensor_creation", "check_arithmetic", "check_matmul", "check_reductions",
           "check_reshape_and_transpose"]

A = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
B = [[0.5, -1.0, 2.0], [1.0, 1.0, -2.0]]


def _result(check, name, describe, call, tensor_class):
    """Call ``call()``, require a new Tensor back and return its array."""
    got = tensor_result(check, name, describe, call(), tensor_class)
    return None if got is None else got.data


# ===== creation ==================================================================================


def check_tensor_creation(Tensor):
    """Check ``Tensor(data)`` and its ``.data``, ``.shape``, ``.ndim``, ``.size``, ``.dtype``."""
    check = "check_tensor_creation"
    require_class(check, Tensor, "Tensor")

    def data_of(value, describe):
        def run():
            t = Tensor(value)
            if not isinstance(t.data, np.ndarray):
                fail(check, "`.data` is not a numpy array", describe, "a numpy.ndarray",
                     f"{type(t.data).__name__}: {t.data!r}",
                     "convert in __init__: self.data = np.array(data, dtype=np.float32) for "
                     "numbers and lists")
            return t.data
        return run

    def dtype_of(value, expected, label, describe, hint):
        def run():
            dtype = np.asarray(Tensor(value).data).dtype
            if dtype != expected:
                fail(check, f"wrong dtype for {label}", f"{describe}.data.dtype",
                     str(np.dtype(expected)), str(dtype), hint)
            return 0.0
        return Case(f"dtype of {label}", run, 0.0, describe, hint)

    def attribute(value, name, expected, describe, hint, kind=None):
        def run():
            got = getattr(Tensor(value), name)
            if kind is not None and not isinstance(got, kind):
                fail(check, f"`.{name}` has the wrong type", describe,
                     f"a {kind.__name__}: {expected!r}", f"{type(got).__name__}: {got!r}", hint)
            return got
        return Case(f".{name}", run, expected, describe, hint)

    cube = np.zeros((2, 3, 4))
    from_numpy = "a numpy array keeps its dtype: np.asarray(data) for arrays, no conversion"
    cases = [
        Case("a nested list", data_of(A, "[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]"), A,
             "Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])", "self.data = np.array(data, ...)"),
        Case("a Python number", data_of(3.5, "Tensor(3.5)"), 3.5, "Tensor(3.5)",
             "a number becomes a 0-dimensional array: np.array(3.5, dtype=np.float32)"),
        dtype_of([[1, 2], [3, 4]], np.float32, "a list of ints", "Tensor([[1, 2], [3, 4]])",
                 "lists and numbers become float32, PyTorch's default: np.array(data, "
                 "dtype=np.float32)"),
        dtype_of([0.1, 0.2], np.float32, "a list of floats", "Tensor([0.1, 0.2])",
                 "np.array([0.1, 0.2]) is float64; ask for float32: dtype=np.float32"),
        dtype_of(np.array([0.1, 0.2], dtype=np.float64), np.float64, "a float64 numpy array",
                 "Tensor(np.array([0.1, 0.2], dtype=np.float64))",
                 from_numpy + " (float64 stays float64, like torch.from_numpy)"),
        dtype_of(np.array([0, 2, 1], dtype=np.int64), np.int64, "an int64 numpy array",
                 "Tensor(np.array([0, 2, 1], dtype=np.int64))",
                 from_numpy + " (integer class labels must stay integers)"),
        attribute(cube, "shape", (2, 3, 4), "Tensor(np.zeros((2, 3, 4)))",
                  "shape is the array's shape, a tuple: return self.data.shape", tuple),
        attribute(3.5, "shape", (), "Tensor(3.5)", "a number has the empty shape ()", tuple),
        attribute(cube, "ndim", 3, "Tensor(np.zeros((2, 3, 4)))",
                  "ndim is the number of dimensions: self.data.ndim"),
        attribute(cube, "size", 24, "Tensor(np.zeros((2, 3, 4)))",
                  "size is the number of elements, 2 * 3 * 4: self.data.size"),
        Case(".dtype", lambda: np.dtype(Tensor([1.0]).dtype) == np.float32, True,
             "Tensor([1.0]).dtype == np.float32", "dtype is the array's dtype: self.data.dtype"),
    ]
    run_cases(check, cases)


# ===== arithmetic ================================================================================


def check_arithmetic(Tensor):
    """Check ``+ - * /`` between tensors (with broadcasting) and with Python numbers."""
    check = "check_arithmetic"
    require_class(check, Tensor, "Tensor")
    a, b = floats(A), floats(B)
    row, column = floats([10.0, 20.0, 30.0]), floats([[2.0], [-1.0]])
    a_text = "a = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])"
    b_text = "b = Tensor([[0.5, -1.0, 2.0], [1.0, 1.0, -2.0]])"

    def op(name, describe, call):
        return lambda: _result(check, name, describe, call, Tensor)

    def unchanged():
        x, y = Tensor(A), Tensor(B)
        _ = x + y, x - y, x * y, x / y
        return np.concatenate([np.asarray(x.data), np.asarray(y.data)])

    def stays_float32():
        dtypes = [np.asarray(r.data).dtype for r in
                  (Tensor(A) * 2, 2.5 + Tensor(A), Tensor(A) / 3, 1 - Tensor(A))]
        wrong = [str(d) for d in dtypes if d != np.float32]
        if wrong:
            fail(check, "a Python number changed the dtype", f"{a_text}; a * 2, 2.5 + a, a / 3, "
                 "1 - a", "float32 every time", ", ".join(str(d) for d in dtypes),
                 "np.array(2.0) is float64 and float32 + float64 gives float64; let numpy "
                 "combine the plain number with the array: self.data * other")
        return 0.0

    number_hint = ("for a Python number there is no .data: turn it into a Tensor first, or use "
                   "the number directly")
    reflected = ("2 - a calls a.__rsub__(2): the number comes first, so compute other - self "
                 "(and other / self for __rtruediv__)")
    broadcast = ("numpy broadcasts by itself: self.data + other.data works for shapes (2, 3) and "
                 "(3,) or (2, 1)")
    cases = [
        Case("a + b", op("a + b", a_text, lambda: Tensor(A) + Tensor(B)), a + b,
             f"{a_text}; {b_text}", "add the arrays elementwise: self.data + other.data"),
        Case("a - b", op("a - b", a_text, lambda: Tensor(A) - Tensor(B)), a - b,
             f"{a_text}; {b_text}", "subtract elementwise, self minus other"),
        Case("a * b", op("a * b", a_text, lambda: Tensor(A) * Tensor(B)), a * b,
             f"{a_text}; {b_text}", "* is elementwise (matrix multiplication is @)"),
        Case("a / b", op("a / b", a_text, lambda: Tensor(A) / Tensor(B)), a / b,
             f"{a_text}; {b_text}", "divide elementwise, self by other"),
        Case("a + row (broadcasting)", op("a + row", a_text, lambda: Tensor(A) + Tensor(row)),
             a + row, f"{a_text}; row = Tensor([10.0, 20.0, 30.0])", broadcast),
        Case("a * column (broadcasting)",
             op("a * column", a_text, lambda: Tensor(A) * Tensor(column.tolist())), a * column,
             f"{a_text}; column = Tensor([[2.0], [-1.0]])", broadcast),
        Case("a + 1", op("a + 1", a_text, lambda: Tensor(A) + 1), a + 1, a_text, number_hint),
        Case("a / 2", op("a / 2", a_text, lambda: Tensor(A) / 2), a / 2, a_text, number_hint),
        Case("3 * a", op("3 * a", a_text, lambda: 3 * Tensor(A)), 3 * a, a_text,
             "3 * a calls a.__rmul__(3): define __rmul__ (and __radd__, __rsub__, __rtruediv__)"),
        Case("10 - a", op("10 - a", a_text, lambda: 10 - Tensor(A)), 10 - a, a_text, reflected),
        Case("1 / a", op("1 / a", a_text, lambda: 1 / Tensor(A)), 1 / a, a_text, reflected),
        Case("the inputs are unchanged", unchanged, np.concatenate([a, b]),
             f"{a_text}; {b_text}; compared after a + b, a - b, a * b and a / b",
             "return a new Tensor; self.data += other.data changes the caller's tensor"),
        Case("float32 stays float32", stays_float32, 0.0, a_text,
             "combine the number with the array directly"),
    ]
    run_cases(check, cases)


# ===== matmul ====================================================================================


def check_matmul(Tensor):
    """Check ``a @ b``: matrices, vectors, a batch, and a clear ValueError when shapes don't fit."""
    check = "check_matmul"
    require_class(check, Tensor, "Tensor")
    square_a, square_b = floats([[1.0, 2.0], [3.0, 4.0]]), floats([[0.0, 1.0], [1.0, 0.0]])
    a, b = floats(A), floats([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]])
    vector = floats([1.0, -1.0, 2.0])
    batch_a = np.arange(12, dtype=np.float64).reshape(2, 2, 3)
    batch_b = np.arange(12, dtype=np.float64).reshape(2, 3, 2) - 5

    def matmul(left, right, describe):
        return lambda: _result(check, describe, describe,
                               lambda: Tensor(left.copy()) @ Tensor(right.copy()), Tensor)

    rows_times_columns = ("result[i, j] = sum over k of a[i, k] * b[k, j]: np.matmul(self.data, "
                          "other.data) or self.data @ other.data")
    cases = [
        # [[1, 2], [3, 4]] @ [[0, 1], [1, 0]] swaps the columns: [[2, 1], [4, 3]]
        Case("2x2 @ 2x2", matmul(square_a, square_b, "[[1, 2], [3, 4]] @ [[0, 1], [1, 0]]"),
             [[2.0, 1.0], [4.0, 3.0]], "[[1.0, 2.0], [3.0, 4.0]] @ [[0.0, 1.0], [1.0, 0.0]]",
             "@ is the matrix product, not the elementwise * : " + rows_times_columns),
        Case("(2, 3) @ (3, 2)", matmul(a, b, "(2, 3) @ (3, 2)"), [[7.0, -1.0], [16.0, -1.0]],
             f"{text(a)} @ {text(b)}", rows_times_columns),
        Case("vector @ matrix", matmul(vector, b, "(3,) @ (3, 2)"), vector @ b,
             f"{text(vector)} @ {text(b)}", "a 1-D left operand is a row: np.matmul handles it"),
        Case("matrix @ vector", matmul(a, vector, "(2, 3) @ (3,)"), a @ vector,
             f"{text(a)} @ {text(vector)}", "a 1-D right operand is a column: np.matmul "
             "handles it"),
        Case("a batch of matrices", matmul(batch_a, batch_b, "(2, 2, 3) @ (2, 3, 2)"),
             np.einsum("bij,bjk->bik", batch_a, batch_b),
             "np.arange(12).reshape(2, 2, 3) @ (np.arange(12).reshape(2, 3, 2) - 5)",
             "one product per matrix of the batch: np.matmul, not np.dot (which combines every "
             "matrix with every other)"),
        raises_case(check, "shapes that do not fit",
                    lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5))), ValueError,
                    ["(2, 3)", "(4, 5)"], "Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))",
                    "check that a.shape[-1] equals b.shape[-2] and raise ValueError with a "
                    "message naming both shapes, e.g. f'matmul: shapes {self.shape} and "
                    "{other.shape} do not fit'"),
    ]
    run_cases(check, cases)


# ===== reductions ================================================================================


def check_reductions(Tensor):
    """Check ``sum``, ``mean`` and ``max`` with ``axis`` (None, an int, negative, a tuple) and
    ``keepdims``, and that they leave ``x`` unchanged."""
    check = "check_reductions"
    require_class(check, Tensor, "Tensor")
    x = floats([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    cube = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    x_text = "x = Tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])"
    cube_text = "x = Tensor(np.arange(24.0).reshape(2, 3, 4))"

    def reduce(name, array, describe, hint=None, **options):
        call = f"x.{name}({', '.join(f'{k}={v}' for k, v in options.items())})"
        return Case(call, lambda: _result(check, call, describe,
                                          lambda: getattr(Tensor(array.copy()), name)(**options),
                                          Tensor),
                    getattr(np, name)(array, **options), f"{describe}; {call}",
                    hint or HINTS[name] + (KEEPDIMS if options.get("keepdims") else AXIS))

    def unchanged():
        t = Tensor(x.copy())
        t.sum(axis=0), t.mean(), t.mean(axis=1, keepdims=True), t.max(axis=-1)
        return t.data

    cases = [
        reduce("sum", x, x_text),  # 21
        reduce("sum", x, x_text, axis=0),  # [5, 7, 9]: down the columns
        reduce("sum", x, x_text, axis=1),  # [9, 12]: along the rows
        reduce("sum", x, x_text, axis=-1),
        reduce("sum", x, x_text, axis=0, keepdims=True),
        reduce("sum", x, x_text, keepdims=True,  # [[21]]
               hint="keepdims=True with axis=None keeps every axis, with size 1: shape (1, 1). "
                    "Pass keepdims on to numpy in every branch, also when axis is None"),
        reduce("sum", cube, cube_text, axis=(0, 2)),
        reduce("mean", x, x_text),  # 3.5
        reduce("mean", x, x_text, axis=0),  # [2.5, 3.5, 4.5]
        reduce("mean", x, x_text, axis=1, keepdims=True),  # [[3], [4]]
        reduce("mean", cube, cube_text, axis=(0, 2),  # 2 * 4 = 8 numbers per mean
               hint="axis=(0, 2) reduces over both axes, so each mean divides by 2 * 4 = 8 "
                    "numbers: the product of the reduced sizes (x.size // result.size), not "
                    "the size of one axis and not x.size"),
        reduce("max", x, x_text),  # 6
        reduce("max", x, x_text, axis=0),  # [4, 5, 6]
        reduce("max", x, x_text, axis=-1, keepdims=True),  # [[5], [6]]
        reduce("max", cube, cube_text, axis=-1,  # shape (2, 3): the last of three axes
               hint="axis=-1 is the last axis whatever the number of dimensions (here axis 2); "
                    "numpy understands negative axes, so pass axis on as it is (to convert "
                    "one, use self.ndim + axis, not len(self.data), the first dimension's size)"),
        Case("x is unchanged", unchanged, x,
             f"{x_text}; compared after x.sum(axis=0), x.mean(), x.mean(axis=1, keepdims=True) "
             "and x.max(axis=-1)",
             "a reduction returns a new Tensor and leaves x as it was: self.data /= n (or "
             "self.data.sort()) changes the caller's tensor; use expressions that make new "
             "arrays, e.g. self.data.sum(axis=axis, keepdims=keepdims) / n"),
    ]
    run_cases(check, cases)


AXIS = ("; pass axis on to numpy (axis=None: everything, axis=0: down the columns, axis=-1: the "
        "last dimension) and return a Tensor")
KEEPDIMS = "; keepdims=True keeps the reduced axis with size 1: pass keepdims=keepdims to numpy"
HINTS = {
    "sum": "np.sum(self.data, axis=axis, keepdims=keepdims)",
    "mean": "the mean divides by the number of elements reduced over, not by x.size",
    "max": "the largest value (np.max), not its position (np.argmax)",
}


# ===== reshape and transpose =====================================================================


def check_reshape_and_transpose(Tensor):
    """Check ``reshape(*shape)`` (a tuple or separate ints, -1 inferred), ``transpose()`` and ``.T``."""
    check = "check_reshape_and_transpose"
    require_class(check, Tensor, "Tensor")
    x = floats(A)
    x_text = "x = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])"

    def call(describe, method):
        return lambda: _result(check, describe, x_text, lambda: method(Tensor(A)), Tensor)

    order = ("reshape keeps the elements in row order (1, 2, 3, 4, 5, 6) and only changes how "
             "they are grouped: self.data.reshape(shape)")
    cases = [
        Case("x.reshape(3, 2)", call("x.reshape(3, 2)", lambda t: t.reshape(3, 2)),
             x.reshape(3, 2), f"{x_text}; x.reshape(3, 2)",
             order + "; accept separate ints: def reshape(self, *shape)"),
        Case("x.reshape((3, 2))", call("x.reshape((3, 2))", lambda t: t.reshape((3, 2))),
             x.reshape(3, 2), f"{x_text}; x.reshape((3, 2))",
             "accept a tuple too: if len(shape) == 1 and isinstance(shape[0], tuple), unpack it"),
        Case("x.reshape(-1)", call("x.reshape(-1)", lambda t: t.reshape(-1)),
             [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], f"{x_text}; x.reshape(-1)",
             "-1 means 'whatever size makes the count right': numpy works it out"),
        Case("x.reshape(1, -1, 2)", call("x.reshape(1, -1, 2)", lambda t: t.reshape(1, -1, 2)),
             x.reshape(1, 3, 2), f"{x_text}; x.reshape(1, -1, 2)", order),
        Case("x.T", call("x.T", lambda t: t.T), [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]],
             f"{x_text}; x.T",
             "the transpose swaps rows and columns (x.T[i, j] = x[j, i]); reshape(3, 2) has "
             "the right shape but the wrong order: use self.data.T"),
        Case("x.transpose()", call("x.transpose()", lambda t: t.transpose()), x.T,
             f"{x_text}; x.transpose()", "transpose() with no arguments reverses the axes, like .T"),
        Case("a 3-D x.T", lambda: _result(check, "x.T", "np.arange(24.0).reshape(2, 3, 4)",
                                          lambda: Tensor(np.arange(24.0).reshape(2, 3, 4)).T,
                                          Tensor),
             np.arange(24.0).reshape(2, 3, 4).transpose(2, 1, 0),
             "Tensor(np.arange(24.0).reshape(2, 3, 4)).T",
             ".T reverses all the axes (shape (4, 3, 2)), like numpy's .T"),
    ]
    run_cases(check, cases)
