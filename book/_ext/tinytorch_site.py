"""Sphinx extension for the TinyTorch course site: offline pages, notebook launchers, and the
finishing of the built JupyterLite.

Three jobs, each small:

1. Offline pages. Extensions may register stylesheets and scripts on other hosts (jupyterlite-sphinx
   adds a Google Fonts stylesheet to every page). Those entries are removed when the configuration
   is read, and every page is checked again just before it is written: a script or stylesheet on
   another host that still reaches a page is reported as a warning, which fails a ``-W`` build.
   What counts as another host is course_tools.urls.is_off_site, the rule the tests use too.

2. Launchers. ``launch-buttons`` renders the row of links at the end of a module page::

       ```{launch-buttons} 04_losses
       ```

   It opens ``content/04_losses.ipynb`` in JupyterLite (a relative link, so the site also works
   under a sub-path), in Binder, in Colab, and offers it as a download. The repository and branch
   come from the ``repository:`` block of ``_config.yml``; the Binder and Colab hosts and the
   JupyterLite app from the ``tinytorch_*`` values under ``sphinx.config``.

   The theme's own launch buttons cannot do this: they derive the notebook from the page's own
   path (``book/modules/04_losses.md``), and jupyterlite-sphinx's ``:new_tab:`` renders a
   ``<button>`` with an ``onclick`` handler instead of a link.

3. The built JupyterLite. jupyterlite-sphinx runs ``jupyter lite build`` in its own
   ``build-finished`` handler; this extension's runs after it (a later priority) and, on the
   finished site, gives each notebook a name that changes with its content and points the
   launchers at it (course_tools.version_notebooks), and lets the notebook page prefetch Pyodide
   (course_tools.prefetch_kernel). So ``jupyter-book build`` alone gives the finished site.

4. Lighter pages. ``templates/static/webpack-macros.html`` replaces the theme's macros of the same
   name, without its fontawesome.js: the theme's stylesheet draws the same icons from web fonts.
   And MathJax and mermaid load when the first formula or diagram comes near the screen, not with
   the page: ``lazy/tinytorch_lazy.js`` (it says why) takes the place of the script tags that
   sphinx.ext.mathjax and sphinxcontrib-mermaid put on a page, and is given their URLs.
"""

import posixpath
import re
from pathlib import Path
from urllib.parse import quote, urlencode

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ConfigError, ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

from course_tools.prefetch_kernel import PrefetchError, add_prefetch
from course_tools.urls import is_off_site
from course_tools.version_notebooks import VersioningError, version_site

logger = logging.getLogger(__name__)

MODULE_NAME = re.compile(r"^\d\d_[a-z0-9_]+$")


# --- offline pages -------------------------------------------------------------------------------


HERE = Path(__file__).resolve().parent


def add_templates(app, config):
    # templates/static/webpack-macros.html: the theme's, without fontawesome.js (it says why).
    config.templates_path.insert(0, str(HERE / "templates"))
    # Not a folder named _static: Jupyter Book injects every .js/.css under _static into every page.
    config.html_static_path.append(str(HERE / "lazy"))


def drop_off_site_assets(app, config):
    """Remove off-site CSS/JS that extensions registered in their setup()."""
    for registry in (app.registry.css_files, app.registry.js_files):
        kept = [(url, attrs) for url, attrs in registry if not is_off_site(url)]
        for url, _ in registry:
            if is_off_site(url):
                logger.info("tinytorch_site: dropped off-site asset %s", url)
        registry[:] = kept
    if is_off_site(config.mathjax_path):
        raise ConfigError(f"mathjax_path = {config.mathjax_path!r} points at another host; "
                          "expected a path inside html_static_path (the site is offline)")
    mermaid = getattr(config, "mermaid_use_local", None)  # None: sphinxcontrib-mermaid not loaded
    if mermaid is not None and (mermaid == "" or is_off_site(mermaid)):
        raise ConfigError("mermaid_use_local must name the vendored mermaid.esm.min.mjs "
                          f"inside html_static_path, got {mermaid!r}")


