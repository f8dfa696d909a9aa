// DistillGuard report page: renders the JSON model in #dg-data (written by
// src/report/report.cc) into the overview, one section per campaign and the
// account tables. Offline by construction: no fetch, no external resource;
// every piece of data reaches the DOM through textContent (account ids and
// reasons come from traffic and are never parsed as HTML).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("dg-data").textContent);
  const app = document.getElementById("app");
  app.textContent = "";

  const ACTION_COLORS = { allow: "#6b7280", monitor: "#2563eb", throttle: "#d97706", challenge: "#ea580c", block: "#dc2626" };
  const KIND_COLORS = ["#0d9488", "#7c3aed", "#db2777", "#ca8a04", "#2563eb", "#16a34a", "#9333ea", "#64748b"];

  // ---- small DOM helpers ----
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return e;
  }
  const svgNs = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    const e = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }
  function int(n) { return n === null || n === undefined ? "n/a" : Number(n).toLocaleString("en-US"); }
  function pct(share) { return share === null || share === undefined ? "n/a" : Math.round(share * 100) + "%"; }
  function time(iso) { return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "").replace(/Z$/, "") + " UTC" : "n/a"; }
  function human(name) { return String(name).replace(/_/g, " "); }
  // A number or time the end-to-end test reads back and compares with campaigns.json.
  function field(key, text, tag) { return el(tag || "span", { "data-field": key }, text); }

  // ---- header and overview ----
  const s = data.summary;
  const byAction = s.accounts_by_action || {};
  const actioned = (byAction.throttle || 0) + (byAction.challenge || 0) + (byAction.block || 0);
  app.appendChild(el("header", {},
    el("h1", {}, data.title),
    el("p", { class: "period" }, "Traffic from ", field("summary:first_ts", time(s.first_ts)), " to ",
      field("summary:last_ts", time(s.last_ts)))));
  const cards = el("div", { class: "cards" });
  const card = (label, key, value) => cards.appendChild(el("div", { class: "card" }, el("div", { class: "label" }, label),
    field(key, value, "div")));
  if (s.present) card("exchanges", "summary:events", int(s.events));
  card("accounts", "summary:accounts", int(s.accounts));
  if (s.present) card("accounts actioned", "summary:actioned", int(actioned));
  card("campaigns", "summary:campaigns", int(data.campaigns.length));
  if (s.present) card("lines quarantined", "summary:quarantined", int(s.quarantined));
  app.appendChild(cards);

  const overview = el("section", { id: "overview" }, el("h2", {}, "Campaigns"));
  if (data.campaigns.length === 0) {
    overview.appendChild(el("p", { class: "empty", "data-field": "overview:none" }, "No campaign was detected in this result."));
  } else {
    const t = el("table", { class: "grid", id: "campaign-overview" });
    t.appendChild(el("thead", {}, el("tr", {}, ...["campaign", "accounts", "exchanges", "first seen", "last seen", "score",
      "action", "served before action", "main capability"].map(h => el("th", {}, h)))));
    const body = el("tbody");
    for (const c of data.campaigns) {
      const top = c.capabilities.length ? human(c.capabilities[0][0]) + " " + pct(c.capabilities[0][1]) : "n/a";
      body.appendChild(el("tr", {},
        el("td", {}, el("a", { href: "#campaign-" + c.id }, c.id)),
        el("td", { class: "num" }, field("overview:" + c.id + ":accounts", int(c.accounts))),
        el("td", { class: "num" }, field("overview:" + c.id + ":exchanges", int(c.exchanges))),
        el("td", {}, time(c.first_seen)), el("td", {}, time(c.last_seen)),
        el("td", { class: "num" }, c.score.toFixed(2)),
        el("td", {}, c.action || "n/a"),
        el("td", { class: "num" }, pct(c.leakage)),
        el("td", {}, top)));
    }
    t.appendChild(body);
    overview.appendChild(t);
  }
  app.appendChild(overview);

  // ---- charts ----
  function noData(text) { return el("p", { class: "empty" }, text); }

  // Bar chart of per-hour counts, the series side by side in each hour:
  // series = [[label, color, values]].
  function barChart(container, title, xs, series) {
    const width = Math.max(320, Math.min(1100, (container.clientWidth || 900) - 8));
    const opts = {
      title: title, width: width, height: 220,
      tzDate: ts => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
      axes: [{}, { size: 60 }],
      scales: { x: { time: true, range: (u, min, max) => [min - 1800, max + 1800] } },
      series: [{}].concat(series.map(([label, color], i) => ({
        label: label, stroke: color, fill: color + "55", width: 1,
        paths: uPlot.paths.bars({ size: [series.length > 1 ? 0.4 : 0.7, 60], align: series.length > 1 ? (i === 0 ? -1 : 1) : 0 }),
      }))),
    };
    // eslint-disable-next-line no-new
    new uPlot(opts, [xs].concat(series.map(x => x[2])), container);
  }

  function shareBars(list, keyPrefix) {
    const box = el("div", { class: "bars" });
    for (const [name, share] of list) {
      box.appendChild(el("div", { class: "bar-row" },
        el("span", { class: "bar-label" }, human(name)),
        el("span", { class: "bar-track" }, el("span", { class: "bar-fill", style: "width:" + (share * 100).toFixed(1) + "%" })),
        field(keyPrefix + name, pct(share), "span")));
    }
    return box;
  }

  // Shared values with the counts the file gives: accounts of the campaign,
  // exchanges, and holders (accounts anywhere in the traffic).
  function valueTable(title, rows, keyPrefix, withType, wide) {
    const wrap = el("div", { class: wide ? "infra-table wide" : "infra-table" }, el("h4", {}, title));
    if (!rows.length) { wrap.appendChild(noData("none recorded")); return wrap; }
    const hasEx = rows.some(r => r.exchanges !== null && r.exchanges !== undefined);
    const hasHolders = rows.some(r => r.holders !== null && r.holders !== undefined);
    const head = ["value"].concat(withType ? ["ip type"] : [], ["accounts"], hasEx ? ["exchanges"] : [],
      hasHolders ? ["held by (all accounts)"] : []);
    const t = el("table", { class: "grid small" }, el("thead", {}, el("tr", {}, ...head.map(h => el("th", {}, h)))));
    const body = el("tbody");
    rows.forEach((r, i) => {
      body.appendChild(el("tr", {}, el("td", { class: "mono" }, r.value),
        withType ? el("td", {}, r.ip_type || "") : null,
        el("td", { class: "num" }, field(keyPrefix + i + ":accounts", int(r.accounts))),
        hasEx ? el("td", { class: "num" }, field(keyPrefix + i + ":exchanges", int(r.exchanges))) : null,
        hasHolders ? el("td", { class: "num" }, field(keyPrefix + i + ":holders", int(r.holders))) : null));
    });
    t.appendChild(body);
    wrap.appendChild(t);
    return wrap;
  }

  // Sampled linkage graph: a small deterministic force layout drawn in SVG.
  function graphView(graph, key) {
    const nodes = graph.nodes.map((n, i) => ({ ...n, i: i }));
    const index = new Map(nodes.map(n => [n.id, n]));
    const edges = graph.edges.filter(e => index.has(e.a) && index.has(e.b));
    const W = 900, H = 460, n = nodes.length;
    nodes.forEach((p, i) => {
      const a = 2 * Math.PI * i / Math.max(1, n);
      p.x = W / 2 + (H / 3) * Math.cos(a); p.y = H / 2 + (H / 3) * Math.sin(a);
    });
    const k = Math.sqrt((W * H) / Math.max(1, n)) * 0.6;
    for (let it = 0, temp = W / 10; it < 250; ++it, temp *= 0.985) {
      for (const p of nodes) { p.dx = 0; p.dy = 0; }
      for (let a = 0; a < n; ++a) {
        for (let b = a + 1; b < n; ++b) {
          const p = nodes[a], q = nodes[b];
          let dx = p.x - q.x, dy = p.y - q.y;
          const d2 = Math.max(dx * dx + dy * dy, 0.01), f = (k * k) / d2;
          p.dx += dx * f; p.dy += dy * f; q.dx -= dx * f; q.dy -= dy * f;
        }
      }
      for (const e of edges) {
        const p = index.get(e.a), q = index.get(e.b);
        const dx = p.x - q.x, dy = p.y - q.y, d = Math.max(Math.sqrt(dx * dx + dy * dy), 0.1), f = d / k;
        p.dx -= dx * f; p.dy -= dy * f; q.dx += dx * f; q.dy += dy * f;
      }
      for (const p of nodes) {
        const d = Math.max(Math.sqrt(p.dx * p.dx + p.dy * p.dy), 0.01), step = Math.min(d, temp);
        p.x = Math.min(W - 12, Math.max(12, p.x + p.dx / d * step));
        p.y = Math.min(H - 12, Math.max(12, p.y + p.dy / d * step));
      }
    }
    // Fit the layout to the canvas: a dense graph contracts and drifts.
    const xs = nodes.map(p => p.x), ys = nodes.map(p => p.y), pad = 16;
    const x0 = Math.min(...xs), y0 = Math.min(...ys), sx = Math.max(...xs) - x0 || 1, sy = Math.max(...ys) - y0 || 1;
    for (const p of nodes) {
      p.x = n > 1 ? pad + (p.x - x0) * (W - 2 * pad) / sx : W / 2;
      p.y = n > 1 ? pad + (p.y - y0) * (H - 2 * pad) / sy : H / 2;
    }
    const kinds = [...new Set(edges.map(e => e.kind || "link"))];
    const root = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "graph", role: "img" });
    for (const e of edges) {
      const p = index.get(e.a), q = index.get(e.b);
      const line = svg("line", { x1: p.x.toFixed(1), y1: p.y.toFixed(1), x2: q.x.toFixed(1), y2: q.y.toFixed(1),
        stroke: KIND_COLORS[kinds.indexOf(e.kind || "link") % KIND_COLORS.length],
        "stroke-opacity": (e.weight === undefined ? 0.5 : 0.25 + 0.6 * Math.min(1, e.weight)).toFixed(2) });
      const tip = svg("title"); tip.textContent = (e.kind || "link") + (e.weight === undefined ? "" : " " + e.weight); line.appendChild(tip);
      root.appendChild(line);
    }
    const maxEx = Math.max(1, ...nodes.map(p => p.exchanges));
    for (const p of nodes) {
      const c = svg("circle", { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: (3 + 6 * Math.sqrt(p.exchanges / maxEx)).toFixed(1),
        fill: ACTION_COLORS[p.action] || "#6b7280", "data-node": p.id });
      const tip = svg("title"); tip.textContent = p.id + " (" + (p.action || "?") + ", " + int(p.exchanges) + " exchanges)";
      c.appendChild(tip);
      root.appendChild(c);
    }
    const legend = el("div", { class: "legend" });
    kinds.forEach((kind, i) => legend.appendChild(el("span", { class: "key" },
      el("span", { class: "swatch", style: "background:" + KIND_COLORS[i % KIND_COLORS.length] }), human(kind))));
    for (const [a, color] of Object.entries(ACTION_COLORS)) legend.appendChild(el("span", { class: "key" },
      el("span", { class: "dot", style: "background:" + color }), a));
    return el("div", {}, root, legend,
      el("p", { class: "note" }, "Sampled graph: ", field(key + "graph_nodes", int(nodes.length)), " accounts, ",
        field(key + "graph_edges", int(edges.length)), " links."));
  }

  // ---- sortable, filterable account table ----
  const ACCOUNT_COLUMNS = [["account", "text"], ["action", "text"], ["score", "num"], ["exchanges", "num"],
    ["first action", "text"], ["served before action", "num"], ["campaign", "text"], ["reasons", "text"]];
  function accountTable(id, table) {
    const rows = table.rows;
    const wrap = el("div", { class: "account-table", id: id });
    const filter = el("input", { type: "search", placeholder: "filter accounts (any column)", "aria-label": "filter" });
    const count = el("span", { class: "count", "data-role": "count" });
    wrap.appendChild(el("div", { class: "table-tools" }, filter, count));
    if (table.rows_total > rows.length) {
      wrap.appendChild(el("p", { class: "note" }, "Showing the ", int(rows.length), " heaviest of ",
        field(id + ":rows_total", int(table.rows_total)), " accounts; accounts.csv lists them all."));
    }
    const t = el("table", { class: "grid small" });
    const headRow = el("tr");
    let sortCol = 3, sortDir = -1;
    ACCOUNT_COLUMNS.forEach(([label], c) => {
      const th = el("th", { "data-col": c, class: "sortable", title: "sort" }, label);
      th.addEventListener("click", () => { if (sortCol === c) sortDir = -sortDir; else { sortCol = c; sortDir = 1; } draw(); });
      headRow.appendChild(th);
    });
    t.appendChild(el("thead", {}, headRow));
    const body = el("tbody");
    t.appendChild(body);
    wrap.appendChild(t);
    function cell(r, c) {
      switch (c) {
        case 2: return r[2].toFixed(3);
        case 3: return int(r[3]);
        case 4: return r[4] ? time(r[4]) : "";
        case 5: return r[5] === null ? "" : int(r[5]);
        default: return r[c] === null ? "" : String(r[c]);
      }
    }
    function draw() {
      const q = filter.value.trim().toLowerCase();
      const shown = rows.filter(r => !q || r.some((v, c) => cell(r, c).toLowerCase().includes(q)));
      const num = ACCOUNT_COLUMNS[sortCol][1] === "num";
      shown.sort((a, b) => {
        const x = a[sortCol], y = b[sortCol];
        if (num) return sortDir * ((x === null ? -1 : x) - (y === null ? -1 : y));
        return sortDir * String(x === null ? "" : x).localeCompare(String(y === null ? "" : y));
      });
      body.textContent = "";
      for (const r of shown) {
        const tr = el("tr");
        ACCOUNT_COLUMNS.forEach(([, kind], c) => {
          const td = el("td", { class: kind === "num" ? "num" : (c === 0 ? "mono" : (c === 7 ? "reasons" : null)) }, cell(r, c));
          if (c === 1) td.appendChild(el("span", { class: "dot", style: "background:" + (ACTION_COLORS[r[1]] || "#999") }));
          tr.appendChild(td);
        });
        body.appendChild(tr);
      }
      count.textContent = shown.length + " of " + rows.length + " rows";
      headRow.querySelectorAll("th").forEach((th, c) => th.setAttribute("aria-sort",
        c === sortCol ? (sortDir > 0 ? "ascending" : "descending") : "none"));
    }
    filter.addEventListener("input", draw);
    draw();
    return wrap;
  }

  // ---- one section per campaign ----
  for (const c of data.campaigns) {
    const key = "campaign:" + c.id + ":";
    const sec = el("section", { class: "campaign", id: "campaign-" + c.id });
    sec.appendChild(el("h2", {}, "Campaign " + c.id));
    sec.appendChild(field(key + "sentence", c.sentence, "p"));
    sec.lastChild.className = "sentence";
    const facts = el("dl", { class: "facts" });
    const fact = (label, k, v) => { facts.appendChild(el("dt", {}, label)); facts.appendChild(el("dd", {}, field(key + k, v))); };
    fact("accounts", "accounts", int(c.accounts));
    fact("exchanges", "exchanges", int(c.exchanges));
    fact("first seen", "first_seen", time(c.first_seen));
    fact("last seen", "last_seen", time(c.last_seen));
    fact("score", "score", c.score.toFixed(2));
    fact("action", "action", c.action || "n/a");
    fact("actioned at", "actioned_at", time(c.actioned_at));
    fact("exchanges served before action", "exchanges_before_action", int(c.exchanges_before_action));
    fact("share served before action", "leakage", pct(c.leakage));
    fact("template sketches", "templates", int(c.templates));
    sec.appendChild(facts);

    sec.appendChild(el("h3", {}, "Exchanges over time"));
    const tl = el("div", { class: "chart", "data-chart": "timeline" });
    sec.appendChild(tl);
    const wavesBox = el("div", { class: "chart", "data-chart": "waves" });
    const capBox = el("div");
    sec.appendChild(el("h3", {}, "Sign-up waves"));
    sec.appendChild(wavesBox);
    sec.appendChild(el("h3", {}, "Capability mix"));
    capBox.appendChild(c.capabilities.length ? shareBars(c.capabilities, key + "cap:") : noData("no capability mix"));
    sec.appendChild(capBox);

    const inf = c.infrastructure;
    sec.appendChild(el("h3", {}, "Infrastructure"));
    const infraGrid = el("div", { class: "infra" });
    infraGrid.appendChild(el("div", { class: "infra-table" }, el("h4", {}, "IP types (share of exchanges)"),
      inf.ip_types.length ? shareBars(inf.ip_types, key + "ip_type:") : noData("none recorded")));
    infraGrid.appendChild(el("div", { class: "infra-table" }, el("h4", {}, "Countries (share of exchanges)"),
      inf.countries.length ? shareBars(inf.countries, key + "country:") : noData("none recorded")));
    infraGrid.appendChild(valueTable("ASNs", inf.asns, key + "asn:", true));
    infraGrid.appendChild(valueTable("Prefixes", inf.prefixes, key + "prefix:"));
    infraGrid.appendChild(valueTable("IP addresses", inf.ips, key + "ip:"));
    infraGrid.appendChild(valueTable("User agents", inf.user_agents, key + "ua:"));
    infraGrid.appendChild(valueTable("Client fingerprints", inf.client_fps, key + "client_fp:"));
    infraGrid.appendChild(valueTable("Request shapes (fingerprint, agent, model, parameters)", inf.request_shapes,
      key + "request_shape:", false, true));
    infraGrid.appendChild(valueTable("Payment fingerprints", c.signup.payment_fps, key + "payment_fp:"));
    const shapes = el("div", { class: "infra-table" }, el("h4", {}, "E-mail shapes"));
    if (c.signup.email_shapes.length) {
      const t = el("table", { class: "grid small" }, el("thead", {}, el("tr", {}, el("th", {}, "domain"), el("th", {}, "local part"),
        el("th", {}, "accounts"))));
      const b = el("tbody");
      c.signup.email_shapes.forEach((e, i) => b.appendChild(el("tr", {}, el("td", { class: "mono" }, e.domain),
        el("td", { class: "mono" }, e.shape), el("td", { class: "num" }, field(key + "email:" + i + ":accounts", int(e.accounts))))));
      t.appendChild(b);
      shapes.appendChild(t);
    } else {
      shapes.appendChild(noData("none recorded"));
    }
    infraGrid.appendChild(shapes);
    sec.appendChild(infraGrid);

    sec.appendChild(el("h3", {}, "Evidence"));
    if (c.evidence.length) {
      const ul = el("ul", { class: "evidence" });
      c.evidence.forEach((e, i) => ul.appendChild(field(key + "evidence:" + i, e, "li")));
      sec.appendChild(ul);
    } else {
      sec.appendChild(noData("no evidence strings"));
    }

    sec.appendChild(el("h3", {}, "Linkage graph (sample)"));
    sec.appendChild(c.graph.nodes.length ? graphView(c.graph, key) : noData("no sampled graph in campaigns.json"));

    sec.appendChild(el("h3", {}, "Accounts (", field(key + "members", int(c.members.rows_total)), ")"));
    sec.appendChild(accountTable("accounts-" + c.id, c.members));
    app.appendChild(sec);

    // Charts need their container in the document to measure its width.
    if (c.timeline.length) {
      barChart(tl, "Exchanges per hour", c.timeline.map(b => b[0]),
        [["served before action", "#d97706", c.timeline.map(b => b[1])], ["refused (actioned)", "#dc2626", c.timeline.map(b => b[2])]]);
    } else {
      tl.appendChild(noData("no hourly timeline in campaigns.json"));
    }
    if (c.signup.waves.length) {
      barChart(wavesBox, "Sign-ups per hour (bursts)", c.signup.waves.map(w => w[0]), [["accounts created", "#2563eb", c.signup.waves.map(w => w[1])]]);
    } else {
      wavesBox.appendChild(noData("no sign-up waves recorded"));
    }
  }

  // ---- all actioned accounts, and the heavy ones left alone ----
  const act = el("section", { id: "actioned" }, el("h2", {}, "Actioned accounts (", field("actioned:total", int(data.actioned.rows_total)), ")"));
  act.appendChild(accountTable("accounts-actioned", data.actioned));
  app.appendChild(act);

  const alone = el("section", { id: "left-alone" }, el("h2", {}, "Heavy users left alone"));
  alone.appendChild(el("p", { class: "note" }, "The heaviest accounts that were not actioned and belong to no campaign, " +
    "and why they were left alone."));
  if (data.left_alone.length) {
    const t = el("table", { class: "grid small", id: "left-alone-table" }, el("thead", {}, el("tr", {},
      ...["account", "action", "score", "exchanges", "why", "reasons"].map(h => el("th", {}, h)))));
    const b = el("tbody");
    data.left_alone.forEach((a, i) => b.appendChild(el("tr", {}, el("td", { class: "mono" }, a.account_id), el("td", {}, a.action),
      el("td", { class: "num" }, a.score.toFixed(3)), el("td", { class: "num" }, field("left_alone:" + i + ":exchanges", int(a.exchanges))),
      el("td", {}, a.why), el("td", { class: "reasons" }, a.reasons.join(" | ")))));
    t.appendChild(b);
    alone.appendChild(t);
  } else {
    alone.appendChild(noData("no account was left alone"));
  }
  app.appendChild(alone);
  app.appendChild(el("footer", {}, "Generated by DistillGuard. Self-contained: this page makes no network request."));
  document.body.setAttribute("data-rendered", "true");
})();
