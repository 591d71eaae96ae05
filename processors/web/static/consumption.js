/* The consumption panel (SPEC 9): a site's (MPAN) or a portfolio's (account id) consumption
   as bars, with every gap visible as a marked slot. Self-contained: its own section of the
   page, its own SVG, the JSON of api/consumption and api/portfolio. */
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const MPAN = /^\d{13}$/;

  function svg(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function draw(el, points) {
    const height = 220;
    const pad = { left: 48, right: 8, top: 10, bottom: 28 };
    const width = Math.max(360, Math.floor(el.clientWidth || 720));
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img" });
    el.replaceChildren(root);
    const values = points.map((p) => (p.kwh === null ? null : Number(p.kwh)));
    const max = Math.max(0, ...values.filter((v) => v !== null));
    const top = max > 0 ? max * 1.1 : 1;
    const inner = height - pad.top - pad.bottom;
    const slot = (width - pad.left - pad.right) / Math.max(1, points.length);
    for (let t = 0; t <= 4; t++) {
      const y = pad.top + inner - (inner * t) / 4;
      root.appendChild(svg("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "grid" }));
      root.appendChild(svg("text", { x: pad.left - 4, y: y + 4, "text-anchor": "end", class: "axis" },
        ((top * t) / 4).toFixed(1)));
    }
    points.forEach((p, i) => {
      const x = pad.left + i * slot;
      const w = Math.max(1, slot - 1);
      if (p.kwh === null) {
        const gap = svg("rect", { x, y: pad.top, width: w, height: inner, class: "gap",
          "data-gap": p.start, fill: "#f3c2c2" });
        gap.appendChild(svg("title", {}, `${p.start}: no data (${p.missing} periods missing)`));
        root.appendChild(gap);
        return;
      }
      const h = (Number(p.kwh) / top) * inner;
      const bar = svg("rect", { x, y: pad.top + inner - h, width: w, height: h,
        class: p.missing ? "bar partial" : "bar", "data-start": p.start,
        fill: p.missing ? "#e0a040" : "#3a7bd5" });
      bar.appendChild(svg("title", {}, `${p.start}: ${p.kwh} kWh` + (p.missing ? ` (${p.missing} periods missing)` : "")));
      root.appendChild(bar);
    });
    if (points.length) {
      root.appendChild(svg("text", { x: pad.left, y: height - 8, class: "axis" }, points[0].start.slice(0, 16)));
      root.appendChild(svg("text", { x: width - pad.right, y: height - 8, "text-anchor": "end", class: "axis" },
        points[points.length - 1].start.slice(0, 16)));
    }
  }

  async function show(event) {
    if (event) event.preventDefault();
    const panel = document.getElementById("hh-panel");
    const subject = document.getElementById("hh-subject").value.trim();
    const params = new URLSearchParams({
      from: document.getElementById("hh-from").value,
      to: document.getElementById("hh-to").value,
      resolution: document.getElementById("hh-resolution").value,
    });
    const url = (MPAN.test(subject) ? "api/consumption/" : "api/portfolio/") + encodeURIComponent(subject);
    const error = document.getElementById("hh-error");
    const summary = document.getElementById("hh-summary");
    error.textContent = "";
    try {
      const response = await fetch(`${url}?${params}`);
      const body = await response.json();
      if (!response.ok) throw new Error(body.error || response.statusText);
      draw(document.getElementById("hh-chart"), body.points);
      const present = body.points.filter((p) => p.kwh !== null);
      const total = present.reduce((sum, p) => sum + Number(p.kwh), 0);
      const gaps = body.points.length - present.length;
      summary.replaceChildren();
      const parts = [
        body.mpan ? `site ${body.mpan}` : `portfolio ${body.account_id} (${body.sites.length} sites)`,
        `${total.toFixed(3)} kWh over the periods with data`,
        `${gaps} gaps`,
      ];
      if (body.missing_sites && body.missing_sites.length) parts.push(`no data: ${body.missing_sites.join(", ")}`);
      summary.textContent = parts.join(" · ");
      summary.dataset.gaps = String(gaps);
    } catch (exc) {
      document.getElementById("hh-chart").replaceChildren();
      error.textContent = `${subject}: ${exc.message}`;
    }
    panel.dataset.loaded = subject;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("hh-form");
    if (form) form.addEventListener("submit", show);
  });
})();
