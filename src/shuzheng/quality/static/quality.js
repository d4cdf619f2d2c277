/* Quality charts (ECharts): department ranking or a resource's trend and dimensions. The same numbers
   are in the tables on the page, so the page reads fine without script. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  function chart(id) {
    var el = document.getElementById(id);
    return el && window.echarts ? window.echarts.init(el) : null;
  }
  ready(function () {
    var source = document.getElementById("quality-chart-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var ranking = chart("chart-ranking");
    if (ranking) {
      ranking.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 16, top: 16, bottom: 80 },
        xAxis: { type: "category", data: data.departments, axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value", min: 0, max: 100 },
        series: [{ type: "bar", name: "质量评分", data: data.scores }]
      });
      charts.push(ranking);
    }
    var trend = chart("chart-trend");
    if (trend) {
      trend.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 16, top: 28, bottom: 40 },
        xAxis: { type: "category", data: data.versions },
        yAxis: { type: "value", min: 0, max: 100 },
        // Points drawn and labelled (not clipped at 100): a resource with one version still shows its score.
        series: [{ type: "line", name: "质量评分", data: data.scores, showSymbol: true, symbolSize: 8, clip: false,
                   label: { show: data.scores.length <= 12, position: "top" } }]
      });
      charts.push(trend);
    }
    var dims = chart("chart-dimensions");
    if (dims) {
      dims.setOption({
        tooltip: {},
        radar: { indicator: data.dimensions.map(function (name) { return { name: name, max: 100 }; }) },
        series: [{ type: "radar", data: [{ value: data.values, name: "当前" }] }]
      });
      charts.push(dims);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
