"""Tensor: creation and dtype rules, properties, repr, every operation's values, and its errors.

Gradients are tested in test_autograd.py; here only forward values, dtypes, shapes and messages.
"""

import operator
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinytorch import Tensor, no_grad

from .strategies import arrays, broadcastable_pair, positive_arrays, shapes

pytestmark = pytest.mark.filterwarnings("error")

# Integer arrays spell out int64: numpy's default integer is int32 in Pyodide (wasm32).


# ----- creation and dtype rules --------------------------------------------------------------
@pytest.mark.parametrize(
    "data, dtype",
    [
        (1.5, np.float32),
        (3, np.float32),
        (True, np.float32),
        ([1, 2, 3], np.float32),
        ([[1.0, 2.0], [3.0, 4.0]], np.float32),
        ((1.0, 2.0), np.float32),
        (np.array([1.0, 2.0]), np.float64),
        (np.array([1.0, 2.0], dtype=np.float32), np.float32),
        (np.array([1, 2], dtype=np.int64), np.int64),
        (np.array([1, 2], dtype=np.int32), np.int32),
        (np.array([True, False]), np.bool_),
        (np.float64(2.0), np.float64),
        (np.float32(2.0), np.float32),
    ],
)
def test_creation_dtype_rules(data, dtype):
    t = Tensor(data)
    assert isinstance(t.data, np.ndarray)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.data, np.asarray(data))


def test_numpy_array_is_used_without_copy():
    array = np.array([1.0, 2.0])
    t = Tensor(array)
    assert t.data is array
    assert t.numpy() is array


def test_dtype_argument_converts():
    assert Tensor([1, 2], dtype=np.int64).dtype == np.int64
    assert Tensor(np.array([1, 2]), dtype=np.float32).dtype == np.float32
    assert Tensor(np.array([1.5]), dtype=np.float64).dtype == np.float64


def test_tensor_from_tensor_shares_data():
    a = Tensor(np.array([1.0, 2.0]))
    assert Tensor(a).data is a.data


@pytest.mark.parametrize(
    "data, error, words",
    [
        ([[1.0, 2.0], [3.0]], ValueError, "rectangular"),
        (["a", "b"], ValueError, "could not convert"),
        ("abc", TypeError, "got str"),
        (None, TypeError, "got NoneType"),
        ({"a": 1}, TypeError, "got dict"),
        (np.array(["a"]), TypeError, "dtype <U1"),
        (np.array([object()]), TypeError, "dtype object"),
    ],
)
def test_bad_data_is_rejected(data, error, words):
    with pytest.raises(error, match="Tensor: data must") as info:
        Tensor(data)
    assert words in str(info.value)


@pytest.mark.parametrize("data", [np.array([1, 2]), np.array([True]), np.array([1], np.int32)])
def test_requires_grad_needs_a_floating_dtype(data):
    with pytest.raises(ValueError, match=r"only floating-point tensors can require gradients, "
                                         r"got dtype (int|bool)"):
        Tensor(data, requires_grad=True)


def test_requires_grad_on_a_list_is_fine_because_lists_become_float32():
    t = Tensor([1, 2], requires_grad=True)
    assert t.requires_grad and t.dtype == np.float32


# ----- properties -----------------------------------------------------------------------------
def test_properties():
    t = Tensor(np.zeros((2, 3, 4)))
    assert t.shape == (2, 3, 4)
    assert t.ndim == 3
    assert t.size == 24
    assert t.dtype == np.float64
    assert len(t) == 2
    assert t.requires_grad is False
    assert t.grad is None
    assert t.is_leaf


def test_len_of_a_scalar_raises():
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(Tensor(1.0))


