"""Write (or check) the first cell of every learner notebook: the environment setup cell.

The cell makes ``import tinytorch`` work wherever the notebook runs (JupyterLite, Colab, Binder,
a local Jupyter), then opens the learner's own package beside the notebook (tinytorch.workspace). Its Colab branch installs the course's wheel from the deployed site, whose URL
lives in one place, ``html.baseurl`` of ``_config.yml``; the wheel's version comes from
``tinytorch_wheel/pyproject.toml``. Notebooks never carry a hand-edited copy of this cell:

    python scripts/notebook_setup.py --write    # after changing the config, the version or the cell
    python scripts/notebook_setup.py --check    # in the tests: fails if a notebook has drifted
"""

import argparse
import json
import sys
import tomllib

import yaml

from course_tools.paths import REPO as ROOT

TEMPLATE = '''\
# Setup: makes `import tinytorch` work wherever this notebook runs. Run it first.
import importlib.util
import os
import sys

# The course's own wheel (PyPI's "tinytorch" is an unrelated project). Colab installs it from
# the course site; set TINYTORCH_WHEEL_URL to install it from somewhere else.
TINYTORCH_WHEEL_URL = os.environ.get("TINYTORCH_WHEEL_URL", "{wheel_url}")

if sys.platform == "emscripten":  # JupyterLite: Python runs in this browser tab (Pyodide)
    import piplite
    await piplite.install("tinytorch")  # from the site's own package index, offline
elif "google.colab" in sys.modules:  # Google Colab
    %pip install --quiet {{TINYTORCH_WHEEL_URL}}
elif importlib.util.find_spec("tinytorch") is None:  # Binder and local Jupyter install it up front
    raise ModuleNotFoundError(
        "tinytorch is not installed in this Python. From the course repository run: "
        "pip install ./tinytorch_wheel"
    )

import tinytorch
from tinytorch import workspace

print(f"tinytorch {{tinytorch.__version__}} is ready")
workspace.open("{notebook}")  # your own tinytorch, my_tinytorch/ beside this notebook'''


def wheel_url():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    base = config["html"]["baseurl"].rstrip("/")
    project = tomllib.loads((ROOT / "tinytorch_wheel" / "pyproject.toml").read_text())["project"]
    return f"{base}/lite/pypi/{project['name']}-{project['version']}-py3-none-any.whl"


def setup_source(notebook):
    return TEMPLATE.format(wheel_url=wheel_url(), notebook=notebook)


def setup_cell(notebook):
    cell = notebook["cells"][0] if notebook["cells"] else None
    if cell is None or "setup" not in cell.get("metadata", {}).get("tags", []):
        return None
    return cell


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="rewrite the setup cells")
    action.add_argument("--check", action="store_true", help="fail if a setup cell differs")
    args = parser.parse_args()

    problems = []
    for path in sorted((ROOT / "content").glob("*.ipynb")):
        source = setup_source(path.stem)
        notebook = json.loads(path.read_text())
        cell = setup_cell(notebook)
        if cell is None:
            problems.append(f"{path.name}: the first cell must be a code cell tagged 'setup'")
            continue
        current = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if current == source:
            continue
        if args.check:
            problems.append(f"{path.name}: setup cell differs; run scripts/notebook_setup.py --write")
        else:
            cell["source"] = source
            cell["outputs"], cell["execution_count"] = [], None
            path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
            print(f"updated {path.relative_to(ROOT)}")
    if problems:
        sys.exit("\n".join(problems))


if __name__ == "__main__":
    main()
