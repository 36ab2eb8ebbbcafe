// Draws every <canvas data-chart="ID"> from the Chart.js config in <script id="ID" type="application/json">
// (written by Django's json_script). Needs static/vendor/chartjs/chart.umd.min.js loaded first.
(function () {
  "use strict";

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    var config = JSON.parse(source.textContent);
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    canvas.chart = new Chart(canvas, config);
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  // Printing: redraw at the paper width so no chart is cut, then restore.
  function resizeAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.chart) canvas.chart.resize();
    });
  }
  // Closed <details> (model answers) do not print: open them for paper, close them again after.
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    openedForPrint = Array.prototype.filter.call(document.querySelectorAll("main details"), function (d) { return !d.open; });
    openedForPrint.forEach(function (d) { d.open = true; });
    resizeAll();
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (d) { d.open = false; });
    openedForPrint = [];
    resizeAll();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
