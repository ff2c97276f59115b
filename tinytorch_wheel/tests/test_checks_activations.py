"""What only the module 02 learner checks say, beyond the contract of every check.

The right, wrong and unwritten versions they are tested on are in check_versions/activations.py,
where test_checks_contract.py runs them all.
"""

import numpy as np
import pytest

from tinytorch.checks import activations as checks
from tinytorch.core import activations
from tinytorch.core.tensor import Tensor

from .check_versions.activations import DETACHED, NOT_CONNECTED, WRONG


@pytest.mark.parametrize("name", checks.__all__)
def test_checks_want_a_function_not_a_class(name):
    with pytest.raises(TypeError, match=rf"{name}: pass your function"):
        getattr(checks, name)(activations.ReLU)


@pytest.mark.parametrize("name", checks.__all__)
def test_numpy_on_data_is_told_to_use_tensor_operations(name):
    with pytest.raises(AssertionError) as info:
        getattr(checks, name)(NOT_CONNECTED[name])
    lines = str(info.value).splitlines()
    assert lines[0] == (f"{name}: the result of 'gradients flow back to x' is not connected to "
                        f"the graph")
    assert lines[4].startswith("  hint      your result is not connected to x: it was computed on "
                               "x.data (numpy) and wrapped in a new Tensor. Compute with Tensor "
                               "operations (")
    assert lines[4].endswith("so that gradients can flow back through it (module 05 shows how)")


@pytest.mark.parametrize("name", checks.__all__)
def test_a_detached_piece_is_told_the_gradient_is_wrong(name):
    with pytest.raises(AssertionError) as info:
        getattr(checks, name)(DETACHED[name])
    lines = str(info.value).splitlines()
    assert lines[0] == f"{name}: wrong gradient of x for 'gradients flow back to x'"
    assert lines[-1].startswith("  hint      the values are right but the gradient is not")


def test_a_new_graph_is_not_a_connection():
    with pytest.raises(AssertionError) as info:
        checks.check_relu(lambda x: Tensor(np.maximum(x.data, 0), requires_grad=True))
    lines = str(info.value).splitlines()
    assert lines[0] == "check_relu: no gradient reached x in 'gradients flow back to x'"
    assert lines[-1].startswith("  hint      Tensor(result, requires_grad=True) starts a graph of "
                                "its own, with no link to x.")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_the_overflow_message():
    with pytest.raises(AssertionError) as info:
        checks.check_sigmoid(WRONG["check_sigmoid"][0])
    lines = str(info.value).splitlines()
    assert lines[0] == "check_sigmoid: numpy overflowed during 'no overflow'"
    assert lines[3] == "  got       np.exp turned finite numbers into inf or nan"
