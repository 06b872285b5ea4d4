"""The rules of supervision: who may supervise (3 years of license, or 20 hours of
clinical-supervision CEUs)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from supervision import rules
from tests.supervision.factories import DAY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("licensed_on", "ceus", "day", "eligible"),
    [
        (dt.date(2022, 3, 4), Decimal(0), DAY, True),  # exactly 3 years
        (dt.date(2022, 3, 5), Decimal(0), DAY, False),  # a day short
        (dt.date(2024, 3, 5), Decimal(20), DAY, True),  # 20 supervision CEUs
        (dt.date(2024, 3, 5), Decimal("19.75"), DAY, False),
        (dt.date(2020, 2, 29), Decimal(0), dt.date(2023, 2, 28), True),  # a leap-day license
        (None, Decimal(40), DAY, False),  # no license date
    ],
)
def test_eligibility_is_three_years_of_license_or_twenty_supervision_ceus(
    licensed_on, ceus, day, eligible
):
    assert (
        rules.supervisor_eligible_on(
            day, license_type="social_worker", licensed_on=licensed_on, ceu_hours=ceus
        )
        is eligible
    )


def test_without_a_license_type_nobody_is_eligible():
    assert not rules.supervisor_eligible_on(
        DAY, license_type="", licensed_on=dt.date(2000, 1, 1), ceu_hours=Decimal(50)
    )
