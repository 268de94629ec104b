"""HTML: report fragments (tables, notices) shown from notebooks, and the executed notebook
turned into one self-contained page (no code cells, no prompts, images embedded, inline CSS,
``lang="zh-CN"``, no external URL) through the Jinja template in resources/."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import markupsafe

RESOURCES = Path(__file__).resolve().parent / "resources"
TEMPLATE = "page.html.j2"
CSS = "report.css"


class Html(markupsafe.Markup):
    """An HTML fragment: safe markup (``markupsafe.Markup``) that notebooks display as is.

    Text joined to it is escaped by markupsafe; ``.html`` gives the markup as a plain ``str``.
    """

    @property
    def html(self) -> str:
        """The markup as a plain string."""
        return str(self)

    def _repr_html_(self) -> str:
        return str(self)

    def __repr__(self) -> str:   # the plain-text fallback in executed notebooks: the same for every kind
        return f"Html(html={str(self)!r})"


class Table(Html):
    """An HTML table that also hands over its data: ``.frame`` is a pandas DataFrame of the cells
    as shown (text; HTML cells reduced to their text), with the column titles as headers."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def frame(self):
        """The table's cells as a pandas DataFrame (one row per table row)."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(self.columns))


class Section(Html):
    """A report section: its HTML (``_repr_html_``) and its data, ``.frame``: the DataFrame given
    when the section was made, else that of its first table, else an empty frame."""

    data: Any
    tables: tuple[Table, ...]

    @property
    def frame(self):
        """The section's data as a pandas DataFrame."""
        import pandas as pd

        if self.data is not None:
            return self.data
        if self.tables:
            return self.tables[0].frame
        return pd.DataFrame()


@dataclass(frozen=True)
class Column:
    """A table column: its title and the alignment of its cells."""

    title: str
    align: str = "left"          # "left" | "right" (numbers) | "center"


def esc(value: Any) -> Html:
    """``value`` as text, HTML-escaped (markupsafe); ``None`` is the empty string."""
    return Html(markupsafe.escape("" if value is None else str(value)))


def _cell_text(value: Any) -> str:
    if isinstance(value, markupsafe.Markup):
        return value.striptags()
    return "" if value is None else str(value)


def table(columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, caption: str | None = None,
          css_class: str = "data") -> Table:
    """An HTML table; cells are already-formatted strings (use helpers.core.formatting) or Html.
    The result also carries the cells as data (``.frame``)."""
    rows = [tuple(r) for r in rows]
    head = "".join(f'<th class="{c.align}">{esc(c.title)}</th>' for c in columns)
    body = []
    for row in rows:
        cells = []
        for c, v in zip(columns, row, strict=True):
            content = str(v) if isinstance(v, markupsafe.Markup) else esc(v)
            cells.append(f'<td class="{c.align}">{content}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    out = Table(f'<table class="{esc(css_class)}">{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(body)}</tbody></table>")
    out.columns = tuple(c.title for c in columns)
    out.rows = tuple(tuple(_cell_text(v) for v in r) for r in rows)
    return out


def notice(text: str, kind: str = "info") -> Html:
    """A boxed note ("尚未提供" sections, warnings)."""
    return Html(f'<p class="notice {esc(kind)}">{esc(text)}</p>')


def paragraph(text: str, css_class: str = "") -> Html:
    """A paragraph of escaped text, with an optional CSS class."""
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return Html(f"<p{cls}>{esc(text)}</p>")


def definition_list(items: Iterable[tuple[str, Any]]) -> Html:
    """A ``<dl class="profile">`` of (term, value) pairs; values may be text or Html."""
    parts = []
    for k, v in items:
        value = str(v) if isinstance(v, markupsafe.Markup) else esc(v)
        parts.append(f"<dt>{esc(k)}</dt><dd>{value}</dd>")
    return Html(f'<dl class="profile">{"".join(parts)}</dl>')


def join(*fragments: Html | str) -> Html:
    """Fragments one after another; plain strings are escaped."""
    return Html("".join(str(f) if isinstance(f, markupsafe.Markup) else esc(f) for f in fragments))


def section(*fragments: Html | str, frame: Any = None) -> Section:
    """A report section made of fragments, with its data: ``frame`` if given, else the first
    table's (see :class:`Section`)."""
    out = Section(join(*fragments))
    out.data = frame
    out.tables = tuple(f for f in fragments if isinstance(f, Table))
    return out


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(RESOURCES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )


def css() -> str:
    """The report stylesheet (resources/report.css)."""
    return (RESOURCES / CSS).read_text(encoding="utf-8")


def page(title: str, body_html: str, *, kind: str = "report") -> str:
    """The full HTML document around a body."""
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
