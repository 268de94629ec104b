import io
import warnings
from pathlib import Path

import pytest
from PIL import Image

from helpers.reports import charts


def test_a_cjk_font_file_is_installed():
    font = charts.find_cjk_font()
    assert font.is_file()
    assert any(h in font.name.lower().replace("-", "") for h in charts.FONT_NAME_HINTS)


def test_missing_cjk_font_is_a_clear_error(monkeypatch):
    from matplotlib import font_manager

    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: ["/x/DejaVuSans.ttf"])
    with pytest.raises(charts.FontNotFoundError, match="no CJK font"):
        charts.find_cjk_font(candidates=("/nonexistent/font.ttc",))


def test_style_uses_the_cjk_font():
    name = charts.use_style()
    from matplotlib import rcParams

    assert rcParams["font.sans-serif"][0] == name
    assert "WenQuanYi" in name or "CJK" in name


def chart():
    return charts.amounts_bar(["计划补助（失独家庭）", "预计补助"], [128000, 22200],
                              title="资金安排（万元）", caption="图1 资金安排")


def test_chart_draws_chinese_without_missing_glyphs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # matplotlib warns "Glyph … missing from font"
        c = chart()
        png = c.png                              # text is laid out (and glyphs looked up) when drawn
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    assert img.size[0] >= 1000                   # 7 in at 200 dpi: readable at print size
    assert "Software" not in img.info


def test_same_data_gives_identical_png():
    assert chart().png == chart().png


def test_chart_html_embeds_image_with_caption():
    h = chart().to_html()
    assert h.startswith('<figure class="chart"><img src="data:image/png;base64,')
    assert "<figcaption>图1 资金安排</figcaption>" in h


def test_labels_and_amounts_must_match():
    with pytest.raises(ValueError):
        charts.amounts_bar(["a"], [1, 2], title="t", caption="c")


def test_font_candidates_are_debian_packages_paths():
    # the set-up script installs exactly these packages
    script = (Path(__file__).parents[2] / "scripts" / "ensure-system-deps.sh").read_text()
    assert "fonts-wqy-microhei" in script and "fonts-noto-cjk" in script


def test_chart_holds_a_figure_that_can_be_tweaked_and_saved(tmp_path):
    from matplotlib.figure import Figure

    c = chart()
    assert isinstance(c.figure, Figure)
    before = c.png
    c.figure.axes[0].set_title("改过的标题")          # an analyst's tweak shows in what is rendered
    assert c.png != before
    out = c.save(tmp_path / "chart.svg")
    assert out.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_charts_leave_pyplot_alone():
    """Report charts are not pyplot figures: nothing for an inline backend to show twice, nothing
    left open in an analyst's session."""
    import matplotlib.pyplot as plt

    open_before = plt.get_fignums()
    chart()
    charts.score_bars(["产出"], [8], [10], title="t", caption="c")
    assert plt.get_fignums() == open_before


def test_report_charts_leave_the_backend_and_global_style_alone():
    """In an analyst's kernel: a report chart changes neither the backend nor rcParams; the public
    use_cjk_font() sets only the font (a fresh interpreter, so nothing else has set it)."""
    import subprocess
    import sys

    code = (
        "import matplotlib; matplotlib.use('svg')\n"
        "from matplotlib import rcParams\n"
        "size, grid = rcParams['font.size'], rcParams['axes.grid']\n"
        "from helpers.reports import charts\n"
        "charts.amounts_bar(['预计补助'], [128000], title='t', caption='c').png\n"
        "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend()\n"
        "assert (rcParams['font.size'], rcParams['axes.grid']) == (size, grid)\n"
        "name = charts.use_cjk_font()\n"
        "assert rcParams['font.sans-serif'][0] == name and matplotlib.get_backend() == 'svg'\n"
        "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
