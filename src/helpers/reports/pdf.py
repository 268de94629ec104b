"""PDF (A4, running header with the report's title, page numbers in the footer) from the
published HTML with one headless Debian chromium (Playwright), reused for every report of a
batch. Fonts come from the system (fonts-wqy-microhei for print, see report.css): chromium embeds
the subset it used, which ``pdffonts`` shows. Nothing is downloaded: the browser is
/usr/bin/chromium."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import threading
from pathlib import Path

from helpers.core import atomic
from helpers.core.errors import BuildError

CHROMIUM = os.environ.get("BUDGET_REPORTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", "--font-render-hinting=none"]


def chromium_path() -> str:
    """The Debian chromium executable; BuildError when it is not installed."""
    exe = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not exe:
        raise BuildError("Debian chromium not found (apt-get install chromium, or `make setup`)",
                         path=CHROMIUM)
    return exe


@contextlib.contextmanager
def _sigint_held():
    """SIGINT blocked inside the block (main thread): a Ctrl-C then waits, pending, and is raised
    as KeyboardInterrupt when the block ends; processes started inside inherit the blocked mask,
    so the browser driver and chromium never see the terminal's Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


# The running header (the report's title, from its <title>) and footer (第 N 页 / 共 M 页), drawn by
# chromium in the page margins that report.css leaves (@page). They are separate little documents:
# they get their own explicit font (WenQuanYi Micro Hei, TrueType, embedded as a named CID font as
# in the body) and size (chromium's default is unreadably small). No date: the PDF stays the same.
_MARGIN_TEXT = ("font-family: 'WenQuanYi Micro Hei', sans-serif; font-size: 8pt; color: #5b6572; "
                "width: 100%; margin: 0 14mm; font-synthesis: none;")
HEADER_TEMPLATE = (f'<div style="{_MARGIN_TEXT} padding-top: 6mm; white-space: nowrap; overflow: hidden; '
                   'text-overflow: ellipsis;"><span class="title"></span></div>')
FOOTER_TEMPLATE = (f'<div style="{_MARGIN_TEXT} padding-bottom: 6mm; text-align: center;">'
                   '第 <span class="pageNumber"></span> 页 / 共 <span class="totalPages"></span> 页</div>')


class PdfPrinter:
    """``with PdfPrinter() as pr: pr.print(html_path, pdf_path)`` — one browser for many pages.

    Every report is printed in the same tab (one browser context, one page, navigated from file to
    file): a new context per report started a renderer process each time and cost three times the
    CPU, for the same bytes (tests/reports/test_pdf.py). A page that fails to print has its tab
    replaced before the next one. Not thread-safe: use it from the thread that opened it."""

    def __init__(self) -> None:
        self._pw = None
        self._browser = None
        self._context = None
        self._page = None

    def __enter__(self) -> PdfPrinter:
        from playwright.sync_api import sync_playwright

        # The browser driver and chromium are started with Ctrl-C held back (see _sigint_held):
        # Ctrl-C is the build's to handle, which then closes them in order.
        with _sigint_held():
            self._pw = sync_playwright().start()
            try:
                self._browser = self._pw.chromium.launch(executable_path=chromium_path(),
                                                         args=CHROMIUM_ARGS, handle_sigint=False)
            except Exception:
                self._pw.stop()
                raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._close_tab()
            if self._browser is not None:
                self._browser.close()
        finally:
            if self._pw is not None:
                self._pw.stop()

    def _tab(self):
        """The one page every report is printed in (opened on first use): local files only."""
        if self._page is None:
            self._context = self._browser.new_context()
            self._page = self._context.new_page()
            self._page.route("**/*", lambda route: route.continue_()
                             if route.request.url.startswith(("file:", "data:")) else route.abort())
        return self._page

    def _close_tab(self) -> None:
        context, self._context, self._page = self._context, None, None
        if context is not None:
            with contextlib.suppress(Exception):
                context.close()

    def render(self, html_path: Path | str) -> bytes:
        """PDF bytes of one local HTML file (A4, backgrounds printed, the page's title as a running
        header, 第 N 页 / 共 M 页 in the footer). External requests are blocked: the page must be
        self-contained."""
        assert self._browser is not None, "use PdfPrinter as a context manager"
        try:
            page = self._tab()
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                           tagged=False, outline=False, display_header_footer=True,
                           header_template=HEADER_TEMPLATE, footer_template=FOOTER_TEMPLATE)
            return relative_links(pdf, Path(html_path).resolve().parent)
        except BaseException:
            self._close_tab()          # the next report starts from a new tab
            raise

    def print(self, html_path: Path | str, pdf_path: Path | str) -> Path:
        """Write the PDF of ``html_path`` to ``pdf_path`` atomically."""
        return atomic.write_bytes(pdf_path, normalise(self.render(html_path)))


