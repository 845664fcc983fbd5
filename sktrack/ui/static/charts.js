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
      // every chart can be saved from the page, as the curves can
      toolbox: { right: 8, feature: { saveAsImage: { title: "Save as PNG", pixelRatio: 2,
                                                     backgroundColor: "#fff" } } },
    }, option));
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.rendered = "true";
  }

  var tooltip = { renderMode: "richText", confine: true };

  // An axis fitted to the values: round ends a little beyond them, on whole ticks (at most
  // about eight), so no two labels crowd each other at an end.
  function fittedRange(values) {
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    var span = hi - lo || Math.abs(hi) * 0.1 || 1;
    var step = Math.pow(10, Math.floor(Math.log10(span)));
    lo -= span * 0.25;
    hi += span * 0.1;
    var n = (hi - lo) / step;
    var interval = step * (n > 16 ? 5 : n > 8 ? 2 : n < 3 ? 0.5 : 1);
    return [Math.floor(lo / interval) * interval, Math.ceil(hi / interval) * interval, interval];
  }

  function formatValue(v) {
    return v === null || v === undefined ? "-" : Number(v).toPrecision(4);
  }

  // Bars grow from the worse end of an axis fitted to the data, so the longest bar is the
  // best run whichever way the metric points (a lower-is-better axis is drawn upside down)
  // and negative scores do not all look alike.  The best bar is orange and starred.
  function barChart(id, data) {
    var bars = data.bars.filter(function (b) { return b.value !== null; });
    if (!bars.length) { return; }
    var higher = data.higher_is_better !== false;
    var range = fittedRange(bars.map(function (b) { return b.value; }));
    var base = higher ? range[0] : range[1];
    var labels = bars.map(function (b) { return (b.best ? "\u2605 " : "") + b.label; });
    draw(id, {
      tooltip: Object.assign({
        trigger: "item",
        formatter: function (p) { return labels[p.dataIndex] + ": " + formatValue(bars[p.dataIndex].value); },
      }, tooltip),
      grid: { left: 16, right: 24, top: 28, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: labels,
        axisLabel: { rotate: bars.length > 6 ? 30 : 0, interval: 0, width: 140, overflow: "truncate" },
      },
      yAxis: { type: "value", min: range[0], max: range[1], interval: range[2], inverse: !higher },
      series: [{
        type: "bar", stack: "bar", stackStrategy: "all", silent: true, barMaxWidth: 48,
        itemStyle: { color: "transparent" },
        data: bars.map(function () { return base; }),
      }, {
        type: "bar", stack: "bar", stackStrategy: "all", name: data.metric, barMaxWidth: 48,
        data: bars.map(function (b) {
          return { value: b.value - base, itemStyle: { color: b.best ? BEST : PLAIN } };
        }),
        label: { show: bars.length <= 12, position: "top", formatter: function (p) {
          return formatValue(bars[p.dataIndex].value);
        } },
      }],
    });
  }

  // An axis end a little beyond the data, so no point sits half outside the chart.
  function padded(side) {
    return function (extent) {
      var span = extent.max - extent.min || Math.abs(extent.max) * 0.1 || 1;
      var end = side < 0 ? extent.min - span * 0.08 : extent.max + span * 0.08;
      return Number(end.toPrecision(3));
    };
  }

  function scatterChart(data) {
    var points = data.points;
    if (!points.length) { return; }
    var ys = points.map(function (p) { return p.y; });
    var best = ys.indexOf((data.higher_is_better ? Math.max : Math.min).apply(null, ys));
    var categories = data.numeric ? null : Array.from(new Set(points.map(function (p) { return p.x; })));
    draw("scatter-chart", {
      tooltip: Object.assign({ trigger: "item", formatter: function (p) {
        var point = points[p.dataIndex];
        return point.label + ": " + data.param + " " + point.x + ", " + formatValue(point.y);
      } }, tooltip),
      grid: { left: 16, right: 32, top: 28, bottom: 32, containLabel: true },
      xAxis: data.numeric ? { type: "value", name: data.param, nameLocation: "middle", nameGap: 28,
                              min: padded(-1), max: padded(1) }
                          : { type: "category", data: categories, name: data.param, nameLocation: "middle", nameGap: 28 },
      yAxis: { type: "value", inverse: !data.higher_is_better, min: padded(-1), max: padded(1) },
      series: [{
        type: "scatter", symbolSize: 10,
        data: points.map(function (p, i) {
          return { value: [p.x, p.y], itemStyle: { color: i === best ? BEST : PLAIN } };
        }),
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
      parallel: { left: 60, right: 90, top: 48, bottom: 72 },
      parallelAxis: axes.map(function (axis, i) {
        // the metric's name sits left of the last axis, so the chart's edge does not clip it
        var last = i === axes.length - 1;
        var spec = { dim: i, name: axis.name, type: axis.type, nameLocation: "end",
                     nameTextStyle: { width: last ? 220 : 140, overflow: "truncate",
                                      align: last ? "right" : "center" },
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
        type: "continuous", dimension: metricIndex, orient: "horizontal", left: "center", bottom: 8,
        itemHeight: 240,
        min: Math.min.apply(null, values), max: Math.max.apply(null, values),
        calculable: true, precision: 3,
        inRange: { color: ["#93c5fd", "#2563eb", "#d97706"] },
      };
    }
    draw("parallel-chart", option);
  }

  var compare = readData("compare-data");
  if (compare) {
    barChart("bar-chart", compare);
    lineChart("line-chart", compare.histories, compare.metric);
    parallelChart(compare);
  }

  var view = readData("view-data");
  if (view) {
    if (view.points) { scatterChart(view); } else { barChart("bar-chart", view); }
    lineChart("line-chart", view.histories || [], view.metric);
  }

  var histories = readData("history-data");
  if (histories) {
    lineChart("history-chart", Object.keys(histories).map(function (key) {
      return { label: key, points: histories[key] };
    }), "");
  }
})();
