"""The one chart style: matplotlib with a CJK font from the system packages that
``scripts/ensure-system-deps.sh`` installs (fonts-wqy-microhei, fonts-noto-cjk) — never
downloaded at run time. A missing CJK font is an error, not a chart of empty boxes.

A ``Chart`` holds its matplotlib ``Figure`` (made without pyplot, so it never shows twice in a
notebook and can be tweaked before it is shown: ``chart.figure.axes[0].set_title(...)``) and a
caption. It shows itself as an HTML ``<figure>`` with the PNG embedded (base64): 200 dpi,
metadata stripped, so the same data gives the same bytes."""

from __future__ import annotations

import base64
import functools
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.core.errors import HelpersError
from helpers.core.formatting import Number, fmt_wan, yuan_to_wan

# Preferred font files (Debian paths), then any installed font whose name says CJK / WenQuanYi.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
FONT_NAME_HINTS = ("wqy", "wenquanyi", "notosanscjk", "notoserifcjk", "sourcehan")
DPI = 200
PALETTE = ("#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646")


class FontNotFoundError(HelpersError):
    """Raised when no CJK font is installed for charts (run `make setup`)."""


@dataclass(frozen=True)
class Chart:
    """A report chart: the matplotlib figure, its caption and its alternative text."""

    figure: Any
    caption: str
    alt: str

    @property
    def png(self) -> bytes:
        """The figure as PNG bytes (200 dpi, no metadata: the same figure gives the same bytes)."""
        import matplotlib

        buf = io.BytesIO()
        with matplotlib.rc_context(report_rc()):
            self.figure.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
        return buf.getvalue()

    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    def to_html(self) -> str:
        """The ``<figure>`` element: the embedded image and its caption."""
        return (f'<figure class="chart"><img src="{self.data_uri()}" alt="{html.escape(self.alt)}">'
                f"<figcaption>{html.escape(self.caption)}</figcaption></figure>")

    def _repr_html_(self) -> str:
        return self.to_html()

    def save(self, path: Path | str, **kwargs: Any) -> Path:
        """Save the figure to ``path`` (any format matplotlib writes, chosen by the suffix)."""
        kwargs.setdefault("dpi", DPI)
        kwargs.setdefault("bbox_inches", "tight")
        self.figure.savefig(path, **kwargs)
        return Path(path)


def find_cjk_font(candidates: Sequence[str] = FONT_CANDIDATES) -> Path:
    """Path of an installed CJK font file; FontNotFoundError when there is none."""
    for c in candidates:
        if Path(c).is_file():
            return Path(c)
    from matplotlib import font_manager

    for f in sorted(font_manager.findSystemFonts()):
        if any(h in Path(f).name.lower().replace("-", "") for h in FONT_NAME_HINTS):
            return Path(f)
    raise FontNotFoundError(
        "no CJK font found for charts (looked for WenQuanYi Micro Hei / Noto Sans CJK); "
        "run `make setup` or `bash scripts/ensure-system-deps.sh`", path="/usr/share/fonts")


@functools.lru_cache(maxsize=1)
def _register_font() -> str:
    from matplotlib import font_manager

    font = find_cjk_font()
    font_manager.fontManager.addfont(str(font))
    return font_manager.FontProperties(fname=str(font)).get_name()


def use_cjk_font() -> str:
    """Make matplotlib draw Chinese: register the installed CJK font and put it first in
    ``font.sans-serif`` (with ``axes.unicode_minus`` off, as CJK fonts lack U+2212). The backend is
    left alone, so an analyst's inline or interactive plots keep working. Returns the font name."""
    from matplotlib import rcParams

    name = _register_font()
    families = [f for f in rcParams["font.sans-serif"] if f != name]
    rcParams["font.sans-serif"] = [name, *families]
    rcParams["font.family"] = "sans-serif"
    rcParams["axes.unicode_minus"] = False
    return name


def report_rc() -> dict:
    """The report chart style (print-size text, light grid), applied only while a report chart is
    drawn and rendered (``matplotlib.rc_context``): nothing global changes in a live kernel."""
    name = _register_font()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [name, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "font.size": 11,
        "axes.titlesize": 13,
        "axes.labelsize": 11,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#dddddd",
        "grid.linewidth": 0.6,
        "axes.axisbelow": True,
        "figure.dpi": 100,
        "savefig.dpi": DPI,
        "svg.hashsalt": "budget-reports",
    }


