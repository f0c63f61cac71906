// Collapsible JSON tree for the macro json_tree (templates/_macros.html): reads the JSON block named by
// data-json-tree and replaces the container's indented-text fallback with nested <details>. Strings that
// hold JSON (e.g. gen_ai.input.messages) are parsed and shown as trees too. Text goes in through
// textContent only, never as HTML.
"use strict";

const jsonTree = (() => {
  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  // A string that holds a JSON object or array, parsed; otherwise undefined.
  function embeddedJson(value) {
    const text = value.trim();
    if (!(text.startsWith("{") || text.startsWith("["))) return undefined;
    try {
      const parsed = JSON.parse(text);
      return parsed !== null && typeof parsed === "object" ? parsed : undefined;
    } catch (error) {
      return undefined;
    }
  }

  function scalar(value) {
    if (typeof value === "string") return element("span", "string", `"${value}"`);
    if (typeof value === "number") return element("span", "number", String(value));
    return element("span", "literal", String(value)); // true, false, null
  }

  function summaryText(value, fromString) {
    const size = Array.isArray(value) ? `[${value.length}]` : `{${Object.keys(value).length}}`;
    return fromString ? `${size} JSON text` : size;
  }

  // One entry: "key: value", or a <details> whose summary is "key {n}" and whose body lists children.
  function entry(key, value, depth, openDepth) {
    const item = element("li");
    const parsed = typeof value === "string" ? embeddedJson(value) : undefined;
    const nested = parsed !== undefined ? parsed : value;
    if (nested === null || typeof nested !== "object") {
      if (key !== null) item.append(element("span", "key", key), ": ");
      item.append(scalar(value));
      return item;
    }
    const details = element("details");
    details.open = depth < openDepth;
    const summary = element("summary");
    if (key !== null) summary.append(element("span", "key", key), " ");
    summary.append(element("span", "count", summaryText(nested, parsed !== undefined)));
    details.append(summary, children(nested, depth + 1, openDepth));
    item.append(details);
    return item;
  }

  function children(value, depth, openDepth) {
    const list = element("ul");
    const pairs = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    if (!pairs.length) list.append(element("li", "note", Array.isArray(value) ? "(empty list)" : "(empty)"));
    pairs.forEach(([key, child]) => list.append(entry(key, child, depth, openDepth)));
    return list;
  }

  function render(container) {
    const source = document.getElementById(container.dataset.jsonTree);
    if (!source) return;
    const value = JSON.parse(source.textContent);
    const openDepth = Number(container.dataset.openDepth || 1);
    const tree =
      value !== null && typeof value === "object" ? children(value, 0, openDepth) : element("ul");
    if (!tree.childElementCount) tree.append(entry(null, value, 0, openDepth));
    container.replaceChildren(tree);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-json-tree]").forEach(render);
  });
  return { render };
})();
