#!/usr/bin/env python3
"""Copy the browser assets the site serves itself from node_modules/ into book/_vendor/.

The pages load MathJax and mermaid from their own site, never from a CDN. Both come from npm,
pinned in package.json and package-lock.json; run ``npm ci`` first. This script copies only what
the pages load at run time:

    book/_vendor/mathjax/   MathJax 3 es5/ build (tex-chtml.js, its fonts and lazily loaded parts)
    book/_vendor/mermaid/   mermaid.esm.min.mjs and the chunks it imports

book/_vendor/ is listed in html_static_path (_config.yml), so Sphinx copies it to _build/html/_static/.
It is generated: never commit it. Source maps are left out (only developer tools read them).

Usage: python3 scripts/vendor_assets.py
"""

import json
import shutil
import sys
from course_tools.paths import REPO

NODE_MODULES = REPO / "node_modules"
VENDOR = REPO / "book" / "_vendor"

# (package, folder inside the package, destination under book/_vendor, files to copy)
ASSETS = [
    ("mathjax", "es5", "mathjax", ["**/*"]),
    ("mermaid", "dist", "mermaid", ["mermaid.esm.min.mjs", "chunks/mermaid.esm.min/*.mjs"]),
]

# latest.js fetches "the latest MathJax" from a CDN and node-main.js is for Node: pages use neither.
SKIP = {"latest.js", "node-main.js"}


def pinned_versions():
    with open(REPO / "package.json", encoding="utf-8") as f:
        return json.load(f)["dependencies"]


def installed_version(package):
    manifest = NODE_MODULES / package / "package.json"
    if not manifest.is_file():
        sys.exit(f"vendor_assets: {manifest} not found; run `npm ci` in {REPO} first")
    with open(manifest, encoding="utf-8") as f:
        return json.load(f)["version"]


def main():
    pins = pinned_versions()
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    for package, source, dest, patterns in ASSETS:
        version = installed_version(package)
        if version != pins[package]:
            sys.exit(f"vendor_assets: node_modules has {package} {version}, package.json pins "
                     f"{pins[package]}; run `npm ci`")
        root = NODE_MODULES / package / source
        count = 0
        for pattern in patterns:
            for path in sorted(root.glob(pattern)):
                if path.is_dir() or path.suffix == ".map" or path.name in SKIP:
                    continue
                target = VENDOR / dest / path.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                count += 1
        if count == 0:
            sys.exit(f"vendor_assets: nothing matched {patterns} in {root}")
        print(f"vendor_assets: {package} {version}: {count} files -> {(VENDOR / dest).relative_to(REPO)}")


if __name__ == "__main__":
    main()