def test_item_tolist_numpy():
    assert Tensor([[2.5]]).item() == 2.5
    assert isinstance(Tensor(np.array([3])).item(), int)
    assert Tensor([[1, 2], [3, 4]]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(ValueError, match=r"only one-element tensors .* got shape \(2,\)"):
        Tensor([1.0, 2.0]).item()


@pytest.mark.parametrize(
    "tensor, text",
    [
        (Tensor([1.0, 2.0]), "Tensor([1., 2.])"),
        (Tensor(3.0), "Tensor(3.)"),
        (Tensor(np.array([1.0, 2.5])), "Tensor([1. , 2.5], dtype=float64)"),
        (Tensor(np.array([1, 2], dtype=np.int64)), "Tensor([1, 2])"),
        (Tensor(np.array([1, 2], dtype=np.int32)), "Tensor([1, 2], dtype=int32)"),
        (Tensor(np.array([True, False])), "Tensor([ True, False])"),
        (Tensor([1.0], requires_grad=True), "Tensor([1.], requires_grad=True)"),
        (Tensor([[1.0, 2.0], [3.0, 4.0]]), "Tensor([[1., 2.],\n        [3., 4.]])"),
    ],
)
def test_repr(tensor, text):
    assert repr(tensor) == text


# ----- elementwise arithmetic -----------------------------------------------------------------
BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.__name__)
@given(pair=broadcastable_pair(low=0.5, high=3.0))
def test_binary_operators_broadcast_like_numpy(op, pair):
    a, b = pair
    expected = op(a, b)
    for got in (op(Tensor(a), Tensor(b)), op(Tensor(a), b), op(a, Tensor(b))):
        assert isinstance(got, Tensor)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got.data, expected, rtol=1e-12)


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.__name__)
def test_python_numbers_on_either_side(op):
    x = np.array([1.0, 2.0, 4.0], dtype=np.float32)
    for got, expected in ((op(Tensor(x), 2), op(x, 2)), (op(2, Tensor(x)), op(2, x))):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got.data, expected)


def test_neg():
    np.testing.assert_array_equal((-Tensor([1.0, -2.0])).data, [-1.0, 2.0])


@pytest.mark.parametrize(
    "a, b, dtype",
    [
        (Tensor([1.0]), 2, np.float32),  # a Python number takes the tensor's dtype
        (Tensor([1.0]), 2.5, np.float32),
        (Tensor(np.array([1.0])), 2.5, np.float64),
        (Tensor([1.0]), Tensor(np.array([1.0])), np.float64),  # numpy's promotion
        (Tensor(np.array([1, 2], dtype=np.int64)), 1, np.int64),  # integer stays integer, like torch
        (Tensor(np.array([1, 2], dtype=np.int32)), 3, np.int32),
    ],
)
def test_result_dtypes(a, b, dtype):
    assert (a + b).dtype == dtype
    assert (b * a).dtype == dtype


def test_broadcasting_error_names_the_operator_and_shapes():
    with pytest.raises(ValueError, match=r"a \* b: shapes \(2, 3\) and \(4,\) cannot be broadcast"):
        Tensor(np.ones((2, 3))) * Tensor(np.ones(4))
    with pytest.raises(ValueError, match=r"a - b: shapes \(3,\) and \(2, 2\)"):
        np.ones(3) - Tensor(np.ones((2, 2)))


def test_numpy_arrays_on_the_left_give_tensors():
    got = np.ones(2) + Tensor([1.0, 2.0])
    assert isinstance(got, Tensor)
    np.testing.assert_array_equal(got.data, [2.0, 3.0])


def test_operators_do_not_modify_their_inputs():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    for op in BINARY + [operator.matmul]:
        op(Tensor(a), Tensor(b))
    np.testing.assert_array_equal(a, [1.0, 2.0])
    np.testing.assert_array_equal(b, [3.0, 4.0])


# ----- comparisons and truth values ------------------------------------------------------------
COMPARISONS = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]


def test_comparisons_are_elementwise_and_broadcast():
    a, b = Tensor([[1.0, 2.0, 3.0]]), Tensor([[2.0], [3.0]])
    assert (a == b).tolist() == [[False, True, False], [False, False, True]]
    assert (a != b).tolist() == [[True, False, True], [True, True, False]]
    assert (a < b).tolist() == [[True, False, False], [True, True, False]]
    assert (a <= b).tolist() == [[True, True, False], [True, True, True]]
    assert (a > b).tolist() == [[False, False, True], [False, False, False]]
    assert (a >= b).tolist() == [[False, True, True], [False, False, True]]


def test_comparisons_with_numbers_and_arrays_on_either_side():
    a = Tensor([1.0, 2.0, 3.0])
    assert (a == 2).tolist() == [False, True, False]
    assert (2 < a).tolist() == [False, False, True]  # Python turns 2 < a into a > 2
    assert (a >= 2.5).tolist() == [False, False, True]
    assert (np.array([3.0, 2.0, 1.0]) > a).tolist() == [True, False, False]
    assert (Tensor(np.array([1, 2], dtype=np.int64)) == 1.5).tolist() == [False, False]


@pytest.mark.parametrize("op", COMPARISONS, ids=lambda op: op.__name__)
def test_comparisons_give_boolean_tensors_outside_the_graph(op):
    a = Tensor([1.0, 2.0], requires_grad=True)
    result = op(a, Tensor([2.0, 2.0]))
    assert isinstance(result, Tensor) and result.dtype == np.bool_
    assert not result.requires_grad and result.is_leaf


