"""Runs the examples of a module page in the reader's browser (inside Pyodide, in a Web Worker).

The page's examples share one namespace, in page order, as in the notebook the page was built
from. Running an example works like a Jupyter cell:

- its code is compiled under its own name, "<example 3>", and its source is registered in
  linecache, so a traceback shows the reader's own lines, as they are now;
- stdout and stderr go to the page as they are written (a training loop reports each epoch);
- if the last statement is an expression, its repr is the result, unless it is None or the line
  ends with ";" (Jupyter's way of hiding it);
- an exception gives a traceback without this file's frames: the reader did not write them;
- matplotlib figures left open are drawn to PNG and closed;
- ``%xmode Minimal`` (the one IPython magic the pages use, before their "common errors") makes
  later errors show their last line only, as on the page; ``%xmode Context`` switches back.

tinytorch_live_worker.js imports this file as the module ``live_runner`` and calls ``start()``
once, then ``run_example()`` for each run.
"""

import ast
import base64
import contextlib
import io
import linecache
import os
import re
import sys
import traceback
import types
import warnings

namespace = {"__name__": "__main__"}
XMODE = re.compile(r"\s*%xmode\s+(\w+)\s*")
exception_mode = "Context"  # IPython's default: the traceback; "Minimal": the exception line only


def start():
    """Import what every example needs; the page shows "ready" after this."""
    # Before any example imports matplotlib: draw into memory. Pyodide's default backend draws
    # into the page's DOM, which a worker does not have.
    os.environ["MPLBACKEND"] = "Agg"
    # plt.show() has nothing to do here: open figures are shown after each run (figures()).
    warnings.filterwarnings("ignore", message="FigureCanvasAgg is non-interactive")
    sys.modules["myst_nb"] = myst_nb_stand_in()
    import numpy  # noqa: F401
    import tinytorch  # noqa: F401


def myst_nb_stand_in():
    """The pages import ``glue`` from myst_nb to hand numbers to their text at build time. In the
    browser there is no text to fill in: glue shows the value if asked to display it, like
    myst-nb, and otherwise does nothing."""
    module = types.ModuleType("myst_nb", "Stands in for myst_nb on the live page: only glue().")

    def glue(name, variable, display=True):
        if display:
            print(repr(variable))

    module.glue = glue
    return module


class Stream(io.TextIOBase):
    """sys.stdout or sys.stderr of an example: hands every write to the page at once."""

    def __init__(self, name, emit):
        self.name = name
        self.emit = emit

    def writable(self):
        return True

    def write(self, text):
        if text:
            self.emit(self.name, text)
        return len(text)


def run_example(source, number, emit):
    """Run one example in the page's namespace.

    Returns a dict: ``result`` (repr of the last expression or None), ``error`` (the traceback
    text or None) and ``figures`` (PNG images, base64). ``emit(name, text)`` receives stdout and
    stderr as they are written.
    """
    filename = f"<example {number}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    result = error = None
    with contextlib.redirect_stdout(Stream("stdout", emit)), \
            contextlib.redirect_stderr(Stream("stderr", emit)):
        try:
            value = execute(source, filename)
            if value is not None:
                result = repr(value)
        except BaseException as exception:  # noqa: BLE001 (reported to the reader, as Jupyter does)
            error = short_traceback(exception, filename)
        # Also after an error, as Jupyter does: what was drawn before it is shown.
        images = figures()
    return {"result": result, "error": error, "figures": images}


def execute(source, filename):
    """exec the example; eval its last statement if it is an expression, and return the value."""
    global exception_mode
    magic = XMODE.fullmatch(source)
    if magic:
        exception_mode = magic.group(1)
        print(f"Exception reporting mode: {exception_mode}")
        return None
    tree = ast.parse(source, filename)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not ends_with_semicolon(source):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), namespace)
    if last is not None:
        return eval(compile(last, filename, "eval"), namespace)
    return None


def ends_with_semicolon(source):
    lines = [line.split("#")[0].rstrip() for line in source.splitlines()]
    code = [line for line in lines if line]
    return bool(code) and code[-1].endswith(";")


def short_traceback(exception, filename):
    """The traceback as Python prints it, from the reader's first frame on.

    The leading frames are this file's (exec, eval, repr): they are dropped. Code that does not
    compile shows its line and the caret, with no frames, as Python shows it for a script; after
    ``%xmode Minimal`` every error shows its last line only. An
    exception that brings its own report (``_render_traceback_``, as tinytorch's learner checks
    do, for IPython) shows that report alone.
    """
    render = getattr(exception, "_render_traceback_", None)
    if render is not None:
        return "\n".join(render())
    if exception_mode == "Minimal" or (isinstance(exception, SyntaxError)
                                       and exception.filename == filename):
        return "".join(traceback.format_exception_only(exception))
    frames = exception.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename == __file__:
        frames = frames.tb_next
    return "".join(traceback.format_exception(type(exception), exception, frames))


def figures():
    """Every open matplotlib figure as a base64 PNG; the figures are closed."""
    if "matplotlib.pyplot" not in sys.modules:
        return []  # no example has imported pyplot: nothing to draw, and no cost
    import matplotlib.pyplot as plt

    images = []
    try:
        for number in plt.get_fignums():
            buffer = io.BytesIO()
            plt.figure(number).savefig(buffer, format="png", bbox_inches="tight")
            images.append(base64.b64encode(buffer.getvalue()).decode("ascii"))
    finally:
        # A figure that failed to draw is closed too, or it would fail every later run.
        plt.close("all")
    return images
