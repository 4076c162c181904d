// The panel's views. A view is {name, tab, title, hero?, node, focus?, enter?, refresh?}; the
// panel (panel.js) swaps them in and out. One module rather than one per view because the
// widget has a size budget, and gzip compresses the views' shared vocabulary once.
//
// Home: search as you type (debounced, highlighted snippets, "did you mean") and suggested
// articles for where the user is. Article: sanitized HTML rebuilt safely, links to other
// articles opened in place, "Was this helpful?". Contact / Report a problem: a form prefilled
// from the token (or the host's `prefill`), articles matching the subject shown while the user
// types (recorded in the ticket's context), and the outcome: sent or queued. My tickets: the
// list (queued ones first), a conversation with replies, and a 1–5 rating once solved.
// Every string from people or the server is set as text.

import { uuid } from "./api.js";
import { add, button, debounce, fill, h, highlight, icon, put, safeHtml, uid, when } from "./dom.js";

// -- home: greeting, search as you type, suggestions, ways to reach a person ---------------

const label = (text, id) => h("h3", { class: "label", id, text });

const articleList = (app, articles) => h("ul", { class: "list" }, articles.map((a) => h("li", {},
  button("item", () => app.go.article(a.slug), icon("doc"),
    h("span", { class: "txt" }, h("span", { class: "t", text: a.title }),
      h("span", { class: "sub" }, a.snippet === undefined ? a.summary : highlight(a.snippet))),
    icon("next")))));

const skeleton = (rows) => h("div", { class: "skeleton", "aria-hidden": "true" }, Array.from({ length: rows }, () => h("span")));

// A page whose origin the app does not allow gets no readable answer at all (CORS): say so,
// rather than "can't reach support", and offer no "Try again" that cannot help.
const problem = (app, error, retry) => h("p", { class: "note", role: "alert" }, icon("alert"),
  app.t(app.blocked ? "errorOrigin" : error.status === 0 ? "errorNetwork" : error.status === 429 ? "errorBusy" : "errorGeneric"),
  retry && !app.blocked && button("link", retry, app.t("retry")));

export function homeView(app, context = null) {
  const { t, api } = app;
  const id = uid("s");
  const status = h("p", { class: "sr-only", role: "status" });
  const results = h("div", { hidden: true });
  const picks = h("div", {}, skeleton(3));
  const suggested = h("section", { "aria-labelledby": id }, label(t(context ? "aboutThis" : "suggested"), id), picks);
  const input = h("input", {
    type: "search", placeholder: t("searchPlaceholder"), "aria-label": t("searchLabel"), autocomplete: "off",
    oninput: () => search(180),
    onkeydown: (event) => event.key === "Enter" && search(0),
  });
  const name = app.user().name;
  const hero = h("div", { class: "hero" },
    h("p", { class: "hello", text: name ? t("greetingName", { name: name.split(" ")[0] }) : t("greeting") }),
    h("p", { class: "lead", text: t("howCanWeHelp") }),
    h("div", { class: "search" }, icon("search"), input));
  const node = h("div", {}, status, results, suggested,
    button("card", () => app.go.contact(), icon("chat"),
      h("span", { class: "txt" }, h("span", { class: "t", text: t("contactCta") }), h("span", { class: "sub", text: t("contactHint") })),
      icon("next")),
    button("link report", () => app.go.contact({ report: true }), icon("flag"), t("reportProblem")));
  let controller;
  let timer;
  let shown;

  async function loadSuggestions() {
    const pending = app.suggestions(context);
    if (pending === shown) return; // that answer is on screen already
    shown = pending;
    try {
      const articles = await pending;
      if (pending !== shown) return; // the user moved on: a newer answer is on its way
      put(picks, articles.length ? articleList(app, articles) : h("p", { class: "muted", text: t("noSuggestions") }));
      app.mark("suggestions");
    } catch (error) {
      shown = null;
      put(picks, problem(app, error, loadSuggestions));
    }
  }

  function search(wait) {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q) return (timer = setTimeout(run, wait, q));
    controller?.abort();
    results.hidden = true;
    suggested.hidden = false;
    status.textContent = "";
  }

  async function run(q) {
    controller?.abort();
    controller = new AbortController();
    try {
      const data = await api.get("/help/search", { q, locale: app.state.locale, limit: 8 }, { signal: controller.signal });
      const again = data.suggestion && data.suggestion.toLowerCase() !== q.toLowerCase() &&
        h("p", { class: "dym" }, fill(t("didYouMean"), { term: button("link", () => view.search(data.suggestion), data.suggestion) }));
      status.textContent = t("results", { n: data.total });
      put(results, again, ...(data.results.length
        ? [label(status.textContent), articleList(app, data.results)]
        : [h("div", { class: "empty" }, icon("search"), h("p", { text: t("noResults", { q }) }),
          button("btn", () => app.go.contact({ subject: q }), t("contactCta")))]));
      app.emit("search", { query: q, total: data.total });
    } catch (error) {
      if (error.name === "AbortError") return;
      put(results, problem(app, error, () => run(q)));
    }
    results.hidden = false;
    suggested.hidden = true;
  }

  const view = {
    name: "home",
    tab: "help",
    title: app.appName,
    hero,
    node,
    focus: () => !matchMedia("(pointer: coarse)").matches && input, // no keyboard popping up on phones
    enter: () => input.value || loadSuggestions(),
    search(q) {
      input.value = q;
      search(0);
    },
  };
  view.refresh = view.enter;
  return view;
}

