"""The notebooks' set-up outside JupyterLite, each in a fresh virtual environment.

- Colab: the setup cell, read from each notebook, runs in an IPython kernel where a stand-in
  `google.colab` module is imported (as Colab's kernel has it). It must install the course's wheel
  from TINYTORCH_WHEEL_URL, here the wheel of the built site served on 127.0.0.1 at the same path as
  on the deployed site, with pip unable to reach any index (so never PyPI's unrelated "tinytorch").
- Binder: binder/requirements.txt installs, from the repository root as repo2docker does, into a
  fresh environment; tinytorch is the repository's package and the setup cell finds it.

They build environments with pip (a minute or two the first time, then from pip's cache).
"""

import hashlib
import json
import re
import subprocess
import venv
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
import yaml
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from course_tools.paths import CONTENT, REPO
from course_tools.serving import SiteServer

NOTEBOOKS = sorted(p.stem for p in CONTENT.glob("*.ipynb"))

# What Colab's kernel has before any cell runs: google.colab is imported.
FAKE_COLAB = """\
import sys, types
sys.modules.setdefault("google", types.ModuleType("google"))
sys.modules["google.colab"] = types.ModuleType("google.colab")
"""

# Where tinytorch came from, read inside the kernel after the setup cell.
REPORT = """\
import importlib.metadata, json, sys, tinytorch
dist = importlib.metadata.distribution("tinytorch")
print("REPORT", json.dumps({"file": tinytorch.__file__, "version": dist.version,
                            "prefix": sys.prefix,
                            "direct_url": json.loads(dist.read_text("direct_url.json") or "null")}))
"""


# The learner's package made by the setup cell, imported the way later notebooks import it.
MY_TINYTORCH = """\
import my_tinytorch.core.losses as mine
print("MY_TINYTORCH", mine.__name__, mine.CrossEntropyLoss.__module__)
"""


def pyproject_version():
    text = (REPO / "tinytorch_wheel" / "pyproject.toml").read_text()
    return re.search(r'^version = "([^"]+)"', text, re.M).group(1)


def setup_cell(name):
    notebook = nbformat.read(CONTENT / f"{name}.ipynb", as_version=4)
    cell = notebook.cells[0]
    assert "setup" in cell.metadata.get("tags", []), f"{name}: the first cell is not tagged setup"
    return cell.source


def make_venv(path, *requirements, cwd=REPO):
    """A fresh virtual environment with ``requirements`` installed by pip (from PyPI or its cache)."""
    venv.EnvBuilder(with_pip=True).create(path)
    python = path / "bin" / "python"
    run = subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                          "--disable-pip-version-check", *requirements],
                         cwd=cwd, capture_output=True, text=True)
    assert run.returncode == 0, f"pip install {' '.join(requirements)} failed:\n{run.stderr}"
    return python


