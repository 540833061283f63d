"""report.html: one self-contained page (figures embedded) with what a person wants to look at."""

from __future__ import annotations

import base64
import html
import json

from ..io._atomic import save_figure, write_text

__all__ = ["write_report", "save_scene"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.92em; display: block; overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; } th { background: #f3f3f3; }
figure { margin: 0.8em 0 1.6em; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #555; } .meta { color: #555; font-size: 0.9em; }
details pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
"""


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _table(rows: list[dict]) -> str:
    if not rows:
        return ""
    cols = list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in cols) + "</tr>"
                   for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _figure(title: str, path: str) -> str:
    with open(path, "rb") as fh:
        data = base64.b64encode(fh.read()).decode()
    return (f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(title)}</figcaption></figure>")


def write_report(path: str, case: dict, done: dict, results: dict) -> str:
    meta = case["case"]
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(meta['title'])}</title>"
             f"<style>{_STYLE}</style></head><body>",
             f"<h1>{html.escape(meta['title'])}</h1>"]
    if meta.get("question"):
        parts.append(f"<p><b>Question.</b> {html.escape(meta['question'])}</p>")
    v = results["provenance"]["versions"]
    timing = ", ".join(f"{html.escape(s)} ({'cached' if d['cached'] else format(d['seconds'], '.1f') + ' s'})"
                       for s, d in done.items())
    parts.append(f"<p class='meta'>dca {html.escape(str(v.get('dca')))}, Python {html.escape(v['python'])}; "
                 f"seed {results['provenance']['seed']}; stages: {timing}</p>")
    for stage, d in done.items():
        out = d["output"]
        if not (out.tables or out.figures or out.files):
            continue
        parts.append(f"<h2>{html.escape(_first_upper(d['title']))}</h2>")
        for title, rows in out.tables.items():
            parts.append(f"<h3>{html.escape(_first_upper(title))}</h3>{_table(rows)}")
        for title, fig in out.figures.items():
            parts.append(_figure(title, fig))
        if out.files:
            parts.append("<p class='meta'>Files: " + ", ".join(html.escape(f.split("/")[-1]) for f in out.files)
                         + "</p>")
    parts.append("<h2>Provenance</h2><details><summary>versions, input checksums, parameters</summary><pre>"
                 + html.escape(json.dumps(results["provenance"], indent=2, default=str)) + "</pre></details>")
    parts.append("</body></html>")
    return write_text(path, "\n".join(parts) + "\n")


def save_scene(plot, path: str) -> str | None:
    """The 3-D picture ``plot(interactive=False)`` draws (axes in units, colour legends), saved
    at ``path``; None where VTK cannot render here (no OpenGL context), so a report goes
    without that picture rather than failing."""
    try:
        figure = plot(interactive=False)
    except Exception:
        return None
    return save_figure(figure, path, dpi=100)  # the rendered pixels, one to one
