// The widget, started by loader.js: state, translations, the commands behind
// window.SupportWidget, and the wiring of the API client, the panel, its views, the outbox and
// the contextual triggers.
//
// Opening the panel needs only what this file imports (the panel and the home view: search,
// suggestions, the known-issue banner) and i18n/<lang>.js. The rest loads on demand (`need`):
// each other view when the user goes there, with what it uses (the outbox, say) and what those
// views share (their words, styles and icons); the host page's triggers and the count of
// unread replies once the suggestions are in; and every view when the browser is idle after
// that, so that a ticket can be written and filed offline from then on. `ready` fires then.

import { claims, createApi, uuid } from "./api.js";
import { add, addIcons, h, put } from "./dom.js";
import { createDispatcher, createEmitter } from "./events.js";
import { createPanel } from "./panel.js";
import { homeView } from "./views/home.js";
import { show as showNotices } from "./views/notices.js";
import { problem as problemNote, skeleton } from "./views/parts.js";

// The views opening the panel does not need (see `lazy`): the files each needs (its module
// first, with the function making it), and its section of the panel.
const VIEWS = {
  article: { files: ["views/article.js"], make: "articleView", tab: "help" },
  contact: {
    files: ["views/contact.js", "views/done.js", "outbox.js"],
    make: "contactView",
    tab: "help",
  },
  tickets: { files: ["views/tickets.js", "outbox.js"], make: "ticketsView", tab: "messages" },
  ticket: { files: ["views/conversation.js"], make: "conversationView", tab: "messages" },
};
// What their forms load when they show (attachments, custom fields): a form works without them.
const PARTS = ["views/attach.js", "views/fields.js", "upload.js"];

// Translations live in i18n/<lang>.js, one module per language: only the one in use is
// downloaded, and its .views.js (the other views' words) with the first of those views
// (`more`). A string may hold {placeholders}, or plural forms chosen by Intl.PluralRules.
async function loadStrings(root, locale) {
  const wanted = String(locale).slice(0, 2).toLowerCase();
  const lang = ["fr", "ar"].includes(wanted) ? wanted : "en";
  const strings = { ...(await import(`${root}i18n/${lang}.js`)).default };
  const plural = new Intl.PluralRules(lang);
  const t = (key, vars = {}) => {
    let text = strings[key] ?? key;
    if (typeof text === "object") text = text[plural.select(vars.n ?? 0)] ?? text.other;
    return text.replace(/\{(\w+)\}/g, (all, name) => (name in vars ? String(vars[name]) : all));
  };
  const more = (words) => Object.assign(strings, words);
  return { lang, dir: lang === "ar" ? "rtl" : "ltr", t, more };
}

/**
 * The files opening the panel does not need, by their names under `root`: `need(name)`
 * resolves once one is in (to the module; a stylesheet is added to `shadow`), `need.now(name)`
 * is truthy once it is. A download that failed is asked for again when next needed, under a
 * new URL (`?<n>`), since the browser keeps a failed module under its URL for the page's life.
 * These modules import only modules that opening the panel loaded (a test checks), so a new
 * URL for the one that failed is enough, and none is ever loaded twice.
 */
function loader(root, shadow) {
  const pending = {};
  const got = {};
  let failures = 0;
  function download(name) {
    const url = `${root}${name}${failures ? `?${failures}` : ""}`;
    if (!name.endsWith(".css")) return import(url);
    const link = h("link", { rel: "stylesheet", href: url });
    const loaded = new Promise((resolve, reject) => {
      link.onload = resolve;
      link.onerror = () => {
        link.remove();
        reject(new Error(`no stylesheet at ${url}`));
      };
    });
    add(shadow, link);
    return loaded;
  }
  const need = (name) =>
    (pending[name] ||= download(name).then(
      (found) => (got[name] = found),
      (error) => {
        delete pending[name];
        failures++;
        console.warn("SupportWidget: could not load", name, error);
        throw Object.assign(new Error(`could not load ${name}`), { status: 0, code: "not_loaded" });
      },
    ));
  need.now = (name) => got[name];
  return need;
}