// -- one article: sanitized HTML rebuilt safely, "Was this helpful?" ---------------------

export function articleView(app, slug) {
  const { t, api } = app;
  const eyebrow = h("p", { class: "eyebrow" });
  const heading = h("h1", { tabindex: "-1" });
  const content = h("div", { class: "prose" }, skeleton(6));
  const feedback = h("div");
  const node = h("article", { class: "article", "aria-busy": "true" }, eyebrow, heading, content, feedback);
  const path = `/help/articles/${encodeURIComponent(slug)}`;
  const retry = () => { // focus on the title: read from the top, not from a link in the middle
    heading.focus();
    load();
  };

  async function load() {
    try {
      const article = await api.get(path, { locale: app.state.locale });
      heading.textContent = article.title;
      eyebrow.textContent = article.category || "";
      node.lang = article.locale || "";
      let body;
      try {
        body = safeHtml(article.html, { base: app.server, onArticle: app.go.article });
      } catch {
        body = h("p", { text: article.body }); // a page that forbids HTML parsing (Trusted Types)
      }
      const first = body.firstElementChild;
      if (first && first.localName === "h1" && first.textContent.trim() === article.title.trim()) first.remove();
      put(content, body);
      put(feedback, ask(article));
      app.emit("article:view", { slug: article.slug, title: article.title });
    } catch (error) {
      heading.textContent = t(error.status === 404 ? "articleMissing" : "article");
      put(content, error.status !== 404 && problem(app, error, retry));
    }
    node.removeAttribute("aria-busy");
  }

  function ask(article) {
    const vote = (helpful) => {
      put(box, h("p", { class: "thanks", role: "status" }, icon("check"), t("thanks")),
        !helpful && button("btn", () => app.go.contact({ subject: article.title }), t("contactCta")));
      // best effort: the reader has been thanked whatever happens
      api.post(`${path}/feedback?locale=${article.locale}`, { helpful }, { auth: app.auth() }).catch(() => {});
    };
    const box = h("div", { class: "ask", role: "group", "aria-label": t("helpfulQ") },
      h("p", { text: t("helpfulQ") }),
      h("p", {},
        button("vote", () => vote(true), t("yes")),
        button("vote", () => vote(false), t("no"))));
    return box;
  }

  load();
  return { name: "article", tab: "help", title: t("article"), node, focus: () => heading };
}

// -- contact support / report a problem --------------------------------------------------

// By code point, as the server counts: a UTF-16 slice could split an emoji into a lone surrogate.
const cut = (value, n) => (value || value === 0 ? [...String(value)].slice(0, n).join("") : undefined);

