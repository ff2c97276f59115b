"""Autograd: every Tensor operation's gradient against central differences (hypothesis, float64),
and the engine's behaviour: accumulation, no_grad, detach, retain_grad, shared and deep graphs.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch import Tensor, no_grad
from tinytorch.core.autograd import Function, is_grad_enabled, numerical_gradient, unbroadcast

from .strategies import (array_and_axis, arrays, assert_gradients_match, broadcastable_pair,
                         grid_arrays, positive_arrays, shapes)

# A nan or an overflow anywhere in here is a bug, not a warning to scroll past.
pytestmark = pytest.mark.filterwarnings("error")

# ----- gradient checks: arithmetic with broadcasting -------------------------------------------
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
}


@pytest.mark.parametrize("name", BINARY)
@given(pair=broadcastable_pair(low=0.5, high=2.0))
def test_binary_gradients_with_broadcasting(name, pair):
    assert_gradients_match(BINARY[name], *pair)


@pytest.mark.parametrize("name", BINARY)
@given(x=positive_arrays(), number=st.sampled_from([-1.5, 0.5, 2.0, 3]))
def test_binary_gradients_with_a_python_number(name, x, number):
    assert_gradients_match(lambda t: BINARY[name](t, number), x)
    if name == "pow":
        number = abs(number)  # a negative number to a fractional power is not real
    assert_gradients_match(lambda t: BINARY[name](number, t), x)


@given(x=arrays(), exponent=st.sampled_from([0, 1, 2, 3, -1, 0.5, 2.5]))
def test_pow_with_a_number_exponent(x, exponent):
    if exponent not in (0, 1, 2, 3):
        x = np.abs(x) + 0.5  # negative and fractional powers need a positive base
    assert_gradients_match(lambda t: t ** exponent, x)


def test_pow_gradients_where_the_base_is_zero_follow_torch():
    # d(x**0)/dx = 0 (not 0 * x**-1 = nan at x = 0); d(0**b)/db = 0 for b >= 0 (not 0 * log 0).
    x = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    base = Tensor(np.array([0.0, 0.0, 2.0]), requires_grad=True)
    exponent = Tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
    with np.errstate(all="raise"):
        (base ** exponent).sum().backward()
    np.testing.assert_allclose(exponent.grad.data, [0.0, 0.0, 8 * np.log(2.0)])
    np.testing.assert_allclose(base.grad.data, [0.0, 0.0, 12.0])


@given(x=arrays())
def test_neg(x):
    assert_gradients_match(lambda t: -t, x)


# ----- matmul -------------------------------------------------------------------------------------
MATMUL_SHAPES = [
    ((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
    ((5, 2, 3), (5, 3, 4)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2)),
    ((3,), (2, 3, 4)), ((2, 4, 3), (3,)), ((2, 1, 2, 3), (3, 3, 2)),
]


@pytest.mark.parametrize("shape_a, shape_b", MATMUL_SHAPES)
@settings(max_examples=15)  # the shapes are fixed by the parameters; only the values vary
@given(data=st.data())
def test_matmul_gradients(shape_a, shape_b, data):
    a, b = data.draw(arrays(shape_a)), data.draw(arrays(shape_b))
    assert_gradients_match(lambda x, y: x @ y, a, b)


def test_matmul_gradient_only_for_the_input_that_needs_it():
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    x = Tensor(np.ones((4, 3)))
    (x @ w).sum().backward()
    assert x.grad is None
    np.testing.assert_array_equal(w.grad.data, np.full((3, 2), 4.0))


# ----- reductions -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sum", "mean"])
@given(case=array_and_axis(), keepdims=st.booleans())
def test_sum_and_mean(name, case, keepdims):
    x, axis = case
    assert_gradients_match(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), x)


@given(case=array_and_axis(grid_arrays(shapes(min_dims=1))), keepdims=st.booleans())
def test_max_without_ties(case, keepdims):
    x, axis = case
    assert_gradients_match(lambda t: t.max(axis=axis, keepdims=keepdims), x)


def test_max_shares_the_gradient_between_ties_like_torch_amax():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]), requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]])
    x.grad = None
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])


@given(x=arrays(shapes(max_dims=0)), name=st.sampled_from(["sum", "mean", "max"]),
       axis=st.sampled_from([None, 0, -1]))
def test_reductions_of_a_scalar(x, name, axis):
    assert_gradients_match(lambda t: getattr(t, name)(axis=axis), x)


# ----- elementwise functions -----------------------------------------------------------------------
@given(x=arrays())
def test_exp(x):
    assert_gradients_match(lambda t: t.exp(), x)


@pytest.mark.parametrize("name", ["log", "sqrt"])
@given(x=positive_arrays())
def test_log_and_sqrt(name, x):
    assert_gradients_match(lambda t: getattr(t, name)(), x)


@given(x=grid_arrays(offset=0.005))
def test_abs_away_from_zero(x):
    assert_gradients_match(lambda t: t.abs(), x)


def test_abs_gradient_at_zero_is_zero_like_torch():
    x = Tensor(np.array([0.0, -2.0]), requires_grad=True)
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, -1.0])


@given(x=grid_arrays(offset=0.005), low=st.none() | st.integers(-20, 0).map(lambda i: i / 10),
       high=st.none() | st.integers(0, 20).map(lambda i: i / 10))
def test_clip_away_from_the_bounds(x, low, high):
    if low is None and high is None:
        return
    assert_gradients_match(lambda t: t.clip(low, high), x)


def test_clip_gradient_passes_at_the_bounds_like_torch():
    x = Tensor(np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), requires_grad=True)
    x.clip(0.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0, 1.0, 0.0])


# ----- shape and indexing -----------------------------------------------------------------------------
@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_reshape(x, data):
    shape = data.draw(st.permutations(x.shape + (1,)))
    assert_gradients_match(lambda t: t.reshape(shape), x)
    assert_gradients_match(lambda t: t.reshape(-1), x)


@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_transpose(x, data):
    signs = data.draw(st.lists(st.booleans(), min_size=x.ndim, max_size=x.ndim))
    axes = [a - x.ndim * negative
            for a, negative in zip(data.draw(st.permutations(range(x.ndim))), signs)]
    assert_gradients_match(lambda t: t.transpose(*axes), x)
    assert_gradients_match(lambda t: t.T, x)


@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_getitem_with_slices(x, data):
    index = tuple(data.draw(st.slices(n)) for n in x.shape)
    assert_gradients_match(lambda t: t[index] * 1.0, x)


@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_getitem_with_integer_arrays_accumulates_repeated_indices(x, data):
    index = data.draw(hnp.arrays(np.int64, st.integers(1, 8), elements=st.integers(0, x.shape[0] - 1)))
    assert_gradients_match(lambda t: t[index], x)


@given(x=arrays(shapes(min_dims=2)), data=st.data())
def test_getitem_with_a_pair_of_integer_arrays(x, data):
    n = data.draw(st.integers(1, 6))
    rows = data.draw(hnp.arrays(np.int64, n, elements=st.integers(-x.shape[0], x.shape[0] - 1)))
    cols = data.draw(hnp.arrays(np.int64, n, elements=st.integers(0, x.shape[1] - 1)))
    assert_gradients_match(lambda t: t[rows, cols], x)


@given(x=arrays(shapes(min_dims=1)), data=st.data())
def test_getitem_with_a_boolean_mask(x, data):
    mask = data.draw(hnp.arrays(np.bool_, x.shape))
    assert_gradients_match(lambda t: t[mask], x)


def test_repeated_indices_add_up():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    x[np.array([0, 2, 0, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0])


# ----- compositions ------------------------------------------------------------------------------------
@given(pair=broadcastable_pair(low=0.5, high=2.0))
def test_a_composite_expression(pair):
    def f(a, b):
        return ((a * b).exp() / (a + b) - a.sqrt() * b.log()).sum(axis=-1) ** 2
    assert_gradients_match(f, *pair)


@given(pair=broadcastable_pair())
def test_mixed_float32_and_float64_grads_take_each_inputs_dtype(pair):
    a = Tensor(pair[0].astype(np.float32), requires_grad=True)
    b = Tensor(pair[1], requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and a.grad.shape == a.shape
    assert b.grad.dtype == np.float64 and b.grad.shape == b.shape


# ----- the engine ----------------------------------------------------------------------------------------
def test_gradients_accumulate_across_backward_calls():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0 + 2.0, 3.0 + 4.0])


def test_backward_twice_on_the_same_graph_accumulates():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])


def test_grad_is_a_fresh_array_not_a_view_of_another_gradient():
    a = Tensor(np.ones((2, 2)), requires_grad=True)
    b = Tensor(np.ones((2, 2)), requires_grad=True)
    (a + b).sum().backward()
    a.grad.data *= 10  # e.g. gradient clipping in place
    np.testing.assert_array_equal(b.grad.data, np.ones((2, 2)))
    assert a.grad.data.flags.writeable


def test_grad_accepts_only_a_tensor_of_the_same_shape_or_none():
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(TypeError, match=r"\.grad must be a Tensor or None, got ndarray; wrap it: "
                                        r"Tensor\(array\)"):
        w.grad = np.ones((2, 3))
    with pytest.raises(TypeError, match=r"\.grad must be a Tensor or None, got list"):
        w.grad = [[1.0] * 3] * 2
    with pytest.raises(ValueError, match=r"\.grad must have the tensor's shape \(2, 3\), got a "
                                         r"gradient of shape \(3,\)"):
        w.grad = Tensor(np.ones(3))
    assert w.grad is None  # nothing was assigned
    w.grad = Tensor(np.full((2, 3), 2.0))
    (w * 3).sum().backward()  # accumulates onto the assigned gradient
    np.testing.assert_array_equal(w.grad.data, np.full((2, 3), 5.0))
    w.grad = None
    assert w.grad is None


def test_a_tensor_used_twice_gets_both_contributions():
    x = Tensor(np.array([3.0]), requires_grad=True)
    (x * x + x).backward(np.array([1.0]))
    np.testing.assert_array_equal(x.grad.data, [7.0])


def test_diamond_graph():
    #      ┌── b = 2a ──┐
    # x ── a = x²       d = b * c
    #      └── c = a + 1┘
    x = Tensor(np.array([2.0]), requires_grad=True)
    a = x * x
    b, c = a * 2, a + 1
    (b * c).backward(np.array([1.0]))
    # d = 2a(a + 1) = 2a² + 2a; dd/dx = (4a + 2) * 2x = (16 + 2) * 4
    np.testing.assert_array_equal(x.grad.data, [72.0])


def test_deep_chain_has_no_recursion_limit():
    x = Tensor(np.array([1.0]), requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    y.backward(np.array([1.0]))
    np.testing.assert_allclose(x.grad.data, [1.0001 ** 20_000])


def test_backward_with_an_explicit_gradient():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * 3).backward(Tensor(np.array([1.0, 10.0])))
    np.testing.assert_array_equal(x.grad.data, [3.0, 30.0])
    (x * 1).backward([1, 1])
    np.testing.assert_array_equal(x.grad.data, [4.0, 31.0])


def test_backward_of_a_leaf():
    x = Tensor(np.array([[1.0]]), requires_grad=True)
    x.backward()
    np.testing.assert_array_equal(x.grad.data, [[1.0]])


def test_only_leaves_keep_grad_unless_retain_grad():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 2
    k = h * 3
    k.retain_grad()
    (k * k).sum().backward()
    assert h.grad is None
    np.testing.assert_array_equal(k.grad.data, 2 * k.data)
    np.testing.assert_array_equal(x.grad.data, 2 * k.data * 6)


def test_no_grad_as_a_context_manager_restores_the_mode_even_after_an_error():
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            assert not is_grad_enabled()
            with no_grad():
                pass
            assert not is_grad_enabled()
            1 / 0
    assert is_grad_enabled()
    assert (x * 2).requires_grad


def test_no_grad_as_a_decorator():
    @no_grad()
    def evaluate(t):
        return t * 2

    y = evaluate(Tensor([1.0], requires_grad=True))
    assert not y.requires_grad and y.is_leaf
    assert is_grad_enabled()


def test_detach_stops_the_gradient():
    x = Tensor(np.array([2.0]), requires_grad=True)
    (x * x.detach()).backward(np.array([1.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0])


def test_constants_get_no_gradient():
    x = Tensor(np.array([2.0]), requires_grad=True)
    c = Tensor(np.array([5.0]))
    (x * c).sum().backward()
    assert c.grad is None


# ----- Function: the extension point ---------------------------------------------------------------------
class Cube(Function):
    def forward(self, x):
        self.x = x
        return x ** 3

    def backward(self, grad):
        return grad * 3 * self.x ** 2


@given(x=arrays())
def test_a_custom_function(x):
    assert_gradients_match(lambda t: Cube.apply(t), x)


class WrongShape(Function):
    def forward(self, x):
        return x * 2

    def backward(self, grad):
        return np.ones(7)


class TooFewGradients(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, grad):
        return (grad,)


def test_a_backward_returning_a_wrong_shape_is_named():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"WrongShape.backward returned a gradient of shape \(7,\) "
                                         r"for input 0 of shape \(2, 3\)"):
        WrongShape.apply(x).sum().backward()


def test_a_backward_returning_too_few_gradients_is_named():
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"TooFewGradients.backward returned 1 gradient\(s\) for "
                                         r"2 inputs"):
        TooFewGradients.apply(a, b).sum().backward()


def test_function_without_forward_or_backward():
    class Empty(Function):
        pass

    with pytest.raises(NotImplementedError, match="Empty.forward is not implemented"):
        Empty.apply(Tensor([1.0]))


# ----- unbroadcast and numerical_gradient ---------------------------------------------------------------
@pytest.mark.parametrize(
    "grad_shape, shape",
    [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 3), (1, 3)), ((2, 3), (2, 1)), ((4, 2, 3), (2, 1)),
     ((4, 2, 3), ()), ((4, 2, 3), (1, 1, 1)), ((2, 3), (1,))],
)
def test_unbroadcast_sums_over_broadcast_axes(grad_shape, shape):
    grad = np.arange(np.prod(grad_shape), dtype=np.float64).reshape(grad_shape)
    got = unbroadcast(grad, shape)
    assert got.shape == shape
    # every element of the input was used grad.size / size(shape) times: the totals agree
    assert got.sum() == grad.sum()
    # and broadcasting the result back gives one value per group of uses
    expected = grad
    for axis in range(grad.ndim - len(shape)):
        expected = expected.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1:
            expected = expected.sum(axis=axis, keepdims=True)
    np.testing.assert_array_equal(got, expected.reshape(shape))


@given(x=arrays(shapes(min_dims=1)))
def test_numerical_gradient_central_differences(x):
    x0 = x.copy()
    got = numerical_gradient(lambda a: np.sum(np.sin(a) * a), x)
    np.testing.assert_allclose(got, np.sin(x) + x * np.cos(x), rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(x, x0)  # x is restored


def test_numerical_gradient_needs_float64():
    with pytest.raises(TypeError, match=r"numerical_gradient: x must be a float64 numpy array, "
                                        r"got float32"):
        numerical_gradient(np.sum, np.ones(3, dtype=np.float32))


# ----- the table of which Function each operation runs (tensor.use_functions) ----------------------
def test_use_functions_runs_the_given_class_and_refuses_unknown_names_and_non_functions():
    from tinytorch.core import tensor as tensor_module

    class Recorded(tensor_module.Exp):
        calls = 0

        def forward(self, a):
            Recorded.calls += 1
            return super().forward(a)

    tensor_module.use_functions(exp=Recorded)
    try:
        x = Tensor([0.0, 1.0], requires_grad=True)
        x.exp().sum().backward()
    finally:
        tensor_module.use_functions(exp=tensor_module.Exp)
    assert Recorded.calls == 1
    np.testing.assert_allclose(x.grad.data, np.exp([0.0, 1.0]), rtol=1e-6)
    with pytest.raises(ValueError, match="no operation 'times'.*mul"):
        tensor_module.use_functions(times=Recorded)
    with pytest.raises(TypeError, match="mul= must be a subclass of .*Function"):
        tensor_module.use_functions(mul=lambda a, b: a * b)
    assert tensor_module.functions["exp"] is tensor_module.Exp


@pytest.mark.parametrize("shapes", [((3,), (3, 2)), ((2, 3), (3,)), ((3,), (3,)),
                                    ((4, 2, 3), (3,)), ((3,), (4, 3, 2)), ((2, 3), (4, 3, 2))])
def test_a_matmul_function_for_matrices_serves_vectors_and_batches(shapes):
    """Tensor.__matmul__ gives MatMul matrices only (vectors become one-row or one-column
    matrices), so a learner's MatMul written for matrices and batches is right for every @."""
    from tinytorch.core import tensor as tensor_module
    seen = []

    class Matrices(tensor_module.Function):
        def forward(self, a, b):
            seen.append((a.ndim, b.ndim))
            self.a, self.b = a, b
            return a @ b

        def backward(self, grad):
            return grad @ np.swapaxes(self.b, -1, -2), np.swapaxes(self.a, -1, -2) @ grad

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    a, b = (Tensor(x.copy(), requires_grad=True) for x in arrays)
    tensor_module.use_functions(matmul=Matrices)
    try:
        out = a @ b
        (out * Tensor(np.arange(out.data.size, dtype=np.float64).reshape(out.shape))).sum() \
            .backward()
    finally:
        tensor_module.use_functions(matmul=tensor_module.MatMul)
    assert all(ndims[0] >= 2 and ndims[1] >= 2 for ndims in seen)
    np.testing.assert_allclose(out.data, arrays[0] @ arrays[1])
    # the same sum of weighted products through numpy's own rule, by central differences
    weights = np.arange(out.data.size, dtype=np.float64).reshape(out.shape)
    for tensor, index in ((a, 0), (b, 1)):
        numeric = np.zeros_like(arrays[index])
        for i in np.ndindex(numeric.shape):
            for sign in (1, -1):
                moved = [x.copy() for x in arrays]
                moved[index][i] += sign * 1e-6
                numeric[i] += sign * np.sum((moved[0] @ moved[1]) * weights) / 2e-6
        np.testing.assert_allclose(tensor.grad.data, numeric, rtol=1e-5, atol=1e-6)
