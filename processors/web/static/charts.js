/* Small hand-written SVG charts for the meterflow dashboard: no library, works offline. */
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function frame(el, height) {
    const width = Math.max(320, Math.floor(el.clientWidth || 600));
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img" });
    el.replaceChildren(root);
    return { root, width, height };
  }

  function empty(el, height, message) {
    const { root, width } = frame(el, height);
    root.appendChild(svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "empty" }, message));
  }

  /* A "nice" upper bound and tick step for an axis from 0 to max. */
  function niceScale(max, ticks, integer) {
    if (!(max > 0)) return { top: 1, step: 1 };
    const rough = max / ticks;
    const mag = Math.pow(10, Math.floor(Math.log10(rough)));
    let step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= rough) || 10 * mag;
    if (integer) step = Math.max(1, Math.round(step));
    const top = Math.ceil(max / step) * step;
    return { top, step };
  }

  function fmt(n) {
    if (n === null || n === undefined || Number.isNaN(n)) return "–";
    if (Math.abs(n) >= 1e6) return (n / 1e6).toFixed(1).replace(/\.0$/, "") + "M";
    if (Math.abs(n) >= 1e4) return (n / 1e3).toFixed(1).replace(/\.0$/, "") + "k";
    if (Number.isInteger(n)) return n.toLocaleString("en-GB");
    return String(Number(n.toPrecision(n >= 1 ? 3 : 2)));
  }

  function clockLabel(epochSeconds, span) {
    const d = new Date(epochSeconds * 1000);
    return d.toISOString().slice(11, span < 600 ? 19 : 16);
  }

  /* Lines over time: series [{key, label, color, axis: "left"|"right"}], points [{t, ...}]. */
  function line(el, points, series, opts) {
    const height = (opts && opts.height) || 220;
    if (!points.length) return empty(el, height, "no activity yet");
    const { root, width } = frame(el, height);
    const m = { l: 44, r: 48, t: 26, b: 26 };
    const w = width - m.l - m.r, h = height - m.t - m.b;
    const t0 = points[0].t, t1 = Math.max(points[points.length - 1].t, t0 + 1);
    const x = (t) => m.l + ((t - t0) / (t1 - t0)) * w;
    const axes = {};
    for (const side of ["left", "right"]) {
      const keys = series.filter((s) => s.axis === side).map((s) => s.key);
      const max = Math.max(0, ...points.flatMap((p) => keys.map((k) => p[k] || 0)));
      axes[side] = niceScale(max, 4, side === "right");
    }
    const y = (v, side) => m.t + h - (v / axes[side].top) * h;
    const g = root.appendChild(svg("g", { class: "axis" }));
    for (let v = 0; v <= axes.left.top + 1e-9; v += axes.left.step) {
      g.appendChild(svg("line", { x1: m.l, x2: m.l + w, y1: y(v, "left"), y2: y(v, "left"), class: "grid-line" }));
      g.appendChild(svg("text", { x: m.l - 6, y: y(v, "left") + 4, "text-anchor": "end" }, fmt(v)));
    }
    if (series.some((s) => s.axis === "right")) {
      for (let v = 0; v <= axes.right.top + 1e-9; v += axes.right.step) {
        g.appendChild(svg("text", { x: m.l + w + 6, y: y(v, "right") + 4 }, fmt(v)));
      }
    }
    const ticks = Math.min(6, points.length);
    for (let i = 0; i < ticks; i++) {
      const t = t0 + ((t1 - t0) * i) / Math.max(1, ticks - 1);
      g.appendChild(svg("text", { x: x(t), y: height - 6, "text-anchor": "middle" }, clockLabel(t, t1 - t0)));
    }
    for (const s of series) {
      const path = [];
      let pen = false;
      for (const p of points) {
        const v = p[s.key];
        if (v === null || v === undefined) { pen = false; continue; }
        path.push(`${pen ? "L" : "M"}${x(p.t).toFixed(1)},${y(v, s.axis).toFixed(1)}`);
        pen = true;
      }
      if (path.length === 1) {
        const [px, py] = path[0].slice(1).split(",");
        root.appendChild(svg("circle", { cx: px, cy: py, r: 3.5, fill: s.color, "data-series": s.key }));
      } else if (path.length) {
        root.appendChild(svg("path", {
          d: path.join(""), fill: "none", stroke: s.color, "stroke-width": s.width || 2,
          "stroke-dasharray": s.dash || "", "stroke-linejoin": "round", "data-series": s.key,
        }));
      }
    }
    let lx = m.l + 4;
    for (const s of series) {
      root.appendChild(svg("rect", { x: lx, y: 6, width: 12, height: 3, fill: s.color }));
      const label = root.appendChild(svg("text", { x: lx + 16, y: 11 }, s.label));
      lx += 30 + s.label.length * 6.2;
      label.setAttribute("fill", "#334155");
    }
  }

  /* Stacked bars per day on a time axis: days [{day, counts: {type: n}}] (any gaps between
     them), types [..], colorOf(type). Each bar stands at its date, so a week without
     commands shows as a week of empty axis. */
  function stackedBars(el, days, types, colorOf, opts) {
    const height = (opts && opts.height) || 220;
    if (!days.length) return empty(el, height, "no commands issued yet");
    const { root, width } = frame(el, height);
    const m = { l: 40, r: 8, t: 10, b: 30 };
    const w = width - m.l - m.r, h = height - m.t - m.b;
    const totals = days.map((d) => Object.values(d.counts).reduce((a, b) => a + b, 0));
    const { top, step } = niceScale(Math.max(...totals), 4, true);
    const y = (v) => m.t + h - (v / top) * h;
    const g = root.appendChild(svg("g", { class: "axis" }));
    for (let v = 0; v <= top + 1e-9; v += step) {
      g.appendChild(svg("line", { x1: m.l, x2: m.l + w, y1: y(v), y2: y(v), class: "grid-line" }));
      g.appendChild(svg("text", { x: m.l - 6, y: y(v) + 4, "text-anchor": "end" }, fmt(v)));
    }
    const DAY = 86400000;
    const ms = (day) => Date.parse(day + "T00:00:00Z");
    const d0 = ms(days[0].day);
    const span = Math.round((ms(days[days.length - 1].day) - d0) / DAY) + 1; // days on the axis
    const slot = w / span;
    const x = (day) => m.l + ((ms(day) - d0) / DAY) * slot + slot / 2; // the middle of its day
    const bw = Math.max(3, Math.min(36, slot * 0.7));
    const every = Math.max(1, Math.ceil(span / Math.max(1, Math.floor(w / 64))));
    const label = (t) => new Date(t).toISOString().slice(span > 366 ? 0 : 5, span > 366 ? 7 : 10);
    for (let i = 0; i < span; i += every) {
      const t = d0 + i * DAY;
      const cx = m.l + i * slot + slot / 2;
      g.appendChild(svg("line", { x1: cx, x2: cx, y1: m.t + h, y2: m.t + h + 4, class: "grid-line" }));
      g.appendChild(svg("text", { x: cx, y: height - 8, "text-anchor": "middle", "data-tick": new Date(t).toISOString().slice(0, 10) }, label(t)));
    }
    days.forEach((d, i) => {
      const cx = x(d.day);
      let acc = 0;
      for (const type of types) {
        const n = d.counts[type] || 0;
        if (!n) continue;
        const rect = svg("rect", { x: cx - bw / 2, y: y(acc + n), width: bw, height: Math.max(1, y(acc) - y(acc + n)),
          fill: colorOf(type), "data-day": d.day, "data-type": type });
        rect.appendChild(svg("title", {}, `${d.day} ${type}: ${n}`));
        root.appendChild(rect);
        acc += n;
      }
      if (days.length <= 20 && slot >= 14) {
        root.appendChild(svg("text", { x: cx, y: y(totals[i]) - 3, "text-anchor": "middle", class: "bar-value" }, totals[i]));
      }
    });
  }

  /* Horizontal bars: items [{label, value, color, key}]. */
  function hbars(el, items, opts) {
    const row = 28;
    const height = Math.max(60, items.length * row + 12);
    if (!items.length) return empty(el, 60, (opts && opts.emptyText) || "nothing yet");
    const { root, width } = frame(el, height);
    const labelW = Math.min(220, Math.max(120, ...items.map((i) => i.label.length * 7 + 12)));
    const max = Math.max(...items.map((i) => i.value), 1);
    const w = width - labelW - 70;
    items.forEach((item, i) => {
      const yy = 6 + i * row;
      root.appendChild(svg("text", { x: labelW - 8, y: yy + 15, "text-anchor": "end", class: "bar-label" }, item.label));
      root.appendChild(svg("rect", { x: labelW, y: yy + 3, width: w, height: row - 10, fill: "#f1f5f9", rx: 4 }));
      const bar = svg("rect", { x: labelW, y: yy + 3, width: Math.max(2, (item.value / max) * w), height: row - 10,
        fill: item.color, rx: 4, "data-key": item.key || item.label });
      bar.appendChild(svg("title", {}, `${item.label}: ${item.value}`));
      root.appendChild(bar);
      root.appendChild(svg("text", { x: labelW + Math.max(2, (item.value / max) * w) + 6, y: yy + 15, class: "bar-value",
        "data-value-for": item.key || item.label }, fmt(item.value)));
    });
  }

  /* A supply point's story on one time axis: lanes of events, commands, anomalies, deadlines. */
  function timeline(el, entries, pending, colors) {
    const lanes = [["event", "events"], ["command", "commands"], ["anomaly", "anomalies"], ["deadline", "due"]];
    const height = 30 + lanes.length * 24;
    const all = entries.map((e) => ({ kind: e.kind, day: e.day, label: `${e.day} ${e.type}` }))
      .concat(pending.map((d) => ({ kind: "deadline", day: d.due_on, label: `${d.due_on} ${d.kind} (due)` })));
    if (!all.length) return empty(el, 50, "nothing recorded");
    const { root, width } = frame(el, height);
    const m = { l: 84, r: 16, t: 6, b: 22 };
    const w = width - m.l - m.r;
    const ms = (day) => Date.parse(day + "T00:00:00Z");
    const d0 = Math.min(...all.map((a) => ms(a.day))), d1 = Math.max(...all.map((a) => ms(a.day)), d0 + 86400000);
    const x = (day) => m.l + ((ms(day) - d0) / (d1 - d0)) * w;
    lanes.forEach(([kind, name], i) => {
      const yy = m.t + 12 + i * 24;
      root.appendChild(svg("text", { x: m.l - 10, y: yy + 4, "text-anchor": "end" }, name));
      root.appendChild(svg("line", { x1: m.l, x2: m.l + w, y1: yy, y2: yy, class: "grid-line" }));
      for (const a of all.filter((e) => e.kind === kind)) {
        const dot = svg("circle", { cx: x(a.day), cy: yy, r: 6, fill: colors[kind], "fill-opacity": 0.85,
          stroke: "#fff", "stroke-width": 1.5, "data-kind": kind });
        dot.appendChild(svg("title", {}, a.label));
        root.appendChild(dot);
      }
    });
    const base = height - 6;
    const first = new Date(d0).toISOString().slice(0, 10), last = new Date(d1).toISOString().slice(0, 10);
    root.appendChild(svg("text", { x: m.l, y: base, "text-anchor": "start" }, first));
    root.appendChild(svg("text", { x: m.l + w, y: base, "text-anchor": "end" }, last));
  }

  window.Charts = { line, stackedBars, hbars, timeline, fmt };
})();