/** The context a ticket carries for the agent, cut to the lengths the server accepts. */
export function ticketContext(state, { shown = [] } = {}) {
  let custom = Object.keys(state.custom).length ? JSON.parse(JSON.stringify(state.custom)) : undefined;
  if (JSON.stringify(custom || 0).length > 8192) custom = { _dropped: "custom data over 8 KB" };
  return JSON.parse(JSON.stringify({
    url: cut(location.href, 2000),
    title: cut(document.title, 300),
    context_key: cut(state.context, 200),
    app_version: cut(state.appVersion, 64),
    locale: cut(state.locale, 35),
    time_zone: cut(Intl.DateTimeFormat().resolvedOptions().timeZone, 64),
    user_agent: cut(navigator.userAgent, 500),
    viewport: { width: innerWidth, height: innerHeight },
    errors: state.errors.length ? state.errors.slice(-20).map((e) => ({
      message: cut(e.message, 1000) || "error", source: cut(e.source, 500), line: e.line, column: e.column, stack: cut(e.stack, 4000), at: e.at,
    })) : undefined,
    custom,
    articles_shown: shown.length ? shown.slice(0, 50) : undefined,
  }));
}

function field(text, control, optional) {
  const error = h("p", { class: "err", id: uid("e"), hidden: true });
  control.id = uid("f");
  control.setAttribute("aria-describedby", error.id);
  const wrap = h("div", { class: "field" }, h("label", { for: control.id }, text, optional && h("span", { class: "opt", text: ` ${optional}` })), control, error);
  wrap.fail = (message) => {
    error.textContent = message || "";
    error.hidden = !message;
    if (message) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  };
  return wrap;
}

export function contactView(app, { report = false, subject = "" } = {}) {
  const { t, state } = app;
  const draft = (state.draft ||= {});
  if (!draft.subject && (subject || report)) {
    draft.subject = cut(subject || t("problemOn", { page: document.title || location.pathname }), 200);
    draft.auto = true; // our words, not the user's: no article search for them
  }
  const user = app.user();
  const signedIn = app.signedIn();
  const shown = new Set();
  const els = {};
  const input = (name, props, optional) => field(t(name === "body" ? "message" : name), els[name] = h(name === "body" ? "textarea" : "input", {
    name, value: signedIn && user[name] !== undefined ? user[name] : draft[name],
    oninput: (event) => {
      draft[name] = event.target.value;
      if (name === "subject") {
        draft.auto = false;
        match();
      }
    },
    ...props,
  }), optional && t("optional"));
  const mine = signedIn && { readonly: true };
  const fields = {
    name: input("name", { autocomplete: "name", ...mine }, !signedIn),
    email: input("email", { type: "email", autocomplete: "email", ...(mine || { required: true }) }),
    subject: input("subject", { maxlength: 200, autocomplete: "off" }, true),
    body: input("body", { required: true, maxlength: 20000, placeholder: t(report ? "reportPlaceholder" : "messagePlaceholder") }),
  };
  const matchesId = uid("m");
  const matches = h("section", { hidden: true, "aria-labelledby": matchesId, "aria-live": "polite" });
  const alert = h("div", { role: "alert" });
  const send = h("span", { text: t("send") });
  const submitButton = h("button", { type: "submit", class: "btn primary wide" }, icon("send"), send);
  const node = h("form", { novalidate: true, onsubmit: submit },
    report && h("p", { class: "muted", text: t("reportLead") }),
    signedIn && h("p", { class: "muted", text: t("sendingAs") }),
    h("div", { class: "row" }, fields.name, fields.email),
    fields.subject, matches, fields.body, h("p", { class: "muted tech", text: t("techDetails") }), alert, submitButton);

  const match = debounce(async () => {
    const q = els.subject.value.trim();
    matches.hidden = true;
    if (q.length < 3 || draft.auto) return;
    try {
      const data = await app.api.get("/help/search", { q, locale: state.locale, limit: 3 });
      if (els.subject.value.trim() !== q || !data.results.length) return;
      for (const a of data.results) shown.add(a.slug);
      put(matches, label(t("mightHelp"), matchesId), articleList(app, data.results));
      matches.hidden = false;
    } catch {
      // a bonus: the form works without it
    }
  }, 250);

  async function submit(event) {
    event.preventDefault();
    const value = (name) => els[name].value.trim();
    const problems = {
      email: !signedIn && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value("email")) && t(value("email") ? "invalidEmail" : "required"),
      body: !value("body") && t("required"),
    };
    for (const name in fields) fields[name].fail(problems[name]);
    const wrong = Object.keys(problems).find((name) => problems[name]);
    if (wrong) return els[wrong].focus();
    if (submitButton.ariaDisabled) return;
    put(alert);
    // busy, not `disabled`: a disabled button loses focus, which would fall out of the dialog
    submitButton.ariaDisabled = "true";
    send.textContent = t("sending");
    const payload = { body: value("body"), context: app.context({ shown: [...shown] }) };
    if (value("subject")) payload.subject = value("subject");
    if (!signedIn) {
      payload.email = value("email");
      if (value("name")) payload.name = value("name");
    }
    const result = await app.fileTicket(payload);
    submitButton.ariaDisabled = null;
    send.textContent = t("send");
    if (result.status === "rejected") {
      for (const name in fields) fields[name].fail(result.error.details[name] && t("invalidField"));
      return put(alert, h("p", { class: "note" }, icon("alert"), t(result.error.status === 401 ? "sessionExpired" : "sendFailed")));
    }
    state.draft = null;
    app.panel.show(doneView(app, result.status === "queued", payload.email || user.email), { replace: true });
  }

  return {
    name: report ? "report" : "contact",
    tab: "help",
    title: t(report ? "reportProblem" : "contactTitle"),
    node,
    focus: () => (els.subject.value ? els.body : els.subject),
    enter: match,
  };
}

