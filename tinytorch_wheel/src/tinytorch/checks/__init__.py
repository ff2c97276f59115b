"""Learner checks: one module per course module, one check_<exercise> function per exercise.

Every check is declared the same way: it requires the right kind of object (``require_class``,
``require_function``), builds a list of ``Case`` objects, the common kinds through the shared
constructors of ``_helpers`` (an error raised, the input left unchanged, no overflow on the way,
gradients through the graph), and hands them to ``run_cases`` in ``_report``, which prints one
line when all pass and raises the standard report at the first that does not.
"""
