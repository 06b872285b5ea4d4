"""Every PDF the app makes is drawn here, by WeasyPrint, with a fetcher that reads only the
app's own static files.

WeasyPrint's own fetcher opens any URL a document names: `file:///etc/...` on the server,
`http://` addresses inside the network (the database host, a cloud metadata address). A
report or certificate carries text people typed, so a document must not be able to make the
server read a file or call an address. Ours answers only `<SITE_URL>/static/...` (what
`{% static %}` and a root-relative `/static/...` become against the base URL), from the
static finders or STATIC_ROOT, and refuses everything else, `data:` included (no PDF uses
inline images); WeasyPrint then logs a warning and draws the page without that resource.
"""

from __future__ import annotations

import functools
import mimetypes
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

NOT_OUR_STATIC_FILE = "A PDF may use only the app's own static files, not {url}"


def pdf_from_html(html: str) -> bytes:
    """The PDF of an HTML page; relative links resolve against SITE_URL."""
    from weasyprint import HTML

    return HTML(string=html, base_url=f"{settings.SITE_URL}/", url_fetcher=fetcher()).write_pdf()


def static_file_for(url: str) -> Path | None:
    """The file an address of our own static files names, or None for any other address."""
    ours = urlsplit(f"{settings.SITE_URL}{settings.STATIC_URL}")
    asked = urlsplit(url)
    if (asked.scheme, asked.netloc) != (ours.scheme, ours.netloc):
        return None
    if not asked.path.startswith(ours.path):
        return None
    relative = unquote(asked.path[len(ours.path) :])
    parts = PurePosixPath(relative).parts
    if not parts or relative.startswith("/") or ".." in parts or "\\" in relative:
        return None
    found = finders.find(relative)
    if isinstance(found, str):
        return Path(found)
    if settings.STATIC_ROOT:  # collected (and hashed) names in production
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / relative).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    return None


@functools.cache
def _fetcher_class() -> type:
    # WeasyPrint is imported only when a PDF is drawn (it is slow to import).
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = static_file_for(url)
            if path is None:
                raise ValueError(NOT_OUR_STATIC_FILE.format(url=url[:200]))
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    return StaticOnlyFetcher


def fetcher() -> Any:
    """The one URL fetcher every PDF is drawn with."""
    return _fetcher_class()()
