"""The solutions of 06_optimizers.ipynb: SGD (with momentum), Adam and AdamW.

The notebook's first SGD exercise is plain SGD; its second adds momentum to the same class. This
SGD is the second, which with its default momentum=0.0 is the first.
"""

import numpy as np

from tinytorch import Tensor
from tinytorch.core.optimizers import Optimizer


class SGD(Optimizer):
    """SGD with momentum, as torch.optim.SGD (without dampening, Nesterov or weight decay).

    For every parameter p that has a gradient g, with its buffer b in self.state[i]:
        first step:   b = g (a copy)
        later steps:  b = momentum * b + g
        p.data -= lr * b
    """

    def __init__(self, params, lr=1e-3, momentum=0.0):
        super().__init__(params)
        self.lr = lr
        self.momentum = momentum

    def step(self):
        for p, state in zip(self.params, self.state):
            if p.grad is None:
                continue
            step = p.grad.data
            if self.momentum != 0:
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = step.copy()
                else:
                    state["momentum_buffer"] = self.momentum * state["momentum_buffer"] + step
                step = state["momentum_buffer"]
            p.data -= self.lr * step


class Adam(Optimizer):
    """Adam, as torch.optim.Adam (without weight decay or amsgrad).

    For every parameter p that has a gradient g, with its state s = self.state[i]:
        s["step"] += 1; t = s["step"]                        (starts at 0)
        m = beta1 * m + (1 - beta1) * g                      (s["exp_avg"], starts at zeros)
        v = beta2 * v + (1 - beta2) * g * g                  (s["exp_avg_sq"], starts at zeros)
        m_hat = m / (1 - beta1 ** t);  v_hat = v / (1 - beta2 ** t)
        p.data -= lr * m_hat / (np.sqrt(v_hat) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params)
        self.lr = lr
        self.betas = betas
        self.eps = eps

    def step(self):
        beta1, beta2 = self.betas
        for p, s in zip(self.params, self.state):
            if p.grad is None:
                continue
            g = p.grad.data
            if not s:
                s["step"] = 0
                s["exp_avg"] = np.zeros_like(p.data)
                s["exp_avg_sq"] = np.zeros_like(p.data)
            s["step"] += 1
            t = s["step"]
            s["exp_avg"] = beta1 * s["exp_avg"] + (1 - beta1) * g
            s["exp_avg_sq"] = beta2 * s["exp_avg_sq"] + (1 - beta2) * g * g
            m_hat = s["exp_avg"] / (1 - beta1**t)
            v_hat = s["exp_avg_sq"] / (1 - beta2**t)
            p.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay, as torch.optim.AdamW (without amsgrad).

    For every parameter p that has a gradient, first
        p.data *= 1 - lr * weight_decay
    then the Adam step with the plain gradient (super().step()).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps)
        self.weight_decay = weight_decay

    def step(self):
        for p in self.params:
            if p.grad is not None:
                p.data *= 1 - self.lr * self.weight_decay
        super().step()
