// Inlined in the head of each module page, before any other script, by tinytorch_live.py, which
// puts `ttLive = {config: {...}}` in front of it (URLs relative to the page). A returning learner,
// one who has run an example on this site before, gets Python started here, as the page starts
// loading, rather than after the page's other scripts; tinytorch_live.js adopts this worker, and
// what it says before then is kept for it.
ttLive.worker = null;
ttLive.early = [];
// Without cross-origin isolation there is no SharedArrayBuffer: Stop terminates the worker.
ttLive.interrupt = self.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : null;
ttLive.boot = () => {
  // Absolute: the worker resolves relative URLs against its own script, not the page.
  const url = (path) => new URL(path, document.baseURI).href;
  const {worker, runner, pyodide, packages, files} = ttLive.config;
  ttLive.worker = new Worker(url(worker));
  ttLive.worker.onmessage = ({data}) => ttLive.early.push(data);
  ttLive.worker.onerror = (event) => ttLive.early.push({type: "failed", error: event.message});
  ttLive.worker.postMessage({type: "boot", pyodide: url(pyodide), runner: url(runner), packages,
                             files, interrupt: ttLive.interrupt});
  document.documentElement.dataset.ttLive = "starting";
};
// Set to "1" by tinytorch_live.js once this browser has run an example on the site.
ttLive.returning = "tinytorch-live:returning";
if (localStorage.getItem(ttLive.returning) === "1") ttLive.boot();
