// Draws the bench charts with uPlot from the JSON the page embeds; without JavaScript the tables remain.
(function () {
  var node = document.getElementById("series-data");
  if (!node || typeof uPlot === "undefined") return;
  var data = JSON.parse(node.textContent);
  var width = Math.min(900, document.querySelector("main").clientWidth || 600);
  function day(d) { return Date.parse(d + "T12:00:00Z") / 1000; }
  function draw(id, label, xs, ys, color, bars) {
    var el = document.getElementById(id);
    if (!el || xs.length === 0) return;
    var series = { label: label, stroke: color, width: 2 };
    if (bars) { series.paths = uPlot.paths.bars({ size: [0.6, 40] }); series.fill = color; }
    new uPlot({ width: width, height: 220, series: [{}, series], scales: { x: { time: true } } }, [xs, ys], el);
  }
  draw("chart-soc", "SoC %", data.soc.map(function (r) { return r[0]; }), data.soc.map(function (r) { return r[1]; }), "#0a5a0a");
  draw("chart-harvest", "Wh in", data.harvest_wh.map(function (r) { return day(r[0]); }), data.harvest_wh.map(function (r) { return r[1]; }), "#c77c00", true);
  draw("chart-proposals", "proposals", data.proposals.map(function (r) { return day(r[0]); }), data.proposals.map(function (r) { return r[1]; }), "#0645ad", true);
})();
