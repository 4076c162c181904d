// The panel: a modal dialog in the shadow root with a header, a stack of views (for Back),
// two sections (Help, Messages), a focus trap, Escape to close, and focus returned on close.
// Views (views/*.js) build their own DOM; the panel swaps them in and out, keeping each one's
// scroll position. The launcher (loader.js's) opens and closes it, and gets its "close" icon
// here.

import { FOCUSABLE, add, h, icon, put, uid } from "./dom.js";

const iconButton = (label, onclick, name) =>
  h("button", { type: "button", class: "icon-btn", "aria-label": label, onclick }, icon(name));

/**
 * `home()` makes the view the panel opens on when it has none; `sections.help()` and
 * `sections.messages()` show those.
 */
export function createPanel({ shadow, launcher, t, home, sections, emit, mark }) {
  const titleId = uid("t");
  const stack = [];
  const top = () => stack[stack.length - 1];
  let isOpen = false;
  let returnTo;

  const back = iconButton(t("back"), () => pop(), "back");
  const title = h("h2", { id: titleId, class: "title", tabindex: "-1" });
  const hero = h("div");
  const body = h("div", { class: "body", tabindex: "-1" });
  const tabs = [
    ["help", "tabHelp", "help"],
    ["messages", "tabMessages", "inbox"],
  ].map(([name, key, symbol]) =>
    h(
      "button",
      {
        type: "button",
        class: "tab",
        onclick: () => sections[name](),
        "data-tab": name,
      },
      icon(symbol),
      t(key),
    ),
  );
  const dialog = h(
    "section",
    {
      class: "panel",
      role: "dialog",
      "aria-modal": "true",
      "aria-labelledby": titleId,
      hidden: true,
      onkeydown: keydown,
    },
    h(
      "header",
      { class: "head" },
      h(
        "div",
        { class: "bar" },
        back,
        title,
        iconButton(t("close"), () => hide(), "close"),
      ),
      hero,
    ),
    body,
    h("nav", { "aria-label": t("sections") }, tabs),
  );
  add(shadow, dialog);
  add(launcher, icon("close"));

  function keydown(event) {
    if (event.key === "Escape") {
      event.stopPropagation();
      hide();
    } else if (event.key === "Tab") {
      // keep focus inside the dialog
      const items = [...dialog.querySelectorAll(FOCUSABLE)].filter(
        (el) => el.getClientRects().length,
      );
      const [first, last] = event.shiftKey ? [items.at(-1), items[0]] : [items[0], items.at(-1)];
      if (last && (shadow.activeElement === last || !dialog.contains(shadow.activeElement))) {
        event.preventDefault();
        first.focus();
      }
    }
  }

  function render() {
    const view = top();
    back.hidden = stack.length < 2;
    title.textContent = view.title || t("help"); // the home view's is the app's name, if any
    put(hero, view.hero);
    dialog.classList.toggle("has-hero", Boolean(view.hero));
    put(body, view.node);
    body.scrollTop = view.scroll || 0;
    for (const tab of tabs) {
      if (tab.dataset.tab === view.tab) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    }
    view.enter?.();
    (view.focus?.() || title).focus({ preventScroll: true });
  }

  const leave = () => top() && (top().scroll = body.scrollTop);

  /**
   * Show a view: pushed (Back returns to the one before), `replace`d, or as a new root (`reset`).
   */
  function show(view, { replace, reset } = {}) {
    leave();
    if (reset) stack.length = 0;
    else if (replace) stack.pop();
    stack.push(view);
    if (isOpen) render(); // else open() does
    return view;
  }

  function pop() {
    leave();
    stack.pop();
    render();
  }

  function open() {
    if (isOpen) return;
    if (!stack.length) stack.push(home());
    isOpen = true;
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    returnTo = active === document.body ? launcher : active;
    dialog.hidden = false;
    toggleLauncher("true", "close");
    requestAnimationFrame(() => dialog.classList.add("in"));
    render();
    mark("open");
    emit("open", { view: top().name });
  }

  function toggleLauncher(expanded, label) {
    launcher.setAttribute("aria-expanded", expanded);
    launcher.setAttribute("aria-label", t(label));
    launcher.classList.toggle("is-open", expanded === "true");
  }

  function hide() {
    if (!isOpen) return;
    isOpen = false;
    leave();
    dialog.classList.remove("in");
    dialog.hidden = true;
    toggleLauncher("false", "openHelp");
    (returnTo?.isConnected ? returnTo : launcher).focus();
    emit("close", {});
  }

  return {
    open,
    close: hide,
    show,
    reset: () => (stack.length = 0),
    toggle: () => (isOpen ? hide() : open()),
    get isOpen() {
      return isOpen;
    },
    get current() {
      return top();
    },
  };
}
