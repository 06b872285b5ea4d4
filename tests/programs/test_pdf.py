"""Every PDF is drawn with a fetcher that reads only the app's own static files
(programs/pdf.py): a document naming a server file, an address on the network or a data:
URL is drawn without it, and a stylesheet of ours still applies."""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from programs.pdf import pdf_from_html, static_file_for

HOSTILE = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="http://127.0.0.1:1/x.css">
<link rel="stylesheet" href="file:///etc/hostname">
<link rel="stylesheet" href="data:text/css,body::after%7Bcontent:'FROM-DATA-URL'%7D">
<link rel="stylesheet" href="/static/../config/settings/base.py">
<link rel="stylesheet" href="/static/pdf-test.css">
</head><body>
<p>Report body</p>
<img src="file:///etc/passwd">
<img src="http://169.254.169.254/latest/meta-data/">
<img src="http://localhost:8000/encounters/">
</body></html>"""


@pytest.fixture
def our_stylesheet(settings: Any, tmp_path: Path) -> None:
    """A static file of ours whose rule leaves a visible mark in the PDF."""
    static = tmp_path / "static"
    static.mkdir()
    (static / "pdf-test.css").write_text("body::before { content: 'OUR-STYLE-APPLIED'; }")
    settings.STATICFILES_DIRS = [static]


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address urllib is asked to open (WeasyPrint's own fetcher goes through it)."""
    seen: list[str] = []
    real = urllib.request.OpenerDirector.open

    def spy(self: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(url.full_url if isinstance(url, urllib.request.Request) else str(url))
        return real(self, url, *args, **kwargs)

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", spy)
    return seen


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_document_cannot_make_the_server_read_a_file_or_call_an_address(
    our_stylesheet: None, opened: list[str], tmp_path: Path, settings: Any
):
    settings.SITE_URL = "http://localhost:8000"
    text = _text(pdf_from_html(HOSTILE), tmp_path)
    assert opened == []  # nothing was fetched: no file, no address, no data: URL
    assert "Report body" in text
    assert "OUR-STYLE-APPLIED" in text  # our own static stylesheet still applies
    assert "FROM-DATA-URL" not in text


def test_the_pdfs_are_drawn_and_their_own_styles_apply(tmp_path: Path):
    page = (
        "<html><head><style>body::before { content: 'INLINE-STYLE'; }</style></head>"
        "<body>x</body></html>"
    )
    assert "INLINE-STYLE" in _text(pdf_from_html(page), tmp_path)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:1/x.css",
        "https://peerpath.example.org/static/css/app.css",  # another scheme than SITE_URL's
        "http://peerpath.example.org:8080/static/css/app.css",  # another port
        "http://elsewhere.example.org/static/css/app.css",
        "http://peerpath.example.org/static/../config/settings/base.py",
        "http://peerpath.example.org/static/%2e%2e/config/settings/base.py",
        "http://peerpath.example.org/static/css/..%2F..%2Fconfig/settings/base.py",
        "http://peerpath.example.org/static/%2Fetc/passwd",
        "http://peerpath.example.org/static/",
        "http://peerpath.example.org/static/css/missing.css",
        "http://peerpath.example.org/encounters/",
        "data:text/css,body{}",
        "ftp://peerpath.example.org/static/css/app.css",
    ],
)
def test_only_our_static_files_are_answered(settings: Any, url: str):
    settings.SITE_URL = "http://peerpath.example.org"
    assert static_file_for(url) is None


def test_a_static_file_of_ours_is_found(settings: Any):
    settings.SITE_URL = "http://peerpath.example.org"
    found = static_file_for("http://peerpath.example.org/static/css/app.css?v=2")
    assert found is not None and found.read_bytes().startswith(b"/* PeerPath")


def test_collected_files_are_read_from_static_root(settings: Any, tmp_path: Path):
    """Production's hashed names exist only in STATIC_ROOT, not in the finders' folders."""
    settings.SITE_URL = "http://peerpath.example.org"
    settings.STATIC_ROOT = tmp_path / "collected"
    (settings.STATIC_ROOT / "css").mkdir(parents=True)
    (settings.STATIC_ROOT / "css" / "app.0123abcd.css").write_text("p {}")
    found = static_file_for("http://peerpath.example.org/static/css/app.0123abcd.css")
    assert found == settings.STATIC_ROOT / "css" / "app.0123abcd.css"
