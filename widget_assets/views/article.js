// One article: sanitized HTML rebuilt safely (links to other articles open in place), and
// "Was this helpful?".

import { button, h, icon, put, rebuilt } from "../dom.js";
import { skeleton } from "./parts.js";

// What an article keeps of the server's HTML (dom.js's `rebuilt`): these tags, with these
// attributes only.
const TAGS = Object.fromEntries(
  (
    "a abbr b blockquote br code dd del details div dl dt em figcaption figure h1 h2 h3 h4 h5 h6 " +
    "hr i img kbd li mark ol p pre s span strong sub summary sup table tbody td th thead tr ul"
  )
    .split(" ")
    .map((tag) => [tag, []]),
);
TAGS.a = ["href", "title"];
TAGS.img = ["src", "alt", "title", "width", "height"];
TAGS.td = TAGS.th = ["align"];
const SLUG = /^(?:\.\/)?([a-z0-9]+(?:-[a-z0-9]+)*)\/?$/;

/**
 * Article HTML from the server, rebuilt from TAGS. A link to another article (its slug) opens
 * it in place (`onArticle`); other links open in a new tab, http(s) and mailto only, resolved
 * against `base`; images come from http(s) only, without a referrer.
 */
function safeHtml(html, { base, onArticle }) {
  return rebuilt(html, TAGS, (el, name, value) => {
    if (name !== "href" && name !== "src") return el.setAttribute(name, value);
    const slug = name === "href" && SLUG.exec(value);
    if (slug) {
      el.href = `#${slug[1]}`;
      return el.addEventListener("click", (event) => {
        event.preventDefault();
        onArticle(slug[1]);
      });
    }
    let url;
    try {
      url = new URL(value, base);
    } catch {
      return;
    }
    const allowed = name === "src" ? /^https?:$/ : /^(https?|mailto):$/;
    if (value[0] === "#" || !allowed.test(url.protocol)) return;
    el.setAttribute(name, url.href);
    if (name === "src") return el.setAttribute("referrerpolicy", "no-referrer");
    el.target = "_blank";
    el.rel = "noopener noreferrer";
  });
}

/**
 * `api`, `locale` and `auth()` ask the server; `server` resolves the article's relative links;
 * `article(slug)` and `contact(options)` go to those views.
 */
export function articleView(
  { t, api, locale, auth, server, problem, emit, article, contact },
  slug,
) {
  const eyebrow = h("p", { class: "eyebrow" });
  const heading = h("h1", { tabindex: "-1" });
  const content = h("div", { class: "prose" }, skeleton(6));
  const feedback = h("div");
  const node = h(
    "article",
    { class: "article", "aria-busy": "true" },
    eyebrow,
    heading,
    content,
    feedback,
  );
  const path = `/help/articles/${encodeURIComponent(slug)}`;
  // focus on the title: read from the top, not from a link in the middle
  const retry = () => {
    heading.focus();
    load();
  };

  async function load() {
    try {
      const found = await api.get(path, { locale });
      heading.textContent = found.title;
      eyebrow.textContent = found.category || "";
      node.lang = found.locale || "";
      let body;
      try {
        body = safeHtml(found.html, { base: server, onArticle: article });
      } catch {
        body = h("p", { text: found.body }); // a page that forbids HTML parsing (Trusted Types)
      }
      const first = body.firstElementChild;
      if (first?.localName === "h1" && first.textContent.trim() === found.title.trim()) {
        first.remove();
      }
      put(content, body);
      put(feedback, ask(found));
      emit("article:view", { slug: found.slug, title: found.title });
    } catch (error) {
      heading.textContent = t(error.status === 404 ? "articleMissing" : "article");
      put(content, error.status !== 404 && problem(error, retry));
    }
    node.removeAttribute("aria-busy");
  }

  function ask(found) {
    const vote = (helpful) => {
      put(
        box,
        h("p", { class: "thanks", role: "status" }, icon("check"), t("thanks")),
        !helpful && button("btn", () => contact({ subject: found.title }), t("contactCta")),
      );
      // best effort: the reader has been thanked whatever happens
      api
        .post(`${path}/feedback?locale=${found.locale}`, { helpful }, { auth: auth() })
        .catch(() => {});
    };
    const box = h(
      "div",
      { class: "ask", role: "group", "aria-label": t("helpfulQ") },
      h("p", { text: t("helpfulQ") }),
      h(
        "p",
        {},
        button("vote", () => vote(true), t("yes")),
        button("vote", () => vote(false), t("no")),
      ),
    );
    return box;
  }

  load();
  return { name: "article", tab: "help", title: t("article"), node, focus: () => heading };
}
