/* The leader overview's charts (ECharts). The same numbers are in the tables on the page. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var source = document.getElementById("hotline-chart-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    function chart(id, option) {
      var el = document.getElementById(id);
      if (!el) { return; }
      var c = window.echarts.init(el);
      c.setOption(option);
      charts.push(c);
    }
    chart("chart-volume", {
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 16, bottom: 30 },
      xAxis: { type: "category", data: data.days },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", name: "诉求量", data: data.volume, smooth: true, areaStyle: {} }]
    });
    chart("chart-topics", {
      tooltip: {},
      grid: { left: 60, right: 16, top: 16, bottom: 30 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.topics.map(function (t) { return t.name; }) },
      series: [{ type: "bar", name: "件数", data: data.topics.map(function (t) { return t.value; }) }]
    });
    chart("chart-districts", {
      tooltip: {},
      grid: { left: 40, right: 16, top: 16, bottom: 30 },
      xAxis: { type: "category", data: data.districts.map(function (t) { return t.name; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", name: "件数", data: data.districts.map(function (t) { return t.value; }) }]
    });
    chart("chart-rates", {
      tooltip: { trigger: "axis" },
      legend: { data: ["响应率", "解决率", "满意率"] },
      grid: { left: 130, right: 16, top: 30, bottom: 20 },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: data.rates.map(function (r) { return r.name; }) },
      series: [
        { type: "bar", name: "响应率", data: data.rates.map(function (r) { return r.response; }) },
        { type: "bar", name: "解决率", data: data.rates.map(function (r) { return r.solve; }) },
        { type: "bar", name: "满意率", data: data.rates.map(function (r) { return r.satisfaction; }) }
      ]
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
