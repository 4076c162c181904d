// My tickets: the ones still queued in the outbox first, then the user's tickets.

import { button, h, icon, put, when } from "../dom.js";
import { badge, skeleton, text } from "./parts.js";

/**
 * `pending()` lists the outbox's queued tickets; `api` and `auth()` ask the server for the
 * user's, when `canSeeTickets()`; `ticket(id)` and `contact()` go to those views.
 */
export function ticketsView({
  t,
  lang,
  api,
  auth,
  pending,
  canSeeTickets,
  problem,
  ticket,
  contact,
}) {
  const node = h("div", {}, skeleton(4));

  async function load() {
    const rows = pending().map((entry) =>
      h(
        "li",
        {},
        h(
          "div",
          { class: "item" },
          icon("clock"),
          text(entry.subject, t("queuedHint")),
          badge(t, "queued"),
        ),
      ),
    );
    let failed = null;
    let items = [];
    try {
      if (canSeeTickets()) ({ items } = await api.get("/tickets", { limit: 50 }, { auth: auth() }));
    } catch (error) {
      failed = problem(error, load); // queued tickets are shown all the same
    }
    for (const found of items) {
      const last = found.messages.filter((m) => !m.internal).pop() || found;
      rows.push(
        h(
          "li",
          {},
          button(
            "item",
            () => ticket(found.id),
            text(found.subject, last.body),
            h(
              "span",
              { class: "meta" },
              found.unread && h("b", { class: "badge unread", text: t("newReply") }),
              badge(t, found.status),
              h("time", { datetime: found.updated_at, text: when(found.updated_at, lang, false) }),
            ),
          ),
        ),
      );
    }
    const write = button("btn wide", () => contact(), icon("chat"), t("contactCta"));
    put(
      node,
      failed,
      ...(rows.length
        ? [h("ul", { class: "list" }, rows), write]
        : failed
          ? []
          : [
              h(
                "div",
                { class: "empty" },
                icon("inbox"),
                h("p", { text: t("noTicketsYet") }),
                write,
              ),
            ]),
    );
  }

  return { name: "tickets", tab: "messages", title: t("myTickets"), node, enter: load };
}
