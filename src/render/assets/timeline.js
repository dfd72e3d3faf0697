(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("tl-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var revs = D.revisions;
  var slider = document.getElementById("tl-slider");
  var play = document.getElementById("tl-play");
  var label = document.getElementById("tl-rev");
  var graph = document.getElementById("tl-graph");
  var detail = document.getElementById("tl-detail");
  var reset = document.getElementById("tl-reset");
  reset.addEventListener("click", function () { zoom = []; reset.hidden = true; drawGraph(current); });
  var ROW = 18;
  // A whole play takes about 15 seconds, each revision at most 0.7.
  var STEP = Math.max(120, Math.min(700, 15000 / Math.max(D.revisions.length, 1)));
  var CATEGORIES = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
  var OTHER = "#d0d7de";
  var colorList = D.frame_colors;
  var maxTotal = 1;
  revs.forEach(function (r) { if (r.total > maxTotal) { maxTotal = r.total; } });
  function fmt(n) { return Number(n).toLocaleString("en-US"); }
  function pct(n, d) { return d > 0 ? (100 * n / d).toFixed(n * 1000 < d ? 2 : 1) + "%" : "0%"; }
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function isDark(hex) {
    var v = parseInt(hex.slice(1), 16);
    var r = v >> 16 & 255, g = v >> 8 & 255, b = v & 255;
    return 0.299 * r + 0.587 * g + 0.114 * b < 128;
  }
  function describe(r) {
    var when = r.date ? " (" + r.date + ")" : "";
    return r.rev + when;
  }

  // The frame zoomed into, by its path of names (kept across revisions:
  // the same directory at another revision stays zoomed).
  var zoom = [];
  function pathsOf(frames) {
    var stack = [], out = [];
    frames.forEach(function (f) {
      stack.length = f[0];
      stack.push(D.names[f[3]]);
      out.push(stack.join("/"));
    });
    return out;
  }

  function drawGraph(i) {
    var r = revs[i];
    var W = Math.max(graph.parentNode.clientWidth || 0, 600);
    var paths = pathsOf(r.frames);
    var key = zoom.join("/");
    var at = key ? paths.indexOf(key) : -1;
    var from = 0, span = maxTotal, top = 0;
    if (at >= 0) { from = r.frames[at][1]; span = Math.max(r.frames[at][2], 1); top = r.frames[at][0]; }
    var depth = 0;
    r.frames.forEach(function (f) { if (f[0] > depth) { depth = f[0]; } });
    var H = (depth + 1) * ROW;
    graph.setAttribute("viewBox", "0 0 " + W + " " + H);
    graph.setAttribute("height", H);
    while (graph.firstChild) { graph.removeChild(graph.firstChild); }
    var scale = W / span;
    r.frames.forEach(function (f, k) {
      var x = (f[1] - from) * scale, w = f[2] * scale;
      if (w < 0.3 || x + w < 0 || x > W) { return; }
      if (at >= 0 && f[0] < top) { x = 0; w = W; }
      var name = D.names[f[3]], color = colorList[f[4]] || OTHER;
      var g = el("g", {}, graph);
      var y = (depth - f[0]) * ROW;
      var rect = el("rect", { x: x.toFixed(2), y: y, width: w.toFixed(2), height: ROW - 1, fill: color, rx: 2 }, g);
      if (at >= 0 && f[0] < top) { rect.setAttribute("opacity", "0.5"); }
      var t = el("title", {}, g);
      var what = f[0] === 0 ? "all of " + D.name : paths[k].split("/").slice(1).join("/");
      t.textContent = what + ": " + fmt(f[2]) + " " + D.unit + " (" + pct(f[2], r.total) + ")" +
        (f[5] === "d" ? " \u00b7 click to zoom" : "");
      if (w > 36) {
        var text = el("text", { x: (x + 3).toFixed(2), y: y + ROW - 5 }, g);
        if (isDark(color)) { text.setAttribute("class", "tl-dark"); }
        var chars = Math.floor((w - 6) / 7);
        text.textContent = name.length > chars ? name.slice(0, Math.max(chars - 1, 1)) + "\u2026" : name;
      }
      g.addEventListener("mouseenter", function () { detail.textContent = t.textContent; });
      g.addEventListener("click", function () {
        zoom = f[0] === 0 ? [] : paths[k].split("/");
        reset.hidden = zoom.length === 0;
        drawGraph(current);
      });
    });
  }

  function stacked(svg, chart, colorOf, legend) {
    var n = revs.length;
    var W = Math.max(svg.parentNode.clientWidth || 0, 600), H = 240, top = 8, bottom = 22, left = 8, right = 8;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var sums = [];
    for (var i = 0; i < n; i++) {
      var s = 0;
      chart.values.forEach(function (v) { s += v[i]; });
      sums.push(s);
    }
    var max = Math.max.apply(null, sums.concat([1]));
    function X(i) { return n === 1 ? W / 2 : left + i * (W - left - right) / (n - 1); }
    function Y(v) { return H - bottom - v * (H - top - bottom) / max; }
    var base = sums.map(function () { return 0; });
    var layers = [];
    chart.values.forEach(function (v, k) {
      var upper = base.map(function (b, i) { return b + v[i]; });
      var d = "M" + X(0) + "," + Y(upper[0]);
      for (var i = 1; i < n; i++) { d += "L" + X(i).toFixed(1) + "," + Y(upper[i]).toFixed(1); }
      for (var j = n - 1; j >= 0; j--) { d += "L" + X(j).toFixed(1) + "," + Y(base[j]).toFixed(1); }
      if (n === 1) { d = "M" + (X(0) - 20) + "," + Y(upper[0]) + "H" + (X(0) + 20) + "V" + Y(base[0]) + "H" + (X(0) - 20); }
      var p = el("path", { d: d + "Z", fill: colorOf(chart.names[k], k) }, svg);
      layers.push(p);
      base = upper;
    });
    // A tick per revision; names where there is room for them (about 90
    // pixels each), the first and the last always.
    var every = Math.max(1, Math.ceil(n * 90 / Math.max(W - left - right, 1)));
    for (var r = 0; r < n; r++) {
      el("line", { x1: X(r), x2: X(r), y1: H - bottom, y2: H - bottom + 3, stroke: "#8c959f" }, svg);
      var last = r === n - 1;
      if ((r % every === 0 && n - 1 - r >= every) || last || r === 0) {
        var anchor = r === 0 && n > 1 ? "start" : last && n > 1 ? "end" : "middle";
        el("text", { x: X(r), y: H - 6, "text-anchor": anchor }, svg).textContent = revs[r].rev;
      }
    }
    var peak = el("text", { x: left + 2, y: top + 10 }, svg);
    peak.textContent = fmt(max) + " " + D.unit;
    var now = el("line", { "class": "tl-now", y1: top, y2: H - bottom }, svg);
    var hover = el("line", { "class": "tl-hover", y1: top, y2: H - bottom, visibility: "hidden" }, svg);
    function nearest(evt) {
      var box = svg.getBoundingClientRect();
      var x = (evt.clientX - box.left) * W / box.width;
      var best = 0;
      for (var i = 1; i < n; i++) { if (Math.abs(X(i) - x) < Math.abs(X(best) - x)) { best = i; } }
      return best;
    }
    svg.addEventListener("mousemove", function (evt) {
      var i = nearest(evt);
      hover.setAttribute("x1", X(i)); hover.setAttribute("x2", X(i));
      hover.setAttribute("visibility", "visible");
      var parts = chart.names.map(function (name, k) { return [name, chart.values[k][i]]; })
        .filter(function (p) { return p[1] > 0; })
        .sort(function (a, b) { return b[1] - a[1]; })
        .slice(0, 6)
        .map(function (p) { return p[0] + " " + fmt(p[1]); });
      detail.textContent = describe(revs[i]) + ": " + fmt(sums[i]) + " " + D.unit + " \u2014 " + parts.join(", ");
    });
    svg.addEventListener("mouseleave", function () { hover.setAttribute("visibility", "hidden"); });
    svg.addEventListener("click", function (evt) { select(nearest(evt)); });
    while (legend.firstChild) { legend.removeChild(legend.firstChild); }
    chart.names.forEach(function (name, k) {
      var li = document.createElement("li");
      var sw = document.createElement("span");
      sw.className = "rf-sw";
      sw.style.background = colorOf(name, k);
      li.appendChild(sw);
      li.appendChild(document.createTextNode(name));
      legend.appendChild(li);
    });
    return function (i) { now.setAttribute("x1", X(i)); now.setAttribute("x2", X(i)); };
  }

  var marks = [];
  function drawCharts() {
    marks = [
      stacked(document.getElementById("tl-dirs"), D.directories, function (name, k) {
        return k < CATEGORIES.length && !/ more$/.test(name) ? CATEGORIES[k] : OTHER;
      }, document.getElementById("tl-dirs-legend")),
      stacked(document.getElementById("tl-langs"), D.languages, function (name) {
        return D.colors[name] || OTHER;
      }, document.getElementById("tl-langs-legend"))
    ];
  }

  var current = revs.length - 1;
  function select(i) {
    current = Math.max(0, Math.min(revs.length - 1, i));
    slider.value = current;
    var r = revs[current];
    label.innerHTML = "";
    var b = document.createElement("b");
    b.textContent = describe(r);
    label.appendChild(b);
    label.appendChild(document.createTextNode(" \u00b7 " + fmt(r.total) + " " + D.unit + " in " + fmt(r.files) + " files \u00b7 " + (current + 1) + " of " + revs.length));
    drawGraph(current);
    marks.forEach(function (mark) { mark(current); });
  }

  var timer = null;
  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
    play.innerHTML = "&#9654; Play";
    play.setAttribute("aria-label", "Play");
  }
  play.addEventListener("click", function () {
    if (timer) { stop(); return; }
    if (current >= revs.length - 1) { select(0); }
    play.innerHTML = "&#10074;&#10074; Pause";
    play.setAttribute("aria-label", "Pause");
    timer = setInterval(function () {
      if (current >= revs.length - 1) { stop(); return; }
      select(current + 1);
    }, STEP);
  });
  slider.max = Math.max(revs.length - 1, 0);
  slider.addEventListener("input", function () { stop(); select(Number(slider.value)); });
  document.addEventListener("keydown", function (evt) {
    if (evt.target === slider) { return; }
    if (evt.key === "ArrowLeft") { select(current - 1); }
    if (evt.key === "ArrowRight") { select(current + 1); }
  });
  window.addEventListener("resize", function () { drawCharts(); select(current); });
  drawCharts();
  select(current);
})();
