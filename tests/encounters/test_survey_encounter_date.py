"""A survey response's copy of its encounter's date (SurveyResponse.encounter_date, by
which every survey figure is counted) equals the encounter's date: written by the survey
services, kept in step when the encounter's date is corrected, and filled for existing
responses by the data migration."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps

from encounters.models import SurveyResponse
from encounters.services.encounters import encounter_save
from encounters.services.survey import survey_import, survey_link_create, survey_submit
from tests.encounters.conftest import encounter_input

pytestmark = pytest.mark.django_db


def _encounter(s: Any, day: dt.date, encounter: Any = None) -> Any:
    saved, _ = encounter_save(
        actor=s.peer.user,
        peer=s.peer,
        encounter=encounter,
        data=encounter_input(s, client=s.client, program=s.program, date=day),
    )
    return saved


def test_the_survey_services_copy_the_encounters_date(setup):
    day = setup.program.organization.today() - dt.timedelta(days=3)
    answered = _encounter(setup, day)
    _, token = survey_link_create(encounter=answered, actor=setup.peer.user, channel="handover")
    response = survey_submit(token=token, answers={"satisfaction": 4})
    assert response is not None
    imported = _encounter(setup, day - dt.timedelta(days=1))
    assert survey_import(encounter=imported, satisfaction=3, wellbeing=None, alternative="")
    dates = dict(SurveyResponse.objects.values_list("encounter_id", "encounter_date"))
    assert dates == {answered.pk: day, imported.pk: day - dt.timedelta(days=1)}


def test_correcting_an_encounters_date_moves_its_surveys_date(setup):
    day = setup.program.organization.today() - dt.timedelta(days=5)
    encounter = _encounter(setup, day)
    survey_import(encounter=encounter, satisfaction=5, wellbeing=None, alternative="")
    _encounter(setup, day - dt.timedelta(days=2), encounter=encounter)
    (copied,) = SurveyResponse.objects.values_list("encounter_date", flat=True)
    assert copied == day - dt.timedelta(days=2)


def test_the_data_migration_fills_the_date_from_the_encounter(setup):
    day = setup.program.organization.today() - dt.timedelta(days=4)
    encounter = _encounter(setup, day)
    survey_import(encounter=encounter, satisfaction=5, wellbeing=None, alternative="")
    SurveyResponse.objects.update(encounter_date=dt.date(2000, 1, 1))  # as if never copied
    migration = importlib.import_module("encounters.migrations.0008_survey_encounter_date")
    migration.copy_dates(django_apps, None)
    assert list(SurveyResponse.objects.values_list("encounter_date", flat=True)) == [day]
