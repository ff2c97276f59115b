"""Optimizers: turn gradients into parameter updates (SGD, Adam, AdamW).

After ``loss.backward()`` every parameter ``p`` holds ``p.grad``; ``optimizer.step()`` moves each
parameter a little against its gradient, and ``optimizer.zero_grad()`` clears the gradients
before the next batch (they accumulate otherwise)::

    for inputs, targets in loader:
        optimizer.zero_grad()                 # 1. forget the last batch's gradients
        loss = loss_fn(model(inputs), targets)
        loss.backward()                       # 2. fill p.grad for every parameter
        optimizer.step()                      # 3. p <- p - (some function of p.grad)

Plain SGD uses only the current gradient; momentum and Adam keep a running state per parameter
(``optimizer.state``), which is why a checkpoint must save the optimizer as well as the model.
The update rules are PyTorch's, step for step, so the same hyper-parameters train the same way.
Updates change ``p.data`` in place and record no graph.
"""

import math

import numpy as np

from tinytorch.core._validation import check_flag, check_number
from tinytorch.core.tensor import Tensor


def _check_state_value(owner, i, key, value, p):
    """A parameter's state holds its step count ("step") and arrays of the parameter's shape."""
    where = f"{owner}: state[{i}][{key!r}]"
    if key == "step":
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{where} must be a step count (an integer >= 0), got {value!r}")
    elif not isinstance(value, np.ndarray) or value.dtype.kind != "f":
        raise ValueError(f"{where} must be a floating-point numpy array, got {value!r:.60}")
    elif value.shape != p.shape:
        raise ValueError(f"{where} has shape {value.shape}, but parameter {i} has shape {p.shape}")


def _a_or_an(name):
    """The name with its article: "an Adam", "a Lion", "an SGD" (said "ess-gee-dee")."""
    name = str(name)
    # An acronym is read letter by letter; these letters' names start with a vowel sound.
    vowels = "AEFHILMNORSX" if name[:2].isupper() else "AEIOUaeiou"
    return f"{'an' if name[:1] and name[0] in vowels else 'a'} {name}"


