// Formulas and diagrams are drawn when they come near the screen, not at page load.
//
// MathJax (1.2 MB of JavaScript) and mermaid (2.8 MB in 60 files) used to load with every page
// and run while it loaded, keeping the main thread busy when a reader first clicked Run on an
// example (tinytorch_live) and taking bandwidth from Python's download. Most readers meet the
// first formula or diagram a screen or more below the top, so each library is now loaded when
// its first element comes within half a screen of view. MathJax then typesets each formula as it
// scrolls into view (its own ui/lazy component, set in _config.yml); mermaid draws each diagram
// the same way, here. tinytorch_site.py puts this script on the page in place of the two
// libraries' own script tags and passes their URLs: data-mathjax, data-mermaid.
(() => {
  "use strict";

  const {mathjax, mermaid: mermaidURL} = document.currentScript.dataset;
  const NEAR = {rootMargin: "50% 0px"};  // within half a screen above or below the view

  // Calls back with the elements that came near the screen, each element once.
  function whenNear(elements, callback) {
    const observer = new IntersectionObserver((entries) => {
      const near = entries.filter((entry) => entry.isIntersecting).map((entry) => entry.target);
      near.forEach((element) => observer.unobserve(element));
      if (near.length > 0) callback(near);
    }, NEAR);
    elements.forEach((element) => observer.observe(element));
  }

  // --- MathJax: loaded once, when the first formula comes near -------------------------------------

  const formulas = [...document.querySelectorAll(".math")];
  if (mathjax && formulas.length > 0) {
    let loaded = false;
    whenNear(formulas, () => {
      if (loaded) return;
      loaded = true;
      const script = document.createElement("script");
      script.src = mathjax;
      document.head.append(script);  // reads the window.MathJax configuration set in the head
    });
  }

  // --- mermaid: each diagram drawn when it comes near ----------------------------------------------

  const diagrams = [...document.querySelectorAll("pre.mermaid, div.mermaid")];
  if (!mermaidURL || diagrams.length === 0) return;
  diagrams.forEach((diagram) => { diagram.dataset.source = diagram.textContent; });

  // The theme's colour mode: pydata-sphinx-theme sets data-theme on <html> (light or dark).
  const dark = () => document.documentElement.dataset.theme === "dark";
  const settings = () => ({startOnLoad: false, darkMode: dark(), theme: dark() ? "dark" : "default"});
  let library = null;  // a promise of mermaid, initialised
  let drawnDark = dark();
  let queue = Promise.resolve();  // mermaid.run must not run twice at once

  function draw(nodes) {
    queue = queue.then(async () => {
      library ??= import(mermaidURL).then(({default: mermaid}) => {
        mermaid.initialize(settings());
        return mermaid;
      });
      await (await library).run({nodes});
    }).catch((error) => console.error("mermaid could not draw a diagram:", error));
  }

  whenNear(diagrams, draw);

  // A change of colour mode redraws the diagrams drawn so far, from their source.
  new MutationObserver(() => {
    if (dark() === drawnDark) return;
    drawnDark = dark();
    const drawn = diagrams.filter((diagram) => diagram.dataset.processed === "true");
    if (library === null || drawn.length === 0) return;
    queue = queue.then(async () => (await library).initialize(settings()));
    drawn.forEach((diagram) => {
      diagram.removeAttribute("data-processed");
      diagram.textContent = diagram.dataset.source;
    });
    draw(drawn);
  }).observe(document.documentElement, {attributes: true, attributeFilter: ["data-theme"]});
})();
