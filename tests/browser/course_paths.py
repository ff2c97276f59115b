"""Where the browser tests find the course: the repository, its notebooks and the built site."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"
# The built site under test; TINYTORCH_SITE points the tests at another build of it.
SITE = Path(os.environ.get("TINYTORCH_SITE", REPO / "_build" / "html"))
