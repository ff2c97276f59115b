"""The solutions of the notebook exercises, typed into the exercise cells by the tests.

One module per concept, laid out like the learner's own package: each starts with the imports of
that concept's file and then holds one definition per exercise, in notebook order, written as a
learner would write it. The production reference, with PyTorch's full interface, is
``tinytorch.core``.
"""
