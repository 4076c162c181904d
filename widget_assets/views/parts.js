// What the views share: a section label, a list of articles, a loading skeleton, a ticket's
// status badge and an item's two lines of text. Every string from people or the server is
// set as text.

import { button, h, highlight, icon } from "../dom.js";

export const label = (text, id) => h("h3", { class: "label", id, text });

export const text = (title, sub) =>
  h(
    "span",
    { class: "txt" },
    h("span", { class: "t", text: title }),
    h("span", { class: "sub" }, sub),
  );

/** `open(slug)` shows an article; a search result's snippet is highlighted. */
export const articleList = (articles, open) =>
  h(
    "ul",
    { class: "list" },
    articles.map((a) =>
      h(
        "li",
        {},
        button(
          "item",
          () => open(a.slug),
          icon("doc"),
          text(a.title, a.snippet === undefined ? a.summary : highlight(a.snippet)),
          icon("next"),
        ),
      ),
    ),
  );

export const skeleton = (rows) =>
  h(
    "div",
    { class: "skeleton", "aria-hidden": "true" },
    Array.from({ length: rows }, () => h("span")),
  );

export const badge = (t, status) =>
  h("span", { class: `badge s-${status}`, text: t(`status_${status}`) });

/**
 * What went wrong, with "Try again" when `retry` is given. A page whose origin the app does not
 * allow gets no readable answer at all (CORS): say so, rather than "can't reach support", and
 * offer no "Try again" that cannot help. main.js binds `t` and `blocked`; a part of the widget
 * that could not be downloaded (code "not_loaded") is tried again when the connection returns.
 */
export const problem = (t, blocked, error, retry) =>
  h(
    "p",
    { class: "note", role: "alert" },
    icon("alert"),
    t(
      blocked
        ? "errorOrigin"
        : error.code === "not_loaded"
          ? "loadFailed"
          : error.status === 0
            ? "errorNetwork"
            : error.status === 429
              ? "errorBusy"
              : "errorGeneric",
    ),
    retry && !blocked && button("link", retry, t("retry")),
  );
