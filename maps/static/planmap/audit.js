/* The plan audit page: filter the zones by result, sort them, print. No words here: the page carries them. */
(function () {
  "use strict";
  var tools = document.getElementById("pm-audit-tools");
  if (!tools) { return; }
  tools.hidden = false;
  var filter = document.getElementById("pm-audit-filter");
  var sort = document.getElementById("pm-audit-sort");
  var shown = document.getElementById("pm-audit-shown");
  var RANK = { fail: 0, incomplete: 1, pass: 2, none: 3 };
  var bodies = Array.prototype.slice.call(document.querySelectorAll(".pm-audit-table tbody"));
  bodies.forEach(function (body) {
    Array.prototype.forEach.call(body.rows, function (row, i) { row.dataset.order = String(i); });
  });
  function apply() {
    var want = filter.value;
    var by = sort.value;
    var count = 0;
    bodies.forEach(function (body) {
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        if (by === "result") {
          var d = RANK[a.dataset.overall] - RANK[b.dataset.overall];
          if (d) { return d; }
        } else if (by === "name") {
          var n = a.dataset.name.localeCompare(b.dataset.name, document.documentElement.lang);
          if (n) { return n; }
        }
        return Number(a.dataset.order) - Number(b.dataset.order);
      });
      var visible = 0;
      rows.forEach(function (row) {
        body.appendChild(row);
        row.hidden = Boolean(want) && row.dataset.overall !== want;
        if (!row.hidden) { visible += 1; }
      });
      body.closest("section").hidden = visible === 0;
      count += visible;
    });
    shown.textContent = shown.dataset.template.replace("{n}", String(count));
  }
  filter.addEventListener("change", apply);
  sort.addEventListener("change", apply);
  document.getElementById("pm-audit-print").addEventListener("click", function () { window.print(); });
  apply();
}());
