"""Your tinytorch: the package you build, one passing exercise at a time.

When one of your exercises passes its check, the notebook cell that defined it is copied into
``my_tinytorch/``, a plain Python package next to your notebooks, laid out like tinytorch::

    my_tinytorch/
        core/activations.py    relu, sigmoid, tanh, softmax (and ReLU, ... as modules)   02
        core/layers.py         Linear, Sequential, Dropout                               03
        core/losses.py         log_softmax, MSELoss, HuberLoss, CrossEntropyLoss, ...     04
        core/autograd.py       Mul, Exp, Sum, MatMul, the engine, no_grad, ...           05
        core/optimizers.py     SGD, Adam, AdamW                                          06
        core/training.py       accuracy, train_epoch, evaluate, clip_grad_norm_          07
        utils/data.py          TensorDataset, DataLoader                                 08
        parked/                your versions of the parts you switched back to the reference

Each file is a list of *parts*, each under a line ``# ---- part losses.MSELoss: ...``. A part is
either yours (the cell that passed, as you wrote it) or one line that imports tinytorch's
reference, where you have not passed that exercise yet or switched back to it. Later notebooks
import from ``my_tinytorch`` with ordinary imports, so what runs is what you can open and read.

    workspace.open("07_training")             the setup cell: create or repair, show the table
    workspace.use_reference("layers.Linear")  run the reference instead of yours, to get unstuck
    workspace.use_mine("layers.Linear")       and back to yours

Importing ``my_tinytorch`` makes tinytorch's ``Tensor.backward()`` run the engine in your
``core/autograd.py``, and ``a * b``, ``exp``, ``sum`` and ``a @ b`` run your Functions from that file
(``__init__.py`` says so in a few lines). The Tensor class itself is tinytorch's: the one you write
in module 01 has no autograd; tinytorch's runs your operations and your engine.
"""

import builtins
import datetime
import functools
import inspect
import linecache
import os
import re
import shutil
import symtable
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import tinytorch

PACKAGE = "my_tinytorch"


@dataclass(frozen=True)
class Concept:
    """One file of your package: where it lives, its reference, and what its parts may use."""

    path: str
    reference: str
    notebook: str
    imports: tuple
    given: str = ""  # code that follows your parts in every version of the file


@dataclass(frozen=True)
class Part:
    """One exercise whose passing version becomes part of your package."""

    concept: str
    name: str
    check: str
    reference: str = ""  # the module of tinytorch that holds the reference, if not the concept's

    @property
    def id(self):
        return f"{self.concept}.{self.name}"


_ACTIVATION_MODULES = '''\
# The activations as modules (module 03 explains Module), each calling your function above.
class ReLU(Module):
    def forward(self, x):
        return relu(x)


class Sigmoid(Module):
    def forward(self, x):
        return sigmoid(x)


class Tanh(Module):
    def forward(self, x):
        return tanh(x)


class Softmax(Module):
    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return softmax(x, dim=self.dim)
'''

_FOLDER_INIT = '"""Part of your tinytorch: see my_tinytorch/__init__.py."""\n'
_PACKAGE_INIT = '''"""Your tinytorch, written by tinytorch.workspace from your passing exercises.

Each file below is a list of parts: your code, or an import of tinytorch's reference where you have
not passed that exercise yet (the setup cell of every notebook prints which).
"""

import tinytorch.core.autograd
import tinytorch.core.tensor

from my_tinytorch.core import autograd

# Importing any part of your tinytorch first runs this. From now on Tensor.backward() runs the
# engine of my_tinytorch/core/autograd.py, and a * b, x.exp(), x.sum() and a @ b run its Mul, Exp,
# Sum and MatMul: yours from module 05 once they pass, the reference's until then.
tinytorch.core.autograd.use_engine(autograd.backward)
tinytorch.core.tensor.use_functions(mul=autograd.Mul, exp=autograd.Exp, sum=autograd.Sum,
                                    matmul=autograd.MatMul)
'''

