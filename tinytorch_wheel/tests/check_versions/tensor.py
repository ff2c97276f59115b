"""Right and wrong answers to the module 01 learner checks, and their unwritten exercises.

In module 01 the learner writes a Tensor class without autograd. Each check runs on the reference
Tensor, on a learner-style class written with plain numpy, and on classes with one typical
mistake each, which must fail with the standard AssertionError.

RIGHT, WRONG and STUBS are run by test_checks_contract.py; what only these checks say is
tested in test_checks_tensor.py.
"""

import numpy as np

from tinytorch import Tensor


class Learner:
    """A correct module-01 Tensor, the way a learner writes it."""

    def __init__(self, data):
        if isinstance(data, np.ndarray):
            self.data = data
        else:
            self.data = np.array(data, dtype=np.float32)

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    dtype = property(lambda self: self.data.dtype)

    @staticmethod
    def _plain(other):
        return other.data if isinstance(other, Learner) else other

    def __add__(self, other):
        return type(self)(self.data + self._plain(other))

    def __radd__(self, other):
        return type(self)(self._plain(other) + self.data)

    def __sub__(self, other):
        return type(self)(self.data - self._plain(other))

    def __rsub__(self, other):
        return type(self)(self._plain(other) - self.data)

    def __mul__(self, other):
        return type(self)(self.data * self._plain(other))

    def __rmul__(self, other):
        return type(self)(self._plain(other) * self.data)

    def __truediv__(self, other):
        return type(self)(self.data / self._plain(other))

    def __rtruediv__(self, other):
        return type(self)(self._plain(other) / self.data)

    def __matmul__(self, other):
        if self.shape[-1] != other.shape[-2 if other.ndim > 1 else 0]:
            raise ValueError(f"matmul: shapes {self.shape} and {other.shape} do not fit")
        return type(self)(np.matmul(self.data, other.data))

    def sum(self, axis=None, keepdims=False):
        return type(self)(np.asarray(self.data.sum(axis=axis, keepdims=keepdims)))

    def mean(self, axis=None, keepdims=False):
        return type(self)(np.asarray(self.data.mean(axis=axis, keepdims=keepdims)))

    def max(self, axis=None, keepdims=False):
        return type(self)(np.asarray(self.data.max(axis=axis, keepdims=keepdims)))

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], tuple):
            shape = shape[0]
        return type(self)(self.data.reshape(shape))

    def transpose(self):
        return type(self)(self.data.T)

    T = property(transpose)


def wrong(name, **methods):
    return type(name, (Learner,), methods)


def mean_dividing_in_place(self, axis=None, keepdims=False):
    count = self.data.size // np.sum(self.data, axis=axis, keepdims=keepdims).size
    self.data /= count  # divides the caller's tensor too
    return type(self)(np.asarray(self.data.sum(axis=axis, keepdims=keepdims)))


def mean_counting_one_axis(self, axis=None, keepdims=False):
    count = self.data.shape[axis] if isinstance(axis, int) else self.data.size
    return type(self)(np.asarray(self.data.sum(axis=axis, keepdims=keepdims) / count))


def sum_forgetting_keepdims_without_axis(self, axis=None, keepdims=False):
    if axis is None:
        return type(self)(np.asarray(self.data.sum()))
    return type(self)(np.asarray(self.data.sum(axis=axis, keepdims=keepdims)))


def max_with_a_negative_axis_from_len(self, axis=None, keepdims=False):
    if axis is not None and axis < 0:
        axis = len(self.data) + axis  # the length of the first dimension, not self.ndim
    return type(self)(np.asarray(self.data.max(axis=axis, keepdims=keepdims)))


