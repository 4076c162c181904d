// One ticket: the conversation, a reply box (while it is not closed), and a 1–5 rating once
// it is solved.

import { uuid } from "../api.js";
import { add, h, icon, put, uid, when } from "../dom.js";
import { badge, skeleton } from "./parts.js";

/**
 * `api` and `auth()` ask the server, as the user or the visitor who filed the ticket; `seen()`
 * is told when the conversation was read (the launcher's count). While the conversation is on
 * screen it asks again every 10 s (a minute in a hidden tab): a 304 until an agent answers.
 */
export function conversationView({ t, lang, api, auth, problem, seen }, id) {
  const path = `/tickets/${encodeURIComponent(id)}`;
  const as = () => ({ auth: auth() });
  const heading = h("h3", { tabindex: "-1" });
  const content = h("div", {}, skeleton(4));
  const node = h("div", { class: "ticket" }, heading, content);
  let replyKey;
  let last;
  let timer;
  let busy = false;
  let box;
  const retry = () => {
    heading.focus();
    load();
  };

  const bubble = (mine, who, body, at) =>
    h(
      "li",
      { class: mine ? "mine" : "" },
      h(
        "p",
        { class: "by" },
        h("b", { text: who }),
        " · ",
        h("time", { datetime: at, text: when(at, lang) }),
      ),
      h("p", { text: body }),
    );

  async function load() {
    clearTimeout(timer);
    if (busy) return; // the answer under way will be shown
    busy = true;
    try {
      const ticket = await api.get(path, {}, as());
      if (ticket !== last) render((last = ticket));
      // read only when seen: not from a hidden tab
      if (ticket.unread && !document.hidden)
        api.post(`${path}/read`, undefined, as()).then(seen, () => {});
    } catch (error) {
      heading.textContent ||= t("conversation");
      if (!last) put(content, error.status === 404 ? t("ticketMissing") : problem(error, retry));
    }
    busy = false;
    clearTimeout(timer);
    timer = setTimeout(
      () => (node.checkVisibility?.() ?? node.isConnected) && load(),
      document.hidden ? 60000 : 10000,
    );
  }

  function render(ticket) {
    heading.textContent = ticket.subject;
    const thread = h(
      "ol",
      { class: "thread", "aria-label": t("conversation") },
      bubble(true, t("you"), ticket.body, ticket.created_at),
      ticket.messages
        .filter((m) => !m.internal)
        .map((m) =>
          m.author.kind === "requester"
            ? bubble(true, t("you"), m.body, m.created_at)
            : bubble(false, m.author.name || t("supportTeam"), m.body, m.created_at),
        ),
    );
    put(
      content,
      h("p", {}, badge(t, ticket.status)),
      thread,
      /^(solved|closed)$/.test(ticket.status) && rating(ticket),
      ticket.status === "closed"
        ? h("p", { class: "muted", text: t("closedHint") })
        : reply(ticket, thread),
    );
  }

  function form(cls, submit, ...children) {
    const alert = h("div", { role: "alert" });
    const onsubmit = async (event) => {
      event.preventDefault();
      put(alert);
      try {
        await submit(alert);
      } catch (error) {
        put(alert, problem(error));
      }
    };
    return h("form", { class: cls, onsubmit }, children, alert);
  }

  function reply(ticket, thread) {
    // the same box across refreshes: a reply being written survives a new message arriving
    box ||= h("textarea", {
      "aria-label": t("replyLabel"),
      placeholder: t("replyPlaceholder"),
      maxlength: 20000,
    });
    const send = h(
      "button",
      { type: "submit", class: "btn primary wide" },
      icon("send"),
      t("sendReply"),
    );
    return form(
      "reply",
      async () => {
        const body = box.value.trim();
        if (!body || send.ariaDisabled) return;
        send.ariaDisabled = "true";
        replyKey ||= uuid(); // kept until the reply is in: a retry cannot post it twice
        try {
          const message = await api.post(`${path}/messages`, { body }, { key: replyKey, ...as() });
          replyKey = null;
          box.value = "";
          add(thread, bubble(true, t("you"), message.body, message.created_at));
          if (ticket.status !== "open") load(); // a reply reopens a pending or solved ticket
        } catch (error) {
          if (!error.transient) replyKey = null;
          throw error;
        } finally {
          send.ariaDisabled = null;
        }
      },
      box,
      send,
    );
  }

  function rating(ticket) {
    if (ticket.rating) {
      return h("p", { class: "rated" }, icon("star"), t("rated", { n: ticket.rating.score }));
    }
    const name = uid("r");
    let score = 0;
    const pick = (n) => {
      score = n;
      for (const [i, star] of stars.entries()) star.classList.toggle("on", i < n);
    };
    const stars = [1, 2, 3, 4, 5].map((n) =>
      h(
        "label",
        { class: "star" },
        h("input", { type: "radio", name, value: n, class: "sr-only", onchange: () => pick(n) }),
        icon("star"),
        h("span", { class: "sr-only", text: t("stars", { n }) }),
      ),
    );
    const comment = h("textarea", {
      "aria-label": t("ratingComment"),
      placeholder: t("ratingComment"),
      maxlength: 2000,
    });
    const box = h(
      "div",
      {},
      form(
        "rating",
        async (alert) => {
          if (!score) return put(alert, h("p", { class: "err", text: t("pickScore") }));
          const words = comment.value.trim();
          await api.post(`${path}/rating`, words ? { score, comment: words } : { score }, as());
          put(
            box,
            h("p", { class: "rated", role: "status" }, icon("star"), t("rated", { n: score })),
          );
        },
        h("fieldset", {}, h("legend", { text: t("rateQ") }), stars),
        comment,
        h("button", { type: "submit", class: "btn primary", text: t("rateSend") }),
      ),
    );
    return box;
  }

  return {
    name: "ticket",
    tab: "messages",
    title: t("conversation"),
    node,
    enter: load,
    focus: () => heading,
  };
}
