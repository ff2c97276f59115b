// The Web Worker of the live examples (tinytorch_live.js starts it): Python runs here, so a long
// example never freezes the page, and Stop can end it by terminating the worker.
//
// Messages from the page:
//   {type: "boot", pyodide, runner, packages, files, interrupt}  load Pyodide and the packages
//       (fetching their files at once), then the Python runner (live_runner.py); answers
//       {type: "ready"} or {type: "failed", error}
//   {type: "run", id, number, source}  run one example; answers {type: "stream", id, name, text}
//       while it writes, then {type: "done", id, result, error, figures}

let pyodide = null;
let runner = null;

// A file's contents, or an error naming it.
async function download(url, read) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return read(response);
}

async function boot({pyodide: indexURL, runner: runnerURL, packages, files, interrupt}) {
  // Everything on the way to the first output is fetched at once: the runner's source, and the
  // packages' files (numpy, tinytorch) alongside Pyodide's runtime rather than after Pyodide has
  // started; loadPackage then finds them in the browser's cache.
  const source = download(runnerURL, (response) => response.text());
  const prefetched = files.map((file) => download(`${indexURL}${file}`,
                                                  (response) => response.arrayBuffer()));
  importScripts(`${indexURL}pyodide.js`);
  pyodide = await loadPyodide({indexURL});
  await pyodide.loadPackage(packages);
  await Promise.all(prefetched);  // already settled: a failed download is reported, not ignored
  if (interrupt) pyodide.setInterruptBuffer(interrupt);
  pyodide.FS.writeFile("/home/pyodide/live_runner.py", await source);
  runner = pyodide.pyimport("live_runner");
  runner.start();
}

async function run({id, number, source}) {
  // Packages an example imports that are not loaded yet (matplotlib) come from the site's lock.
  await pyodide.loadPackagesFromImports(source);
  const emit = (name, text) => postMessage({type: "stream", id, name, text});
  const outcome = runner.run_example(source, number, emit);
  const {result, error, figures} = outcome.toJs({dict_converter: Object.fromEntries});
  outcome.destroy();
  // Python's None arrives as undefined; the page tests for null.
  postMessage({type: "done", id, result: result ?? null, error: error ?? null, figures});
}

self.onmessage = ({data}) => {
  if (data.type === "boot") {
    boot(data).then(() => postMessage({type: "ready"}),
                    (error) => postMessage({type: "failed", error: String(error.stack || error)}));
  } else if (data.type === "run") {
    // An error of the runner itself (not of the example, which live_runner reports) is shown to
    // the reader in the example's output.
    run(data).catch((error) => postMessage({
      type: "done", id: data.id, result: null, figures: [],
      error: `The runner failed: ${error.stack || error}`,
    }));
  }
};
