"""HTML: report fragments (tables, notices) shown from notebooks, and the executed notebook
turned into one self-contained page (no code cells, no prompts, images embedded, inline CSS,
``lang="zh-CN"``, no external URL) through the Jinja template in resources/.

Every page (reports, indexes, audit pages) is made by :func:`page`: one template, mobile-first
CSS, every table in its own horizontally scrolling box, and optional navigation (:class:`Nav`:
breadcrumbs, the report's downloadable files, the previous and next report), all relative links."""

from __future__ import annotations

import copy
import functools
import re
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


# A left-aligned column whose longest cell has more characters than this is a text column (a
# quote, an explanation): it is marked "wide" and keeps a readable width.
WIDE_TEXT = 24
# A table with a text column and at least this many columns is laid out as one card per row on a
# phone (each cell labelled with its column title, ``data-label``, which the stylesheet looks for),
# rather than scrolling sideways with its text out of sight.
REFLOW_COLUMNS = 4


def table(columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, caption: str | None = None,
          css_class: str = "data") -> Table:
    """An HTML table; cells are already-formatted strings (use helpers.core.formatting) or Html.
    Column headers are ``<th scope="col">``; long text columns get the class ``wide``, and the
    cells of a table with one and at least ``REFLOW_COLUMNS`` columns their column's title
    (``data-label``: one card per row on a phone).
    The result also carries the cells as data (``.frame``)."""
    rows = [tuple(r) for r in rows]
    texts = [tuple(_cell_text(v) for v in r) for r in rows]
    classes = [c.align + (" wide" if c.align == "left" and any(len(t[i]) > WIDE_TEXT for t in texts) else "")
               for i, c in enumerate(columns)]
    reflow = len(columns) >= REFLOW_COLUMNS and any(cls.endswith(" wide") for cls in classes)
    head = "".join(f'<th class="{cls}" scope="col">{esc(c.title)}</th>'
                   for c, cls in zip(columns, classes, strict=True))
    labels = [f' data-label="{esc(c.title)}"' if reflow else "" for c in columns]
    body = []
    for row in rows:
        cells = []
        for cls, label, v in zip(classes, labels, row, strict=True):
            content = str(v) if isinstance(v, markupsafe.Markup) else esc(v)
            cells.append(f'<td class="{cls}"{label}>{content}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    out = Table(f'<table class="{esc(css_class)}">{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(body)}</tbody></table>")
    out.columns = tuple(c.title for c in columns)
    out.rows = tuple(texts)
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


@dataclass(frozen=True)
class Link:
    """A relative link: its target (``href``, relative to the page) and its text."""

    href: str
    text: str


@dataclass(frozen=True)
class Nav:
    """A page's navigation, known when it is built: the breadcrumb trail (the last item is the
    page itself and has no link), the files of the report (PDF, XLSX beside it) and the previous
    and next report of the year. Every href is relative, so the site works from its files."""

    crumbs: tuple[Link | str, ...] = ()
    files: tuple[Link, ...] = ()
    prev: Link | None = None
    next: Link | None = None

    def with_files(self, files: Iterable[Link]) -> Nav:
        """The same navigation with ``files`` as the report's downloadable files."""
        return Nav(self.crumbs, tuple(files), self.prev, self.next)


def breadcrumbs(*trail: Link | str) -> Nav:
    """A :class:`Nav` with only a breadcrumb trail: links, then the current page's name."""
    return Nav(crumbs=tuple(trail))


_TABLE_OPEN = re.compile(r"<table\b")
_TABLE_CLOSE = re.compile(r"</table\s*>")
SCROLL_BOX = '<div class="table-scroll" tabindex="0">'


def scroll_tables(body_html: str) -> str:
    """Every ``<table>`` of ``body_html`` in its own horizontally scrolling box, so a wide table
    never widens the page on a phone (the box can be focused and scrolled with the keyboard)."""
    return _TABLE_CLOSE.sub("</table></div>", _TABLE_OPEN.sub(SCROLL_BOX + "<table", body_html))


def page(title: str, body_html: str, *, kind: str = "report", nav: Nav | None = None,
         script: str | None = None) -> str:
    """The full HTML document around a body: every table in a scrolling box, the navigation
    (breadcrumbs and the report's files above the body, previous and next report below) when
    ``nav`` is given, and an inline ``script`` at the end of the body when given (indexes only;
    the page must work without it). Without ``nav`` and ``script`` the page has neither."""
    tpl = _environment().get_template(TEMPLATE)
    return tpl.render(title=title, css=markupsafe.Markup(css()),
                      body=markupsafe.Markup(scroll_tables(str(body_html))), kind=kind, nav=nav,
                      script=markupsafe.Markup(script) if script else None)


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


@functools.lru_cache(maxsize=1)
def _exporter():
    """The nbconvert HTML exporter, built once per process (its Jinja templates compiled once):
    each conversion starts from fresh resources, so reusing it gives the same bytes."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, exclude_anchor_links=True)


def notebook_body(nb) -> str:
    """The executed notebook as an HTML body fragment: outputs and markdown, no code."""
    body, _ = _exporter().from_notebook_node(_clean(nb))
    return body


def notebook_title(nb, default: str) -> str:
    """The first markdown heading's text, or the report's metadata title."""
    title = nb.metadata.get("budget_reports", {}).get("title")
    return str(title) if title else default


def notebook_to_html(nb_or_path, title: str, nav: Nav | None = None) -> str:
    """A self-contained HTML page from an executed notebook (node or path), with the report's
    navigation (breadcrumbs, files, previous/next report) when ``nav`` is given."""
    import nbformat

    nb = nbformat.read(str(nb_or_path), as_version=4) if isinstance(nb_or_path, str | Path) else nb_or_path
    return page(title, notebook_body(nb), nav=nav)
