"""tinytorch's tests, a package so that its test modules share helpers by relative import.

Fixtures come from ``conftest.py`` through pytest; the helpers are ordinary modules here
(``strategies.py``, ``torch_helpers.py``, ``check_versions/``), and no test module imports another.
"""
