"""On a phone: a trainer opens today's attendance sheet, enters everyone's hours and saves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from programs.models import Role
from tests.browser.conftest import assert_fits_phone
from tests.factories import TEST_PASSWORD
from training import services
from training.models import Attendance, Course, TrainingSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_trainer_records_todays_attendance_on_a_phone(
    live_server, page: Page, org, member_of, screenshot
):
    trainer = member_of(org, Role.TRAINER, mfa=False, email="tess@example.org")
    today = org.today()
    course = Course.objects.create(
        organization=org, code="ps101", title="Peer Support 101", required_hours=Decimal(40)
    )
    session = TrainingSession.objects.create(
        course=course,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=3),
        place="Helena",
        trainer=trainer,
        capacity=10,
    )
    for name in ("Ana Whitebird", "Bo Lindqvist", "Cy Running Crane"):
        services.enroll(
            session=session,
            actor=trainer.user,
            name=name,
            email=f"{name.split()[0].lower()}@example.org",
            trail="employment",
        )

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("tess@example.org")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/training/sessions/")
    page.get_by_role("link", name="Peer Support 101").click()
    page.get_by_role("link", name=f"{today:%a %b} {today.day} (today)").click()

    expect(page.get_by_role("heading", name="Attendance")).to_be_visible()
    expect(page.get_by_text("Today", exact=True)).to_be_visible()
    page.get_by_label("Ana Whitebird").fill("8")
    page.get_by_label("Bo Lindqvist").fill("7.5")
    page.get_by_label("Cy Running Crane").fill("6.25")
    box = page.get_by_label("Ana Whitebird").bounding_box()
    assert box is not None and box["height"] >= 48
    page.set_viewport_size({"width": 360, "height": 740})
    assert_fits_phone(page)
    page.get_by_role("button", name="Save attendance").click()

    expect(page.get_by_text("3 rows changed")).to_be_visible()
    expect(page.get_by_label("Bo Lindqvist")).to_have_value("7.5")
    expect(page.get_by_text("6.25 of 40 h so far")).to_be_visible()
    assert_fits_phone(page)
    screenshot("training-attendance")
    page.get_by_role("link", name="Peer Support 101").click()
    expect(page.get_by_role("heading", name="Participants")).to_be_visible()
    assert_fits_phone(page)
    screenshot("training-session")
    saved = dict(Attendance.objects.filter(date=today).values_list("enrollment__name", "hours"))
    assert saved == {
        "Ana Whitebird": Decimal(8),
        "Bo Lindqvist": Decimal("7.5"),
        "Cy Running Crane": Decimal("6.25"),
    }
