// The lead page's stage form: the reason is marked required when the chosen move needs one,
// and the signing fields show only for a move to "signed". Without JavaScript every field
// shows and the server says what is missing.
(function () {
  "use strict";

  function update(form) {
    var select = form.querySelector('select[name="stage"]');
    if (!select) { return; }
    var option = select.options[select.selectedIndex];
    var reason = form.querySelector('textarea[name="reason"]');
    if (reason && option) {
      reason.required = option.dataset.needsReason === "true";
    }
    var signing = form.querySelector("[data-signing]");
    if (signing) {
      signing.hidden = select.value !== "signed";
    }
  }

  function init() {
    document.querySelectorAll("[data-stage-form]").forEach(function (form) {
      update(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "stage") { update(form); }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
