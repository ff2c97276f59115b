"""The solutions of the notebook exercises, typed into the exercise cells by the tests.

One module per concept, laid out like the learner's own package: each starts with the imports of
that concept's file and then holds one definition per exercise, in notebook order, written as a
learner would write it. The production reference, with PyTorch's full interface, is
``tinytorch.core``.
"""

import importlib
import inspect


def solved_cell(spec, stub=""):
    """The source of an exercise cell as a learner who solved it has it.

    ``spec`` is the cell's ``tinytorch.solution`` metadata (``"tinytorch.solutions.losses:
    log_softmax"``); ``stub`` is the cell as shipped, whose own import lines (08's ``import math``)
    stay at the top. An exercise whose solution is not here yet (01 and 05 name tinytorch.core) is
    solved by importing it, as a learner who is stuck would.
    """
    module, names = (part.strip() for part in spec.split(":"))
    names = [name.strip() for name in names.split(",")]
    if not module.startswith(f"{__name__}."):
        return f"from {module} import {', '.join(names)}\n"
    solutions = importlib.import_module(module)
    imports = [line for line in stub.splitlines() if line.startswith(("import ", "from "))]
    code = "\n\n\n".join(inspect.getsource(getattr(solutions, name)).rstrip() for name in names)
    return ("\n".join(imports) + "\n\n\n" if imports else "") + code + "\n"