def use_style() -> str:
    """The CJK font for matplotlib (see :func:`use_cjk_font`); kept for callers of earlier versions."""
    return use_cjk_font()


def _report_style():
    import matplotlib

    return matplotlib.rc_context(report_rc())


def _figure(width: float, height: float):
    """A new figure outside pyplot (no backend, no global figure list)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def _wrap(label: str, width: int = 10) -> str:
    return "\n".join(label[i:i + width] for i in range(0, len(label), width)) or "—"


def amounts_bar(labels: Sequence[str], amounts_yuan: Sequence[Number], *, title: str,
                caption: str, doubtful: Sequence[bool] | None = None) -> Chart:
    """Horizontal bars of money amounts (元), axis and labels in 万元 per domain.md §4. A bar
    marked in ``doubtful`` (a figure the audit puts in doubt) is drawn hatched in grey, its
    value label says 存疑."""
    if len(labels) != len(amounts_yuan) or (doubtful is not None and len(doubtful) != len(labels)):
        raise ValueError("labels, amounts and doubtful marks differ in length")
    with _report_style():
        return _amounts_bar(labels, amounts_yuan, title, caption, doubtful or [False] * len(labels))


DOUBTFUL_COLOR = "#b8b8b8"


def _amounts_bar(labels, amounts_yuan, title: str, caption: str, doubtful: Sequence[bool]) -> Chart:
    n = max(len(labels), 1)
    fig, ax = _figure(7.0, 1.2 + 0.55 * n)
    wan = [float(yuan_to_wan(a)) for a in amounts_yuan]
    ys = list(range(len(labels)))[::-1]
    colors = [DOUBTFUL_COLOR if d else PALETTE[i % len(PALETTE)] for i, d in enumerate(doubtful)]
    bars = ax.barh(ys, wan, color=colors, height=0.6)
    for bar, d in zip(bars, doubtful, strict=True):
        if d:
            bar.set_hatch("//")
            bar.set_edgecolor("#6b6b6b")
    ax.set_yticks(ys, [_wrap(lbl) for lbl in labels])
    ax.set_xlabel("金额（万元）")
    ax.set_title(title)
    ax.grid(axis="y", visible=False)
    top = max(wan, default=0) or 1
    ax.set_xlim(0, top * (1.45 if any(doubtful) else 1.25))
    for y, a, d in zip(ys, amounts_yuan, doubtful, strict=True):
        ax.text(float(yuan_to_wan(a)) + top * 0.01, y, fmt_wan(a) + ("（存疑）" if d else ""),
                va="center", fontsize=10)
    return Chart(fig, caption, title)


def score_bars(labels: Sequence[str], scores: Sequence[Number], points: Sequence[Number], *,
               title: str, caption: str) -> Chart:
    """Horizontal bars per indicator: the score (得分) drawn over its points (分值)."""
    if not (len(labels) == len(scores) == len(points)):
        raise ValueError("labels, scores and points differ in length")
    with _report_style():
        return _score_bars(labels, scores, points, title, caption)


def _score_bars(labels, scores, points, title: str, caption: str) -> Chart:
    n = max(len(labels), 1)
    fig, ax = _figure(7.0, 1.4 + 0.45 * n)
    ys = list(range(len(labels)))[::-1]
    pts = [float(p) for p in points]
    got = [float(s) for s in scores]
    ax.barh(ys, pts, color="#dde6f0", height=0.7, label="分值")
    ax.barh(ys, got, color=PALETTE[0], height=0.4, label="得分")
    ax.set_yticks(ys, [_wrap(lbl, 12) for lbl in labels])
    ax.set_xlabel("分")
    ax.set_title(title)
    ax.grid(axis="y", visible=False)
    top = max(pts, default=0) or 1
    ax.set_xlim(0, top * 1.3)
    for y, s, p in zip(ys, scores, points, strict=True):
        ax.text(max(float(p), float(s)) + top * 0.01, y, f"{s}/{p}", va="center", fontsize=9)
    ax.legend(loc="lower right", fontsize=9)
    return Chart(fig, caption, title)
