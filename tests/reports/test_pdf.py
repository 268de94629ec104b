"""The PDFs of the shared seed build: A4, a real CJK font embedded, pages that render."""

import re
import subprocess

import pytest
from PIL import Image, ImageStat

pytestmark = pytest.mark.slow
NAMES = ("family-accident-insurance", "association-operations", "overview")


def pdffonts(path):
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[2:]


@pytest.mark.parametrize("name", NAMES)
def test_cjk_font_is_embedded(built_project, name):
    rows = pdffonts(built_project / "reports/2024" / f"{name}.pdf")
    cjk = [r for r in rows if "WenQuanYi" in r or "CJK" in r]
    assert cjk, rows
    for r in cjk:
        cols = r.split()
        assert cols[-5] == "yes", r            # emb
        assert cols[-3] == "yes", r            # uni: text maps back to Unicode


@pytest.mark.parametrize("name", NAMES)
def test_page_size_is_a4(built_project, name):
    info = subprocess.run(["pdfinfo", str(built_project / "reports/2024" / f"{name}.pdf")],
                          capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info


def test_first_page_renders_with_text_and_chart(built_project, tmp_path):
    pdf = built_project / "reports/2024/family-accident-insurance.pdf"
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    img = Image.open(pages[0]).convert("L")
    assert abs(img.size[0] / img.size[1] - 210 / 297) < 0.01
    assert ImageStat.Stat(img).stddev[0] > 10          # not a blank page
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "计划生育家庭意外伤害保险专项资金项目绩效报告" in text
    # page 1 carries the headline figures: 参保人数 59,039人 and 计划补助金额合计 15.02万元
    # (12.80万 + 2.22万, worked by hand in test_indicators)
    assert "59,039人" in text and "15.02万元" in text


def test_same_html_gives_same_pdf(built_project, tmp_path):
    from helpers.reports.pdf import PdfPrinter

    html = built_project / "reports/2024/overview.html"
    with PdfPrinter() as printer:
        printer.print(html, tmp_path / "a.pdf")
        printer.print(html, tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def _xref_is_consistent(data: bytes) -> bool:
    """startxref points at the xref table and every in-use entry at its ``N 0 obj``."""
    import re

    start = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    if not data[start:].startswith(b"xref"):
        return False
    m = re.match(rb"xref\s+(\d+)\s+(\d+)\s+", data[start:])
    first, count = int(m.group(1)), int(m.group(2))
    pos = start + m.end()
    for i in range(count):
        offset, _, kind = data[pos + 20 * i: pos + 20 * i + 18].split()
        if kind == b"n" and not re.match(rb"%d\s+0\s+obj" % (first + i), data[int(offset):]):
            return False
    return True


def test_normalise_keeps_the_length_and_the_pdf_parses(built_project, tmp_path):
    from helpers.reports.pdf import PdfPrinter, normalise

    with PdfPrinter() as printer:
        raw = printer.render(built_project / "reports/2024/overview.html")
    assert b"/CreationDate (D:19700101" not in raw                 # chromium stamps a real date
    # a longer and a shorter date than the fixed one: lengths stay, the xref stays right
    for stamp in (b"(D:20240501093000+08'00'  )", b"(D:2024050109)"):
        variant = re.sub(rb"/CreationDate \(D:[^)]*\)", b"/CreationDate " + stamp, raw)
        fixed = normalise(variant)
        assert len(fixed) == len(variant) and b"/CreationDate (D:1970" in fixed
    fixed = normalise(raw)
    assert len(fixed) == len(raw) and _xref_is_consistent(fixed)
    path = tmp_path / "n.pdf"
    path.write_bytes(fixed)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
    assert info.returncode == 0 and not info.stderr, info.stderr
    assert "1970" in info.stdout                                     # CreationDate read back
    assert _xref_is_consistent((built_project / "reports/2024/overview.pdf").read_bytes())


def test_running_header_and_page_numbers_on_every_page(built_project):
    pdf = built_project / "reports/2024/family-accident-insurance.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert total >= 2
    for i in range(1, total + 1):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        title = "计划生育家庭意外伤害保险专项资金项目绩效报告（2024年）"        # the page's <title>
        assert lines[0] == title, (i, lines[:2])
        assert re.fullmatch(rf"第\s*{i}\s*页\s*/\s*共\s*{total}\s*页", lines[-1]), (i, lines[-1])
    # header and footer are printed in WenQuanYi too: every font of the PDF is embedded
    assert all(r.split()[-5] == "yes" for r in pdffonts(pdf)), pdffonts(pdf)


def test_print_hides_the_navigation(built_project):
    pdf = built_project / "reports/2024/family-accident-insurance.pdf"
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "首页" not in text and "下载" not in text


def test_a_pdf_names_no_folder_it_was_printed_from(built_project, tmp_path):
    """The overview links every report: chromium writes those links as absolute file:// URIs
    (the build's temporary folder), so the PDF differed from build to build. Printed from two
    folders, after another page in the same tab or by a new browser, it has the same bytes, and
    its links are relative to where it is published (beside the HTML)."""
    import shutil

    from helpers.reports.pdf import PdfPrinter

    pdfs = []
    for i, first in enumerate((None, "family-accident-insurance")):
        folder = tmp_path / f"printed-{i}" / ("x" * (i * 30))
        folder.mkdir(parents=True)
        shutil.copy(built_project / "reports/2024/overview.html", folder / "overview.html")
        with PdfPrinter() as printer:
            if first:
                printer.render(built_project / f"reports/2024/{first}.html")
            printer.print(folder / "overview.html", folder / "overview.pdf")
        pdfs.append((folder / "overview.pdf").read_bytes())
    assert pdfs[0] == pdfs[1]
    links = re.findall(rb"/URI ?\(([^)]*)\)", pdfs[0])
    assert links and b"file:" not in b"".join(links), links
    assert b"family-accident-insurance.html" in links
    assert pdfs[0] == (built_project / "reports/2024/overview.pdf").read_bytes()
