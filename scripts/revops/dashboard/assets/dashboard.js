// The page script: shows the slice of every section for the chosen filters.
// Everything it shows is already computed and formatted in Python
// (scripts/revops/dashboard); this script only picks, lays out and draws.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var T = data.texts;
  var PLOT_CONFIG = { displayModeBar: false, responsive: true };
  var state = { half: data.filters.half, unit: data.filters.unit, quarter: data.filters.quarter };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function mark(node, content) {
    // A number: its text is shown, its raw value and key are kept for readers and tests.
    if (content.k !== undefined) {
      node.setAttribute("data-key", content.k);
      node.setAttribute("data-value", JSON.stringify(content.v === undefined ? null : content.v));
    }
    if (content.tone) node.classList.add("tone-" + content.tone);
  }

  function fillSelect(select, options, current) {
    options.forEach(function (option) {
      var item = el("option", null, option.label);
      item.value = option.key;
      if (option.key === current) item.selected = true;
      select.appendChild(item);
    });
  }

  function scopeText(filters) {
    var half = filters.indexOf("half") >= 0, unit = filters.indexOf("unit") >= 0;
    if (filters.indexOf("quarter") >= 0) return T["page.scope_quarter_unit"];
    if (half && unit) return T["page.scope_half_unit"];
    if (unit) return T["page.scope_unit"];
    if (half) return T["page.scope_half"];
    return T["page.scope_none"];
  }

  function frame() {
    document.getElementById("page-title").textContent = T["page.title"];
    document.getElementById("page-lead").textContent = T["page.lead"];
    document.getElementById("label-half").textContent = T["page.filter_half"];
    document.getElementById("label-unit").textContent = T["page.filter_unit"];
    document.getElementById("as-of").textContent = T["page.as_of"] + ": " + data.asOf + " (" + data.asOfSource + ")";
    document.getElementById("page-footer").textContent = T["page.footer"];
    document.getElementById("default-note").textContent = data.filters.defaultNote;
    fillSelect(document.getElementById("filter-half"), data.filters.halves, state.half);
    fillSelect(document.getElementById("filter-unit"), data.filters.units, state.unit);
    // The quarter filter is offered only when a section is keyed by fiscal quarter (the pipeline).
    document.getElementById("label-quarter").textContent = T["page.filter_quarter"];
    fillSelect(document.getElementById("filter-quarter"), data.filters.quarters, state.quarter);
    document.getElementById("quarter-control").hidden = !data.filters.quarters.length;
    var main = document.getElementById("sections");
    var toc = document.getElementById("toc");
    data.sections.forEach(function (section) {
      var panel = el("section", "panel" + (section.wide ? " wide" : ""));
      panel.id = "section-" + section.id;
      panel.setAttribute("data-section", section.id);
      var head = el("div", "panel-head");
      head.appendChild(el("h2", null, section.title));
      var badge = el("span", "maturity", T["page.immature_badge"]);
      badge.hidden = true;
      head.appendChild(badge);
      head.appendChild(el("span", "scope", scopeText(section.filters)));
      panel.appendChild(head);
      panel.appendChild(el("p", "subtitle", section.subtitle));
      panel.appendChild(el("div", "callouts"));
      panel.appendChild(el("div", "cards"));
      var chart = el("div", "chart");
      chart.id = "chart-" + section.id;
      panel.appendChild(chart);
      panel.appendChild(el("div", "numbers-slot"));
      var empty = el("p", "empty", T["page.no_data"]);
      empty.hidden = true;
      panel.appendChild(empty);
      main.appendChild(panel);
      var link = el("a", null, section.title);
      link.href = "#section-" + section.id;
      toc.appendChild(link);
    });
  }

  function halfImmature(section) {
    // A section whose mart judges maturity itself (is_mature) lists its immature halves; else the page's rule.
    if (section.immature) return section.immature.indexOf(state.half) >= 0;
    return data.filters.halves.some(function (half) { return half.key === state.half && half.immature; });
  }

  function sliceFor(section) {
    var half = section.filters.indexOf("half") >= 0 ? state.half
      : section.filters.indexOf("quarter") >= 0 ? state.quarter : "*";
    var unit = section.filters.indexOf("unit") >= 0 ? state.unit : "*";
    // A section may also offer a slice for any half ("*|unit") and a fallback for any selection.
    return section.slices[half + "|" + unit] || section.slices["*|" + unit] || section.fallback || null;
  }

  function renderTable(slot, table, open) {
    slot.textContent = "";
    if (!table) return;
    var details = el("details", "numbers");
    details.open = !!open;
    details.appendChild(el("summary", null, table.title || T["page.show_table"]));
    var wrap = el("div", "table-wrap");
    var grid = el("table");
    var headRow = el("tr");
    var firstRow = table.rows.length ? (Array.isArray(table.rows[0]) ? table.rows[0] : table.rows[0].cells) : [];
    table.columns.forEach(function (column, index) {
      // A column of numbers (its cells carry a key) is right-aligned, header too.
      var numeric = firstRow[index] && firstRow[index].k !== undefined;
      headRow.appendChild(el("th", numeric ? "numeric" : null, column));
    });
    var thead = el("thead");
    thead.appendChild(headRow);
    grid.appendChild(thead);
    var body = el("tbody");
    table.rows.forEach(function (row) {
      var cells = Array.isArray(row) ? row : row.cells;
      var tr = el("tr");
      if (!Array.isArray(row) && row.tone) tr.classList.add("tone-" + row.tone);
      cells.forEach(function (content) {
        var td = el("td", null, content.t);
        mark(td, content);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    grid.appendChild(body);
    wrap.appendChild(grid);
    details.appendChild(wrap);
    slot.appendChild(details);
  }

  function renderSection(section) {
    var panel = document.getElementById("section-" + section.id);
    var content = sliceFor(section);
    var callouts = panel.querySelector(".callouts");
    var cards = panel.querySelector(".cards");
    var chart = panel.querySelector(".chart");
    var slot = panel.querySelector(".numbers-slot");
    // Every section filtered by half says so when the chosen half is immature.
    panel.querySelector(".maturity").hidden = !(section.filters.indexOf("half") >= 0 && halfImmature(section));
    callouts.textContent = "";
    cards.textContent = "";
    panel.querySelector(".empty").hidden = !!content;
    if (!content) {
      Plotly.purge(chart);
      chart.style.height = "0px";
      slot.textContent = "";
      return;
    }
    content.callouts.forEach(function (callout) {
      var node = el("div", "callout", callout.t);
      node.classList.add("tone-" + callout.tone);
      callouts.appendChild(node);
    });
    content.cards.forEach(function (item) {
      var node = el("div", "card");
      mark(node, item);
      node.appendChild(el("div", "card-label", item.label));
      node.appendChild(el("div", "card-value", item.t));
      if (item.note) node.appendChild(el("div", "card-note", item.note));
      cards.appendChild(node);
    });
    if (content.figure) {
      chart.style.height = content.height + "px";
      var layout = Object.assign({}, content.figure.layout, { height: content.height, autosize: true });
      Plotly.react(chart, content.figure.data, layout, PLOT_CONFIG);
    } else {
      Plotly.purge(chart);
      chart.style.height = "0px";
    }
    renderTable(slot, content.table, content.tableOpen);
  }

  // Draw the sections that the filter `changed` applies to (every section when it is null): a section's
  // slice, and its immature mark, depend only on the filters it lists.
  function render(changed) {
    data.sections.forEach(function (section) {
      if (changed === null || section.filters.indexOf(changed) >= 0) renderSection(section);
    });
    document.body.setAttribute("data-half", state.half);
    document.body.setAttribute("data-unit", state.unit);
    document.body.setAttribute("data-quarter", state.quarter);
  }

  frame();
  ["half", "unit", "quarter"].forEach(function (filter) {
    document.getElementById("filter-" + filter).addEventListener("change", function (event) {
      state[filter] = event.target.value;
      render(filter);
    });
  });
  // Draw once the embedded font is loaded, so plotly measures its labels in the font it draws them with.
  var fontsLoaded = document.fonts
    ? Promise.all(data.font.weights.map(function (weight) {
        return document.fonts.load(weight + " 16px '" + data.font.family + "'", T["page.title"]);
      }))
    : Promise.resolve();
  fontsLoaded.catch(function () {}).then(function () {
    render(null);
    document.body.setAttribute("data-ready", "true");
  });
})();
