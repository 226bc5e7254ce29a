/* Charts of techfin pages, drawn with the vendored Apache ECharts (no network needed).
 * A chart is a <div data-chart="NAME"> with its data in <script id="ID-data" type="application/json">
 * (Django's json_script); each chart also has an HTML table of the same numbers on the page,
 * and the toolbox offers ECharts' own data view and a PNG download. */
(function () {
  "use strict";

  function indicators(el, data) {
    var money = data.money.map(function (s) {
      return { name: s.name, type: "bar", yAxisIndex: 0, data: s.data, barMaxWidth: 28 };
    });
    var people = data.people.map(function (s) {
      return { name: s.name, type: "line", yAxisIndex: 1, data: s.data, symbolSize: 7, connectNulls: false };
    });
    return {
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0, left: 0, right: 70, type: "scroll" },
      grid: { left: 8, right: 8, top: 64, bottom: 8, containLabel: true },
      toolbox: { right: 0, top: 0, feature: {
        dataView: { readOnly: true, title: el.dataset.tableLabel || "Data" },
        saveAsImage: { title: "PNG" } } },
      xAxis: { type: "category", data: data.years },
      yAxis: [
        { type: "value", name: data.money_axis, nameTextStyle: { align: "left" } },
        { type: "value", name: data.people_axis, splitLine: { show: false }, minInterval: 1 }
      ],
      series: money.concat(people)
    };
  }

  var builders = { indicators: indicators };

  function draw(el) {
    if (el.dataset.drawn || typeof echarts === "undefined") { return; }
    var build = builders[el.dataset.chart];
    var source = document.getElementById(el.id + "-data");
    if (!build || !source) { return; }
    var chart = echarts.init(el, null, { locale: el.dataset.locale === "EN" ? "EN" : "ZH", renderer: "canvas" });
    chart.setOption(build(el, JSON.parse(source.textContent)));
    el.dataset.drawn = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll() { document.querySelectorAll("[data-chart]").forEach(draw); }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", drawAll); } else { drawAll(); }
  document.addEventListener("htmx:afterSettle", drawAll);
})();
