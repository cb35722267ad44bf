/* The plan audit page: filter the zones (result, ruleset, layer, name), sort them, print; for a signed-in planner,
   a form per zone to give its values (PUT /api/audit/values/{zone}: the server types and judges them, refusals
   come back field by field in the page language). No words here: the page carries them. */
(function () {
  "use strict";
  var tools = document.getElementById("pm-audit-tools");
  if (!tools) { return; }
  tools.hidden = false;
  var filter = document.getElementById("pm-audit-filter");
  var sort = document.getElementById("pm-audit-sort");
  var byRuleset = document.getElementById("pm-audit-ruleset");
  var byLayer = document.getElementById("pm-audit-layer");
  var search = document.getElementById("pm-audit-search");
  var shown = document.getElementById("pm-audit-shown");
  var lang = tools.dataset.lang || document.documentElement.lang;
  var RANK = { fail: 0, incomplete: 1, pass: 2, none: 3 };
  var bodies = Array.prototype.slice.call(document.querySelectorAll(".pm-audit-table tbody"));
  bodies.forEach(function (body) {
    Array.prototype.forEach.call(body.querySelectorAll("tr.pm-audit-row"), function (row, i) { row.dataset.order = String(i); });
  });
  function closeForms() {
    Array.prototype.forEach.call(document.querySelectorAll("tr.pm-values-row"), function (tr) { tr.remove(); });
  }
  function apply() {
    closeForms();
    var want = filter.value, by = sort.value;
    var rs = byRuleset ? byRuleset.value : "", layer = byLayer ? byLayer.value : "";
    var text = search ? search.value.trim().toLowerCase() : "";
    var count = 0;
    bodies.forEach(function (body) {
      var rows = Array.prototype.slice.call(body.querySelectorAll("tr.pm-audit-row"));
      rows.sort(function (a, b) {
        if (by === "result") {
          var d = RANK[a.dataset.overall] - RANK[b.dataset.overall];
          if (d) { return d; }
        } else if (by === "name") {
          var n = a.dataset.name.localeCompare(b.dataset.name, lang === "en" ? "en" : "zh-Hans-CN");
          if (n) { return n; }
        }
        return Number(a.dataset.order) - Number(b.dataset.order);
      });
      var visible = 0;
      rows.forEach(function (row) {
        body.appendChild(row);
        row.hidden = (Boolean(want) && row.dataset.overall !== want) || (Boolean(rs) && row.dataset.ruleset !== rs) ||
          (Boolean(layer) && row.dataset.layer !== layer) ||
          (Boolean(text) && row.dataset.name.toLowerCase().indexOf(text) < 0 && row.dataset.zone.toLowerCase().indexOf(text) < 0);
        if (!row.hidden) { visible += 1; }
      });
      body.closest("section").hidden = visible === 0;
      count += visible;
    });
    shown.textContent = shown.dataset.template.replace("{n}", String(count));
  }
  [filter, sort, byRuleset, byLayer].forEach(function (el) { if (el) { el.addEventListener("change", apply); } });
  if (search) { search.addEventListener("input", apply); }
  tools.addEventListener("submit", function (e) { e.preventDefault(); });
  document.getElementById("pm-audit-print").addEventListener("click", function () { window.print(); });
  apply();

  /* ---------------------------------------------------------------- values of a zone (planners) */
  var endpoint = tools.dataset.values, me = tools.dataset.me;
  if (!endpoint || !me) { return; }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)planmap_csrf=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function fieldError(box, message) {
    var note = box.querySelector(".pm-field-error");
    box.classList.toggle("pm-invalid", Boolean(message));
    Array.prototype.forEach.call(box.querySelectorAll("[data-attribute]"), function (input) {
      input.setAttribute("aria-invalid", message ? "true" : "false");
    });
    note.textContent = message || "";
    note.hidden = !message;
  }
  /* what the form sends: the text as typed (the server parses it as a check does), a share as "85%",
     yes/no as true/false, the formats ticked */
  function collect(form) {
    var out = {};
    Array.prototype.forEach.call(form.querySelectorAll(".pm-attribute:not([hidden]) [data-attribute]"), function (input) {
      var name = input.dataset.attribute, type = input.dataset.type;
      if (type === "multi") {
        var ticked = Array.prototype.filter.call(input.querySelectorAll("input[type=checkbox]"), function (c) { return c.checked; })
          .map(function (c) { return c.value; });
        if (ticked.length || input.dataset.had) { out[name] = ticked.length ? ticked : null; }
        return;
      }
      var raw = String(input.value || "").trim();
      if (!raw) { if (input.dataset.had) { out[name] = null; } return; }
      if (type === "boolean") { out[name] = raw === "true"; return; }
      if (type === "fraction") { raw = raw.replace(/\s+/g, "").replace(/[%％]$/, "") + "%"; }
      if (type === "number" || type === "integer") {  /* 18,000 · 1.8万 · 1.2亿 as the check page takes them */
        var text = raw.replace(/[,，\s]/g, ""), factor = /亿$/.test(text) ? 1e8 : /万$/.test(text) ? 1e4 : 1;
        if (factor > 1) { text = text.slice(0, -1); }
        raw = /^-?\d+(\.\d+)?$/.test(text) ? String(Math.round(Number(text) * factor * 1e6) / 1e6) : raw;
      }
      out[name] = raw;
    });
    return out;
  }
  function fill(form, row) {
    var fields = (row.dataset.fields || "").split(" ").filter(Boolean);
    Array.prototype.forEach.call(form.querySelectorAll(".pm-attribute"), function (box) {
      box.hidden = fields.length > 0 && fields.indexOf(box.dataset.field) < 0;
    });
    var given = row.dataset.values ? JSON.parse(row.dataset.values) : {};
    Object.keys(given).forEach(function (name) {
      var input = form.querySelector('[data-attribute="' + name + '"]');
      if (!input) { return; }
      input.dataset.had = "1";
      if (input.dataset.type === "multi") {
        Array.prototype.forEach.call(input.querySelectorAll("input[type=checkbox]"), function (c) {
          c.checked = given[name].indexOf(c.value) >= 0;
        });
      } else { input.value = given[name]; }
    });
  }
  function open(row) {
    var next = row.nextElementSibling;
    if (next && next.classList.contains("pm-values-row")) { next.remove(); return; }
    var template = document.getElementById("pm-values-form-" + row.dataset.ruleset);
    if (!template) { return; }
    var tr = document.createElement("tr");
    tr.className = "pm-values-row";
    var td = document.createElement("td");
    td.colSpan = row.cells.length;
    td.appendChild(template.content.cloneNode(true));
    tr.appendChild(td);
    row.after(tr);
    var form = td.querySelector("form");
    fill(form, row);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      save(form, row);
    });
    var first = form.querySelector(".pm-attribute:not([hidden]) input, .pm-attribute:not([hidden]) select");
    if (first) { first.focus(); }
  }
  function save(form, row) {
    var message = form.querySelector(".pm-values-message");
    Array.prototype.forEach.call(form.querySelectorAll(".pm-attribute"), function (box) { fieldError(box, null); });
    var values = collect(form);
    if (!Object.keys(values).length) { message.textContent = tools.dataset.nothing; return; }
    var note = form.querySelector("[name=note]").value.trim();
    message.textContent = tools.dataset.saving;
    fetch(endpoint + "/" + encodeURIComponent(row.dataset.zone) + "?lang=" + encodeURIComponent(lang), {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(note ? { values: values, note: note } : { values: values })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) {
        (result.body.fields || []).forEach(function (f) {
          var input = form.querySelector('[data-attribute="' + f.attribute + '"]');
          if (input) { fieldError(input.closest(".pm-attribute"), f.message); }
        });
        var marked = form.querySelectorAll(".pm-invalid").length;
        message.textContent = marked && marked === (result.body.fields || []).length ? tools.dataset.fix
          : (result.body.description || "");
        return;
      }
      message.textContent = tools.dataset.saved;
      try { sessionStorage.setItem("pm-audit-saved", row.dataset.zone); } catch (err) { /* private mode */ }
      window.location.reload();
    }, function (err) { message.textContent = String(err); });
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest(".pm-values-open");
    if (button) { open(button.closest("tr")); }
  });
  var saved = null;
  try { saved = sessionStorage.getItem("pm-audit-saved"); sessionStorage.removeItem("pm-audit-saved"); } catch (err) { saved = null; }
  if (saved) {
    var row = document.getElementById("zone-" + saved);
    if (row) { row.classList.add("pm-just-saved"); row.scrollIntoView({ block: "center" }); }
  }
  /* only a browser session has the CSRF cookie: without it nobody is signed in, and no 401 is asked for */
  if (!csrf()) { return; }
  fetch(me, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (user) {
    if (!user || (user.role !== "planner" && user.role !== "admin")) { return; }
    document.body.classList.add("pm-can-edit");
    Array.prototype.forEach.call(document.querySelectorAll(".pm-values-open"), function (b) { b.hidden = false; });
  }, function () { /* stays read-only */ });
}());
