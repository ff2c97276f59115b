"""The wheel: pure Python (py3-none-any), numpy its only requirement, the digits data and their
licence inside, no bytecode and no tests.

Building needs pip and setuptools, which Pyodide cannot run: there, and only there, it is skipped.
"""

import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import numpy as np
import pytest

PACKAGE = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(sys.platform == "emscripten",
                                reason="Pyodide cannot run pip to build a wheel")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    # Build from a clean copy of the sources: an old build/ folder in the working tree could
    # otherwise slip deleted modules into the wheel.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PACKAGE / name, source / name)
    shutil.copytree(PACKAGE / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", str(source),
                    "-w", str(out)], check=True)
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    with zipfile.ZipFile(wheels[0]) as archive:
        yield wheels[0].name, archive


def dist_info(archive, name):
    [path] = [n for n in archive.namelist() if n.endswith(f".dist-info/{name}")]
    return Parser().parsestr(archive.read(path).decode())


def test_pure_python_tag(wheel):
    filename, archive = wheel
    assert filename.startswith("tinytorch-") and filename.endswith("-py3-none-any.whl")
    info = dist_info(archive, "WHEEL")
    assert info.get_all("Tag") == ["py3-none-any"]
    assert info["Root-Is-Purelib"] == "true"


def test_numpy_is_the_only_requirement(wheel):
    metadata = dist_info(wheel[1], "METADATA")
    assert metadata["Name"] == "tinytorch"
    assert metadata.get_all("Requires-Dist") == ["numpy>=1.24"]
    assert metadata["Requires-Python"] == ">=3.10"


def test_digits_data_and_licence_are_inside(wheel):
    archive = wheel[1]
    with archive.open("tinytorch/utils/digits.npz") as file:
        with np.load(file, allow_pickle=False) as data:
            assert len(data.files) > 0
            assert sum(data[name].shape[0] for name in data.files if name.startswith("y")) == 1797
    licence = archive.read("tinytorch/utils/DIGITS_LICENSE.txt").decode()
    assert "CC BY 4.0" in licence and "UCI" in licence


def test_every_module_and_nothing_else(wheel):
    names = wheel[1].namelist()
    assert not [n for n in names if n.endswith(".pyc") or "__pycache__" in n]
    assert not [n for n in names if "tests/" in n or "conftest" in n or n.startswith("test")]
    modules = {str(p.relative_to(PACKAGE / "src")).replace("\\", "/")
               for p in (PACKAGE / "src" / "tinytorch").rglob("*.py")}
    assert modules <= set(names), sorted(modules - set(names))
    assert {n.split("/")[0] for n in names} == {"tinytorch", wheel[0].split("-py3")[0] + ".dist-info"}