function doneView(app, queued, email) {
  const { t } = app;
  const heading = h("h3", { tabindex: "-1", text: t(queued ? "queuedTitle" : "sentTitle") });
  const node = h("div", { class: queued ? "done queued" : "done", role: "status" },
    icon(queued ? "clock" : "check", "big"), heading,
    h("p", { text: t(queued ? "queuedBody" : "sentBody", { email: email || t("you") }) }),
    app.canSeeTickets() && button("btn primary", app.go.tickets, t("viewMessages")),
    button("btn", app.go.home, t("backToHelp")));
  return { name: "sent", tab: "help", title: t("contactTitle"), node, focus: () => heading };
}

// -- my tickets: the list, one conversation, replies, rating -----------------------------

const badge = (app, status) => h("span", { class: `badge s-${status}`, text: app.t(`status_${status}`) });
const text = (title, sub) => h("span", { class: "txt" }, h("span", { class: "t", text: title }), h("span", { class: "sub", text: sub }));

export function ticketsView(app) {
  const { t } = app;
  const node = h("div", {}, skeleton(4));

  async function load() {
    const rows = app.outbox.pending().map((entry) => h("li", {}, h("div", { class: "item" }, icon("clock"), text(entry.subject, t("queuedHint")), badge(app, "queued"))));
    let failed = null;
    let items = [];
    try {
      if (app.canSeeTickets()) ({ items } = await app.api.get("/tickets", { limit: 50 }, { auth: app.auth() }));
    } catch (error) {
      failed = problem(app, error, load); // queued tickets are shown all the same
    }
    for (const ticket of items) {
      const last = ticket.messages.filter((m) => !m.internal).pop() || ticket;
      rows.push(h("li", {}, button("item", () => app.go.ticket(ticket.id), text(ticket.subject, last.body),
        h("span", { class: "meta" }, badge(app, ticket.status), h("time", { datetime: ticket.updated_at, text: when(ticket.updated_at, app.lang, false) })))));
    }
    const write = button("btn wide", () => app.go.contact(), icon("chat"), t("contactCta"));
    put(node, failed, ...(rows.length ? [h("ul", { class: "list" }, rows), write]
      : failed ? [] : [h("div", { class: "empty" }, icon("inbox"), h("p", { text: t("noTicketsYet") }), write)]));
  }

  return { name: "tickets", tab: "messages", title: t("myTickets"), node, enter: load };
}

