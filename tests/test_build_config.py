"""The book's configuration keeps generated folders out of the book and the execution cache out of _build.

Sphinx reads every .md and .ipynb file under the repository that exclude_patterns does not exclude,
and a file outside the table of contents fails the ``-W`` build ("document isn't included in any
toctree"). Hidden folders are the trap: pytest's cache has a README.md and the execution cache holds
executed notebooks. These tests list the files Sphinx would read from a small tree, with the
configuration Jupyter Book derives from _config.yml; they need no build.
"""

from pathlib import Path

import pytest
from jupyter_book.config import get_final_config
from sphinx.util.matching import get_matching_files

from course_tools.paths import REPO


@pytest.fixture(scope="module")
def sphinx_config():
    config, _ = get_final_config(user_yaml=REPO / "_config.yml",
                                 cli_config={"latex_individualpages": False},
                                 sourcedir=REPO, use_external_toc=False)
    return config


def test_hidden_and_generated_folders_are_not_read_as_pages(sphinx_config, tmp_path):
    cache = sphinx_config["nb_execution_cache_path"] or "_build/.jupyter_cache"  # unset: the default
    files = ["book/intro.md", ".pytest_cache/README.md", f"{cache}/executed/0a1b/base.ipynb",
             ".venv/lib/site-packages/pkg/README.md", "_build/html/_sources/book/intro.md",
             "book/.ipynb_checkpoints/intro-checkpoint.md"]
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# a page\n", encoding="utf-8")

    read = sorted(get_matching_files(tmp_path, exclude_patterns=sphinx_config["exclude_patterns"]))

    assert read == ["book/intro.md"]


def test_execution_cache_survives_a_clean_build(sphinx_config):
    """build_site.sh and `make clean` delete _build; the cache must live elsewhere, and git must
    ignore it."""
    cache = sphinx_config["nb_execution_cache_path"]
    assert cache, "execute.cache is not set: the cache would default to _build/.jupyter_cache"
    assert Path(cache).parts[0] != "_build"
    assert f"{cache.rstrip('/')}/" in (REPO / ".gitignore").read_text(encoding="utf-8").split()
