"""Fixtures and settings for every test.

The helpers the tests share are ordinary modules of this package, imported relatively:
``strategies.py`` (hypothesis strategies, the gradient check), ``torch_helpers.py`` (the PyTorch
comparison) and ``check_versions/`` (the versions every learner check runs on).
"""

import pytest
from hypothesis import HealthCheck, settings

from tinytorch import manual_seed

# No deadline and no "too slow" health check: the machines (and Pyodide in Node.js) are slow and
# shared, and a timing failure would say nothing about correctness.
settings.register_profile("tinytorch", max_examples=40, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("tinytorch")


@pytest.fixture
def seeded():
    """Seed tinytorch's generator, so initialisation and dropout are reproducible in a test."""
    manual_seed(0)
