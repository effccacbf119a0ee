// The project page: after a refused form, bring its message into view and focus the field.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var target = document.querySelector("main [aria-invalid='true'], main .alert-error");
    if (!target) { return; }
    var section = target.closest("section") || target;
    section.scrollIntoView({ block: "start" });
    if (target.matches("input, select, textarea")) {
      target.focus({ preventScroll: true });
    }
  });
})();
