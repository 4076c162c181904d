// Known issues where the user is (GET /help/notices): a banner at the top of the home view
// and, first on the contact form, "This is a known issue … you'll be told when it is fixed",
// above the form, which still files. Loaded when a view shows, so that opening the panel
// costs nothing more (its gzip budget); its few words live here rather than in i18n/ for the
// same reason. Titles and messages come from agents: set as text, never as HTML.

import { h, icon, put } from "../dom.js";

const WORDS = {
  en: ["This is a known issue:", "You'll be told when it is fixed. You can still write to us."],
  fr: [
    "C'est un problème connu :",
    "Vous serez prévenu dès qu'il sera corrigé. Vous pouvez tout de même nous écrire.",
  ],
  ar: ["هذه مشكلة معروفة:", "سنخبرك عند إصلاحها. لا يزال بإمكانك مراسلتنا."],
};

/** Fill `slot` with the open known issues of the page (its context, URL and app version);
 * `form`: the contact form's wording. Nothing when there are none, or the server cannot say. */
export async function show(api, state, slot, form) {
  const query = { context: state.context, url: location.href };
  const items = await api.get("/help/notices", { ...query, app_version: state.appVersion }).then(
    (d) => d.items,
    () => [], // a bonus: the view works without it
  );
  const [known, told] = WORDS[String(state.locale).slice(0, 2).toLowerCase()] || WORDS.en;
  const node =
    items[0] &&
    h(
      "div",
      { class: "note known", role: "status" },
      icon("alert"),
      h(
        "div",
        {},
        items.map((item) =>
          h(
            "p",
            {},
            h("strong", { text: form ? `${known} ${item.title}` : item.title }),
            h("br"),
            item.message,
          ),
        ),
        form && h("p", { text: told }),
      ),
    );
  if (node) {
    // the note's colours say "something failed"; this is news, in the warning's colour
    node.style.color = "var(--warn)";
    node.style.background = "color-mix(in srgb, var(--warn) 10%, var(--bg))";
  }
  put(slot, node);
}
