"""Activations: values against numpy formulas, gradients by central differences, stability at
+-1e4 without a warning, the function and module forms, and their errors.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinytorch import Tensor
from tinytorch.core.activations import (LogSoftmax, ReLU, Sigmoid, Softmax, Tanh, log_softmax,
                                        relu, sigmoid, softmax, tanh)
from tinytorch.core.layers import Linear, Sequential

from .strategies import arrays, assert_gradients_match, grid_arrays, shapes

# An overflow warning is exactly the bug these tests look for: make every warning an error.
pytestmark = pytest.mark.filterwarnings("error")


def numpy_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ELEMENTWISE = {
    "relu": (relu, ReLU, lambda x: np.where(x > 0, x, 0.0)),
    "sigmoid": (sigmoid, Sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "tanh": (tanh, Tanh, lambda x: (np.exp(2 * x) - 1) / (np.exp(2 * x) + 1)),
}


# ----- values ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ELEMENTWISE)
@given(x=arrays(low=-10, high=10))
def test_elementwise_values(name, x):
    function, module, formula = ELEMENTWISE[name]
    np.testing.assert_allclose(function(Tensor(x)).data, formula(x), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(module()(Tensor(x)).data, function(Tensor(x)).data)


@given(x=arrays(shapes(min_dims=1), low=-10, high=10), data=st.data())
def test_softmax_values(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    got = softmax(Tensor(x), dim=dim).data
    np.testing.assert_allclose(got, numpy_softmax(x, dim), rtol=1e-12)
    np.testing.assert_allclose(got.sum(axis=dim), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(Softmax(dim)(Tensor(x)).data, got)


def test_softmax_worked_example():
    # exp([0, ln 2, ln 5]) = [1, 2, 5], total 8
    got = softmax(Tensor(np.array([0.0, np.log(2), np.log(5)])))
    np.testing.assert_allclose(got.data, [1 / 8, 2 / 8, 5 / 8], rtol=1e-15)


def test_softmax_default_dim_is_the_last():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(softmax(Tensor(x)).data, numpy_softmax(x, -1))
    np.testing.assert_allclose(Softmax()(Tensor(x)).data, numpy_softmax(x, -1))


@given(x=arrays(shapes(min_dims=1), low=-10, high=10))
def test_log_softmax_module_is_the_losses_function(x):
    np.testing.assert_array_equal(LogSoftmax(dim=0)(Tensor(x)).data,
                                  log_softmax(Tensor(x), dim=0).data)
    np.testing.assert_allclose(LogSoftmax()(Tensor(x)).data, np.log(numpy_softmax(x, -1)),
                               rtol=1e-10, atol=1e-12)


# ----- extreme inputs: exact limits, no overflow, no warning --------------------------------------------
EXTREMES = np.array([-1e4, -800.0, -100.0, -20.0, 0.0, 20.0, 100.0, 800.0, 1e4])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_at_the_extremes(dtype):
    x = Tensor(EXTREMES.astype(dtype), requires_grad=True)
    y = sigmoid(x)
    assert y.dtype == dtype
    assert y.data[0] == 0.0 and y.data[-1] == 1.0 and y.data[4] == 0.5
    # in float64 the tiny values are still exact: sigmoid(-20) = exp(-20) / (1 + exp(-20))
    if dtype == np.float64:
        np.testing.assert_allclose(y.data[3], np.exp(-20) / (1 + np.exp(-20)), rtol=1e-15)
    y.backward(np.ones(len(EXTREMES), dtype=dtype))
    assert np.all(np.isfinite(x.grad.data))
    assert x.grad.data[0] == 0.0 and x.grad.data[-1] == 0.0 and x.grad.data[4] == 0.25


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tanh_is_stable_at_the_extremes(dtype):
    x = Tensor(EXTREMES.astype(dtype), requires_grad=True)
    y = tanh(x)
    assert y.data[0] == -1.0 and y.data[-1] == 1.0
    y.backward(np.ones(len(EXTREMES), dtype=dtype))
    assert x.grad.data[0] == 0.0 and x.grad.data[4] == 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_for_huge_logits(dtype):
    x = Tensor(np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4], [-1e4, -1e4, 5.0]], dtype=dtype),
               requires_grad=True)
    y = softmax(x, dim=1)
    expected = np.array([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(y.data, expected, rtol=1e-6)
    y.backward(np.arange(9.0, dtype=dtype).reshape(3, 3))
    assert np.all(np.isfinite(x.grad.data))


def test_relu_gradient_at_zero_is_zero_like_torch():
    x = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    relu(x).backward(np.ones(3))
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0])


# ----- gradients ------------------------------------------------------------------------------------
@given(x=grid_arrays(offset=0.005))
def test_relu_gradient_away_from_zero(x):
    assert_gradients_match(relu, x)


@pytest.mark.parametrize("function", [sigmoid, tanh], ids=["sigmoid", "tanh"])
@given(x=arrays(low=-6, high=6))
def test_sigmoid_and_tanh_gradients(function, x):
    assert_gradients_match(function, x)


@pytest.mark.parametrize("function", [softmax, log_softmax], ids=["softmax", "log_softmax"])
@given(x=arrays(shapes(min_dims=1), low=-5, high=5), data=st.data())
def test_softmax_gradients_along_every_dim(function, x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    assert_gradients_match(lambda t: function(t, dim=dim), x)


@given(x=arrays(shapes(min_dims=2, max_dims=2), low=-3, high=3))
def test_log_softmax_module_gradient(x):
    assert_gradients_match(LogSoftmax(dim=0), x)


# ----- dtypes, modules, errors -------------------------------------------------------------------------
@pytest.mark.parametrize("module", [ReLU(), Sigmoid(), Tanh(), Softmax(), LogSoftmax()],
                         ids=lambda m: type(m).__name__)
def test_modules_keep_float32_and_have_no_parameters(module):
    x = Tensor([[1.0, -2.0, 3.0]], requires_grad=True)
    y = module(x)
    assert y.dtype == np.float32 and y.shape == (1, 3) and y.requires_grad
    assert module.parameters() == []


@pytest.mark.parametrize(
    "module, text",
    [(ReLU(), "ReLU()"), (Sigmoid(), "Sigmoid()"), (Tanh(), "Tanh()"),
     (Softmax(dim=1), "Softmax(dim=1)"), (Softmax(), "Softmax(dim=-1)"),
     (LogSoftmax(dim=0), "LogSoftmax(dim=0)")],
)
def test_repr_like_torch(module, text):
    assert repr(module) == text


def test_activations_inside_sequential():
    model = Sequential(Linear(3, 4), Tanh(), Linear(4, 2), Softmax(dim=1))
    y = model(Tensor(np.ones((5, 3), dtype=np.float32)))
    assert y.shape == (5, 2)
    np.testing.assert_allclose(y.data.sum(axis=1), 1.0, rtol=1e-6)
    assert "(1): Tanh()" in repr(model) and "(3): Softmax(dim=1)" in repr(model)


@pytest.mark.parametrize(
    "call, owner",
    [(relu, "relu"), (sigmoid, "sigmoid"), (tanh, "tanh"), (softmax, "softmax"),
     (ReLU(), "relu"), (Sigmoid(), "sigmoid"), (Tanh(), "tanh"), (Softmax(), "Softmax"),
     (LogSoftmax(), "LogSoftmax")],
)
@pytest.mark.parametrize("value", [[1.0, 2.0], np.array([1.0])])
def test_inputs_must_be_tensors(call, owner, value):
    with pytest.raises(TypeError, match=rf"{owner}: input must be a Tensor, got (list|ndarray); "
                                        rf"wrap it first"):
        call(value)


@pytest.mark.parametrize("owner, make", [("softmax", lambda d: (lambda x: softmax(x, dim=d))),
                                         ("Softmax", Softmax)])
def test_softmax_dim_errors(owner, make):
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(IndexError, match=rf"{owner}: dim 2 is out of range for an input of "
                                         rf"shape \(2, 3\) \(use a dim from -2 to 1\)"):
        make(2)(x)
    with pytest.raises(IndexError, match=rf"{owner}: dim -3 is out of range"):
        make(-3)(x)
    with pytest.raises(ValueError, match=rf"{owner}: input must have at least one dimension"):
        make(0)(Tensor(1.0))


@pytest.mark.parametrize("module", [Softmax, LogSoftmax])
@pytest.mark.parametrize("dim", [1.0, "1", None, True])
def test_module_dim_must_be_an_int(module, dim):
    with pytest.raises(TypeError, match=rf"{module.__name__}: dim must be an integer, got"):
        module(dim=dim)


def test_softmax_function_dim_must_be_an_int():
    with pytest.raises(TypeError, match=r"softmax: dim must be an integer, got 0.5 \(float\)"):
        softmax(Tensor([1.0, 2.0]), dim=0.5)
