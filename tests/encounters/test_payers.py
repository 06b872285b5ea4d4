"""An organization's own payers and rates: who may keep them, the checks on what is typed,
correcting and removing rates and changing terms. What they bill is in test_billing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from encounters import events
from encounters.models import Payer, Rate
from encounters.services import payers
from encounters.services.payers import PayerTerms, RateTerms
from programs.models import AuditEvent
from tests.encounters.conftest import DAY, JAN_1, audit_rows, county_payer, log_encounter

pytestmark = pytest.mark.django_db


def _form(**changes: Any) -> dict[str, Any]:
    data = {
        "code": "county",
        "name": "County contract",
        "requires_certification": "on",
        "daily_unit_cap": "",
        "is_active": "on",
        "effective_from": "2025-01-01",
        "unit_amount": "12.50",
        "unit_minutes": "15",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- who may keep payers ------------------------------------------------------------


def test_only_admins_reach_the_payer_pages(setup, client_for):
    for who in (setup.peer, setup.manager, setup.supervisor):
        c = client_for(who)
        assert c.get(reverse("payer_list")).status_code == 403, who.role
        assert c.post(reverse("payer_create"), _form()).status_code == 403, who.role
    assert not Payer.objects.filter(code="county").exists()


def test_shared_medicaid_is_listed_read_only_and_has_no_edit_page(setup, client_for):
    c = client_for(setup.admin)
    page = c.get(reverse("payer_list")).content.decode()
    assert "Medicaid" in page and "shared, kept by PeerPath" in page
    assert "$14.01" in page
    assert c.get(reverse("payer_detail", args=[setup.medicaid.pk])).status_code == 404
    response = c.post(
        reverse("rate_add", args=[setup.medicaid.pk]),
        {"effective_from": "2025-01-01", "unit_amount": "1.00", "unit_minutes": "15"},
    )
    assert response.status_code == 404
    assert setup.medicaid.rates.count() == 1
    with pytest.raises(ValidationError):
        payers.rate_add(
            payer=setup.medicaid, actor=setup.admin.user, terms=RateTerms(JAN_1, Decimal(1))
        )


# --- adding a payer -----------------------------------------------------------------


def test_an_admin_adds_a_payer_and_a_peer_bills_to_it(setup, client_for):
    c = client_for(setup.admin)
    response = c.post(reverse("payer_create"), _form())
    assert response.status_code == 302
    payer = Payer.objects.get(organization=setup.program.organization, code="county")
    assert payer.rates.get().unit_amount == Decimal("12.50")
    assert audit_rows(events.PAYER_CREATED) == [
        (
            events.PAYER_CREATED,
            setup.admin.user_id,
            "encounters.payer",
            str(payer.pk),
            {
                "code": "county",
                "name": "County contract",
                "requires_certification": True,
                "daily_unit_cap": None,
                "is_active": True,
                "rate": {"from": "2025-01-01", "unit_amount": "12.50", "unit_minutes": 15},
            },
        )
    ]
    # The peer now sees it on the encounter form, and an encounter bills at its rate.
    form = client_for(setup.peer).get(reverse("encounter_create")).context["form"]
    assert payer in form.fields["payer"].queryset
    encounter = log_encounter(setup, payer)  # 23 minutes: 2 units
    assert (encounter.billable, encounter.units, encounter.amount) == (True, 2, Decimal("25.00"))


def test_a_double_submitted_payer_is_added_once(setup, client_for):
    c = client_for(setup.admin)
    key = reverse("payer_create")
    assert c.post(key, _form()).status_code == 302
    assert c.post(key, _form()).status_code == 302
    assert Payer.objects.filter(code="county").count() == 1
    assert Rate.objects.filter(payer__code="county").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "medicaid"}, "code", "shared Medicaid payer"),
        ({"code": "Not a slug!"}, "code", "letters"),
        ({"unit_amount": "0"}, "unit_amount", "greater than or equal to 0.01"),
        ({"unit_amount": "abc"}, "unit_amount", "Enter a number"),
        ({"unit_minutes": "0"}, "unit_minutes", "greater than or equal to 1"),
        ({"daily_unit_cap": "200"}, "daily_unit_cap", "less than or equal to 96"),
        ({"effective_from": "yesterday"}, "effective_from", "valid date"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_bad_payer_input_is_shown_by_the_field_and_keeps_what_was_typed(
    setup, client_for, changes, field, message
):
    c = client_for(setup.admin)
    response = c.post(reverse("payer_create"), _form(**changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert form.data["name"] == _form(**changes)["name"]
    assert not Payer.objects.filter(organization=setup.program.organization).exists()


def test_a_code_or_name_already_used_here_is_refused(setup):
    county_payer(setup)
    with pytest.raises(ValidationError) as err:
        payers.payer_create(
            organization=setup.program.organization,
            actor=setup.admin.user,
            code="county",
            terms=PayerTerms(name="Another name"),
            first_rate=RateTerms(JAN_1, Decimal(1)),
        )
    assert err.value.message_dict["code"] == [payers.CODE_TAKEN]
    with pytest.raises(ValidationError) as err:
        payers.payer_create(
            organization=setup.program.organization,
            actor=setup.admin.user,
            code="county-2",
            terms=PayerTerms(name="county CONTRACT"),
            first_rate=RateTerms(JAN_1, Decimal(1)),
        )
    assert err.value.message_dict["name"] == [payers.NAME_TAKEN]


def test_another_organization_may_use_the_same_code(setup, other_org, member_of):
    county_payer(setup)
    admin = member_of(other_org, "org_admin")
    theirs = payers.payer_create(
        organization=other_org,
        actor=admin.user,
        code="county",
        terms=PayerTerms(name="County contract"),
        first_rate=RateTerms(JAN_1, Decimal(9)),
    )
    assert theirs.organization == other_org
    # ...and our peers are never offered it.
    from encounters.forms import payers_for

    assert theirs not in payers_for(setup.program.organization_id)


# --- rates and re-billing -------------------------------------------------------------


def test_the_same_rate_sent_twice_lands_once_and_another_that_day_corrects_it(setup):
    payer = county_payer(setup)
    terms = RateTerms(dt.date(2025, 3, 1), Decimal("13.00"))
    first, _ = payers.rate_add(payer=payer, actor=setup.admin.user, terms=terms)
    encounter = log_encounter(setup, payer)
    again, rebilled = payers.rate_add(payer=payer, actor=setup.admin.user, terms=terms)
    assert (again, rebilled) == (first, 0)
    corrected, rebilled = payers.rate_add(
        payer=payer,
        actor=setup.admin.user,
        terms=RateTerms(dt.date(2025, 3, 1), Decimal("14.00")),
    )
    assert corrected.pk == first.pk and rebilled == 1
    assert payer.rates.count() == 2
    encounter.refresh_from_db()
    assert encounter.amount == Decimal("28.00")
    assert audit_rows(events.RATE_CORRECTED) == [
        (
            events.RATE_CORRECTED,
            setup.admin.user_id,
            "encounters.rate",
            str(first.pk),
            {
                "payer": "county",
                "before": {"from": "2025-03-01", "unit_amount": "13.00", "unit_minutes": 15},
                "after": {"from": "2025-03-01", "unit_amount": "14.00", "unit_minutes": 15},
                "rebilled": 1,
            },
        )
    ]


def test_the_only_rate_is_corrected_by_adding_it_again_the_same_day(setup):
    payer = county_payer(setup, amount="10.00")
    encounter = log_encounter(setup, payer)
    payers.rate_add(payer=payer, actor=setup.admin.user, terms=RateTerms(JAN_1, Decimal(11)))
    encounter.refresh_from_db()
    assert (payer.rates.count(), encounter.amount) == (1, Decimal(22))


def test_the_rate_form_shows_a_refused_value_by_the_field(setup, client_for):
    payer = county_payer(setup)
    c = client_for(setup.admin)
    response = c.post(
        reverse("rate_add", args=[payer.pk]),
        {"effective_from": "1990-01-01", "unit_amount": "99.00", "unit_minutes": "15"},
    )
    assert response.status_code == 200
    assert response.context["rate_form"].errors["effective_from"] == [payers.DATE_RANGE]
    assert response.context["rate_form"].data["unit_amount"] == "99.00"
    assert payer.rates.count() == 1


def test_the_terms_form_on_a_refused_rate_page_still_posts_to_the_payer(setup, client_for):
    # The refused rate comes back at the rate URL; a terms form without its own action
    # would post there, to the rate view, and lose what was typed (found by the form fuzzer).
    payer = county_payer(setup)
    c = client_for(setup.admin)
    response = c.post(reverse("rate_add", args=[payer.pk]), {"effective_from": "1990-01-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="{reverse("payer_detail", args=[payer.pk])}"' in html


def test_removing_a_rate_bills_its_encounters_at_the_one_before(setup, client_for):
    payer = county_payer(setup, amount="10.00")
    wrong, _ = payers.rate_add(
        payer=payer, actor=setup.admin.user, terms=RateTerms(dt.date(2025, 3, 1), Decimal(99))
    )
    encounter = log_encounter(setup, payer)
    assert encounter.amount == Decimal(198)
    response = client_for(setup.admin).post(
        reverse("rate_remove", args=[payer.pk, wrong.pk]), follow=True
    )
    assert "1 encounter billed again" in response.content.decode()
    encounter.refresh_from_db()
    assert (encounter.amount, encounter.rate) == (Decimal(20), payer.rates.get())
    assert not Rate.objects.filter(pk=wrong.pk).exists()
    assert audit_rows(events.RATE_REMOVED) == [
        (
            events.RATE_REMOVED,
            setup.admin.user_id,
            "encounters.rate",
            str(wrong.pk),
            {
                "payer": "county",
                "from": "2025-03-01",
                "unit_amount": "99.00",
                "unit_minutes": 15,
                "rebilled": 1,
            },
        )
    ]


def test_a_rate_removed_twice_is_removed_once(setup, client_for):
    payer = county_payer(setup, amount="10.00")
    wrong, _ = payers.rate_add(
        payer=payer, actor=setup.admin.user, terms=RateTerms(dt.date(2025, 3, 1), Decimal(99))
    )
    c = client_for(setup.admin)
    url = reverse("rate_remove", args=[payer.pk, wrong.pk])
    c.post(url)
    response = c.post(url, follow=True)
    assert "already removed" in response.content.decode()
    assert AuditEvent.objects.filter(event=events.RATE_REMOVED).count() == 1
    assert payers.rate_remove(rate=wrong, actor=setup.admin.user) is None


def test_the_only_rate_cannot_be_removed(setup, client_for):
    payer = county_payer(setup)
    only = payer.rates.get()
    response = client_for(setup.admin).post(
        reverse("rate_remove", args=[payer.pk, only.pk]), follow=True
    )
    assert "only rate" in response.content.decode()
    assert Rate.objects.filter(pk=only.pk).exists()


# --- changing the payer's terms ---------------------------------------------------------


def test_changed_billing_terms_need_the_day_they_apply_from(setup):
    payer = county_payer(setup)
    first = log_encounter(setup, payer, duration_minutes=60)
    with pytest.raises(ValidationError) as err:
        payers.payer_update(
            payer=payer,
            actor=setup.admin.user,
            terms=PayerTerms(name="County contract", daily_unit_cap=2),
            rebill_from=None,
        )
    assert err.value.message_dict["rebill_from"] == [payers.REBILL_DAY_NEEDED]
    payer.refresh_from_db()
    first.refresh_from_db()
    assert (payer.daily_unit_cap, first.units) == (None, 4)
    # A change that does not touch billing (the name) needs no day.
    payers.payer_update(payer=payer, actor=setup.admin.user, terms=PayerTerms(name="County"))
    payer.refresh_from_db()
    assert payer.name == "County"


def test_dropping_the_certification_rule_bills_an_uncertified_peers_encounters(setup, client_for):
    payer = county_payer(setup)
    uncertified = log_encounter(setup, payer, peer=setup.other_peer)
    assert not uncertified.billable
    response = client_for(setup.admin).post(
        reverse("payer_detail", args=[payer.pk]),
        {"name": "County contract", "is_active": "on", "rebill_from": "2025-01-01"},
        follow=True,
    )
    assert "1 encounter billed again" in response.content.decode()
    uncertified.refresh_from_db()
    assert (uncertified.billable, uncertified.amount) == (True, Decimal(24))
    assert audit_rows(events.PAYER_UPDATED) == [
        (
            events.PAYER_UPDATED,
            setup.admin.user_id,
            "encounters.payer",
            str(payer.pk),
            {
                "fields": ["requires_certification"],
                "before": {"requires_certification": True},
                "after": {"requires_certification": False},
                "rebilled": 1,
                "from": "2025-01-01",
            },
        )
    ]


def test_a_payer_no_longer_offered_leaves_the_form_but_stays_on_its_encounters(setup, client_for):

    payer = county_payer(setup)
    encounter = log_encounter(setup, payer, date=setup.program.organization.today())
    payers.payer_update(
        payer=payer,
        actor=setup.admin.user,
        terms=PayerTerms(name="County contract", is_active=False),
    )
    c = client_for(setup.peer)
    new_form = c.get(reverse("encounter_create")).context["form"]
    assert payer not in new_form.fields["payer"].queryset
    correction = c.get(reverse("encounter_detail", args=[encounter.pk])).context["form"]
    assert payer in correction.fields["payer"].queryset
    encounter.refresh_from_db()
    assert encounter.payer == payer and encounter.billable


# --- the list ---------------------------------------------------------------------------


def test_the_list_shows_each_rates_period_and_what_it_billed(setup, client_for):
    payer = county_payer(setup, amount="10.00")
    payers.rate_add(
        payer=payer, actor=setup.admin.user, terms=RateTerms(dt.date(2025, 3, 1), Decimal(11))
    )
    log_encounter(setup, payer)
    log_encounter(setup, payer, start_time=dt.time(14))
    c = client_for(setup.admin)
    [listed] = [p for p in c.get(reverse("payer_list")).context["payers"] if p.pk == payer.pk]
    newest, oldest = listed.rate_rows
    assert (newest.until, newest.encounters, newest.amount) == (None, 2, Decimal(44))
    assert (oldest.until, oldest.encounters) == (dt.date(2025, 2, 28), 0)


def test_the_payer_list_takes_the_same_queries_for_many_payers(setup, client_for):
    c = client_for(setup.admin)
    org = setup.program.organization

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("payer_list")).status_code == 200
        return len(ctx)

    county_payer(setup)
    few = count()
    for n in range(8):
        payer = payers.payer_create(
            organization=org,
            actor=setup.admin.user,
            code=f"p{n}",
            terms=PayerTerms(name=f"Payer {n}"),
            first_rate=RateTerms(JAN_1, Decimal(5)),
        )
        payers.rate_add(payer=payer, actor=setup.admin.user, terms=RateTerms(DAY, Decimal(6)))
    assert count() == few


# --- what the review found ---------------------------------------------------------------


def test_a_payer_may_not_take_a_shared_payers_name_and_codes_are_lower_case(setup, client_for):
    c = client_for(setup.admin)
    response = c.post(reverse("payer_create"), _form(code="my-medicaid", name="MEDICAID"))
    assert response.context["form"].errors["name"] == [payers.NAME_SHARED]
    c.post(reverse("payer_create"), _form(code="County"))
    assert Payer.objects.get(organization=setup.program.organization).code == "county"


def test_a_repeat_with_other_terms_is_refused_not_dropped(setup):
    county_payer(setup, amount="12.00")
    with pytest.raises(ValidationError) as err:
        payers.payer_create(
            organization=setup.program.organization,
            actor=setup.admin.user,
            code="county",
            terms=PayerTerms(name="County contract", daily_unit_cap=3),
            first_rate=RateTerms(JAN_1, Decimal("99.00")),
        )
    assert err.value.message_dict["code"] == [payers.CODE_TAKEN]
    assert Payer.objects.get(code="county").daily_unit_cap is None


def test_a_capped_payer_refuses_a_rate_with_another_unit_length(setup):
    payer = county_payer(setup, daily_unit_cap=4)
    with pytest.raises(ValidationError) as err:
        payers.rate_add(
            payer=payer,
            actor=setup.admin.user,
            terms=RateTerms(dt.date(2025, 3, 1), Decimal(50), unit_minutes=60),
        )
    assert err.value.message_dict["unit_minutes"] == [payers.UNIT_CHANGES_CAP]


def test_a_payer_no_longer_offered_is_refused_on_a_new_encounter(setup):
    payer = county_payer(setup, is_active=False)
    with pytest.raises(ValidationError) as err:
        log_encounter(setup, payer)
    assert "no longer offered" in err.value.message_dict["payer"][0]


def test_the_last_payer_is_not_offered_again_once_withdrawn(setup, client_for):

    payer = county_payer(setup)
    log_encounter(setup, payer, date=setup.program.organization.today())
    payers.payer_update(
        payer=payer,
        actor=setup.admin.user,
        terms=PayerTerms(name="County contract", is_active=False),
    )
    from encounters.services.encounters import last_entry_defaults

    assert "payer" not in last_entry_defaults(setup.peer)
