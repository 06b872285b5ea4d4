"""Hours a peer enters themself are reported until a supervisor of theirs, a manager of
their program or an admin confirms them; hours from payroll (the import) and hours a
manager enters are confirmed on entry. The ratio still counts reported hours, and every
figure built on them says so."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from encounters.reporting.figures import Scope
from encounters.reporting.funder import staff_figures
from programs.models import AuditEvent, Role
from supervision import events as supervision_events
from supervision import selectors
from supervision.hours_forms import LAST_BEFORE_FIRST, day_field
from supervision.models import HoursWorked
from supervision.services.hours import hours_set

pytestmark = pytest.mark.django_db

MON, TUE = dt.date(2025, 3, 10), dt.date(2025, 3, 11)
MARCH = {"first": "2025-03-01", "last": "2025-03-31", "back": "ratio"}


@pytest.fixture(autouse=True)
def _on_march_12(org):
    noon = dt.datetime(2025, 3, 12, 12, 0, tzinfo=ZoneInfo(org.time_zone))
    with time_machine.travel(noon, tick=False):
        yield


def _reported_by_the_peer(peer, days=None) -> None:
    hours_set(peer=peer, actor=peer.user, days=days or {MON: D(8), TUE: D(6)})


def _confirm_url(peer) -> str:
    return reverse("hours_confirm", args=[peer.pk])


def _unconfirmed(peer) -> set[dt.date]:
    return set(
        HoursWorked.objects.filter(peer=peer, confirmed_at__isnull=True).values_list(
            "date", flat=True
        )
    )


def test_hours_a_peer_enters_on_the_week_screen_are_reported(sup, client_for):
    browser = client_for(sup.peer)
    browser.post(reverse("hours_week"), {day_field(MON): "8", day_field(TUE): "6"})
    assert _unconfirmed(sup.peer) == {MON, TUE}
    page = browser.get(reverse("hours_week"))
    assert 'data-reported-days="2"' in page.content.decode()
    assert page.context["may_confirm"] is False  # no confirm button for the peer


def test_hours_a_manager_enters_are_confirmed_and_a_peers_change_makes_a_day_reported_again(
    sup, client_for
):
    browser = client_for(sup.manager)
    url = reverse("hours_peer", args=[sup.peer.pk])
    browser.post(url, {day_field(MON): "8", day_field(TUE): "6"})
    row = HoursWorked.objects.get(peer=sup.peer, date=MON)
    assert (row.confirmed_by, row.confirmed_at is not None) == (sup.manager.user, True)
    assert _unconfirmed(sup.peer) == set()

    _reported_by_the_peer(sup.peer, {TUE: D(7)})  # the peer changes Tuesday
    assert _unconfirmed(sup.peer) == {TUE}
    _reported_by_the_peer(sup.peer, {MON: D(8)})  # the same hours again: nothing changes
    assert _unconfirmed(sup.peer) == {TUE}


def test_hours_from_payroll_are_confirmed_and_confirm_what_the_peer_reported(sup, tmp_path):
    _reported_by_the_peer(sup.peer)
    path = tmp_path / "hours.csv"
    email = sup.peer.user.email
    path.write_text(f"peer_email,date,hours\n{email},2025-03-10,8\n{email},2025-03-07,5\n")
    call_command("import_hours", "--organization", sup.org.slug, str(path), stdout=io.StringIO())
    # Friday is new from payroll, Monday agreed with what the peer reported; Tuesday is
    # not in the file and stays reported.
    assert _unconfirmed(sup.peer) == {TUE}


def test_the_peers_supervisor_confirms_the_month_from_the_ratio_page_audited(sup, client_for):
    _reported_by_the_peer(sup.peer)
    browser = client_for(sup.supervisor)
    page = browser.get(reverse("supervision_ratio"), {"month": "2025-03"})
    assert page.context["unconfirmed"] == 1
    assert sup.peer.pk in page.context["may_confirm"]
    assert _confirm_url(sup.peer) in page.content.decode()
    assert "1 peer's figures this month rest on reported hours" in html.unescape(
        page.content.decode()
    )

    response = browser.post(_confirm_url(sup.peer), MARCH)

    assert response.status_code == 302
    assert response["Location"] == reverse("supervision_ratio") + "?month=2025-03"
    assert _unconfirmed(sup.peer) == set()
    assert set(HoursWorked.objects.values_list("confirmed_by", flat=True)) == {
        sup.supervisor.user_id
    }
    event = AuditEvent.objects.get(event=supervision_events.HOURS_CONFIRMED)
    assert (event.actor, event.subject_id) == (sup.supervisor.user, str(sup.peer.pk))
    assert event.data == {"days": {"2025-03-10": "8", "2025-03-11": "6"}}
    again = browser.get(reverse("supervision_ratio"), {"month": "2025-03"})
    assert again.context["unconfirmed"] == 0


def test_a_peer_cannot_confirm_their_own_hours(sup, client_for):
    _reported_by_the_peer(sup.peer)
    response = client_for(sup.peer).post(_confirm_url(sup.peer), MARCH)
    assert response.status_code == 403
    assert _unconfirmed(sup.peer) == {MON, TUE}
    assert not AuditEvent.objects.filter(event=supervision_events.HOURS_CONFIRMED).exists()


def test_only_the_peers_own_supervisor_or_manager_may_confirm(
    sup, org, other_org, member_of, program_in, client_for
):
    _reported_by_the_peer(sup.peer)
    stranger = member_of(org, Role.CLINICAL_SUPERVISOR, programs=[sup.program])  # no agreement
    other_manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program_in(org)])
    outside_admin = member_of(other_org, Role.ORG_ADMIN)
    colleague = sup.peer2
    for who in (stranger, other_manager, outside_admin, colleague):
        assert client_for(who).post(_confirm_url(sup.peer), MARCH).status_code == 404, who
    trainer = member_of(org, Role.TRAINER)
    assert client_for(trainer).post(_confirm_url(sup.peer), MARCH).status_code == 403
    assert _unconfirmed(sup.peer) == {MON, TUE}
    # The admin of the organization may.
    assert client_for(sup.admin).post(_confirm_url(sup.peer), MARCH).status_code == 302
    assert _unconfirmed(sup.peer) == set()


def test_bad_days_to_confirm_are_refused_in_a_message_not_a_500(sup, client_for):
    _reported_by_the_peer(sup.peer)
    browser = client_for(sup.manager)
    bad = browser.post(
        _confirm_url(sup.peer), {"first": "2025-03-31", "last": "2025-03-01"}, follow=True
    )
    assert bad.status_code == 200
    assert LAST_BEFORE_FIRST in [str(m) for m in bad.context["messages"]][-1]
    unreadable = browser.post(_confirm_url(sup.peer), {"first": "\x00", "last": "x"})
    assert unreadable.status_code == 302
    assert _unconfirmed(sup.peer) == {MON, TUE}


def test_the_ratio_csv_command_and_funder_report_say_which_months_rest_on_reported_hours(
    sup, client_for, capsys
):
    _reported_by_the_peer(sup.peer)  # 14 hours, reported
    hours_set(peer=sup.peer2, actor=sup.manager.user, days={MON: D(10)})  # confirmed
    # The ratio still counts the reported hours.
    rows = {
        r.peer: r.ratio
        for r in selectors.month_ratios(selectors.peers_for(sup.admin), year=2025, month=3)
    }
    assert (rows[sup.peer].hours_worked, rows[sup.peer].required_minutes) == (14, 42)
    assert (rows[sup.peer].unconfirmed_hours, rows[sup.peer].rests_on_unconfirmed_hours) == (
        14,
        True,
    )
    assert (rows[sup.peer2].unconfirmed_hours, rows[sup.peer2].rests_on_unconfirmed_hours) == (
        0,
        False,
    )

    csv_lines = (
        client_for(sup.manager)
        .get(reverse("supervision_ratio"), {"month": "2025-03", "format": "csv"})
        .content.decode()
        .splitlines()
    )
    assert csv_lines[0].endswith(",compliant,unconfirmed_hours,includes_unconfirmed_hours")
    assert f"{sup.peer.user.email},14,42,0,-42,false,14,true" in csv_lines
    assert f"{sup.peer2.user.email},10,30,0,-30,false,0,false" in csv_lines

    call_command("supervision_compliance", "--organization", sup.org.slug, "--month", "2025-03")
    printed = {r["email"]: r for r in json.loads(capsys.readouterr().out)}
    assert printed[sup.peer.user.email]["includes_unconfirmed_hours"] is True
    assert printed[sup.peer2.user.email]["includes_unconfirmed_hours"] is False

    scope = Scope(organization=sup.org, start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31))
    figures = staff_figures(scope)
    assert (
        figures["supervision_months"],
        figures["supervision_months_with_unconfirmed_hours"],
        figures["supervision_unconfirmed_hours"],
    ) == (2, 1, D(14))


def test_the_record_for_the_board_shows_the_hours_not_yet_confirmed(sup):
    from supervision.record import record_context

    _reported_by_the_peer(sup.peer)
    hours_set(peer=sup.peer, actor=sup.manager.user, days={dt.date(2025, 2, 3): D(5)})
    context = record_context(sup.peer, dt.date(2025, 2, 1), dt.date(2025, 3, 31), sup.admin)
    shown = {month: r.unconfirmed_hours for month, r in context["months"]}
    assert shown == {dt.date(2025, 2, 1): 0, dt.date(2025, 3, 1): 14}
    assert context["unconfirmed_months"] == 1
