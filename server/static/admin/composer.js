// The ticket page's composer: saved replies and help-article links inserted at the cursor,
// the "Suggested articles" card's Insert link buttons, and a warning before sending when a
// new message arrived since the page loaded. Without this script the composer is a plain
// form (and the server still refuses a reply to a conversation that moved on).
// Files: a screenshot pasted into the message joins the chosen files, and the sizes are
// checked before sending (the server checks every file's bytes again).
// Everything inserted is text: macro bodies and titles are never parsed as HTML.

const form = document.querySelector("form[data-composer]");

if (form) {
  const textarea = form.querySelector("textarea[name=body]");
  const picker = form.querySelector("[data-picker]");
  const query = picker.querySelector("[data-picker-q]");
  const list = picker.querySelector("[data-picker-list]");
  const empty = picker.querySelector("[data-picker-empty]");
  const title = picker.querySelector("[data-picker-title]");
  const label = picker.querySelector("[data-picker-label]");
  const stale = form.querySelector("[data-stale]");
  const seen = form.querySelector("[data-seen]");

  const KINDS = {
    macros: {
      title: "Saved replies",
      label: "Search saved replies",
      url: form.dataset.macrosUrl,
      none: "No saved reply matches.",
      text: (item) => item.body,
      line: (item) => [item.name, item.preview],
    },
    articles: {
      title: "Insert a help article link",
      label: "Search help articles",
      url: form.dataset.articlesUrl,
      none: "No published article matches.",
      text: (item) => `${item.title}: ${item.url}`,
      line: (item) => [item.title, item.url],
    },
  };

  // Put text at the cursor (replacing any selection), as if typed, and leave the cursor after it.
  const insert = (text) => {
    textarea.focus();
    const start = textarea.selectionStart;
    const end = textarea.selectionEnd;
    textarea.setRangeText(text, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  };

  // -- the picker ------------------------------------------------------------------------------
  let kind = null;
  let items = [];
  let active = -1;
  let asked = 0; // answers to older queries are dropped
  let timer = null;
  let caret = [0, 0]; // where the cursor was when the picker opened

  const mark = (index) => {
    const options = [...list.children];
    active = options.length ? Math.max(0, Math.min(options.length - 1, index)) : -1;
    for (const [i, option] of options.entries())
      option.setAttribute("aria-selected", String(i === active));
    if (active >= 0) {
      query.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    } else query.removeAttribute("aria-activedescendant");
  };

  const show = (found) => {
    items = found;
    const options = found.map((item, i) => {
      const option = document.createElement("li");
      option.id = `picker-option-${i}`;
      option.setAttribute("role", "option");
      option.dataset.index = String(i);
      const [head, detail] = KINDS[kind].line(item);
      const name = document.createElement("strong");
      name.textContent = head;
      const more = document.createElement("span");
      more.className = "muted";
      more.textContent = detail;
      option.append(name, more);
      return option;
    });
    list.replaceChildren(...options);
    empty.hidden = found.length > 0;
    empty.textContent = KINDS[kind].none;
    mark(0);
  };

  const load = async () => {
    const number = ++asked;
    const url = `${KINDS[kind].url}?q=${encodeURIComponent(query.value.trim())}`;
    try {
      const answer = await fetch(url, { headers: { Accept: "application/json" } });
      if (!answer.ok) throw new Error(String(answer.status));
      const { items: found } = await answer.json();
      if (number === asked && kind) show(found);
    } catch {
      if (number === asked && kind) {
        list.replaceChildren();
        empty.hidden = false;
        empty.textContent = "Could not load the list. Try again.";
      }
    }
  };

  const close = (refocus = true) => {
    if (!kind) return;
    kind = null;
    picker.hidden = true;
    clearTimeout(timer);
    if (refocus) {
      textarea.focus();
      textarea.setSelectionRange(...caret);
    }
  };

  const open = (which) => {
    kind = which;
    caret = [textarea.selectionStart, textarea.selectionEnd];
    title.textContent = KINDS[which].title;
    label.textContent = KINDS[which].label;
    picker.setAttribute("aria-label", KINDS[which].title);
    query.value = "";
    list.replaceChildren();
    empty.hidden = true;
    picker.hidden = false;
    query.focus();
    load();
  };

  const choose = (index) => {
    const item = items[index];
    if (!item || !kind) return;
    const text = KINDS[kind].text(item);
    close();
    insert(text);
  };

  for (const button of form.querySelectorAll("[data-picker-open]"))
    button.addEventListener("click", () => open(button.dataset.pickerOpen));
  form.querySelector("[data-composer-tools]").hidden = false;

  query.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  });
  // Keys in the picker stay in the picker: Enter must not submit the form, Esc must only close
  // it, and the page's shortcuts (shortcuts.js) must not see them.
  query.addEventListener("keydown", (event) => {
    event.stopPropagation();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      mark(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
  list.addEventListener("click", (event) => {
    const option = event.target.closest("[role=option]");
    if (option) choose(Number(option.dataset.index));
  });
  picker.addEventListener("focusout", (event) => {
    if (kind && !picker.contains(event.relatedTarget)) close(false);
  });

  // "#" at the start of an empty message opens the saved replies (type it twice for a "#").
  textarea.addEventListener("keydown", (event) => {
    if (event.key !== "#" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (textarea.value !== "") return;
    event.preventDefault();
    event.stopPropagation();
    open("macros");
  });

  // -- Suggested articles ----------------------------------------------------------------------
  for (const button of document.querySelectorAll("button[data-insert-link]")) {
    button.hidden = false;
    button.addEventListener("click", () =>
      insert(`${button.dataset.title}: ${button.dataset.url}`),
    );
  }

  // -- a new message since the page loaded -----------------------------------------------------
  // Captured on the document, before admin.js hears the submit: a send that is held back here
  // must not count as leaving the page with the draft saved.
  const who = stale.querySelector("[data-stale-who]");
  const showNew = stale.querySelector("[data-show-new]");
  let checked = false;
  let checking = false;

  const warn = (latest) => {
    who.textContent = latest.author
      ? `From ${latest.author}${latest.internal ? " (internal note)" : ""}.`
      : "";
    for (const quote of stale.querySelectorAll("[data-stale-body]")) quote.remove();
    showNew.hidden = false;
    stale.hidden = false;
    showNew.focus();
  };

  document.addEventListener(
    "submit",
    async (event) => {
      if (event.target !== form) return;
      const forced = event.submitter?.name === "force";
      if (checked || forced) {
        checked = false;
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      if (checking) return;
      checking = true;
      let latest = null;
      try {
        const answer = await fetch(form.dataset.latestUrl, {
          headers: { Accept: "application/json" },
          cache: "no-store",
        });
        if (answer.ok) latest = await answer.json();
      } catch {
        // offline: send, and let the server say whether the conversation moved on
      }
      checking = false;
      if (latest && latest.id !== seen.value) {
        warn(latest);
        return;
      }
      checked = true;
      if (event.submitter) form.requestSubmit(event.submitter);
      else form.requestSubmit();
    },
    true,
  );

  // "Show it": fetch the page again and put the conversation in place (the draft stays),
  // then scroll to the newest message; the next Send goes out as usual.
  showNew.addEventListener("click", async () => {
    try {
      // the ticket's page (this may be the page of a refused reply, at .../messages)
      const url = new URL(form.action, window.location.href).pathname.replace(/\/messages$/, "");
      const answer = await fetch(url, { cache: "no-store" });
      const page = new DOMParser().parseFromString(await answer.text(), "text/html");
      const freshForm = page.querySelector(".thread > form[data-composer]");
      const freshSeen = freshForm?.querySelector("[data-seen]");
      if (!freshForm || !freshSeen) throw new Error("no conversation in the page");
      while (form.previousSibling) form.previousSibling.remove();
      while (freshForm.parentElement.firstChild !== freshForm)
        form.before(freshForm.parentElement.firstChild);
      seen.value = freshSeen.value;
      stale.hidden = true;
      const messages = form.parentElement.querySelectorAll("article.message");
      const newest = messages[messages.length - 1];
      if (newest) {
        newest.classList.add("just-arrived");
        newest.scrollIntoView({ block: "center" });
      }
      textarea.focus({ preventScroll: true });
    } catch {
      window.location.reload(); // admin.js asks before the draft is lost
    }
  });
  if (!stale.hidden) showNew.hidden = false; // the server refused a reply: offer the same

  attachments(form, textarea);
  keepDraft(form, textarea);
}

// The draft outlives the page: Save, Assign to me, Follow… post their own forms and come
// back, and a reload asks nothing; the text waits in this tab's storage until it is sent.
function keepDraft(form, textarea) {
  const key = `support-draft:${new URL(form.action, window.location.href).pathname}`;
  const store = (value) => {
    try {
      if (value.trim()) sessionStorage.setItem(key, value);
      else sessionStorage.removeItem(key);
    } catch {
      // private mode, full: the draft lives as long as the page
    }
  };
  const sent = /^(replied|noted)$/.test(new URLSearchParams(window.location.search).get("notice"));
  if (sent) store("");
  else if (!textarea.value) {
    try {
      const saved = sessionStorage.getItem(key);
      if (saved) {
        textarea.value = saved;
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      }
    } catch {
      // nothing kept
    }
  }
  textarea.addEventListener("input", () => store(textarea.value));
  form.dataset.draftKept = "1"; // admin.js: posting another form of the page loses nothing
}

function attachments(form, textarea) {
  const input = form.querySelector("[data-attach]");
  const status = form.querySelector("[data-attach-status]");
  const list = form.querySelector("[data-attach-list]");
  if (!input || !status || !list) return;
  const limit = Number(form.dataset.maxFilesBytes) || 0;
  const hint = status.textContent;
  const size = (n) =>
    n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
  // what the reply will send: choosing files again adds to them (a file input alone would
  // replace them), each chip removes its own
  let kept = [];
  const total = () => kept.reduce((sum, file) => sum + file.size, 0);
  const sync = () => {
    const all = new DataTransfer();
    for (const file of kept) all.items.add(file);
    input.files = all.files;
    list.replaceChildren(
      ...kept.map((file, i) => {
        const chip = document.createElement("li");
        const name = document.createElement("span");
        name.textContent = `${file.name} (${size(file.size)})`;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn small";
        remove.textContent = "Remove";
        remove.setAttribute("aria-label", `Remove ${file.name}`);
        remove.addEventListener("click", () => {
          kept = kept.filter((_, j) => j !== i);
          sync();
          textarea.focus();
        });
        chip.append(name, remove);
        return chip;
      }),
    );
    const over = limit && total() > limit;
    status.textContent = over
      ? `${size(total())} chosen: over the ${size(limit)} limit, remove some`
      : kept.length
        ? `${kept.length} file${kept.length > 1 ? "s" : ""}, ${size(total())}`
        : hint;
    status.classList.toggle("bad", Boolean(over));
  };
  const take = (files) => {
    const known = new Set(kept.map((f) => `${f.name}/${f.size}/${f.lastModified}`));
    kept = kept.concat(files.filter((f) => !known.has(`${f.name}/${f.size}/${f.lastModified}`)));
    sync();
  };
  input.addEventListener("change", () => take([...input.files]));
  // a pasted screenshot becomes a file of the message, named for when it was taken
  textarea.addEventListener("paste", (event) => {
    const pasted = [...(event.clipboardData?.files || [])].filter((f) =>
      f.type.startsWith("image/"),
    );
    if (!pasted.length) return;
    event.preventDefault();
    const stamp = new Date().toISOString().slice(0, 19).replace("T", " ").replaceAll(":", ".");
    take(
      pasted.map((file, i) => {
        const kind = file.type.split("/")[1] || "png";
        const name = `Screenshot ${stamp}${pasted.length > 1 ? ` (${i + 1})` : ""}.${kind}`;
        return new File([file], name, { type: file.type });
      }),
    );
  });
  form.addEventListener("submit", (event) => {
    if (limit && total() > limit) {
      event.preventDefault();
      sync();
      input.focus();
    }
  });
}
