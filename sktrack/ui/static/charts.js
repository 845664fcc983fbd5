// sktrack UI: the charts of the compare page and the run page, drawn with Apache ECharts
// (vendored in static/vendor/echarts).  Data comes from a <script type="application/json">
// block read with JSON.parse; tooltips are drawn as rich text on the canvas, not as HTML.
(function () {
  "use strict";
  var echarts = window.echarts;
  var PALETTE = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#db2777",
                 "#65a30d", "#ea580c", "#4f46e5"];
  var BEST = "#d97706";
  var PLAIN = "#2563eb";

  function readData(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(Object.assign({
      animation: false,
      color: PALETTE,
      textStyle: { fontFamily: "system-ui, sans-serif" },
    }, option));
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.rendered = "true";
  }

  var tooltip = { renderMode: "richText", confine: true };

  function barChart(data) {
    draw("bar-chart", {
      tooltip: Object.assign({ trigger: "axis", axisPointer: { type: "shadow" } }, tooltip),
      grid: { left: 16, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: data.bars.map(function (b) { return b.label; }),
        axisLabel: { rotate: data.bars.length > 6 ? 30 : 0, interval: 0, width: 140, overflow: "truncate" },
      },
      yAxis: { type: "value", name: data.metric },
      series: [{
        type: "bar",
        name: data.metric,
        barMaxWidth: 48,
        data: data.bars.map(function (b) {
          return { value: b.value, itemStyle: { color: b.best ? BEST : PLAIN } };
        }),
        label: { show: data.bars.length <= 12, position: "top", formatter: function (p) {
          return p.value === null || p.value === undefined ? "" : Number(p.value).toPrecision(4);
        } },
      }],
    });
  }

  function lineChart(id, series, yName) {
    if (!series.length) { return; }
    draw(id, {
      tooltip: Object.assign({ trigger: "axis" }, tooltip),
      legend: { type: "scroll", top: 0 },
      grid: { left: 16, right: 48, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: "step", minInterval: 1 },
      yAxis: { type: "value", name: yName, scale: true },
      series: series.map(function (s) {
        return { type: "line", name: s.label, data: s.points, showSymbol: true, connectNulls: false };
      }),
    });
  }

  function parallelChart(data) {
    var axes = data.parallel.axes;
    if (axes.length < 2) { return; }
    var metricIndex = axes.length - 1;
    var values = data.parallel.lines
      .map(function (line) { return line[metricIndex]; })
      .filter(function (v) { return v !== null; });
    var option = {
      tooltip: tooltip,
      parallel: { left: 60, right: 150, top: 48, bottom: 32 },
      parallelAxis: axes.map(function (axis, i) {
        var spec = { dim: i, name: axis.name, type: axis.type, nameLocation: "end",
                     nameTextStyle: { width: 140, overflow: "truncate" },
                     axisLabel: { width: 90, overflow: "truncate" } };
        if (axis.type === "category") { spec.data = axis.data; } else { spec.scale = true; }
        return spec;
      }),
      series: [{
        type: "parallel",
        lineStyle: { width: 2, opacity: 0.75 },
        data: data.parallel.lines.map(function (line, i) {
          return { name: data.parallel.labels[i], value: line };
        }),
      }],
    };
    if (values.length) {
      option.visualMap = {
        type: "continuous", dimension: metricIndex, right: 16, top: "middle",
        min: Math.min.apply(null, values), max: Math.max.apply(null, values),
        calculable: true, precision: 3,
        inRange: { color: ["#93c5fd", "#2563eb", "#d97706"] },
      };
    }
    draw("parallel-chart", option);
  }

  var compare = readData("compare-data");
  if (compare) {
    barChart(compare);
    lineChart("line-chart", compare.histories, compare.metric);
    parallelChart(compare);
  }

  var histories = readData("history-data");
  if (histories) {
    lineChart("history-chart", Object.keys(histories).map(function (key) {
      return { label: key, points: histories[key] };
    }), "");
  }
})();
