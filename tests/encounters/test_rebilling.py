"""Billing follows history: a peer's certification on each encounter's own date, and the
payer's terms in force on it. Every change re-bills exactly the encounters it touches, in
the same transaction, audited per encounter with before and after."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from certification import services as cert_services
from certification.models import Certification
from certification.services import profile_for
from encounters import events, rules
from encounters.models import Encounter
from encounters.services.payers import PayerTerms, payer_update
from programs.models import AuditEvent
from tests.encounters.conftest import audit_rows, county_payer, log_encounter, save_encounter

pytestmark = pytest.mark.django_db

D = dt.date
EXPIRY = D(2025, 6, 30)


def _expiring(s):
    cert = Certification.objects.get(profile__membership=s.peer)
    cert.expires_on = EXPIRY
    cert.save()
    return cert


def _billed(enc):
    enc.refresh_from_db()
    return enc.billable, enc.units, enc.not_billable_reason


def test_a_late_renewal_keeps_the_lapse_and_bills_the_days_from_its_effect(setup):
    s = setup
    cert = _expiring(s)
    on_expiry, _ = save_encounter(s, date=EXPIRY)
    in_lapse, _ = save_encounter(s, date=D(2025, 7, 10))
    after, _ = save_encounter(s, date=D(2025, 8, 20))
    assert on_expiry.billable  # in force on its expiry day
    assert not in_lapse.billable and in_lapse.not_billable_reason.endswith(
        "certification lapsed on 2025-07-01."
    )
    renewal = cert_services.certification_renew(
        certification=cert,
        actor=s.manager.user,
        effective_on=D(2025, 8, 15),
        expires_on=D(2027, 6, 30),
    )
    assert renewal.rebilled == 1
    assert _billed(after) == (True, 2, "")
    assert _billed(in_lapse)[0] is False  # recorded late, the renewal does not erase the lapse
    [row] = audit_rows(events.ENCOUNTER_REBILLED)
    assert row[1:4] == (s.manager.user_id, "encounters.encounter", str(after.pk))
    assert row[4]["reason"] == "certification renewed"
    assert row[4]["billable"] == [False, True] and row[4]["units"] == [0, 2]
    assert row[4]["amount"] == ["0.00", "28.02"]
    assert row[4]["not_billable_reason"][1] == ""
    # The state dated the renewal from the day after expiry: no lapse at all.
    corrected = cert_services.renewal_correct(
        renewal=renewal, actor=s.manager.user, effective_on=D(2025, 7, 1), expires_on=D(2027, 6, 30)
    )
    assert corrected.rebilled == 1 and _billed(in_lapse)[0] is True
    assert _billed(on_expiry)[0] is True


def test_an_encounter_entered_after_the_renewal_for_a_day_in_the_lapse_does_not_bill(setup):
    s = setup
    cert = _expiring(s)
    cert_services.certification_renew(
        certification=cert,
        actor=s.manager.user,
        effective_on=D(2025, 8, 15),
        expires_on=D(2027, 6, 30),
    )
    late, _ = save_encounter(s, date=D(2025, 8, 14))
    assert not late.billable and late.not_billable_reason.endswith("lapsed on 2025-07-01.")
    first_day, _ = save_encounter(s, date=D(2025, 8, 15), start_time=dt.time(11))
    assert first_day.billable


def test_a_suspension_recorded_then_withdrawn_or_reinstated_rebills_its_days(setup):
    s = setup
    cert = Certification.objects.get(profile__membership=s.peer)
    before, _ = save_encounter(s, date=D(2025, 2, 28))
    during, _ = save_encounter(s, date=D(2025, 3, 10))
    lapse = cert_services.certification_lapse(
        certification=cert, actor=s.manager.user, lapsed_on=D(2025, 3, 1), reason="Board suspension"
    )
    assert lapse is not None and lapse.rebilled == 1
    assert _billed(before)[0] is True
    assert _billed(during) == (
        False,
        0,
        rules.CERTIFICATION_LAPSED.format(payer=s.medicaid.name, lapsed_on=D(2025, 3, 1)),
    )
    # The same lapse sent again lands once and changes nothing.
    assert (
        cert_services.certification_lapse(
            certification=cert, actor=s.manager.user, lapsed_on=D(2025, 3, 1)
        )
        is None
    )
    withdrawn = cert_services.lapse_withdraw(
        lapse=lapse, actor=s.manager.user, reason="Entered for the wrong peer"
    )
    assert withdrawn.rebilled == 1 and _billed(during)[0] is True
    assert cert.lapses.get().withdrawn_at is not None  # kept in the history
    again = cert_services.certification_lapse(
        certification=cert, actor=s.manager.user, lapsed_on=D(2025, 3, 5)
    )
    assert again is not None and _billed(during)[0] is False
    back = cert_services.certification_reinstate(
        certification=cert, actor=s.manager.user, reinstated_on=D(2025, 3, 10)
    )
    assert back.rebilled == 1 and _billed(during)[0] is True
    codes = [r[0] for r in audit_rows(events.ENCOUNTER_REBILLED)]
    assert len(codes) == 4


def test_correcting_an_expiry_date_rebills_only_the_days_it_moves(setup):
    s = setup
    cert = _expiring(s)
    inside, _ = save_encounter(s, date=D(2025, 6, 1))
    moved, _ = save_encounter(s, date=D(2025, 7, 15))
    far, _ = save_encounter(s, date=D(2025, 9, 1))
    fixed = cert_services.certification_correct(
        certification=cert,
        actor=s.manager.user,
        issued_on=cert.issued_on,
        expires_on=D(2025, 7, 31),
    )
    # The encounter now inside bills; the one still after it keeps not billing, with a
    # reason naming the new lapse date (so it too is re-billed and audited).
    assert fixed.rebilled == 2
    assert [_billed(e)[0] for e in (inside, moved, far)] == [True, True, False]
    assert _billed(far)[2].endswith("lapsed on 2025-08-01.")  # the reason follows the new date


def test_a_manager_is_told_how_many_encounters_a_renewal_rebilled(setup, client_for):
    s = setup
    cert = _expiring(s)
    save_encounter(s, date=D(2025, 8, 20))
    save_encounter(s, date=D(2025, 8, 21))
    response = client_for(s.manager).post(
        reverse("certification_renew", args=[cert.profile_id]),
        {
            "certification": cert.pk,
            "effective_on": "2025-08-01",
            "expires_on": "2027-06-30",
            "fee": "93",
        },
        follow=True,
    )
    assert "Renewal recorded. 2 encounters re-billed." in response.content.decode()
    assert Encounter.objects.filter(billable=True).count() == 2


# --- payer terms with effective dates ----------------------------------------------------


def test_a_cap_from_a_date_rebills_from_that_date_and_late_entries_get_their_day_s_terms(setup):
    s = setup
    county = county_payer(s)
    early = log_encounter(s, county, date=D(2025, 4, 10), duration_minutes=60)  # 4 units
    later = log_encounter(s, county, date=D(2025, 5, 10), duration_minutes=60)
    payer, rebilled = payer_update(
        payer=county,
        actor=s.admin.user,
        terms=PayerTerms(name="County contract", daily_unit_cap=3),
        rebill_from=D(2025, 5, 1),
    )
    assert rebilled == 1
    assert _billed(early)[:2] == (True, 4) and _billed(later)[:2] == (True, 3)
    # Entered now for an earlier day: the terms of that day (no cap), not today's.
    backdated = log_encounter(s, county, date=D(2025, 4, 11), duration_minutes=60)
    assert _billed(backdated)[:2] == (True, 4)
    # Entered now for a capped day: the cap counts what the day already billed.
    same_day = log_encounter(
        s, county, date=D(2025, 5, 10), start_time=dt.time(15), duration_minutes=30
    )
    assert _billed(same_day)[0] is False and "daily limit" in _billed(same_day)[2]
    # A change from a date before a later change applies only until that later change.
    payer_update(
        payer=payer,
        actor=s.admin.user,
        terms=PayerTerms(name="County contract", daily_unit_cap=1),
        rebill_from=D(2025, 4, 1),
    )
    assert _billed(early)[:2] == (True, 1) and _billed(later)[:2] == (True, 3)


def test_who_bills_changes_from_a_date_and_the_page_shows_the_terms_history(setup, client_for):
    s = setup
    county = county_payer(s)
    before = log_encounter(s, county, peer=s.other_peer, date=D(2025, 5, 31))  # not certified
    after = log_encounter(s, county, peer=s.other_peer, date=D(2025, 6, 1))
    assert not _billed(before)[0] and not _billed(after)[0]
    _, rebilled = payer_update(
        payer=county,
        actor=s.admin.user,
        terms=PayerTerms(name="County contract", requires_certification=False),
        rebill_from=D(2025, 6, 1),
    )
    assert rebilled == 1 and not _billed(before)[0] and _billed(after)[0]
    page = client_for(s.admin).get(reverse("payer_detail", args=[county.pk])).content.decode()
    assert "From the start \u2013 May 31, 2025" in page and "Jun 1, 2025 \u2013 onward" in page
    assert "Any peer" in page and "Certified peers only" in page


def test_a_change_that_touches_no_encounter_reports_none(setup):
    s = setup
    cert = _expiring(s)
    renewal = cert_services.certification_renew(
        certification=cert,
        actor=s.manager.user,
        effective_on=D(2025, 7, 1),
        expires_on=D(2027, 1, 1),
    )
    assert renewal.rebilled == 0  # the peer has no encounters at all
    county = county_payer(s)
    _, rebilled = payer_update(
        payer=county,
        actor=s.admin.user,
        terms=PayerTerms(name="County contract", daily_unit_cap=2),
        rebill_from=D(2025, 5, 1),
    )
    assert rebilled == 0 and not audit_rows(events.ENCOUNTER_REBILLED)


def test_each_client_has_a_daily_cap_of_their_own(setup):
    s = setup
    county = county_payer(s, daily_unit_cap=3)
    mine = log_encounter(s, county, date=D(2025, 5, 10), duration_minutes=45)  # 3 units
    theirs = log_encounter(s, county, peer=s.other_peer, date=D(2025, 5, 10), duration_minutes=45)
    cert_services.certification_record(
        profile=profile_for(s.other_peer), actor=None, number="CBHPSS-2", issued_on=D(2024, 1, 1)
    )
    # The other peer's certification bills their client's encounter: the cap is per client.
    assert _billed(theirs)[:2] == (True, 3) and _billed(mine)[:2] == (True, 3)
    extra = log_encounter(s, county, date=D(2025, 5, 10), start_time=dt.time(14))
    assert _billed(extra)[0] is False and _billed(theirs)[:2] == (True, 3)


def test_the_rebilled_encounters_audit_rows_keep_the_address_of_the_change(setup, client_for):
    s = setup
    cert = _expiring(s)
    enc, _ = save_encounter(s, date=D(2025, 8, 20))
    client_for(s.manager).post(
        reverse("certification_renew", args=[cert.profile_id]),
        {
            "certification": cert.pk,
            "effective_on": "2025-08-01",
            "expires_on": "2027-06-30",
            "fee": "93",
        },
        REMOTE_ADDR="203.0.113.9",
    )
    [row] = AuditEvent.objects.filter(event=events.ENCOUNTER_REBILLED, subject_id=str(enc.pk))
    assert row.ip_address == "203.0.113.9"
    county = county_payer(s)
    uncertified = log_encounter(s, county, peer=s.other_peer, date=D(2025, 9, 1))
    payer_update(
        payer=county,
        actor=s.admin.user,
        terms=PayerTerms(name="County contract", requires_certification=False),
        rebill_from=D(2025, 9, 1),
        ip_address="198.51.100.4",
    )
    [row] = AuditEvent.objects.filter(
        event=events.ENCOUNTER_REBILLED, subject_id=str(uncertified.pk)
    )
    assert row.ip_address == "198.51.100.4" and row.data["billable"] == [False, True]


def test_a_history_change_shares_a_capped_day_again_with_another_peers_encounter(setup):
    """The client saw two peers on one capped day. The first peer's renewal makes their
    morning encounter bill, so it takes the cap first: the afternoon one, by the other
    peer, is cut, though that peer's history did not change."""
    s = setup
    cert = _expiring(s)
    cert_services.certification_record(
        profile=profile_for(s.other_peer), actor=None, number="CBHPSS-2", issued_on=D(2024, 1, 1)
    )
    county = county_payer(s, daily_unit_cap=3)
    day = D(2025, 8, 20)
    morning = log_encounter(s, county, date=day, start_time=dt.time(9), duration_minutes=45)
    afternoon = log_encounter(
        s,
        county,
        peer=s.other_peer,
        client=s.client,
        date=day,
        start_time=dt.time(15),
        duration_minutes=45,
    )
    assert _billed(morning)[0] is False and _billed(afternoon)[:2] == (True, 3)
    renewal = cert_services.certification_renew(
        certification=cert,
        actor=s.manager.user,
        effective_on=D(2025, 8, 1),
        expires_on=D(2027, 1, 1),
    )
    assert _billed(morning)[:2] == (True, 3)
    assert _billed(afternoon)[0] is False and "daily limit" in _billed(afternoon)[2]
    assert renewal.rebilled == 2


