// The article editor: live preview from the server's own renderer, image upload (pick, drop
// or paste), a local backup of unsaved text, a warning before leaving with unsaved changes,
// Ctrl/⌘+S to save, and the browser's time zone for scheduled publication.

const form = document.querySelector("form[data-editor]");
const SUBMITTED = "support-editor:submitted";
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

// The article's own fields, as the writer sees them: hidden inputs (the revision, the CSRF
// token) are not the writer's text, so a backup is compared and restored without them.
const SKIPPED = ["tz_offset", "action", "publish_at"];
function fieldValues() {
  const values = {};
  for (const element of form.elements) {
    if (!element.name || element.disabled || SKIPPED.includes(element.name)) continue;
    if (["hidden", "file", "submit", "button", "radio", "checkbox"].includes(element.type))
      continue;
    values[element.name] = element.value;
  }
  return values;
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

if (form) {
  const body = form.querySelector("[data-markdown]");
  const preview = form.querySelector("[data-preview]");
  const state = document.querySelector("[data-save-state]");
  const uploadState = form.querySelector("[data-upload-state]");
  const key = form.dataset.backupKey;
  const initial = fieldValues();
  let dirty = form.hasAttribute("data-keep-dirty");
  let submitting = false;

  // -- unsaved changes ---------------------------------------------------------------------
  function showDirty() {
    if (!state) return;
    state.textContent = dirty ? "Unsaved changes" : state.dataset.clean || state.textContent;
    state.classList.toggle("dirty", dirty);
  }
  if (state) state.dataset.clean = state.textContent;

  let backupTimer;
  function backup() {
    clearTimeout(backupTimer);
    backupTimer = setTimeout(() => {
      try {
        const values = fieldValues();
        const saved = same(values, initial) && !form.hasAttribute("data-keep-dirty");
        if (saved)
          localStorage.removeItem(key); // typed back to what the server has
        else
          localStorage.setItem(key, JSON.stringify({ values, savedAt: new Date().toISOString() }));
      } catch {
        /* storage full or blocked: the unload warning still protects the text */
      }
    }, 600);
  }

  form.addEventListener("input", (event) => {
    // The "Translate into" box sits inside this form's markup but belongs to another form.
    if (event.target.form && event.target.form !== form) return;
    dirty = !same(fieldValues(), initial) || form.hasAttribute("data-keep-dirty");
    showDirty();
    backup();
  });
  form.addEventListener("submit", () => {
    submitting = true;
    // The next page says whether the server saved it; only then is this backup dropped.
    try {
      sessionStorage.setItem(SUBMITTED, key);
    } catch {
      /* no storage */
    }
  });
  window.addEventListener("pageshow", (event) => {
    // Back to this page from the back/forward cache after submitting it: what it shows may be
    // saved already (and its revision stale), so show what the server has now.
    if (event.persisted && submitting) window.location.reload();
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  for (const link of document.querySelectorAll("[data-discard]")) {
    link.addEventListener("click", () => {
      dirty = false;
    });
  }
  showDirty();

  // -- local backup: offer what this browser had typed but not saved ---------------------------
  // Each article, and each new translation (source and language), has its own key, so one
  // article's unsaved text is never offered on another's page. The backup of the form this tab
  // just submitted is dropped once the server says it saved (data-saved), even when the save
  // moved it to a new address (a new article, a new translation).
  try {
    const submitted = sessionStorage.getItem(SUBMITTED);
    sessionStorage.removeItem(SUBMITTED);
    if (form.hasAttribute("data-saved") && submitted) localStorage.removeItem(submitted);
    if (!form.hasAttribute("data-keep-dirty")) {
      const saved = JSON.parse(localStorage.getItem(key) || "null");
      if (saved?.values && !same(saved.values, initial)) offerRestore(saved);
      else if (saved) localStorage.removeItem(key); // it holds nothing that is not saved
    }
  } catch {
    /* no storage */
  }

  function offerRestore(saved) {
    const box = document.createElement("div");
    box.className = "alert info";
    box.setAttribute("role", "status");
    const text = document.createElement("p");
    text.textContent = `This browser kept unsaved changes from ${new Date(saved.savedAt).toLocaleString()}. `;
    const restore = document.createElement("button");
    restore.type = "button";
    restore.className = "btn small primary";
    restore.textContent = "Restore them";
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn small";
    discard.textContent = "Discard";
    text.append(restore, " ", discard);
    box.append(text);
    // Its own place above the editor (beside an original, the form must stay in its column).
    const slot = document.querySelector("[data-backup-slot]");
    if (slot) slot.append(box);
    else form.before(box);
    restore.addEventListener("click", () => {
      for (const [name, value] of Object.entries(saved.values)) {
        const field = form.elements.namedItem(name);
        if (field && "value" in field && field.type !== "hidden") field.value = value;
      }
      form.dispatchEvent(new Event("input"));
      refreshPreview();
      box.remove();
    });
    discard.addEventListener("click", () => {
      localStorage.removeItem(key);
      box.remove();
    });
  }

  // -- live preview ----------------------------------------------------------------------------
  let previewTimer;
  let previewRequest = 0;
  async function refreshPreview(again = true) {
    const mine = ++previewRequest;
    // a preview that fails (a busy server, a dropped connection) is asked once more, so the
    // writer does not look at a stale one until their next keystroke
    const retry = () => {
      if (again && mine === previewRequest)
        previewTimer = setTimeout(() => refreshPreview(false), 1000);
    };
    try {
      const response = await fetch(form.dataset.previewUrl, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRF-Token": csrf,
        },
        body: JSON.stringify({
          markdown: body.value,
          title: form.elements.namedItem("title").value,
        }),
      });
      if (mine !== previewRequest) return;
      if (!response.ok) return retry();
      const { html } = await response.json();
      preview.innerHTML = html; // sanitized by the server (nh3), exactly what readers get
    } catch {
      retry(); // offline: the last preview stays
    }
  }
  const titleInput = form.elements.namedItem("title");
  for (const source of [body, titleInput]) {
    source.addEventListener("input", () => {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(() => refreshPreview(), 250);
    });
  }
  // typed before this script ran (a slow network): preview what is there now
  if (body.value !== body.defaultValue || titleInput.value !== titleInput.defaultValue)
    refreshPreview();

  // -- images ----------------------------------------------------------------------------------
  function insertAtCursor(text) {
    const start = body.selectionStart ?? body.value.length;
    const end = body.selectionEnd ?? start;
    const before = body.value.slice(0, start);
    const padded = `${before && !before.endsWith("\n") ? "\n" : ""}${text}\n`;
    body.setRangeText(padded, start, end, "end");
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  async function upload(file) {
    uploadState.textContent = `Uploading ${file.name}…`;
    const data = new FormData();
    data.append("file", file);
    try {
      const response = await fetch(form.dataset.uploadUrl, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRF-Token": csrf },
        body: data,
      });
      const result = await response.json().catch(() => ({}));
      if (!response.ok)
        throw new Error(result.error?.message || `upload failed (${response.status})`);
      insertAtCursor(result.markdown);
      uploadState.textContent = "Image added.";
    } catch (error) {
      uploadState.textContent = String(error.message || error);
    }
  }

  const picker = form.querySelector("[data-image-input]");
  picker?.addEventListener("change", () => {
    for (const file of picker.files) upload(file);
    picker.value = "";
  });
  const zone = body.closest(".write");
  body.addEventListener("dragover", (event) => {
    if ([...event.dataTransfer.types].includes("Files")) {
      event.preventDefault();
      zone.classList.add("dragging");
    }
  });
  body.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  body.addEventListener("drop", (event) => {
    zone.classList.remove("dragging");
    const files = [...event.dataTransfer.files].filter((f) => f.type.startsWith("image/"));
    if (files.length) {
      event.preventDefault();
      files.forEach(upload);
    }
  });
  body.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files || [])].filter((f) =>
      f.type.startsWith("image/"),
    );
    if (files.length) {
      event.preventDefault();
      files.forEach(upload);
    }
  });

  // -- saving and scheduling -------------------------------------------------------------------
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      form.querySelector("[data-shortcut-save]")?.click();
    }
  });
  const offset = form.querySelector("[data-tz-offset]");
  const when = form.querySelector("input[name=publish_at]");
  const hint = form.querySelector("[data-tz-hint]");
  if (hint) {
    const zoneName = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zoneName) hint.textContent = `In your time zone (${zoneName}).`;
  }
  form.addEventListener("submit", () => {
    if (when?.value) offset.value = String(new Date(when.value).getTimezoneOffset());
  });
}
