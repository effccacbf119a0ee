// Task force page: "select all / none" for the proposals of a trip plan.
// The buttons are hidden in the HTML and shown here, so without JavaScript nobody sees them.
(function () {
  "use strict";

  function showSelectButtons(root) {
    root.querySelectorAll("[data-trip-select]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () { showSelectButtons(document); });
  document.addEventListener("htmx:afterSettle", function (event) { showSelectButtons(event.target); });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-trip-select]");
    if (!button) { return; }
    var form = button.closest("form");
    var checked = button.dataset.tripSelect === "all";
    form.querySelectorAll('input[type="checkbox"][name="visit"]').forEach(function (box) {
      box.checked = checked;
    });
  });
})();