def test_a_new_cap_rebills_each_client_s_day_on_its_own_and_leaves_groups_uncapped(setup, org):
    s = setup
    county = county_payer(s)
    cert_services.certification_record(
        profile=profile_for(s.other_peer), actor=None, number="CBHPSS-2", issued_on=D(2024, 1, 1)
    )
    day = D(2025, 6, 3)
    mine = log_encounter(s, county, date=day, duration_minutes=60)  # 4 units
    theirs = log_encounter(s, county, peer=s.other_peer, date=day, duration_minutes=60)
    group = log_encounter(
        s,
        county,
        date=day,
        client=None,
        format="group",
        head_count=6,
        duration_minutes=90,
        start_time=dt.time(13),
    )  # 6 units, no client
    _, rebilled = payer_update(
        payer=county,
        actor=s.admin.user,
        terms=PayerTerms(name="County contract", daily_unit_cap=3),
        rebill_from=day,
    )
    # Each client's day is cut to the cap on its own; a group has no client's cap.
    assert (_billed(mine)[:2], _billed(theirs)[:2], _billed(group)[:2]) == (
        (True, 3),
        (True, 3),
        (True, 6),
    )
    assert rebilled == 2
    rows = AuditEvent.objects.filter(event=events.ENCOUNTER_REBILLED)
    assert {r.organization_id for r in rows} == {org.pk}


