// Behaviour shared by every page: segment buttons and panel tabs (keyboard included).
(function () {
  "use strict";

  // Tabs: buttons with role="tab" show the panel their aria-controls names.
  document.addEventListener("click", function (event) {
    var tab = event.target.closest('[role="tab"]');
    if (!tab) { return; }
    selectTab(tab);
  });

  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest('[role="tab"]');
    if (!tab || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) { return; }
    var tabs = Array.prototype.slice.call(tab.parentElement.querySelectorAll('[role="tab"]'));
    var step = event.key === "ArrowRight" ? 1 : -1;
    var next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    selectTab(next);
    next.focus();
  });

  function selectTab(tab) {
    var list = tab.parentElement;
    list.querySelectorAll('[role="tab"]').forEach(function (other) {
      var selected = other === tab;
      other.setAttribute("aria-selected", selected ? "true" : "false");
      other.tabIndex = selected ? 0 : -1;
      var panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) { panel.hidden = !selected; }
    });
  }

  // Segment buttons: mark the one whose panel is shown.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-segment]");
    if (!button) { return; }
    document.querySelectorAll("[data-segment]").forEach(function (other) {
      if (other.dataset.segment === button.dataset.segment) {
        other.setAttribute("aria-current", "true");
      } else {
        other.removeAttribute("aria-current");
      }
    });
  });
})();
