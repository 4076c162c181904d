// Contact support / Report a problem: a form prefilled from the token (or the host's
// `prefill`), articles matching the subject shown while the user types (recorded in the
// ticket's context), the app's custom fields and attachments (fields.js, attach.js: loaded
// with the form by `need`, the form working without them should they fail), then the outcome
// (done.js, in with the form): sent or queued.

import { debounce, h, icon, put, uid } from "../dom.js";
import { articleList, label } from "./parts.js";

// By code point, as the server counts: a UTF-16 slice could split an emoji into a lone surrogate.
const cut = (value, n) =>
  value || value === 0 ? [...String(value)].slice(0, n).join("") : undefined;

/** One of the page's errors, as the loader kept it: an ErrorEvent or an unhandled rejection. */
function described(e) {
  const reason = e.reason || {};
  return {
    message: cut(
      e.type === "error"
        ? String(e.message || "error")
        : `Unhandled rejection: ${String(reason.message || reason)}`,
      1000,
    ),
    source: cut(e.filename, 500),
    line: e.lineno || null,
    column: e.colno || null,
    stack: cut(e.error?.stack || reason.stack, 4000),
    at: new Date(performance.timeOrigin + e.timeStamp).toISOString(),
  };
}

/** The context a ticket carries for the agent, cut to the lengths the server accepts. */
export function ticketContext(state, { shown = [] } = {}) {
  let custom = Object.keys(state.custom).length
    ? JSON.parse(JSON.stringify(state.custom))
    : undefined;
  if (JSON.stringify(custom || 0).length > 8192) custom = { _dropped: "custom data over 8 KB" };
  return JSON.parse(
    JSON.stringify({
      url: cut(location.href, 2000),
      title: cut(document.title, 300),
      context_key: cut(state.context, 200),
      app_version: cut(state.appVersion, 64),
      locale: cut(state.locale, 35),
      time_zone: cut(Intl.DateTimeFormat().resolvedOptions().timeZone, 64),
      user_agent: cut(navigator.userAgent, 500),
      viewport: { width: innerWidth, height: innerHeight },
      errors: state.errors.length ? state.errors.slice(-20).map(described) : undefined,
      custom,
      articles_shown: shown.length ? shown.slice(0, 50) : undefined,
    }),
  );
}

function field(text, control, optional) {
  const error = h("p", { class: "err", id: uid("e"), hidden: true });
  control.id = uid("f");
  control.setAttribute("aria-describedby", error.id);
  const wrap = h(
    "div",
    { class: "field" },
    h(
      "label",
      { for: control.id },
      text,
      optional && h("span", { class: "opt", text: ` ${optional}` }),
    ),
    control,
    error,
  );
  wrap.fail = (message) => {
    error.textContent = message || "";
    error.hidden = !message;
    if (message) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  };
  return wrap;
}

/**
 * `state` holds the draft (kept while the user looks elsewhere) and what the ticket's context
 * reports; `fileTicket(payload)` sends it through the outbox; `done(queued, email)` shows the
 * outcome in this view's place. `ticketFields()` resolves to the custom fields to ask for;
 * `upload(file, progress)` sends one attachment; `notices(slot, true)` puts the known issues
 * where the user is first, above the form (which still files); `need(name)` loads a module.
 */
