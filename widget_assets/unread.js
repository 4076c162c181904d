// Agent replies the user has not read: a count on the launcher, asked for every 10 s while
// the page is visible (a minute when hidden); a 304 each time while nothing changed.
// One request at a time and one timer: a call while one is under way (the tab shown again, a
// conversation read) waits for it, instead of starting a second loop. Loaded once the widget
// has started: opening the panel does not need it.

/** Starts counting; returns `poll()`, which asks again at once. */
export function watchUnread({ t, api, auth, canSeeTickets, launcher, on }) {
  let asking = false;
  let timer;
  async function poll() {
    clearTimeout(timer);
    if (asking) return;
    asking = true;
    let n = 0;
    try {
      if (canSeeTickets()) ({ count: n } = await api.get("/tickets/unread", {}, { auth: auth() }));
    } catch {
      n = Number.parseInt(launcher.dataset.unread, 10) || 0; // offline: keep what it showed
    }
    asking = false;
    if (n) launcher.dataset.unread = n > 9 ? "9+" : n;
    else delete launcher.dataset.unread;
    launcher.setAttribute(
      "aria-label",
      n ? `${t("openHelp")} (${t("newReplies", { n })})` : t("openHelp"),
    );
    clearTimeout(timer);
    timer = setTimeout(poll, document.hidden ? 60000 : 10000);
  }
  document.addEventListener("visibilitychange", () => document.hidden || poll());
  on("ticket:created", () => setTimeout(poll, 1000));
  poll();
  return poll;
}
