(function () {
  "use strict";
  var init = window.init, started = !!window.details;
  if (typeof init === "function") {
    window.init = function (evt) {
      if (!started) {
        started = true;
        init(evt);
      }
    };
    window.init();
  }
  function sort(table, column, th) {
    var numeric = th.getAttribute("data-sort") === "num";
    var now = th.getAttribute("aria-sort");
    var up = now ? now === "descending" : !numeric;
    [].forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", up ? "ascending" : "descending");
    // Every body: all code, and the user's own (hidden or not).
    [].forEach.call(table.tBodies, function (body) {
      var rows = [].map.call(body.rows, function (row, i) {
        var cell = row.cells[column];
        var key = numeric ? Number(cell.getAttribute("data-v")) : cell.textContent.toLowerCase();
        return { row: row, key: key, i: i };
      });
      rows.sort(function (a, b) {
        var order = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
        return (up ? order : -order) || a.i - b.i;
      });
      rows.forEach(function (r) {
        body.appendChild(r.row);
      });
    });
  }
  // The switch between all code and the user's own: shows the table
  // bodies, totals and notes of the choice.
  function show(code) {
    [].forEach.call(document.querySelectorAll("[data-rf-code]"), function (e) {
      e.hidden = e.getAttribute("data-rf-code") !== code;
    });
  }
  [].forEach.call(document.querySelectorAll("input[name=rf-code]"), function (input) {
    input.addEventListener("change", function () {
      if (input.checked) show(input.value);
    });
    // A choice the browser kept from before a reload.
    if (input.checked) show(input.value);
  });
  [].forEach.call(document.querySelectorAll("table.rf-table"), function (table) {
    [].forEach.call(table.tHead.rows[0].cells, function (th, column) {
      th.querySelector("button").addEventListener("click", function () {
        sort(table, column, th);
      });
    });
  });
})();
