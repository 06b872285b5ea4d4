"""The certification pages, used as a peer and as a manager would, over HTTP."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from certification import events as cert_events
from certification.models import CeuEntry
from certification.services import ceu_add, checklist_mark
from programs.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


def _ceu_post(**overrides):
    data = {
        "date": "2025-03-04",
        "hours": "2.5",
        "title": "Ethics and boundaries",
        "provider": "Peer Network",
        "topic": "boundaries_ethics",
        "submission_key": uuid.uuid4().hex,
    }
    data.update(overrides)
    return data


def _client(client_for, profile):
    profile.membership.totp_secret = None
    return client_for(profile.membership)


def test_a_peer_adds_hours_and_sees_them_in_the_standing(org, peer_profile, client_for):
    profile = peer_profile(org, certified_on=dt.date(2023, 5, 1), mfa=False)
    client = _client(client_for, profile)
    response = client.post(reverse("ceu_add"), _ceu_post())
    assert response.status_code == 302
    entry = CeuEntry.objects.get(profile=profile)
    assert entry.hours == Decimal("2.5") and entry.added_by == profile.membership.user
    assert AuditEvent.objects.filter(event=cert_events.CEU_ADDED, subject_id=str(entry.pk)).exists()
    page = client.get(reverse("certification_mine")).content.decode()
    assert "Ethics and boundaries" in page


def test_a_double_tap_or_resend_records_the_hours_once(org, peer_profile, client_for):
    profile = peer_profile(org, mfa=False)
    client = _client(client_for, profile)
    data = _ceu_post()
    assert client.post(reverse("ceu_add"), data).status_code == 302
    assert client.post(reverse("ceu_add"), data).status_code == 302
    assert CeuEntry.objects.filter(profile=profile).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hours", "1.1", "quarter hours"),
        ("hours", "0", "Ensure this value is greater than or equal to 0.25"),
        ("hours", "61", "at most 60 hours"),
        ("date", "2999-01-01", "cannot be in the future"),
        ("date", "not a date", "Enter a valid date"),
    ],
)
def test_bad_input_is_explained_by_the_field_and_keeps_what_was_typed(
    org, peer_profile, client_for, field, value, message
):
    client = _client(client_for, peer_profile(org, mfa=False))
    response = client.post(reverse("ceu_add"), _ceu_post(**{field: value}))
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert 'value="Ethics and boundaries"' in body
    assert not CeuEntry.objects.exists()


def test_certificates_and_evidence_are_served_only_to_whoever_may_see_them(
    org, peer_profile, member_of, client_for, program_in
):
    program = program_in(org)
    owner = peer_profile(org, mfa=False, programs=[program])
    other_peer = peer_profile(org, mfa=False)
    manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program])
    entry, _ = ceu_add(
        profile=owner,
        actor=None,
        date=dt.date(2025, 1, 5),
        hours=Decimal(1),
        title="QPR",
        certificate=ContentFile(b"%PDF-cert", name="qpr.pdf"),
    )
    item = checklist_mark(
        profile=owner,
        requirement="application",
        actor=manager.user,
        completed_on=dt.date(2025, 1, 2),
        evidence=ContentFile(b"%PDF-evidence", name="app.pdf"),
    )
    with pytest.raises(ValueError):
        _ = entry.certificate.url  # no public URL exists at all
    from django.test import Client

    owner_c, manager_c = _client(client_for, owner), client_for(manager)
    other_c = _client(client_for, other_peer)
    for url, content in (
        (reverse("ceu_certificate", args=[entry.pk]), b"%PDF-cert"),
        (reverse("checklist_evidence", args=[item.pk]), b"%PDF-evidence"),
    ):
        assert b"".join(owner_c.get(url).streaming_content) == content
        assert b"".join(manager_c.get(url).streaming_content) == content
        assert other_c.get(url).status_code == 404
        assert Client().get(url).status_code == 302  # to sign-in
    assert AuditEvent.objects.filter(event=cert_events.CERTIFICATE_DOWNLOADED).count() == 2
    assert AuditEvent.objects.filter(event=cert_events.EVIDENCE_DOWNLOADED).count() == 2


def test_the_team_view_answers_who_is_behind_and_exports_it(
    org, peer_profile, member_of, client_for, program_in
):
    import time_machine
    from django.utils import timezone

    program = program_in(org)
    behind = peer_profile(
        org,
        certified_on=dt.date(2023, 1, 10),
        programs=[program],
        mfa=False,
        first_name="Bea",
        last_name="Hind",
    )
    done = peer_profile(
        org,
        certified_on=dt.date(2023, 1, 10),
        programs=[program],
        mfa=False,
        first_name="Don",
        last_name="Early",
    )
    ceu_add(profile=done, actor=None, date=dt.date(2025, 2, 1), hours=Decimal(20), title="A")
    ceu_add(profile=behind, actor=None, date=dt.date(2025, 2, 1), hours=Decimal(4), title="B")
    manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program])
    client = client_for(manager)
    with time_machine.travel(timezone.make_aware(dt.datetime(2025, 8, 1, 12))):
        page = client.get(reverse("certification_team"), {"year": 2025})
        rows = {r.profile.pk: r.standing.status for r in page.context["rows"]}
        assert rows == {behind.pk: "behind", done.pk: "complete"}
        assert page.context["rows"][0].profile == behind  # the ones to chase come first
        csv = client.get(reverse("certification_team"), {"year": 2025, "format": "csv"})
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("name,email,status,required,earned")
    assert any(line.startswith("Bea Hind,") and ",behind,20," in line for line in lines)
    peer_client = _client(client_for, behind)
    assert peer_client.get(reverse("certification_team")).status_code == 403


def test_the_recovery_date_is_shown_to_a_manager_only_with_a_recorded_reason(
    org, peer_profile, member_of, client_for, program_in
):
    program = program_in(org)
    profile = peer_profile(org, programs=[program], mfa=False)
    profile.recovery_since = dt.date(2019, 6, 2)
    profile.save()
    client = client_for(member_of(org, Role.PROGRAM_MANAGER, programs=[program]))
    url = reverse("certification_peer", args=[profile.pk])
    assert "June 2, 2019" not in client.get(url).content.decode()
    shown = client.post(
        reverse("recovery_date_reveal", args=[profile.pk]), {"reason": "Board audit request"}
    )
    assert "June 2, 2019" in shown.content.decode()
    event = AuditEvent.objects.get(event=cert_events.PROFILE_RECOVERY_DATE_VIEWED)
    assert event.data == {"reason": "Board audit request"}
    assert (
        "June 2, 2019"
        in _client(client_for, profile).get(reverse("certification_mine")).content.decode()
    )


def test_a_manager_records_a_certification_and_the_peer_becomes_certified(
    org, peer_profile, member_of, client_for, program_in
):
    program = program_in(org)
    profile = peer_profile(org, programs=[program], mfa=False)
    client = client_for(member_of(org, Role.PROGRAM_MANAGER, programs=[program]))
    response = client.post(
        reverse("certification_record", args=[profile.pk]),
        {"number": "BHPSS-9001", "issued_on": "2025-04-01"},
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == "certified" and profile.certification_number == "BHPSS-9001"


def test_a_lapsed_certification_shows_on_the_team_and_staff_pages(
    org, peer_profile, member_of, client_for, program_in
):
    from certification.models import Certification
    from certification.tasks import certification_daily

    program = program_in(org)
    profile = peer_profile(org, certified_on=dt.date(2020, 1, 1), programs=[program], mfa=False)
    Certification.objects.filter(profile=profile).update(expires_on=dt.date(2024, 12, 31))
    certification_daily()
    certification_daily()  # a second run changes nothing
    profile.refresh_from_db()
    assert profile.status == "lapsed"
    assert AuditEvent.objects.filter(event=cert_events.CERTIFICATION_LAPSED).count() == 1
    admin = client_for(member_of(org, Role.ORG_ADMIN))
    assert "certification lapsed" in admin.get(reverse("certification_team")).content.decode()
    assert "certification lapsed" in admin.get(reverse("member_list")).content.decode()


def test_turnover_is_departures_over_average_headcount(org, peer_profile):
    from certification.models import PeerProfile
    from certification.selectors import turnover

    for _ in range(4):
        p = peer_profile(org, mfa=False)
        p.hire_date = dt.date(2024, 1, 1)
        p.save()
    leaver = PeerProfile.objects.first()
    assert leaver is not None
    leaver.status, leaver.separated_on = "separated", dt.date(2025, 6, 30)
    leaver.separation_reason = "professional_growth"
    leaver.save()
    late_hire = peer_profile(org, mfa=False)
    late_hire.hire_date = dt.date(2025, 9, 1)
    late_hire.save()
    t = turnover(PeerProfile.objects.all(), start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    # 4 on staff on Jan 1; 4 on Dec 31 (one left, one joined): 1 / 4 = 25%.
    assert (t.left, t.headcount_start, t.headcount_end) == (1, 4, 4)
    assert t.rate == Decimal("0.25")
    assert t.reasons == {"professional_growth": 1}


def test_a_peer_removes_own_hours_but_not_another_peers(org, peer_profile, client_for):
    mine = peer_profile(org, mfa=False)
    theirs = peer_profile(org, mfa=False)
    own, _ = ceu_add(
        profile=mine, actor=None, date=dt.date(2025, 1, 5), hours=Decimal(1), title="Mine"
    )
    other, _ = ceu_add(
        profile=theirs, actor=None, date=dt.date(2025, 1, 5), hours=Decimal(1), title="Theirs"
    )
    client = _client(client_for, mine)
    assert client.post(reverse("ceu_delete", args=[other.pk])).status_code == 404
    assert client.post(reverse("ceu_delete", args=[own.pk])).status_code == 302
    assert list(CeuEntry.objects.values_list("title", flat=True)) == ["Theirs"]
    assert AuditEvent.objects.filter(event=cert_events.CEU_DELETED, subject_id=str(own.pk)).exists()


def test_a_manager_records_a_renewal_and_a_lapsed_peer_is_certified_again(
    org, peer_profile, member_of, client_for, program_in, settings
):
    from certification.models import Certification, Renewal
    from certification.services import RENEWAL_EXPIRY_AFTER_START, certification_lapse

    program = program_in(org)
    profile = peer_profile(org, certified_on=dt.date(2022, 1, 1), programs=[program], mfa=False)
    cert = Certification.objects.get(profile=profile)
    certification_lapse(certification=cert, actor=None, lapsed_on=dt.date(2024, 1, 1))
    client = client_for(member_of(org, Role.PROGRAM_MANAGER, programs=[program]))
    url = reverse("certification_renew", args=[profile.pk])
    bad = client.post(
        url,
        {
            "certification": cert.pk,
            "effective_on": "2025-01-10",
            "expires_on": "2025-01-01",
            "fee": settings.CERTIFICATION_RENEWAL_FEE,
        },
    )
    assert RENEWAL_EXPIRY_AFTER_START in bad.content.decode()
    assert not Renewal.objects.exists()
    ok = client.post(
        url,
        {
            "certification": cert.pk,
            "effective_on": "2025-01-10",
            "expires_on": "2026-01-31",
            "fee": "93",
        },
    )
    assert ok.status_code == 302
    profile.refresh_from_db()
    cert.refresh_from_db()
    assert profile.status == "certified" and cert.open_lapse is None
    assert cert.current_expiry == dt.date(2026, 1, 31)
    # The lapse stays in the history: the days before the renewal took effect are not
    # certified, the renewal's first day is.
    assert not cert.is_active_on(dt.date(2025, 1, 9)) and cert.is_active_on(dt.date(2025, 1, 10))


def test_the_export_cannot_smuggle_a_spreadsheet_formula(
    org, peer_profile, member_of, client_for, program_in
):
    program = program_in(org)
    peer_profile(
        org, programs=[program], mfa=False, first_name='=HYPERLINK("http://x")', last_name="Evil"
    )
    client = client_for(member_of(org, Role.PROGRAM_MANAGER, programs=[program]))
    import csv as csv_module

    body = client.get(reverse("certification_team"), {"format": "csv"}).content.decode()
    rows = list(csv_module.reader(body.splitlines()))
    assert rows[1][0].startswith("'=HYPERLINK")  # shown as text, never run as a formula


def test_the_ceu_year_counts_from_the_first_certification(org, peer_profile):
    from certification.models import PeerProfile
    from certification.selectors import standings_for
    from certification.services import certification_record

    profile = peer_profile(org, certified_on=dt.date(2022, 3, 1), mfa=False)
    certification_record(
        profile=profile, actor=None, number="BHPSS-NEW", issued_on=dt.date(2025, 3, 1)
    )
    [row] = standings_for(PeerProfile.objects.all(), year=2025, today=dt.date(2025, 6, 1))
    assert row.standing.required == 20  # not a new certification year


def test_a_certification_cannot_be_recorded_before_it_is_issued(
    org, peer_profile, member_of, client_for, program_in
):
    program = program_in(org)
    profile = peer_profile(org, programs=[program], mfa=False)
    client = client_for(member_of(org, Role.PROGRAM_MANAGER, programs=[program]))
    response = client.post(
        reverse("certification_record", args=[profile.pk]),
        {"number": "BHPSS-7", "issued_on": "2999-01-01"},
    )
    assert "once it has been issued" in response.content.decode()
    assert 'value="BHPSS-7"' in response.content.decode()  # what was typed is kept
    profile.refresh_from_db()
    assert profile.status == "trainee"


def test_a_manager_saves_a_peers_profile_and_a_refused_one_keeps_what_was_typed(
    org, peer_profile, member_of, client_for, program_in
):
    program = program_in(org)
    profile = peer_profile(org, programs=[program], mfa=False)
    client = client_for(member_of(org, Role.PROGRAM_MANAGER, programs=[program]))
    url = reverse("peer_profile_update", args=[profile.pk])
    data = {"job_title": "Lead peer", "status": "trainee", "trail": "employment"}
    refused = client.post(url, {**data, "status": "separated"})
    assert refused.status_code == 200
    assert refused.context["profile_form"].errors == {
        "separation_reason": ["A separation needs its date and a reason."]
    }
    assert 'value="Lead peer"' in refused.content.decode()
    profile.refresh_from_db()
    assert profile.job_title != "Lead peer"
    saved = client.post(url, data)
    assert saved["Location"] == reverse("certification_peer", args=[profile.pk])
    profile.refresh_from_db()
    assert profile.job_title == "Lead peer"
    event = AuditEvent.objects.get(event=cert_events.PROFILE_UPDATED)
    assert event.data == {"job_title": "Lead peer"}


def test_each_form_of_the_peer_page_posts_to_its_own_url(
    org, peer_profile, member_of, client_for, program_in
):
    program = program_in(org)
    profile = peer_profile(org, programs=[program], mfa=False)
    client = client_for(member_of(org, Role.PROGRAM_MANAGER, programs=[program]))
    page = client.get(reverse("certification_peer", args=[profile.pk]))
    body = page.content.decode()
    for name in ("peer_profile_update", "certification_record", "recovery_date_reveal"):
        url = reverse(name, args=[profile.pk])
        assert f'action="{url}"' in body, name
        assert client.get(url).status_code == 405, name  # a form's URL only takes its post
    assert 'name="action"' not in body
    assert client.post(reverse("certification_peer", args=[profile.pk])).status_code == 405
