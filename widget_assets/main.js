// The widget, started by loader.js: state, translations, the commands behind
// window.SupportWidget, and the wiring of the API client, the outbox, the panel, its views
// and the contextual triggers.

import { claims, createApi, uuid } from "./api.js";
import { createDispatcher, createEmitter } from "./events.js";
import { createOutbox } from "./outbox.js";
import { createPanel } from "./panel.js";
import { watchTriggers, watchUrl } from "./triggers.js";
import { articleView } from "./views/article.js";
import { contactView } from "./views/contact.js";
import { conversationView } from "./views/conversation.js";
import { doneView } from "./views/done.js";
import { homeView } from "./views/home.js";
import { problem as problemNote } from "./views/parts.js";
import { ticketsView } from "./views/tickets.js";

// Translations live in i18n/<lang>.js, one module per language: only the one in use is
// downloaded. A string may hold {placeholders}, or plural forms chosen by Intl.PluralRules.
async function loadStrings(root, locale) {
  const wanted = String(locale).slice(0, 2).toLowerCase();
  const lang = ["fr", "ar"].includes(wanted) ? wanted : "en";
  const strings = (await import(`${root}i18n/${lang}.js`)).default;
  const plural = new Intl.PluralRules(lang);
  const t = (key, vars = {}) => {
    let text = strings[key] ?? key;
    if (typeof text === "object") text = text[plural.select(vars.n ?? 0)] ?? text.other;
    return text.replace(/\{(\w+)\}/g, (all, name) => (name in vars ? String(vars[name]) : all));
  };
  return { lang, dir: lang === "ar" ? "rtl" : "ltr", t };
}

function stored(key) {
  try {
    localStorage.getItem(key);
    return { get: () => localStorage.getItem(key), set: (v) => localStorage.setItem(key, v) };
  } catch {
    let value = null; // storage blocked: remember for this page only
    return { get: () => value, set: (v) => (value = v) };
  }
}

/**
 * Called by the loader; resolves to the function behind window.SupportWidget. The strings are
 * downloaded first, before anything is set up: if that fails, nothing is left behind and the
 * loader starts again from fresh URLs.
 */
