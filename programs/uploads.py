"""The one check every uploaded file passes: a certificate, a piece of evidence, a signed
agreement.

A file is taken only when its content is one of the allowed kinds (PDF, JPEG, PNG or
HEIC, the formats a phone camera or a scanner makes), its name ends in an extension of
that same kind, and it is no bigger than `UPLOAD_MAX_BYTES`. The content is read from the
file's first bytes, never from the browser's content type or the name alone, so an HTML
page or an SVG with a script renamed `.pdf` is refused: such a file, downloaded later,
could run in a colleague's browser.

Every upload field carries `validate_upload`, on the model field (so the admin and every
service's `full_clean` check it) and on the form field (so the error shows beside the
field with the other errors). tests/test_architecture.py fails on an upload field without
it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.functional import lazy


@dataclass(frozen=True)
class Kind:
    name: str  # as the person reads it in a message
    usual: str  # the extension a renamed file is asked to take
    extensions: frozenset[str]


PDF = Kind("PDF", "pdf", frozenset({"pdf"}))
JPEG = Kind("JPEG", "jpg", frozenset({"jpg", "jpeg"}))
PNG = Kind("PNG", "png", frozenset({"png"}))
HEIC = Kind("HEIC", "heic", frozenset({"heic", "heif"}))
DOCUMENTS = (PDF, JPEG, PNG, HEIC)

# What the first bytes must say, by kind. filetype knows PDF, JPEG and PNG; its HEIC test
# misses the `heix` brand, so HEIC is read here (an ISO-BMFF `ftyp` box, below).
_FILETYPE_KIND = {"pdf": PDF, "jpg": JPEG, "png": PNG}
_HEIC_BRANDS = frozenset({b"heic", b"heix"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})  # the general image brands HEIC files declare

# How a refused file is described, by what filetype calls it (else "a ... file").
_DESCRIPTIONS = {
    "exe": "a Windows program",
    "elf": "a program",
    "zip": "a ZIP archive",
    "gif": "a GIF image",
    "webp": "a WebP image",
    "avif": "an AVIF image",
    "docx": "a Word document",
    "xlsx": "an Excel workbook",
    "doc": "a Word document",
    "xls": "an Excel workbook",
    "mp4": "a video",
    "mov": "a video",
}

HEAD_BYTES = 2048  # enough for filetype (262) and a text file's opening tags

NOT_ALLOWED = "Only {allowed} files are accepted; this one looks like {found}."
TOO_BIG = "This file is {size}; the most we take is {cap}."
EMPTY = "This file is empty."
NAME_DISAGREES = (
    "This file's name ends in .{extension} but it is a {kind} file; "
    "rename it to end in .{expected}, or choose the right file."
)
NO_EXTENSION = (
    "This file's name has no extension; it is a {kind} file, so its name should end in .{expected}."
)


def megabytes(size: int) -> str:
    """A size as a person reads it: '60.2 MB', '10 MB' (1 MB = 1024 x 1024 bytes)."""
    mb = size / (1024 * 1024)
    return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"


def _is_heic(head: bytes) -> bool:
    """An ISO-BMFF file (HEIF) whose `ftyp` box names HEIC: as its major brand, or as a
    compatible brand of the general `mif1`/`msf1` brand."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    box = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(box, len(head)) - 3, 4)}
    return major in _HEIC_BRANDS or (major in _HEIF_BRANDS and bool(compatible & _HEIC_BRANDS))


def content_kind(head: bytes) -> Kind | None:
    """The allowed kind the file's first bytes show, or None."""
    if _is_heic(head):
        return HEIC
    guess = filetype.guess(head)
    return _FILETYPE_KIND.get(guess.extension) if guess else None


def describe(head: bytes) -> str:
    """What a refused file looks like, in a person's words ('HTML', 'an SVG image')."""
    guess = filetype.guess(head)
    if guess is not None:
        return _DESCRIPTIONS.get(guess.extension, f"a {guess.extension.upper()} file")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text:
        return "an SVG image"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")) or (
        b"<html" in text or b"<script" in text
    ):
        return "HTML"
    if text.startswith(b"<"):
        return "XML or HTML"
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return "a kind of file we do not recognise"
    return "plain text"


def _head(file: Any) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(position)
    return bytes(head)


def _names(kinds: tuple[Kind, ...]) -> str:
    names = [k.name for k in kinds]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


@deconstructible
class UploadValidator:
    """Refuses an uploaded file that is too big, not one of `kinds` by its content, or
    named as another kind. A file already stored (a record saved again without a new
    upload) was checked when it came in and is not read again."""

    def __init__(self, kinds: tuple[Kind, ...] = DOCUMENTS) -> None:
        self.kinds = kinds

    def __call__(self, file: Any) -> None:
        if not file or getattr(file, "_committed", False):
            return
        cap = settings.UPLOAD_MAX_BYTES
        size = file.size
        if size > cap:
            raise ValidationError(
                TOO_BIG.format(size=megabytes(size), cap=megabytes(cap)), code="too_big"
            )
        if size == 0:
            raise ValidationError(EMPTY, code="empty")
        head = _head(file)
        kind = content_kind(head)
        if kind is None or kind not in self.kinds:
            raise ValidationError(
                NOT_ALLOWED.format(allowed=_names(self.kinds), found=describe(head)),
                code="not_allowed",
            )
        name = str(getattr(file, "name", "") or "").rsplit("/", 1)[-1]
        stem, dot, extension = name.rpartition(".")
        expected = kind.usual
        if not dot or not stem:
            raise ValidationError(
                NO_EXTENSION.format(kind=kind.name, expected=expected), code="no_extension"
            )
        if extension.lower() not in kind.extensions:
            raise ValidationError(
                NAME_DISAGREES.format(extension=extension, kind=kind.name, expected=expected),
                code="name_disagrees",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UploadValidator) and other.kinds == self.kinds

    def __hash__(self) -> int:
        return hash(self.kinds)


validate_upload = UploadValidator()

# What the file chooser offers (a hint only: the check above is what counts).
ACCEPT = ".pdf,.jpg,.jpeg,.png,.heic,.heif,application/pdf,image/jpeg,image/png,image/heic"


def _upload_help() -> str:
    return f"A PDF, or a photo (JPEG, PNG or HEIC), up to {megabytes(settings.UPLOAD_MAX_BYTES)}."


# Read when shown, so the cap said is the cap set.
UPLOAD_HELP = lazy(_upload_help, str)()
