// Events the host page can listen to, and the command queue behind window.SupportWidget.

export const EVENTS = [
  "ready",
  "open",
  "close",
  "search",
  "article:view",
  "ticket:created",
  "ticket:queued",
];

/** An emitter whose listeners can never break the widget (or each other). */
export function createEmitter() {
  const listeners = {};
  const call = (fn, detail) => {
    try {
      fn(detail);
    } catch (error) {
      console.error("SupportWidget: an event listener failed", error);
    }
  };
  return {
    on(event, fn) {
      if (!EVENTS.includes(event) || typeof fn !== "function")
        return console.warn("SupportWidget: no event", event);
      (listeners[event] ||= []).push(fn);
      if (event === "ready" && listeners.ready.fired) call(fn, {}); // late listeners still hear it
    },
    emit(event, detail = {}) {
      if (event === "ready")
        listeners.ready = Object.assign(listeners.ready || [], { fired: true });
      for (const fn of listeners[event] || []) call(fn, detail);
    },
  };
}

/**
 * Runs commands in order, after `ready` settles; `on` registers at once, so listeners queued
 * before the widget loaded hear `ready`. Returns the function behind window.SupportWidget.
 */
export function createDispatcher(commands, ready, queued) {
  let chain = ready;
  const fail = (error) => console.error("SupportWidget:", error);
  const dispatch = (name, ...args) => {
    if (!Object.hasOwn(commands, name)) return console.warn("SupportWidget: no command", name);
    if (name === "on") return commands.on(...args);
    return (chain = chain.then(() => commands[name](...args)).catch(fail));
  };
  for (const args of queued.splice(0)) dispatch(...args);
  /** Resolves once the commands issued so far have run. */
  dispatch.settled = () => chain;
  return dispatch;
}
