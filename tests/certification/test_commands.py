"""import_ceus, ceu_status, and what import_staff fills in for peers."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from certification.models import Certification, CeuEntry, PeerProfile

pytestmark = pytest.mark.django_db

CEU_HEADER = "peer_email,date,hours,title,provider,topic"


def _csv(tmp_path: Path, header: str, rows: list[str], name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_ceus_all_or_nothing_and_no_duplicates(org, peer_profile, tmp_path):
    profile = peer_profile(
        org, certified_on=dt.date(2023, 1, 5), mfa=False, email="ana@example.org"
    )
    good = [
        "ana@example.org,2025-02-03,3,Ethics refresher,Peer Network,boundaries_ethics",
        "ana@example.org,2025-05-09,1.75,QPR,County,suicide_awareness",
    ]
    out = StringIO()
    call_command(
        "import_ceus", "--organization", org.slug, str(_csv(tmp_path, CEU_HEADER, good)), stdout=out
    )
    assert "2 created" in out.getvalue()
    call_command(
        "import_ceus", "--organization", org.slug, str(_csv(tmp_path, CEU_HEADER, good)), stdout=out
    )
    assert "0 created, 0 updated, 2 unchanged" in out.getvalue()
    assert CeuEntry.objects.filter(profile=profile).count() == 2

    bad = [
        *good,
        "ana@example.org,2025-06-01,1.1,Odd,X,",
        "nobody@example.org,2025-06-01,1,Unknown peer,X,",
        "ana@example.org,2025-06-02,2,Bad topic,X,astrology",
    ]
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_ceus",
            "--organization",
            org.slug,
            str(_csv(tmp_path, CEU_HEADER, bad, "bad.csv")),
            stderr=err,
        )
    printed = err.getvalue()
    assert "line 4, column hours: use quarter hours" in printed
    assert "line 6, column topic: 'astrology' is not one of" in printed
    assert CeuEntry.objects.count() == 2
    # The unknown peer is reported once the rows themselves are clean.
    with pytest.raises(CommandError):
        call_command(
            "import_ceus",
            "--organization",
            org.slug,
            str(_csv(tmp_path, CEU_HEADER, [bad[3]], "peer.csv")),
            stderr=err,
        )
    assert "line 2, column peer_email: no peer supporter" in err.getvalue()


def test_ceu_status_prints_every_peer_with_numbers(org, peer_profile, tmp_path):
    peer_profile(org, certified_on=dt.date(2023, 1, 5), mfa=False, email="ana@example.org")
    call_command(
        "import_ceus",
        "--organization",
        org.slug,
        str(
            _csv(
                tmp_path,
                CEU_HEADER,
                [
                    "ana@example.org,2024-03-01,26,Big year,X,",
                    "ana@example.org,2025-03-01,4.25,Small year,X,",
                ],
            )
        ),
        stdout=StringIO(),
    )
    import time_machine
    from django.utils import timezone

    out = StringIO()
    with time_machine.travel(timezone.make_aware(dt.datetime(2025, 8, 1, 12))):
        # Seven months passed: an even pace needs 11.67 hours; 10.25 is behind.
        call_command(
            "ceu_status",
            "--organization",
            org.slug,
            "--year",
            "2025",
            "--format",
            "json",
            stdout=out,
        )
    [row] = json.loads(out.getvalue())
    assert row == {
        "email": "ana@example.org",
        "required": 20.0,
        "earned": 4.25,
        "carried_in": 6.0,
        "available": 10.25,
        "remaining": 9.75,
        "carry_out": 0.0,
        "status": "behind",
    }
    out = StringIO()
    call_command(
        "ceu_status", "--organization", org.slug, "--year", "2024", "--format", "csv", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "email,required,earned,carried_in,available,remaining,carry_out,status"
    assert lines[1] == "ana@example.org,20.0,26.0,0.0,26.0,0.0,6.0,complete"


STAFF_HEADER = (
    "email,first_name,last_name,role,program,certification_number,certified_on,"
    "hire_date,license_type,license_number,licensed_on"
)


def test_import_staff_makes_certified_peers_and_trainees(org, tmp_path):
    rows = [
        "ana@example.org,Ana,Reyes,peer_supporter,rc,MT-1234,2024-03-15,2024-01-08,,,",
        "bo@example.org,Bo,Lee,peer_supporter,rc,,,2025-02-01,,,",
    ]
    call_command(
        "import_staff",
        "--organization",
        org.slug,
        str(_csv(tmp_path, STAFF_HEADER, rows)),
        stdout=StringIO(),
    )
    ana = PeerProfile.objects.get(membership__user__email="ana@example.org")
    assert (ana.status, ana.certification_number, ana.hire_date) == (
        "certified",
        "MT-1234",
        dt.date(2024, 1, 8),
    )
    cert = Certification.objects.get(profile=ana)
    assert cert.expires_on is None and cert.is_active_on(dt.date(2030, 1, 1))
    bo = PeerProfile.objects.get(membership__user__email="bo@example.org")
    assert bo.status == "trainee" and not bo.certifications.exists()
    # Again: nothing new.
    out = StringIO()
    call_command(
        "import_staff",
        "--organization",
        org.slug,
        str(_csv(tmp_path, STAFF_HEADER, rows)),
        stdout=out,
    )
    assert "2 unchanged" in out.getvalue()
    assert Certification.objects.count() == 1


def test_import_staff_wants_number_and_date_together(org, tmp_path):
    rows = ["ana@example.org,Ana,Reyes,peer_supporter,rc,MT-1234,,,,,"]
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_staff",
            "--organization",
            org.slug,
            str(_csv(tmp_path, STAFF_HEADER, rows)),
            stderr=err,
        )
    assert "line 2, column certified_on: give the certification number and the date" in (
        err.getvalue()
    )
    assert not PeerProfile.objects.exists()
