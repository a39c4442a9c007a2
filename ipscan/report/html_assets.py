"""The HTML report's inline style sheet and scripts (the page fetches nothing)."""

from __future__ import annotations

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;padding:0 24px 48px;color:#1d232a;background:#fff}
h1{font-size:22px;margin:20px 0 4px}h2{font-size:17px;margin:0 0 8px}
h3{font-size:13px;margin:0 0 6px;color:#57606a;font-weight:600}
code{font:12px ui-monospace,Menlo,Consolas,monospace}
.meta{color:#57606a;margin:0 0 6px}.cards{display:flex;gap:10px;flex-wrap:wrap;margin:12px 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:20px}.card.bad{border-color:#cf222e;background:#fff5f5}
.card.bad b{color:#a40e26}.card.good{border-color:#2da44e;background:#f0fff4}
.none{font-size:18px;padding:24px;border:1px solid #2da44e;border-radius:6px;background:#f0fff4}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:10px 0}
.facts dt{color:#57606a}.facts dd{margin:0;overflow-wrap:anywhere}
.banner{font-size:16px;font-weight:600;padding:10px 14px;border-radius:6px;margin:12px 0}
.banner.fail{background:#ffebe9;border:1px solid #cf222e;color:#82071e}
.banner.pass{background:#f0fff4;border:1px solid #2da44e;color:#116329}
.lic-counts{margin:6px 0}.lic-counts .lic{margin-right:6px}
table.findings{border-collapse:collapse;width:100%;margin:8px 0 24px}
table.findings th,table.findings td{border-bottom:1px solid #d0d7de;padding:5px 8px;
text-align:left;vertical-align:top}
table.findings th{cursor:pointer;user-select:none;background:#f6f8fa;white-space:nowrap}
table.findings th[aria-sort=ascending]::after{content:" \\25B2"}
table.findings th[aria-sort=descending]::after{content:" \\25BC"}
table.findings tbody{border-top:2px solid #d0d7de}
table.findings tr.sub td{background:#fafbfc;font-size:13px;color:#3d444d}
table.findings tr.sub td.path{padding-left:26px}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.verdict,.lic{font-weight:600;padding:1px 6px;border-radius:4px;white-space:nowrap;
font-size:12.5px}
.v-copied{background:#ffebe9;color:#a40e26}.v-modified-copy{background:#fff8c5;color:#7d4e00}
.v-similar{background:#ddf4ff;color:#0550ae}
.lic{border:1px solid}
.lic-issue{background:#fbefff;color:#6e1a9e;border-color:#a475f9}
.lic-attention{background:#fff8c5;color:#7d4e00;border-color:#d4a72c}
.lic-ok{background:#dafbe1;color:#116329;border-color:#4ac26b}
.lic-none{background:#f6f8fa;color:#57606a;border-color:#d0d7de;font-weight:400}
.policy{font-weight:600;white-space:nowrap}.policy-fail{color:#a40e26}
.policy-pass{color:#116329}.why{color:#57606a}
section.finding{border:1px solid #d0d7de;border-left:6px solid #d0d7de;border-radius:6px;
padding:12px 14px;margin:18px 0}
section.finding.fails{border-left-color:#cf222e}section.finding.passes{border-left-color:#2da44e}
section.finding h2 .verdict,section.finding h2 .lic{vertical-align:2px}
.todo{background:#f6f8fa;border-radius:6px;padding:10px 12px;margin:8px 0 12px}
.todo p{margin:0 0 6px}.todo .reason{color:#3d444d}
.todo-grid{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:14px;margin-top:8px}
.todo ul{margin:0;padding-left:20px}
.notice-head{display:flex;align-items:center;gap:8px;margin-bottom:4px}.notice-head h3{margin:0}
.notice pre{margin:0;padding:8px 10px;background:#fff;border:1px solid #d4a72c;border-radius:4px;
font:12.5px/1.45 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;
overflow-wrap:anywhere}
button.copy{font:12px system-ui,sans-serif;padding:2px 10px;border:1px solid #8c959f;
border-radius:4px;background:#fff;cursor:pointer}button.copy:hover{background:#f3f4f6}
.copy-status{font-size:12px;color:#57606a}.hint{font-size:12px;color:#57606a;margin:4px 0 0}
.pair{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:14px}
.code{border:1px solid #d0d7de;border-radius:4px;overflow:auto;max-height:420px;background:#fafbfc}
.code table{border-collapse:collapse;width:100%;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}
.code td{padding:0 8px;white-space:pre}.code td.n{color:#8c959f;text-align:right;
user-select:none;border-right:1px solid #d0d7de;width:1%}
.code tr.hl{background:#fff3b0}.code tr.hl td.n{color:#1d232a;background:#f5d90a;font-weight:600}
.pg-k{color:#cf222e}.pg-s{color:#0a3069}.pg-c{color:#6e7781;font-style:italic}
.pg-m{color:#0550ae}.pg-o{color:#57606a}.pg-nf{color:#8250df}.pg-nc{color:#953800}
.missing{border:1px dashed #8c959f;border-radius:6px;padding:10px 12px;background:#fafbfc}
.missing dl{display:grid;grid-template-columns:max-content 1fr;gap:3px 12px;margin:8px 0}
.missing dt{color:#57606a}.missing dd{margin:0;overflow-wrap:anywhere}
.look{font-family:ui-monospace,monospace;font-size:12px;background:#fff;padding:6px;
border:1px solid #d0d7de;border-radius:4px}
details{margin:8px 0 0}details>summary{cursor:pointer;color:#0550ae;font-size:13px}
details.evidence dl{display:grid;grid-template-columns:max-content 1fr;gap:3px 12px;margin:6px 0}
details.evidence dt{color:#57606a}details.evidence dd{margin:0}
.ev{white-space:nowrap;font-family:ui-monospace,monospace;font-size:12px;margin-right:10px}
.units{margin-top:14px;border-top:1px solid #d0d7de;padding-top:10px}
article.unit-finding{border:1px solid #d0d7de;border-radius:6px;padding:6px 10px;margin:6px 0}
article.unit-finding h4{font-size:13.5px;margin:0;font-weight:600}
article.unit-finding .from{font-size:12.5px;color:#57606a;margin:2px 0 0}
#js-errors{color:#a40e26;white-space:pre-wrap}#js-errors:empty{display:none}
"""

# Runs first: any later script error is written where a person (or a test) can read it.
ERRORS_JS = """
window.onerror = function (msg, src, line, col) {
  var el = document.getElementById("js-errors");
  var text = String(msg) + " (line " + line + ":" + col + ")\\n";
  if (el) { el.textContent += text; return false; }
  (window.pendingErrors = window.pendingErrors || []).push(text);
  return false;
};
"""

# Sorting by clicking a column header (each tbody is a file finding with its units: groups move
# together, units sort within their group); copying notices; then the page says it is ready.
PAGE_JS = """
(function () {
  var errs = document.getElementById("js-errors");
  (window.pendingErrors || []).forEach(function (t) { errs.textContent += t; });
  var list = function (xs) { return Array.prototype.slice.call(xs); };
  var table = document.getElementById("findings-table");
  if (table) {
    table.querySelectorAll("th[data-type]").forEach(function (th) {
      th.addEventListener("click", function () {
        var col = th.cellIndex, num = th.dataset.type === "num";
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var cmp = function (a, b) {
          var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
          var c = num ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
          return c * dir || a.dataset.index - b.dataset.index;
        };
        var groups = list(table.tBodies);
        groups.forEach(function (g) {
          list(g.rows).slice(1).sort(cmp).forEach(function (r) { g.appendChild(r); });
        });
        groups.sort(function (a, b) { return cmp(a.rows[0], b.rows[0]); });
        groups.forEach(function (g) { table.appendChild(g); });
      });
    });
  }
  document.querySelectorAll("button.copy").forEach(function (button) {
    var pre = document.getElementById(button.dataset.copy);
    var status = button.parentNode.querySelector(".copy-status");
    var say = function (text) { if (status) { status.textContent = text; } };
    var select = function () {
      var range = document.createRange();
      range.selectNodeContents(pre);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    };
    // Without the clipboard API or its permission (offline file, old browser): select the text
    // and try the old copy command; failing that, the selection is there to copy by hand.
    var fallback = function () {
      select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      say(ok ? "Copied." : "Selected: press Ctrl+C (\\u2318C) to copy.");
    };
    button.addEventListener("click", function () {
      var text = pre.textContent;
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { say("Copied."); }, fallback);
      } else {
        fallback();
      }
    });
  });
  document.documentElement.dataset.ready = "1";
})();
"""
