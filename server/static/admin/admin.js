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
function openRow(event) {
  const row = event.currentTarget;
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
for (const row of document.querySelectorAll("[data-rows] tr[data-href]")) {
  row.addEventListener("click", openRow);
  row.addEventListener("auxclick", openRow);
}

// Forms marked data-warn-unsaved warn before the page is left with their text changed.
// (The article editor has its own, richer tracking in editor.js.)
const watched = [...document.querySelectorAll("form[data-warn-unsaved]")];
const initial = new Map(
  watched.map((form) => [form, new URLSearchParams(new FormData(form)).toString()]),
);
let submitting = false;
for (const form of watched)
  form.addEventListener("submit", () => {
    submitting = true;
  });
window.addEventListener("beforeunload", (event) => {
  if (submitting) return;
  const changed = watched.some((form) => {
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
