"""On a phone: a peer logs an encounter on one screen and hands the phone over for the
anonymous survey."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from encounters.models import Encounter, SurveyResponse
from programs.demo import seed
from tests.browser.conftest import assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_peer_logs_an_encounter_and_hands_over_the_survey(
    live_server, page: Page, settings, screenshot
):
    settings.DEMO_MODE = True
    context = seed()
    from certification import demo as certification_demo
    from encounters import demo as encounters_demo

    certification_demo.seed(context)
    encounters_demo._clients(context)  # the caseloads, without a year of history
    _ensure_medicaid()
    sign_in(page, live_server.url, "peer@demo.peerpath.test")

    # The common case: pick the client, tap the minutes and a support type, save.
    started = time.monotonic()
    page.get_by_role("link", name="Log an encounter").first.click()
    page.get_by_label("Client").select_option(label="RC-1001")
    page.get_by_role("button", name="45").click()
    page.get_by_text("Informational", exact=True).click()
    page.get_by_label("Billable service").select_option(label="Coaching to restore skills")
    page.set_viewport_size({"width": 360, "height": 740})
    assert_fits_phone(page)
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("encounter-form")
    # First a mistake: the minutes wiped. Nothing typed may be lost.
    page.get_by_label("Minutes").fill("")
    page.get_by_text("Note (Data, Assessment, Plan) and referrals").click()
    page.get_by_label("Plan: next steps you agreed on").fill("Call the housing office together")
    page.get_by_role("button", name="Save encounter").click()
    expect(page.get_by_text("Nothing was saved yet")).to_be_visible()
    expect(page.get_by_label("Plan: next steps you agreed on")).to_have_value(
        "Call the housing office together"
    )
    expect(page.get_by_label("Client")).to_have_value(str(_client_pk("RC-1001")))
    screenshot("encounter-form-error")
    page.get_by_label("Minutes").fill("45")
    page.get_by_role("button", name="Save encounter").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    print(f"\nlogging the encounter took {time.monotonic() - started:.1f} s of browser time")
    expect(page.get_by_text("3 billing units ($42.03)")).to_be_visible()
    assert_fits_phone(page)
    screenshot("encounter-saved")

    # Hand the phone over: nothing about the client or the encounter is on screen.
    page.get_by_role("button", name="Hand the phone over now").click()
    expect(page.get_by_role("heading", name=re.compile("would like your view"))).to_be_visible()
    body = page.locator("body").inner_text()
    assert "RC-1001" not in body and "housing" not in body and "Log" not in body
    assert_fits_phone(page)
    screenshot("survey")
    page.get_by_role("radiogroup").nth(0).get_by_text("5", exact=True).click()
    page.get_by_role("radiogroup").nth(1).get_by_text("8", exact=True).click()
    page.get_by_text("Gone to the emergency room").click()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    screenshot("survey-thanks")
    page.go_back()
    expect(page.get_by_role("heading", name="This survey is closed")).to_be_visible()

    encounter = Encounter.objects.get(source="app")
    assert (encounter.duration_minutes, encounter.units) == (45, 3)
    assert encounter.support_types == ["emotional", "informational"]
    answer = SurveyResponse.objects.get(encounter=encounter)
    assert (answer.satisfaction, answer.wellbeing, answer.alternative) == (
        5,
        8,
        "emergency_department",
    )


def _client_pk(code: str) -> int:
    from encounters.models import Client

    return Client.objects.get(code=code).pk


def _ensure_medicaid() -> None:
    """Transactional tests empty every table, the migration's Medicaid rate included; put it
    back as migration 0002 seeds it."""
    import datetime as dt
    from decimal import Decimal

    from encounters.models import Payer, Rate

    payer, _ = Payer.objects.get_or_create(
        organization=None, code="medicaid", defaults={"name": "Medicaid"}
    )
    Rate.objects.get_or_create(
        payer=payer, effective_from=dt.date(2020, 1, 1), defaults={"unit_amount": Decimal("14.01")}
    )