def execute(python, cells, env, tmp_path):
    """Run ``cells`` in order in an IPython kernel of ``python``; return the executed notebook."""
    kernels = tmp_path / "kernels"
    (kernels / "fresh").mkdir(parents=True)
    (kernels / "fresh" / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fresh venv", "language": "python", "env": env}))
    manager = KernelManager(kernel_name="fresh",
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    # The kernel starts in a folder of its own, as Colab's starts in /content: the setup cell
    # creates the learner's package (my_tinytorch/) there.
    folder = tmp_path / "notebooks"
    folder.mkdir(exist_ok=True)
    NotebookClient(notebook, km=manager, timeout=300, allow_errors=False,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return notebook


def stdout(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")


def report(cell):
    line = next(l for l in stdout(cell).splitlines() if l.startswith("REPORT "))
    return json.loads(line.removeprefix("REPORT "))


def default_wheel_url(setup_source):
    match = re.search(r'os\.environ\.get\("TINYTORCH_WHEEL_URL", "([^"]+)"\)', setup_source)
    assert match, "the setup cell has no TINYTORCH_WHEEL_URL default"
    return match.group(1)


@pytest.fixture(scope="module")
def colab_python(tmp_path_factory):
    """A fresh environment like Colab's: Python with IPython's kernel and numpy, no tinytorch."""
    return make_venv(tmp_path_factory.mktemp("colab") / "venv",
                     f"ipykernel=={version('ipykernel')}", f"numpy=={version('numpy')}")


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no learner notebooks in {CONTENT}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_colab_setup_installs_the_course_wheel_from_its_url(name, site, colab_python, tmp_path):
    source = setup_cell(name)
    # The deployed site's URL of the wheel, mapped onto the same path of the local build.
    baseurl = yaml.safe_load((REPO / "_config.yml").read_text())["html"]["baseurl"]
    default = default_wheel_url(source)
    assert default.startswith(baseurl), f"{default} is not on the site {baseurl}"
    path = default.removeprefix(baseurl.rstrip("/") + "/")
    wheel = site / path
    assert wheel.is_file(), f"the setup cell installs {default}, but the site has no {path}"
    assert f"tinytorch-{pyproject_version()}-" in wheel.name

    subprocess.run([str(colab_python), "-m", "pip", "uninstall", "--quiet", "--yes", "tinytorch"],
                   check=True, capture_output=True)
    with SiteServer(site) as server:
        url = server.url + path
        env = {"TINYTORCH_WHEEL_URL": url, "PIP_NO_INDEX": "1"}  # no index: only our URL works
        before = "import importlib.util; print('BEFORE', importlib.util.find_spec('tinytorch'))"
        notebook = execute(colab_python, [before, FAKE_COLAB, source, REPORT, MY_TINYTORCH],
                           env, tmp_path)
    fetched = [r for r in server.requests if r.method == "GET" and r.path == f"/{path}"]
    assert "BEFORE None" in stdout(notebook.cells[0]), "tinytorch was there before the setup cell"
    assert f"tinytorch {pyproject_version()} is ready" in stdout(notebook.cells[2])
    assert fetched, f"the setup cell did not download {url}"

    found = report(notebook.cells[3])
    assert Path(found["file"]).is_relative_to(colab_python.parent.parent), found
    assert found["version"] == pyproject_version()
    assert found["direct_url"] and found["direct_url"]["url"] == url, \
        f"tinytorch was installed from {found['direct_url']} (None: from an index), not {url}"
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert found["direct_url"]["archive_info"]["hashes"]["sha256"] == digest
    # The learner's own package, beside the notebook, imports as a plain package.
    assert "your tinytorch: my_tinytorch/ beside this notebook" in stdout(notebook.cells[2])
    assert (tmp_path / "notebooks" / "my_tinytorch" / "core" / "losses.py").is_file()
    assert "MY_TINYTORCH my_tinytorch.core.losses tinytorch.core.losses" in stdout(notebook.cells[4])


def test_binder_environment_installs_and_imports_tinytorch(tmp_path):
    runtime = (REPO / "binder" / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), f"binder/runtime.txt: {runtime!r}"
    # repo2docker installs binder/requirements.txt from the repository root into an environment
    # that has Jupyter; ipykernel stands for the latter.
    python = make_venv(tmp_path / "venv", "-r", "binder/requirements.txt",
                       f"ipykernel=={version('ipykernel')}", cwd=REPO)
    name = NOTEBOOKS[0]
    check = "import matplotlib, numpy; print('STACK', numpy.__version__, matplotlib.__version__)"
    notebook = execute(python, [setup_cell(name), REPORT, check], {"PIP_NO_INDEX": "1"}, tmp_path)
    assert f"tinytorch {pyproject_version()} is ready" in stdout(notebook.cells[0])

    found = report(notebook.cells[1])
    assert Path(found["file"]).is_relative_to(tmp_path / "venv"), found
    assert found["version"] == pyproject_version()
    assert found["direct_url"], "tinytorch came from an index, not from ./tinytorch_wheel"
    source = urlsplit(found["direct_url"]["url"])
    assert source.scheme == "file" and Path(source.path) == REPO / "tinytorch_wheel", found
    pins = dict(re.findall(r"^([\w-]+)==(\S+)$", (REPO / "binder" / "requirements.txt").read_text(),
                           re.M))
    stack = stdout(notebook.cells[2]).split()
    assert stack[1:] == [pins["numpy"], pins["matplotlib"]], stack
