// The article editor: live preview from the server's own renderer, image upload (pick, drop
// or paste), a local backup of unsaved text, a warning before leaving with unsaved changes,
// Ctrl/⌘+S to save, and the browser's time zone for scheduled publication.

const form = document.querySelector("form[data-editor]");
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

function fieldValues() {
  const values = {};
  for (const [name, value] of new FormData(form)) {
    if (!["csrf_token", "tz_offset", "action", "publish_at"].includes(name)) values[name] = String(value);
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
        localStorage.setItem(key, JSON.stringify({ values: fieldValues(), savedAt: new Date().toISOString() }));
      } catch { /* storage full or blocked: the unload warning still protects the text */ }
    }, 600);
  }

  form.addEventListener("input", () => {
    dirty = !same(fieldValues(), initial) || form.hasAttribute("data-keep-dirty");
    showDirty();
    backup();
  });
  form.addEventListener("submit", () => { submitting = true; });
  window.addEventListener("beforeunload", (event) => {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  for (const link of document.querySelectorAll("[data-discard]")) {
    link.addEventListener("click", () => { dirty = false; });
  }
  showDirty();

  // -- local backup: offer what this browser had typed but not saved ---------------------------
  try {
    if (form.hasAttribute("data-clean-backup")) {
      localStorage.removeItem(key);
      const extra = form.dataset.cleanBackup;
      if (extra) localStorage.removeItem(key.replace(/:[^:]*$/, ":" + extra));
    } else if (!form.hasAttribute("data-keep-dirty")) {
      const saved = JSON.parse(localStorage.getItem(key) || "null");
      if (saved && saved.values && !same(saved.values, initial)) offerRestore(saved);
    }
  } catch { /* no storage */ }

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
    form.before(box);
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
  async function refreshPreview() {
    const mine = ++previewRequest;
    try {
      const response = await fetch(form.dataset.previewUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ markdown: body.value, title: form.elements.namedItem("title").value }),
      });
      if (!response.ok || mine !== previewRequest) return;
      const { html } = await response.json();
      preview.innerHTML = html; // sanitized by the server (nh3), exactly what readers get
    } catch { /* offline: keep the last preview */ }
  }
  for (const source of [body, form.elements.namedItem("title")]) {
    source.addEventListener("input", () => {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(refreshPreview, 250);
    });
  }

  // -- images ----------------------------------------------------------------------------------
  function insertAtCursor(text) {
    const start = body.selectionStart ?? body.value.length;
    const end = body.selectionEnd ?? start;
    const before = body.value.slice(0, start);
    const padded = (before && !before.endsWith("\n") ? "\n" : "") + text + "\n";
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
      if (!response.ok) throw new Error(result.error?.message || `upload failed (${response.status})`);
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
    const files = [...(event.clipboardData?.files || [])].filter((f) => f.type.startsWith("image/"));
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
    if (when && when.value) offset.value = String(new Date(when.value).getTimezoneOffset());
  });
}
