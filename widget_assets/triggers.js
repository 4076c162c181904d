// Contextual help in the host product. An element with data-support-help="<context or slug>"
// opens the panel on that context's articles or on that article: a button or link becomes the
// trigger itself; any other element gets a small "?" button (in its own shadow root, so the
// page's CSS cannot reach it). data-support-action="report" opens "Report a problem".
// Elements that single-page apps render later are picked up, and URL changes reported.

import { button, h, icon } from "./dom.js";

const SELECTOR = "[data-support-help],[data-support-action]";

/** "article:slug" and "context:key" are explicit; a hyphenated word without dots is a slug. */
export function target(value = "") {
  const [, kind, rest] = /^(?:(article|context):)?(.*)$/.exec(value.trim());
  return {
    kind: kind || (/^[a-z0-9]+(-[a-z0-9]+)+$/.test(rest) ? "article" : "context"),
    value: rest,
  };
}

/** What the trigger is about, for its label: its own words, its field's label, or its parent's. */
function topic(el) {
  const text = (node) => node?.textContent.replace(/\s+/g, " ").trim();
  return [
    ...(el.getAttribute("aria-label") ||
      text(el.labels?.[0]) ||
      el.placeholder ||
      text(el) ||
      text(el.parentElement) ||
      ""),
  ]
    .slice(0, 60)
    .join("");
}

export function watchTriggers({ css, t, host, help, report }) {
  const done = new WeakSet();
  const open = (el) => (event) => {
    event.preventDefault();
    if (el.dataset.supportAction === "report") report();
    else help(target(el.dataset.supportHelp)); // read at click time: frameworks reuse elements
  };

  function decorate(el) {
    if (done.has(el)) return;
    done.add(el);
    if (
      el.matches("a,button,summary,[role=button],input[type=button]") ||
      el.dataset.supportAction
    ) {
      el.setAttribute("aria-haspopup", "dialog");
      return el.addEventListener("click", open(el));
    }
    const trigger = document.createElement("support-help");
    const about = topic(el);
    const inner = button("help-trigger", open(el), icon("help"));
    inner.setAttribute("aria-label", about ? t("helpWith", { topic: about }) : t("help"));
    inner.setAttribute("aria-haspopup", "dialog");
    inner.hidden = true; // until styled
    trigger
      .attachShadow({ mode: "open" })
      .append(
        h("link", { rel: "stylesheet", href: css, onload: () => (inner.hidden = false) }),
        inner,
      );
    for (const prop of ["--sw-accent", "--sw-on-accent"])
      trigger.style.setProperty(prop, host.style.getPropertyValue(prop));
    if (/^(input|select|textarea|img|video)$/.test(el.localName)) el.after(trigger);
    else el.append(trigger);
  }

  const scan = (root) => {
    if (root.matches(SELECTOR)) decorate(root);
    root.querySelectorAll(SELECTOR).forEach(decorate);
  };
  scan(document.documentElement);
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) if (n.nodeType === 1) scan(n);
  }).observe(document.documentElement, { childList: true, subtree: true });
}

/** Calls `changed()` after the URL changes: history navigation, hash changes, SPA routers. */
export function watchUrl(changed) {
  let last = location.href;
  const check = () => last !== location.href && changed((last = location.href));
  window.navigation?.addEventListener("currententrychange", check);
  addEventListener("popstate", check);
  addEventListener("hashchange", check);
  return check;
}