export function ticketView(app, id) {
  const { t, api } = app;
  const path = `/tickets/${encodeURIComponent(id)}`;
  const auth = () => ({ auth: app.auth() });
  const heading = h("h3", { tabindex: "-1" });
  const content = h("div", {}, skeleton(4));
  let replyKey;
  const retry = () => {
    heading.focus();
    load();
  };

  const bubble = (mine, who, body, at) => h("li", { class: mine ? "mine" : "" },
    h("p", { class: "by" }, h("b", { text: who }), " · ", h("time", { datetime: at, text: when(at, app.lang) })),
    h("p", { text: body }));

  async function load() {
    try {
      render(await api.get(path, {}, auth()));
    } catch (error) {
      heading.textContent ||= t("conversation");
      put(content, error.status === 404 ? t("ticketMissing") : problem(app, error, retry));
    }
  }

  function render(ticket) {
    heading.textContent = ticket.subject;
    const thread = h("ol", { class: "thread", "aria-label": t("conversation") },
      bubble(true, t("you"), ticket.body, ticket.created_at),
      ticket.messages.filter((m) => !m.internal).map((m) => m.author.kind === "requester"
        ? bubble(true, t("you"), m.body, m.created_at)
        : bubble(false, m.author.name || t("supportTeam"), m.body, m.created_at)));
    put(content, h("p", {}, badge(app, ticket.status)), thread,
      /^(solved|closed)$/.test(ticket.status) && rating(ticket),
      ticket.status === "closed" ? h("p", { class: "muted", text: t("closedHint") }) : reply(ticket, thread));
  }

  function form(cls, submit, ...children) {
    const alert = h("div", { role: "alert" });
    const el = h("form", { class: cls, onsubmit: async (event) => {
      event.preventDefault();
      put(alert);
      try {
        await submit(alert);
      } catch (error) {
        put(alert, problem(app, error));
      }
    } }, children, alert);
    return el;
  }

  function reply(ticket, thread) {
    const box = h("textarea", { "aria-label": t("replyLabel"), placeholder: t("replyPlaceholder"), maxlength: 20000 });
    const send = h("button", { type: "submit", class: "btn primary wide" }, icon("send"), t("sendReply"));
    return form("reply", async () => {
      const body = box.value.trim();
      if (!body || send.ariaDisabled) return;
      send.ariaDisabled = "true";
      replyKey ||= uuid(); // kept until the reply is in: a retry cannot post it twice
      try {
        const message = await api.post(`${path}/messages`, { body }, { key: replyKey, ...auth() });
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
    }, box, send);
  }

  function rating(ticket) {
    if (ticket.rating) return h("p", { class: "rated" }, icon("star"), t("rated", { n: ticket.rating.score }));
    const name = uid("r");
    let score = 0;
    const stars = [1, 2, 3, 4, 5].map((n) => h("label", { class: "star" },
      h("input", { type: "radio", name, value: n, class: "sr-only", onchange: () => stars.forEach((s, i) => { s.classList.toggle("on", i < (score = n)); }) }),
      icon("star"), h("span", { class: "sr-only", text: t("stars", { n }) })));
    const comment = h("textarea", { "aria-label": t("ratingComment"), placeholder: t("ratingComment"), maxlength: 2000 });
    const box = h("div", {}, form("rating", async (alert) => {
      if (!score) return put(alert, h("p", { class: "err", text: t("pickScore") }));
      await api.post(`${path}/rating`, comment.value.trim() ? { score, comment: comment.value.trim() } : { score }, auth());
      put(box, h("p", { class: "rated", role: "status" }, icon("star"), t("rated", { n: score })));
    }, h("fieldset", {}, h("legend", { text: t("rateQ") }), stars), comment, h("button", { type: "submit", class: "btn primary", text: t("rateSend") })));
    return box;
  }

  load();
  return { name: "ticket", tab: "messages", title: t("conversation"), node: h("div", { class: "ticket" }, heading, content), focus: () => heading };
}
