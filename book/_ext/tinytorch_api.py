"""Sphinx extension for the API reference (book/appendix/api/): the "Shape:" section of a docstring.

tinytorch's docstrings follow PyTorch's and Google's layout (``Args:``, ``Shape:``, ``Example:``),
which ``sphinx.ext.napoleon`` turns into reStructuredText. Napoleon has no ``Shape`` section, and
the package writes it as compact lines, several names to a line::

    Shape:
        input: (C,), (N, C) or (N, C, d1, ..., dK) raw scores (logits), class dimension 1.
        target: class indices (integer dtype) of shape (), (N,) or (N, d1, ..., dK), in
        [0, C) or ignore_index; or class probabilities (floating) of the input's shape.

Read as a parameter list, such lines split in the wrong places; read as a paragraph, they run
together. They are shown as the docstring writes them: a "Shape" heading over a line block, one
output line per source line.
"""

import re

SECTION = re.compile(r"^(\s*)Shape:\s*$")


def shape_as_line_block(app, what, name, obj, options, lines):
    """Rewrite each "Shape:" section of a docstring (in place, before napoleon reads it)."""
    i = 0
    while i < len(lines):
        match = SECTION.match(lines[i])
        if not match:
            i += 1
            continue
        indent = match.group(1)
        end = i + 1
        while end < len(lines) and (lines[end].startswith(indent + " ") and lines[end].strip()):
            end += 1
        body = [f"{indent}| {line.strip()}" for line in lines[i + 1:end]]
        if not body:
            raise ValueError(f"{name}: the docstring's Shape: section is empty")
        lines[i:end] = [f"{indent}.. rubric:: Shape", ""] + body + [""]
        i += len(body) + 3


def setup(app):
    # Napoleon connects at the default priority (500); this must see the docstring first.
    app.connect("autodoc-process-docstring", shape_as_line_block, priority=400)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
