"""Shared test helpers: hypothesis strategies and a gradient check by central differences.

Everything here runs in CPython and in Pyodide, so nothing here imports torch: the PyTorch
helper lives in ``torch_helpers.py``, imported only by the ``*_torch.py`` files.

Strategies draw small float64 arrays: float64 because the gradient check divides a difference of
two nearby function values by a small step, and float32 would lose most of the digits.
"""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch import Tensor

# ----- strategies -------------------------------------------------------------------------------
MAX_SIDE = 4


def shapes(min_dims=0, max_dims=3, min_side=1):
    """Small array shapes, including the 0-d shape ``()`` when ``min_dims=0``."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=MAX_SIDE)


def floats(low=-3.0, high=3.0):
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)


def arrays(shape=None, low=-3.0, high=3.0):
    """float64 arrays of ``shape`` (a shape or a strategy of shapes) with values in [low, high]."""
    return hnp.arrays(np.float64, shapes() if shape is None else shape,
                      elements=floats(low, high))


def positive_arrays(shape=None):
    """Arrays bounded away from 0, for log, sqrt, division and powers."""
    return arrays(shape, low=0.5, high=3.0)


def grid_arrays(shape=None, offset=0.0):
    """Arrays whose values are distinct multiples of 0.01 (plus ``offset``).

    No two values are closer than 0.01, far more than the step of the gradient check, so
    ``max`` has no ties and the check never steps across a kink (``abs`` at 0, ``clip`` at a
    bound): there the derivative does not exist and a numerical check means nothing.
    """
    return hnp.arrays(np.float64, shapes() if shape is None else shape,
                      elements=st.integers(-300, 300).map(lambda i: i / 100 + offset),
                      unique=True)


@st.composite
def broadcastable_pair(draw, low=-3.0, high=3.0):
    """Two float64 arrays whose shapes broadcast together (either may be stretched)."""
    shape_a, shape_b = draw(hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=3, max_side=MAX_SIDE)).input_shapes
    return draw(arrays(shape_a, low, high)), draw(arrays(shape_b, low, high))


@st.composite
def array_and_axis(draw, elements=None):
    """An array with at least one dimension and a valid ``axis``: None, an int or a tuple."""
    x = draw(elements if elements is not None else arrays(shapes(min_dims=1)))
    axis = draw(st.none() | st.integers(-x.ndim, x.ndim - 1) | hnp.valid_tuple_axes(x.ndim, min_size=1))
    return x, axis


# ----- gradient check ----------------------------------------------------------------------------
def numerical_gradients(f, arrays, weight, eps=1e-6):
    """d(sum(f(*arrays) * weight))/d(array) for each array, by central differences."""
    grads = []
    for array in arrays:
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + eps
            plus = np.sum(f(*arrays) * weight)
            array[index] = original - eps
            minus = np.sum(f(*arrays) * weight)
            array[index] = original
            grad[index] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads


def assert_gradients_match(f, *arrays, rtol=1e-5, atol=1e-7):
    """Compare tinytorch's gradients of ``f`` with central differences, in float64.

    ``f`` takes tensors and returns a tensor. A random weight projects a non-scalar output to a
    scalar, so every element of the output's gradient is exercised, not just a sum.
    """
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = f(*tensors)
    assert out.dtype == np.float64
    weight = np.random.default_rng(0).uniform(0.5, 1.5, out.shape)
    out.backward(weight)

    def f_numpy(*plain):
        return f(*(Tensor(a) for a in plain)).data

    expected = numerical_gradients(f_numpy, arrays, weight)
    for i, (tensor, want) in enumerate(zip(tensors, expected)):
        assert tensor.grad is not None, f"input {i} got no gradient"
        assert tensor.grad.shape == tensor.shape, f"input {i}: gradient shape"
        assert tensor.grad.dtype == np.float64
        np.testing.assert_allclose(tensor.grad.data, want, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")