CONCEPTS = {
    "activations": Concept("core/activations.py", "tinytorch.core.activations", "02_activations",
                           ("import numpy as np", "from tinytorch import Tensor",
                            "from tinytorch.core.module import Module"),
                           given=_ACTIVATION_MODULES),
    "layers": Concept("core/layers.py", "tinytorch.core.layers", "03_layers",
                      ("import math", "import numpy as np", "import tinytorch",
                       "from tinytorch import Tensor", "from tinytorch.core.module import Module")),
    "losses": Concept("core/losses.py", "tinytorch.core.losses", "04_losses",
                      ("import numpy as np", "from tinytorch import Tensor",
                       "from tinytorch.core.module import Module")),
    "autograd": Concept("core/autograd.py", "tinytorch.core.autograd", "05_autograd",
                        ("import contextlib", "import numpy as np",
                         "import tinytorch.core.autograd as tinytorch_autograd",
                         "from tinytorch import Tensor",
                         "from tinytorch.core.autograd import Function")),
    "optimizers": Concept("core/optimizers.py", "tinytorch.core.optimizers", "06_optimizers",
                          ("import numpy as np", "from tinytorch import Tensor",
                           "from tinytorch.core.optimizers import Optimizer")),
    "training": Concept("core/training.py", "tinytorch.core.training", "07_training",
                        ("import numpy as np", "import tinytorch",
                         "from tinytorch import Tensor, no_grad")),
    "data": Concept("utils/data.py", "tinytorch.utils.data", "08_dataloader",
                    ("import math", "import numpy as np", "import tinytorch",
                     "from tinytorch import Tensor", "from tinytorch.utils.data import Dataset")),
}

PARTS = [Part(*fields) for fields in [
    ("activations", "relu", "check_relu"),
    ("activations", "sigmoid", "check_sigmoid"),
    ("activations", "tanh", "check_tanh"),
    ("activations", "softmax", "check_softmax"),
    ("layers", "Linear", "check_linear"),
    ("layers", "Sequential", "check_sequential"),
    ("layers", "Dropout", "check_dropout"),
    ("losses", "log_softmax", "check_log_softmax"),
    ("losses", "MSELoss", "check_mse_loss"),
    ("losses", "HuberLoss", "check_huber_loss"),
    ("losses", "CrossEntropyLoss", "check_cross_entropy_loss"),
    ("losses", "BinaryCrossEntropyLoss", "check_binary_cross_entropy_loss"),
    ("losses", "BCEWithLogitsLoss", "check_bce_with_logits_loss"),
    ("autograd", "Mul", "check_mul_backward", "tinytorch.core.tensor"),
    ("autograd", "Exp", "check_exp_backward", "tinytorch.core.tensor"),
    ("autograd", "Sum", "check_sum_backward", "tinytorch.core.tensor"),
    ("autograd", "MatMul", "check_matmul_backward", "tinytorch.core.tensor"),
    ("autograd", "unbroadcast", "check_unbroadcast"),
    ("autograd", "topological_order", "check_topological_order"),
    ("autograd", "backward", "check_backward"),
    ("autograd", "no_grad", "check_no_grad"),
    ("autograd", "numerical_gradient", "check_numerical_gradient"),
    ("optimizers", "SGD", "check_sgd_momentum"),
    ("optimizers", "Adam", "check_adam_step"),
    ("optimizers", "AdamW", "check_adamw_step"),
    ("training", "accuracy", "check_accuracy"),
    ("training", "train_epoch", "check_train_epoch"),
    ("training", "evaluate", "check_evaluate"),
    ("training", "clip_grad_norm_", "check_clip_grad_norm"),
    ("data", "TensorDataset", "check_tensor_dataset"),
    ("data", "DataLoader", "check_dataloader"),
]]
_BY_ID = {part.id: part for part in PARTS}

# A part saved by an older tinytorch than this is run again through its check before it is used:
# the exercise changed in this version. Raise it when an exercise's interface changes.
SAME_EXERCISES_SINCE = "0.1.0"

_MARKER = re.compile(r"^# ---- part (?P<id>[\w.]+): (?P<whose>yours|reference)(?P<note>.*)$", re.M)
_GIVEN_MARKER = "# ---- given: the same in every version of this file"


class WorkspaceError(Exception):
    """A problem with your package that needs your decision; the message says what to do."""


# ----- where your package is --------------------------------------------------------------------
_folder = None  # the folder holding my_tinytorch/, set by open(); None: checks save nothing


def folder():
    """The folder that holds ``my_tinytorch/``, or None before ``open`` (nothing is saved)."""
    return _folder


def _package():
    if _folder is None:
        raise WorkspaceError("no workspace is open: run the notebook's setup cell first")
    return _folder / PACKAGE


def _file(concept):
    return _package() / CONCEPTS[concept].path


def _shown(path):
    """A path as the learner sees it in the file browser: relative to the notebooks' folder."""
    return path.relative_to(_folder).as_posix()


