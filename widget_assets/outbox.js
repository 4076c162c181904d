// Tickets are never lost: each is written to localStorage with its Idempotency-Key *before*
// it is sent, and removed only once the server has answered 201. If the server cannot be
// reached (or answers 5xx, 429, 401 or "in flight") the entry stays and is sent again when
// the connection returns, on a backoff timer, or on the next page load: always with the same
// key and byte-identical body, so the server files it exactly once (a replay answers 201).
// Sends are serialised across tabs with the Web Locks API.

import { uuid } from "./api.js";

/**
 * `owner()` names who the page files for ("u:<user id>" or "v"): the entries of someone else
 * signed in earlier on this browser wait for them. An entry is always re-sent with the same
 * kind of credential as at first ("user", "anon" or a visitor token), since the server scopes
 * idempotency keys by who sends them.
 */
export function createOutbox({ appId, api, emit, owner, sent }) {
  const name = `support-widget:${appId}:outbox`;
  let memory = "[]"; // when storage is blocked, entries live as long as the page
  const list = () => {
    try {
      return JSON.parse(localStorage.getItem(name) || "[]");
    } catch {
      return JSON.parse(memory);
    }
  };
  const save = (entries) => {
    memory = JSON.stringify(entries);
    try {
      localStorage.setItem(name, memory);
    } catch {
      // kept in memory
    }
  };
  const locked = (fn) => (navigator.locks ? navigator.locks.request(name, fn) : fn());
  let timer;
  let failures = 0;

  async function attempt(entry) {
    if (!list().some((e) => e.key === entry.key)) return { status: "sent" }; // another tab did it
    try {
      const ticket = await api.post("/tickets", entry.body, { key: entry.key, auth: entry.auth });
      save(list().filter((e) => e.key !== entry.key));
      failures = 0;
      sent(ticket);
      emit("ticket:created", {
        id: ticket.id,
        status: ticket.status,
        subject: ticket.subject,
        ticket,
      });
      return { status: "sent", ticket };
    } catch (error) {
      const body = JSON.parse(entry.body);
      if (error.details?.attachments && body.attachments?.length) {
        // its files expired while it waited (a day): the report still goes, saying so
        const n = body.attachments.length;
        body.attachments = undefined;
        body.body += `\n\n[${n} attached file${n > 1 ? "s" : ""} expired before this was sent]`;
        const again = { ...entry, key: uuid(), body: JSON.stringify(body) };
        save(list().map((e) => (e.key === entry.key ? again : e)));
        return attempt(again);
      }
      if (!error.transient && error.status !== 401) {
        save(list().filter((e) => e.key !== entry.key));
        return { status: "rejected", error };
      }
      if (!entry.queued) {
        save(list().map((e) => (e.key === entry.key ? { ...e, queued: true } : e)));
        emit("ticket:queued", { idempotency_key: entry.key, subject: entry.subject });
      }
      clearTimeout(timer);
      timer = setTimeout(
        flush,
        1000 * Math.max(error.retryAfter, [3, 10, 30, 60, 300][Math.min(failures++, 4)]),
      );
      return { status: "queued", error };
    }
  }

  /** Send every entry of the current owner, oldest first; stop at the first that must wait. */
  function flush() {
    clearTimeout(timer);
    return locked(async () => {
      for (const entry of list()) {
        if (entry.owner === owner() && (await attempt(entry)).status === "queued") return;
      }
    });
  }

  addEventListener("online", () => {
    failures = 0;
    flush();
  });

  return {
    /**
     * File a ticket: {status: "sent", ticket} | {status: "queued"} | {status: "rejected", error}.
     */
    submit(payload, auth) {
      const entry = {
        key: uuid(),
        body: JSON.stringify(payload),
        subject: payload.subject || [...payload.body].slice(0, 80).join(""),
        owner: owner(),
        auth,
      };
      save([...list(), entry]);
      return locked(() => attempt(entry));
    },
    flush,
    pending: () => list().filter((e) => e.owner === owner()),
  };
}
