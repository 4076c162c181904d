// Behaviour shared by every admin page. Everything works without it; this adds comfort:
// confirmations, auto-submitting selects, local times, and a warning before leaving a form
// with unsaved text.

// A select that switches something (the app) submits its form at once.
for (const form of document.querySelectorAll("form[data-autosubmit]")) {
  form.addEventListener("change", () => form.requestSubmit());
}

// Destructive buttons ask first.
document.addEventListener(
  "click",
  (event) => {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);

// Times are printed in UTC; hovering shows the reader's own time.
for (const time of document.querySelectorAll("time[datetime]")) {
  const moment = new Date(time.getAttribute("datetime"));
  if (!Number.isNaN(moment.getTime())) time.title = moment.toLocaleString();
}

// Read-only snippets (image Markdown) select themselves for copying.
for (const input of document.querySelectorAll("[data-select-all]")) {
  input.addEventListener("focus", () => input.select());
}

// A row of a list (the inbox) opens its item when clicked anywhere, like its link does: a
// modifier or middle click opens a new tab, and a click that ends a text selection, or lands
// on a control of its own, is left alone. Keyboard users have the row's link (and j/k/Enter).
// Delegated from the document, so rows the live inbox puts in later behave the same.
function openRow(event) {
  const row = event.target.closest("[data-rows] tr[data-href]");
  if (!row) return;
  if (
    event.defaultPrevented ||
    event.target.closest("a, button, input, select, textarea, label, summary")
  )
    return;
  const selection = window.getSelection();
  if (selection && !selection.isCollapsed && row.contains(selection.anchorNode)) return;
  if (event.type === "auxclick" && event.button !== 1) return; // only the middle button
  if (event.type === "auxclick" || event.ctrlKey || event.metaKey || event.shiftKey)
    window.open(row.dataset.href, "_blank", "noopener");
  else window.location.assign(row.dataset.href);
}
document.addEventListener("click", openRow);
document.addEventListener("auxclick", openRow);

// The inbox keeps itself current: every 10 s (a minute in a hidden tab) it asks whether any
// ticket changed, a 304 while none did; when one did, the list is fetched again and put in
// place (filters, page and scroll kept), and shortcuts.js is told its rows changed.
const live = document.querySelector("[data-live]");
if (live) {
  let etag = null;
  let version = live.dataset.liveVersion;
  let asking = false; // one request at a time, one timer
  const check = async () => {
    clearTimeout(check.timer);
    if (asking) return;
    asking = true;
    try {
      const headers = etag ? { "If-None-Match": etag } : {};
      const answer = await fetch(live.dataset.liveUrl, { headers, cache: "no-store" });
      if (answer.status === 200) {
        etag = answer.headers.get("ETag");
        const { version: now } = await answer.json();
        if (now !== version) {
          const page = await (await fetch(window.location.href, { cache: "no-store" })).text();
          const html = new DOMParser().parseFromString(page, "text/html");
          const fresh = html.querySelector("[data-live]");
          if (fresh) {
            version = fresh.dataset.liveVersion;
            live.replaceChildren(...fresh.childNodes);
            const count = html.querySelector(".page-head .sub");
            const here = document.querySelector(".page-head .sub");
            if (count && here) here.replaceWith(count);
            document.dispatchEvent(new CustomEvent("admin:rows"));
          }
        }
      }
    } catch {
      // offline or signed out: try again at the next tick
    }
    asking = false;
    clearTimeout(check.timer);
    check.timer = setTimeout(check, document.hidden ? 60000 : 10000);
  };
  document.addEventListener("visibilitychange", () => document.hidden || check());
  check.timer = setTimeout(check, 10000);
}

// Forms marked data-warn-unsaved warn before the page is left with their text changed.
// (The article editor has its own, richer tracking in editor.js.)
const watched = [...document.querySelectorAll("form[data-warn-unsaved]")];
const initial = new Map(
  watched.map((form) => [form, new URLSearchParams(new FormData(form)).toString()]),
);
let submitting = false;
let posting = false; // any form of the page: it comes back to this page
for (const form of watched)
  form.addEventListener("submit", () => {
    submitting = true;
  });
document.addEventListener("submit", () => {
  posting = true;
});
window.addEventListener("beforeunload", (event) => {
  if (submitting) return;
  const changed = watched.some((form) => {
    // a form that keeps its draft (the composer) loses nothing to another form's post
    if (posting && form.dataset.draftKept) return false;
    const text = form.querySelector("textarea");
    return text
      ? text.value.trim() !== "" &&
          new URLSearchParams(new FormData(form)).toString() !== initial.get(form)
      : false;
  });
  if (changed) {
    event.preventDefault();
    event.returnValue = "";
  }
});

// A "Copy" button copies the value of the input it names (the webhook signing secret).
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", async () => {
    const input = document.getElementById(button.dataset.copy);
    if (!input) return;
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Press Ctrl+C";
    }
  });
}
