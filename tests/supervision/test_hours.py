"""Hours worked: the week screen for a peer and for a manager correcting a peer, who may
open whose week, and `import_hours`."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from programs.imports import BAD_DATE, BAD_EMAIL, BAD_NUMBER, REQUIRED
from programs.models import AuditEvent, Membership
from supervision import events as supervision_events
from supervision.hours_forms import day_field
from supervision.hours_import import NOT_AN_ACTIVE_PEER_HERE
from supervision.models import HoursWorked
from supervision.services.hours import HOURS_RANGE, hours_set
from supervision.services.supervisors import IN_THE_FUTURE

pytestmark = pytest.mark.django_db

# Every test runs on Wednesday, March 12, 2025 (noon, the organization's time).
MON, TUE, WED, THU = (dt.date(2025, 3, d) for d in (10, 11, 12, 13))
TODAY = WED
URL = reverse("hours_week")
NOT_A_NUMBER = "Enter a number."


@pytest.fixture(autouse=True)
def _on_a_wednesday(org):
    noon = dt.datetime(2025, 3, 12, 12, 0, tzinfo=ZoneInfo(org.time_zone))
    with time_machine.travel(noon, tick=False):
        yield


def _week(values: dict[dt.date, str] | None = None) -> dict[str, str]:
    """What the browser sends for this week: every day up to today (blank unless given);
    the days still to come are disabled, so they are not sent."""
    values = values or {}
    return {
        day_field(MON + dt.timedelta(days=i)): values.get(MON + dt.timedelta(days=i), "")
        for i in range(TODAY.weekday() + 1)
    }


def _stored(peer: Membership) -> dict[dt.date, D]:
    return dict(HoursWorked.objects.filter(peer=peer).values_list("date", "hours"))


def _input(html: str, day: dt.date) -> str:
    match = re.search(rf'<input[^>]*name="{day_field(day)}"[^>]*>', html, re.S)
    assert match, f"no input for {day}"
    return match.group(0)


def _said(response) -> str:
    """The last message on the page (signing in leaves one of its own)."""
    return [str(m) for m in response.context["messages"]][-1]


def _audits() -> int:
    return AuditEvent.objects.filter(event=supervision_events.HOURS_UPDATED).count()


# ----- A peer's own week -------------------------------------------------------------------


def test_a_peer_saves_a_week_and_sees_the_week_and_month_totals(team, client_for):
    hours_set(
        peer=team.peer, actor=None, days={dt.date(2025, 3, 3): D(4), dt.date(2025, 2, 28): D(8)}
    )
    browser = client_for(team.peer)
    page = browser.get(URL)
    assert page.status_code == 200
    assert page.context["week"].monday == MON
    assert (page.context["week_total"], page.context["month_total"]) == (D(0), D(4))

    response = browser.post(URL, _week({MON: "7.5", TUE: "8", WED: "0.25"}), follow=True)

    assert response.redirect_chain == [(f"{URL}?week=2025-03-10", 302)]
    assert _said(response) == "Hours saved: 3 days changed."
    assert _stored(team.peer) == {
        MON: D("7.5"),
        TUE: D(8),
        WED: D("0.25"),
        dt.date(2025, 3, 3): D(4),
        dt.date(2025, 2, 28): D(8),
    }
    # This week, and March so far (March 3 and this week; not February 28).
    assert response.context["week_total"] == D("15.75")
    assert response.context["month_total"] == D("19.75")
    html = response.content.decode()
    assert 'data-total="week">15.75<' in html and 'data-total="month">19.75<' in html
    assert 'value="7.5"' in _input(html, MON)
    assert HoursWorked.objects.get(peer=team.peer, date=MON).entered_by == team.peer.user
    event = AuditEvent.objects.get(event=supervision_events.HOURS_UPDATED, actor=team.peer.user)
    assert event.subject_id == str(team.peer.pk)
    assert event.data == {
        "days": {"2025-03-10": "7.5", "2025-03-11": "8", "2025-03-12": "0.25"},
        "source": "app",
        "confirmed": False,
    }


def test_the_week_asked_for_is_shown_with_its_hours_and_never_a_week_not_begun(team, client_for):
    hours_set(peer=team.peer, actor=None, days={dt.date(2025, 3, 4): D("6.25")})
    browser = client_for(team.peer)

    past = browser.get(URL, {"week": "2025-03-06"})  # any day of the week will do
    assert past.context["week"].monday == dt.date(2025, 3, 3)
    html = past.content.decode()
    assert 'value="6.25"' in _input(html, dt.date(2025, 3, 4))
    assert 'href="?week=2025-03-10" data-week-link="next"' in html
    assert 'href="?week=2025-02-24" data-week-link="previous"' in html

    current = browser.get(URL).content.decode()
    assert 'data-week-link="next"' not in current
    assert 'href="?week=2025-03-03" data-week-link="previous"' in current
    for asked in ("2025-03-17", "2026-01-01", "soon"):
        assert browser.get(URL, {"week": asked}).context["week"].monday == MON


def test_the_days_still_to_come_are_shown_disabled_and_the_inputs_suit_a_phone(team, client_for):
    html = client_for(team.peer).get(URL).content.decode()
    for i in range(7):
        day = MON + dt.timedelta(days=i)
        tag = _input(html, day)
        assert 'inputmode="decimal"' in tag and 'step="0.25"' in tag
        assert (" disabled" in tag) is (day > TODAY), day


def test_a_blank_day_clears_it(team, client_for):
    hours_set(peer=team.peer, actor=None, days={MON: D(5), TUE: D(3)})
    response = client_for(team.peer).post(URL, _week({TUE: "3"}), follow=True)
    assert _stored(team.peer) == {TUE: D(3)}
    assert _said(response) == "Hours saved: 1 day changed."


def test_a_day_not_sent_with_the_form_is_left_as_it_is(team, client_for):
    hours_set(peer=team.peer, actor=None, days={MON: D(5)})
    client_for(team.peer).post(URL, {day_field(TUE): "2"})
    assert _stored(team.peer) == {MON: D(5), TUE: D(2)}


@pytest.mark.parametrize(
    ("typed", "message"),
    [("24.5", HOURS_RANGE), ("1.1", HOURS_RANGE), ("-1", HOURS_RANGE), ("abc", NOT_A_NUMBER)],
)
def test_hours_out_of_range_or_not_a_number_are_refused_by_their_day(
    team, client_for, typed, message
):
    response = client_for(team.peer).post(URL, _week({MON: "6", TUE: typed}))

    assert response.status_code == 200
    assert response.context["form"].errors == {day_field(TUE): [message]}
    html = response.content.decode()
    error_id = f"id_{day_field(TUE)}-error"
    assert re.search(rf'id="{error_id}">{re.escape(message)}</div>', html)
    tuesday = _input(html, TUE)
    assert f'value="{typed}"' in tuesday and "is-invalid" in tuesday
    assert f'aria-describedby="{error_id}"' in tuesday
    assert 'value="6"' in _input(html, MON)  # what was typed stays
    assert "is-invalid" not in _input(html, MON)
    assert not HoursWorked.objects.exists() and _audits() == 0


def test_the_service_takes_a_whole_day_of_24_hours_and_refuses_a_quarter_hour_more(team):
    # certification.rules.is_hours_in_a_day: 0 to 24, in quarter hours.
    assert hours_set(peer=team.peer, actor=None, days={MON: D(24), TUE: D(0)}) == 2
    assert _stored(team.peer) == {MON: D(24), TUE: D(0)}
    with pytest.raises(ValidationError) as err:
        hours_set(peer=team.peer, actor=None, days={WED: D("24.25")})
    assert err.value.message_dict == {"hours": [HOURS_RANGE]}
    assert _stored(team.peer) == {MON: D(24), TUE: D(0)} and _audits() == 1


def test_hours_on_a_day_still_to_come_are_refused_by_that_day(team, client_for):
    response = client_for(team.peer).post(URL, {**_week({MON: "6"}), day_field(THU): "3"})
    assert response.status_code == 200
    assert response.context["form"].errors == {day_field(THU): [IN_THE_FUTURE]}
    assert IN_THE_FUTURE in response.content.decode()
    assert not HoursWorked.objects.exists() and _audits() == 0


def test_sending_the_same_week_again_changes_nothing(team, client_for):
    browser = client_for(team.peer)
    browser.post(URL, _week({MON: "7.5", TUE: "8"}))
    assert _audits() == 1

    again = browser.post(URL, _week({MON: "7.50", TUE: "8.00"}), follow=True)

    assert _said(again) == "Nothing changed: these hours were already saved."
    assert _audits() == 1
    assert _stored(team.peer) == {MON: D("7.5"), TUE: D(8)}


def test_the_week_page_is_for_peers_own_hours(team, client_for):
    assert client_for(team.manager).get(URL).status_code == 403
    assert client_for(team.admin).post(URL, _week({MON: "6"})).status_code == 403
    assert not HoursWorked.objects.exists()


# ----- A manager correcting a peer ---------------------------------------------------------


def test_a_manager_corrects_a_peer_of_their_program(team, client_for):
    hours_set(peer=team.peer, actor=team.peer.user, days={MON: D("7.5")})
    browser = client_for(team.manager)
    url = reverse("hours_peer", args=[team.peer.pk])

    page = browser.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Hours worked by {team.peer.user}" in html
    assert 'value="7.5"' in _input(html, MON)

    response = browser.post(url, _week({MON: "6", TUE: "2"}), follow=True)

    assert response.redirect_chain == [(f"{url}?week=2025-03-10", 302)]
    assert _said(response) == f"Hours saved for {team.peer.user}: 2 days changed."
    assert _stored(team.peer) == {MON: D(6), TUE: D(2)}
    assert HoursWorked.objects.get(peer=team.peer, date=MON).entered_by == team.manager.user
    event = AuditEvent.objects.get(event=supervision_events.HOURS_UPDATED, actor=team.manager.user)
    assert event.subject_id == str(team.peer.pk)
    assert event.data["days"] == {"2025-03-10": "6", "2025-03-11": "2"}


def test_an_admin_of_the_organization_corrects_any_peer(team, client_for):
    url = reverse("hours_peer", args=[team.other_peer.pk])
    client_for(team.admin).post(url, _week({MON: "4"}))
    assert _stored(team.other_peer) == {MON: D(4)}


@pytest.mark.parametrize(
    ("who", "their_peer"), [("other_manager", "other_peer"), ("outside_admin", "outside_peer")]
)
def test_a_peer_outside_a_managers_programs_or_organization_is_not_found(
    team, client_for, who, their_peer
):
    hours_set(peer=team.peer, actor=None, days={MON: D("7.5")})
    browser = client_for(getattr(team, who))
    url = reverse("hours_peer", args=[team.peer.pk])

    assert browser.get(url).status_code == 404
    assert browser.post(url, _week({MON: "1"})).status_code == 404
    assert _stored(team.peer) == {MON: D("7.5")}
    # Their own peers they can correct: the 404 is about whose peer it is.
    own = reverse("hours_peer", args=[getattr(team, their_peer).pk])
    assert browser.get(own).status_code == 200


def test_a_peer_cannot_open_the_correction_page(team, client_for):
    browser = client_for(team.peer)
    own = reverse("hours_peer", args=[team.peer.pk])
    assert browser.get(own).status_code == 403
    assert browser.post(own, _week({MON: "6"})).status_code == 403
    # A colleague's page is not even found.
    colleague = reverse("hours_peer", args=[team.colleague.pk])
    assert browser.post(colleague, _week({MON: "6"})).status_code == 404
    assert not HoursWorked.objects.exists()


# ----- import_hours ------------------------------------------------------------------------


def _csv(tmp_path, *rows: str) -> str:
    path = tmp_path / "hours.csv"
    path.write_text("peer_email,date,hours\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return str(path)


def _import(org, path: str) -> str:
    out = io.StringIO()
    call_command("import_hours", "--organization", org.slug, path, stdout=out)
    return out.getvalue()


def _good_rows(team) -> list[str]:
    pat, olu = team.peer.user.email, team.colleague.user.email
    return [
        f"{pat},2025-03-10,7.5",
        f"{pat},2025-03-11,8",
        f"{olu},2025-02-28,4.25",
        f"{olu.upper()},2025-03-12,0",
    ]


def test_import_sets_each_peers_hours_by_day(team, org, tmp_path):
    out = _import(org, _csv(tmp_path, *_good_rows(team)))

    assert "4 row(s): 4 created, 0 updated, 0 unchanged" in out
    assert _stored(team.peer) == {MON: D("7.5"), TUE: D(8)}
    assert _stored(team.colleague) == {dt.date(2025, 2, 28): D("4.25"), WED: D(0)}
    events = AuditEvent.objects.filter(event=supervision_events.HOURS_UPDATED)
    assert events.count() == 4
    assert {e.data["source"] for e in events} == {"import"}


def test_importing_the_same_file_again_changes_nothing_and_a_changed_row_is_updated(
    team, org, tmp_path
):
    rows = _good_rows(team)
    _import(org, _csv(tmp_path, *rows))

    assert "0 created, 0 updated, 4 unchanged" in _import(org, _csv(tmp_path, *rows))
    assert _audits() == 4

    rows[0] = rows[0].replace(",7.5", ",7.50")  # the same hours, written differently
    rows[1] = rows[1].replace(",8", ",6")
    assert "0 created, 1 updated, 3 unchanged" in _import(org, _csv(tmp_path, *rows))
    assert _stored(team.peer) == {MON: D("7.5"), TUE: D(6)}
    assert _audits() == 5


def test_every_bad_row_is_named_by_line_and_column_and_nothing_is_written(
    team, org, tmp_path, capsys
):
    pat = team.peer.user.email
    rows = [
        f"{pat},2025-03-10,7.5",  # line 2: good
        f"{pat},2025-03-13,5",  # tomorrow
        f"{pat},2025-03-09,24.5",
        f"{pat},2025-03-08,1.1",
        f"{pat},2025-03-07,-1",
        f"{pat},2025-03-06,abc",
        f"{pat},03/05/2025,4",
        f"{pat},2025-03-04,",
        f"{team.manager.user.email},2025-03-04,4",  # not a peer supporter
        f"{team.outside_peer.user.email},2025-03-04,4",  # another organization's peer
        "not-an-email,2025-03-04,4",
    ]
    with pytest.raises(CommandError):
        _import(org, _csv(tmp_path, *rows))

    err = capsys.readouterr().err
    for expected in [
        f"line 3, column date: {IN_THE_FUTURE}",
        f"line 4, column hours: {HOURS_RANGE}",
        f"line 5, column hours: {HOURS_RANGE}",
        f"line 6, column hours: {HOURS_RANGE}",
        f"line 7, column hours: {BAD_NUMBER}",
        f"line 8, column date: {BAD_DATE}",
        f"line 9, column hours: {REQUIRED}",
        f"line 10, column peer_email: {NOT_AN_ACTIVE_PEER_HERE}",
        f"line 11, column peer_email: {NOT_AN_ACTIVE_PEER_HERE}",
        f"line 12, column peer_email: {BAD_EMAIL}",
    ]:
        assert expected in err, expected
    assert "line 2" not in err
    assert not HoursWorked.objects.exists() and _audits() == 0


def test_an_unknown_or_inactive_peer_email_is_refused_and_nothing_is_written(
    team, org, tmp_path, capsys
):
    team.colleague.is_active = False
    team.colleague.save(update_fields=["is_active"])
    rows = [
        f"{team.peer.user.email},2025-03-10,7.5",
        "nobody@example.org,2025-03-10,7.5",
        f"{team.colleague.user.email},2025-03-10,7.5",
    ]
    with pytest.raises(CommandError):
        _import(org, _csv(tmp_path, *rows))

    err = capsys.readouterr().err
    assert f"line 3, column peer_email: {NOT_AN_ACTIVE_PEER_HERE}" in err
    assert f"line 4, column peer_email: {NOT_AN_ACTIVE_PEER_HERE}" in err
    assert not HoursWorked.objects.exists()


def test_the_same_peer_and_date_twice_in_a_file_is_refused(team, org, tmp_path, capsys):
    pat, olu = team.peer.user.email, team.colleague.user.email
    rows = [
        f"{pat},2025-03-10,7.5",
        f"{olu},2025-03-10,7.5",  # another peer on that day is fine
        f"{pat.upper()},2025-03-10,6",
    ]
    with pytest.raises(CommandError):
        _import(org, _csv(tmp_path, *rows))

    err = capsys.readouterr().err
    assert "line 4, columns peer_email, date: the same peer and date appears on line 2" in err
    assert not HoursWorked.objects.exists()
