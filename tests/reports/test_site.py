"""The published site as a reader gets it: every .html under reports/ (found by walking the folder
of the shared seed build) in headless Debian chromium on a desktop (1280×900) and on a phone
(390×844, mobile emulation): no console error, no failed or external request, nothing wider than
the screen, breadcrumbs, <html lang="zh-CN">, no serious or critical axe-core violation; an offline
link checker over every href and src; the first screen on a phone; page numbers in the PDFs.

Each check walks every page and fails once with the full list of pages and reasons, so one run
says everything that is left to fix."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from helpers.reports.pdf import CHROMIUM_ARGS, chromium_path

pytestmark = pytest.mark.slow

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
}
BREADCRUMBS = "nav.breadcrumbs, [aria-label*='导航']"
# The outermost elements whose right edge is past the viewport: what makes a page too wide.
OVERFLOWING = """(width) => {
  const past = e => e.getBoundingClientRect().right > width + 0.5;
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (typeof e.className === 'string' && e.className.trim()
       ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  return [...document.querySelectorAll('body *')]
    .filter(e => past(e) && !(e.parentElement && e.parentElement !== document.body && past(e.parentElement)))
    .slice(0, 10).map(e => `${name(e)} (right edge ${Math.round(e.getBoundingClientRect().right)}px)`);
}"""
# What a reader sees first on a phone: the root index, a year index, a project report, the audit.
FIRST_SCREENS = ("index.html", "2024/index.html", "2024/family-accident-insurance.html",
                 "2024/audit.html")


def site_pages(root: Path) -> list[str]:
    """Every published page, relative to reports/, found by walking the folder."""
    reports = root / "reports"
    pages = sorted(p.relative_to(reports).as_posix() for p in reports.rglob("*.html"))
    assert pages, f"no .html under {reports}"
    return pages


def problems_message(what: str, problems: dict[str, list[str]]) -> str:
    lines = [f"{what}: {sum(map(len, problems.values()))} problem(s) on {len(problems)} page(s)"]
    for page, items in problems.items():
        lines.append(f"  {page}")
        lines.extend(f"    - {item}" for item in items)
    return "\n".join(lines)


# --------------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser(built_project):
    # After the build: the build prints its PDFs with Playwright's sync API in this process,
    # which refuses to start while another sync Playwright is running in the same thread.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(context, path: Path, record: dict):
    """A page of ``context`` at ``path``, loaded, its fonts ready; console errors, uncaught
    exceptions, failed requests and requests off the local disk go into ``record``."""
    page = context.new_page()
    record.update(errors=[], failed=[], external=[])
    page.on("console", lambda m: record["errors"].append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: record["errors"].append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: record["failed"].append(f"{r.url} ({r.failure})"))
    page.on("request", lambda r: record["external"].append(r.url)
            if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri(), wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    return page


@pytest.fixture(scope="module")
def visits(built_project, browser) -> dict[str, dict[str, dict]]:
    """``visits[device][page]``: what every published page did and showed at each viewport, and
    its axe-core violations. Every page is loaded once per viewport; the tests read this."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    reports = built_project / "reports"
    out: dict[str, dict[str, dict]] = {}
    for device, options in VIEWPORTS.items():
        context = browser.new_context(**options)
        out[device] = {}
        for name in site_pages(built_project):
            record: dict = {}
            page = open_page(context, reports / name, record)
            width = options["viewport"]["width"]
            record.update(page.evaluate("""() => ({
                scrollWidth: document.documentElement.scrollWidth,
                innerWidth: window.innerWidth,
                lang: document.documentElement.getAttribute('lang')})"""))
            record["breadcrumbs"] = page.locator(BREADCRUMBS).count()
            record["overflowing"] = page.evaluate(OVERFLOWING, width)
            # what the page itself did, before axe-core is injected into it
            seen = {key: list(record[key]) for key in ("errors", "failed", "external")}
            record["violations"] = axe.run(page).response["violations"]
            out[device][name] = {**record, **seen}
            page.close()
        context.close()
    return out


def test_page_checks_catch_errors(browser, tmp_path):
    """The recording itself: a console error, an uncaught exception, a missing file, an outside
    request and a page too wide for a phone are all seen."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html lang="zh-CN"><head><meta name="viewport" '
                   'content="width=device-width, initial-scale=1"></head><body>'
                   '<div class="wide" style="width:600px">宽</div><img src="missing.png" alt="x">'
                   '<img src="https://example.invalid/a.png" alt="y">'
                   "<script>console.error('boom'); null.x;</script></body></html>", encoding="utf-8")
    context = browser.new_context(**VIEWPORTS["phone"])
    record: dict = {}
    page = open_page(context, bad, record)
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    overflowing = page.evaluate(OVERFLOWING, 390)
    context.close()
    assert any("boom" in e for e in record["errors"]), record
    assert any(e.startswith("uncaught") for e in record["errors"]), record
    assert any(u.endswith("missing.png (net::ERR_FILE_NOT_FOUND)") for u in record["failed"]), record
    assert record["external"] == ["https://example.invalid/a.png"], record
    assert max(widths) >= 600 and overflowing and overflowing[0].startswith("div.wide"), (widths, overflowing)


# ------------------------------------------------------------------- 1. every page, both widths


@pytest.mark.parametrize("device", VIEWPORTS)
def test_no_console_errors(visits, device):
    problems = {name: v["errors"] for name, v in visits[device].items() if v["errors"]}
    assert not problems, problems_message(f"console errors ({device})", problems)


@pytest.mark.parametrize("device", VIEWPORTS)
def test_no_failed_or_external_requests(visits, device):
    problems = {name: [f"failed request: {u}" for u in v["failed"]]
                + [f"request off the local disk: {u}" for u in v["external"]]
                for name, v in visits[device].items() if v["failed"] or v["external"]}
    assert not problems, problems_message(f"requests ({device})", problems)


@pytest.mark.parametrize("device", VIEWPORTS)
def test_no_page_wider_than_the_viewport(visits, device):
    # On a phone (is_mobile) chromium widens the layout viewport to fit content that is too wide
    # and zooms out, so window.innerWidth grows with the page: it must also still be the phone's.
    width = VIEWPORTS[device]["viewport"]["width"]
    problems = {}
    for name, v in visits[device].items():
        if v["scrollWidth"] > v["innerWidth"] or v["innerWidth"] > width:
            problems[name] = [f"scrollWidth {v['scrollWidth']}px, innerWidth {v['innerWidth']}px, "
                              f"viewport {width}px"]
            problems[name] += [f"wider than the screen: {e}" for e in v["overflowing"]]
    assert not problems, problems_message(f"pages wider than {width}px ({device})", problems)


@pytest.mark.parametrize("device", VIEWPORTS)
def test_breadcrumbs_and_lang(visits, device):
    problems = {}
    for name, v in visits[device].items():
        items = []
        if not v["breadcrumbs"]:
            items.append(f"no breadcrumbs (nothing matches {BREADCRUMBS!r})")
        if v["lang"] != "zh-CN":
            items.append(f'<html lang="{v["lang"]}">, not "zh-CN"')
        if items:
            problems[name] = items
    assert not problems, problems_message(f"breadcrumbs / lang ({device})", problems)


# ------------------------------------------------------------------------------- 2. axe-core


def serious_violations(violations: list[dict]) -> list[str]:
    """The axe-core violations of impact serious or critical: rule, what it asks, the nodes."""
    items = []
    for rule in violations:
        if rule.get("impact") not in ("serious", "critical"):
            continue
        nodes = "; ".join(f"{' '.join(map(str, n.get('target', [])))} {n.get('html', '')[:120]!r}"
                          for n in rule["nodes"][:8])
        more = f" (+{len(rule['nodes']) - 8} more)" if len(rule["nodes"]) > 8 else ""
        items.append(f"{rule['id']} [{rule['impact']}] {rule['help']}: "
                     f"{len(rule['nodes'])} node(s): {nodes}{more}")
    return items


@pytest.mark.parametrize("device", VIEWPORTS)
def test_no_serious_accessibility_violations(visits, device):
    problems = {name: serious_violations(v["violations"]) for name, v in visits[device].items()}
    problems = {name: items for name, items in problems.items() if items}
    assert not problems, problems_message(f"axe-core serious/critical violations ({device})", problems)


def test_axe_check_catches_violations(browser, tmp_path):
    """The axe-core plumbing itself: a page with no lang and an image without alt fails."""
    from axe_playwright_python.sync_playwright import Axe

    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><title>t</title></head><body><main>'
                   '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="40" height="40">'
                   "</main></body></html>", encoding="utf-8")
    page = browser.new_page()
    page.goto(bad.as_uri())
    items = serious_violations(Axe().run(page).response["violations"])
    page.close()
    assert any(i.startswith("html-has-lang [serious]") for i in items), items
    assert any(i.startswith("image-alt [critical]") for i in items), items


# ---------------------------------------------------------------------------- 3. link checker


class _Links(HTMLParser):
    """The ids and the href/src/srcset values of one HTML file."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []      # (tag, attribute, value)

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if value is None:
                continue
            if key == "id":
                self.ids.add(value)
            elif key in ("href", "src"):
                self.links.append((tag, key, value))
            elif key == "srcset":
                for candidate in value.split(","):
                    if candidate.strip():
                        self.links.append((tag, key, candidate.split()[0]))

    handle_startendtag = handle_starttag


def parse_html(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def check_link(reports: Path, page: Path, value: str, parsed: dict[Path, _Links]) -> str | None:
    """Why the link ``value`` in ``page`` does not resolve inside the site, or None."""
    value = value.strip()
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return None
    if scheme in ("http", "https") or value.startswith("//"):
        return "external link (the site must be self-contained)"
    if scheme:
        return f"a {scheme}: link, not a relative link to a file of the site"
    if parts.path.startswith("/"):
        return "absolute path (breaks when the folder is opened or published elsewhere)"
    target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    try:
        target.relative_to(reports.resolve())
    except ValueError:
        return f"points outside reports/ ({target})"
    if not target.is_file():
        return f"no such file: {target.relative_to(reports.resolve()).as_posix()}"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html":
        if target not in parsed:
            parsed[target] = parse_html(target)
        if fragment not in parsed[target].ids:
            return f"no id={fragment!r} in {target.relative_to(reports.resolve()).as_posix()}"
    return None


def test_every_link_resolves_offline(built_project):
    reports = built_project / "reports"
    parsed: dict[Path, _Links] = {}
    problems, checked = {}, 0
    for name in site_pages(built_project):
        page = (reports / name).resolve()
        parsed.setdefault(page, parse_html(page))
        items = []
        for tag, attr, value in parsed[page].links:
            checked += 1
            why = check_link(reports, page, value, parsed)
            if why:
                items.append(f"<{tag} {attr}={value[:100]!r}>: {why}")
        if items:
            problems[name] = items
    assert checked, "no links at all"
    assert not problems, problems_message("broken links", problems)


def test_link_checker_catches_bad_links(tmp_path):
    """The checker itself: it reports what it should and accepts what it should."""
    reports = tmp_path / "reports"
    (reports / "2024").mkdir(parents=True)
    (reports / "2024/a.html").write_text('<p id="x">', encoding="utf-8")
    (reports / "2024/b.pdf").write_bytes(b"%PDF")
    page = (reports / "2024/a.html").resolve()
    ok = ("b.pdf", "a.html#x", "#x", "../2024/b.pdf", "data:image/png;base64,AAAA", "")
    bad = ("c.pdf", "a.html#y", "#y", "https://example.org/", "http://x", "//cdn.example.org/a.js",
           "/2024/b.pdf", "../../outside.html", "file:///etc/passwd", "javascript:void(0)", ".")
    assert [v for v in ok if check_link(reports, page, v, {})] == []
    assert [v for v in bad if check_link(reports, page, v, {}) is None] == []


# ------------------------------------------------------------ 4. the first screen on a phone


def test_first_screen_on_a_phone(built_project, browser, tmp_path):
    from PIL import Image, ImageStat

    context = browser.new_context(**VIEWPORTS["phone"])
    problems = {}
    for name in FIRST_SCREENS:
        record: dict = {}
        page = open_page(context, built_project / "reports" / name, record)
        shot = tmp_path / (name.replace("/", "_").removesuffix(".html") + ".png")
        page.screenshot(path=str(shot))                  # the viewport only: the first screen
        title = page.locator("h1").first.bounding_box() if page.locator("h1").count() else None
        page.close()
        items = []
        assert shot.is_file() and shot.stat().st_size > 0, shot
        with Image.open(shot) as img:
            if img.size != (390 * 2, 844 * 2):
                items.append(f"screenshot is {img.size}, not 780×1688")
            if ImageStat.Stat(img.convert("L")).stddev[0] < 10:
                items.append("the first screen is blank")
        if title is None or title["y"] + title["height"] > 844 or title["width"] <= 0:
            items.append(f"the page's <h1> is not on the first screen ({title})")
        if items:
            problems[name] = items
    context.close()
    print(f"first screens saved in {tmp_path}")
    assert not problems, problems_message("first screen on a 390px phone", problems)


# --------------------------------------------------------------------------- 5. PDF page numbers


def pdftotext(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", "-layout", *args, str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.mark.parametrize("name", ("family-accident-insurance", "association-operations"))
def test_pdf_pages_are_numbered(built_project, name):
    pdf = built_project / "reports/2024" / f"{name}.pdf"
    text = pdftotext(pdf)
    numbered = re.search(r"第\s*1\s*页", text) is not None
    page_one = text.split("\f")[0]
    assert numbered, f"no 第 1 页 in {pdf.name} ({pdf_pages(pdf)} pages); page 1 ends {page_one[-200:]!r}"


@pytest.mark.parametrize("name", ("family-accident-insurance", "association-operations"))
def test_every_pdf_page_says_which_of_how_many(built_project, name):
    pdf = built_project / "reports/2024" / f"{name}.pdf"
    total = pdf_pages(pdf)
    missing = [i for i in range(1, total + 1)
               if not re.search(rf"第\s*{i}\s*页\s*/?\s*共\s*{total}\s*页",
                                pdftotext(pdf, "-f", str(i), "-l", str(i)))]
    assert not missing, f"{pdf.name}: pages {missing} of {total} lack 第 N 页 / 共 {total} 页"
