"""Uploads (programs/uploads.py), tried from the outside: real small files of each allowed
kind go through the CEU and checklist pages; an HTML page, an SVG with a script, a PNG
renamed .pdf, a program and an oversize file are refused on the field, with what else was
typed kept; a request over the body cap is refused before it is read."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from certification import rules
from certification.models import CeuEntry, ChecklistItem, Requirement
from programs.models import Role
from programs.uploads import validate_upload

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _heic(major: bytes = b"heic", compatible: tuple[bytes, ...] = (b"mif1", b"heic")) -> bytes:
    """The start of a HEIC photo: an ISO-BMFF `ftyp` box, then a `meta` box."""
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    ftyp = (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body
    return ftyp + b"\x00\x00\x00\x20meta" + b"\x00" * 24


ALLOWED = [
    ("certificate.pdf", PDF),
    ("photo.jpg", _image("JPEG")),
    ("photo.JPEG", _image("JPEG")),
    ("scan.png", _image("PNG")),
    ("IMG_0001.HEIC", _heic()),
    ("IMG_0002.heic", _heic(b"heix", (b"mif1", b"heix"))),
    ("IMG_0003.heif", _heic(b"mif1", (b"mif1", b"heic"))),
]

HTML = b"<!DOCTYPE html><html><body><script>fetch('/x')</script></body></html>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<rect width='1' height='1'/></svg>"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200

REFUSED = [
    (
        "certificate.html",
        HTML,
        "Only PDF, JPEG, PNG or HEIC files are accepted; this one looks like HTML.",
    ),
    ("certificate.pdf", HTML, "this one looks like HTML"),
    ("badge.svg", SVG, "this one looks like an SVG image"),
    ("badge.png", SVG, "this one looks like an SVG image"),
    ("setup.exe", EXE, "this one looks like a Windows program"),
    ("setup.pdf", EXE, "this one looks like a Windows program"),
    ("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "this one looks like a GIF image"),
    (
        "scan.pdf",
        _image("PNG"),
        "This file's name ends in .pdf but it is a PNG file; rename it to end in .png",
    ),
    ("photo.png", _image("JPEG"), "ends in .png but it is a JPEG file"),
    ("scan", PDF, "This file's name has no extension"),
    # a `ftyp` box of another kind (an MP4 video) is not HEIC
    ("clip.heic", _heic(b"isom", (b"isom", b"mp41")), "Only PDF, JPEG, PNG or HEIC"),
]


def _ceu_post(**overrides: Any) -> dict[str, Any]:
    return {
        "date": "2025-03-04",
        "hours": "2.5",
        "title": "Ethics and boundaries",
        "provider": "Peer Network",
        "topic": "boundaries_ethics",
        "submission_key": uuid.uuid4().hex,
        **overrides,
    }


@pytest.fixture
def peer(member_of: Callable[..., Any], org: Any) -> Any:
    from certification.services import profile_for

    return profile_for(member_of(org, Role.PEER_SUPPORTER, mfa=False))


@pytest.fixture
def peer_client(peer: Any, client_for: Callable[..., Any]) -> Any:
    return client_for(peer.membership)


def _step(profile: Any) -> str:
    """The route's first step a peer may mark themself (not a manager's to verify)."""
    steps = rules.requirements_for_trail(profile.trail)
    return next(s for s in steps if not rules.verified_by_manager_only(s))


@pytest.mark.parametrize(("name", "content"), ALLOWED, ids=[a[0] for a in ALLOWED])
def test_a_pdf_or_a_photo_is_taken_as_a_ceu_certificate(peer, peer_client, name, content):
    response = peer_client.post(
        reverse("ceu_add"), _ceu_post(certificate=SimpleUploadedFile(name, content))
    )
    assert response.status_code == 302, response.context["form"].errors
    entry = CeuEntry.objects.get(profile=peer)
    assert entry.certificate.read() == content


@pytest.mark.parametrize(
    ("name", "content", "message"), REFUSED, ids=[r[0] + "-" + r[2][:20] for r in REFUSED]
)
def test_a_certificate_of_another_kind_is_refused_on_the_field_keeping_the_rest(
    peer, peer_client, name, content, message
):
    response = peer_client.post(
        reverse("ceu_add"), _ceu_post(certificate=SimpleUploadedFile(name, content))
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["certificate"]
    assert message in errors["certificate"][0]
    body = response.content.decode()
    assert message.replace("'", "&#x27;") in body
    assert 'value="Ethics and boundaries"' in body and 'value="Peer Network"' in body
    assert not CeuEntry.objects.exists()


def test_a_certificate_over_the_default_cap_of_10_mb_is_refused_with_its_size(peer, peer_client):
    big = PDF + b"0" * (10 * MB + MB // 2 - len(PDF))
    response = peer_client.post(
        reverse("ceu_add"), _ceu_post(certificate=SimpleUploadedFile("big.pdf", big))
    )
    assert response.context["form"].errors == {
        "certificate": ["This file is 10.5 MB; the most we take is 10 MB."]
    }
    assert not CeuEntry.objects.exists()


def test_the_cap_is_the_setting(settings, peer, peer_client):
    settings.UPLOAD_MAX_BYTES = 1 * MB
    just = PDF + b"0" * (MB - len(PDF))
    over = just + b"0"
    refused = peer_client.post(
        reverse("ceu_add"), _ceu_post(certificate=SimpleUploadedFile("over.pdf", over))
    )
    assert refused.context["form"].errors == {
        "certificate": ["This file is 1.0 MB; the most we take is 1 MB."]
    }
    taken = peer_client.post(
        reverse("ceu_add"), _ceu_post(certificate=SimpleUploadedFile("just.pdf", just))
    )
    assert taken.status_code == 302
    assert CeuEntry.objects.get().certificate.size == MB


@pytest.mark.parametrize(
    ("name", "content"), ALLOWED[:1] + ALLOWED[3:5], ids=["pdf", "png", "heic"]
)
def test_a_peer_attaches_a_pdf_or_photo_as_evidence_of_a_step(peer, peer_client, name, content):
    url = reverse("checklist_item", args=[peer.pk, _step(peer)])
    response = peer_client.post(
        url,
        {
            "completed_on": "2025-02-01",
            "note": "from the Board",
            "evidence": SimpleUploadedFile(name, content),
        },
    )
    assert response["Location"] == reverse("certification_mine")
    item = ChecklistItem.objects.get(profile=peer)
    assert item.evidence.read() == content and item.note == "from the Board"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [REFUSED[0], REFUSED[2], REFUSED[4], REFUSED[7]],
    ids=["html", "svg", "exe", "png-named-pdf"],
)
def test_refused_evidence_shows_the_step_again_with_the_error_and_what_was_typed(
    peer, peer_client, name, content, message
):
    step = _step(peer)
    response = peer_client.post(
        reverse("checklist_item", args=[peer.pk, step]),
        {
            "completed_on": "2025-02-01",
            "note": "from the Board",
            "evidence": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200
    assert response.context["refused_step"]["code"] == step
    assert message in response.context["refused_step"]["form"].errors["evidence"][0]
    body = response.content.decode()
    assert message.replace("'", "&#x27;") in body
    assert f'id="evidence-{step}-error"' in body
    assert 'value="2025-02-01"' in body and 'value="from the Board"' in body
    assert not ChecklistItem.objects.filter(evidence__gt="").exists()
    assert not ChecklistItem.objects.filter(completed_on__isnull=False).exists()


def test_a_manager_gets_the_peers_page_again_when_evidence_is_refused(
    settings, org, member_of, client_for, program_in
):
    from certification.services import profile_for

    settings.UPLOAD_MAX_BYTES = 1 * MB
    program = program_in(org)
    profile = profile_for(member_of(org, Role.PEER_SUPPORTER, mfa=False, programs=[program]))
    manager = client_for(member_of(org, Role.PROGRAM_MANAGER, programs=[program]))
    step = _step(profile)
    response = manager.post(
        reverse("checklist_item", args=[profile.pk, step]),
        {
            "completed_on": "2025-02-01",
            "note": "seen the original",
            "evidence": SimpleUploadedFile("scan.pdf", PDF + b"0" * 2 * MB),
        },
    )
    assert response.status_code == 200
    assert response.templates[0].name == "certification/peer.html"
    body = response.content.decode()
    assert "This file is 2.0 MB; the most we take is 1 MB." in body
    assert 'value="seen the original"' in body
    assert not ChecklistItem.objects.exists()


def test_the_admin_and_every_service_check_an_upload_too():
    """The check sits on the model field, so a path that skips the form (the admin, a
    service's full_clean) refuses the same file."""
    from certification.models import CeuEntry as Entry

    entry = Entry(certificate=SimpleUploadedFile("x.pdf", HTML))
    with pytest.raises(ValidationError) as refused:
        entry.clean_fields(exclude=[f.name for f in Entry._meta.fields if f.name != "certificate"])
    assert "looks like HTML" in refused.value.message_dict["certificate"][0]


def test_a_file_already_stored_is_not_checked_again(peer):
    """A step saved again without a new file keeps the file it has (stored before the
    check existed, or under another cap), and the stored file is not read."""
    from django.core.files.base import ContentFile

    from certification.services import checklist_mark

    step = _step(peer)
    item = checklist_mark(
        profile=peer,
        requirement=step,
        actor=peer.membership.user,
        completed_on=dt.date(2025, 2, 1),
        evidence=ContentFile(PDF, name="ok.pdf"),
    )
    ChecklistItem.objects.filter(pk=item.pk).update(evidence="evidence/old.html")
    again = checklist_mark(
        profile=peer, requirement=step, actor=peer.membership.user, completed_on=dt.date(2025, 2, 2)
    )
    assert again.evidence.name == "evidence/old.html"
    validate_upload(again.evidence)  # stored: not read, not refused


def test_a_request_over_the_body_cap_is_refused_before_it_is_read(settings, peer, peer_client):
    settings.REQUEST_MAX_BYTES = 1 * MB
    response = peer_client.post(
        reverse("ceu_add"),
        _ceu_post(certificate=SimpleUploadedFile("huge.pdf", PDF + b"0" * (MB + MB // 2))),
    )
    assert response.status_code == 413
    assert "the most PeerPath takes at once is 1 MB" in response.content.decode()
    assert not CeuEntry.objects.exists()


def test_the_body_cap_is_above_every_file_cap():
    from django.conf import settings

    assert settings.REQUEST_MAX_BYTES > settings.UPLOAD_MAX_BYTES
    assert getattr(settings, "IMPORT_MAX_BYTES", 20 * MB) < settings.REQUEST_MAX_BYTES


def test_the_proxy_and_gunicorn_configs_in_the_repo_hold_the_same_cap():
    import re
    import runpy
    from pathlib import Path

    from django.conf import settings
    from gunicorn.config import Config

    root = Path(__file__).resolve().parents[2]
    nginx = (root / "deploy" / "nginx.conf").read_text()
    (cap,) = re.findall(r"^\s*client_max_body_size (\d+)m;", nginx, flags=re.M)
    assert int(cap) * MB == settings.REQUEST_MAX_BYTES == 25 * MB
    assert "gunicorn.py" in (root / "Dockerfile").read_text()
    config, gunicorn = Config(), runpy.run_path(str(root / "config" / "gunicorn.py"))
    for name in ("bind", "workers", "timeout", "limit_request_line", "limit_request_fields"):
        config.set(name, gunicorn[name])  # a name gunicorn does not know is an error
    assert config.limit_request_line == 4094


def test_a_step_off_the_peers_route_is_refused_in_a_message(peer, peer_client):
    """Not a step the page shows, so the refusal cannot sit on its form: it is said at the
    top of the page instead, and nothing is written."""
    off_route = next(
        code for code in Requirement.values if code not in rules.requirements_for_trail(peer.trail)
    )
    response = peer_client.post(
        reverse("checklist_item", args=[peer.pk, off_route]),
        {"completed_on": "2025-02-01", "evidence": SimpleUploadedFile("a.pdf", PDF)},
        follow=True,
    )
    assert "This step is not part of this route." in response.content.decode()
    assert not ChecklistItem.objects.exists()
