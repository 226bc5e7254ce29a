/* The statistics dashboard (数据驾驶舱): headline cards, trends by year, rankings and breakdowns,
 * drawn with the vendored Apache ECharts (offline). A change of any filter fetches the page's
 * data for the new filter and redraws everything without reloading; the address follows, so a
 * view can be bookmarked. Every chart has a table view of the same numbers and an xlsx export. */
(function () {
  "use strict";

  var form, labels, charts = {}, lastData = null, pending = null;
  var YI = 1e8, WAN = 1e4;

  function text(value) { return value === null || value === undefined ? "—" : String(value); }
  function yi(amount) { return amount === null ? null : Number(amount) / YI; }
  function fmt(number, digits) {
    if (number === null || number === undefined || isNaN(number)) { return "—"; }
    return Number(number).toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function pct(ratio, digits) { return ratio === null || ratio === undefined ? "—" : fmt(ratio * 100, digits === undefined ? 2 : digits) + "%"; }
  function wan(amount) { return amount === null || amount === undefined ? "—" : fmt(Number(amount) / WAN, 0) + " " + labels.wan; }
  /* Leverage as the programme writes it: 1 yuan of public money to N yuan of loans (1:N). */
  function leverage(v) { return v === null || v === undefined ? "—" : "1 : " + fmt(v, 1); }

  /* --- headline cards ----------------------------------------------------------------------- */
  var CARDS = [
    ["enterprises", function (v) { return fmt(v, 0); }],
    ["loans", function (v) { return fmt(v, 0); }],
    ["credit_amount", function (v) { return fmt(yi(v), 2) + " " + labels.yi; }],
    ["loan_amount", function (v) { return fmt(yi(v), 2) + " " + labels.yi; }],
    ["average_loan_amount", function (v) { return v === null ? "—" : fmt(Number(v) / WAN, 0) + " " + labels.wan; }],
    ["share_loans_le_10m", pct],
    ["avg_rate_le_1y", pct],
    ["avg_lpr_spread_le_1y", pct],
    ["npl_ratio", pct],
    ["npl_balance_ratio", pct],
    ["high_tech_share", pct],
    ["pure_credit_enterprise_share", pct],
    ["iab_nem_share", pct],
    ["strategic_emerging_share", pct],
    ["compensations", function (v) { return fmt(v, 0); }],
    ["compensated_enterprises", function (v) { return fmt(v, 0); }],
    ["compensation_amount", wan, function (s) { return labels.net + " " + wan(s.compensation_amount_net); }],
    ["leverage", leverage, function (s) {
      return s.public_funds === null ? labels.funds_undivided : labels.figures.public_funds + " " + fmt(yi(s.public_funds), 2) + " " + labels.yi;
    }]
  ];

  function cards(data) {
    var box = document.querySelector("[data-stats-cards]");
    var s = data.summary, pool = data.pool;
    box.innerHTML = "";
    CARDS.forEach(function (card) {
      var key = card[0], show = card[1], note = card[2] ? card[2](s) : null;
      var el = document.createElement("div");
      el.className = "stat";
      el.dataset.figure = key;
      var value = document.createElement("span");
      value.className = "stat-value";
      value.textContent = show(s[key]);
      var label = document.createElement("span");
      label.className = "stat-label";
      label.textContent = labels.figures[key];
      el.appendChild(value);
      el.appendChild(label);
      if (note) {
        var extra = document.createElement("span");
        extra.className = "stat-note";
        extra.dataset.note = key;
        extra.textContent = note;
        el.appendChild(extra);
      }
      if (s.yoy_growth && s.yoy_growth[key] !== undefined && s.yoy_growth[key] !== null) {
        var yoy = document.createElement("span");
        yoy.className = "stat-note " + (s.yoy_growth[key] >= 0 ? "up" : "down");
        yoy.textContent = (s.yoy_growth[key] >= 0 ? "▲ " : "▼ ") + pct(Math.abs(s.yoy_growth[key]), 1) + " " + labels.yoy;
        el.appendChild(yoy);
      }
      if (pool && pool[key] !== undefined) {
        var beside = document.createElement("span");
        beside.className = "stat-note pool";
        beside.textContent = labels.pool + " " + show(pool[key]);
        el.appendChild(beside);
      }
      box.appendChild(el);
    });
  }

  /* --- charts ------------------------------------------------------------------------------- */
  function base(extra) {
    var option = {
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 48, bottom: 8, containLabel: true },
      legend: { top: 0, left: 0, type: "scroll" },
      animation: false
    };
    Object.keys(extra).forEach(function (k) { option[k] = extra[k]; });
    return option;
  }

  var builders = {
    volume: function (d) {
      var years = d.yearly.map(function (r) { return String(r.year); });
      return base({
        xAxis: { type: "category", data: years },
        yAxis: [{ type: "value", name: labels.yi }, { type: "value", name: labels.figures.enterprises, splitLine: { show: false }, minInterval: 1 }],
        series: [
          { name: labels.figures.credit_amount, type: "bar", data: d.yearly.map(function (r) { return yi(r.credit_amount); }), barMaxWidth: 26 },
          { name: labels.figures.loan_amount, type: "bar", data: d.yearly.map(function (r) { return yi(r.loan_amount); }), barMaxWidth: 26 },
          { name: labels.figures.enterprises, type: "line", yAxisIndex: 1, data: d.yearly.map(function (r) { return r.enterprises; }) }
        ]
      });
    },
    rates: function (d) {
      var years = d.yearly.map(function (r) { return String(r.year); });
      var p = function (v) { return v === null ? null : Math.round(v * 10000) / 100; };
      return base({
        xAxis: { type: "category", data: years },
        yAxis: { type: "value", name: "%" },
        series: [
          { name: labels.rate, type: "line", data: d.yearly.map(function (r) { return p(r.avg_rate_le_1y); }), connectNulls: true },
          { name: labels.spread, type: "bar", data: d.yearly.map(function (r) { return p(r.avg_lpr_spread_le_1y); }), barMaxWidth: 26 }
        ]
      });
    },
    compensation: function (d) {
      var years = d.yearly.map(function (r) { return String(r.year); });
      var w = function (v) { return v === null ? null : Number(v) / WAN; };
      return base({
        xAxis: { type: "category", data: years },
        yAxis: [{ type: "value", name: labels.wan }, { type: "value", name: "1 : N", splitLine: { show: false } }],
        series: [
          { name: labels.figures.compensation_amount, type: "bar", data: d.yearly.map(function (r) { return w(r.compensation_amount); }), barMaxWidth: 26 },
          { name: labels.figures.compensation_amount_net, type: "bar", data: d.yearly.map(function (r) { return w(r.compensation_amount_net); }), barMaxWidth: 26 },
          { name: labels.figures.leverage, type: "line", yAxisIndex: 1, connectNulls: false, data: d.yearly.map(function (r) { return r.leverage; }) }
        ]
      });
    },
    bank: function (d) { return ranking(d.by_bank, true); },
    district: function (d) { return ranking(d.by_district, false); },
    industry_tag: function (d) { return ranking(d.by_industry_tag, false); },
    guarantee_type: function (d) {
      return base({
        tooltip: { trigger: "item" },
        legend: { top: 0, left: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["35%", "65%"], top: 30, name: labels.figures.loan_amount,
          label: { formatter: "{b}\n{d}%" },
          data: d.by_guarantee_type.map(function (r) { return { name: r.name, value: yi(r.loan_amount) }; }) }]
      });
    }
  };

  function ranking(rows, horizontal) {
    var names = rows.map(function (r) { return r.name; });
    var amounts = rows.map(function (r) { return yi(r.loan_amount); });
    var firms = rows.map(function (r) { return r.enterprises; });
    var category = { type: "category", data: horizontal ? names.slice().reverse() : names, axisLabel: { interval: 0, rotate: horizontal ? 0 : 30 } };
    var value = { type: "value", name: labels.yi };
    return base({
      legend: { top: 0, left: 0 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : [value, { type: "value", name: labels.figures.enterprises, splitLine: { show: false }, minInterval: 1 }],
      series: horizontal ? [
        { name: labels.figures.loan_amount, type: "bar", data: amounts.slice().reverse(), barMaxWidth: 18 }
      ] : [
        { name: labels.figures.loan_amount, type: "bar", data: amounts, barMaxWidth: 30 },
        { name: labels.figures.enterprises, type: "line", yAxisIndex: 1, data: firms }
      ]
    });
  }

  function drawCharts(data) {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[data-stats-chart]").forEach(function (el) {
      var key = el.dataset.statsChart;
      if (!charts[key]) {
        charts[key] = echarts.init(el, null, { locale: document.documentElement.lang === "en" ? "EN" : "ZH", renderer: "canvas" });
      }
      charts[key].setOption(builders[key](data), true);
    });
  }

  /* --- tables (the same numbers as each chart) ---------------------------------------------- */
  var COLUMNS = ["enterprises", "loans", "credit_amount", "loan_amount", "average_loan_amount",
    "share_loans_le_10m", "avg_rate_le_1y", "avg_lpr_spread_le_1y", "npl_ratio", "high_tech_share",
    "pure_credit_enterprise_share"];
  var COMPENSATION_COLUMNS = ["compensations", "compensated_enterprises", "compensation_amount", "compensation_returned",
    "compensation_amount_net", "public_funds", "loan_amount", "leverage"];
  var AMOUNTS = ["credit_amount", "loan_amount", "average_loan_amount", "compensation_amount", "compensation_returned",
    "compensation_amount_net", "public_funds"];
  var COUNTS = ["enterprises", "loans", "compensations", "compensated_enterprises"];

  function cell(key, value) {
    if (AMOUNTS.indexOf(key) >= 0) { return value === null ? "—" : fmt(Number(value), 2); }
    if (COUNTS.indexOf(key) >= 0) { return fmt(value, 0); }
    if (key === "leverage") { return value === null ? "—" : fmt(value, 2); }
    return pct(value, 2);
  }

  function table(rows, first, columns) {
    columns = columns || COLUMNS;
    var html = ["<div class=\"table-wrap\"><table class=\"data\"><thead><tr><th>" + first.label + "</th>"];
    columns.forEach(function (k) { html.push("<th class=\"num\">" + labels.figures[k] + "</th>"); });
    html.push("</tr></thead><tbody>");
    rows.forEach(function (r) {
      html.push("<tr><td>" + escape(text(first.value(r))) + "</td>");
      columns.forEach(function (k) { html.push("<td class=\"num\">" + cell(k, r[k]) + "</td>"); });
      html.push("</tr>");
    });
    if (!rows.length) { html.push("<tr><td colspan=\"" + (columns.length + 1) + "\" class=\"muted\">" + labels.no_data + "</td></tr>"); }
    html.push("</tbody></table></div>");
    return html.join("");
  }

  function escape(s) { return s.replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }[c]; }); }

  function drawTables(data) {
    var sources = {
      yearly: [data.yearly, { label: labels.year, value: function (r) { return r.year; } }],
      compensation: [data.yearly, { label: labels.year, value: function (r) { return r.year; } }, COMPENSATION_COLUMNS],
      bank: [data.by_bank, { label: labels.name, value: function (r) { return r.name; } }],
      district: [data.by_district, { label: labels.name, value: function (r) { return r.name; } }],
      industry_tag: [data.by_industry_tag, { label: labels.name, value: function (r) { return r.name; } }],
      guarantee_type: [data.by_guarantee_type, { label: labels.name, value: function (r) { return r.name; } }]
    };
    document.querySelectorAll("[data-stats-table]").forEach(function (el) {
      var source = sources[el.dataset.statsTable];
      el.innerHTML = table(source[0], source[1], source[2]);
    });
  }

  /* --- filters ------------------------------------------------------------------------------ */
  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value) { params.set(key, value); } });
    return params.toString();
  }

  function exportLinks(q) {
    document.querySelectorAll("[data-export]").forEach(function (a) {
      a.href = a.href.split("?")[0] + (q ? "?" + q : "");
    });
  }

  function render(data) {
    lastData = data;
    cards(data);
    drawCharts(data);
    drawTables(data);
  }

  function refresh() {
    var q = query();
    var status = document.querySelector("[data-stats-status]");
    var errors = document.querySelector("[data-stats-errors]");
    status.textContent = labels.loading;
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(form.dataset.dataUrl + (q ? "?" + q : ""), { headers: { "Accept": "application/json" }, signal: pending.signal, credentials: "same-origin" })
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
      .then(function (result) {
        status.textContent = "";
        if (!result.ok) {
          errors.textContent = Object.keys(result.body.fields || {}).map(function (k) { return k + ": " + result.body.fields[k].join(" "); }).join(" ") || labels.failed;
          return;
        }
        errors.textContent = "";
        history.replaceState(null, "", location.pathname + (q ? "?" + q : ""));
        exportLinks(q);
        render(result.body);
        document.body.dataset.statsReady = q || "all";
      })
      .catch(function (error) { if (error.name !== "AbortError") { status.textContent = labels.failed; } });
  }

  function start() {
    form = document.querySelector("[data-stats-form]");
    if (!form) { return; }
    labels = JSON.parse(document.getElementById("stats-labels").textContent);
    render(JSON.parse(document.getElementById("stats-data").textContent));
    exportLinks(query());
    form.addEventListener("change", refresh);
    form.addEventListener("submit", function (e) { e.preventDefault(); refresh(); });
    document.querySelectorAll("[data-toggle-table]").forEach(function (button) {
      button.addEventListener("click", function () {
        var panel = button.closest(".stats-panel");
        var chart = panel.querySelector("[data-stats-chart]"), tableEl = panel.querySelector("[data-stats-table]");
        var showTable = tableEl.hidden;
        tableEl.hidden = !showTable;
        chart.hidden = showTable;
        button.textContent = showTable ? labels.chart : labels.table;
        if (!showTable && charts[chart.dataset.statsChart]) { charts[chart.dataset.statsChart].resize(); }
      });
    });
    window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
    document.body.dataset.statsReady = "initial";
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
