"""The dashboard's page frame: one self-contained document (inline CSS, no script, nothing fetched).

The Content-Security-Policy forbids any outside resource and any script, so an escaped value that
slipped through could still not run. Links are relative: behind a function's URL prefix they still work.
"""
from __future__ import annotations

from html import escape

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'"
_CSS = """
:root{--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;--link:#0550ae}
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);
margin:0 auto;padding:1rem;max-width:72rem}
a{color:var(--link);overflow-wrap:anywhere}a:focus-visible,button:focus-visible,select:focus-visible,input:focus-visible,
summary:focus-visible{outline:3px solid #0969da;outline-offset:2px}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.25rem;margin:2rem 0 .6rem}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.4rem}
nav.crumbs{font-size:.95rem;color:var(--muted)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:.45rem .6rem;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}td.num,th.num{text-align:right}
caption{text-align:left;font-weight:600;padding:.3rem 0;color:var(--muted)}
svg.bar{width:100%;min-width:8rem;height:1rem;display:block;border-radius:3px}
svg.chart{width:100%;height:auto;max-height:20rem;display:block}
svg text{font-size:12px;fill:var(--fg)}svg .axis{stroke:var(--muted);stroke-width:1}
.legend{list-style:none;padding:0;margin:.3rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.9rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;border-radius:2px;vertical-align:-1px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.6rem;margin:0;padding:0}
.cards div{border:1px solid var(--line);border-left-width:6px;border-radius:6px;padding:.5rem .7rem}
.cards dt{color:var(--muted);font-size:.9rem}.cards dd{margin:0;font-size:1.4rem;font-weight:600}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:flex-end;background:var(--soft);
padding:.7rem;border-radius:6px}
form.filters label{display:flex;flex-direction:column;font-size:.9rem;font-weight:600}
form.filters input,form.filters select,form.filters button{font:inherit;padding:.35rem .5rem;min-height:2.4rem;
border:1px solid var(--muted);border-radius:4px;background:#fff;color:var(--fg)}
form.filters button{background:#1f6feb;color:#fff;border-color:#1f6feb;cursor:pointer}
.state{white-space:nowrap;font-weight:600}.muted{color:var(--muted)}.empty{color:var(--muted)}
@media (max-width:40rem){body{padding:.6rem;font-size:15px}th,td{padding:.35rem .4rem}
.hide-narrow{display:none}}
"""


def document(title: str, body: str, *, crumbs: str = "") -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f'<link rel="icon" href="data:,"><title>{escape(title)}</title><style>{_CSS}</style></head>'
        '<body><a class="skip" href="#main">Skip to content</a>'
        f'<nav class="crumbs" aria-label="Breadcrumb">{crumbs or "Fleet overview"}</nav>'
        f'<main id="main"><h1>{escape(title)}</h1>{body}</main></body></html>\n')


def table(headers: list[tuple[str, bool]], rows: list[list[str]], *, caption: str, name: str) -> str:
    """An accessible table: header cells scoped to columns; (title, numeric) per column.
    Cells are HTML the caller escaped."""
    head = "".join(f'<th scope="col"{" class=num" if num else ""}>{escape(h)}</th>' for h, num in headers)
    body = "".join("<tr>" + "".join(_cell(c, headers[i][1]) for i, c in enumerate(r)) + "</tr>" for r in rows)
    return (f'<div class="scroll"><table data-table="{escape(name)}"><caption>{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _cell(html: str, numeric: bool) -> str:
    return f'<td class="num">{html}</td>' if numeric else f"<td>{html}</td>"


def select(name: str, label: str, options: list[tuple[str, str]], chosen: str | None) -> str:
    opts = "".join(f'<option value="{escape(v)}"{" selected" if v == (chosen or "") else ""}>{escape(t)}</option>'
                   for v, t in options)
    return f'<label for="f-{name}">{escape(label)}<select id="f-{name}" name="{name}">{opts}</select></label>'
