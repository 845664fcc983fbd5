// sktrack UI: the evaluation curves of the run page and the compare page, drawn with Apache
// ECharts.  The specs come from sktrack/ui/_curves.py in <script type="application/json"
// id="curves-data">; each chart gets a toolbar to zoom, reset and save it as a PNG, and a
// tooltip with the values under the cursor (and the threshold, on ROC and precision-recall).
(function () {
  "use strict";
  var echarts = window.echarts;
  var PALETTE = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#db2777",
                 "#65a30d", "#ea580c", "#4f46e5"];
  var el = document.getElementById("curves-data");
  if (!echarts || !el) { return; }
  var groups = JSON.parse(el.textContent);

  function fmt(v) {
    if (v === null || v === undefined) { return "-"; }  // the one spelling of a missing value
    if (typeof v !== "number") { return String(v); }
    return Math.abs(v) >= 1000 || Number.isInteger(v) ? String(v) : v.toPrecision(4);
  }

  function toolbox() {
    return {
      right: 8,
      feature: {
        dataZoom: { title: { zoom: "Zoom", back: "Undo zoom" } },
        restore: { title: "Reset" },
        saveAsImage: { title: "Save as PNG", pixelRatio: 2, backgroundColor: "#fff" }
      }
    };
  }

  function base(spec) {
    return {
      color: PALETTE,
      animation: false,
      textStyle: { fontFamily: "system-ui, sans-serif" },
      title: { text: spec.title, left: 8, top: 4, textStyle: { fontSize: 14 } },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 64, right: 28, top: 48, bottom: 72 },
      toolbox: toolbox()
    };
  }

  function valueAxis(name, unit) {
    var axis = { type: "value", name: name, nameLocation: "middle", nameGap: 30, scale: !unit };
    if (unit) { axis.min = 0; axis.max = 1; }
    return axis;
  }

  function pointTip(params) {
    var list = (Array.isArray(params) ? params : [params]).filter(function (p) {
      return p.seriesName !== "y = x";
    });
    return list.map(function (p) {
      var d = p.data || p.value;
      var text = p.seriesName + ": " + d.slice(0, 2).map(fmt).join(", ");
      if (d.length > 2) { text += "  threshold " + fmt(d[2]); }
      return text;
    }).join("\n");
  }

  function diagonal(spec) {
    if (!spec.diagonal) { return []; }
    var ends = [[0, 0], [1, 1]];
    if (!spec.unit) {  // predicted vs actual: the line y = x over the data's range
      var all = [];
      spec.series.forEach(function (s) { s.points.forEach(function (p) { all.push(p[0], p[1]); }); });
      var lo = Math.min.apply(null, all), hi = Math.max.apply(null, all);
      ends = [[lo, lo], [hi, hi]];
    }
    return [{ name: "y = x", type: "line", data: ends, symbol: "none", silent: true,
              lineStyle: { type: "dashed", color: "#9ca3af", width: 1 }, tooltip: { show: false } }];
  }

  var builders = {
    line: function (spec) {
      return Object.assign(base(spec), {
        tooltip: { trigger: "axis", axisPointer: { type: "cross" }, renderMode: "richText",
                   confine: true, formatter: pointTip },
        xAxis: valueAxis(spec.x, spec.unit), yAxis: valueAxis(spec.y, spec.unit),
        dataZoom: [{ type: "inside", xAxisIndex: 0 }, { type: "inside", yAxisIndex: 0 }],
        series: spec.series.map(function (s) {
          return { name: s.name, type: "line", data: s.points, showSymbol: false, symbolSize: 6,
                   emphasis: { focus: "series" }, triggerLineEvent: true };
        }).concat(diagonal(spec))
      });
    },
    scatter: function (spec) {
      return Object.assign(base(spec), {
        tooltip: { trigger: "item", renderMode: "richText", confine: true, formatter: pointTip },
        xAxis: valueAxis(spec.x, false), yAxis: valueAxis(spec.y, false),
        dataZoom: [{ type: "inside", xAxisIndex: 0 }, { type: "inside", yAxisIndex: 0 }],
        series: spec.series.map(function (s) {
          return { name: s.name, type: "scatter", data: s.points, symbolSize: 4,
                   itemStyle: { opacity: 0.6 }, large: s.points.length > 2000 };
        }).concat(diagonal(spec))
      });
    },
    histogram: function (spec) {
      return Object.assign(base(spec), {
        tooltip: { trigger: "axis", renderMode: "richText", confine: true },
        xAxis: valueAxis(spec.x, false), yAxis: valueAxis(spec.y, false),
        dataZoom: [{ type: "inside", xAxisIndex: 0 }],
        series: spec.series.map(function (s) {
          return { name: s.name, type: "bar", data: s.points, barWidth: "90%", barGap: "-100%",
                   itemStyle: { opacity: 0.7 } };
        })
      });
    },
    bars: function (spec) {
      return Object.assign(base(spec), {
        tooltip: { trigger: "axis", renderMode: "richText", confine: true },
        xAxis: { type: "category", name: spec.x, nameLocation: "middle", nameGap: 30,
                 data: spec.categories },
        yAxis: valueAxis(spec.y, true),
        series: spec.series.map(function (s) {
          return { name: s.name, type: "bar", data: s.points.map(function (p) { return p[1]; }) };
        })
      });
    },
    category: function (spec) {
      return Object.assign(base(spec), {
        tooltip: {
          trigger: "axis", renderMode: "richText", confine: true,
          formatter: function (params) {
            return params.map(function (p) {
              return p.seriesName + " " + p.data[0] + ": " + fmt(p.data[1]) + " ± " + fmt(p.data[2]);
            }).join("\n");
          }
        },
        xAxis: { type: "category", name: spec.x, nameLocation: "middle", nameGap: 30,
                 data: spec.categories },
        yAxis: valueAxis(spec.y, false),
        series: spec.series.map(function (s) {
          return { name: s.name, type: "line", data: s.points, symbolSize: 7 };
        })
      });
    },
    heatmap: function (spec) {
      var counts = spec.cells.map(function (c) { return c[2] || 0; });
      return Object.assign(base(spec), {
        legend: { show: false },
        tooltip: {
          trigger: "item", renderMode: "richText", confine: true,
          formatter: function (p) {
            return "true " + spec.labels[p.data[1]] + ", predicted " + spec.labels[p.data[0]] +
                   ": " + fmt(p.data[2]);
          }
        },
        grid: { left: 72, right: 72, top: 48, bottom: 56 },
        xAxis: { type: "category", name: spec.x, nameLocation: "middle", nameGap: 30, data: spec.labels },
        yAxis: { type: "category", name: spec.y, nameLocation: "middle", nameGap: 48,
                 data: spec.labels, inverse: true },
        visualMap: { min: 0, max: Math.max.apply(null, counts.concat([1])), calculable: false,
                     orient: "vertical", right: 4, top: "middle", itemHeight: 120,
                     inRange: { color: ["#eff6ff", "#1d4ed8"] } },
        series: [{ type: "heatmap", data: spec.cells, label: { show: spec.labels.length <= 12 } }]
      });
    }
  };

  var charts = [];
  groups.forEach(function (group) {
    var holder = document.getElementById("curves-" + group.split);
    if (!holder) { return; }
    group.charts.forEach(function (spec) {
      var box = document.createElement("div");
      // an overlay across runs gets the full width, so that every run's legend entry fits
      box.className = spec.id.indexOf("-overlay-") >= 0 ? "chart curve wide" : "chart curve";
      box.id = "curve-" + spec.id;
      box.setAttribute("role", "img");
      box.setAttribute("aria-label", spec.title);
      box.dataset.kind = spec.kind;
      holder.appendChild(box);
      var chart = echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(builders[spec.kind](spec));
      charts.push(chart);
    });
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.body.dataset.curvesDrawn = String(charts.length);
})();
