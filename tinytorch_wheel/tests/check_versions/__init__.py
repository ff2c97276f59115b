"""The versions every learner check runs on, one module per course module.

``check_versions/<module>.py`` holds the RIGHT, WRONG and STUBS tables of the checks of
``tinytorch.checks.<module>`` (described and run in ``test_checks_contract.py``), and the right and
wrong versions they are built from, which ``test_checks_<module>.py`` also uses to test what only
those checks say.
"""