// When the browser has nothing more pressing to do (at the latest after 2 s).
const idle = () =>
  new Promise((resolve) =>
    window.requestIdleCallback
      ? requestIdleCallback(resolve, { timeout: 2000 })
      : setTimeout(resolve, 300),
  );

// `load()`, and should it fail (offline, say) again when the connection returns; resolves
// after the first try either way.
const meanwhile = (load) =>
  load().catch(() => addEventListener("online", () => meanwhile(load), { once: true }));

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
  const { script, host, mark } = boot;
  const root = new URL("./", import.meta.url).href; // <build>/, or the loader's retry of it
  const shadow = host.shadowRoot;
  const launcher = shadow.querySelector(".launcher");
  const ds = script.dataset;
  const locale = ds.locale || document.documentElement.lang || navigator.language || "en";
  const strings = await loadStrings(root, locale);
  const { t, lang } = strings;
  const need = loader(root, shadow);
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
  const api = createApi({ server, appId: ds.appId, session, need });
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
  // The outbox, made once outbox.js is in (with the first view that files or lists tickets, or
  // with the rest): it sends at once what earlier pages queued.
  let outbox;
  function theOutbox({ createOutbox }) {
    if (!outbox) {
      outbox = createOutbox({
        appId: ds.appId,
        api,
        emit,
        owner: () => (session.token ? `u:${session.claims.sub ?? session.token}` : "v"),
        sent: (ticket) => ticket.visitor_token && visitor.set(ticket.visitor_token),
      });
      outbox.flush();
    }
    return outbox;
  }
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
  // The known issues where the user is, put in `slot` (`form`: worded for the contact form)
  const notices = (slot, form) => showNotices({ api, state, t }, slot, form);
  // Deflection analytics: this visit's help events, sent without the user's token (the visit
  // id ties them together) so that they never trigger a token refresh. Best effort.
  const visit = uuid();
  const track = (type) => (d) =>
    api.post("/help/events", { type, session: visit, slug: d?.slug }).catch(() => {});
  events.on("open", track("help_opened"));
  events.on("article:view", track("article_viewed"));
  events.on("ticket:created", track("ticket_created"));

  // The panel, the ways to each view, and what is loaded once the widget has started: set up
  // once the config (the app's name) is in.
  let panel;
  let views;
  let unread; // unread.js's poll(), once in
  let rest;

  // The user is somewhere else now: fresh suggestions, and a closed panel reopens on them.
  function moved() {
    cache = new Map();
    if (panel.isOpen) panel.current.refresh?.();
    else panel.reset();
  }

  const ready = (async () => {
    const [config] = await Promise.all([boot.config, signIn(ds.userToken)]);
    const blocked = config?.origin_allowed === false;
    // The browser refuses every answer to this page (CORS) and says only "failed to fetch":
    // the server's words name the page's origin and the command that allows it.
    if (blocked) console.error(`SupportWidget: ${config.origin_help}`);
    host.lang = lang;
    host.dir = strings.dir;
    const show = (view, options) => {
      panel.show(view, options);
      panel.open();
      return view;
    };
    // What the views may use, each taking what it needs: the server, the words, the user, and
    // the ways to the other views.
    views = {
      t,
      lang,
      locale,
      server,
      api,
      auth,
      state,
      user,
      signedIn,
      canSeeTickets,
      title: config?.app.name || "",
      mark,
      emit,
      need,
      suggestions,
      notices,
      find,
      ticketFields,
      upload,
      problem: (error, retry) => problemNote(t, blocked, error, retry),
      fileTicket: (payload) => outbox.submit(payload, auth()),
      pending: () => outbox.pending(),
      seen: () => unread?.(),
      done: (queued, email) =>
        panel.show(need.now("views/done.js").doneView(views, queued, email), { replace: true }),
      home: () => show(homeView(views), { reset: true }),
      article(slug) {
        if (!panel.current) panel.show(homeView(views), { reset: true });
        return lazy("article", slug);
      },
      contact: (options) => lazy("contact", options),
      tickets: () => lazy("tickets", null, { reset: true }),
      ticket: (id) => lazy("ticket", id),
    };
    // what those views share: their words, styles and icons
    const shared = [`i18n/${lang}.views.js`, "views.css", "views/icons.js"];

    // A view opening the panel does not need (VIEWS[name]), made once its files and those the
    // views share are in: shown at once if they are, else a placeholder is, in its place until
    // they are. Should they not come (offline, say), the placeholder says so and tries again
    // when the connection returns, or on "Try again".
    function lazy(name, about, options) {
      const { files, make, tab } = VIEWS[name];
      const names = [...files, ...shared];
      const build = () => {
        strings.more(need.now(shared[0]).default);
        addIcons(need.now(shared[2]).default);
        if (files.includes("outbox.js")) theOutbox(need.now("outbox.js"));
        return need.now(files[0])[make](views, about);
      };
      if (names.every(need.now)) return Promise.resolve(show(build(), options));
      const node = h("div", { "aria-busy": "true" });
      const wait = show(
        { name, tab, title: t(tab === "help" ? "help" : "tabMessages"), node },
        options,
      );
      const attempt = () => {
        put(node, skeleton(4));
        return Promise.all(names.map(need)).then(
          () => {
            removeEventListener("online", attempt);
            if (panel.current === wait) panel.show(build(), { replace: true });
          },
          (error) => {
            if (panel.current !== wait) return;
            put(node, problemNote(t, false, error, attempt));
            addEventListener("online", attempt, { once: true });
          },
        );
      };
      return attempt();
    }

    panel = createPanel({
      shadow,
      launcher,
      t,
      emit,
      mark,
      home: (context) => homeView(views, context),
      sections: { help: views.home, messages: views.tickets },
    });
    const warmed = suggestions().catch(() => {}); // so that the first open shows them at once
    launcher.setAttribute("aria-label", t("openHelp"));

    // Then, once the suggestions are in (opening the panel comes first): the host page's "?"
    // triggers (and the URL changes of single-page apps) and the count of unread replies; and
    // when the browser is idle, the other views (the contact form first, and the outbox, which
    // sends at once what earlier pages queued) and the parts of their forms (so that those
    // show whole at once).
    const triggers = () =>
      need("triggers.js").then(({ watchTriggers, watchUrl }) => {
        watchTriggers({
          css: `${root}widget.css`,
          t,
          host,
          help: (found) =>
            found.kind === "article"
              ? views.article(found.value)
              : show(homeView(views, found.value), { reset: true }),
          report: () => views.contact({ report: true }),
        });
        launcher.addEventListener("click", watchUrl(moved));
      });
    const count = () =>
      need("unread.js").then(
        ({ watchUnread }) => (unread = watchUnread({ ...views, launcher, on: events.on })),
      );
    // the contact form first (what filing offline needs), then the rest
    const all = (names) => Promise.all(names.map(need));
    const others = () =>
      all([...VIEWS.contact.files, ...shared])
        .then(() => theOutbox(need.now("outbox.js")))
        .then(() => all([...Object.values(VIEWS).flatMap((v) => v.files), ...PARTS]));
    rest = warmed.then(() =>
      Promise.all([meanwhile(triggers), meanwhile(count), idle().then(() => meanwhile(others))]),
    );
  })();

  const commands = {
    open(view) {
      if (view === "contact" || view === "report")
        return views.contact({ report: view === "report" });
      return view === "tickets" ? views.tickets() : panel.open();
    },
    close: () => panel.close(),
    toggle: () => panel.toggle(),
    search: (q) => views.home().search(String(q ?? "")),
    showArticle: (slug) => views.article(String(slug)),
    setContext(key) {
      state.context = key ? String(key) : "";
      moved();
    },
    async identify(token) {
      if (typeof token === "function") return (state.provider = token);
      await signIn(token ? String(token) : null);
      if (session.token) outbox?.flush(); // not in yet: it flushes when it is
    },
    prefill(values = {}) {
      state.draft = { ...state.draft };
      for (const name of ["subject", "body", "name", "email"])
        if (typeof values[name] === "string") state.draft[name] = values[name];
      if (values.open !== false) return views.contact({ report: Boolean(values.report) });
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
  // `ready`: the commands queued before have run, and the whole widget is in (or could not be
  // had, and comes when the connection returns)
  Promise.all([dispatch.settled(), ready.then(() => rest).catch(() => {})]).then(() => {
    mark("ready");
    events.emit("ready", {});
  });
  return dispatch;
}
