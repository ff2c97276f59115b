// Run a Python script inside the self-hosted Pyodide, in Node.js, with the repository mounted.
//
//   node scripts/run_in_pyodide.mjs [--pyodide DIR] [--packages a,b,c] SCRIPT [ARGS...]
//
// Pyodide comes from DIR (default .cache/pyodide/verified, the verified download) and loads --packages from its lock before
// the script runs. The repository is mounted at /repo (read and write): paths given in ARGS that
// lie inside the repository are passed as /repo/... paths. SCRIPT itself may lie anywhere. The
// network is off. The exit code is the script's; 2 if Pyodide or a package cannot be loaded.

import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";

import { command, defaultPyodideDir, loadLocalPyodide, repo, runScript } from "./local_pyodide.mjs";

const { fail, finish } = command("run_in_pyodide.mjs");
const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pyodide: { type: "string", default: defaultPyodideDir },
    packages: { type: "string", default: "" },
  },
});
const [script, ...args] = positionals;
if (!script) fail("usage: node scripts/run_in_pyodide.mjs [--packages a,b] SCRIPT [ARGS...]");
if (!existsSync(script)) fail(`no script ${script}`);

// A host path inside the repository becomes its /repo path; anything else is left as it is.
function inPyodide(arg) {
  const path = resolve(arg);
  const inside = relative(repo, path);
  return existsSync(path) && !inside.startsWith("..") ? `/repo/${inside}` : arg;
}

async function main() {
  const pyodide = await loadLocalPyodide(options.pyodide, fail);
  const packages = options.packages.split(",").filter(Boolean);
  if (packages.length) {
    await pyodide.loadPackage(packages, { messageCallback: () => {}, errorCallback: fail });
  }
  pyodide.FS.mkdirTree("/repo");
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: repo }, "/repo");
  return await runScript(pyodide, script, args.map(inPyodide));
}

await finish(main);