export function contactView(
  {
    t,
    lang,
    state,
    user,
    signedIn,
    find,
    article,
    fileTicket,
    done,
    ticketFields,
    upload,
    notices,
    need,
  },
  { report = false, subject = "" } = {},
) {
  const draft = (state.draft ||= {});
  if (!draft.subject && (subject || report)) {
    draft.subject = cut(
      subject || t("problemOn", { page: document.title || location.pathname }),
      200,
    );
    draft.auto = true; // our words, not the user's: no article search for them
  }
  const me = user();
  const mine = signedIn();
  const shown = new Set();
  const els = {};
  const input = (name, props, optional) => {
    els[name] = h(name === "body" ? "textarea" : "input", {
      name,
      value: mine && me[name] !== undefined ? me[name] : draft[name],
      oninput: (event) => {
        draft[name] = event.target.value;
        if (name === "subject") {
          draft.auto = false;
          match();
        }
      },
      ...props,
    });
    return field(t(name === "body" ? "message" : name), els[name], optional && t("optional"));
  };
  const readonly = mine && { readonly: true };
  const fields = {
    name: input("name", { autocomplete: "name", ...readonly }, !mine),
    email: input("email", {
      type: "email",
      autocomplete: "email",
      ...(readonly || { required: true }),
    }),
    subject: input("subject", { maxlength: 200, autocomplete: "off" }, true),
    body: input("body", {
      required: true,
      maxlength: 20000,
      placeholder: t(report ? "reportPlaceholder" : "messagePlaceholder"),
    }),
  };
  const matchesId = uid("m");
  const matches = h("section", {
    hidden: true,
    "aria-labelledby": matchesId,
    "aria-live": "polite",
  });
  const alert = h("div", { role: "alert" });
  const filesSlot = h("div");
  const customSlot = h("div");
  const notes = h("div");
  notices(notes, true);
  let files = null;
  let custom = null;
  need("views/attach.js").then(
    (m) => {
      files = m.picker({ t, lang, upload, paste: els.body });
      put(filesSlot, files.node);
    },
    () => {}, // offline, say: the form works without attachments
  );
  const loadCustom = (fresh) =>
    Promise.all([need("views/fields.js"), ticketFields(fresh)]).then(
      ([m, list]) => {
        custom = m.customFields({ t, items: list.items, field, kept: (draft.fields ||= {}) });
        put(customSlot, custom.node);
      },
      () => {}, // and without them, until the server names one it needs (see submit)
    );
  loadCustom();
  const send = h("span", { text: t("send") });
  const submitButton = h(
    "button",
    { type: "submit", class: "btn primary wide" },
    icon("send"),
    send,
  );
  const node = h(
    "form",
    { novalidate: true, onsubmit: submit },
    notes,
    report && h("p", { class: "muted", text: t("reportLead") }),
    mine && h("p", { class: "muted", text: t("sendingAs") }),
    h("div", { class: "row" }, fields.name, fields.email),
    fields.subject,
    matches,
    fields.body,
    filesSlot,
    customSlot,
    h("p", { class: "muted tech", text: t("techDetails") }),
    alert,
    submitButton,
  );

  const match = debounce(async () => {
    const q = els.subject.value.trim();
    matches.hidden = true;
    if (q.length < 3 || draft.auto) return;
    try {
      const data = await find(q, 3);
      if (els.subject.value.trim() !== q || !data.results.length) return;
      for (const a of data.results) shown.add(a.slug);
      put(matches, label(t("mightHelp"), matchesId), articleList(data.results, article));
      matches.hidden = false;
    } catch {
      // a bonus: the form works without it
    }
  }, 250);

  async function submit(event) {
    event.preventDefault();
    const value = (name) => els[name].value.trim();
    const email = value("email");
    const problems = {
      email:
        !mine &&
        !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) &&
        t(email ? "invalidEmail" : "required"),
      body: !value("body") && t("required"),
    };
    for (const name in fields) fields[name].fail(problems[name]);
    const wrong = Object.keys(problems).find((name) => problems[name]);
    const wrongCustom = custom?.fail(custom.check());
    if (wrong) return els[wrong].focus();
    if (wrongCustom) return wrongCustom.focus();
    if (submitButton.ariaDisabled) return;
    put(alert);
    // busy, not `disabled`: a disabled button loses focus, which would fall out of the dialog
    submitButton.ariaDisabled = "true";
    if (files?.busy()) {
      // the files still on their way go with the message: it waits for them, and says so
      send.textContent = t("uploadsWaiting");
      await files.settled();
    }
    send.textContent = t("sending");
    const payload = { body: value("body"), context: ticketContext(state, { shown: [...shown] }) };
    if (value("subject")) payload.subject = value("subject");
    if (!mine) {
      payload.email = email;
      if (value("name")) payload.name = value("name");
    }
    const attachments = files?.ids() || [];
    if (attachments.length) payload.attachments = attachments;
    // sent once the form has shown the app's fields (even none): the server then holds it to
    // the required ones; a form that could not load them files without
    if (custom) payload.fields = custom.values();
    const result = await fileTicket(payload);
    submitButton.ariaDisabled = null;
    send.textContent = t("send");
    if (result.status === "rejected") {
      const { details = {}, status } = result.error;
      for (const name in fields) fields[name].fail(details[name] && t("invalidField"));
      // a field this form does not show (the list failed, or changed since): ask for it again
      if (Object.keys(details).some((n) => n.startsWith("fields.") && !custom?.has(n)))
        await loadCustom(true);
      custom?.fail(details)?.focus();
      return put(
        alert,
        h(
          "p",
          { class: "note" },
          icon("alert"),
          details.attachments
            ? t("attachmentsGone")
            : t(status === 401 ? "sessionExpired" : "sendFailed"),
        ),
      );
    }
    state.draft = null;
    done(result.status === "queued", payload.email || me.email);
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
