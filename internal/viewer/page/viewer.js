// The table viewer: reads the PxWeb catalogue of the API, lets the visitor
// pick a table, its measure, period and grouping, and shows the table, its
// notes and source, a bar chart (SVG drawn here) and the download links.
// Every request goes to the page's own origin, relative to the page.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("insyn-viewer").textContent);
  const base = config.pxweb + "/";
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const number = new Intl.NumberFormat("sv-SE", { maximumFractionDigits: 0 });
  const markText = { "*": "redovisas ej", ".": "går ej att beräkna", "i.u": "inga uppgifter" };
  let params = new URLSearchParams(location.search);
  let current = null; // { id, meta, controls }
  let request = 0; // the latest request, so that a slow answer never overwrites a newer one

  function status(text) {
    $("status").textContent = text;
  }

  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new Error((body && (body.detail || (body.errors && body.errors[0].message))) || "HTTP " + r.status);
    return body;
  }

  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    Object.assign(e, props || {});
    for (const c of children) e.append(c);
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  async function init() {
    status("Hämtar tabeller …");
    try {
      const [nav, list] = await Promise.all([getJSON(base + "navigation"), getJSON(base + "tables?pageSize=1000")]);
      const folders = {};
      for (const f of nav.folderContents) folders[f.id] = f.label;
      const groups = new Map();
      for (const t of list.tables) {
        const g = t.id.startsWith("rapport-") ? t.description : folders[t.id.split("-")[0]] || "Övriga";
        if (!groups.has(g)) groups.set(g, []);
        groups.get(g).push(t);
      }
      const sel = $("tabell");
      sel.textContent = "";
      for (const [label, ts] of groups) {
        const og = el("optgroup", { label: label });
        for (const t of ts) og.append(el("option", { value: t.id, textContent: t.label }));
        sel.append(og);
      }
      const wanted = params.get("tabell");
      sel.value = list.tables.some((t) => t.id === wanted) ? wanted : list.tables[0].id;
      sel.addEventListener("change", () => {
        params = new URLSearchParams();
        loadTable(sel.value);
      });
      await loadTable(sel.value);
    } catch (e) {
      status("Kunde inte hämta tabellerna: " + e.message);
    }
  }

  // loadTable reads a table's variables and makes a control for each the
  // visitor chooses: the period, the measure, and per dimension "visa per"
  // (grouped), its total, or one of its values. A seed table shows all its
  // rows and columns.
  async function loadTable(id) {
    status("Hämtar tabellens variabler …");
    let meta;
    try {
      meta = await getJSON(base + "tables/" + encodeURIComponent(id) + "/metadata");
    } catch (e) {
      status("Kunde inte hämta tabellen: " + e.message);
      return;
    }
    const report = id.startsWith("rapport-");
    const box = $("variabler");
    box.textContent = "";
    const controls = {};
    let grouped = 0;
    for (const v of meta.variables) {
      if (report && v.type !== "TimeVariable") continue; // rows and columns as printed
      const sid = "var-" + v.id;
      const select = el("select", { id: sid, name: v.id });
      let label = v.label;
      if (v.type === "TimeVariable") {
        label = "Period";
        for (const x of v.values) select.append(el("option", { value: x.code, textContent: x.label }));
        select.value = v.values[v.values.length - 1].code;
      } else if (v.type === "ContentsVariable") {
        label = "Mått";
        for (const x of v.values) select.append(el("option", { value: x.code, textContent: capital(x.label) }));
      } else {
        select.append(el("option", { value: "*", textContent: "Visa per " + v.label.toLowerCase() }));
        for (const x of v.values) select.append(el("option", { value: x.code, textContent: x.code === "_T" ? "Totalt (alla)" : x.label }));
        const hasTotal = v.values.some((x) => x.code === "_T");
        select.value = grouped < 2 || !hasTotal ? "*" : "_T";
        if (select.value === "*") grouped++;
      }
      const given = params.get(v.id);
      if (given && [...select.options].some((o) => o.value === given)) select.value = given;
      select.addEventListener("change", () => show());
      controls[v.id] = select;
      box.append(el("div", { className: "field" }, el("label", { htmlFor: sid, textContent: label }), select));
    }
    current = { id, meta, report, controls };
    await show();
  }

  function capital(s) {
    return s ? s[0].toUpperCase() + s.slice(1) : s;
  }

  // show asks for the chosen cells as json-stat2 and renders them.
  async function show() {
    const { id, meta, report, controls } = current;
    const q = new URLSearchParams();
    for (const v of meta.variables) {
      const c = controls[v.id];
      q.set("valueCodes[" + v.id + "]", c ? c.value : "*");
    }
    const dataURL = base + "tables/" + encodeURIComponent(id) + "/data?" + q.toString();
    const state = new URLSearchParams({ tabell: id });
    for (const [k, c] of Object.entries(controls)) state.set(k, c.value);
    history.replaceState(null, "", "?" + state.toString());
    const mine = ++request;
    status("Hämtar tabellen …");
    let ds;
    try {
      ds = await getJSON(dataURL);
    } catch (e) {
      if (mine === request) status("Tabellen kunde inte visas: " + e.message);
      return;
    }
    if (mine !== request) return;
    render(ds, meta, report, dataURL, id);
    status("");
  }

  // The categories of a dimension in order: [{code, label}].
  function categories(ds, dim) {
    const d = ds.dimension[dim];
    const out = [];
    for (const [code, i] of Object.entries(d.category.index)) out[i] = { code, label: d.category.label[code] };
    return out;
  }

  // valueLabel names the one column of values: the measure's unit.
  function valueLabel(ds) {
    for (const m of (ds.role && ds.role.metric) || []) {
      const c = ds.dimension[m].category;
      const codes = Object.keys(c.index);
      if (codes.length === 1) return (c.unit && c.unit[codes[0]] && c.unit[codes[0]].label) || c.label[codes[0]];
    }
    return "värde";
  }

  function render(ds, meta, report, dataURL, id) {
    // Rows: every dimension with more than one category but the last,
    // combined; columns: the last such dimension. One such dimension is
    // the rows, with one column of values.
    const shown = ds.id.filter((d, i) => ds.size[i] > 1);
    const colDim = shown.length > 1 ? shown[shown.length - 1] : null;
    const rowDims = shown.length > 1 ? shown.slice(0, -1) : shown;
    const strides = [];
    let s = 1;
    for (let i = ds.id.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= ds.size[i];
    }
    const fixed = ds.id.filter((d) => !shown.includes(d));
    // Row combinations.
    let rows = [{ labels: [], codes: {}, index: 0 }];
    for (const d of rowDims) {
      const k = ds.id.indexOf(d);
      const next = [];
      for (const r of rows)
        categories(ds, d).forEach((c, i) => next.push({ labels: r.labels.concat(c.label), codes: Object.assign({}, r.codes, { [d]: c.code }), index: r.index + i * strides[k] }));
      rows = next;
    }
    const cols = colDim ? categories(ds, colDim) : [{ code: "", label: capital(valueLabel(ds)) }];
    const colStride = colDim ? strides[ds.id.indexOf(colDim)] : 0;
    const cell = (r, c) => {
      const i = r.index + c * colStride;
      const v = ds.value[i];
      const st = ds.status && ds.status[String(i)];
      return { value: v, status: st, present: v !== null || !!st };
    };

    const fixedText = fixed.map((d) => categories(ds, d)[0].label).filter((l) => l && l !== "Totalt");
    $("rubrik").textContent = ds.label;
    const table = $("tabellen");
    table.textContent = "";
    table.append(el("caption", { textContent: [ds.label.replace(/\.$/, "")].concat(fixedText.map(capital)).join(". ") }));
    const head = el("tr");
    head.append(el("th", { scope: "col", textContent: rowDims.map((d) => ds.dimension[d].label).join(" – ") || "" }));
    for (const c of cols) head.append(el("th", { scope: "col", textContent: c.label }));
    table.append(el("thead", {}, head));
    const body = el("tbody");
    for (const r of rows) {
      const tr = el("tr");
      tr.append(el("th", { scope: "row", textContent: r.labels.join(" – ") || "Totalt" }));
      cols.forEach((c, ci) => {
        const x = cell(r, ci);
        const td = el("td");
        if (x.value !== null) td.textContent = number.format(x.value);
        else if (x.status) {
          td.textContent = x.status;
          td.className = "mark";
          td.title = markText[x.status] || "";
        }
        tr.append(td);
      });
      body.append(tr);
    }
    table.append(body);

    drawChart(ds, rows, cols, cell, colDim);

    const notes = $("noter");
    notes.textContent = "";
    if (ds.note && ds.note.length) {
      const ul = el("ul", { className: "notes" });
      for (const n of ds.note) ul.append(el("li", { textContent: n }));
      notes.append(el("h3", { textContent: "Fotnoter" }), ul);
    }
    const updated = (ds.updated || "").slice(0, 10);
    $("kalla").textContent = "Källa: " + ds.source + (updated ? ". Uppdaterad " + updated + "." : "");

    const dl = $("nedladdning");
    dl.textContent = "";
    const link = (text, href, hint) => dl.append(el("li", {}, el("a", { href, textContent: text }), hint ? " " + hint : ""));
    link("CSV", dataURL + "&outputFormat=csv", "(en rad per cell)");
    link("Excel (XLSX)", dataURL + "&outputFormat=xlsx");
    link("JSON-stat", dataURL);
    link("PxWeb", base + "tables/" + encodeURIComponent(id) + "/metadata", "(tabellens variabler i PxWebApi 2.0)");
    $("resultat").hidden = false;
  }

  // drawChart draws a horizontal bar per row of one column: the total
  // column where there is one, else the first; total rows are left out.
  // A hidden or missing figure is a gap with its mark.
  function drawChart(ds, rows, cols, cell, colDim) {
    const fig = $("diagrammet");
    fig.textContent = "";
    let ci = cols.findIndex((c) => c.code === "_T" || /^total/i.test(c.code));
    if (ci < 0) ci = 0;
    const items = rows
      .filter((r) => !Object.values(r.codes).includes("_T") && !/^total/i.test(r.labels.join(" ")))
      .map((r) => ({ label: r.labels.join(" – ") || "Totalt", x: cell(r, ci) }))
      .filter((it) => it.x.present);
    if (items.length < 2) {
      $("diagram").hidden = true;
      return;
    }
    $("diagram").hidden = false;
    const unit = colDim && ds.dimension[colDim].category.unit && ds.dimension[colDim].category.unit[cols[ci].code];
    const metric = (ds.role && ds.role.metric) || [];
    let unitLabel = unit ? unit.label : "";
    if (!unitLabel && metric.length) {
      const m = ds.dimension[metric[0]].category;
      const only = Object.keys(m.index);
      if (only.length === 1 && m.unit) unitLabel = m.unit[only[0]].label;
    }
    const what = cols[ci].label || "värde";
    const unitText = unitLabel && unitLabel.toLowerCase() !== what.toLowerCase() ? " (" + unitLabel + ")" : "";
    $("diagramtext").textContent = "Diagram: " + what + unitText + ".";
    const max = Math.max(1, ...items.map((it) => it.x.value || 0));
    const rowH = 24, labelW = 190, barW = 300, pad = 6;
    const h = items.length * rowH + pad * 2;
    const w = labelW + barW + 70;
    const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: "100%", role: "img", "aria-labelledby": "diagramtext", class: "chart" });
    items.forEach((it, i) => {
      const y = pad + i * rowH;
      const label = it.label.length > 28 ? it.label.slice(0, 27) + "…" : it.label;
      root.append(svg("text", { x: labelW - 8, y: y + rowH * 0.68, "text-anchor": "end", class: "label" }, label));
      if (it.x.value !== null) {
        const bw = Math.max(1, (it.x.value / max) * barW);
        const bar = svg("rect", { x: labelW, y: y + 4, width: bw, height: rowH - 8, class: "bar" });
        bar.append(svg("title", {}, it.label + ": " + number.format(it.x.value)));
        root.append(bar, svg("text", { x: labelW + bw + 6, y: y + rowH * 0.68, class: "value" }, number.format(it.x.value)));
      } else {
        root.append(svg("text", { x: labelW + 6, y: y + rowH * 0.68, class: "value mark" }, it.x.status + " " + (markText[it.x.status] || "")));
      }
    });
    root.append(svg("line", { x1: labelW, x2: labelW, y1: 0, y2: h, class: "axis" }));
    fig.append(root);
  }

  init();
})();
