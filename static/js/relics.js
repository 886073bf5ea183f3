// The relic workspace: keep the list's "current" mark in step with the viewer htmx swaps in.
(function () {
  "use strict";

  function markCurrent() {
    var viewer = document.getElementById("relic-viewer");
    var key = viewer ? viewer.getAttribute("data-key") : null;
    document.querySelectorAll("#relic-list .relic-entry").forEach(function (link) {
      var current = key !== null && link.getAttribute("data-key") === key;
      link.classList.toggle("is-current", current);
      if (current) {
        link.setAttribute("aria-current", "true");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    markCurrent();
    // On narrow screens the viewer sits below the list: bring the new entry into view.
    if (target && target.id === "relic-viewer" && window.matchMedia("(max-width: 900px)").matches) {
      target.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  });
  document.addEventListener("DOMContentLoaded", markCurrent);
})();
