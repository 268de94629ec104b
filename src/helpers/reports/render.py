"""HTML: report fragments (tables, notices) shown from notebooks, and the executed notebook
turned into one self-contained page (no code cells, no prompts, images embedded, inline CSS,
``lang="zh-CN"``, no external URL) through the Jinja template in resources/."""

from __future__ import annotations

import copy
import functools
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESOURCES = Path(__file__).resolve().parent / "resources"
TEMPLATE = "page.html.j2"
CSS = "report.css"


@dataclass(frozen=True)
class Html:
    """An HTML fragment that notebooks display as is (``_repr_html_``)."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


@dataclass(frozen=True)
class Column:
    title: str
    align: str = "left"          # "left" | "right" (numbers) | "center"


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def table(columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, caption: str | None = None,
          css_class: str = "data") -> Html:
    """An HTML table; cells are already-formatted strings (use helpers.formatting) or Html."""
    head = "".join(f'<th class="{c.align}">{esc(c.title)}</th>' for c in columns)
    body = []
    for row in rows:
        cells = []
        for c, v in zip(columns, row, strict=True):
            content = v.html if isinstance(v, Html) else esc(v)
            cells.append(f'<td class="{c.align}">{content}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return Html(f'<table class="{css_class}">{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(body)}</tbody></table>")


def notice(text: str, kind: str = "info") -> Html:
    """A boxed note ("尚未提供" sections, warnings)."""
    return Html(f'<p class="notice {esc(kind)}">{esc(text)}</p>')


def paragraph(text: str, css_class: str = "") -> Html:
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return Html(f"<p{cls}>{esc(text)}</p>")


def definition_list(items: Iterable[tuple[str, Any]]) -> Html:
    parts = []
    for k, v in items:
        value = v.html if isinstance(v, Html) else esc(v)
        parts.append(f"<dt>{esc(k)}</dt><dd>{value}</dd>")
    return Html(f'<dl class="profile">{"".join(parts)}</dl>')


def join(*fragments: Html | str) -> Html:
    return Html("".join(f.html if isinstance(f, Html) else esc(f) for f in fragments))


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(RESOURCES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )


def css() -> str:
    return (RESOURCES / CSS).read_text(encoding="utf-8")


def page(title: str, body_html: str, *, kind: str = "report") -> str:
    """The full HTML document around a body."""
    import markupsafe

    tpl = _environment().get_template(TEMPLATE)
    return tpl.render(title=title, css=markupsafe.Markup(css()), body=markupsafe.Markup(body_html),
                      kind=kind)


def _clean(nb):
    """A copy of the executed notebook fit for publishing: code cells without output dropped,
    stderr streams dropped, cell ids made stable (papermill adds random ones)."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            if not cell.outputs:
                continue
        cells.append(cell)
    for i, cell in enumerate(cells):
        cell["id"] = f"c{i:03d}"
        cell.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
    nb.cells = cells
    return nb


def notebook_body(nb) -> str:
    """The executed notebook as an HTML body fragment: outputs and markdown, no code."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, exclude_anchor_links=True)
    body, _ = exporter.from_notebook_node(_clean(nb))
    return body


def notebook_title(nb, default: str) -> str:
    """The first markdown heading's text, or the report's metadata title."""
    title = nb.metadata.get("budget_reports", {}).get("title")
    return str(title) if title else default


def notebook_to_html(nb_or_path, title: str) -> str:
    """A self-contained HTML page from an executed notebook (node or path)."""
    import nbformat

    nb = nbformat.read(str(nb_or_path), as_version=4) if isinstance(nb_or_path, str | Path) else nb_or_path
    return page(title, notebook_body(nb))
