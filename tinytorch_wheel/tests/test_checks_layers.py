"""What only the module 03 learner checks say, beyond the contract of every check.

The right, wrong and unwritten versions they are tested on are in check_versions/layers.py,
where test_checks_contract.py runs them all.
"""

import pytest

from tinytorch.checks import layers as checks
from tinytorch.core import layers

from .check_versions.layers import (DetachedInput, DetachedWeight, NumpyForward, dropout,
                                    numpy_dropout, returns_a_copy, sequential)


@pytest.mark.parametrize("name, wrong, first, hint", [
    ("check_linear", NumpyForward, "the result of 'gradients flow back to x, weight and bias' is "
     "not connected to the graph", "your result is not connected to x, self.weight and "
     "self.bias: it was computed on their .data (numpy) and wrapped in a new Tensor"),
    ("check_linear", DetachedInput, "no gradient reached x in 'gradients flow back to x, weight "
     "and bias'", "your result is not connected to x: it was computed on x.data (numpy)"),
    ("check_linear", DetachedWeight, "no gradient reached self.weight in 'gradients flow back to "
     "x, weight and bias'", "your result is not connected to self.weight: it was computed on "
     "self.weight.data (numpy)"),
    ("check_sequential", sequential(returns_a_copy), "the result of 'gradients flow back through "
     "every module' is not connected to the graph", "your result is not connected to x, a and b"),
    ("check_dropout", dropout(numpy_dropout), "the result of 'gradients flow back to x' is not "
     "connected to the graph", "your result is not connected to x: it was computed on x.data "
     "(numpy) and wrapped in a new Tensor. Compute with Tensor operations ("),
], ids=["linear-numpy", "linear-input", "linear-weight", "sequential", "dropout"])
def test_a_forward_cut_from_the_graph_is_told_why(name, wrong, first, hint):
    with pytest.raises(AssertionError) as info:
        getattr(checks, name)(wrong)
    lines = str(info.value).splitlines()
    assert lines[0] == f"{name}: {first}"
    assert lines[-1].startswith(f"  hint      {hint}")


@pytest.mark.parametrize("name, instance", [("check_linear", layers.Linear(2, 2)),
                                            ("check_sequential", layers.Sequential()),
                                            ("check_dropout", layers.Dropout())])
def test_checks_want_the_class(name, instance):
    with pytest.raises(TypeError, match=rf"{name}: pass your class itself"):
        getattr(checks, name)(instance)