WRONG = {
    "check_tensor_creation": [
        wrong("KeepsTheList", __init__=lambda self, data: setattr(self, "data", data)),
        wrong("Float64Lists", __init__=lambda self, data: setattr(self, "data", np.array(data))),
        wrong("AlwaysFloat32", __init__=lambda self, data: setattr(
            self, "data", np.array(data, dtype=np.float32))),
        wrong("ShapeAsList", shape=property(lambda self: list(self.data.shape))),
        wrong("ShapeIsLength", shape=property(lambda self: (len(self.data),))),
        wrong("NdimIsSize", ndim=property(lambda self: self.data.size)),
        wrong("SizeIsLength", size=property(lambda self: len(self.data))),
    ],
    "check_arithmetic": [
        wrong("NumpyResult", __add__=lambda self, other: self.data + Learner._plain(other)),
        wrong("RsubBackwards", __rsub__=lambda self, other: type(self)(self.data - other)),
        wrong("RdivBackwards", __rtruediv__=lambda self, other: type(self)(self.data / other)),
        wrong("MulAdds", __mul__=lambda self, other: type(self)(self.data + Learner._plain(other))),
        wrong("SubtractsWrongWay",
              __sub__=lambda self, other: type(self)(Learner._plain(other) - self.data)),
        wrong("AddInPlace", __add__=lambda self, other: (
            np.add(self.data, Learner._plain(other), out=self.data, casting="unsafe"),
            self)[1]),
        wrong("NumbersAsFloat64",
              __mul__=lambda self, other: type(self)(self.data * np.array(Learner._plain(other)))),
    ],
    "check_matmul": [
        wrong("Elementwise", __matmul__=lambda self, other: type(self)(self.data * other.data)),
        wrong("Swapped", __matmul__=lambda self, other: type(self)(
            np.matmul(other.data, self.data) if other.ndim > 1 and self.ndim > 1
            and other.shape[-1] == self.shape[-2] else np.matmul(self.data, other.data))),
        wrong("WithDot", __matmul__=lambda self, other: type(self)(np.dot(self.data, other.data))),
        wrong("NoShapeCheck", __matmul__=lambda self, other: type(self)(self.data @ other.data)),
        wrong("NumpyResult", __matmul__=lambda self, other: self.data @ other.data),
        wrong("SilentOnMismatch", __matmul__=lambda self, other: type(self)(
            self.data @ other.data if self.shape[-1] == other.shape[-2 if other.ndim > 1 else 0]
            else np.zeros(1))),
    ],
    "check_reductions": [
        wrong("IgnoresAxis", sum=lambda self, axis=None, keepdims=False: type(self)(
            np.asarray(self.data.sum()))),
        wrong("IgnoresKeepdims", sum=lambda self, axis=None, keepdims=False: type(self)(
            np.asarray(self.data.sum(axis=axis)))),
        wrong("MeanOverEverything", mean=lambda self, axis=None, keepdims=False: type(self)(
            np.asarray(self.data.sum(axis=axis, keepdims=keepdims) / self.data.size))),
        wrong("Argmax", max=lambda self, axis=None, keepdims=False: type(self)(
            np.asarray(self.data.argmax(axis=axis, keepdims=keepdims), dtype=np.float64))),
        wrong("NumberResult", sum=lambda self, axis=None, keepdims=False: self.data.sum(
            axis=axis, keepdims=keepdims)),
        wrong("AxisZeroAlways", max=lambda self, axis=None, keepdims=False: type(self)(
            np.asarray(self.data.max(axis=None if axis is None else 0, keepdims=keepdims)))),
        wrong("MeanDividesInPlace", mean=mean_dividing_in_place),
        wrong("MeanCountsOneAxis", mean=mean_counting_one_axis),
        wrong("KeepdimsOnlyWithAxis", sum=sum_forgetting_keepdims_without_axis),
        wrong("NegativeAxisFromLen", max=max_with_a_negative_axis_from_len),
    ],
    "check_reshape_and_transpose": [
        wrong("FortranOrder", reshape=lambda self, *shape: type(self)(
            self.data.reshape(shape[0] if isinstance(shape[0], tuple) else shape, order="F"))),
        wrong("TIsReshape", T=property(lambda self: type(self)(
            self.data.reshape(self.data.shape[::-1])))),
        wrong("NumpyResult", reshape=lambda self, *shape: self.data.reshape(
            shape[0] if isinstance(shape[0], tuple) else shape)),
        wrong("TransposeIsSelf", transpose=lambda self: self),
        wrong("TSwapsLastTwo", T=property(lambda self: type(self)(np.swapaxes(self.data, -1, -2)))),
    ],
}


RIGHT = dict.fromkeys(WRONG, [Tensor, Learner])


def stub(*args, **kwargs):
    raise NotImplementedError("Tensor.__init__: store data as a numpy array in self.data")


STUBS = dict.fromkeys(WRONG, type("Stub", (Learner,), {"__init__": stub}))
