/* The gas prepayment reconciliation panel: polls api/gas and fills its two tables.
   Self-contained: it needs nothing from dashboard.js. */
(function () {
  "use strict";
  const REFRESH_MS = 5000;
  const STATUS = {
    awaiting_report: "awaiting the transporter's report",
    list_due: "report in; list due",
    submitted: "submitted",
  };

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function pounds(text) {
    const value = Number(text);
    const sign = value < 0 ? "-" : "";
    return sign + "£" + Math.abs(value).toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function listText(list) {
    const words = [STATUS[list.status] || list.status];
    if (list.status === "submitted") words.push("on " + list.list_day + ", " + list.mprns.length + " smart MPRN(s)");
    if (list.status === "list_due") words.push(list.list_day);
    if (list.due_by) words.push("(due by " + list.due_by + ")");
    return words.join(" ");
  }

  function fill(tableId, rows) {
    const body = document.querySelector("#" + tableId + " tbody");
    body.replaceChildren(...rows);
  }

  async function refresh() {
    const panel = document.getElementById("gas-panel");
    if (!panel) return;
    let data;
    try {
      const response = await fetch("api/gas", { cache: "no-store" });
      if (!response.ok) return;
      data = await response.json();
    } catch (error) {
      return;
    }
    document.getElementById("gas-hint").textContent = data.month ? "this month: " + data.month : "no business day closed yet";
    fill("gas-ldz-table", data.ldzs.map((row) => {
      const tr = document.createElement("tr");
      tr.dataset.ldz = row.ldz;
      tr.append(cell(row.ldz, "mono"), cell(String(row.eligible), "num"), cell(listText(row.list), "list-status"));
      tr.lastChild.dataset.status = row.list.status;
      return tr;
    }));
    fill("gas-month-table", data.months.map((row) => {
      const tr = document.createElement("tr");
      tr.dataset.month = row.month;
      tr.append(
        cell(row.month, "mono"),
        cell(String(row.eligible), "num"),
        cell(String(row.reconciled), "num"),
        cell(Number(row.quantity_kwh).toLocaleString("en-GB"), "num"),
        cell(pounds(row.value), "num value"),
      );
      return tr;
    }));
    panel.dataset.loaded = data.as_of || "";
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