export async function start(boot) {
  const { script, root, host, shadow, launcher, mark } = boot;
  const ds = script.dataset;
  const locale = ds.locale || document.documentElement.lang || navigator.language || "en";
  const strings = await loadStrings(root, locale);
  const events = createEmitter();
  const visitor = stored(`support-widget:${ds.appId}:visitor`);
  const state = {
    context: ds.context || "",
    appVersion: ds.appVersion || "",
    locale,
    custom: {},
    draft: null,
    errors: boot.errors,
    provider: null,
  };
  const session = { token: null, claims: {}, refresh };
  const server = new URL(script.src).origin;
  const api = createApi({ server, appId: ds.appId, session });
  let cache = new Map();
  // the custom fields a ticket asks for: once per opening of the panel, or `fresh`
  let fieldList;
  events.on("open", () => (fieldList = null));
  const ticketFields = (fresh) =>
    (fieldList = (!fresh && fieldList) || api.get("/ticket-fields", {}, { auth: auth() }));

  async function signIn(token) {
    session.claims = token ? await claims(token) : {};
    session.token = token || null;
  }

  // A fresh token for the one retry after a 401 token_expired: from the function given to
  // `identify`, else the host's refresh URL (POST, same-origin cookies, as support_sdk.flask
  // serves it).
  async function refresh() {
    let token = null;
    try {
      if (state.provider) token = await state.provider();
      else if (ds.tokenRefreshUrl) {
        const response = await fetch(ds.tokenRefreshUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-Support-Refresh": "1" },
        });
        if (response.ok) token = (await response.json()).token;
      }
    } catch {
      // no fresh token: the caller keeps the ticket queued until one comes
    }
    if (typeof token !== "string" || !token) return null;
    await signIn(token);
    return token;
  }

  const auth = () => (session.token ? "user" : visitor.get() || "anon");
  const user = () => session.claims;
  const signedIn = () => Boolean(session.token);
  const canSeeTickets = () => Boolean(session.token || visitor.get());
  const emit = events.emit;
  const upload = (file, progress) => api.upload(file, { auth: auth(), progress });
  const outbox = createOutbox({
    appId: ds.appId,
    api,
    emit,
    owner: () => (session.token ? `u:${session.claims.sub ?? session.token}` : "v"),
    sent: (ticket) => ticket.visitor_token && visitor.set(ticket.visitor_token),
  });
  const find = (q, limit, options) =>
    api.get("/help/search", { q, locale: state.locale, limit }, options);
  function suggestions(about) {
    const context = about ?? state.context;
    const key = `${context}|${location.pathname}`;
    if (!cache.has(key)) {
      const query = { context, url: location.href, locale: state.locale, limit: 5 };
      const pending = api.get("/help/suggestions", query).then((d) => d.articles);
      pending.catch(() => cache.delete(key));
      cache.set(key, pending);
    }
    return cache.get(key);
  }
  // The known issues where the user is, put in `slot` by notices.js
  const notices = (...a) =>
    import("./views/notices.js").then(
      (m) => m.show(api, state, ...a),
      () => {},
    );
  // Deflection analytics: this visit's help events, sent without the user's token (the visit
  // id ties them together) so that they never trigger a token refresh. Best effort.
  const visit = uuid();
  const track = (type) => (d) =>
    api.post("/help/events", { type, session: visit, slug: d?.slug }).catch(() => {});
  events.on("open", track("help_opened"));
  events.on("article:view", track("article_viewed"));
  events.on("ticket:created", track("ticket_created"));

  // The panel and the ways to each view, once the config (the app's name) is in.
  let panel;
  let go;

  // The user is somewhere else now: fresh suggestions, and a closed panel reopens on them.
  function moved() {
    cache = new Map();
    if (panel.isOpen) panel.current.refresh?.();
    else panel.reset();
  }

  const ready = (async () => {
    const [config] = await Promise.all([boot.config, signIn(ds.userToken)]);
    const { t, lang, dir } = strings;
    const blocked = config?.origin_allowed === false;
    // The browser refuses every answer to this page (CORS) and says only "failed to fetch":
    // the server's words name the page's origin and the command that allows it.
    if (blocked) console.error(`SupportWidget: ${config.origin_help}`);
    host.lang = lang;
    host.dir = dir;
    // Each view is given only what it uses: the server, its words, and where it can go next.
    const problem = (error, retry) => problemNote(t, blocked, error, retry);
    const article = (slug) => go.article(slug);
    const contact = (options) => go.contact(options);
    const title = config?.app.name || "";
    const home = (context) =>
      homeView(
        { t, title, user, suggestions, notices, find, problem, mark, emit, article, contact },
        context,
      );
    const tickets = () =>
      ticketsView({
        t,
        lang,
        pending: outbox.pending,
        canSeeTickets,
        list: () => api.get("/tickets", { limit: 50 }, { auth: auth() }),
        problem,
        ticket: (id) => go.ticket(id),
        contact,
      });
    const done = (queued, email) =>
      panel.show(
        doneView(
          { t, canSeeTickets, tickets: () => go.tickets(), home: () => go.home() },
          queued,
          email,
        ),
        { replace: true },
      );
    const show = (view, options) => {
      panel.show(view, options);
      panel.open();
      return view;
    };
    go = {
      home: () => show(home(), { reset: true }),
      article(slug) {
        if (!panel.current) panel.show(home(), { reset: true });
        return show(
          articleView({ t, api, locale, auth, server, problem, emit, article, contact }, slug),
        );
      },
      contact: (options) =>
        show(
          contactView(
            {
              t,
              lang,
              state,
              user,
              signedIn,
              find,
              article,
              fileTicket: (p) => outbox.submit(p, auth()),
              done,
              ticketFields,
              upload,
              notices,
            },
            options,
          ),
        ),
      tickets: () => show(tickets(), { reset: true }),
      ticket: (id) =>
        show(
          conversationView(
            { t, lang, api, auth, problem, upload, seen: poll, open: (to) => go.ticket(to) },
            id,
          ),
        ),
    };
    // Agent replies the user has not read: a count on the launcher, asked for every 10 s while
    // the page is visible (a minute when hidden); a 304 each time while nothing changed.
    // One request at a time and one timer: a call while one is under way (the tab shown
    // again, a conversation read) waits for it, instead of starting a second loop.
    let asking = false;
    async function poll() {
      clearTimeout(poll.timer);
      if (asking) return;
      asking = true;
      let n = 0;
      try {
        if (canSeeTickets())
          ({ count: n } = await api.get("/tickets/unread", {}, { auth: auth() }));
      } catch {
        n = Number.parseInt(launcher.dataset.unread) || 0; // offline: keep what it showed
      }
      asking = false;
      if (n) launcher.dataset.unread = n > 9 ? "9+" : n;
      else delete launcher.dataset.unread;
      launcher.setAttribute(
        "aria-label",
        n ? `${t("openHelp")} (${t("newReplies", { n })})` : t("openHelp"),
      );
      clearTimeout(poll.timer);
      poll.timer = setTimeout(poll, document.hidden ? 60000 : 10000);
    }
    document.addEventListener("visibilitychange", () => document.hidden || poll());
    events.on("ticket:created", () => setTimeout(poll, 1000));
    panel = createPanel({
      shadow,
      launcher,
      t,
      emit,
      mark,
      roots: { help: home, messages: tickets },
    });
    watchTriggers({
      css: `${root}widget.css`,
      t,
      host,
      help: (found) =>
        found.kind === "article"
          ? go.article(found.value)
          : show(home(found.value), { reset: true }),
      report: () => go.contact({ report: true }),
    });
    const checkUrl = watchUrl(moved);
    launcher.addEventListener("click", checkUrl);
    suggestions(); // warm, so that the first open shows them at once
    outbox.flush();
    poll();
  })();

  const commands = {
    open(view) {
      if (view === "contact" || view === "report") go.contact({ report: view === "report" });
      else if (view === "tickets") go.tickets();
      else panel.open();
    },
    close: () => panel.close(),
    toggle: () => panel.toggle(),
    search: (q) => go.home().search(String(q ?? "")),
    showArticle: (slug) => go.article(String(slug)),
    setContext(key) {
      state.context = key ? String(key) : "";
      moved();
    },
    async identify(token) {
      if (typeof token === "function") return (state.provider = token);
      await signIn(token ? String(token) : null);
      if (session.token) outbox.flush();
    },
    prefill(values = {}) {
      state.draft = { ...state.draft };
      for (const name of ["subject", "body", "name", "email"])
        if (typeof values[name] === "string") state.draft[name] = values[name];
      if (values.open !== false) go.contact({ report: Boolean(values.report) });
    },
    setCustomData(data) {
      for (const [key, value] of Object.entries(data || {})) {
        if (value === null || value === undefined) delete state.custom[key];
        else state.custom[key] = value;
      }
    },
    on: events.on,
  };
  const dispatch = createDispatcher(commands, ready, boot.queue);
  dispatch.after(() => {
    mark("ready");
    events.emit("ready", {});
  });
  return dispatch;
}