def _part(part_id):
    if part_id not in _BY_ID:
        known = ", ".join(_BY_ID)
        raise ValueError(f"there is no part {part_id!r}; the parts are: {known}")
    return _BY_ID[part_id]


# ----- a file of your package: a header, then one section per part -----------------------------
def _reference_line(part):
    return f"from {part.reference or CONCEPTS[part.concept].reference} import {part.name}\n"


def _header(concept):
    spec = CONCEPTS[concept]
    names = ", ".join(p.name for p in PARTS if p.concept == concept)
    docstring = (f"Your {concept} ({spec.notebook}.ipynb): {names}.\n\n"
                 "Each part below is the notebook cell of yours that passed its check, or one line\n"
                 "that imports tinytorch's reference where you have not passed it yet or switched\n"
                 "back to it. tinytorch rewrites a part when a newer version of it passes its\n"
                 "check: change your code in the notebook and run the check again.\n")
    return f'"""{docstring}"""\n\n' + "\n".join(spec.imports) + "\n"


def _read(concept, text=None):
    """(header, [(part_id, whose, note, body)]) of a file of your package (or of its ``text``);
    the given code at its end is the course's, rewritten with the file."""
    text = (_file(concept).read_text() if text is None else text).split(_GIVEN_MARKER, 1)[0]
    matches = list(_MARKER.finditer(text))
    header = text[:matches[0].start()] if matches else text
    sections = []
    for match, following in zip(matches, matches[1:] + [None]):
        end = following.start() if following else len(text)
        body = text[match.end():end].strip("\n") + "\n"
        sections.append((match["id"], match["whose"], match["note"], body))
    return header, sections


def _render(concept, header, sections):
    parts = [header.rstrip("\n") + "\n"]
    for part_id, whose, note, body in sections:
        parts.append(f"\n\n# ---- part {part_id}: {whose}{note}\n{body.rstrip()}\n")
    if CONCEPTS[concept].given:
        parts.append(f"\n\n{_GIVEN_MARKER}\n{CONCEPTS[concept].given}")
    return "".join(parts)


