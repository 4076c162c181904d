// Home: a greeting, search as you type (debounced, highlighted snippets, "did you mean"),
// suggested articles for where the user is, and the ways to reach a person.

import { button, fill, h, icon, put, uid } from "../dom.js";
import { articleList, label, skeleton, text } from "./parts.js";

/**
 * `suggestions(context)` and `find(q, limit, options)` answer from the server, and
 * `notices(slot)` shows the known issues of the page; `article(slug)`
 * and `contact(options)` go to those views; `problem(error, retry)` says what went wrong.
 */
export function homeView(
  { t, title, user, suggestions, notices, find, problem, mark, emit, article, contact },
  context = null,
) {
  const id = uid("s");
  const status = h("p", { class: "sr-only", role: "status" });
  const results = h("div", { hidden: true });
  const picks = h("div", {}, skeleton(3));
  const suggested = h(
    "section",
    { "aria-labelledby": id },
    label(t(context ? "aboutThis" : "suggested"), id),
    picks,
  );
  const input = h("input", {
    type: "search",
    placeholder: t("searchPlaceholder"),
    "aria-label": t("searchLabel"),
    autocomplete: "off",
    oninput: () => search(180),
    onkeydown: (event) => event.key === "Enter" && search(0),
  });
  const name = user().name;
  const hero = h(
    "div",
    { class: "hero" },
    h("p", {
      class: "hello",
      text: name ? t("greetingName", { name: name.split(" ")[0] }) : t("greeting"),
    }),
    h("p", { class: "lead", text: t("howCanWeHelp") }),
    h("div", { class: "search" }, icon("search"), input),
  );
  const notes = h("div");
  const node = h(
    "div",
    {},
    notes,
    status,
    results,
    suggested,
    button(
      "card",
      () => contact(),
      icon("chat"),
      text(t("contactCta"), t("contactHint")),
      icon("next"),
    ),
    button("link report", () => contact({ report: true }), icon("flag"), t("reportProblem")),
  );
  let controller;
  let timer;
  let shown;

  async function loadSuggestions() {
    const pending = suggestions(context);
    if (pending === shown) return; // that answer is on screen already
    shown = pending;
    try {
      const articles = await pending;
      if (pending !== shown) return; // the user moved on: a newer answer is on its way
      put(
        picks,
        articles.length
          ? articleList(articles, article)
          : h("p", { class: "muted", text: t("noSuggestions") }),
      );
      mark("suggestions");
    } catch (error) {
      shown = null;
      put(picks, problem(error, loadSuggestions));
    }
  }

  function search(wait) {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q) {
      timer = setTimeout(run, wait, q);
      return;
    }
    controller?.abort();
    results.hidden = true;
    suggested.hidden = false;
    status.textContent = "";
  }

  async function run(q) {
    controller?.abort();
    controller = new AbortController();
    try {
      const data = await find(q, 8, { signal: controller.signal });
      const term = data.suggestion;
      const again =
        term &&
        term.toLowerCase() !== q.toLowerCase() &&
        h(
          "p",
          { class: "dym" },
          fill(t("didYouMean"), { term: button("link", () => view.search(term), term) }),
        );
      status.textContent = t("results", { n: data.total });
      put(
        results,
        again,
        ...(data.results.length
          ? [label(status.textContent), articleList(data.results, article)]
          : [
              h(
                "div",
                { class: "empty" },
                icon("search"),
                h("p", { text: t("noResults", { q }) }),
                button("btn", () => contact({ subject: q }), t("contactCta")),
              ),
            ]),
      );
      emit("search", { query: q, total: data.total });
    } catch (error) {
      if (error.name === "AbortError") return;
      put(
        results,
        problem(error, () => run(q)),
      );
    }
    results.hidden = false;
    suggested.hidden = true;
  }

  const view = {
    name: "home",
    tab: "help",
    title,
    hero,
    node,
    // no keyboard popping up on phones
    focus: () => !matchMedia("(pointer: coarse)").matches && input,
    enter() {
      notices(notes);
      return input.value || loadSuggestions();
    },
    search(q) {
      input.value = q;
      search(0);
    },
  };
  view.refresh = view.enter;
  return view;
}