class Optimizer:
    """Base class of the optimizers, like ``torch.optim.Optimizer`` (with one parameter group).

    Subclasses list their hyper-parameter names in ``hyperparameters`` (keyword arguments of
    their constructor), say which keys ``state_keys()`` a parameter's state has, and implement
    ``update(p, grad, state)``, which changes ``p.data`` in place using ``grad`` (a numpy array)
    and the parameter's own ``state`` dict. ``step()`` calls it for every parameter that has a
    gradient; parameters whose ``.grad`` is ``None`` are skipped, as in PyTorch. So a frozen
    parameter (``p.requires_grad = False``) may stay in the list: it gets no gradient, and no
    update, until it is unfrozen.

    Args:
        params: an iterable of leaf tensors, usually ``model.parameters()``.

    Attributes:
        params: the list of parameters.
        state: one dict per parameter (momentum buffers, moment estimates, step counts).
    """

    hyperparameters = ()

    def __init__(self, params):
        owner = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{owner}: params must be an iterable of tensors, got a single Tensor; "
                f"wrap it in a list: {owner}([w], ...)"
            )
        # A model (it has .parameters(); a Sequential is even iterable, over its layers) is the
        # common mistake: say what to pass instead.
        if hasattr(params, "parameters") or not hasattr(params, "__iter__"):
            hint = " (did you mean model.parameters()?)" if hasattr(params, "parameters") else ""
            raise TypeError(
                f"{owner}: params must be an iterable of tensors, got "
                f"{type(params).__name__}{hint}"
            )
        params = list(params)
        if not params:
            raise ValueError(f"{owner}: got an empty parameter list; there is nothing to optimize")
        seen = set()
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{owner}: params[{i}] must be a Tensor, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    f"{owner}: params[{i}] (shape {p.shape}) is the result of an operation, not "
                    f"a leaf tensor; optimize the tensors you created, not values computed from them"
                )
            if id(p) in seen:
                raise ValueError(f"{owner}: params[{i}] appears more than once in the parameter list")
            seen.add(id(p))
        self.params = params
        self.state = [{} for _ in params]

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's gradient: ``None`` by default (as PyTorch), or zeros."""
        for p in self.params:
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.data[...] = 0

    def step(self):
        """Update every parameter that has a gradient, in place."""
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                self.update(p, p.grad.data, state)

    def update(self, p, grad, state):
        raise NotImplementedError(f"{type(self).__name__}.update is not implemented")

    def state_keys(self):
        """The keys of a parameter's state once ``update`` has run (checked when loading a state);
        ``None``: not known, not checked."""
        return None

    # ----- saving and loading ------------------------------------------------------------------
    def state_dict(self):
        """The optimizer's hyper-parameters and per-parameter state (copies).

        Plain data only (numbers, lists, numpy arrays), so that it can be written to an ``.npz``
        file with JSON metadata, without pickle::

            {"optimizer": "Adam",
             "hyperparameters": {"lr": 0.001, "betas": [0.9, 0.999], ...},
             "state": [{"step": 10, "exp_avg": array, "exp_avg_sq": array}, ...]}
        """
        hyper = {}
        for name in self.hyperparameters:
            value = getattr(self, name)
            hyper[name] = list(value) if isinstance(value, tuple) else value
        state = [
            {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()}
            for s in self.state
        ]
        return {"optimizer": type(self).__name__, "hyperparameters": hyper, "state": state}

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and state saved by ``state_dict()``, all checked first.

        The hyper-parameters go through the constructor, so they obey the same rules as
        ``Adam(params, lr=...)``; every parameter's state must have the keys ``update`` makes, a
        step count and arrays of the parameter's shape. When anything is wrong, nothing changes.
        """
        checked, states = self._check_state_dict(state_dict)
        for name in self.hyperparameters:
            setattr(self, name, getattr(checked, name))
        self.state = [
            {k: v.astype(p.dtype, copy=True) if isinstance(v, np.ndarray) else v
             for k, v in s.items()}
            for p, s in zip(self.params, states)
        ]

    def _check_state_dict(self, state_dict):
        """Return an optimizer built from the saved hyper-parameters, and the checked states."""
        owner = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or set(state_dict) != {
            "optimizer", "hyperparameters", "state"
        }:
            raise ValueError(
                f"{owner}: expected the dict returned by state_dict() with keys 'optimizer', "
                f"'hyperparameters' and 'state', got {state_dict!r:.80}"
            )
        if state_dict["optimizer"] != type(self).__name__:
            raise ValueError(
                f"{owner}: the state was saved by {_a_or_an(state_dict['optimizer'])} optimizer, "
                f"not {type(self).__name__}"
            )
        hyper, states = state_dict["hyperparameters"], state_dict["state"]
        if not isinstance(hyper, dict):
            raise ValueError(
                f"{owner}: 'hyperparameters' must be a dict of name -> value, got "
                f"{type(hyper).__name__}"
            )
        if not isinstance(states, (list, tuple)):
            raise ValueError(
                f"{owner}: 'state' must be a list with one dict per parameter, got "
                f"{type(states).__name__}"
            )
        if set(hyper) != set(self.hyperparameters):
            raise ValueError(
                f"{owner}: hyper-parameters {sorted(hyper)} do not match "
                f"{sorted(self.hyperparameters)}"
            )
        try:  # the constructor's own checks, written once, on the saved values
            checked = type(self)(self.params, **hyper)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{owner}: the saved hyper-parameters are invalid: {error}") from error
        if len(states) != len(self.params):
            raise ValueError(
                f"{owner}: the state holds {len(states)} parameters, but this optimizer has "
                f"{len(self.params)}"
            )
        keys = checked.state_keys()
        for i, (p, s) in enumerate(zip(self.params, states)):
            if not isinstance(s, dict):
                raise ValueError(f"{owner}: state[{i}] must be a dict, got {type(s).__name__}")
            if s and keys is not None and set(s) != keys:
                raise ValueError(
                    f"{owner}: state[{i}] has the keys {sorted(s)}, but {type(self).__name__} "
                    f"keeps {sorted(keys)} (or none before the parameter's first update)"
                )
            for key, value in s.items():
                _check_state_value(owner, i, key, value, p)
        return checked, states

    def __repr__(self):
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.hyperparameters)
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum, like ``torch.optim.SGD``.

    For each parameter p with gradient g, one step does::

        g = g + weight_decay * p                       (if weight_decay != 0)
        b = g                                          (first step)
        b = momentum * b + (1 - dampening) * g         (later steps; if momentum != 0)
        g = g + momentum * b   if nesterov   else   b  (if momentum != 0)
        p = p - lr * g

    Args:
        params: the tensors to optimize, e.g. ``model.parameters()``.
        lr: learning rate (default 1e-3, as PyTorch).
        momentum: momentum factor, >= 0 (default 0: plain SGD; 0.9 is a common choice).
        dampening: how much of the new gradient is left out of the momentum buffer (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening = 0).
        weight_decay: L2 penalty added to the gradient (default 0).

    Example:
        >>> w = Tensor([1.0, -2.0], requires_grad=True)
        >>> (w * w).sum().backward()          # grad = 2 w = [2, -4]
        >>> SGD([w], lr=0.1).step()
        >>> w
        Tensor([ 0.8, -1.6], requires_grad=True)
    """

    hyperparameters = ("lr", "momentum", "dampening", "nesterov", "weight_decay")

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0):
        owner = type(self).__name__
        self.lr = check_number(owner, "learning rate lr", lr, low=0)
        self.momentum = check_number(owner, "momentum", momentum, low=0)
        self.dampening = check_number(owner, "dampening", dampening)
        self.weight_decay = check_number(owner, "weight_decay", weight_decay, low=0)
        self.nesterov = check_flag(owner, "nesterov", nesterov)
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                f"{owner}: Nesterov momentum requires a momentum > 0 and zero dampening, got "
                f"momentum={momentum!r}, dampening={dampening!r}"
            )
        super().__init__(params)

    def state_keys(self):
        return {"momentum_buffer"} if self.momentum != 0 else set()

    def update(self, p, grad, state):
        if self.weight_decay != 0:
            grad = grad + self.weight_decay * p.data
        if self.momentum != 0:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = np.array(grad)  # a copy, and an array even for 0-d
            else:
                buf = state["momentum_buffer"]
                buf *= self.momentum
                buf += (1 - self.dampening) * grad
            buf = state["momentum_buffer"]
            grad = grad + self.momentum * buf if self.nesterov else buf
        p.data -= self.lr * grad


