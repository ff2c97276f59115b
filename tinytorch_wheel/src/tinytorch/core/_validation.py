"""Checking arguments: one rule for which error is raised, and messages that teach.

Every check of an argument in tinytorch follows the rule that Python and PyTorch follow::

    TypeError    the value has the wrong type: not a Tensor, an integer dtype where a floating
                 one is needed, a string or None where a number is wanted, a float where an
                 integer is wanted, anything but True or False for a flag
    ValueError   the type is right but the value is not allowed: out of range, nan, not one of
                 the choices (reduction="avg"), a shape that does not fit
    IndexError   an index out of range: a class index, a sample index, a dimension (dim=2 of a
                 matrix)

A choice among a few strings is checked by membership, so anything else, ``None`` included, is a
``ValueError`` (as ``reduction=None`` in PyTorch and ``Enum(None)`` in Python). A saved state
(``Optimizer.load_state_dict``, ``load_checkpoint``) is data, not arguments: whatever in it does
not fit is a ``ValueError`` that names the problem.

A message says who complained, what it got and what it wanted::

    Dropout: p must be a probability in [0, 1), got '0.5' (str)

Each function returns the checked value (a float, an int), so a constructor checks and stores in
one line: ``self.p = check_number("Dropout", "p", p, low=0, high=1, high_open=True)``.
"""

import math
import numbers

import numpy as np

from tinytorch.core.tensor import Tensor


def _got(value):
    """What a message says it got; a wrong type is named, since its repr may not show it."""
    return f"{value!r} ({type(value).__name__})"


def check_tensor(owner, name, value):
    """TypeError unless ``value`` is a Tensor."""
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{owner}: {name} must be a Tensor, got {type(value).__name__}; wrap it first, "
            f"e.g. Tensor(np.array(...))"
        )


def check_floating(owner, name, value):
    """TypeError unless ``value`` is a Tensor of a floating-point dtype."""
    check_tensor(owner, name, value)
    if value.data.dtype.kind != "f":  # float16/32/64; kind is cheaper than np.issubdtype
        raise TypeError(
            f"{owner}: {name} must be a floating-point tensor, got dtype {value.dtype}; convert "
            f"it, e.g. Tensor({name}.data.astype(np.float32))"
        )


def check_flag(owner, name, value):
    """TypeError unless ``value`` is True or False (1, "yes" and None are not)."""
    if not isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be True or False, got {_got(value)}")
    return value


def check_choice(owner, name, value, choices):
    """ValueError unless ``value`` is one of ``choices`` (a tuple of at least two)."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices[:-1]) + f" or {choices[-1]!r}"
        raise ValueError(f"{owner}: {name} must be {listed}, got {value!r}")
    return value


def check_number(owner, name, value, low=None, high=None, low_open=False, high_open=False,
                 what="a number"):
    """Return ``value`` as a float: TypeError unless it is a real number (numpy's included, bool
    not), ValueError if it is nan or outside the interval from ``low`` to ``high`` (each closed
    unless ``low_open``/``high_open``; None: no bound)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        error, got = TypeError, _got(value)
    elif (math.isnan(value) or (low is not None and (value <= low if low_open else value < low))
          or (high is not None and (value >= high if high_open else value > high))):
        error, got = ValueError, repr(value)
    else:
        return float(value)
    raise error(f"{owner}: {name} must be {_interval(what, low, high, low_open, high_open)}, "
                f"got {got}")


def _interval(what, low, high, low_open, high_open):
    """'a positive number', 'a number >= 0', 'a probability in [0, 1)', ..."""
    if low is None and high is None:
        return what
    if high is None:
        if (what, low, low_open) == ("a number", 0, True):
            return "a positive number"
        return f"{what} {'>' if low_open else '>='} {low}"
    if low is None:
        return f"{what} {'<' if high_open else '<='} {high}"
    return f"{what} in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"


def check_int(owner, name, value, low=None):
    """Return ``value`` as an int: TypeError unless it is an integer (numpy's included, bool
    not), ValueError if it is below ``low``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        error, got = TypeError, _got(value)
    elif low is not None and value < low:
        error, got = ValueError, repr(value)
    else:
        return int(value)
    wanted = ("an integer" if low is None else "a positive integer" if low == 1
              else f"an integer >= {low}")
    raise error(f"{owner}: {name} must be {wanted}, got {got}")


def check_dim(owner, x, dim):
    """Return ``dim`` as an int: TypeError unless an integer, ValueError for a scalar ``x``,
    IndexError unless -x.ndim <= dim < x.ndim."""
    dim = check_int(owner, "dim", dim)
    if x.ndim == 0:
        raise ValueError(f"{owner}: input must have at least one dimension, got a scalar")
    if not -x.ndim <= dim < x.ndim:
        raise IndexError(
            f"{owner}: dim {dim} is out of range for an input of shape {x.shape} (use a dim "
            f"from {-x.ndim} to {x.ndim - 1})"
        )
    return dim


def check_names(owner, what, params, names):
    """Raise a ValueError unless ``names`` (a saved state's keys) are exactly the model's
    parameter names ``params``; the message lists what is missing and what is unexpected."""
    missing = [name for name in params if name not in names]
    unexpected = [name for name in names if name not in params]
    if missing or unexpected:
        raise ValueError(f"{owner}: {what} does not match the model's parameters "
                         f"(missing: {missing or 'none'}; unexpected: {unexpected or 'none'})")
