"""The HTML report: one self-contained page (inline CSS and JS, nothing fetched, works offline).

A summary, a sortable table of findings, and per finding the scanned code (syntax-highlighted,
matched lines marked) beside what is known about the matched source. The index stores no source
text, so the right-hand side says where to look rather than showing the code.
"""

from __future__ import annotations

from collections import Counter
from html import escape

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer
from pygments.lexers import get_lexer_for_filename
from pygments.util import ClassNotFound

from ipscan import __version__
from ipscan.records import Finding
from ipscan.records import Report
from ipscan.records import Scope
from ipscan.records import Verdict

CONTEXT = 3  # lines shown before and after a finding
MAX_LINES = 400  # most lines shown for one finding (whole-file findings can be long)
MAX_HIGHLIGHT = 2_000_000  # characters; larger files are shown without syntax colours

_FORMATTER = HtmlFormatter(nowrap=True, classprefix="pg-")

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;padding:0 24px 48px;color:#1d232a;background:#fff}
h1{font-size:22px;margin:20px 0 4px}h2{font-size:17px;margin:0 0 8px}
.meta{color:#57606a;margin:0 0 12px}.cards{display:flex;gap:10px;flex-wrap:wrap;margin:12px 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:20px}.none{font-size:18px;padding:24px;border:1px solid #2da44e;
border-radius:6px;background:#f0fff4}
table.findings{border-collapse:collapse;width:100%;margin:8px 0 24px}
table.findings th,table.findings td{border-bottom:1px solid #d0d7de;padding:5px 8px;
text-align:left;vertical-align:top}
table.findings th{cursor:pointer;user-select:none;background:#f6f8fa;white-space:nowrap}
table.findings th[aria-sort=ascending]::after{content:" \\25B2"}
table.findings th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{font-weight:600;padding:1px 6px;border-radius:4px;white-space:nowrap}
.v-copied{background:#ffebe9;color:#a40e26}.v-modified-copy{background:#fff8c5;color:#7d4e00}
.v-similar{background:#ddf4ff;color:#0550ae}
section.finding{border:1px solid #d0d7de;border-radius:6px;padding:12px;margin:18px 0}
.pair{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:14px}
.side h3{font-size:13px;margin:0 0 6px;color:#57606a;font-weight:600}
.code{border:1px solid #d0d7de;border-radius:4px;overflow:auto;max-height:560px;background:#fafbfc}
.code table{border-collapse:collapse;width:100%;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}
.code td{padding:0 8px;white-space:pre}.code td.n{color:#8c959f;text-align:right;
user-select:none;border-right:1px solid #d0d7de;width:1%}
.code tr.hl{background:#fff3b0}.code tr.hl td.n{color:#1d232a;background:#f5d90a;font-weight:600}
.missing{border:2px dashed #bf8700;border-radius:6px;padding:10px 12px;background:#fffbea}
.missing dl{display:grid;grid-template-columns:max-content 1fr;gap:3px 12px;margin:8px 0}
.missing dt{color:#57606a}.missing dd{margin:0;overflow-wrap:anywhere}
.ev{white-space:nowrap;font-family:ui-monospace,monospace;font-size:12px;margin-right:8px}
.look{font-family:ui-monospace,monospace;font-size:12px;background:#fff;padding:6px;
border:1px solid #d0d7de;border-radius:4px}
#js-errors{color:#a40e26;white-space:pre-wrap}#js-errors:empty{display:none}
"""

# Runs first: any later script error is written where a person (or a test) can read it.
_ERRORS_JS = """
window.onerror = function (msg, src, line, col) {
  var el = document.getElementById("js-errors");
  var text = String(msg) + " (line " + line + ":" + col + ")\\n";
  if (el) { el.textContent += text; return false; }
  (window.pendingErrors = window.pendingErrors || []).push(text);
  return false;
};
"""

# Sorting by clicking a column header; then the page says it is ready.
_SORT_JS = """
(function () {
  var errs = document.getElementById("js-errors");
  (window.pendingErrors || []).forEach(function (t) { errs.textContent += t; });
  var table = document.getElementById("findings-table");
  if (table) {
    var body = table.tBodies[0];
    table.querySelectorAll("th[data-type]").forEach(function (th) {
      th.addEventListener("click", function () {
        var col = th.cellIndex, num = th.dataset.type === "num";
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
          var c = num ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
          return c * dir || a.dataset.index - b.dataset.index;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  document.documentElement.dataset.ready = "1";
})();
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _lines_of(f: Finding) -> str:
    return f"{f.start_line}-{f.end_line}"


def _source_of(f: Finding) -> str:
    s = f.source
    return f"{s.package} {s.version} {s.path}:{s.start_line}-{s.end_line}"


def highlighted_lines(path: str, text: str) -> list[str]:
    """The file's lines as HTML (escaped, syntax-coloured by the file name's language)."""
    text = text.replace("\r\n", "\n")
    try:
        lexer = get_lexer_for_filename(path, text, stripnl=False, ensurenl=True)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False, ensurenl=True)
    if len(text) > MAX_HIGHLIGHT:
        lexer = TextLexer(stripnl=False, ensurenl=True)
    lines = highlight(text, lexer, _FORMATTER).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _code_block(f: Finding, lines: list[str]) -> str:
    first = max(1, f.start_line - CONTEXT)
    last = min(len(lines), f.end_line + CONTEXT)
    cut = last - first + 1 > MAX_LINES
    if cut:
        last = first + MAX_LINES - 1
    rows = []
    for n in range(first, last + 1):
        hl = f.start_line <= n <= f.end_line
        rows.append(
            f'<tr class="{"ln hl" if hl else "ln"}" data-line="{n}"><td class="n">{n}</td>'
            f"<td>{lines[n - 1]}</td></tr>"
        )
    more = f'<p class="meta">… shown up to line {last} of {len(lines)}.</p>' if cut else ""
    return f'<div class="code"><table>{"".join(rows)}</table></div>{more}'


def _source_box(f: Finding) -> str:
    s = f.source
    reasons = f.evidence.items()
    evidence = " ".join(f'<span class="ev">{_e(k)}={v:g}</span>' for k, v in reasons)
    items = [
        ("Package", s.package),
        ("Version", s.version),
        ("Path", s.path),
        ("Lines", f"{s.start_line}-{s.end_line}"),
        ("License", s.license),
        ("Unit", s.unit_name or "—"),
        ("Similarity", f"{f.similarity:.2f}"),
        ("Matchers", ", ".join(m.value for m in f.matchers) or "—"),
    ]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items)
    dl += f"<dt>Evidence</dt><dd>{evidence or 'none recorded'}</dd>"
    look = f"open {s.path} lines {s.start_line}-{s.end_line} of {s.package} {s.version}"
    return (
        '<div class="missing"><strong>Source text is not stored in the index.</strong>'
        f'<dl class="source">{dl}</dl><div>To compare, look in the source archive the index was '
        f'built from:</div><div class="look">{_e(look)}</div></div>'
    )


def _finding_section(n: int, f: Finding, lines: list[str] | None) -> str:
    scope = " (whole file)" if f.scope is Scope.FILE else ""
    unit = f" — {_e(f.unit_name)}" if f.unit_name else ""
    if lines is None:
        left = (
            '<div class="missing">The scanned text is not in this report '
            "(it was loaded from JSON); open the file to see it.</div>"
        )
    else:
        left = _code_block(f, lines)
    return (
        f'<section class="finding" id="finding-{n}" data-verdict="{_e(f.verdict.value)}">'
        f'<h2>#{n} <span class="verdict v-{_e(f.verdict.value)}">{_e(f.verdict.value)}</span> '
        f"{_e(f.path)}:{_e(_lines_of(f))}{_e(scope)}{unit}</h2>"
        f'<div class="pair"><div class="side scanned"><h3>Scanned: {_e(f.path)} lines '
        f"{_e(_lines_of(f))}</h3>{left}</div>"
        f'<div class="side source"><h3>Matched source: {_e(_source_of(f))}</h3>'
        f"{_source_box(f)}</div></div></section>"
    )


def _table(report: Report) -> str:
    heads = [
        ("#", "num"),
        ("Path", "text"),
        ("Lines", "num"),
        ("Verdict", "text"),
        ("Source", "text"),
        ("License", "text"),
        ("Similarity", "num"),
    ]
    th = "".join(f'<th data-type="{t}" scope="col">{name}</th>' for name, t in heads)
    rows = []
    for n, f in enumerate(report.findings, 1):
        cells = [
            (n, str(n), "num"),
            (f.path, f'<a href="#finding-{n}">{_e(f.path)}</a>', ""),
            (f.start_line, _e(_lines_of(f) + (" (file)" if f.scope is Scope.FILE else "")), "num"),
            (
                f.verdict.value,
                f'<span class="verdict v-{_e(f.verdict.value)}">{_e(f.verdict.value)}</span>',
                "",
            ),
            (_source_of(f), _e(_source_of(f)), ""),
            (f.source.license, _e(f.source.license), ""),
            (f"{f.similarity:.4f}", f"{f.similarity:.2f}", "num"),
        ]
        td = "".join(f'<td class="{c}" data-sort="{_e(k)}">{v}</td>' for k, v, c in cells)
        rows.append(f'<tr data-index="{n}" data-verdict="{_e(f.verdict.value)}">{td}</tr>')
    return (
        f'<table class="findings" id="findings-table"><thead><tr>{th}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _summary(report: Report) -> str:
    counts = Counter(f.verdict for f in report.findings)
    cards = [("findings", len(report.findings))] + [(v.value, counts[v]) for v in Verdict]
    cards += [("files scanned", report.files_scanned), ("units scanned", report.units_scanned)]
    if report.skipped:
        cards.append(("files skipped", len(report.skipped)))
    html = "".join(
        f'<div class="card" data-count="{_e(k)}"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in cards
    )
    idx = report.index_summary
    index = ", ".join(f"{k}: {v}" for k, v in idx.items() if k != "path")
    return (
        f'<p class="meta">Scanned <code>{_e(report.root)}</code> in {report.elapsed_s:.1f} s '
        f"with ipscan {_e(__version__)}.</p>"
        f'<p class="meta">Index: <code>{_e(idx.get("path", "?"))}</code>'
        f"{' (' + _e(index) + ')' if index else ''}</p>"
        f'<div class="cards">{html}</div>'
    )


def render_html(report: Report) -> str:
    """The whole report as one self-contained HTML document."""
    cache: dict[str, list[str]] = {}
    sections = []
    for n, f in enumerate(report.findings, 1):
        text = report.texts.get(f.path)
        if text is not None and f.path not in cache:
            cache[f.path] = highlighted_lines(f.path, text)
        sections.append(_finding_section(n, f, cache.get(f.path)))
    n = len(report.findings)
    if n:
        body = f"<h2>Findings</h2>{_table(report)}{''.join(sections)}"
        title = f"ipscan: {n} finding{'s' if n != 1 else ''}"
    else:
        body = '<p class="none" id="no-findings">No findings: no code from indexed open source '
        body += "was found.</p>"
        title = "ipscan: no findings"
    css = _CSS + "\n".join(_FORMATTER.get_token_style_defs(".code"))
    csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>{css}</style><script>{_ERRORS_JS}</script></head>"
        f'<body><pre id="js-errors"></pre><h1>{_e(title)}</h1>{_summary(report)}{body}'
        f"<script>{_SORT_JS}</script></body></html>\n"
    )