@pytest.mark.parametrize("op, symbol", [(operator.eq, "=="), (operator.lt, "<"),
                                        (operator.ge, ">=")])
def test_comparison_broadcasting_error_names_the_operator(op, symbol):
    with pytest.raises(ValueError, match=rf"a {symbol} b: shapes \(2, 3\) and \(4,\) cannot be "
                                         rf"broadcast"):
        op(Tensor(np.ones((2, 3))), Tensor(np.ones(4)))


def test_comparison_with_something_that_is_not_a_number_falls_back_like_torch():
    a = Tensor([1.0, 2.0])
    assert (a == None) is False and (a != "a") is True  # noqa: E711
    with pytest.raises(TypeError, match="'<' not supported between instances of 'Tensor' and "
                                        "'NoneType'"):
        a < None


def test_tensors_stay_hashable_by_identity():
    a, b = Tensor([1.0]), Tensor([1.0])
    assert (a == b).tolist() == [True]
    assert len({a, b}) == 2
    assert {a: "a", b: "b"}[b] == "b"


@pytest.mark.parametrize("data, truth", [([0.0], False), ([2.0], True), ([[0.5]], True),
                                         (0.0, False), (np.array([0], dtype=np.int64), False)])
def test_bool_of_a_one_element_tensor_is_its_truth(data, truth):
    assert bool(Tensor(data)) is truth


@pytest.mark.parametrize("shape", [(2,), (2, 3), (0,)])
def test_bool_of_a_tensor_with_other_than_one_element_is_ambiguous(shape):
    size = int(np.prod(shape))
    message = (f"bool(): the truth value of a tensor with {size} elements (shape {shape}) is "
               f"ambiguous; use t.data.any() or t.data.all()")
    with pytest.raises(ValueError, match=re.escape(message)):
        bool(Tensor(np.zeros(shape)))
    with pytest.raises(ValueError, match=re.escape(message)):
        if Tensor(np.zeros(shape)):
            pass


# ----- matmul --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape_a, shape_b",
    [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)), ((5, 2, 3), (5, 3, 4)),
     ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((1, 2, 3), (5, 3, 4)), ((3,), (5, 3, 2))],
)
def test_matmul_shapes_like_numpy(shape_a, shape_b):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    got = Tensor(a) @ Tensor(b)
    assert got.shape == (a @ b).shape
    np.testing.assert_allclose(got.data, a @ b)
    np.testing.assert_allclose((a @ Tensor(b)).data, a @ b)
    np.testing.assert_allclose((Tensor(a) @ b).data, a @ b)


@pytest.mark.parametrize(
    "shape_a, shape_b, words",
    [
        ((2, 3), (4, 5), r"matmul: shapes \(2, 3\) and \(4, 5\) do not fit: the last dimension "
                         r"of the left \(3\) must equal the second-to-last dimension"),
        ((2, 3), (4,), r"shapes \(2, 3\) and \(4,\) do not fit: .* the only dimension"),
        ((2,), (3,), r"shapes \(2,\) and \(3,\) do not fit"),
        ((), (3,), r"matmul: both operands need at least one dimension"),
        ((2, 3, 4), (5, 4, 2), r"matmul: the batch dimensions \(2,\) and \(5,\) of shapes "
                               r"\(2, 3, 4\) and \(5, 4, 2\) cannot be broadcast together"),
    ],
)
def test_matmul_shape_errors(shape_a, shape_b, words):
    with pytest.raises(ValueError, match=words):
        Tensor(np.ones(shape_a)) @ Tensor(np.ones(shape_b))


# ----- reductions ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (-1, 0), [0, 1]])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_like_numpy(name, axis, keepdims):
    x = np.random.default_rng(1).normal(size=(2, 3, 4))
    got = getattr(Tensor(x), name)(axis=axis, keepdims=keepdims)
    numpy_axis = tuple(axis) if isinstance(axis, list) else axis
    expected = getattr(np, name)(x, axis=numpy_axis, keepdims=keepdims)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.data, expected)


def test_reductions_of_a_scalar_accept_axis_0_like_torch():
    for name in ("sum", "mean", "max"):
        assert getattr(Tensor(2.0), name)(axis=0).item() == 2.0
        assert getattr(Tensor(2.0), name)(axis=-1).item() == 2.0


