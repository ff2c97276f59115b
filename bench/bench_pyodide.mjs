// Run bench/bench_mlp.py inside Pyodide, in Node.js, with the self-hosted Pyodide.
//
//   node bench/bench_pyodide.mjs dist/bench-pyodide/tinytorch-0.1.0-py3-none-any.whl [-- ARGS...]
//
// ARGS go to bench_mlp.py (e.g. --repeats 3). Options: --pyodide DIR (default
// .cache/pyodide/verified, from make pyodide).
//
// The learners' browsers run tinytorch in this Pyodide (WebAssembly numpy, no BLAS), so the
// ratio measured here is the one they see. numpy comes from the self-hosted folder and tinytorch
// from the wheel given; the network is switched off before Pyodide starts, so nothing is fetched.
// PyTorch does not exist in Pyodide: bench_mlp.py skips its part. The exit code is bench_mlp's
// (1 when a goal is missed).

import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { command, defaultPyodideDir, installWheel, loadLocalPyodide, repo, runScript } from
  "../scripts/local_pyodide.mjs";

const { fail, finish } = command("bench_pyodide.mjs");
const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { pyodide: { type: "string", default: defaultPyodideDir } },
});
const [tinytorchWheel, ...benchArgs] = positionals;

if (!tinytorchWheel) {
  fail("usage: node bench/bench_pyodide.mjs TINYTORCH_WHEEL [-- BENCH_MLP_ARGS...]\n" +
       "(build the wheel with: python -m pip wheel --no-deps ./tinytorch_wheel -w dist/)");
}
if (!existsSync(tinytorchWheel)) fail(`no tinytorch wheel at ${tinytorchWheel}`);

async function main() {
  const pyodide = await loadLocalPyodide(options.pyodide, fail);
  await installWheel(pyodide, resolve(tinytorchWheel));
  console.log(`Pyodide ${pyodide.version} in Node.js ${process.version}; ` +
              basename(tinytorchWheel));
  // bench_mlp ends with sys.exit(main()): 1 when a goal is missed.
  return await runScript(pyodide, join(repo, "bench/bench_mlp.py"), benchArgs);
}

await finish(main);
