"""Module: the base class of every layer, activation, loss and model (module 03).

A ``Module`` is an object with a ``forward`` method and parameters. Its parameters are found by
looking at its attributes: every ``Tensor`` attribute that requires gradients, or did when it was
assigned, is a parameter, and every ``Module`` attribute (or list of modules) is a child whose
parameters are included, with dotted names, exactly as ``torch.nn.Module.named_parameters``
reports them::

    Sequential                      named_parameters()
    ├── (0) Linear  weight, bias    0.weight  (128, 64)   0.bias  (128,)
    ├── (1) ReLU
    └── (2) Linear  weight, bias    2.weight  (10, 128)   2.bias  (10,)

It has a file of its own so that the activations (module 02), the layers (03) and the losses (04)
can all build on it without importing one another.
"""

import numpy as np

from tinytorch.core._validation import check_flag, check_names
from tinytorch.core.tensor import Tensor


class Module:
    """Base class of layers, activations, losses and models, like ``torch.nn.Module``.

    Subclasses implement ``forward``; calling the module calls ``forward``. Assign parameters
    (tensors with ``requires_grad=True``) and sub-modules as attributes in ``__init__``. A
    parameter frozen later (``p.requires_grad = False``) stays a parameter, as in PyTorch: it is
    still in ``parameters()`` and ``state_dict()``, but gets no gradient, so optimizers skip it.

    Example:
        >>> class Scale(Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.factor = Tensor([2.0], requires_grad=True)
        ...     def forward(self, x):
        ...         return x * self.factor
        >>> Scale()(Tensor([1.0, 3.0]))
        Tensor([2., 6.], requires_grad=True)
        >>> [name for name, _ in Scale().named_parameters()]
        ['factor']
        >>> frozen = Scale()
        >>> frozen.factor.requires_grad = False  # no gradient, no update; still a parameter
        >>> list(frozen.state_dict())
        ['factor']
    """

    # Class-level defaults, so that a subclass whose __init__ forgets super().__init__() works.
    training = True
    _parameter_names = frozenset()

    def __init__(self):
        self.training = True

    def __setattr__(self, name, value):
        # Remember a parameter (a leaf tensor that requires gradients) by its name: freezing it
        # later switches its requires_grad off, and then only the name says what it is.
        if isinstance(value, Tensor) and value.requires_grad and value.is_leaf:
            object.__setattr__(self, "_parameter_names", self._parameter_names | {name})
        object.__setattr__(self, name, value)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ----- the module tree ---------------------------------------------------------------------
    def named_children(self):
        """Direct sub-modules as ``(name, module)`` pairs, in the order they were assigned."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item

    def named_parameters(self, prefix=""):
        """Every parameter of this module and its children as ``(dotted_name, tensor)`` pairs."""
        seen = set()
        for name, value in vars(self).items():
            if not isinstance(value, Tensor) or id(value) in seen:
                continue
            if value.requires_grad or name in self._parameter_names:
                seen.add(id(value))
                yield prefix + name, value
        for name, child in self.named_children():
            for sub_name, value in child.named_parameters(prefix=f"{prefix}{name}."):
                if id(value) not in seen:
                    seen.add(id(value))
                    yield sub_name, value

    def parameters(self):
        """The parameters as a list, ready for an optimizer: ``SGD(model.parameters(), lr=0.1)``."""
        return [value for _, value in self.named_parameters()]

    def modules(self):
        """This module and all of its descendants."""
        yield self
        for _, child in self.named_children():
            yield from child.modules()

    # ----- modes ------------------------------------------------------------------------------------
    def train(self, mode=True):
        """Switch this module and its children to training mode (``mode=False``: evaluation)."""
        check_flag("train()", "mode", mode)
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        """Switch to evaluation mode: dropout passes its input through unchanged."""
        return self.train(False)

    def zero_grad(self):
        """Reset the gradients of every parameter (``optimizer.zero_grad()`` does the same)."""
        for p in self.parameters():
            p.grad = None

    # ----- saving and loading -----------------------------------------------------------------------
    def state_dict(self):
        """A dict from each parameter's dotted name to a copy of its values (a numpy array)."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict):
        """Copy values from ``state_dict`` into the parameters, after checking every name, dtype
        and shape: a state that does not fit changes nothing."""
        if not isinstance(state_dict, dict):
            raise TypeError(
                f"load_state_dict: expected a dict of name -> array, got {type(state_dict).__name__}"
            )
        params = dict(self.named_parameters())
        check_names("load_state_dict", "the state", params, state_dict)
        values = {}  # every value is checked before any parameter changes
        for name, p in params.items():
            value = state_dict[name]
            value = np.asarray(value.data if isinstance(value, Tensor) else value)
            if value.dtype.kind not in "biuf":  # booleans, integers, floats
                raise TypeError(
                    f"load_state_dict: {name} must hold numbers, got dtype {value.dtype}"
                )
            if value.shape != p.shape:
                raise ValueError(
                    f"load_state_dict: {name} has shape {value.shape} in the state but "
                    f"{p.shape} in the model"
                )
            values[name] = value
        for name, p in params.items():
            p.data[...] = values[name]

    # ----- printing ----------------------------------------------------------------------------------
    def extra_repr(self):
        """The text between the parentheses of this module's ``repr`` (subclasses override it)."""
        return ""

    def __repr__(self):
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_repr}")
        lines.append(")")
        return "\n".join(lines)
