// Run bench/bench_mlp.py inside Pyodide, in Node.js, with the self-hosted Pyodide.
//
//   node bench/bench_pyodide.mjs dist/bench-pyodide/tinytorch-0.1.0-py3-none-any.whl [-- ARGS...]
//
// ARGS go to bench_mlp.py (e.g. --repeats 3). Options: --pyodide DIR (default
// lite/static/pyodide, from scripts/fetch_pyodide.py).
//
// The learners' browsers run tinytorch in this Pyodide (WebAssembly numpy, no BLAS), so the
// ratio measured here is the one they see. numpy comes from the self-hosted folder and tinytorch
// from the wheel given; the network is switched off before Pyodide starts, so nothing is fetched.
// PyTorch does not exist in Pyodide: bench_mlp.py skips its part. The exit code is bench_mlp's
// (1 when a goal is missed).

import { existsSync, readFileSync, writeSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const repo = resolve(fileURLToPath(import.meta.url), "../..");
const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { pyodide: { type: "string", default: join(repo, "lite/static/pyodide") } },
});
const [tinytorchWheel, ...benchArgs] = positionals;

function fail(message) {
  console.error(`bench_pyodide.mjs: ${message}`);
  process.exit(2);
}

if (!tinytorchWheel) {
  fail("usage: node bench/bench_pyodide.mjs TINYTORCH_WHEEL [-- BENCH_MLP_ARGS...]\n" +
       "(build the wheel with: python -m pip wheel --no-deps ./tinytorch_wheel -w dist/)");
}
if (!existsSync(tinytorchWheel)) fail(`no tinytorch wheel at ${tinytorchWheel}`);
const pyodideDir = resolve(options.pyodide);
if (!existsSync(join(pyodideDir, "pyodide-lock.json"))) {
  fail(`no Pyodide in ${pyodideDir}; run: python3 scripts/fetch_pyodide.py`);
}

globalThis.fetch = async (url) => {
  throw new Error(`the network is off in this benchmark; refused to fetch ${url}`);
};

async function main() {
  const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({ indexURL: `${pyodideDir}/` });
  pyodide.setStdout({ write: (buffer) => writeSync(1, buffer) });
  pyodide.setStderr({ write: (buffer) => writeSync(2, buffer) });
  await pyodide.loadPackage("micropip");
  const wheel = `/tmp/${basename(tinytorchWheel)}`;
  pyodide.FS.writeFile(wheel, readFileSync(tinytorchWheel));
  // deps=True: numpy, tinytorch's one requirement, comes from the self-hosted Pyodide lock.
  await pyodide.runPythonAsync(`import micropip\nawait micropip.install("emfs:${wheel}", deps=True)`);
  console.log(`Pyodide ${pyodide.version} in Node.js ${process.version}; ${basename(tinytorchWheel)}`);

  const script = "/home/pyodide/bench_mlp.py";
  pyodide.FS.writeFile(script, readFileSync(join(repo, "bench/bench_mlp.py")));
  pyodide.globals.set("bench_argv", pyodide.toPy([script, ...benchArgs]));
  return await pyodide.runPythonAsync(`
import runpy
import sys

sys.argv = list(bench_argv)
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
    exit_code = 0
except SystemExit as stop:  # bench_mlp ends with sys.exit(main())
    exit_code = stop.code or 0
exit_code
`);
}

process.exit(await main().catch((error) => {
  console.error(`bench_pyodide.mjs: ${error.message}`);
  return 2;
}));
