// The chart contract of tests/browser/conftest.py in its smallest form: the harness self-test
// serves it at a same-origin URL. The product's own module (web/static/js) does the same job.
(function () {
  "use strict";
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function initialise(el) {
    if (el.dataset.chartState) return; // already done
    try {
      const option = JSON.parse(document.getElementById(el.dataset.chart).textContent);
      if (reducedMotion) option.animation = false;
      const chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.on("finished", function () {
        if (!el.dataset.chartState) el.dataset.chartState = "rendered";
      });
      chart.setOption(option);
    } catch (error) {
      el.dataset.chartState = "error";
      console.error("chart " + el.dataset.chart + " failed", error);
    }
  }

  function initialiseAll(root) {
    root.querySelectorAll("[data-chart]").forEach(initialise);
  }

  document.addEventListener("DOMContentLoaded", function () { initialiseAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { initialiseAll(event.target); });
})();
