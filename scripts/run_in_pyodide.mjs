// Run a Python script inside the self-hosted Pyodide, in Node.js, with the repository mounted.
//
//   node scripts/run_in_pyodide.mjs [--pyodide DIR] [--packages a,b,c] SCRIPT [ARGS...]
//
// Pyodide comes from DIR (default lite/static/pyodide) and loads --packages from its lock before
// the script runs. The repository is mounted at /repo (read and write): paths given in ARGS that
// lie inside the repository are passed as /repo/... paths. SCRIPT itself may lie anywhere. The network is off: Pyodide reads every
// file from DIR, and a fetch fails. The exit code is the script's (SystemExit), 1 on an error.

import { existsSync, readFileSync, writeSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const repo = resolve(fileURLToPath(import.meta.url), "../..");
const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pyodide: { type: "string", default: join(repo, "lite/static/pyodide") },
    packages: { type: "string", default: "" },
  },
});
const [script, ...args] = positionals;

function fail(message) {
  console.error(`run_in_pyodide.mjs: ${message}`);
  process.exit(2);
}

if (!script) fail("usage: node scripts/run_in_pyodide.mjs [--packages a,b] SCRIPT [ARGS...]");
const pyodideDir = resolve(options.pyodide);
if (!existsSync(join(pyodideDir, "pyodide-lock.json"))) {
  fail(`no Pyodide in ${pyodideDir}; run: python3 scripts/fetch_pyodide.py`);
}

globalThis.fetch = async (url) => {
  throw new Error(`the network is off here; refused to fetch ${url}`);
};

// A host path inside the repository becomes its /repo path; anything else is left as it is.
function inPyodide(arg) {
  const path = resolve(arg);
  const inside = relative(repo, path);
  return existsSync(path) && !inside.startsWith("..") ? `/repo/${inside}` : arg;
}

const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: `${pyodideDir}/` });
pyodide.setStdout({ write: (buffer) => writeSync(1, buffer) });
pyodide.setStderr({ write: (buffer) => writeSync(2, buffer) });
const packages = options.packages.split(",").filter(Boolean);
if (packages.length) {
  await pyodide.loadPackage(packages, { messageCallback: () => {}, errorCallback: fail });
}
pyodide.FS.mkdirTree("/repo");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: repo }, "/repo");
// The script is copied in, so that it may lie anywhere on the host.
const scriptPath = `/tmp/${basename(script)}`;
pyodide.FS.writeFile(scriptPath, readFileSync(script));
const argv = [scriptPath, ...args.map(inPyodide)];
pyodide.globals.set("script_argv", pyodide.toPy(argv));
try {
  await pyodide.runPythonAsync(`
import runpy, sys
sys.argv = list(script_argv)
del script_argv
runpy.run_path(sys.argv[0], run_name="__main__")
`);
} catch (error) {
  const exit = /SystemExit: (\d+)\s*$/.exec(String(error.message));
  if (!exit) {
    console.error(error.message);
    process.exit(1);
  }
  process.exit(Number(exit[1]));
}
