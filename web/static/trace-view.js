// Trace view: selecting a span in the tree shows it in the side panel without a page change.
// Without JavaScript each span link loads the page with ?span=ID, which renders the same panel.
"use strict";

(() => {
  const tree = document.getElementById("trace-tree");
  const panel = document.getElementById("span-panel");
  if (!tree || !panel) return;

  async function show(link) {
    const response = await fetch(link.dataset.panelUrl, { credentials: "same-origin" });
    if (!response.ok) {
      window.location.href = link.href; // let the server page say what went wrong
      return;
    }
    panel.innerHTML = await response.text(); // server-rendered, escaped HTML of this origin
    tree.querySelectorAll(".node.selected").forEach((row) => row.classList.remove("selected"));
    link.closest(".node")?.classList.add("selected");
    window.history.replaceState(null, "", link.href);
  }

  tree.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-panel-url]");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    show(link).catch(() => {
      window.location.href = link.href;
    });
  });
})();
