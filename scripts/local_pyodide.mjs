// The self-hosted Pyodide in Node.js, with the network off: what scripts/run_in_pyodide.mjs,
// tests/pyodide/run_tests.mjs and bench/bench_pyodide.mjs share.
//
// Pyodide and its packages come from a local folder: by default the verified download,
// .cache/pyodide/verified (scripts/fetch_pyodide.py; no build step edits it), so these runs never
// depend on what the last site build left. fetch is replaced by a function that throws, so
// anything missing fails instead of being downloaded.

import { existsSync, readFileSync, writeSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const repo = resolve(fileURLToPath(import.meta.url), "../..");
export const defaultPyodideDir = join(repo, ".cache/pyodide/verified");

// What each of those command-line scripts needs, its messages starting with "<program>: ".
// fail(message) ends it with status 2 (a usage or set-up error); finish(main) ends it with the
// status main returns, or with 2 and the message of an error main throws (a wheel that will not
// install, a refused fetch), without the uncaught-error dump of Pyodide's minified source.
export function command(program) {
  const fail = (message) => {
    console.error(`${program}: ${message}`);
    process.exit(2);
  };
  const finish = async (main) => process.exit(await main().catch((error) => {
    console.error(`${program}: ${error.message}`);
    return 2;
  }));
  return { fail, finish };
}

// Start Pyodide from `dir`. Its stdout and stderr are written raw, as they come, not line by line
// through console.log, so that progress (pytest's dots) shows while it runs.
export async function loadLocalPyodide(dir, fail) {
  const pyodideDir = resolve(dir);
  if (!existsSync(join(pyodideDir, "pyodide-lock.json"))) {
    fail(`no Pyodide in ${pyodideDir}; run: make pyodide`);
  }
  globalThis.fetch = async (url) => {
    throw new Error(`the network is off here; refused to fetch ${url}`);
  };
  const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({ indexURL: `${pyodideDir}/` });
  pyodide.setStdout({ write: (buffer) => writeSync(1, buffer) });
  pyodide.setStderr({ write: (buffer) => writeSync(2, buffer) });
  return pyodide;
}

// Install a wheel from the host with micropip. deps=True: its requirements come from what is
// installed already or from the Pyodide lock (numpy for tinytorch).
export async function installWheel(pyodide, wheel) {
  await pyodide.loadPackage("micropip", { messageCallback: () => {} });
  pyodide.FS.mkdirTree("/tmp/wheels");
  const target = `/tmp/wheels/${basename(wheel)}`;
  pyodide.FS.writeFile(target, readFileSync(wheel));
  await pyodide.runPythonAsync(
    `import micropip\nawait micropip.install("emfs:${target}", deps=True)`);
}

// Run a Python script from the host as __main__ with sys.argv = [script, ...args]; return its exit
// status (0, or the code of the SystemExit it raised). Any other exception is thrown.
export async function runScript(pyodide, script, args = []) {
  const path = `/tmp/scripts/${basename(script)}`;
  pyodide.FS.mkdirTree("/tmp/scripts");
  pyodide.FS.writeFile(path, readFileSync(script));
  pyodide.globals.set("script_argv", pyodide.toPy([path, ...args]));
  return await pyodide.runPythonAsync(`
import runpy
import sys

sys.argv = list(script_argv)
del script_argv
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
    exit_code = 0
except SystemExit as stop:
    if stop.code is None or isinstance(stop.code, int):
        exit_code = stop.code or 0
    else:  # sys.exit("message"): the message goes to stderr, the status is 1
        print(stop.code, file=sys.stderr)
        exit_code = 1
exit_code
`);
}
