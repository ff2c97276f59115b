"""Stand-in for the ssl module in the course's in-browser Python (JupyterLite).

jupyterlite-pyodide-kernel installs Pyodide's ssl package at every kernel start (0.8 MB with
OpenSSL, downloaded and loaded before the first cell runs), yet nothing in a notebook can open an
encrypted connection from the browser's worker: Pyodide has no sockets, and fetching goes through
the browser (pyodide.http). So the site's Pyodide lists this module under the name ssl instead
(scripts/build_lite_inputs.py), and importing it fails as it does in a Python built without
OpenSSL: code that treats ssl as optional (``try: import ssl`` / ``except ImportError``, as
urllib, http.client and asyncio do) carries on, and anything else gets this message.
"""

raise ModuleNotFoundError(
    "ssl is not available in the course's in-browser Python: it leaves OpenSSL out, because a "
    "notebook in the browser cannot open network connections itself (use pyodide.http.pyfetch "
    "to fetch a URL). Run the notebook in Binder, Colab or a local Jupyter to use ssl.",
    name="ssl")
