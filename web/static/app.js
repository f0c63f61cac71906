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
    rememberTyped();
    showFormError();
    forgetTyped(); // kept only until the next page, whatever it was
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

  // A view that redirects back to a form after an error (``redirect(url + "#new-run")``) flashes the
  // error at the top of the page; when the URL's fragment names the element holding the form, the
  // error moves into that form.
  function flashedFormError() {
    const flash = document.querySelector(".flash-error");
    const id = location.hash.slice(1);
    const target = flash && id ? document.getElementById(id) : null;
    const form = target?.tagName === "FORM" ? target : target?.querySelector("form[method=post]");
    if (!form) return null;
    flash.className = "form-error";
    flash.setAttribute("role", "alert");
    flash.dataset.formError = "";
    form.prepend(flash);
    restoreTyped(form);
    return flash;
  }

  // What was typed into a POST form, kept for this tab until the page after the redirect (never
  // the CSRF token or a password), so a refused form comes back as the user left it.
  const typedKey = (form) => `otel-llm-form:${form.action}`;

  function rememberTyped() {
    document.querySelectorAll("form[method=post]").forEach((form) => {
      form.addEventListener("submit", () => {
        const values = {};
        new FormData(form).forEach((value, name) => {
          const field = form.elements[name];
          if (name !== "csrf_token" && typeof value === "string" && field?.type !== "password") {
            values[name] = value;
          }
        });
        sessionStorage.setItem(typedKey(form), JSON.stringify(values));
      });
    });
  }

  function forgetTyped() {
    Object.keys(sessionStorage)
      .filter((key) => key.startsWith("otel-llm-form:"))
      .forEach((key) => sessionStorage.removeItem(key));
  }

  function restoreTyped(form) {
    const values = JSON.parse(sessionStorage.getItem(typedKey(form)) || "null");
    sessionStorage.removeItem(typedKey(form));
    if (!values) return;
    form.querySelectorAll("input[name], select[name], textarea[name]").forEach((field) => {
      if (field.type === "hidden" || field.type === "password") return;
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values[field.name] === field.value;
      } else if (field.name in values) {
        field.value = values[field.name];
      }
    });
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
    const error = document.querySelector("[data-form-error]") || flashedFormError();
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
