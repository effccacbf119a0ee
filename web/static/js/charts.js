// Every chart on a page: a <div data-chart="KIND" data-source="ID"> whose numbers are in
// <script type="application/json" id="ID">. Charts render as SVG so their labels are text.
// When a chart has drawn, its element gets data-chart-state="rendered" ("error" if building
// it failed); window.chartsReady resolves once every chart on the page has drawn. Content that
// htmx swaps in is initialised after it settles.
(function () {
  "use strict";

  var COLORS = { strong: "#1e7b34", weak: "#a86b00", missing: "#b3261e", external: "#52606d" };
  var FILLS = { strong: "#e3f4e8", weak: "#fff4ce", missing: "#fdecea", external: "#eef1f4" };

  function readIsland(id) {
    var island = document.getElementById(id);
    return island ? JSON.parse(island.textContent) : null;
  }

  function percent(rate) {
    return rate === null || rate === undefined ? "" : " (" + (rate * 100).toFixed(1) + "%)";
  }

  var builders = {
    funnel: function (data) {
      var reached = data.names.map(function (name, i) {
        return { name: name, value: data.reached[i], conversion: data.conversion ? data.conversion[i] : null };
      });
      var current = data.names.map(function (name, i) { return { name: name, value: data.current[i] }; });
      return {
        tooltip: { trigger: "item" },
        legend: { data: data.series, bottom: 0 },
        series: [
          {
            name: data.series[0], type: "funnel", sort: "none", left: "2%", width: "56%", top: 10, bottom: 40,
            minSize: "12%", gap: 2,
            label: { show: true, position: "inside", color: "#fff",
              formatter: function (p) { return p.name + " " + p.value + percent(p.data.conversion); } },
            itemStyle: { color: "#0b5394", borderColor: "#fff" }
          },
          {
            name: data.series[1], type: "funnel", sort: "none", left: "62%", width: "36%", top: 10, bottom: 40,
            minSize: "12%", gap: 2, funnelAlign: "left",
            label: { show: true, position: "inside", color: "#1f2933", formatter: "{c}" },
            itemStyle: { color: "#9cc3ea", borderColor: "#fff" }, data: current
          }
        ].map(function (s, i) { if (i === 0) { s.data = reached; } return s; })
      };
    },

    grades: function (data) {
      var colours = ["#1b7f3b", "#0b5394", "#a86b00", "#b3261e"];
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 50, right: 20, top: 20, bottom: 40 },
        xAxis: { type: "category", data: data.names },
        yAxis: { type: "value", name: data.series, minInterval: 1 },
        series: [{ name: data.series, type: "bar", label: { show: true, position: "top" },
          data: data.counts.map(function (v, i) { return { value: v, itemStyle: { color: colours[i] } }; }) }]
      };
    },

    // 四库三台阶: firms per tier (top of the ladder first), with the year's moves.
    ladder: function (data) {
      var colors = ["#0b5394", "#1e7b34", "#b3261e", "#a86b00"];
      var keys = ["current", "entered", "left", "moved_up"];
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { data: data.series, bottom: 0 },
        grid: { left: 10, right: 30, top: 10, bottom: 40, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: data.names },
        series: keys.map(function (key, i) {
          return { name: data.series[i], type: "bar", data: data[key], itemStyle: { color: colors[i] },
            label: { show: i === 0, position: "right" } };
        })
      };
    },

    trend: function (data) {
      return {
        tooltip: { trigger: "axis" },
        legend: { data: data.series, bottom: 0 },
        grid: { left: 50, right: 20, top: 20, bottom: 60 },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", name: "" },
        series: [
          { name: data.series[0], type: "bar", data: data.signed, itemStyle: { color: "#9cc3ea" } },
          { name: data.series[1], type: "line", data: data.cumulative, itemStyle: { color: "#0b5394" } },
          { name: data.series[2], type: "line", data: data.target, connectNulls: true,
            lineStyle: { type: "dashed", color: "#a86b00" }, itemStyle: { color: "#a86b00" } }
        ]
      };
    },

    bars: function (data) {  // grouped bars: data.categories, data.series, data.values[series]
      return {
        tooltip: { trigger: "axis" },
        legend: { data: data.series, bottom: 0 },
        grid: { left: 60, right: 20, top: 20, bottom: 60, containLabel: true },
        xAxis: { type: "category", data: data.categories },
        yAxis: { type: "value" },
        series: data.series.map(function (name, i) {
          return { name: name, type: "bar", data: data.values[i] };
        })
      };
    },

    chainmap: function (data, element) {
      var nodes = data.nodes.map(function (n) {
        var kind = n.external ? "external" : n.status;
        return {
          id: n.id, name: n.label, x: n.x, y: n.y, value: n.id,
          symbol: "roundRect", symbolSize: n.external ? [150, 44] : [170, 40],
          itemStyle: { color: FILLS[kind], borderColor: COLORS[kind], borderWidth: 2,
            borderType: kind === "missing" || n.external ? "dashed" : "solid" },
          label: { show: true, color: "#1f2933", fontSize: 12, overflow: "truncate", width: 160, lineHeight: 15 }
        };
      });
      (data.headings || []).forEach(function (h, i) {
        nodes.push({ id: "heading-" + i, name: h.label, x: h.x, y: h.y, symbolSize: 1, silent: true,
          itemStyle: { color: "rgba(0,0,0,0)", borderWidth: 0 }, tooltip: { show: false },
          label: { show: true, fontSize: 14, fontWeight: "bold", color: "#1f2933" } });
      });
      var edges = data.edges.map(function (e) { return { source: e.source, target: e.target }; });
      return {
        tooltip: { formatter: function (p) { return p.dataType === "node" ? p.data.name : ""; } },
        grid: { containLabel: true },
        series: [{
          type: "graph", layout: "none", roam: true, draggable: false,
          data: nodes, links: edges, edgeSymbol: ["none", "arrow"], edgeSymbolSize: [0, 8],
          lineStyle: { color: "#7b8794", width: 1.2, curveness: 0.15, opacity: 0.8 },
          emphasis: { focus: "adjacency" }
        }]
      };
    }
  };

  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function initChart(element) {
    var data = readIsland(element.dataset.source);
    var build = builders[element.dataset.chart];
    if (!data || !build || !window.echarts) { return Promise.resolve(); }
    var previous = window.echarts.getInstanceByDom(element);
    if (previous) { previous.dispose(); }
    return new Promise(function (resolve) {
      var chart = window.echarts.init(element, null, { renderer: "svg" });
      chart.on("finished", function () {
        if (element.dataset.chartState !== "rendered") {
          element.dataset.chartState = "rendered";
          resolve(chart);
        }
      });
      try {
        var option = build(data, element);
        if (reducedMotion) { option.animation = false; }
        chart.setOption(option);
      } catch (error) {
        element.dataset.chartState = "error";
        console.error("chart " + element.dataset.chart + " failed:", error);
        resolve(null);
        return;
      }
      // A click on a node does what a click on the segment's card below the chart does.
      chart.on("click", function (params) {
        if (params.dataType !== "node" || !params.data || !params.data.id) { return; }
        var card = document.querySelector('[data-segment="' + CSS.escape(params.data.id) + '"]');
        if (card) { card.click(); }
      });
    });
  }

  function initAll(root) {
    var elements = Array.prototype.slice.call(
      (root || document).querySelectorAll("[data-chart]:not([data-chart-state])"));
    window.chartsReady = Promise.all(elements.map(initChart));
  }

  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var chart = window.echarts && window.echarts.getInstanceByDom(element);
      if (chart) { chart.resize(); }
    });
  });
  document.addEventListener("htmx:afterSettle", function () { initAll(document); });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  } else {
    initAll(document);
  }
})();