class Adam(Optimizer):
    r"""Adam: per-parameter step sizes from running averages of the gradient, like ``torch.optim.Adam``.

    For each parameter p with gradient g, step t (counting from 1) does::

        g = g + weight_decay * p                         (L2 penalty, if weight_decay != 0)
        m = beta1 * m + (1 - beta1) * g                  (first moment: mean of g)
        v = beta2 * v + (1 - beta2) * g * g              (second moment: mean of g squared)
        v_max = max(v_max, v)                            (only with amsgrad; then v_max replaces v)
        m_hat = m / (1 - beta1 ** t)                     (bias correction: m and v start at 0)
        p = p - lr * m_hat / (sqrt(v) / sqrt(1 - beta2 ** t) + eps)

    ``eps`` is a documented hyper-parameter (PyTorch's default 1e-8): it keeps the step finite
    where ``v`` is 0 and bounds the step size for tiny gradients.

    Args:
        params: the tensors to optimize, e.g. ``model.parameters()``.
        lr: learning rate (default 1e-3).
        betas: decay rates (beta1, beta2) of the two running averages, each in [0, 1)
            (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty added to the gradient (default 0). For decoupled weight decay,
            use ``AdamW``.
        amsgrad: use the running maximum of v (the AMSGrad variant; default False).

    Example:
        >>> w = Tensor([1.0, -2.0], requires_grad=True)
        >>> (w * w).sum().backward()
        >>> Adam([w], lr=0.1).step()          # the first step moves each weight by about lr
        >>> print(np.round(w.data, 6))
        [ 0.9 -1.9]
    """

    hyperparameters = ("lr", "betas", "eps", "weight_decay", "amsgrad")
    decoupled_weight_decay = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False):
        owner = type(self).__name__
        self.lr = check_number(owner, "learning rate lr", lr, low=0)
        if not isinstance(betas, (tuple, list)):
            raise TypeError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
        if len(betas) != 2:
            raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            check_number(owner, "beta1 (betas[0])", betas[0], low=0, high=1, high_open=True),
            check_number(owner, "beta2 (betas[1])", betas[1], low=0, high=1, high_open=True),
        )
        self.eps = check_number(owner, "epsilon eps", eps, low=0)
        self.weight_decay = check_number(owner, "weight_decay", weight_decay, low=0)
        self.amsgrad = check_flag(owner, "amsgrad", amsgrad)
        super().__init__(params)

    def state_keys(self):
        keys = {"step", "exp_avg", "exp_avg_sq"}
        if self.amsgrad:
            keys.add("max_exp_avg_sq")
        return keys

    def update(self, p, grad, state):
        beta1, beta2 = self.betas
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
            if self.amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        t = state["step"]
        if self.weight_decay != 0:
            if self.decoupled_weight_decay:
                p.data *= 1 - self.lr * self.weight_decay
            else:
                grad = grad + self.weight_decay * p.data
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - beta1) * (grad - m)  # = beta1 * m + (1 - beta1) * grad, PyTorch's lerp
        v *= beta2
        v += (1 - beta2) * grad * grad
        if self.amsgrad:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        step_size = self.lr / (1 - beta1**t)
        denom = np.sqrt(v) / math.sqrt(1 - beta2**t) + self.eps
        p.data -= step_size * (m / denom)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter), like ``torch.optim.AdamW``.

    Identical to ``Adam`` except for the weight decay: instead of adding ``weight_decay * p`` to
    the gradient (where Adam's normalisation would rescale it), each step first shrinks the
    parameter directly::

        p = p * (1 - lr * weight_decay)
        ... then the Adam step, with the plain gradient.

    Args:
        params, lr, betas, eps, amsgrad: as for ``Adam``.
        weight_decay: decoupled weight decay (default 1e-2, as PyTorch).

    Example:
        >>> w = Tensor([1.0, -2.0], requires_grad=True)
        >>> (w * 0).sum().backward()          # zero gradient: only the decay acts
        >>> AdamW([w], lr=0.1, weight_decay=0.5).step()
        >>> w
        Tensor([ 0.95, -1.9 ], requires_grad=True)
    """

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
