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

    Not thread-safe: use it from the thread that opened it."""

    def __init__(self) -> None:
        self._pw = None
        self._browser = None

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
            if self._browser is not None:
                self._browser.close()
        finally:
            if self._pw is not None:
                self._pw.stop()

    def render(self, html_path: Path | str) -> bytes:
        """PDF bytes of one local HTML file (A4, backgrounds printed, the page's title as a running
        header, 第 N 页 / 共 M 页 in the footer). External requests are blocked: the page must be
        self-contained."""
        assert self._browser is not None, "use PdfPrinter as a context manager"
        context = self._browser.new_context()
        try:
            page = context.new_page()
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(("file:", "data:")) else route.abort())
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            return page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                            tagged=False, outline=False, display_header_footer=True,
                            header_template=HEADER_TEMPLATE, footer_template=FOOTER_TEMPLATE)
        finally:
            context.close()

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
