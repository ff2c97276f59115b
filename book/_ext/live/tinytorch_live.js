// Live examples on a module page: each executed example becomes an editor with Run, Stop and
// Reset, and runs in place in the site's own Pyodide (book/_ext/tinytorch_live.py says what the
// build adds to the page; tinytorch_live_worker.js and live_runner.py run the code).
//
// - The page's examples share one namespace, in page order. Running an example whose earlier
//   examples have not run yet runs those first, and says so.
// - Python starts on the first sign of intent (the pointer moves over an example, focus moves
//   into one, a touch or click), or at once for a returning learner: a reader who only reads
//   downloads nothing.
// - Edits are kept per page in localStorage, with the original they were made from, so that an
//   edit follows its example when examples are added above it, and an edit of an example that
//   has since changed is kept and the new version offered.
// - DOM contract (bench/ and tests/ rely on it): <html data-tt-live> is idle | starting | ready |
//   failed; each example's div.cell gets class tt-live and holds textarea.tt-live-editor,
//   button.tt-live-run / .tt-live-stop / .tt-live-reset and div.tt-live-output[data-state].
(() => {
  "use strict";

  const EDIT = "tinytorch-live:edit:";
  const root = document.documentElement;
  const {ttLive} = window;  // set up in the page's head: tinytorch_live_early.js
  const {page, examples} = JSON.parse(document.getElementById("tt-live-examples").textContent);

  // --- Python in a worker ------------------------------------------------------------------------

  let worker = null;
  let ready = null;  // a promise: resolves when the worker has imported numpy and tinytorch
  let ran = new Set();  // numbers of the examples that ran in this worker's namespace
  let running = null;  // {id, example, resolve} of the run in flight
  let nextId = 1;
  const {interrupt} = ttLive;

  function startPython() {
    if (worker !== null) return ready;
    if (ttLive.worker === null) ttLive.boot();  // not started in the head (a first visit): now
    worker = ttLive.worker;
    ttLive.worker = null;  // adopted; after Stop, boot() makes a new one
    ready = new Promise((resolve, reject) => {
      const receive = (data) => {
        if (data.type === "ready") {
          root.dataset.ttLive = "ready";
          resolve();
        } else if (data.type === "failed") {
          root.dataset.ttLive = "failed";
          reject(new Error(`Python could not start: ${data.error}`));
        } else if (running !== null && data.id === running.id) {
          if (data.type === "stream") running.example.stream(data.name, data.text);
          else if (data.type === "done") running.resolve(data);
        }
      };
      worker.onmessage = ({data}) => receive(data);
      ttLive.early.splice(0).forEach(receive);  // what the worker said before it was adopted
      worker.onerror = (event) => {
        const message = `The Python worker failed: ${event.message}`;
        root.dataset.ttLive = "failed";
        reject(new Error(message));
        if (running !== null) running.resolve({result: null, error: message, figures: []});
      };
    });
    return ready;
  }

  function stopPython() {
    if (interrupt !== null && running !== null) {
      interrupt[0] = 2;  // SIGINT: the example gets KeyboardInterrupt, the namespace stays
      return false;
    }
    worker.terminate();
    worker = null;
    ran = new Set();
    if (running !== null) running.resolve({stopped: true});
    startPython();  // the reader is here to run code: have a fresh Python ready
    return true;
  }

  async function execute(example) {
    await startPython();
    if (interrupt !== null) interrupt[0] = 0;
    const id = nextId++;
    example.setState("running");
    const outcome = await new Promise((resolve) => {
      running = {id, example, resolve};
      worker.postMessage({type: "run", id, number: example.number, source: example.code()});
    });
    running = null;
    localStorage.setItem(ttLive.returning, "1");
    if (outcome.stopped) {
      example.note("Stopped. Python was restarted, so the examples' variables are gone; earlier " +
                   "examples will run again when needed.");
      example.setState("error");
    } else {
      ran.add(example.number);
      example.show(outcome);
    }
    return outcome;
  }

  // --- runs, one at a time, in page order ----------------------------------------------------------

  const queue = [];
  let busy = false;

  function request(target) {
    if (queue.includes(target) || (running !== null && running.example === target)) return;
    target.clear();
    target.setState("queued");
    queue.push(target);
    if (!busy) pump();
  }

  async function pump() {
    busy = true;
    while (queue.length > 0) {
      const target = queue.shift();
      try {
        await runWithEarlier(target);
      } catch (error) {
        target.fail(error.message);
      }
    }
    busy = false;
  }

  async function runWithEarlier(target) {
    if (root.dataset.ttLive !== "ready") target.note("Starting Python…");
    await startPython();
    target.clear();
    const earlier = live.filter((e) => e.number < target.number && !ran.has(e.number));
    const done = [];
    for (const example of earlier) {
      example.clear();
      const outcome = await execute(example);
      if (outcome.stopped) {
        target.note("Stopped before it ran.");
        target.setState("error");
        return;
      }
      done.push(example.number);
      if (outcome.error !== null && !example.raises) {
        target.note(`${ranFirst(done)} Example ${example.number} raised an error, so this one ` +
                    "did not run: fix or reset it, then run again.");
        target.setState("error");
        return;
      }
    }
    if (done.length > 0) target.note(ranFirst(done));
    await execute(target);
  }

  function ranFirst(numbers) {
    if (numbers.length === 0) return "";
    const contiguous = numbers.every((n, i) => i === 0 || n === numbers[i - 1] + 1);
    if (numbers.length === 1) return `Ran example ${numbers[0]} first.`;
    if (contiguous) return `Ran examples ${numbers[0]}-${numbers.at(-1)} first.`;
    return `Ran examples ${numbers.slice(0, -1).join(", ")} and ${numbers.at(-1)} first.`;
  }

  function stop() {
    for (const example of queue.splice(0)) {
      example.clear();
      example.note("Stopped before it ran.");
      example.setState("error");
    }
    stopPython();
  }

  // --- one example ---------------------------------------------------------------------------------

  function element(tag, className, properties = {}) {
    const node = document.createElement(tag);
    node.className = className;
    Object.assign(node, properties);
    return node;
  }

  class Example {
    constructor(cell, number, original, tags) {
      this.cell = cell;
      this.number = number;
      this.original = original;
      this.raises = tags.includes("raises-exception");
      this.key = `${EDIT}${page}#${number}`;
      this.input = cell.querySelector(":scope > .cell_input");
      // The build's copy of the code, coloured by Pygments, and the code it shows.
      this.highlighted = this.input.querySelector("pre");
      this.highlightedCode = this.highlighted.textContent.replace(/\n$/, "");
      this.builtOutput = cell.querySelector(":scope > .cell_output");

      this.editor = element("textarea", "tt-live-editor", {
        value: original, spellcheck: false, wrap: "off",
      });
      this.editor.setAttribute("aria-label", `Code of example ${number}`);
      this.editor.setAttribute("aria-keyshortcuts", "Shift+Enter");
      this.editor.setAttribute("autocapitalize", "off");
      this.editor.setAttribute("autocomplete", "off");
      this.runButton = this.button("tt-live-run", "Run", `Run example ${number}`);
      this.stopButton = this.button("tt-live-stop", "Stop", `Stop example ${number}`);
      this.resetButton = this.button("tt-live-reset", "Reset", `Reset example ${number}`);
      this.stopButton.disabled = true;
      const toolbar = element("div", "tt-live-toolbar");
      toolbar.append(this.runButton, this.stopButton, this.resetButton,
                     element("span", "tt-live-hint", {textContent: "Shift+Enter runs"}));
      this.notice = element("div", "tt-live-notice", {hidden: true});
      this.notice.setAttribute("role", "status");
      this.output = element("div", "tt-live-output");
      this.output.setAttribute("aria-live", "polite");
      this.output.setAttribute("aria-label", `Output of example ${number}`);
      this.output.setAttribute("role", "region");
      this.setState("idle");

      // The editor lies over the highlighted copy, the same size, letter for letter, with
      // transparent text (tinytorch_live.css): the reader sees Pygments' colours and edits in place.
      // Screen readers read the editor alone.
      this.highlighted.after(this.editor);
      this.highlighted.setAttribute("aria-hidden", "true");
      this.input.before(this.notice);
      this.input.after(toolbar);
      (this.builtOutput || toolbar).after(this.output);
      cell.classList.add("tt-live");

      this.editor.addEventListener("input", () => { this.fit(); this.save(); this.colour(); });
      this.editor.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && event.shiftKey) {
          event.preventDefault();
          request(this);
        }
      });
      this.runButton.addEventListener("click", () => request(this));
      this.stopButton.addEventListener("click", stop);
      this.resetButton.addEventListener("click", () => this.reset());
      this.fit();
      this.colour();
    }

    button(className, text, label) {
      const node = element("button", `tt-live-button ${className}`, {type: "button", textContent: text});
      node.setAttribute("aria-label", label);
      return node;
    }

    code() {
      return this.editor.value;
    }

    fit() {
      this.editor.rows = Math.max(1, this.editor.value.split("\n").length);
    }

    colour() {
      // Once the code differs from the highlighted copy (an edit, or a rebuilt example), the copy
      // would show the wrong code: it hides, and the editor's own (plain) text shows.
      this.highlighted.hidden = this.editor.value !== this.highlightedCode;
    }

    setState(state) {
      this.output.dataset.state = state;
      this.stopButton.disabled = !(state === "queued" || state === "running");
    }

    // Output: the build-time output is shown until the example runs, and again after Reset.

    clear() {
      this.output.replaceChildren();
      if (this.builtOutput) this.builtOutput.hidden = true;
    }

    note(text) {
      this.output.append(element("p", "tt-live-note", {textContent: text}));
    }

    stream(name, text) {
      let pre = this.output.querySelector(":scope > pre.tt-live-stream");
      if (pre === null) pre = this.output.appendChild(element("pre", "tt-live-stream"));
      const last = pre.lastElementChild;
      if (last !== null && last.dataset.name === name) last.textContent += text;
      else pre.append(element("span", `tt-live-${name}`, {textContent: text}));
      pre.lastElementChild.dataset.name = name;
    }

    show({result, error, figures}) {
      if (result !== null) this.output.append(element("pre", "tt-live-result", {textContent: result}));
      figures.forEach((png, i) => this.output.append(element("img", "tt-live-figure", {
        src: `data:image/png;base64,${png}`,
        alt: `Figure ${i + 1} drawn by example ${this.number}`,
      })));
      if (error !== null) this.output.append(element("pre", "tt-live-error", {textContent: error}));
      this.setState(error === null ? "done" : "error");
    }

    fail(message) {
      this.output.append(element("pre", "tt-live-error", {textContent: message}));
      this.setState("error");
    }

    reset() {
      this.editor.value = this.original;
      this.fit();
      this.colour();
      localStorage.removeItem(this.key);
      this.notice.hidden = true;
      this.output.replaceChildren();
      if (this.builtOutput) this.builtOutput.hidden = false;
      this.setState("idle");
    }

    // Edits: {original, code} under tinytorch-live:edit:<page>#<number>.

    save() {
      if (this.editor.value === this.original) localStorage.removeItem(this.key);
      else localStorage.setItem(this.key, JSON.stringify({original: this.original, code: this.code()}));
    }

    restore(edit) {
      this.editor.value = edit.code;
      this.fit();
      this.colour();
      if (edit.original !== this.original) this.offerNewVersion(edit);
    }

    offerNewVersion(edit) {
      // The site was rebuilt with a different example: the reader's edit stays until they choose.
      const text = element("p", "", {textContent: "This example changed since you edited it."});
      const useNew = element("button", "tt-live-button tt-live-use-new", {
        type: "button", textContent: "Use the new version"});
      const keep = element("button", "tt-live-button tt-live-keep", {
        type: "button", textContent: "Keep my edit"});
      useNew.addEventListener("click", () => this.reset());
      keep.addEventListener("click", () => {
        this.notice.hidden = true;
        localStorage.setItem(this.key, JSON.stringify({original: this.original, code: edit.code}));
      });
      this.notice.replaceChildren(text, useNew, keep);
      this.notice.hidden = false;
    }
  }

  // --- the page ------------------------------------------------------------------------------------

  // The HTML's code cells and the build's sources are the same list, in the same order.
  const cells = [...document.querySelectorAll("div.cell")];
  if (cells.length !== examples.length) {
    throw new Error(`tinytorch_live: ${cells.length} code cells on the page, but the build ` +
                    `listed ${examples.length} examples`);
  }
  const live = examples.map((e, i) => new Example(cells[i], i + 1, e.source, e.tags));

  // The reader's edits, each found by the code it was made from, wherever that example is now:
  // the author may have added or removed an example above it since. An edit whose example has
  // changed stays with the example of its number, which offers the new version.
  function restoreEdits() {
    const prefix = `${EDIT}${page}#`;
    const stored = Object.keys(localStorage).filter((key) => key.startsWith(prefix))
      .map((key) => ({key, ...JSON.parse(localStorage.getItem(key))}));
    const claimed = new Map();  // example -> its edit
    const unclaimed = (edit) => ![...claimed.values()].includes(edit);
    for (const example of live) {
      const same = stored.filter((edit) => edit.original === example.original && unclaimed(edit));
      const edit = same.find((e) => e.key === example.key) ?? same[0];
      if (edit !== undefined) claimed.set(example, edit);
    }
    for (const example of live) {
      const edit = stored.find((e) => e.key === example.key);
      if (!claimed.has(example) && edit !== undefined && unclaimed(edit)) claimed.set(example, edit);
    }
    // Each edit kept under its example's number from now on.
    claimed.forEach((edit) => localStorage.removeItem(edit.key));
    claimed.forEach((edit, example) => {
      localStorage.setItem(example.key, JSON.stringify({original: edit.original, code: edit.code}));
      example.restore(edit);
    });
  }
  restoreEdits();

  // Signs of intent. The pointer moving over an example, not merely entering it: a page scrolled
  // under a resting mouse sends pointerenter (and pointerover) to every example that passes under
  // it, but no pointermove, and a reader who only reads must not download Python.
  const intent = () => startPython();
  for (const example of live) {
    for (const type of ["pointermove", "focusin", "pointerdown"]) {
      example.cell.addEventListener(type, intent, {once: true, passive: true});
    }
  }
  if (ttLive.worker !== null) startPython();  // a returning learner's, started in the head
  else root.dataset.ttLive = "idle";
})();
