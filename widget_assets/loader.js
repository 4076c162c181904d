/*! Support SDK widget loader (MIT) */
// Defines window.SupportWidget, keeping commands issued before it ran, draws the launcher in a
// shadow root, and loads the rest of the widget (./<build>/main.js, cached for a year) on
// first use or when the browser is idle.
(function (w, d) {
  "use strict";
  var prior = w.SupportWidget;
  if (prior && prior.loaded) return;
  var s = d.currentScript || d.querySelector('script[src*="/widget/v1/loader.js"]');
  if (!s || !s.dataset.appId) return;
  var ds = s.dataset;
  var root = new URL("__SUPPORT_BUILD__/", s.src).href;
  var queue = (prior && prior.q) || [];
  var errors = [];
  var impl,
    loading,
    again,
    tries = 0;
  mark("loader");

  function mark(name) {
    try {
      w.performance.mark("support-widget:" + name);
    } catch (e) {
      /* old browsers */
    }
  }
  function SupportWidget(command) {
    if (impl) return impl.apply(null, arguments);
    queue.push(arguments);
    if (/^(open|toggle|search|showArticle|prefill)$/.test(command)) {
      again = loading; // the user waits on a load already under way: should it fail, try again
      load();
    }
  }
  SupportWidget.loaded = 1;
  w.SupportWidget = SupportWidget;

  // the page's errors (the last 10), as they came (ErrorEvent, PromiseRejectionEvent): the
  // contact form reports them
  function keep(e) {
    if (errors.push(e) > 10) errors.shift();
  }
  if (ds.captureErrors === "" || ds.captureErrors === "true") {
    w.addEventListener("error", keep);
    w.addEventListener("unhandledrejection", keep);
  }

  var host = d.createElement("support-widget");
  var shadow = host.attachShadow({ mode: "open" });
  var css = d.createElement("link");
  css.rel = "stylesheet";
  css.href = root + "widget.css";
  var launcher = d.createElement("button");
  launcher.type = "button";
  launcher.className = "launcher";
  launcher.hidden = true;
  launcher.setAttribute("aria-label", "Help");
  launcher.setAttribute("aria-haspopup", "dialog");
  launcher.setAttribute("aria-expanded", "false");
  // a speech bubble (its "close" icon comes with the panel: panel.js)
  var n = "http://www.w3.org/2000/svg";
  var icon = launcher.appendChild(d.createElementNS(n, "svg"));
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("class", "i-open");
  var path = icon.appendChild(d.createElementNS(n, "path"));
  path.setAttribute(
    "d",
    "M12 3A10 8 0 0 0 2 11c0 2.4 1.3 4.5 3.4 6L5 21l4.3-2.3c.9.2 1.8.3 2.7.3A10 8 0 0 0 12 3Z",
  );
  // before the rest has loaded the panel is closed: each click (maybe several, while a load
  // fails and is retried) means "open", and never cancels out the one before
  launcher.onclick = function () {
    SupportWidget(impl ? "toggle" : "open");
  };
  launcher.onpointerenter = launcher.onfocus = load;
  shadow.append(css, launcher);

  var config = fetch(new URL("/api/v1/widget/config?app_id=" + encodeURIComponent(ds.appId), s.src))
    .then(function (r) {
      return r.ok ? r.json() : null;
    })
    .catch(function () {
      return null;
    });
  Promise.all([
    new Promise(function (done) {
      css.onload = css.onerror = done;
    }),
    Promise.race([
      config,
      new Promise(function (done) {
        setTimeout(done, 2000);
      }),
    ]),
  ]).then(function (r) {
    var theme = r[1] && r[1].theme;
    if (theme) {
      host.style.setProperty("--sw-accent", theme.accent);
      host.style.setProperty("--sw-on-accent", theme.on_accent);
    }
    if (ds.launcher !== "none") launcher.hidden = false;
    mark("launcher");
  });

  if (d.body) d.body.append(host);
  else
    d.addEventListener("DOMContentLoaded", function () {
      d.body.append(host);
    });

  // A retry asks for <build>.<n>/…: a browser keeps a module that failed (cut short, say) in
  // its module map under its URL, and with it every module importing it, for the page's life.
  function load() {
    var base = tries ? root.slice(0, -1) + "." + tries + "/" : root;
    return (
      loading ||
      (loading = import(base + "main.js")
        .then(function (m) {
          return m.start({
            script: s,
            host: host,
            config: config,
            errors: errors,
            queue: queue,
            mark: mark,
          });
        })
        .then(
          function (run) {
            impl = run;
            queue.splice(0).forEach(function (a) {
              run.apply(null, a);
            }); // issued while it started
          },
          function (e) {
            loading = null;
            tries++;
            if (w.console) w.console.warn("SupportWidget: could not load", e);
            if (again) {
              again = null;
              load();
            }
          },
        ))
    );
  }
  if (w.requestIdleCallback) w.requestIdleCallback(load, { timeout: 2000 });
  else setTimeout(load, 1200);
})(window, document);