def test_a_late_renewal_leaves_the_lapse_s_reason_on_the_days_it_does_not_cover(setup):
    s = setup
    cert = _expiring(s)
    in_lapse, _ = save_encounter(s, date=D(2025, 7, 10))
    last_lapsed_day, _ = save_encounter(s, date=D(2025, 8, 14))
    cert_services.certification_renew(
        certification=cert,
        actor=s.manager.user,
        effective_on=D(2025, 8, 15),
        expires_on=D(2027, 6, 30),
    )
    lapsed = rules.CERTIFICATION_LAPSED.format(payer=s.medicaid.name, lapsed_on=D(2025, 7, 1))
    assert _billed(in_lapse) == (False, 0, lapsed)
    assert _billed(last_lapsed_day) == (False, 0, lapsed)


def test_recording_a_first_certification_tells_the_manager_how_many_encounters_it_rebilled(
    setup, client_for
):
    s = setup
    for day in (D(2025, 5, 1), D(2025, 5, 2)):
        save_encounter(s, s.other_peer, client=s.other_client, date=day)
    assert Encounter.objects.filter(peer=s.other_peer, billable=True).count() == 0
    response = client_for(s.manager).post(
        reverse("certification_record", args=[profile_for(s.other_peer).pk]),
        {"number": "CBHPSS-2", "issued_on": "2025-01-01"},
        follow=True,
    )
    assert "Certification recorded. 2 encounters re-billed." in response.content.decode()
    assert Encounter.objects.filter(peer=s.other_peer, billable=True).count() == 2


