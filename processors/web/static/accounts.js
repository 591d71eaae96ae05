/* The accounts panel: write-offs by reason, backbilling risks due, business bills late or
   awaiting approval (GET api/accounts). Self-contained: it polls its own endpoint. */
(function () {
  "use strict";
  const REFRESH_MS = 5000;
  const $ = (id) => document.getElementById(id);
  const REASONS = {
    not_billed: "Not billed for over a year",
    rebilled_higher: "Rebilled higher",
    underestimated: "Underestimated",
    no_adequacy_review: "No payment adequacy review",
  };
  const KINDS = { backbilling_warning: "Backbilling risk", adequacy_review: "Adequacy review" };

  function pounds(text) {
    const value = Number(text);
    return "£" + value.toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function row(cells) {
    const tr = document.createElement("tr");
    for (const [text, cls] of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      if (cls) td.className = cls;
      tr.appendChild(td);
    }
    return tr;
  }

  function fill(tbody, rows, empty, columns) {
    tbody.replaceChildren(...(rows.length ? rows : [row([[empty, "muted"]])]));
    if (!rows.length) tbody.firstChild.firstChild.colSpan = columns;
  }

  function render(data) {
    const w = data.write_offs;
    $("accounts-hint").textContent = data.as_of ? "as of " + data.as_of + "; due in the next " + data.days + " days" : "";
    $("accounts-writeoffs").textContent = w.count + " · " + pounds(w.amount);
    $("accounts-risks").textContent = String(data.risks_due.length);
    $("accounts-approvals").textContent = String(data.awaiting_approval.length);
    $("accounts-late").textContent = String(data.late_bills.length);
    const reasons = Object.entries(w.reasons).map(([reason, r]) =>
      row([[REASONS[reason] || reason], [String(r.count), "num"], [pounds(r.amount), "num"]]));
    fill($("accounts-reasons").tBodies[0], reasons, "No write-offs", 3);
    const items = [
      ...data.awaiting_approval.map((a) => row([[a.account_id, "mono"], ["Approve direct debit"], [a.issued_on],
        [a.document_id + " · " + pounds(a.amount)]])),
      ...data.late_bills.map((l) => row([[l.account_id, "mono"], ["Business bill late"], [l.chased_on],
        ["bill date " + l.bill_date]])),
      ...data.invoices_due.map((d) => row([[d.account_id, "mono"], ["Invoice due"], [d.due_on], ["chase if none by then"]])),
      ...data.risks_due.map((r) => row([[r.account_id, "mono"], [KINDS[r.kind] || r.kind], [r.due_on], [""]])),
    ];
    fill($("accounts-items").tBodies[0], items, "Nothing waiting", 4);
    $("accounts-panel").dataset.loaded = data.as_of || "";
  }

  async function refresh() {
    try {
      const response = await fetch("api/accounts", { cache: "no-store" });
      if (response.ok) render(await response.json());
    } catch (err) {
      /* the main dashboard shows the connection status */
    }
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