def is_thebe_asset(asset):
    filename = str(getattr(asset, "filename", None) or "")
    body = getattr(asset, "attributes", {}).get("body") or ""
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body


def drop_unused_thebe(app, pagename, templatename, context, doctree):
    """Remove sphinx-thebe's assets: Jupyter Book always loads the extension, the course never
    uses it (the launchers open JupyterLite), and its inline script, added twice, names a CDN
    and throws "Identifier 'THEBE_JS_URL' has already been declared" on every page."""
    if app.config.html_theme_options.get("launch_buttons", {}).get("thebe"):
        return
    for key in ("script_files", "css_files"):
        context[key] = [asset for asset in context.get(key, []) if not is_thebe_asset(asset)]


MERMAID_IMPORT = re.compile(r'^import mermaid from "([^"]+)";', re.M)


def load_lazily(app, pagename, templatename, context, doctree):
    """Replace the page's MathJax script and mermaid loader by tinytorch_lazy.js, given their URLs."""
    lazy = {}
    kept = []
    for asset in context.get("script_files", []):
        filename = str(getattr(asset, "filename", "") or "")
        body = getattr(asset, "attributes", {}).get("body") or ""
        if filename == posixpath.join("_static", app.config.mathjax_path):  # as Sphinx adds it
            lazy["data-mathjax"] = context["pathto"](filename, 1)
        elif MERMAID_IMPORT.search(body):
            lazy["data-mermaid"] = MERMAID_IMPORT.search(body).group(1)
        else:
            kept.append(asset)
    if not lazy:
        return
    # In place: app.add_js_file adds to this page's list, the very object in the context.
    context["script_files"][:] = kept
    # Deferred, it runs once the parser has seen every formula and diagram of the page.
    app.add_js_file("tinytorch_lazy.js", defer="defer", **lazy)
    app.add_css_file("tinytorch_lazy.css")


def check_page_assets(app, pagename, templatename, context, doctree):
    """Warn (an error under -W) when a page would still load a script or stylesheet off-site."""
    for key in ("script_files", "css_files"):
        for asset in context.get(key, []):
            url = getattr(asset, "filename", asset)
            if is_off_site(url):
                logger.warning("tinytorch_site: page %s loads %s from another host",
                               pagename, url, type="tinytorch", subtype="offsite")


# --- launchers -----------------------------------------------------------------------------------


class launch_buttons(nodes.General, nodes.Element):
    """A <nav> around the launch links of one module page."""


def visit_launch_buttons_html(self, node):
    self.body.append(self.starttag(node, "nav", "", CLASS="tt-launch",
                                   **{"aria-label": "Open this module's notebook"}))


def depart_launch_buttons_html(self, node):
    self.body.append("</nav>\n")


def skip_node(self, node):
    raise nodes.SkipNode


def github_repository(config):
    """(owner, name) from the repository URL in _config.yml; an error says what was expected."""
    url = config.html_theme_options.get("repository_url", "")
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)/?", url)
    if match is None:
        raise ConfigError("launch-buttons needs repository.url in _config.yml to be "
                          f"https://github.com/<owner>/<repo>, got {url!r}")
    return match.group(1), match.group(2)


