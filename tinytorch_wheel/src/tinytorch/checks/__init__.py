"""Learner checks: one module per course module, one check_<exercise> function per exercise."""
