/* The meterflow operations dashboard: polls the JSON endpoints and draws the page. */
(function () {
  "use strict";
  const REFRESH_MS = 5000;
  const $ = (id) => document.getElementById(id);

  const STATE_NAMES = {
    supplying: "Supplying",
    loss_pending: "Loss pending",
    awaiting_cos_reading: "Awaiting CoS reading",
    disputed: "Disputed",
    final_billed: "Final billed",
    move_out_pending: "Move-out pending",
    moved_out: "Moved out",
    lost: "Lost",
    export_applied: "Export: applied for MPAN",
    export_allocated: "Export: MPAN allocated",
    export_registered: "Export: MPAN registered",
    export_awaiting_registration: "Export: awaiting D0217",
    export_configured: "Export: configured",
    export_crediting: "Export: crediting",
    export_manual: "Export: manual reads",
    export_ended: "Export: ended",
  };
  const KEYSPACE_ORDER = ["mpan", "account", "mprn", "ldz"];
  const KEYSPACE_NAMES = {
    mpan: ["supply point", "supply points"], account: ["account", "accounts"],
    mprn: ["gas meter point", "gas meter points"], ldz: ["LDZ", "LDZs"],
  };
  const STATE_ORDER = ["supplying", "loss_pending", "awaiting_cos_reading", "disputed", "estimated_final_billed",
    "final_billed", "move_out_pending", "moved_out", "lost",
    // export enrolment, in lifecycle order (import side, then the export MPAN's side)
    "export_applied", "export_allocated", "export_registered", "export_awaiting_registration",
    "export_configured", "export_crediting", "export_manual", "export_ended", "export_withdrawn",
    "export_refused", "export_rejected"];
  const STATE_COLORS = {
    supplying: "#16a34a", loss_pending: "#f59e0b", awaiting_cos_reading: "#ea580c", disputed: "#dc2626",
    final_billed: "#64748b", estimated_final_billed: "#8b5cf6", move_out_pending: "#0891b2", moved_out: "#94a3b8",
    lost: "#94a3b8", unknown: "#cbd5e1", pending: "#cbd5e1",
  };
  const DEADLINE_KINDS = {
    cos_dispute: "CoS disputes",
    cos_estimate: "Estimated final bills (switch)",
    move_out_estimate: "Estimated final bills (move-out)",
    dc_chase: "DC chases",
    export_escalation: "Export MPAN escalations",
    export_no_reading: "Export: 90 days without reading",
  };
  const DEADLINE_NAMES = [
    [/dispute/i, "CoS disputes"],
    [/move.?out/i, "Estimated final bills (move-out)"],
    [/estimat/i, "Estimated final bills"],
    [/chase/i, "DC chases"],
    [/escalat/i, "Export MPAN escalations"],
  ];
  const COMMAND_COLORS = {
    IssueFinalBill: "#1d4ed8", IssueEstimatedFinalBill: "#60a5fa", IssueCorrectedFinalBill: "#7c3aed",
    SettleFinalBalance: "#0d9488", RaiseCoSDispute: "#dc2626", SendReadingToDataCollector: "#f59e0b",
    ChaseDataCollector: "#b45309", RejectExportApplication: "#be185d", ApplyForExportMpan: "#65a30d",
    EscalateExportMpanDelay: "#ea580c", RegisterExportMpan: "#15803d", ConfigureExport: "#0891b2",
    RequestFirstExportReading: "#06b6d4", StartExportCredit: "#16a34a", SwitchToManualExportReadings: "#a16207",
    EndExportTariff: "#475569", WithdrawExportApplication: "#9ca3af",
  };
  const TIMELINE_COLORS = { event: "#2563eb", command: "#16a34a", anomaly: "#dc2626", deadline: "#f59e0b" };
  const EXTRA = ["#8b5cf6", "#ec4899", "#14b8a6", "#f97316", "#84cc16", "#6366f1"];

  function humanise(text) {
    const words = String(text).replace(/[_.-]+/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").trim();
    return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
  }
  const stateName = (label) => STATE_NAMES[label] || humanise(label);
  const stateColor = (label) => (label.startsWith("export_") && !STATE_COLORS[label] ? "#0d9488" : colorOf(STATE_COLORS, label));
  function deadlineName(kind) {
    if (DEADLINE_KINDS[kind]) return DEADLINE_KINDS[kind];
    for (const [re, name] of DEADLINE_NAMES) if (re.test(kind)) return name;
    return humanise(kind);
  }
  function colorOf(map, key) {
    if (map[key]) return map[key];
    let h = 0;
    for (const c of String(key)) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return EXTRA[h % EXTRA.length];
  }
  const fmtInt = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-GB"));
  const fmtRate = (n) => (n === null || n === undefined ? "–" : Number(n) >= 100 ? Math.round(n).toLocaleString("en-GB") : Number(n).toFixed(1));
  function fmtDuration(seconds) {
    const s = Math.floor(seconds);
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d) return `${d}d ${h}h`;
    if (h) return `${h}h ${m}m`;
    if (m) return `${m}m ${s % 60}s`;
    return `${s}s`;
  }
  const fmtTime = (iso) => (iso ? iso.replace("T", " ").replace(/(\+00:00|Z)$/, " UTC") : "–");

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }
  function fillBody(table, rows, columns, emptyText) {
    const body = table.tBodies[0];
    if (!rows.length) {
      body.replaceChildren(el("tr", {}, el("td", { class: "empty", colspan: String(columns), text: emptyText })));
      return;
    }
    body.replaceChildren(...rows);
  }
  function setNumber(id, value, text) {
    const node = $(id);
    node.textContent = text === undefined ? fmtInt(value) : text;
    node.dataset.value = String(value);
  }
  function mpanLink(mpan) {
    return el("a", { class: "mpan", href: `#mpan=${mpan}`, text: mpan, "data-mpan": mpan });
  }

  async function getJson(path) {
    const response = await fetch(path, { cache: "no-store" });
    const body = await response.json();
    if (!response.ok && response.status !== 404 && response.status !== 400) throw new Error(`${path}: ${response.status}`);
    return { status: response.status, body };
  }

  /* --- views ------------------------------------------------------------------------ */

  function renderHealth(h) {
    setNumber("kpi-eps", h.events_per_second, fmtRate(h.events_per_second));
    setNumber("kpi-cps", h.commands_per_second, fmtRate(h.commands_per_second));
    setNumber("kpi-lag", h.lag_total);
    setNumber("kpi-events", h.input_events_total);
    setNumber("kpi-derived", h.derived_events_total);
    setNumber("kpi-days", h.days_closed);
    setNumber("kpi-commands", h.commands_total);
    setNumber("kpi-points", h.supply_points);
    setNumber("kpi-rejected", h.rejected_total);
    setNumber("kpi-anomalies", h.anomalies_total);
    setNumber("kpi-rebalances", h.rebalances);
    $("kpi-rejected").parentElement.classList.toggle("alert", h.rejected_total > 0);
    $("kpi-anomalies").parentElement.classList.toggle("alert", h.anomalies_total > 0);
    $("today").textContent = h.today || "none yet";
    $("uptime").textContent = fmtDuration(h.uptime_seconds);
    $("updated").textContent = `updated ${fmtTime(h.now)}`;
    // the badge comes from the lag and how recently an event was handled (the server's call)
    const pill = $("status-pill");
    const state = h.status.state;
    pill.className = "pill " + (state === "lagging" ? "warn" : "ok");
    pill.textContent = state === "idle" ? "healthy · idle" : state;
    pill.dataset.state = state;
    pill.title = h.status.reason;
    // a regulation-backed number changed by --policy is allowed, but never silent (D23)
    const changes = h.policy_changes || [];
    const banner = $("policy-banner");
    banner.hidden = changes.length === 0;
    banner.textContent = changes.length === 0 ? "" : "Regulated numbers changed by the policy: " +
      changes.map((c) => `${c.key} ${c.value} (default ${c.default}; ${c.regulation})`).join("; ");

    const inputs = h.inputs.map((i) => el("tr", { "data-input": i.input },
      el("td", { text: i.input }), el("td", { class: "num", text: fmtInt(i.events) }),
      el("td", { text: fmtTime(i.last_event_time) }), el("td", { text: fmtTime(i.last_received_at) })));
    fillBody($("inputs-table"), inputs, 4, "no input yet");
    const lags = Object.entries(h.lag).map(([p, v]) => el("tr", { "data-partition": p },
      el("td", { text: p }), el("td", { class: "num", text: fmtInt(v) })));
    fillBody($("lag-table"), lags, 2, "no partition assigned (replay or not started)");
    const files = Object.entries(h.files).map(([k, v]) => `${v} ${k}`).join(" · ");
    $("files-hint").textContent = files ? `files: ${files}` : "";
  }

  function renderThroughput(t) {
    // rates over a rolling minute: per-bucket counts are too spiky to read
    const per = Math.max(1, Math.round(60 / t.step_seconds));
    const points = t.points.map((p, i) => {
      const window = t.points.slice(Math.max(0, i - per + 1), i + 1);
      const seconds = window.length * t.step_seconds;
      const sum = (key) => window.reduce((a, q) => a + q[key], 0);
      return { t: p.t, events: sum("events") / seconds, commands: sum("commands") / seconds, lag: p.lag };
    });
    Charts.line($("chart-throughput"), points, [
      { key: "events", label: "events/s", color: "#2563eb", axis: "left" },
      { key: "commands", label: "commands/s", color: "#16a34a", axis: "left" },
      { key: "lag", label: "lag (right axis)", color: "#f59e0b", axis: "right", dash: "5 3" },
    ]);
  }

  function renderDaily(d) {
    const types = d.types;
    const color = (type) => colorOf(COMMAND_COLORS, type);
    Charts.stackedBars($("chart-daily"), d.days, types, color);
    $("daily-hint").textContent = d.days.length ? `${d.days[0].day} to ${d.days[d.days.length - 1].day}` : "";
    $("legend-daily").replaceChildren(...types.map((type) => el("span", { "data-type": type },
      el("span", { class: "sw", style: `background:${color(type)}` }), `${type} ${fmtInt(d.totals[type])}`)));
  }

  function renderStates(s) {
    const labels = Object.keys(s.counts);
    labels.sort((a, b) => {
      const ia = STATE_ORDER.indexOf(a), ib = STATE_ORDER.indexOf(b);
      const rank = (label, i) => (i >= 0 ? i : label.startsWith("export_") ? 50 : 99);
      return rank(a, ia) - rank(b, ib) || a.localeCompare(b);
    });
    Charts.hbars($("chart-states"), labels.map((label) => ({
      key: label, label: stateName(label), value: s.counts[label], color: stateColor(label),
    })), { emptyText: "no supply point yet" });
    const parts = Object.entries(s.keyspaces || {}).sort(([a], [b]) => KEYSPACE_ORDER.indexOf(a) - KEYSPACE_ORDER.indexOf(b))
      .map(([keyspace, n]) => `${fmtInt(n)} ${(KEYSPACE_NAMES[keyspace] || [keyspace, keyspace])[n === 1 ? 0 : 1]}`);
    $("states-total").textContent = parts.length ? parts.join(" · ") : `${fmtInt(s.total)} in all`;
  }

  function renderRisk(r) {
    $("risk-fee").textContent = r.compensation_pounds;
    setNumber("risk-final-missed", r.final_bills.missed_count);
    setNumber("risk-final-soon", r.final_bills.coming_due_count);
    setNumber("risk-refund-past", r.refunds.past_due_count);
    setNumber("risk-refund-soon", r.refunds.coming_due_count);
    $("risk-final-missed-card").classList.toggle("bad", r.final_bills.missed_count > 0);
    $("risk-refund-past-card").classList.toggle("warn", r.refunds.past_due_count > 0);
    setNumber("risk-exposure", r.exposure_pounds, `£${fmtInt(r.exposure_pounds)}`);
    // every row a card counts (up to the report's limit), each linked to its supply point
    const row = (card, mpan, what, due, status, cls) => el("tr", { "data-card": card },
      el("td", {}, mpanLink(mpan)), el("td", { text: what }), el("td", { text: due }),
      el("td", { class: cls || "", text: status }));
    const rows = [];
    for (const x of r.final_bills.missed) {
      rows.push(row("final-missed", x.mpan, "final bill (six weeks)", x.due_on,
        x.issued_on ? `issued ${x.issued_on}, ${x.days_late} days late` : `not issued, ${x.days_late} days late`, "reason"));
    }
    for (const x of r.final_bills.coming_due) rows.push(row("final-soon", x.mpan, "final bill (six weeks)", x.due_on, "coming due"));
    for (const x of r.refunds.past_due) {
      rows.push(row("refund-past", x.mpan, "refund (10 working days)", x.due_by, "deadline passed: billing to confirm paid", "reason"));
    }
    for (const x of r.refunds.coming_due) rows.push(row("refund-soon", x.mpan, "refund (10 working days)", x.due_by, "coming due"));
    fillBody($("risk-table"), rows, 4, "nothing at risk");
  }

  function renderDeadlines(d) {
    const box = $("deadlines-heat");
    $("deadlines-hint").textContent = d.first ? `${d.first} to ${d.last} · ${fmtInt(d.total)} in all` : "no day closed yet";
    if (!d.days.length) { box.replaceChildren(el("p", { class: "muted", text: "no day closed yet" })); return; }
    const kinds = Object.keys(d.kinds);
    const max = Math.max(1, ...d.days.flatMap((day) => Object.values(day.counts)));
    const head = el("tr", {}, el("th", { text: "deadline" }), ...d.days.map((day) => {
      const date = new Date(day.day + "T00:00:00Z");
      const dow = date.toLocaleDateString("en-GB", { weekday: "short", timeZone: "UTC" });
      const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6;
      return el("th", { class: "day" + (weekend ? " weekend" : "") }, el("span", { class: "dow", text: dow }), day.day.slice(5));
    }), el("th", { class: "num", text: "total" }));
    const rows = kinds.map((kind) => el("tr", { "data-kind": kind },
      el("td", { class: "kind", text: deadlineName(kind), title: kind }),
      ...d.days.map((day) => {
        const n = day.counts[kind] || 0;
        const alpha = n ? 0.15 + 0.85 * (n / max) : 0;
        const mpans = (day.subjects && day.subjects[kind]) || [];
        const more = n > mpans.length ? ` and ${n - mpans.length} more` : "";
        return el("td", {
          class: "cell" + (n ? " has" : ""), "data-day": day.day, "data-kind": kind,
          style: n ? `background: rgba(245, 158, 11, ${alpha.toFixed(2)}); color: ${alpha > 0.6 ? "#fff" : "#7c2d12"}` : "background:#f8fafc",
          text: n ? String(n) : "",
          title: n ? `${deadlineName(kind)} due ${day.day}: ${mpans.join(", ")}${more}` : null,
          onclick: n ? () => showCell(day, kind) : null,
        });
      }),
      el("td", { class: "total", "data-total": kind, text: fmtInt(d.kinds[kind]) })));
    const sums = el("tr", { class: "sum" }, el("td", { text: "all" }),
      ...d.days.map((day) => el("td", { text: String(Object.values(day.counts).reduce((a, b) => a + b, 0) || "") })),
      el("td", { class: "total", "data-total": "all", text: fmtInt(d.total) }));
    const table = el("table", {}, el("thead", {}, head), el("tbody", {}, ...(rows.length ? rows : [el("tr", {},
      el("td", { class: "empty", colspan: String(d.days.length + 2), text: "nothing due in the next 14 days" }))]), sums));
    box.replaceChildren(table);
    if (chosenCell) {
      const day = d.days.find((x) => x.day === chosenCell.day);
      if (day && day.counts[chosenCell.kind]) showCell(day, chosenCell.kind);
      else $("deadline-cell").classList.add("hidden");
    }
  }

  let chosenCell = null;
  function showCell(day, kind) {
    chosenCell = { day: day.day, kind };
    const mpans = day.subjects[kind] || [];
    const n = day.counts[kind];
    $("deadline-cell-title").textContent = `${deadlineName(kind)} due ${day.day}: ${fmtInt(n)}` +
      (n > mpans.length ? ` (the first ${mpans.length} listed)` : "");
    $("deadline-cell-list").replaceChildren(...mpans.map((m) => el("li", {}, mpanLink(m))));
    $("deadline-cell").classList.remove("hidden");
    for (const cell of document.querySelectorAll("#deadlines-heat td.cell.chosen")) cell.classList.remove("chosen");
    const cell = document.querySelector(`#deadlines-heat td.cell[data-day="${day.day}"][data-kind="${kind}"]`);
    if (cell) cell.classList.add("chosen");
  }

  function renderRejections(r) {
    const rows = r.items.map((x) => el("tr", {},
      el("td", { class: "file", text: x.path }), el("td", { class: "num", text: x.line === null ? "–" : String(x.line) }),
      el("td", { class: "field", text: x.field || "–" }), el("td", { class: "reason", text: x.reason }),
      el("td", { class: "raw", text: x.raw })));
    fillBody($("rejections-table"), rows, 5, "no rejected record");
  }

  function renderAnomalies(a) {
    const rows = a.items.map((x) => el("tr", {},
      el("td", { text: x.day }), el("td", {}, mpanLink(x.subject)), el("td", { class: "kind", text: x.kind_label || humanise(x.kind), title: x.kind }),
      el("td", {}, x.detail, x.event ? el("span", { class: "event-summary", text: `${x.event_type || "event"}: ${x.event}` }) : null), el("td", { class: "file", text: x.path ? `${x.path}${x.line ? ":" + x.line : ""}` : x.event_id })));
    fillBody($("anomalies-table"), rows, 5, "no anomaly");
  }

  function renderRecentCommands(r) {
    const rows = r.items.map((c) => {
      const subject = c.mpan || c.import_mpan || c.export_mpan || "";
      return el("tr", { "data-command": c.command_id },
        el("td", { text: c.issued_on }),
        el("td", {}, el("span", { class: "sw", style: `background:${colorOf(COMMAND_COLORS, c.type)}` }), c.type),
        el("td", {}, subject ? mpanLink(subject) : ""),
        el("td", { class: "cause", text: c.cause, title: c.cause }));
    });
    fillBody($("commands-table"), rows, 4, "no command issued yet");
  }

  /* --- one supply point ---------------------------------------------------------------- */

  async function showSupplyPoint(mpan) {
    const panel = $("sp-panel");
    panel.classList.remove("hidden");
    $("sp-mpan").textContent = mpan;
    const { status, body } = await getJson(`api/supply-points/${encodeURIComponent(mpan)}`);
    if (status !== 200) {
      $("sp-error").textContent = body.error;
      $("sp-error").classList.remove("hidden");
      $("sp-body").classList.add("hidden");
      $("sp-label").textContent = "";
      panel.dataset.loaded = mpan;
      return;
    }
    $("sp-error").classList.add("hidden");
    $("sp-body").classList.remove("hidden");
    $("sp-label").textContent = body.label ? stateName(body.label) : "no state";
    $("sp-label").dataset.label = body.label || "";
    const c = body.counts;
    const count = (kind, n, one, many) => el("span", {}, el("b", { "data-count": kind, text: String(n) }), ` ${n === 1 ? one : many}`);
    $("sp-counts").replaceChildren(
      count("event", c.event || 0, "event", "events"),
      count("command", c.command || 0, "command", "commands"),
      count("anomaly", c.anomaly || 0, "anomaly", "anomalies"),
      count("deadline", body.pending_deadlines.length, "pending deadline", "pending deadlines"),
      el("span", { text: body.as_of ? `as of ${body.as_of}` : "" }));
    Charts.timeline($("sp-timeline-chart"), body.timeline, body.pending_deadlines, TIMELINE_COLORS);
    // newest first: the pending deadlines (the furthest ahead on top), then the story backwards
    const items = body.pending_deadlines.slice().reverse().map((d) => el("li", { class: "deadline", "data-kind": "deadline", "data-day": d.due_on },
      el("span", { class: "when", text: d.due_on }),
      el("span", { class: "type", text: deadlineName(d.kind) }), el("span", { class: "kind", text: "due" })));
    for (const e of body.timeline.slice().reverse()) {
      items.push(el("li", { class: e.kind, "data-kind": e.kind, "data-id": e.id, "data-day": e.day },
        el("span", { class: "when", text: e.kind === "event" ? fmtTime(e.at) : e.day }),
        el("span", { class: "type", text: e.type_label || e.type }), el("span", { class: "kind", text: e.kind }),
        el("span", { class: "summary", text: e.summary }),
        e.source ? el("span", { class: "src", text: e.kind === "command" ? `cause ${e.source}` : e.source }) : null));
    }
    $("sp-timeline").replaceChildren(...items);
    $("sp-timeline").scrollTop = 0;
    $("sp-deadlines").replaceChildren(...(body.pending_deadlines.length
      ? body.pending_deadlines.map((d) => el("li", { text: `${d.due_on} · ${deadlineName(d.kind)}` }))
      : [el("li", { class: "muted", text: "none" })]));
    renderWords($("sp-words"), body.state_in_words, body.pending_deadlines);
    $("sp-state").textContent = JSON.stringify(body.state, null, 2);
    $("sp-note").textContent = body.timeline_note || "";
    panel.dataset.loaded = mpan;
  }

  /* A state in words: the stage, each fact (groups nested), and the pending deadlines. */
  function facts(list) {
    const dl = el("dl", { class: "facts" });
    for (const f of list) {
      dl.append(el("dt", { text: f.name, title: f.hint || null, "data-field": f.field }));
      dl.append(f.group ? el("dd", {}, facts(f.group)) : el("dd", { text: f.text, "data-field": f.field }));
    }
    return dl;
  }
  function renderWords(box, words, pending) {
    if (!words) { box.replaceChildren(el("dd", { class: "muted", text: "no state held for this MPAN" })); return; }
    const top = [];
    if (words.stage) top.push(el("dt", { class: "stage", text: "Stage" }), el("dd", { class: "stage", "data-field": "stage", text: words.stage }));
    const list = facts(words.facts);
    const due = pending.length ? pending.map((d) => `${d.due_on} ${deadlineName(d.kind)}`).join("; ") : "none";
    box.replaceChildren(...top, ...list.childNodes, el("dt", { text: "Pending deadlines" }), el("dd", { "data-field": "pending", text: due }));
  }

  function renderFiles(f) {
    const statuses = Object.entries(f.statuses).map(([k, v]) => `${v} ${humanise(k).toLowerCase()}`).join(" · ");
    $("files-statuses").textContent = statuses;
    const rows = f.items.map((x) => el("tr", { "data-status": x.status },
      el("td", { class: "file", text: x.path }), el("td", { text: x.flow || "–" }), el("td", { text: x.file_key || "–" }),
      el("td", { text: humanise(x.status) }), el("td", { class: "reason", text: x.detail || "" })));
    fillBody($("files-table"), rows, 5, "no file report yet");
  }

  function openFromHash() {
    const match = /mpan=([0-9 ]+)/.exec(decodeURIComponent(location.hash));
    if (match) {
      const mpan = match[1].replace(/\s+/g, "");
      $("search-input").value = mpan;
      showSupplyPoint(mpan).catch((e) => console.error(e));
      window.scrollTo({ top: 0 });
    }
  }

  /* --- polling ------------------------------------------------------------------------- */

  let busy = false;
  let renders = 0;
  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const names = ["health", "throughput", "commands/daily", "states", "risk", "deadlines", "rejections", "anomalies",
        "commands/recent?limit=8", "files"];
      const results = await Promise.all(names.map((n) => getJson(`api/${n}`)));
      const [health, throughput, daily, states, risk, deadlines, rejections, anomalies, recent, files] = results.map((r) => r.body);
      renderHealth(health);
      renderThroughput(throughput);
      renderDaily(daily);
      renderStates(states);
      renderRisk(risk);
      renderDeadlines(deadlines);
      renderRejections(rejections);
      renderAnomalies(anomalies);
      renderRecentCommands(recent);
      renderFiles(files);
      renders += 1;
      document.body.dataset.renders = String(renders);
      const open = $("sp-panel");
      if (!open.classList.contains("hidden") && open.dataset.loaded) await showSupplyPoint(open.dataset.loaded);
    } catch (err) {
      const pill = $("status-pill");
      pill.className = "pill bad";
      pill.textContent = "unreachable";
      console.error(err);
    } finally {
      busy = false;
    }
  }

  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const mpan = $("search-input").value.replace(/\s+/g, "");
    if (location.hash === `#mpan=${mpan}`) openFromHash();
    else location.hash = `mpan=${mpan}`;
  });
  $("sp-close").addEventListener("click", () => {
    $("sp-panel").classList.add("hidden");
    history.replaceState(null, "", location.pathname);
  });
  window.addEventListener("hashchange", openFromHash);
  refresh();
  openFromHash();
  setInterval(refresh, REFRESH_MS);
})();
