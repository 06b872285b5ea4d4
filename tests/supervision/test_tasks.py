"""The daily task: a short month is warned in its last week, once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from programs.models import Notification
from supervision.models import ShortMonthWarning
from tests.supervision.factories import hours

pytestmark = pytest.mark.django_db


def test_a_short_month_is_warned_in_its_last_week_once(sup):
    from supervision.tasks import supervision_daily

    hours(sup.peer, dt.date(2025, 3, 3), "20")
    with time_machine.travel(dt.datetime(2025, 3, 20, 15, tzinfo=dt.UTC)):
        assert supervision_daily()["warned"] == 0  # not the last week yet
    with time_machine.travel(dt.datetime(2025, 3, 26, 15, tzinfo=dt.UTC)):
        assert supervision_daily()["warned"] == 1
        assert supervision_daily()["warned"] == 0
    assert ShortMonthWarning.objects.get().peer == sup.peer
    titles = set(Notification.objects.values_list("user_id", "title"))
    assert (sup.peer.user_id, "Supervision still owed this month: 60 minutes") in titles
    assert sum(1 for u, t in titles if u == sup.supervisor.user_id and "short" in t) == 1


def test_minutes_owed_are_rounded_up_in_the_warning(sup):
    from supervision.tasks import supervision_daily

    hours(sup.peer, dt.date(2025, 3, 3), "0.25")  # 0.75 minutes owed
    with time_machine.travel(dt.datetime(2025, 3, 26, 15, tzinfo=dt.UTC)):
        supervision_daily()
    titles = list(Notification.objects.filter(user=sup.peer.user).values_list("title", flat=True))
    assert titles == ["Supervision still owed this month: 1 minutes"]