@pytest.mark.parametrize("name", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis", [2, -3, (0, 5)])
def test_reduction_axis_out_of_range(name, axis):
    with pytest.raises(IndexError, match=rf"{name}\(\): axis -?\d is out of range for a tensor "
                                         rf"with 2 dimensions \(shape \(2, 3\)\)"):
        getattr(Tensor(np.ones((2, 3))), name)(axis=axis)


@pytest.mark.parametrize("axis", [1.0, "0", (0, 0.5)])
def test_reduction_axis_must_be_integers(axis):
    with pytest.raises(TypeError, match=r"sum\(\): axis must be None, an int or a tuple of ints"):
        Tensor(np.ones((2, 3))).sum(axis=axis)


@pytest.mark.parametrize("name", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis, repeated", [((0, 0), 0), ((1, -1), 1), ((0, 1, -2), 0)])
def test_reduction_axis_repeated(name, axis, repeated):
    message = f"{name}(): axis {repeated} appears more than once in axis={axis} (shape (2, 3))"
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(Tensor(np.ones((2, 3))), name)(axis=axis)


def test_max_of_an_empty_tensor():
    with pytest.raises(ValueError, match="max\\(\\): the tensor is empty"):
        Tensor(np.ones((0, 3))).max()


def test_reductions_keep_float32():
    x = Tensor(np.ones((3, 2), dtype=np.float32))
    assert x.sum().dtype == x.mean(axis=0).dtype == x.max().dtype == np.float32


# ----- elementwise functions --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "abs"])
@given(x=positive_arrays())
def test_elementwise_functions_like_numpy(name, x):
    np.testing.assert_allclose(getattr(Tensor(x), name)().data, getattr(np, name)(x))


def test_abs_of_negative_values():
    np.testing.assert_array_equal(Tensor([-2.0, 0.0, 3.0]).abs().data, [2.0, 0.0, 3.0])


@given(x=arrays(), low=st.none() | st.floats(-2, 0), high=st.none() | st.floats(0, 2))
def test_clip_like_numpy(x, low, high):
    if low is None and high is None:
        return
    np.testing.assert_array_equal(Tensor(x).clip(low, high).data, np.clip(x, low, high))


def test_clip_errors():
    with pytest.raises(ValueError, match="clip\\(\\): give at least one of min and max"):
        Tensor([1.0]).clip()
    with pytest.raises(ValueError, match="clip\\(\\): min \\(2\\) must not be greater than max \\(1\\)"):
        Tensor([1.0]).clip(2, 1)


@pytest.mark.parametrize("bounds, words", [
    ((Tensor([0.0]), None), "min must be a number or None, got Tensor"),
    ((None, np.array([1.0])), "max must be a number or None, got ndarray"),
    (("0", None), "min must be a number or None, got str"),
])
def test_clip_bounds_must_be_numbers(bounds, words):
    with pytest.raises(TypeError, match=rf"clip\(\): {words}"):
        Tensor([1.0, 2.0]).clip(*bounds)


def test_clip_keeps_float32():
    assert Tensor([1.0, 5.0]).clip(2.5, 3.5).dtype == np.float32


# ----- shape -------------------------------------------------------------------------------------
def test_reshape_forms():
    x = Tensor(np.arange(6.0))
    assert x.reshape(2, 3).shape == (2, 3)
    assert x.reshape((3, 2)).shape == (3, 2)
    assert x.reshape([3, -1]).shape == (3, 2)
    assert x.reshape(-1).shape == (6,)
    assert Tensor([5.0]).reshape(()).shape == ()
    np.testing.assert_array_equal(x.reshape(2, 3).data, np.arange(6.0).reshape(2, 3))


def test_reshape_to_the_same_shape_adds_no_node():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    assert x.reshape(2, 3) is x and x.reshape((2, 3)) is x
    assert x.reshape(3, 2) is not x


@pytest.mark.parametrize("shape", [(4, 2), (-1, 4), (5,)])
def test_reshape_error(shape):
    with pytest.raises(ValueError, match=rf"reshape\(\): cannot reshape a tensor of shape \(2, 3\) "
                                         rf"\(6 elements\) into shape \({shape[0]}"):
        Tensor(np.ones((2, 3))).reshape(shape)


@pytest.mark.parametrize("shape", [(2.0, 3), ("6",), (None,)])
def test_reshape_sizes_must_be_ints(shape):
    with pytest.raises(TypeError, match=r"reshape\(\): the shape must be ints, got "):
        Tensor(np.ones((2, 3))).reshape(*shape)


@pytest.mark.parametrize("axes", [(1.0, 0.0), (True, False), ("1", "0")])
def test_transpose_axes_must_be_ints(axes):
    with pytest.raises(TypeError, match=r"transpose\(\): axes must be ints, got "):
        Tensor(np.ones((2, 3))).transpose(*axes)


def test_transpose_forms():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(Tensor(x).transpose().data, x.transpose())
    np.testing.assert_array_equal(Tensor(x).transpose(1, 0, 2).data, x.transpose(1, 0, 2))
    np.testing.assert_array_equal(Tensor(x).transpose((2, 0, 1)).data, x.transpose(2, 0, 1))
    np.testing.assert_array_equal(Tensor(x).transpose(-1, 0, 1).data, x.transpose(2, 0, 1))
    np.testing.assert_array_equal(Tensor(x[0]).T.data, x[0].T)


@pytest.mark.parametrize("axes", [(0,), (1, 1), (0, 3), (0, 1, 2), (-3, 0)])
def test_transpose_error(axes):
    with pytest.raises(ValueError, match=rf"transpose\(\): axes \({axes[0]}, ?.*\) are not a "
                                         rf"permutation of the 2 axes of a tensor of shape \(2, 3\)"):
        Tensor(np.ones((2, 3))).transpose(*axes)


# ----- indexing ------------------------------------------------------------------------------------
X = np.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize(
    "index",
    [1, -1, slice(1, None), (1, 2), (slice(None), 0), (Ellipsis, 1), (None, 0),
     np.array([2, 0, 2]), [0, 0], (np.array([0, 2]), np.array([1, 3])), X > 5,
     (slice(None, None, -1), slice(1, 3))],
)
def test_indexing_like_numpy(index):
    got = Tensor(X)[index]
    np.testing.assert_array_equal(got.data, X[index])


def test_indexing_with_tensors():
    np.testing.assert_array_equal(Tensor(X)[Tensor(np.array([2, 0]))].data, X[[2, 0]])
    i, j = Tensor(np.array([0, 1])), Tensor(np.array([3, 2]))
    np.testing.assert_array_equal(Tensor(X)[i, j].data, X[[0, 1], [3, 2]])


@pytest.mark.parametrize(
    "index, words",
    [
        (3, "index 3 is out of bounds for axis 0 with size 3"),
        ((0, 0, 0), "too many indices"),
        (1.0, "only integers, slices"),
        (np.array([0.5]), "arrays used as indices must be of integer"),
        (np.array([0, 7]), "index 7 is out of bounds"),
    ],
)
def test_indexing_errors(index, words):
    with pytest.raises(IndexError, match=r"indexing a tensor of shape \(3, 4\): ") as info:
        Tensor(X)[index]
    assert words in str(info.value)


# ----- graph bookkeeping and errors (values of gradients: test_autograd.py) --------------------
def test_results_require_grad_when_an_input_does():
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0])
    assert (a * b).requires_grad and not (a * b).is_leaf
    assert not (b * b).requires_grad and (b * b).is_leaf