# Fixed dates, longest first: the first that fits replaces chromium's date. "D:1970" is a valid
# PDF date (PDF 32000-1 §7.9.4: everything after the year is optional).
FIXED_DATES = (b"(D:19700101000000+00'00')", b"(D:19700101000000Z)", b"(D:1970)")
_DATE = re.compile(rb"/(CreationDate|ModDate) ?(\(D:[^)]*\))")


def normalise(pdf: bytes) -> bytes:
    """Chromium stamps creation/modification dates into the PDF; replace them with a fixed date so
    the same HTML gives the same bytes (build times are recorded in the manifest instead).

    The byte length never changes, so the cross-reference offsets stay right: the fixed date is
    the longest of ``FIXED_DATES`` that fits, padded with spaces after the string (whitespace
    between dictionary tokens)."""
    def same_length(m: re.Match) -> bytes:
        original = m.group(2)
        for fixed in FIXED_DATES:
            if len(fixed) <= len(original):
                return m.group(0)[: m.start(2) - m.start(0)] + fixed + b" " * (len(original) - len(fixed))
        return m.group(0)          # too short to hold any date: leave it
    out = _DATE.sub(same_length, pdf)
    assert len(out) == len(pdf)
    return out


_FILE_LINK = re.compile(rb"/URI ?\((file://[^()\\]*)\)")
_XREF = re.compile(rb"xref\s+0\s+(\d+)\s+")
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def relative_links(pdf: bytes, base: Path | str) -> bytes:
    """Chromium writes a page's relative links (``href="family-accident-insurance.html"``) as
    absolute ``file://`` URIs into the PDF, so the PDF named the temporary folder it was printed
    from and differed from build to build (the overview, whose table links every report). Each
    ``file://`` link becomes the path relative to ``base`` (the HTML's folder), which is also
    where the PDF is published, so the link works beside it. The cross-reference table is
    rewritten for the new offsets; a PDF whose table is not the one chromium writes (one
    section, at ``startxref``) is returned unchanged."""
    from urllib.parse import quote, unquote, urlsplit

    base = str(base)

    def relative(m: re.Match) -> bytes:
        parts = urlsplit(m.group(1).decode("latin-1"))
        rel = quote(os.path.relpath(unquote(parts.path), base), safe="/")
        return b"/URI (" + (rel + ("#" + parts.fragment if parts.fragment else "")).encode("latin-1") + b")"
    return _substitute(pdf, _FILE_LINK, relative)


def _substitute(pdf: bytes, pattern: re.Pattern, replace) -> bytes:
    """``pattern`` replaced by ``replace(match)`` outside the cross-reference table, whose object
    offsets (and ``startxref``) are moved by what the replacements added or removed before them."""
    tail = _STARTXREF.search(pdf)
    if tail is None:
        return pdf
    xref_at = int(tail.group(1))
    table = _XREF.match(pdf, xref_at)
    if table is None:
        return pdf
    edits = [(m.start(), m.end(), replace(m)) for m in pattern.finditer(pdf, 0, xref_at)]
    if not edits:
        return pdf
    ends, shifts, total = [], [], 0
    chunks, pos = [], 0
    for start, end, new in edits:
        chunks += [pdf[pos:start], new]
        pos = end
        total += len(new) - (end - start)
        ends.append(end)
        shifts.append(total)

    def moved(offset: int) -> int:
        import bisect

        i = bisect.bisect_right(ends, offset)
        return offset + (shifts[i - 1] if i else 0)
    entries = []
    first = table.end()
    for i in range(int(table.group(1))):
        entry = pdf[first + 20 * i: first + 20 * (i + 1)]
        if len(entry) != 20 or entry[17:18] not in (b"n", b"f"):
            return pdf
        if entry[17:18] == b"n":
            entry = b"%010d" % moved(int(entry[:10])) + entry[10:]
        entries.append(entry)
    rest = first + 20 * len(entries)
    chunks += [pdf[pos:first], *entries, pdf[rest:tail.start()],
               b"startxref\n%d\n%%%%EOF\n" % moved(xref_at)]
    return b"".join(chunks)
