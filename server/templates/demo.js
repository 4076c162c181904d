// Ledgerly demo: a tiny single-page app. Navigation uses history.pushState and tells the
// support widget where the user is with SupportWidget('setContext', …).
(function () {
  "use strict";
  // The command queue, for commands issued before the widget's loader has run.
  window.SupportWidget =
    window.SupportWidget ||
    function () {
      (window.SupportWidget.q = window.SupportWidget.q || []).push(arguments);
    };

  var views = Array.prototype.slice.call(document.querySelectorAll("[data-route]"));

  function render() {
    var path = location.pathname === "/" ? "/invoices/new" : location.pathname;
    var current =
      views.filter(function (v) {
        return v.dataset.route === path;
      })[0] || views[0];
    views.forEach(function (v) {
      v.hidden = v !== current;
    });
    document.title = current.dataset.title + " · Ledgerly";
    document.getElementById("crumbs").textContent = current.dataset.route
      .slice(1)
      .split("/")
      .map(function (part) {
        return part.charAt(0).toUpperCase() + part.slice(1).replace(/-/g, " ");
      })
      .join(" / ");
    document.querySelectorAll("[data-nav]").forEach(function (a) {
      if (a.getAttribute("href") === current.dataset.route) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
    window.SupportWidget("setContext", current.dataset.context);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-nav]");
    if (!link || event.metaKey || event.ctrlKey) return;
    event.preventDefault();
    history.pushState(null, "", link.getAttribute("href"));
    render();
  });
  window.addEventListener("popstate", render);

  // A failing action, so that "Report a problem" has a client-side error to attach.
  var sync = document.getElementById("sync");
  sync.addEventListener("click", function () {
    document.getElementById("sync-status").textContent = "Sync failed: the bank did not answer.";
    setTimeout(function () {
      throw new Error("BankFeedError: timeout while syncing account ****4242");
    });
  });

  window.SupportWidget("setCustomData", { plan: "pro", workspace: "Lovelace Accounting" });
  render();
})();
