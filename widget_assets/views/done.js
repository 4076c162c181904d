// The outcome of Contact / Report a problem: sent, or queued until the connection returns.

import { button, h, icon } from "../dom.js";

/** `tickets()` and `home()` go to those views; My tickets is offered only when there are any. */
export function doneView({ t, canSeeTickets, tickets, home }, queued, email) {
  const heading = h("h3", { tabindex: "-1", text: t(queued ? "queuedTitle" : "sentTitle") });
  const node = h(
    "div",
    { class: queued ? "done queued" : "done", role: "status" },
    icon(queued ? "clock" : "check", "big"),
    heading,
    h("p", { text: t(queued ? "queuedBody" : "sentBody", { email: email || t("you") }) }),
    canSeeTickets() && button("btn primary", tickets, t("viewMessages")),
    button("btn", home, t("backToHelp")),
  );
  return { name: "sent", tab: "help", title: t("contactTitle"), node, focus: () => heading };
}
