// The help center's only script: "was this helpful?" without a page reload, the help events
// that measure deflection, and "/" to jump to search. Pages work without it.
const script = document.querySelector("script[data-app-id]");
const config = script ? script.dataset : {};

function helpSession() {
  const key = "support-help-session";
  try {
    let id = sessionStorage.getItem(key);
    if (!id) {
      id = (
        crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now()
      ).replace(/[^A-Za-z0-9_-]/g, "");
      sessionStorage.setItem(key, id);
    }
    return id;
  } catch {
    return null; // storage blocked: no session, no event
  }
}

function sendEvent(type, slug) {
  const session = helpSession();
  if (!session || !config.endpoint || !type) return;
  fetch(config.endpoint, {
    method: "POST",
    keepalive: true,
    headers: { "Content-Type": "application/json", "X-Support-App": config.appId },
    body: JSON.stringify(slug ? { type, session, slug } : { type, session }),
  }).catch(() => {});
}

for (const form of document.querySelectorAll("form[data-feedback]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = new URLSearchParams({ helpful: event.submitter ? event.submitter.value : "yes" });
    try {
      const response = await fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json" },
        body,
      });
      if (!response.ok) throw new Error(String(response.status));
      const thanks = document.createElement("p");
      thanks.className = "thanks";
      thanks.setAttribute("role", "status");
      thanks.textContent = form.dataset.thanks;
      form.closest("section").replaceChildren(thanks);
    } catch {
      const answer = document.createElement("input"); // fall back to the plain form post
      answer.type = "hidden";
      answer.name = "helpful";
      answer.value = event.submitter ? event.submitter.value : "yes";
      form.append(answer);
      form.submit();
    }
  });
}

document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  if (target.closest?.("input, textarea, select, [contenteditable]")) return;
  const search = document.querySelector("input[type=search]");
  if (search) {
    event.preventDefault();
    search.focus();
  }
});

sendEvent(config.event, config.slug);