def test_no_grad_results_do_not_require_grad():
    a = Tensor([1.0], requires_grad=True)
    with no_grad():
        assert not (a * 2).requires_grad


def test_detach_shares_data_and_drops_the_graph():
    a = Tensor([1.0, 2.0], requires_grad=True)
    d = (a * 2).detach()
    assert not d.requires_grad and d.is_leaf
    assert d.detach().data is d.data


def test_backward_without_gradient_needs_a_scalar():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(ValueError, match=r"backward\(\): a gradient can only be implied for a "
                                         r"scalar output, but this tensor has shape \(2, 3\)"):
        y.backward()


@pytest.mark.parametrize("gradient", [np.ones(3), np.ones((3, 2)), Tensor(np.ones((1, 3)))])
def test_backward_gradient_must_match_the_shape(gradient):
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(ValueError, match=r"backward\(\): gradient has shape \(.*\), but the tensor "
                                         r"has shape \(2, 3\); they must match"):
        y.backward(gradient)


def test_backward_on_a_tensor_without_graph():
    with pytest.raises(ValueError, match=r"backward\(\): this tensor does not require gradients"):
        Tensor([1.0]).sum().backward()


def test_retain_grad_needs_requires_grad():
    with pytest.raises(ValueError, match=r"retain_grad\(\): this tensor does not require gradients"):
        Tensor([1.0]).retain_grad()


def test_zero_grad():
    a = Tensor([1.0], requires_grad=True)
    (a * 3).sum().backward()
    a.zero_grad()
    assert a.grad is None


@given(x=arrays(shapes(min_dims=1)))
def test_a_tensor_round_trips_through_numpy(x):
    t = Tensor(x)
    assert t.shape == x.shape and t.dtype == x.dtype
    np.testing.assert_array_equal(t.numpy(), x)
