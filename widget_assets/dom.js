// Building DOM safely: every string becomes a text node (never innerHTML), icons are built
// with createElementNS, and server HTML is parsed in an inert document and rebuilt from an
// allow-list (an article's: article.js), so nothing in it can run, whatever the server sent.

let ids = 0;
export const uid = (prefix) => `sw-${prefix}-${++ids}`;

// Children, wherever they are inserted: arrays are flattened, and false, null, undefined and ""
// are nothing, so that `cond && node` can never show the word "false"; 0 is text.
const nodes = (children) => children.flat(9).filter((c) => c || c === 0);

/** h("p", {class: "x", onclick: fn, "aria-label": "…"}, "text", node, [more]…) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") el.textContent = value;
    else if (name === "value") el.value = value;
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : value);
  }
  el.append(...nodes(children));
  return el;
}

export const FOCUSABLE = "a[href],button:not([disabled]),input,textarea,summary,[tabindex='0']";

/**
 * Replace what `el` shows. The views change the screen only through put and add (a test
 * checks), so the rules of `nodes` hold everywhere, and focus never falls out of the dialog:
 * when the update removes the focused element, focus moves to the new content (its first
 * control, else its first element, such as a status line, which is then read out).
 */
export function put(el, ...children) {
  const focused = el.getRootNode().activeElement;
  el.replaceChildren(...nodes(children));
  if (!focused || focused.isConnected) return;
  const target =
    [...el.querySelectorAll(FOCUSABLE)].find((n) => n.getClientRects().length) ||
    el.firstElementChild ||
    el;
  if (!target.matches(FOCUSABLE)) target.tabIndex = -1;
  target.focus();
}

export const add = (el, ...children) => el.append(...nodes(children));

export const button = (cls, onclick, ...children) =>
  h("button", { type: "button", class: cls, onclick }, ...children);

// The icons opening the panel shows; views/icons.js has the other views' (`addIcons`).
const PATHS = {
  search: "M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14Zm9 16-4.3-4.3",
  close: "M6 6l12 12M18 6 6 18",
  back: "M15 18l-6-6 6-6",
  next: "m9 18 6-6-6-6",
  chat: "M4 5h16v11H10l-6 4Z",
  doc: "M6 3h9l4 4v14H6ZM9 12h6M9 16h6",
  alert: "M12 8v5m0 3v.1M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Z",
  help: "M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .8-1 1.5M12 17v.1M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Z",
  inbox: "M3 13h5l2 3h4l2-3h5M6 4h12l3 9v7H3v-7Z",
  flag: "M5 21V4h12l-2 4.5L17 13H5",
};
export const addIcons = (paths) => Object.assign(PATHS, paths);

export function icon(name, cls = "") {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const path = svg.appendChild(document.createElementNS(ns, "path"));
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", `icon i-${name} ${cls}`);
  path.setAttribute("d", PATHS[name]);
  return svg;
}

/** Fill "{name}" placeholders of a translated string with nodes. */
export const fill = (template, parts) =>
  template.split(/\{(\w+)\}/).map((piece, i) => (i % 2 ? parts[piece] : piece));

// Never kept, not even their text: what runs, embeds, styles or asks for input.
const DROP =
  /^(script|style|template|iframe|frame|object|embed|noscript|svg|math|form|input|textarea|select|button|title|head|link|meta|base)$/;

function rebuild(from, to, allowed, attribute) {
  for (const node of from.childNodes) {
    const tag = node.localName;
    if (node.nodeType === 3) to.append(node.data);
    else if (node.nodeType !== 1 || DROP.test(tag)) continue;
    else if (!Object.hasOwn(allowed, tag))
      rebuild(node, to, allowed, attribute); // unknown wrapper: keep its text
    else {
      const el = to.appendChild(document.createElement(tag));
      for (const name of allowed[tag]) {
        const value = node.getAttribute(name);
        if (value !== null) attribute(el, name, value.trim());
      }
      rebuild(node, el, allowed, attribute);
    }
  }
  return to;
}

/**
 * HTML from the server, parsed in an inert document and rebuilt tag by tag into a fragment:
 * `allowed` maps each tag kept to the attributes it keeps, each set by
 * `attribute(el, name, value)`; any other element is dropped (DROP) or replaced by its text.
 */
export const rebuilt = (html, allowed, attribute) =>
  rebuild(
    new DOMParser().parseFromString(String(html), "text/html").body,
    document.createDocumentFragment(),
    allowed,
    attribute,
  );

/** A search snippet ("escaped text with <mark>") as text and <mark> elements only. */
export const highlight = (snippet) => rebuilt(snippet, { mark: [] });

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

export const when = (iso, lang, time = true) =>
  new Date(iso).toLocaleString(lang, {
    dateStyle: "medium",
    timeStyle: time ? "short" : undefined,
  });
