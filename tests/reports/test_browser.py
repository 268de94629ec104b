"""The published HTML in Debian's headless chromium: it renders its Chinese text with a real CJK
font (not tofu) and its charts, with no console error and no failed or external request."""

import pytest

from helpers.reports.pdf import CHROMIUM_ARGS, chromium_path

pytestmark = pytest.mark.slow
PAGES = ("2024/family-accident-insurance.html", "2024/association-operations.html",
         "2024/overview.html", "2024/index.html", "index.html")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


def platform_fonts(page, selector):
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_chinese_and_charts(built_project, browser, name, tmp_path):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors, failed, external = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto((built_project / "reports" / name).as_uri(), wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    h1 = page.inner_text("h1")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in h1), h1
    # the glyphs come from a CJK font, not a fallback box
    fonts = platform_fonts(page, "h1")
    cjk = [f for f in fonts if "CJK" in f["familyName"] or "WenQuanYi" in f["familyName"]]
    assert cjk and sum(f["glyphCount"] for f in cjk) >= len([c for c in h1 if c >= "\u4e00"]), fonts
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '中文')")
    # a sane rendered width: a CJK glyph is about 1 em wide (tofu or zero-width glyphs are not)
    ratio = page.evaluate("""() => { const s = document.createElement('span');
        s.style.fontSize = '20px'; s.textContent = '预算绩效报告资金安排'; document.body.append(s);
        const w = s.getBoundingClientRect().width; s.remove(); return w / (20 * 10); }""")
    assert 0.9 < ratio < 1.1, ratio
    images = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth, i.alt])")
    if name.startswith("2024/") and name != "2024/index.html":
        assert images, "a report without its chart"
    for complete, width, alt in images:
        assert complete and width > 0, alt
    page.screenshot(path=str(tmp_path / "shot.png"), full_page=True)
    assert (tmp_path / "shot.png").stat().st_size > 10_000
    assert not errors and not failed and not external, (errors, failed, external)
    page.close()


def test_index_links_resolve(built_project, browser):
    page = browser.new_page()
    hrefs = {}
    for index in ("index.html", "2024/index.html"):      # the root lists years, a year its reports
        page.goto((built_project / "reports" / index).as_uri())
        hrefs[index] = page.evaluate("[...document.querySelectorAll('a')].map(a => a.href)")
    assert any(h.endswith("reports/2024/index.html") for h in hrefs["index.html"])
    assert any(h.endswith("2024/family-accident-insurance.pdf") for h in hrefs["2024/index.html"])
    for h in hrefs["index.html"] + hrefs["2024/index.html"]:
        path = h.removeprefix("file://").partition("#")[0]
        assert __import__("pathlib").Path(path).exists(), h
    page.close()
