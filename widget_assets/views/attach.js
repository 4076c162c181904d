// Attachments, loaded with the first view that needs them (contact.js, conversation.js): a
// picker for a form (files chosen or screenshots pasted, each uploaded at once with its
// progress, then shown as a chip) and the files of a message, images as small previews.
// File names are text, always; URLs are the server's signed ones, used only if http(s).

import { add, button, h, icon, put } from "../dom.js";

const IMAGE = /^image\/(png|jpeg|gif|webp)$/;
const MAX_FILES = 10;

/** "12 kB", "3.4 MB", in the reader’s language. */
export function size(bytes, lang) {
  // a few bytes are "0.1 kB", never "0 kB"
  const [n, unit] =
    bytes < 1e6 ? [Math.max(bytes, 100) / 1e3, "kilobyte"] : [bytes / 1e6, "megabyte"];
  return new Intl.NumberFormat(lang, {
    style: "unit",
    unit,
    maximumFractionDigits: n < 10 ? 1 : 0,
  }).format(n);
}

/** A message's files: images as previews linking to the file, others as download links. */
export function attachments(t, lang, files) {
  const safe = (files || []).filter((f) => /^https?:\/\//i.test(f.url));
  if (!safe.length) return null;
  const link = (f, ...children) =>
    h("a", { href: f.url, target: "_blank", rel: "noopener noreferrer" }, ...children);
  return h(
    "ul",
    { class: "files", "aria-label": t("attachments") },
    safe.map((f) =>
      h(
        "li",
        {},
        IMAGE.test(f.content_type)
          ? link(f, h("img", { src: f.url, alt: f.filename, loading: "lazy", class: "preview" }))
          : link(
              f,
              icon("clip"),
              h("span", { text: f.filename }),
              h("small", { text: size(f.size, lang) }),
            ),
      ),
    ),
  );
}

/**
 * The files of a form being written: "Attach files" (a real file input behind a button) and
 * images pasted into `paste` (a textarea). `upload(file, progress)` sends one; `changed()` is
 * told whenever the set of files changes. A file the server refuses stays as a chip with the
 * server's words, and is not sent.
 */
export function picker({ t, lang, upload, paste, changed = () => {} }) {
  const items = [];
  const percent = new Intl.NumberFormat(lang, { style: "percent" });
  const input = h("input", {
    type: "file",
    multiple: true,
    hidden: true,
    onchange: () => {
      for (const file of input.files) take(file);
      input.value = ""; // the same file can be chosen again
    },
  });
  const list = h("ul", { class: "chips", "aria-live": "polite" });
  const node = h(
    "div",
    { class: "attach" },
    input,
    button("btn small", () => input.click(), icon("clip"), t("attachFiles")),
    h("span", { class: "muted", text: t("attachHint") }),
    list,
  );

  paste.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.items || [])]
      .filter((item) => item.kind === "file" && item.type.startsWith("image/"))
      .map((item) => item.getAsFile())
      .filter(Boolean);
    if (!files.length) return; // text is pasted as usual
    event.preventDefault();
    const stamp = new Date().toISOString().slice(0, 19).replace(/\D/g, "");
    files.forEach((file, i) => {
      const type = file.type.split("/")[1].replace("jpeg", "jpg");
      const name = `screenshot-${stamp}${i ? `-${i}` : ""}.${type}`;
      take(new File([file], name, { type: file.type }));
    });
  });

  function take(file) {
    const item = {};
    const meter = h("progress", { max: 100, value: 0, "aria-label": file.name });
    const status = h("span", { class: "sub", text: percent.format(0) });
    const error = h("p", { class: "err", dir: "auto", hidden: true }); // the server's words
    const remove = () => {
      items.splice(items.indexOf(item), 1);
      put(
        list,
        items.map((i) => i.chip),
      );
      paste.focus();
      changed();
    };
    // an image shows itself, as a data: URL (a page's CSP that allows the widget allows those,
    // where blob: URLs would need a word of their own); shown once it has loaded, so that a
    // file that only claims to be an image keeps its paper clip
    const thumb = h("span", { class: "thumb" }, icon("clip"));
    if (IMAGE.test(file.type) && file.size < 2e6) {
      const img = h("img", { alt: "", onload: () => put(thumb, img) });
      const reader = new FileReader();
      reader.onload = () => (img.src = reader.result);
      reader.readAsDataURL(file);
    }
    item.chip = h(
      "li",
      { class: "chip" },
      thumb,
      h("span", { class: "txt" }, h("span", { class: "t", text: file.name }), status, meter),
      h(
        "button",
        {
          type: "button",
          class: "icon-btn",
          "aria-label": t("removeFile", { name: file.name }),
          onclick: remove,
        },
        icon("close"),
      ),
      error,
    );
    // the server takes 10 files a message: the 11th is refused here, and says why
    const room = items.filter((i) => !i.chip.classList.contains("bad")).length < MAX_FILES;
    item.done = (
      room
        ? upload(file, (part) => {
            meter.value = Math.round(part * 100);
            status.textContent = percent.format(part);
          })
        : Promise.reject({ status: -1, message: t("tooManyFiles", { n: MAX_FILES }) })
    )
      .then(
        (uploaded) => {
          item.id = uploaded.id;
          status.textContent = size(uploaded.size ?? file.size, lang);
        },
        (failure) => {
          status.textContent = size(file.size, lang);
          item.chip.classList.add("bad");
          error.textContent =
            failure.status === 0
              ? t("errorNetwork")
              : failure.status === 429
                ? t("errorBusy")
                : failure.message || t("uploadFailed");
          error.hidden = false;
        },
      )
      .finally(() => {
        item.settled = true;
        meter.hidden = true;
      });
    items.push(item);
    add(list, item.chip);
    changed();
  }

  return {
    node,
    /** Still uploading? */
    busy: () => items.some((item) => !item.settled),
    /** Resolves once every upload under way has finished, one way or the other. */
    settled: () => Promise.all(items.map((item) => item.done)),
    ids: () => items.filter((item) => item.id).map((item) => item.id),
    clear() {
      items.length = 0;
      put(list);
    },
  };
}