def _write(path, text):
    """Replace a file in one step (a crash never leaves half a file) and drop stale bytecode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
    # Bytecode is checked by modification time and size, which a rewrite within the same second
    # can leave unchanged; without the cache Python compiles the new text.
    shutil.rmtree(path.parent / "__pycache__", ignore_errors=True)


def _ensure_files():
    """Create what is missing (package folders, files, parts) and bring the course's given code
    up to date; the parts themselves stay as they are. Returns {concept: the file's text}.

    Each file is read once: in JupyterLite every file operation is a round trip to the browser's
    storage."""
    package = _package()
    for init, text in ((package / "__init__.py", _PACKAGE_INIT),
                       (package / "core" / "__init__.py", _FOLDER_INIT),
                       (package / "utils" / "__init__.py", _FOLDER_INIT)):
        if not init.exists() or init.read_text() != text:  # given code, the same for everyone
            _write(init, text)
    texts = {}
    for concept in CONCEPTS:
        path = _file(concept)
        current = path.read_text() if path.exists() else None
        if current is not None:
            header, sections = _read(concept, current)
        else:
            header, sections = _header(concept), []
        present = {section[0] for section in sections}
        for part in PARTS:
            if part.concept == concept and part.id not in present:
                sections.append((part.id, "reference", f" (pass {part.check} to use yours)",
                                 _reference_line(part)))
        order = {p.id: i for i, p in enumerate(PARTS)}
        sections.sort(key=lambda section: order.get(section[0], len(order)))
        text = _render(concept, header, sections)
        if current != text:
            _write(path, text)
        texts[concept] = text
    return texts


def _load(concept, text=None):
    """Run a file of your package as Python, as an import would; return its namespace."""
    path = _file(concept)
    text = path.read_text() if text is None else text
    namespace = {"__name__": f"{PACKAGE}.{concept}", "__file__": str(path)}
    exec(compile(text, str(path), "exec"), namespace)
    return namespace


def _forget(concept):
    """Make the next import of this file read it again (modules are cached by name)."""
    module = f"{PACKAGE}.{CONCEPTS[concept].path[:-3].replace('/', '.')}"
    sys.modules.pop(module, None)
    # Python caches the listing of each folder it imports from; forget those of the notebooks'
    # folder and the package, so that a file written since is found. Only those: in Pyodide,
    # importlib.invalidate_caches() also re-reads the standard library's zip, for seconds.
    folder = str(_folder)
    for entry, finder in list(sys.path_importer_cache.items()):
        where = os.path.abspath(entry or os.curdir)
        if finder is not None and (where == folder or where.startswith(folder + os.sep)):
            finder.invalidate_caches()


# ----- saving a part: called by the checks ------------------------------------------------------
def _cell_source(candidate):
    """The source of the notebook cell that defined ``candidate``, or None if no cell did.

    IPython keeps every cell it ran in ``linecache`` under the file name it compiled the cell
    with, and that name is on each function's code object (for a class: on its methods').
    """
    if getattr(candidate, "__module__", None) != "__main__":
        return None
    if isinstance(candidate, type):
        members = [getattr(v, "__func__", getattr(v, "fget", v)) for v in vars(candidate).values()]
    else:
        members = [candidate]
    for member in members:
        # A decorated function (@contextlib.contextmanager) keeps the cell's code in __wrapped__.
        code = getattr(inspect.unwrap(member), "__code__", None) if callable(member) else None
        lines = linecache.getlines(code.co_filename) if code is not None else []
        if lines:
            return "".join(lines).strip("\n") + "\n"
    return None


def _undefined_names(source, namespace):
    """Global names that ``source`` reads, in any function, but ``namespace`` does not define.

    Running the file finds a name missing at the top level; a name used inside a method would
    only fail when the method is called, perhaps in the middle of the milestone's training.
    """
    missing = []

    def visit(table):
        for symbol in table.get_symbols():
            name = symbol.get_name()
            if (symbol.is_global() or (table.get_type() == "module" and symbol.is_referenced())) \
                    and name not in namespace and not hasattr(builtins, name) \
                    and name not in missing:
                missing.append(name)
        for child in table.get_children():
            visit(child)

    visit(symtable.symtable(source, "<cell>", "exec"))
    return missing


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def save(part_id, candidate):
    """Save ``candidate`` (it has just passed its check) as your version of the part.

    The whole notebook cell that defined it is saved, so what it imports and defines beside it
    comes along. Before anything is written, the new file is run as Python on its own: a cell that
    uses a name defined elsewhere in the notebook would pass its check but fail in the file.
    """
    if _folder is None:
        return
    part = _part(part_id)
    source = _cell_source(candidate)
    if source is None:
        print(f"not saved: this {part.name} was not defined in a cell of this notebook "
              f"(it comes from {getattr(candidate, '__module__', '?')}), so "
              f"{_shown(_file(part.concept))} keeps its {part.name} as it was")
        return
    _ensure_files()
    header, sections = _read(part.concept)
    note = f" ({part.check} passed, tinytorch {tinytorch.__version__}, {_now()})"
    sections = [(pid, "yours", note, source) if pid == part.id else (pid, w, n, b)
                for pid, w, n, b in sections]
    text = _render(part.concept, header, sections)
    path = _file(part.concept)
    try:
        namespace = _load(part.concept, text)
        missing = _undefined_names(source, namespace)
        if missing:
            raise NameError(f"name {missing[0]!r} is not defined")
        defined = namespace.get(part.name)
    except Exception as error:
        raise WorkspaceError(
            f"{part.check} passed, but your {part.name} was not saved: in {_shown(path)}, with "
            f"only the imports at the top of that file, the cell fails with "
            f"{type(error).__name__}: {error}. Define or import everything it uses inside its "
            f"exercise cell (the file starts with: {'; '.join(CONCEPTS[part.concept].imports)}), "
            f"then run the check again.") from error
    if defined is None:
        raise WorkspaceError(f"{part.check} passed, but the cell that defined {part.name} no "
                             f"longer defines it; run that cell again, then the check")
    parked = _parked(part)
    if parked.exists():  # a newer passing version replaces the one you had switched off
        parked.unlink()
    _write(path, text)
    _forget(part.concept)
    print(f"saved: your {part.name} is now part {part.id} of your tinytorch, in {_shown(path)}")


def _last_version(part):
    """A sentence on what your package uses for a part now, for a check that failed."""
    if _folder is None or not _file(part.concept).exists():
        return None
    for pid, whose, note, _ in _read(part.concept)[1]:
        if pid == part.id:
            if whose == "yours":
                return f"{_shown(_file(part.concept))} keeps your last passing {part.name}{note}"
            return f"your tinytorch keeps using the reference {part.name} until it passes"
    return None


def saves(part_id):
    """Decorate a check: when it passes, save the candidate as your version of ``part_id``."""
    _part(part_id)

    def decorate(check):
        @functools.wraps(check)
        def run(candidate, *args, **kwargs):
            try:
                result = check(candidate, *args, **kwargs)
            except BaseException:
                kept = _last_version(_BY_ID[part_id])
                if kept:
                    print(f"not saved: {kept}")
                raise
            save(part_id, candidate)
            return result
        return run
    return decorate


# ----- switching a part between yours and the reference -----------------------------------------
def _parked(part):
    return _package() / "parked" / f"{part.id}.py"


def _switch(part_id, to_reference):
    part = _part(part_id)
    _ensure_files()
    header, sections = _read(part.concept)
    parked, path = _parked(part), _file(part.concept)
    for index, (pid, whose, note, body) in enumerate(sections):
        if pid != part.id:
            continue
        if to_reference:
            if whose == "reference":
                return f"{part.id} already uses the reference"
            _write(parked, f"# ---- part {pid}: yours{note}\n{body}")
            sections[index] = (pid, "reference",
                               f" (you switched back: use_mine({part.id!r}) restores yours)",
                               _reference_line(part))
        else:
            if whose == "yours":
                return f"{part.id} already uses yours"
            if not parked.exists():
                raise WorkspaceError(
                    f"you have no version of {part.id} yet: pass {part.check} in "
                    f"{CONCEPTS[part.concept].notebook}.ipynb and it is saved as yours")
            saved = parked.read_text()
            match = _MARKER.match(saved)
            sections[index] = (pid, "yours", match["note"] if match else "",
                               saved[match.end():].strip("\n") + "\n" if match else saved)
        _write(path, _render(part.concept, header, sections))
        if not to_reference:
            parked.unlink()
        _forget(part.concept)
        whose_now = "tinytorch's reference" if to_reference else "yours"
        where = f" (yours is kept in {_shown(parked)})" if to_reference else ""
        return (f"{part.id} now uses {whose_now}{where}. Run the cells that import and use it "
                f"again, or restart the kernel and run the notebook from the top.")
    raise WorkspaceError(f"{_shown(path)} has no part {part.id}")


def use_reference(part_id):
    """Use tinytorch's reference for a part; your version waits in ``my_tinytorch/parked/``."""
    print(_switch(part_id, to_reference=True))


