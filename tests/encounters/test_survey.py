"""The anonymous survey: handover, one-time links, versions, and that no staff page or
export ever shows one person's answers."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from encounters import events
from encounters.models import SurveyResponse
from encounters.services import survey as survey_services
from tests.encounters.conftest import audit_rows, save_encounter

pytestmark = pytest.mark.django_db

ANSWERS = {
    "satisfaction": "2",
    "wellbeing": "7",
    "alternative": "jail",
    "other_services": "yes",
    "relapse": "no",
}


def _encounter(s, **changes):
    encounter, _ = save_encounter(s, **changes)
    return encounter


def test_handing_the_phone_over_shows_nothing_of_the_encounter_and_ends_on_thanks(
    setup, client_for
):
    s = setup
    encounter = _encounter(s)
    phone = client_for(s.peer)
    response = phone.post(reverse("survey_handover", args=[encounter.pk]))
    survey_url = response["Location"]
    page = phone.get(survey_url)
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    for private in ("RC-001", "Jamie", s.peer.user.first_name, "Recovery Coaching", "Log"):
        assert private not in html
    done = phone.post(survey_url, ANSWERS)
    assert done["Location"] == reverse("survey_thanks")
    # Back to the survey: it is closed, and the answers are not shown again.
    back = phone.get(survey_url)
    assert back.status_code == 410 and "closed" in back.content.decode()
    response = SurveyResponse.objects.get()
    assert (response.satisfaction, response.alternative, response.channel) == (
        2,
        "jail",
        "handover",
    )
    # The log says who offered the survey and that one came back, never what it said.
    subject = ("encounters.encounter", str(encounter.pk))
    assert audit_rows(events.SURVEY_OFFERED, events.SURVEY_ANSWERED) == [
        (events.SURVEY_OFFERED, s.peer.user_id, *subject, {"channel": "handover"}),
        (events.SURVEY_ANSWERED, None, *subject, {"channel": "handover"}),
    ]


def test_a_double_tap_on_send_records_one_response(setup, client_for):
    s = setup
    encounter = _encounter(s)
    phone = client_for(s.peer)
    url = phone.post(reverse("survey_handover", args=[encounter.pk]))["Location"]
    phone.post(url, ANSWERS)
    again = phone.post(url, ANSWERS)
    assert again.status_code == 410
    assert SurveyResponse.objects.count() == 1


def test_an_empty_survey_is_not_counted_as_an_answer(setup, client_for):
    s = setup
    encounter = _encounter(s)
    phone = client_for(s.peer)
    url = phone.post(reverse("survey_handover", args=[encounter.pk]))["Location"]
    response = phone.post(url, {})
    assert (
        response.status_code == 200
        and survey_services.SURVEY_ANSWER_ONE in response.content.decode()
    )
    assert not SurveyResponse.objects.exists()


def test_a_sent_link_works_without_sign_in_once_and_for_72_hours(setup, client_for):
    s = setup
    first, second = _encounter(s, setting="phone"), _encounter(s, start_time=dt.time(14))
    peer = client_for(s.peer)
    page = peer.post(reverse("survey_link", args=[first.pk]))
    assert "no-store" in page["Cache-Control"] and "<svg" in page.content.decode()
    url = page.context["url"].removeprefix("http://localhost:8000")
    stranger = Browser()
    assert stranger.get(url).status_code == 200
    assert stranger.post(url, ANSWERS).status_code == 302
    assert stranger.post(url, ANSWERS).status_code == 410  # once only
    late_url = peer.post(reverse("survey_link", args=[second.pk])).context["url"]
    late_url = late_url.removeprefix("http://localhost:8000")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=71, minutes=59)):
        assert Browser().get(late_url).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(hours=72, minutes=1)):
        assert Browser().get(late_url).status_code == 410
        assert Browser().post(late_url, ANSWERS).status_code == 410
    assert SurveyResponse.objects.count() == 1


def test_a_new_link_replaces_the_old_one_and_an_answered_survey_offers_no_new_link(
    setup, client_for
):
    s = setup
    encounter = _encounter(s)
    peer = client_for(s.peer)
    old = peer.post(reverse("survey_link", args=[encounter.pk])).context["url"]
    new = peer.post(reverse("survey_link", args=[encounter.pk])).context["url"]
    strip = lambda u: u.removeprefix("http://localhost:8000")  # noqa: E731
    assert Browser().get(strip(old)).status_code == 410
    Browser().post(strip(new), ANSWERS)
    again = peer.post(reverse("survey_link", args=[encounter.pk]))
    assert again.status_code == 302 and SurveyResponse.objects.count() == 1


def test_only_the_peer_who_logged_the_encounter_can_offer_its_survey(setup, client_for):
    s = setup
    encounter = _encounter(s)
    other = client_for(s.other_peer)
    assert other.post(reverse("survey_handover", args=[encounter.pk])).status_code == 404


def _answer_many(s, n, phone, **answers):
    for i in range(n):
        encounter = _encounter(s, start_time=dt.time(8, i))
        url = phone.post(reverse("survey_handover", args=[encounter.pk]))["Location"]
        phone.post(url, {**ANSWERS, **answers})
    return phone


def _answer_by_people(s, n, phone, **answers):
    """n answers, each from a client of their own: n people (a client's answers in a
    month count as one person's)."""
    from encounters.models import Client

    for _ in range(n):
        client = Client.objects.create(
            program=s.program,
            code=f"RC-P{Client.objects.count():03}",
            assigned_peer=s.peer,
            enrolled_on=dt.date(2025, 1, 1),
        )
        encounter = _encounter(s, client=client, start_time=dt.time(8, Client.objects.count()))
        url = phone.post(reverse("survey_handover", args=[encounter.pk]))["Location"]
        phone.post(url, {**ANSWERS, **answers})
    return phone


def test_no_staff_page_shows_an_individual_answer(setup, client_for, settings):
    """One distinctive answer, then every page staff can open: none may show it."""
    s = setup
    settings.SURVEY_MIN_RESPONSES = 5
    phone = _answer_many(
        s, 1, client_for(s.peer), alternative="crisis_bed", satisfaction="1", wellbeing="9"
    )
    encounter = SurveyResponse.objects.get().encounter
    pages = [
        reverse("encounter_list"),
        reverse("encounter_detail", args=[encounter.pk]),
        reverse("client_detail", args=[s.client.pk]),
        reverse("client_list"),
        reverse("survey_results"),
        reverse("survey_results") + "?month=2025-03",
        reverse("audit_log"),
    ]
    viewers = {"peer": phone}
    viewers.update({w: client_for(getattr(s, w)) for w in ("supervisor", "manager", "admin")})
    for who, browser in viewers.items():
        for url in pages:
            response = browser.get(url)
            if response.status_code != 200:
                continue
            html = response.content.decode()
            for leak in ("crisis_bed", "detox", "Mean satisfaction", "satisfaction (1"):
                assert leak not in html, (who, url, leak)
    csv = viewers["admin"].get(reverse("audit_log") + "?format=csv")
    body = b"".join(csv.streaming_content).decode()
    assert "crisis_bed" not in body and '"satisfaction"' not in body


def test_figures_appear_only_from_the_minimum_number_of_answers(setup, client_for, settings):
    s = setup
    settings.SURVEY_MIN_RESPONSES = 5
    phone = client_for(s.peer)
    _answer_by_people(s, 4, phone)
    manager = client_for(s.manager)
    march = {"month": "2025-03"}
    summary = manager.get(reverse("survey_results"), march).context["survey"]
    assert (summary.responses, summary.shown, summary.satisfaction_mean) == (4, False, None)
    _answer_by_people(s, 1, phone, satisfaction="5")
    summary = manager.get(reverse("survey_results"), march).context["survey"]
    assert summary.shown and summary.responses == 5
    assert str(summary.satisfaction_mean) == "2.6"  # (2+2+2+2+5) / 5
    assert dict((code, n) for code, _label, n in summary.alternatives)["jail"] == 5
    assert summary.response_rate == 100
    # Another month has no answers; and no peer or date-range filter exists to narrow to one.
    april = manager.get(reverse("survey_results"), {"month": "2025-04", "peer": s.peer.pk})
    assert not april.context["survey"].shown and april.context["survey"].responses == 0


def test_peers_get_no_survey_figures_at_all(setup, client_for, settings):
    s = setup
    settings.SURVEY_MIN_RESPONSES = 1
    phone = _answer_many(s, 2, client_for(s.peer))
    assert phone.get(reverse("survey_results")).status_code == 403
    assert phone.get(reverse("encounter_list")).context["show_surveyed"]
    assert not SurveyResponse.objects.for_member(s.peer).exists()


def test_admins_edit_the_questions_as_a_new_version_and_old_answers_keep_theirs(setup, client_for):
    s = setup
    _answer_many(s, 1, client_for(s.peer))
    v1 = SurveyResponse.objects.get().question_set
    admin = client_for(s.admin)
    page = admin.get(reverse("survey_questions"))
    data = {k: v for k, v in page.context["form"].initial.items()}
    data.update(
        {f"text_{q.key}": q.text for q in page.context["form"].questions},
        text_satisfaction="How happy are you with today's support?",
        new_text="Would you recommend a peer supporter to a friend?",
        new_kind="yes_no",
    )
    assert admin.post(reverse("survey_questions"), data).status_code == 302
    v2 = survey_services.survey_current(s.peer.organization)
    assert v1 is not None and v2.version == v1.version + 1
    assert v2.questions[0]["text"] == "How happy are you with today's support?"
    assert v2.questions[-1] == {
        "key": "own_1",
        "text": "Would you recommend a peer supporter to a friend?",
        "kind": "yes_no",
    }
    assert SurveyResponse.objects.get().question_set == v1
    assert audit_rows(events.SURVEY_PUBLISHED) == [
        (
            events.SURVEY_PUBLISHED,
            s.admin.user_id,
            "encounters.surveyquestionset",
            str(v2.pk),
            {"version": v2.version},
        )
    ]
    # The next survey asks the new wording and stores the new question's answer.
    phone = client_for(s.other_peer)
    encounter, _ = save_encounter(s, s.other_peer, client=s.other_client)
    url = phone.post(reverse("survey_handover", args=[encounter.pk]))["Location"]
    assert "How happy are you" in phone.get(url).content.decode()
    phone.post(url, {"satisfaction": "4", "own_1": "yes"})
    latest = SurveyResponse.objects.get(encounter=encounter)
    assert latest.question_set == v2 and latest.extra == {"own_1": "yes"}
    assert client_for(s.manager).get(reverse("survey_questions")).status_code == 403


def test_the_standard_questions_cannot_be_removed_or_left_blank(setup):
    from django.core.exceptions import ValidationError

    s = setup
    org = s.peer.organization
    with pytest.raises(ValidationError):
        survey_services.survey_publish(
            organization=org, actor=s.admin.user, questions=[{"key": "satisfaction", "text": " "}]
        )
    published = survey_services.survey_publish(
        organization=org,
        actor=s.admin.user,
        questions=[{"key": "wellbeing", "text": "How are you?"}],
    )
    keys = [q["key"] for q in published.questions]
    assert set(keys) == {"satisfaction", "wellbeing", "alternative", "other_services", "relapse"}


def test_all_programs_together_hide_when_one_program_is_below_the_minimum(
    setup, client_for, settings, program_in, org
):
    """Otherwise 'all programs' minus 'program A' would give program B's one answer."""
    s = setup
    settings.SURVEY_MIN_RESPONSES = 5
    phone = client_for(s.peer)
    _answer_by_people(s, 5, phone)
    small = program_in(org, name="Small")
    s.peer.programs.add(small)
    from encounters.models import Client

    lone = Client.objects.create(
        program=small, code="SM-1", assigned_peer=s.peer, enrolled_on=dt.date(2025, 1, 1)
    )
    encounter = _encounter(s, client=lone, program=small, start_time=dt.time(16))
    url = phone.post(reverse("survey_handover", args=[encounter.pk]))["Location"]
    phone.post(url, ANSWERS)
    admin = client_for(s.admin)
    march = {"month": "2025-03"}
    assert not admin.get(reverse("survey_results"), march).context["survey"].shown
    one = admin.get(reverse("survey_results"), {**march, "program": s.program.slug})
    assert one.context["survey"].shown and one.context["survey"].responses == 5
    other = admin.get(reverse("survey_results"), {**march, "program": small.slug})
    assert not other.context["survey"].shown
