/* The statistics pages' charts (ECharts, served by the platform): drawn from the figures the
   page carries in #statistics-data, the same as its tables. Without JavaScript the tables stay;
   a figure hidden on the public page (under 5) is null here and left out of the chart. */
(function () {
  "use strict";

  function draw(element, option) {
    element.classList.remove("d-none");
    element.style.height = element.dataset.chart === "funnel" ? "340px" : "300px";
    // Canvas, and tooltips drawn in it (richText): the site's Content-Security-Policy refuses the
    // style attributes that the SVG renderer and HTML tooltips would write.
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function funnelOption(data) {
    return {
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: data.labels },
      series: [{
        type: "bar",
        data: data.counts,
        label: { show: true, position: "right" },
        itemStyle: { color: "#0d6efd" }
      }]
    };
  }

  function trendOption(data) {
    return {
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { type: "scroll", top: 0 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value" },
      series: data.series.map(function (series) {
        return { type: "line", name: series.name, data: series.data, connectNulls: false };
      })
    };
  }

  function reasonsOption(data, names) {
    return {
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: data.labels },
      series: [
        { type: "bar", stack: "all", name: names.lost, data: data.lost },
        { type: "bar", stack: "all", name: names.terminated, data: data.terminated }
      ]
    };
  }

  function originsOption(data, names) {
    return {
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.labels },
      series: data.series.map(function (counts, index) {
        return { type: "bar", name: names[index] || "", data: counts };
      })
    };
  }

  function start() {
    var source = document.getElementById("statistics-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    document.querySelectorAll(".statistics-chart[data-chart]").forEach(function (element) {
      var kind = element.dataset.chart;
      if (kind === "funnel") {
        draw(element, funnelOption(data.funnel));
      } else if (kind === "trend" && data.trend.months.length) {
        draw(element, trendOption(data.trend));
      } else if (kind === "origins" && data.origins.series[0].some(function (n) { return n; })) {
        var columns = Array.prototype.slice.call(
          document.querySelectorAll("#origins-table thead th"), 1
        ).map(function (head) { return head.textContent; });
        draw(element, originsOption(data.origins, columns));
      } else if (kind === "reasons" && data.reasons.labels.length) {
        var heads = document.querySelectorAll("#reasons-table thead th");
        draw(element, reasonsOption(data.reasons, {
          lost: heads[1] ? heads[1].textContent : "",
          terminated: heads[2] ? heads[2].textContent : ""
        }));
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
