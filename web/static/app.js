// otel-llm console behaviour. No data is ever inlined into scripts: pages put data in
// <script type="application/json" id="..."> blocks (rendered with |tojson) and this file reads them.
"use strict";

const otelLlm = (() => {
  const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  // JSON API call from a signed-in page: the session cookie authenticates, the header proves origin.
  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = data?.error?.message || response.statusText;
      throw new Error(message);
    }
    return data;
  }

  // Parsed contents of a <script type="application/json" id="..."> data block.
  function data(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function wire() {
    document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
      select.addEventListener("change", () => select.form.submit());
    });
    document.querySelectorAll("[data-confirm]").forEach((element) => {
      element.addEventListener("click", (event) => {
        if (!window.confirm(element.dataset.confirm)) event.preventDefault();
      });
    });
    document.querySelectorAll("[data-tabs]").forEach(wireTabs);
    // GET forms marked data-strip-empty leave empty fields out of the URL (?provider=x, not ?a=&b=&provider=x).
    document.querySelectorAll("form[data-strip-empty]").forEach((form) => {
      form.addEventListener("submit", () => {
        form.querySelectorAll("input[name], select[name]").forEach((field) => {
          if (!field.value) field.disabled = true;
        });
      });
    });
    document.querySelectorAll("[data-copy]").forEach((button) => {
      button.addEventListener("click", () => {
        const target = document.getElementById(button.dataset.copy);
        copyText(target.textContent.trim());
        button.textContent = "Copied";
      });
    });
    // macro short_hash: the button carries the full value
    document.querySelectorAll("[data-copy-value]").forEach((button) => {
      button.addEventListener("click", () => {
        copyText(button.dataset.copyValue);
        button.textContent = "Copied";
        button.classList.add("copied");
        window.setTimeout(() => {
          button.textContent = "Copy";
          button.classList.remove("copied");
        }, 1500);
      });
    });
    wireNavToggle();
    showFormError();
  }

  // The clipboard API where the page is a secure context (https, localhost), else a selected textarea.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    return Promise.resolve();
  }

  // Phone-sized screens: the Menu button shows and hides the navigation (base.html, style.css).
  function wireNavToggle() {
    const button = document.getElementById("nav-toggle");
    if (!button) return;
    const bar = button.closest(".topbar");
    button.addEventListener("click", () => {
      const open = bar.classList.toggle("nav-open");
      button.setAttribute("aria-expanded", String(open));
    });
  }

  // A form that failed shows its error inside the form (macro form_error): open the <details> it sits
  // in, bring it into view and put the cursor in the field to fix.
  function showFormError() {
    const error = document.querySelector("[data-form-error]");
    if (!error) return;
    for (let node = error.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    error.scrollIntoView({ block: "center" });
    const form = error.closest("form");
    const field = form?.querySelector("[aria-invalid=true]") || form?.querySelector("input:not([type=hidden]), textarea, select");
    field?.focus({ preventScroll: true });
  }

  // Tabs: <div data-tabs><nav class="tabs"><a href="#tab-x" data-tab="x">…</a></nav>
  //        <section class="tab-panel" id="tab-x">…</section></div>
  function wireTabs(container) {
    const links = container.querySelectorAll("[data-tab]");
    const show = (name) => {
      links.forEach((link) => link.classList.toggle("active", link.dataset.tab === name));
      container.querySelectorAll(".tab-panel").forEach((panel) => {
        panel.hidden = panel.id !== `tab-${name}`;
      });
    };
    links.forEach((link) =>
      link.addEventListener("click", (event) => {
        event.preventDefault();
        show(link.dataset.tab);
        history.replaceState(null, "", `#tab-${link.dataset.tab}`);
      }),
    );
    const fromHash = location.hash.startsWith("#tab-") ? location.hash.slice(5) : null;
    const initial = [...links].find((l) => l.dataset.tab === fromHash) || links[0];
    if (initial) show(initial.dataset.tab);
  }

  document.addEventListener("DOMContentLoaded", wire);
  return { api, data, csrfToken, copyText };
})();