class LaunchButtons(SphinxDirective):
    """``launch-buttons NN_name``: run, Binder, Colab and download links for content/NN_name.ipynb."""

    required_arguments = 1
    has_content = False

    def run(self):
        name = self.arguments[0]
        if not MODULE_NAME.match(name):
            raise self.error(f"launch-buttons: expected a notebook name like 04_losses, got {name!r}")
        config = self.config
        notebook = f"{config.tinytorch_notebooks_dir}/{name}.ipynb"
        if not (Path(self.env.srcdir) / notebook).is_file():
            raise self.error(f"launch-buttons: {notebook} does not exist (expected the learner "
                             f"notebook of module {name} in {config.tinytorch_notebooks_dir}/)")
        owner, repo = github_repository(config)
        branch = config.html_theme_options.get("repository_branch") or "main"

        page = self.env.app.builder.get_target_uri(self.env.docname)
        lite_app = relative_uri(page, f"lite/{config.tinytorch_lite_app}/index.html")
        binder = config.tinytorch_binderhub_url.rstrip("/")
        colab = config.tinytorch_colab_url.rstrip("/")
        links = [
            ("Run in your browser", f"{lite_app}?{urlencode({'path': notebook})}", "sd-btn-primary"),
            ("Open in Binder", f"{binder}/v2/gh/{owner}/{repo}/{quote(branch)}?"
             f"{urlencode({'labpath': notebook})}", "sd-btn-outline-primary"),
            ("Open in Colab", f"{colab}/github/{owner}/{repo}/blob/{quote(branch)}/{notebook}",
             "sd-btn-outline-primary"),
        ]

        row = nodes.paragraph()
        for text, url, style in links:
            row += nodes.reference("", text, refuri=url,
                                   classes=["sd-btn", style, "sd-mr-2", "sd-mb-2", "tt-launch-link"])
        # A download_reference lets Sphinx copy the notebook into _downloads/ and warn when it is
        # missing, exactly as the {download} role does.
        download = addnodes.download_reference(
            "", "", reftarget=f"/{notebook}", refdoc=self.env.docname,
            classes=["sd-btn", "sd-btn-outline-primary", "sd-mr-2", "sd-mb-2", "tt-launch-link"])
        download += nodes.inline("", f"Download {name}.ipynb")
        row += download
        return [launch_buttons("", row)]


# --- the built JupyterLite ----------------------------------------------------------------------


def finish_lite(app, exception):
    """After jupyterlite-sphinx's build: versioned notebook names and the kernel prefetch."""
    if exception is not None or app.builder.format != "html":
        return
    site = Path(app.outdir)
    logger.info("tinytorch_site: finishing the built JupyterLite")
    try:
        versions = version_site(site)
        add_prefetch(site)
    except (VersioningError, PrefetchError) as error:
        raise ExtensionError(f"tinytorch_site: {error}") from error
    for stem, (name, links) in versions.items():
        logger.info("tinytorch_site: %s/%s.ipynb is served as %s (%d launcher links)",
                    app.config.tinytorch_notebooks_dir, stem, name, links)
    logger.info("tinytorch_site: lite/notebooks/index.html prefetches Pyodide's runtime")


def setup(app):
    app.add_config_value("tinytorch_notebooks_dir", "content", "env")
    app.add_config_value("tinytorch_lite_app", "notebooks", "env")
    app.add_config_value("tinytorch_binderhub_url", "https://mybinder.org", "env")
    app.add_config_value("tinytorch_colab_url", "https://colab.research.google.com", "env")

    # Late priority: run after extensions whose config-inited handlers add assets.
    app.connect("config-inited", add_templates)
    app.connect("config-inited", drop_off_site_assets, priority=900)
    # After sphinx.ext.mathjax and sphinxcontrib-mermaid (default priority 500) added theirs.
    app.connect("html-page-context", load_lazily, priority=600)
    app.connect("html-page-context", drop_unused_thebe, priority=900)
    app.connect("html-page-context", check_page_assets, priority=950)
    # After jupyterlite-sphinx's build-finished handler (default priority 500) has built lite/.
    app.connect("build-finished", finish_lite, priority=900)

    app.add_node(launch_buttons,
                 html=(visit_launch_buttons_html, depart_launch_buttons_html),
                 latex=(skip_node, None), text=(skip_node, None), man=(skip_node, None),
                 texinfo=(skip_node, None))
    app.add_directive("launch-buttons", LaunchButtons)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
