"""What the site build, the tests and the benchmarks of the TinyTorch course share, each rule once:

    paths          where the checkout, its notebooks, the built site and the Pyodide cache are
    urls           the off-site rule: which URLs a page or a browser would fetch from another host
    pyodide        the verified Pyodide download (the cache) and its lock, read and written here only
    serve          the static server of ``make serve``, with the site's MIME types, gzip and caching
    serving        the same server for tests and benchmarks: request log, byte count, throttling
    chromium       Debian's Chromium: its path, its flags and a learner's recorded browser
    lite_notebook  a learner notebook driven in JupyterLite through the app's API
    startup        the time to a notebook's first output, against a bare Pyodide page
    version_notebooks  content-addressed notebook names in the built JupyterLite, and the launchers
    prefetch_kernel    the notebook page's prefetch of Pyodide's runtime (both run by the book's
                       Sphinx extension once JupyterLite is built)

Installed editable by the Makefile (``pip install --no-deps -e ./course_tools``); standard
library only, except that chromium, lite_notebook and startup drive Playwright.
"""
