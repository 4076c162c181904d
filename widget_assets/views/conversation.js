// One ticket: the conversation with its files (attach.js, loaded with it by `need`), a reply
// box that takes files and pasted screenshots (while it is not closed), and a 1–5 rating once
// it is solved.

import { uuid } from "../api.js";
import { add, h, icon, put, uid, when } from "../dom.js";
import { badge, skeleton } from "./parts.js";

/**
 * `api` and `auth()` ask the server, as the user or the visitor who filed the ticket; `seen()`
 * is told when the conversation was read (the launcher's count); `ticket(id)` opens another.
 * While the conversation is on screen it asks again every 10 s (a minute in a hidden tab): a
 * 304 until an agent answers.
 */
// A message's text, its web addresses links (an agent's "Export data: https://…"): text
// nodes and anchors only, never markup; punctuation after an address stays text.
const URL = /https?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]}\u00bb\u201d\u2019]/g;
function linked(text) {
  const out = [];
  let at = 0;
  for (const found of text.matchAll(URL)) {
    out.push(text.slice(at, found.index));
    const href = found[0];
    out.push(h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow", text: href }));
    at = found.index + href.length;
  }
  out.push(text.slice(at));
  return out;
}

export function conversationView(
  { t, lang, api, auth, problem, upload, need, seen, ticket: open },
  id,
) {
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
  let files; // the reply's
  let attach = null; // attach.js, once in: a conversation shows without its files until then
  const loaded = need("views/attach.js").then(
    (m) => (attach = m),
    () => {},
  );
  const retry = () => {
    heading.focus();
    load();
  };

  // the opening message (the ticket) or a reply: its words, when, and its files
  const bubble = (mine, who, m) =>
    h(
      "li",
      { class: mine ? "mine" : "" },
      h(
        "p",
        { class: "by" },
        h("b", { text: who }),
        " · ",
        h("time", { datetime: m.created_at, text: when(m.created_at, lang) }),
      ),
      h("p", {}, linked(m.body)),
      attach?.attachments(t, lang, m.attachments),
    );

  async function load() {
    clearTimeout(timer);
    if (busy) return; // the answer under way will be shown
    busy = true;
    try {
      const [ticket] = await Promise.all([api.get(path, {}, as()), loaded]);
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
      bubble(true, t("you"), ticket),
      ticket.messages
        .filter((m) => !m.internal)
        .map((m) =>
          m.author.kind === "requester"
            ? bubble(true, t("you"), m)
            : bubble(false, m.author.name || t("supportTeam"), m),
        ),
    );
    put(
      content,
      h("p", {}, badge(t, ticket.status)),
      thread,
      // merged into another of theirs: nobody answers (or is rated for) this one, go there
      ticket.merged_into
        ? h(
            "p",
            { class: "merged" },
            t("mergedHint"),
            " ",
            h("button", {
              type: "button",
              class: "btn small",
              text: t("mergedOpen"),
              onclick: () => open(ticket.merged_into),
            }),
          )
        : [
            /^(solved|closed)$/.test(ticket.status) && rating(ticket),
            ticket.status === "closed"
              ? h("p", { class: "muted", text: t("closedHint") })
              : reply(ticket, thread),
          ],
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
    // and the same files: a new key when they change, as the reply is not the same one then
    files ||= attach?.picker({ t, lang, upload, paste: box, changed: () => (replyKey = null) });
    const send = h(
      "button",
      { type: "submit", class: "btn primary wide" },
      icon("send"),
      t("sendReply"),
    );
    return form(
      "reply",
      async (alert) => {
        const body = box.value.trim(); // may be empty when files are attached
        if (send.ariaDisabled || !(body || files?.busy() || files?.ids().length)) return;
        send.ariaDisabled = "true";
        try {
          if (files?.busy()) {
            put(alert, h("p", { class: "muted", text: t("uploadsWaiting") }));
            await files.settled();
            put(alert);
          }
          const reply = { body };
          const attachments = files?.ids() || [];
          if (attachments.length) reply.attachments = attachments;
          else if (!body) return; // its files were refused: nothing is left to send
          replyKey ||= uuid(); // kept until the reply is in: a retry cannot post it twice
          const message = await api.post(`${path}/messages`, reply, { key: replyKey, ...as() });
          replyKey = null;
          box.value = "";
          files?.clear();
          add(thread, bubble(true, t("you"), message));
          if (ticket.status !== "open") load(); // a reply reopens a pending or solved ticket
        } catch (error) {
          if (!error.transient) replyKey = null;
          throw error;
        } finally {
          send.ariaDisabled = null;
        }
      },
      box,
      files?.node,
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
