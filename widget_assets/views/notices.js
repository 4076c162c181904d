// Known issues where the user is (GET /help/notices): a banner at the top of the home view
// and, first on the contact form, "This is a known issue … you'll be told when it is fixed",
// above the form, which still files. Titles and messages come from agents: set as text, never
// as HTML.

import { h, icon, put } from "../dom.js";

/**
 * Fill `slot` with the open known issues of the page (its context, URL and app version);
 * `form`: in the contact form's words (i18n/<lang>.views.js, in with the form). Nothing when
 * there are none, or the server cannot say.
 */
export async function show({ api, state, t }, slot, form) {
  const query = { context: state.context, url: location.href };
  const items = await api.get("/help/notices", { ...query, app_version: state.appVersion }).then(
    (d) => d.items,
    () => [], // a bonus: the view works without it
  );
  put(
    slot,
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
              h("strong", { text: form ? `${t("knownIssue")} ${item.title}` : item.title }),
              h("br"),
              item.message,
            ),
          ),
          form && h("p", { text: t("knownIssueTold") }),
        ),
      ),
  );
}
