// Draws the bench charts with uPlot from the JSON the page embeds; without JavaScript the tables remain.
// Each chart takes its box's width and follows it when the window changes (a phone turned sideways).
(function () {
  var node = document.getElementById("series-data");
  if (!node || typeof uPlot === "undefined") return;
  var data = JSON.parse(node.textContent);
  var plots = [];
  function day(d) { return Date.parse(d + "T12:00:00Z") / 1000; }
  // 2.12. rather than 12/2: the day first, as everywhere in Bosnia and Herzegovina
  function dayFirst(u, ticks) {
    return ticks.map(function (t) { var d = new Date(t * 1000); return d.getDate() + "." + (d.getMonth() + 1) + "."; });
  }
  function widthOf(el) { return Math.max(200, el.clientWidth || 300); }
  function draw(id, titleId, xs, ys, color, bars) {
    var el = document.getElementById(id);
    if (!el || xs.length === 0) return;
    var title = document.getElementById(titleId);  // the page's own (translated) heading names the series
    var series = { label: title ? title.textContent : "", stroke: color, width: 2 };
    if (bars) { series.paths = uPlot.paths.bars({ size: [0.6, 40] }); series.fill = color; }
    // the whole period on the x axis, whatever the readings cover (one reading made uPlot span years)
    var now = Date.now() / 1000;
    var plot = new uPlot({ width: widthOf(el), height: 220, series: [{}, series], legend: { show: false },
                           axes: [{ values: dayFirst }, {}],
                           scales: { x: { time: true, range: [now - data.days * 86400, now + 3600] } } },
                         [xs, ys], el);
    plots.push({ el: el, plot: plot });
  }
  draw("chart-soc", "soc-title", data.soc.map(function (r) { return r[0]; }), data.soc.map(function (r) { return r[1]; }), "#00703c");
  draw("chart-harvest", "harvest-title", data.harvest_wh.map(function (r) { return day(r[0]); }), data.harvest_wh.map(function (r) { return r[1]; }), "#8a4b00", true);
  draw("chart-proposals", "proposals-title", data.proposals.map(function (r) { return day(r[0]); }), data.proposals.map(function (r) { return r[1]; }), "#1d5fa8", true);
  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      plots.forEach(function (p) { p.plot.setSize({ width: widthOf(p.el), height: 220 }); });
    }, 100);
  });
})();
