"""What only the module 05 learner checks say, beyond the contract of every check.

The right, wrong and unwritten versions they are tested on are in check_versions/autograd.py,
where test_checks_contract.py runs them all.
"""

import pytest

from tinytorch.checks import autograd as checks
from tinytorch.core import autograd

from .check_versions.autograd import ENGINE_WRONG, RIGHT, WRONG


@pytest.mark.parametrize("name", [n for n in checks.__all__ if isinstance(RIGHT[n][0], type)])
def test_function_checks_want_a_function_class(name):
    with pytest.raises(TypeError, match=rf"{name}: pass your Function subclass itself"):
        getattr(checks, name)(lambda *args: None)


def test_a_failure_reads_well():
    with pytest.raises(AssertionError) as info:
        checks.check_mul_backward(WRONG["check_mul_backward"][0])
    assert str(info.value) == (
        "check_mul_backward: wrong result for 'gradient for a (2x3 arrays)'\n"
        "  input     a = [[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], b = [[2.0, 0.5, -3.0], "
        "[1.0, 2.0, 5.0]], grad = [[1.0, 2.0, -1.0], [0.5, 3.0, 2.0]] (grad: the upstream "
        "gradient)\n"
        "  expected  [[ 2. ,  1. ,  3. ],\n"
        "             [ 0.5,  6. , 10. ]]\n"
        "  got       [[ 1.  , -4.  , -3.  ],\n"
        "             [ 0.25, 12.  , -2.  ]]\n"
        "  hint      z = a * b, so dz/da = b: the gradient for a is grad * b (save b in forward)")


@pytest.mark.parametrize("check, wrong, problem", ENGINE_WRONG,
                         ids=[getattr(w, "__name__", p) for _, w, p in ENGINE_WRONG])
def test_engine_checks_reject_the_classic_mistakes(check, wrong, problem):
    before = autograd.grad_enabled
    try:
        with pytest.raises(AssertionError) as failure:
            check(wrong)
    finally:
        autograd.grad_enabled = before
    assert problem in str(failure.value).splitlines()[0], str(failure.value)
    assert "  hint      " in str(failure.value)


def test_the_engine_checks_leave_recording_on():
    for check, wrong, _ in ENGINE_WRONG:
        try:
            check(wrong)
        except AssertionError:
            pass
        assert autograd.grad_enabled, f"{check.__name__}({wrong}) left recording off"
