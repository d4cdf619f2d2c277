/* The objection ranking chart (ECharts). The same numbers are in the table on the page. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var source = document.getElementById("objections-chart-data");
    var el = document.getElementById("chart-departments");
    if (!source || !el || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 60 },
      xAxis: { type: "category", data: data.departments, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { type: "bar", name: "超期", data: data.overdue },
        { type: "bar", name: "未办结", data: data.open },
        { type: "bar", name: "已更正", data: data.confirmed },
        { type: "bar", name: "已驳回", data: data.rejected }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