def use_mine(part_id):
    """Use your version of a part again after ``use_reference``."""
    print(_switch(part_id, to_reference=False))


# ----- opening the workspace: the setup cell ----------------------------------------------------
def _older(version, than):
    def numbers(text):
        return tuple(int(n) for n in re.findall(r"\d+", text)[:3])
    return numbers(version) < numbers(than)


def _retire_outdated(concept, text):
    """Park parts saved by a tinytorch whose exercise differed; they must pass again.
    Returns (messages, the file's text now)."""
    header, sections = _read(concept, text)
    messages = []
    for index, (pid, whose, note, body) in enumerate(sections):
        saved_by = re.search(r"tinytorch (\d+\.\d+\.\d+)", note)
        if whose != "yours" or pid not in _BY_ID or not saved_by:
            continue
        if _older(saved_by[1], SAME_EXERCISES_SINCE):
            part = _BY_ID[pid]
            _write(_parked(part), f"# ---- part {pid}: yours{note}\n{body}")
            sections[index] = (pid, "reference", f" (pass {part.check} to use yours)",
                               _reference_line(part))
            messages.append(
                f"{pid}: yours was saved by tinytorch {saved_by[1]}, whose exercise was different, "
                f"so the reference stands in. Your code is kept in {_shown(_parked(part))}; run "
                f"{part.check} in {CONCEPTS[concept].notebook}.ipynb again to use a new version.")
    if messages:
        text = _render(concept, header, sections)
        _write(_file(concept), text)
    return messages, text


def _part_at_line(concept, line):
    """The part of a file of yours that contains ``line`` (1-based), or None."""
    text = _file(concept).read_text()
    found = None
    for match in _MARKER.finditer(text):
        if text.count("\n", 0, match.start()) + 1 <= line:
            found = match["id"]
    return found


def _problem(concept, error):
    """What a file of yours that does not load needs, naming the part and how to get unstuck."""
    path = _file(concept)
    line = getattr(error, "lineno", None) if isinstance(error, SyntaxError) else None
    if line is None:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(path)]
        line = frames[-1].lineno if frames else None
    part_id = _part_at_line(concept, line) if line else None
    where = f"{_shown(path)}, line {line}" if line else _shown(path)
    fix = (f"Fix it there, or run tinytorch.workspace.use_reference({part_id!r}) to use the "
           f"reference for that part (your code is kept).") if part_id in _BY_ID else \
        f"Fix it there (each part starts at a line '# ---- part ...')."
    return (f"{part_id or concept}: {where} does not load: {type(error).__name__}: {error}. "
            f"{fix}")


