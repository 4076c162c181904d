// Keyboard shortcuts for the common actions (press ? for the list). Keys are ignored while
// typing in a field, except Escape (leave the field) and Ctrl/⌘+Enter (send).

let rows = [...document.querySelectorAll("[data-rows] tbody tr[data-href]")];
let selected = -1;
// The live inbox replaced its rows: mark the same position again, without moving the focus
// (the agent may be typing in the search box).
document.addEventListener("admin:rows", () => {
  rows = [...document.querySelectorAll("[data-rows] tbody tr[data-href]")];
  selected = Math.min(selected, rows.length - 1);
  for (const [i, row] of rows.entries()) row.setAttribute("aria-selected", String(i === selected));
});

function select(index) {
  if (!rows.length) return;
  selected = Math.max(0, Math.min(rows.length - 1, index));
  for (const [i, row] of rows.entries()) row.setAttribute("aria-selected", String(i === selected));
  rows[selected].scrollIntoView({ block: "nearest" });
  const link = rows[selected].querySelector("a");
  if (link) link.focus({ preventScroll: true });
}

function click(selector) {
  const element = document.querySelector(selector);
  if (!element) return false;
  element.click();
  return true;
}

const composer = document.querySelector("form[data-composer]");

function compose(mode) {
  if (!composer) return false;
  const radio = composer.querySelector(`input[data-mode="${mode}"]`);
  if (radio) {
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  }
  composer.querySelector("textarea").focus();
  return true;
}

function setStatus(value) {
  const form = document.querySelector("form[data-props]");
  if (!form) return false;
  form.querySelector("select[name=status]").value = value;
  form.requestSubmit();
  return true;
}

if (composer) {
  const hint = composer.querySelector("[data-mode-hint]");
  const send = composer.querySelector("[data-send]");
  const original = hint ? hint.textContent : "";
  composer.addEventListener("change", (event) => {
    if (!event.target.matches("input[data-mode]")) return;
    const note = event.target.dataset.mode === "note";
    composer.classList.toggle("note-mode", note);
    if (hint) hint.textContent = note ? "Only agents see internal notes." : original;
    if (send) send.textContent = note ? "Add note" : "Send";
  });
}

document.addEventListener("keydown", (event) => {
  const typing = event.target.closest("input, textarea, select, [contenteditable]");
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && typing) {
    const form = event.target.closest("form");
    if (form) {
      event.preventDefault();
      form.requestSubmit();
    }
    return;
  }
  if (event.key === "Escape" && typing) {
    event.target.blur();
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  let handled = true;
  switch (event.key) {
    case "j":
    case "k":
      if (rows.length) select(selected + (event.key === "j" ? 1 : -1));
      else handled = click(`[data-shortcut="${event.key}"]`);
      break;
    case "o":
    case "Enter":
      handled =
        selected >= 0 &&
        rows.length > 0 &&
        (event.target === document.body || rows[selected].contains(event.target));
      if (handled) window.location.href = rows[selected].dataset.href;
      break;
    case "/": {
      const search = document.querySelector("[data-search], input[type=search]");
      handled = Boolean(search);
      if (search) search.focus();
      break;
    }
    case "r":
      handled = compose("reply");
      break;
    case "n":
      handled = compose("note");
      break;
    case "a":
      handled = click('[data-shortcut="a"]');
      break;
    case "p":
      handled = setStatus("pending");
      break;
    case "s":
      handled = setStatus("solved");
      break;
    case "u":
      handled = click('[data-shortcut="u"]');
      break;
    case "c":
      handled = click('[data-shortcut="c"]');
      break;
    case "?": {
      const help = document.getElementById("shortcuts");
      handled = Boolean(help);
      if (help) help.showModal();
      break;
    }
    default:
      handled = false;
  }
  if (handled) event.preventDefault();
});