@pytest.mark.parametrize(
    ("path", "data", "told"),
    [
        ("certification_lapse", {"lapsed_on": "2025-03-01", "reason": "Board"}, "Lapse recorded."),
        (
            "certification_correct",
            {"issued_on": "2025-03-05", "expires_on": ""},
            "Dates corrected.",
        ),
    ],
)
def test_each_history_change_on_the_page_says_how_many_encounters_it_rebilled(
    setup, client_for, path, data, told
):
    s = setup
    save_encounter(s, date=D(2025, 3, 3))
    cert = Certification.objects.get(profile__membership=s.peer)
    response = client_for(s.manager).post(
        reverse(path, args=[cert.profile_id]), {"certification": cert.pk, **data}, follow=True
    )
    assert f"{told} 1 encounter re-billed." in response.content.decode()
    assert Encounter.objects.get().billable is False


def test_an_encounter_entered_late_for_a_capped_day_gets_that_day_s_cap_less_what_it_billed(
    setup,
):
    """The cap was 2 units a day in April and 8 from May: an April day entered in June is
    cut to April's cap, less the unit an earlier encounter of that client's day billed."""
    s = setup
    county = county_payer(s, daily_unit_cap=2)
    april = D(2025, 4, 10)
    first = log_encounter(s, county, date=april, start_time=dt.time(9), duration_minutes=15)
    payer_update(
        payer=county,
        actor=s.admin.user,
        terms=PayerTerms(name="County contract", daily_unit_cap=8),
        rebill_from=D(2025, 5, 1),
    )
    late = log_encounter(s, county, date=april, start_time=dt.time(14), duration_minutes=60)
    assert _billed(first)[:2] == (True, 1)
    assert _billed(late)[:2] == (True, 1)  # 4 units asked; April's cap 2 less the 1 billed
    may = log_encounter(s, county, date=D(2025, 5, 10), duration_minutes=60)
    assert _billed(may)[:2] == (True, 4)  # May's cap leaves it whole


