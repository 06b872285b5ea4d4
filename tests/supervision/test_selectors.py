"""Reads: the monthly ratio (one aggregation behind the page, its CSV and
`supervision_compliance`), who sees which log and agreement, overdue logs."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from programs.models import Role
from supervision import rules, selectors
from supervision.models import SupervisionAgreement, SupervisionLog
from supervision.services.paper_import import log_import
from tests.supervision.factories import DAY, hours, sign, write

pytestmark = pytest.mark.django_db


def ratio_of(s: Any, peer: Any, year: int = 2025, month: int = 3) -> rules.MonthRatio:
    [row] = [
        r
        for r in selectors.month_ratios(selectors.peers_for(s.admin), year=year, month=month)
        if r.peer == peer
    ]
    return row.ratio


def test_no_hours_need_no_supervision(sup):
    r = ratio_of(sup, sup.peer)
    assert (r.hours_worked, r.required_minutes, r.received_minutes, r.compliant) == (
        0,
        0,
        0,
        True,
    )


def test_twenty_hours_need_exactly_one_hour(sup):
    hours(sup.peer, DAY, "12")
    hours(sup.peer, DAY + dt.timedelta(days=1), "8")
    sign(sup, write(sup, end_time=dt.time(9, 59)))
    r = ratio_of(sup, sup.peer)
    assert (r.required_minutes, r.received_minutes, r.balance_minutes, r.compliant) == (
        60,
        59,
        -1,
        False,
    )
    sign(
        sup,
        write(
            sup, date=DAY + dt.timedelta(days=2), start_time=dt.time(14), end_time=dt.time(14, 1)
        ),
    )
    r = ratio_of(sup, sup.peer)
    assert (r.balance_minutes, r.compliant) == (0, True)


def test_a_group_session_counts_in_full_for_each_attendee_and_unsigned_counts_nothing(sup):
    sign(sup, write(sup, supervisees=[sup.peer, sup.peer2], end_time=dt.time(10, 30)))
    write(sup, date=DAY + dt.timedelta(days=1))  # not signed
    assert ratio_of(sup, sup.peer).received_minutes == 90
    assert ratio_of(sup, sup.peer2).received_minutes == 90


def test_sessions_and_hours_count_in_the_month_of_their_date(sup):
    hours(sup.peer, dt.date(2025, 3, 31), "10")
    hours(sup.peer, dt.date(2025, 4, 1), "20")
    sign(sup, write(sup, date=dt.date(2025, 3, 31)))
    sign(sup, write(sup, date=dt.date(2025, 4, 1), end_time=dt.time(9, 30)))
    march, april = ratio_of(sup, sup.peer, month=3), ratio_of(sup, sup.peer, month=4)
    assert (march.hours_worked, march.received_minutes, march.required_minutes) == (10, 60, 30)
    assert (april.hours_worked, april.received_minutes, april.required_minutes) == (20, 30, 60)


def test_one_aggregation_gives_each_peers_months_over_a_span_in_two_queries(
    sup, django_assert_num_queries
):
    hours(sup.peer, dt.date(2025, 1, 31), "8")  # before the span
    hours(sup.peer, dt.date(2025, 2, 10), "10")
    sign(sup, write(sup, date=dt.date(2025, 3, 3)))
    hours(sup.peer, dt.date(2025, 4, 1), "20")
    sign(sup, write(sup, date=dt.date(2025, 4, 2), end_time=dt.time(9, 30)))
    write(sup, date=dt.date(2025, 4, 3))  # not signed: counts nothing
    hours(sup.peer, dt.date(2025, 5, 1), "8")  # after the span
    peers = selectors.peers_for(sup.admin)
    # Whole calendar months, whatever the days the span starts and ends on.
    with django_assert_num_queries(2):
        ratios = selectors.monthly_ratios(
            peers, start=dt.date(2025, 2, 15), end=dt.date(2025, 4, 3)
        )
    shown = {
        key: (r.hours_worked, r.required_minutes, r.received_minutes, r.compliant)
        for key, r in ratios.items()
    }
    assert shown == {
        (sup.peer.pk, dt.date(2025, 2, 1)): (10, 30, 0, False),
        (sup.peer.pk, dt.date(2025, 3, 1)): (0, 0, 60, True),
        (sup.peer.pk, dt.date(2025, 4, 1)): (20, 60, 30, False),
    }  # Olu had neither hours nor supervision: left out
    for (_, month), ratio in ratios.items():
        assert ratio == ratio_of(sup, sup.peer, month=month.month)
    assert ratio_of(sup, sup.peer2) == selectors.empty_month_ratio()
    # The reports count the months with hours worked, and those that complied.
    worked = [r for r in ratios.values() if r.hours_worked]
    assert (len(worked), sum(1 for r in worked if r.compliant)) == (2, 0)


def test_an_unsigned_log_counts_neither_in_the_ratio_nor_in_the_reports_compliant_share(sup):
    # The 1-hour-per-20 ratio counts signed sessions only (selectors.monthly_ratios, which
    # encounters.reporting.funder.staff_figures reads for supervision_compliant_share).
    from encounters.reporting.figures import Scope
    from encounters.reporting.funder import staff_figures

    march = dt.date(2025, 3, 1)
    scope = Scope(organization=sup.org, start=march, end=dt.date(2025, 3, 31))
    hours(sup.peer, DAY, "20")  # owes exactly one hour
    log = write(sup)  # the one hour, written but not signed
    ratios = selectors.monthly_ratios(selectors.peers_for(sup.admin), start=march, end=march)
    unsigned = ratios[(sup.peer.pk, march)]
    assert (unsigned.received_minutes, unsigned.balance_minutes, unsigned.compliant) == (
        0,
        -60,
        False,
    )
    assert staff_figures(scope)["supervision_compliant_share"] == Decimal("0.0000")
    sign(sup, log)
    ratios = selectors.monthly_ratios(selectors.peers_for(sup.admin), start=march, end=march)
    signed = ratios[(sup.peer.pk, march)]
    assert (signed.received_minutes, signed.balance_minutes, signed.compliant) == (60, 0, True)
    assert staff_figures(scope)["supervision_compliant_share"] == Decimal("1.0000")


def test_a_paper_log_signed_on_paper_counts(sup):
    log_import(
        organization=sup.org,
        actor=None,
        external_id="P-1",
        supervisor=sup.supervisor,
        supervisees=[sup.peer],
        date=DAY,
        start_time=dt.time(9),
        end_time=dt.time(9, 45),
        signed_on=DAY,
    )
    assert ratio_of(sup, sup.peer).received_minutes == 45


def test_the_compliance_command_prints_json_and_csv(sup, capsys):
    hours(sup.peer, DAY, "10")
    sign(sup, write(sup, end_time=dt.time(9, 20)))
    call_command("supervision_compliance", "--organization", sup.org.slug, "--month", "2025-03")
    rows = {r["email"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[sup.peer.user.email] == {
        "email": sup.peer.user.email,
        "hours_worked": 10,
        "required_minutes": 30,
        "received_minutes": 20,
        "balance_minutes": -10,
        "compliant": False,
        # Entered straight into the table, so nobody confirmed them: they count, flagged.
        "unconfirmed_hours": 10,
        "includes_unconfirmed_hours": True,
    }
    assert rows[sup.peer2.user.email]["compliant"] is True
    call_command(
        "supervision_compliance",
        "--organization",
        sup.org.slug,
        "--month",
        "2025-03",
        "--format",
        "csv",
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == (
        "email,hours_worked,required_minutes,received_minutes,balance_minutes,compliant,"
        "unconfirmed_hours,includes_unconfirmed_hours"
    )
    assert f"{sup.peer.user.email},10,30,20,-10,false,10,true" in lines


def test_the_ratio_page_and_its_spreadsheet_agree(sup, client_for):
    hours(sup.peer, DAY, "10")
    c = client_for(sup.manager)
    page = c.get(reverse("supervision_ratio"), {"month": "2025-03"})
    assert page.context["short"] == 1
    csv_text = c.get(reverse("supervision_ratio"), {"month": "2025-03", "format": "csv"})
    assert f"{sup.peer.user.email},10,30,0,-30,false" in csv_text.content.decode()
    assert c.get(reverse("supervision_ratio"), {"month": "2025-13"}).status_code == 200


def test_a_peer_who_left_still_counts_in_the_months_they_worked(sup, capsys):
    hours(sup.peer, DAY, "20")
    sup.peer.is_active = False
    sup.peer.save()
    call_command("supervision_compliance", "--organization", sup.org.slug, "--month", "2025-03")
    emails = [r["email"] for r in json.loads(capsys.readouterr().out)]
    assert sup.peer.user.email in emails
    call_command("supervision_compliance", "--organization", sup.org.slug, "--month", "2025-05")
    assert sup.peer.user.email not in [r["email"] for r in json.loads(capsys.readouterr().out)]


def test_an_odd_month_never_breaks_the_page_or_the_command(sup, client_for):
    from django.core.management.base import CommandError

    c = client_for(sup.manager)
    for month in ("9999-12", "0000-01", "2025-00", "abc"):
        assert c.get(reverse("supervision_ratio"), {"month": month}).status_code == 200
    with pytest.raises(CommandError):
        call_command("supervision_compliance", "--organization", sup.org.slug, "--month", "9999-12")


def test_an_unsigned_log_older_than_a_week_shows_overdue_to_its_supervisor(sup, client_for):
    today = timezone.localdate()
    old = write(sup, date=today - dt.timedelta(days=8))
    write(sup, date=today - dt.timedelta(days=6))
    page = client_for(sup.supervisor).get(reverse("supervision_home"))
    assert [log.pk for log in page.context["overdue"]] == [old.pk]


def test_each_role_sees_only_its_logs(sup, member_of, client_for):
    log = write(sup, supervisees=[sup.peer])
    other = write(sup, supervisor=sup.rookie, supervisees=[sup.peer2], clients=[])
    assert set(SupervisionLog.objects.for_member(sup.supervisor)) == {log}
    assert set(SupervisionLog.objects.for_member(sup.peer)) == {log}
    assert set(SupervisionLog.objects.for_member(sup.peer2)) == {other}
    assert set(SupervisionLog.objects.for_member(sup.admin)) == {log, other}
    outsider = member_of(sup.org, Role.PROGRAM_MANAGER)
    assert not SupervisionLog.objects.for_member(outsider).exists()
    assert client_for(sup.peer2).get(reverse("supervision_log", args=[log.pk])).status_code == 404


def test_a_manager_sees_only_their_programs_agreements(sup, member_of, program_in):
    other = program_in(sup.org, name="Elsewhere")
    outside_peer = member_of(sup.org, Role.PEER_SUPPORTER, programs=[other])
    SupervisionAgreement.objects.create(
        supervisor=sup.supervisor, supervisee=outside_peer, starts_on=dt.date(2024, 1, 1)
    )
    seen = set(
        SupervisionAgreement.objects.for_member(sup.manager).values_list("supervisee", flat=True)
    )
    assert outside_peer.pk not in seen and sup.peer.pk in seen