def open(notebook=None, path="."):  # noqa: A001 (the name a learner reads in the setup cell)
    """Open your tinytorch in ``path`` (the notebooks' folder): create, check, show the table.

    Checks save into it from now on. A missing file or part is added as the reference; a part
    saved by an older, different exercise is parked until it passes again; a file that does not
    load as Python is reported with the part and line to fix. Nothing you wrote is deleted.
    """
    global _folder
    _folder = Path(path).resolve()
    texts = _ensure_files()
    problems = []
    for concept in CONCEPTS:
        messages, texts[concept] = _retire_outdated(concept, texts[concept])
        problems += messages
        try:
            _load(concept, texts[concept])
        except Exception as error:
            problems.append(_problem(concept, error))
        _forget(concept)
    _explain_errors_from_your_parts()
    print(table(notebook, texts))
    for problem in problems:
        print(f"  ! {problem}")


def parts(texts=None):
    """[(part_id, whose, file)] for every part, in course order; whose is 'yours' or 'reference'.
    ``texts``: the files' texts when the caller has just read them."""
    rows = []
    for concept in CONCEPTS:
        text = texts[concept] if texts else None
        sections = {pid: whose for pid, whose, _, _ in _read(concept, text)[1]}
        rows += [(p.id, sections.get(p.id, "missing"), _shown(_file(concept)))
                 for p in PARTS if p.concept == concept]
    return rows


def table(notebook=None, texts=None):
    """Which parts are yours and which the reference's, for the modules before ``notebook``::

        your tinytorch: my_tinytorch/ beside this notebook
          core/losses.py       yours      log_softmax MSELoss CrossEntropyLoss
                               reference  HuberLoss BinaryCrossEntropyLoss BCEWithLogitsLoss
    """
    shown = [concept for concept, spec in CONCEPTS.items()
             if notebook is None or spec.notebook < notebook]
    title = f"your tinytorch: {_shown(_package())}/ beside this notebook"
    if not shown:
        return title + " (each exercise is saved there when it passes its check)"
    owners = {}
    for part_id, whose, _ in parts(texts):
        concept, name = part_id.split(".")
        owners.setdefault((concept, whose), []).append(name)
    lines = [title]
    for concept in shown:
        label = CONCEPTS[concept].path
        for whose in ("yours", "reference"):
            if (concept, whose) in owners:
                lines.append(f"  {label:<20} {whose:<10} {' '.join(owners[concept, whose])}")
                label = ""
    lines.append(f"  {'Tensor':<20} {'reference':<10} (the class; its * exp sum @ and backward "
                 f"run the parts above)")
    return "\n".join(lines)


# ----- errors that pass through your code -------------------------------------------------------
def your_parts_in(error):
    """[(part_id, file, line)] of your parts that the traceback of ``error`` passes through, or
    the tracebacks of the errors that caused it: a check's report is raised from the error that
    your code raised."""
    if _folder is None:
        return []
    files = {str(_file(c)): c for c in CONCEPTS}
    found = []
    while error is not None:
        for frame in traceback.extract_tb(error.__traceback__):
            concept = files.get(frame.filename)
            if concept:
                part_id = _part_at_line(concept, frame.lineno)
                entry = (part_id, _shown(_file(concept)), frame.lineno)
                if part_id and entry not in found:
                    found.append(entry)
        error = error.__cause__
    return found


def explain(error):
    """A few lines naming your parts in an error's traceback and how to test them, or ''."""
    found = your_parts_in(error)
    if not found:
        return ""
    lines = ["This error passed through your tinytorch:"]
    lines += [f"  {part_id}  ({file}, line {line})" for part_id, file, line in found]
    lines.append("To find out whether the bug is in your part, run it on the reference: "
                 f"tinytorch.workspace.use_reference({found[-1][0]!r}), then run the notebook "
                 "again (tinytorch.workspace.use_mine switches back).")
    return "\n".join(lines)


def _explain_errors_from_your_parts():
    """In IPython, follow each error's traceback with ``explain``'s lines."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if shell is None:
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        note = explain(value)
        if note:
            print(note)

    shell.set_custom_exc((Exception,), handler)
