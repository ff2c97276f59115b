// Run tinytorch's test suite inside Pyodide, in Node.js, with the self-hosted Pyodide.
//
//   node tests/pyodide/run_tests.mjs dist/tinytorch-0.1.0-py3-none-any.whl [-- PYTEST_ARGS...]
//
// Options: --pyodide DIR (default .cache/pyodide/verified, from make pyodide),
//          --wheels DIR  (default .cache/pyodide-test-wheels, from scripts/download_test_wheels.sh),
//          --package DIR (default tinytorch_wheel: its tests/ and pyproject.toml are run).
//
// Everything comes from local files: Pyodide and numpy from the self-hosted folder, pytest and
// hypothesis from the wheels pinned in tests/pyodide/requirements.txt, tinytorch from the wheel
// given. The network is switched off before Pyodide starts, so anything missing fails the run
// instead of being fetched. The PyTorch differential tests (files *_torch.py, marker "torch")
// are left out: Pyodide has no torch. The exit code is pytest's.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { command, defaultPyodideDir, installWheel, loadLocalPyodide, repo } from
  "../../scripts/local_pyodide.mjs";

const { fail, finish } = command("run_tests.mjs");
const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pyodide: { type: "string", default: defaultPyodideDir },
    wheels: { type: "string", default: join(repo, ".cache/pyodide-test-wheels") },
    package: { type: "string", default: join(repo, "tinytorch_wheel") },
  },
});
const [tinytorchWheel, ...extraPytestArgs] = positionals;

if (!tinytorchWheel) {
  fail("usage: node tests/pyodide/run_tests.mjs TINYTORCH_WHEEL [-- PYTEST_ARGS...]\n" +
       "(build the wheel with: python -m pip wheel --no-deps ./tinytorch_wheel -w dist/)");
}
if (!existsSync(tinytorchWheel)) fail(`no tinytorch wheel at ${tinytorchWheel}`);

// The wheels of requirements.txt, in its order, each found in the wheels folder by its hash,
// so that a stale or foreign wheel lying there is never installed.
function testWheels() {
  const wheelsDir = resolve(options.wheels);
  const byHash = new Map();
  for (const name of existsSync(wheelsDir) ? readdirSync(wheelsDir) : []) {
    if (name.endsWith(".whl")) {
      const path = join(wheelsDir, name);
      byHash.set(createHash("sha256").update(readFileSync(path)).digest("hex"), path);
    }
  }
  const requirements = readFileSync(join(repo, "tests/pyodide/requirements.txt"), "utf8");
  return requirements.split("\n").filter((line) => line.trim() && !line.startsWith("#")).map((line) => {
    const match = line.match(/^(\S+)\s+--hash=sha256:([0-9a-f]{64})\s*$/);
    if (!match) fail(`cannot read this line of tests/pyodide/requirements.txt: ${line}`);
    const [, requirement, hash] = match;
    if (!byHash.has(hash)) {
      fail(`no wheel of ${requirement} with the pinned hash in ${wheelsDir}; ` +
           "run: bash scripts/download_test_wheels.sh");
    }
    return byHash.get(hash);
  });
}

// Copy a host folder into Pyodide's in-memory file system, leaving out caches.
function copyTree(pyodide, from, to) {
  pyodide.FS.mkdirTree(to);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (["__pycache__", ".pytest_cache", ".hypothesis"].includes(entry.name)) continue;
    const source = join(from, entry.name);
    const target = `${to}/${entry.name}`;
    if (entry.isDirectory()) copyTree(pyodide, source, target);
    else pyodide.FS.writeFile(target, readFileSync(source));
  }
}

const wheels = [...testWheels(), resolve(tinytorchWheel)];

async function main() {
  const started = performance.now();
  const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const pyodide = await loadLocalPyodide(options.pyodide, fail);
  console.log(`Pyodide ${pyodide.version} started in ${seconds()}`);
  for (const wheel of wheels) await installWheel(pyodide, wheel);
  console.log(`installed ${wheels.map((wheel) => basename(wheel)).join(", ")} in ${seconds()}`);

  // pytest reads its settings (markers, ...) from the package's pyproject.toml, so copy it along.
  const packageDir = resolve(options.package);
  const workDir = "/home/pyodide/tinytorch_wheel";
  copyTree(pyodide, join(packageDir, "tests"), `${workDir}/tests`);
  if (existsSync(join(packageDir, "pyproject.toml"))) {
    pyodide.FS.writeFile(`${workDir}/pyproject.toml`, readFileSync(join(packageDir, "pyproject.toml")));
  }
  pyodide.FS.chdir(workDir);

  // --capture=sys: pytest's default capture works on file descriptors, which Pyodide's in-memory
  // file system cannot duplicate and restore. No cache provider: its writes fail there, and the
  // file system is thrown away after the run anyway.
  const pytestArgs = ["tests", "-m", "not torch", "--ignore-glob=*_torch.py", "--capture=sys",
                      "-p", "no:cacheprovider", ...extraPytestArgs];
  console.log(`pytest ${pytestArgs.map((arg) => (/\s/.test(arg) ? `"${arg}"` : arg)).join(" ")}`);
  pyodide.globals.set("pytest_args", pyodide.toPy(pytestArgs));
  const exitCode = await pyodide.runPythonAsync("import pytest\nint(pytest.main(list(pytest_args)))");
  console.log(`pytest exited with ${exitCode} after ${seconds()}`);
  return exitCode;
}

// An error outside pytest ends the run with its message (see command() in local_pyodide.mjs).
await finish(main);
