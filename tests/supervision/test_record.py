"""The record for the Board: every field, signature, addendum and the ratio in the PDF;
a supervisor's export holds only their own logs."""

from __future__ import annotations

import datetime as dt
import subprocess
from typing import Any

import pytest
from django.urls import reverse

from supervision.models import LicenseType
from supervision.services.addenda import addendum_add
from supervision.services.supervisors import supervisor_profile_save
from tests.factories import TEST_PASSWORD
from tests.supervision.factories import DAY, hours, sign, write

pytestmark = pytest.mark.django_db


def _pdf_text(data: bytes, tmp_path: Any) -> str:
    path = tmp_path / "record.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_record_pdf_holds_every_field_signature_addendum_and_the_ratio(
    sup, client_for, tmp_path, django_capture_on_commit_callbacks
):
    hours(sup.peer, DAY, "15")
    hours(sup.peer, DAY + dt.timedelta(days=1), "15")
    log = sign(sup, write(sup))
    addendum_add(
        log=log,
        actor=sup.supervisor.user,
        text="Also discussed sleep.",
        credential=TEST_PASSWORD,
    )
    write(sup, date=DAY + dt.timedelta(days=2))  # unsigned, still in the record
    c = client_for(sup.peer)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(
            reverse("record_export"),
            {"peer": sup.peer.pk, "start": "2025-03-01", "end": "2025-03-31"},
        )
    status = c.get(response["Location"])
    export = status.context["export"]
    assert export.status == "ready"  # in-process tasks in tests: rendered on commit
    pdf = c.get(reverse("record_download", args=[export.pk]))
    data = b"".join(pdf.streaming_content)
    assert data.startswith(b"%PDF")
    text = " ".join(_pdf_text(data, tmp_path).split())
    for expected in (
        "Clinical supervision record",
        "Licensed clinical social worker, license LCSW-100",
        "CBHPSS-7",
        "RC-1 (connecting)",
        "Ethics and boundaries",
        "Also discussed sleep.",
        log.signature_hash[:20],
        "March 2025 30 90 60 -30",
        "Not signed",
        "Page 1 of",
    ):
        assert expected in text, expected
    # Someone else's export is not theirs to open.
    other = client_for(sup.peer2)
    assert other.get(reverse("record_download", args=[export.pk])).status_code == 404


def test_a_supervisors_record_holds_only_their_own_logs(sup, tmp_path):
    from supervision.record import record_context

    mine = sign(sup, write(sup))
    supervisor_profile_save(
        membership=sup.rookie,
        actor=None,
        license_type=LicenseType.PROFESSIONAL_COUNSELOR,
        license_number="LCPC-9",
        licensed_on=dt.date(2020, 1, 1),
    )
    theirs = write(sup, supervisor=sup.rookie, date=DAY + dt.timedelta(days=1), clients=[])
    as_supervisor = record_context(
        sup.peer, dt.date(2025, 3, 1), dt.date(2025, 3, 31), sup.supervisor
    )
    as_admin = record_context(sup.peer, dt.date(2025, 3, 1), dt.date(2025, 3, 31), sup.admin)
    assert [log.pk for log, _ in as_supervisor["logs"]] == [mine.pk]
    assert [log.pk for log, _ in as_admin["logs"]] == [mine.pk, theirs.pk]