class _RebillFailed(Exception):
    pass


def test_a_history_change_and_its_rebilling_are_one_transaction(setup, monkeypatch):
    """A re-bill that fails takes the renewal with it: neither is stored without the
    other (the re-bill runs inside the change's transaction, not after it)."""
    from encounters.services import billing

    s = setup
    cert = _expiring(s)
    after, _ = save_encounter(s, date=D(2025, 8, 20))

    def failing(*args, **kwargs):
        raise _RebillFailed

    monkeypatch.setattr(billing, "encounters_rebill", failing)
    with pytest.raises(_RebillFailed):
        cert_services.certification_renew(
            certification=cert,
            actor=s.manager.user,
            effective_on=D(2025, 8, 15),
            expires_on=D(2027, 6, 30),
        )
    assert not cert.renewals.exists() and _billed(after)[0] is False
    monkeypatch.undo()
    renewal = cert_services.certification_renew(
        certification=cert,
        actor=s.manager.user,
        effective_on=D(2025, 8, 15),
        expires_on=D(2027, 6, 30),
    )
    assert renewal.rebilled == 1 and _billed(after)[0] is True


def test_a_terms_change_and_its_rebilling_are_one_transaction(setup, monkeypatch):
    from encounters.models import BillingTerms
    from encounters.services import payers

    s = setup
    county = county_payer(s)
    log_encounter(s, county, date=D(2025, 5, 10), duration_minutes=60)

    def failing(*args, **kwargs):
        raise _RebillFailed

    monkeypatch.setattr(payers, "payer_rebill", failing)
    with pytest.raises(_RebillFailed):
        payer_update(
            payer=county,
            actor=s.admin.user,
            terms=PayerTerms(name="County contract", daily_unit_cap=2),
            rebill_from=D(2025, 5, 1),
        )
    assert not BillingTerms.objects.filter(payer=county, daily_unit_cap=2).exists()
    assert Encounter.objects.get().units == 4
