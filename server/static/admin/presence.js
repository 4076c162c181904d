// The ticket page's presence line: who else has this ticket open ("Ana is viewing") and who
// is writing on it ("Ben is replying…"), and that a message arrived since this page loaded.
// A heartbeat tells the server this agent is here every 10 s (every 4 s while someone else
// is, so their typing shows within seconds), at once when typing starts or stops, and that
// the agent left when the page goes. The server keeps each beat in the database, so agents
// served by different processes or nodes see each other, and forgets a beat 30 s old.
// Without this script the line stays empty and nothing else changes.

const line = document.querySelector("[data-presence]");

if (line) {
  const url = line.dataset.presenceUrl;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const form = document.querySelector("form[data-composer]");
  const textarea = form?.querySelector("textarea[name=body]");
  const TYPING_FOR = 5000; // without a key for this long, the agent has stopped typing
  const ALONE = 10000;
  const COMPANY = 4000;

  let typedAt = 0;
  let sent = ""; // the state the server last heard
  let company = false;
  let busy = false;
  let again = false;
  let stopped = false;
  let timer = null;
  let typingTimer = null;

  const composing = () =>
    form?.querySelector("input[name=internal]:checked")?.value === "1" ? "note" : "reply";
  const state = () =>
    textarea && textarea.value.trim() !== "" && Date.now() - typedAt < TYPING_FOR
      ? "typing"
      : "viewing";

  const phrase = (other) => {
    if (other.state !== "typing") return `${other.name} is viewing`;
    return `${other.name} is ${other.composing === "note" ? "writing a note" : "replying"}…`;
  };

  // Only a change is written to the page, so a screen reader hears each news once.
  let shown = "";
  const show = ({ others, latest }) => {
    const items = others.map((other) => [other.state === "typing" ? "typing" : "", phrase(other)]);
    const seen = form?.querySelector("[data-seen]"); // composer.js may have moved it on
    if (seen && latest && latest !== seen.value)
      items.push(["news", "A new message arrived since you opened this ticket"]);
    const key = JSON.stringify(items);
    if (key === shown) return;
    shown = key;
    line.replaceChildren(
      ...items.map(([kind, text]) => {
        const item = document.createElement("span");
        item.className = `presence-who${kind ? ` ${kind}` : ""}`;
        item.textContent = text;
        return item;
      }),
    );
  };

  const send = (now, keepalive = false) =>
    fetch(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRF-Token": csrf,
      },
      body: JSON.stringify({ state: now, composing: composing() }),
      cache: "no-store",
      credentials: "same-origin",
      keepalive,
    });

  const beat = async () => {
    clearTimeout(timer);
    if (stopped) return;
    if (busy) {
      again = true; // one beat at a time; the next goes out as soon as this one is answered
      return;
    }
    busy = true;
    const now = state();
    sent = now;
    try {
      const answer = await send(now);
      if (answer.ok) {
        const found = await answer.json();
        company = found.others.length > 0;
        show(found);
      } else if ([401, 403, 404].includes(answer.status)) {
        stopped = true; // signed out, the form expired, or the ticket went: say nothing more
        line.replaceChildren();
      }
    } catch {
      // offline: try again at the next beat
    }
    busy = false;
    if (again) {
      again = false;
      beat();
      return;
    }
    if (!stopped) timer = setTimeout(beat, company ? COMPANY : ALONE);
  };

  // Typing starts: tell at once (once per burst, not per key); it stops: tell when it has.
  const typed = () => {
    typedAt = Date.now();
    if (sent !== state()) beat();
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => sent !== state() && beat(), TYPING_FOR + 100);
  };
  textarea?.addEventListener("input", typed);
  for (const mode of form?.querySelectorAll("input[name=internal]") || [])
    mode.addEventListener("change", () => state() === "typing" && beat());

  // Leaving (another page, a closed tab, the reply sent): the row goes at once. A page
  // restored from the back-forward cache is here again.
  window.addEventListener("pagehide", () => {
    clearTimeout(timer);
    if (stopped) return;
    send("left", true).catch(() => {});
    sent = "left";
  });
  window.addEventListener("pageshow", (event) => event.persisted && beat());
  document.addEventListener("visibilitychange", () => document.hidden || beat());

  beat();
}
