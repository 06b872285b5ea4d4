"""Every response to a signed-in person says `Cache-Control: no-store, private`, so no
browser or proxy keeps a copy of a page or file with health information in it
(config/cache_control.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.cache import get_max_age

from encounters.selectors import shared_payer
from encounters.services.encounters import EncounterInput, encounter_save
from tests.supervision.conftest import sup  # noqa: F401  (the fixture)
from tests.supervision.factories import DAY, write

pytestmark = pytest.mark.django_db


def _directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


@pytest.fixture
def pages(sup):  # noqa: F811
    """The supervisor's log, the peer's encounter with client RC-1, and the pages listing
    them, each with the member who may open it."""
    log = write(sup)
    encounter, _ = encounter_save(
        actor=sup.peer.user,
        peer=sup.peer,
        data=EncounterInput(
            program=sup.program,
            client=sup.client,
            date=DAY,
            start_time=dt.time(11, 0),
            duration_minutes=30,
            setting="office",
            format="individual",
            phase="connecting",
            support_types=["emotional"],
            service_type="skills_coaching",
            payer=shared_payer("medicaid"),
        ),
    )
    return [
        (sup.supervisor, reverse("supervision_log", args=[log.pk])),
        (sup.supervisor, reverse("supervision_home")),
        (sup.peer, reverse("encounter_detail", args=[encounter.pk])),
        (sup.peer, reverse("encounter_create")),
        (sup.peer, reverse("encounter_list")),
        (sup.manager, reverse("encounter_list")),
        (sup.peer, reverse("client_detail", args=[sup.client.pk])),
        (sup.manager, reverse("client_list")),
        (sup.admin, reverse("audit_log") + "?format=csv"),
        (sup.admin, reverse("supervision_ratio") + "?month=2025-03&format=csv"),
        (sup.manager, reverse("readiness_pdf")),
    ]


def test_every_page_and_file_of_a_signed_in_person_is_not_stored(pages, client_for):
    clients: dict[int, Client] = {}
    seen = []
    for member, url in pages:
        if member.pk not in clients:
            clients[member.pk] = client_for(member)
        c = clients[member.pk]
        response = c.get(url)
        assert response.status_code == 200, url
        seen.append((url, response["Content-Type"].split(";")[0]))
        assert {"no-store", "private"} <= _directives(response), url
        assert "public" not in _directives(response) and get_max_age(response) is None, url
    # the files are among them, not only pages
    assert {kind for _, kind in seen} >= {"text/html", "text/csv", "application/pdf"}


def test_a_view_that_marks_itself_public_is_made_private_for_a_signed_in_person(
    sup,  # noqa: F811
    client_for,
):
    from django.http import HttpResponse
    from django.utils.cache import patch_cache_control

    from config.cache_control import PrivateNoStoreMiddleware

    def public_view(request):
        response = HttpResponse("x")
        patch_cache_control(response, public=True)
        return response

    request = client_for(sup.peer).get(reverse("encounter_list")).wsgi_request
    response = PrivateNoStoreMiddleware(public_view)(request)
    assert _directives(response) == {"no-store", "private"}


def test_an_anonymous_response_is_left_as_its_view_made_it(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    from config.cache_control import PrivateNoStoreMiddleware

    request = rf.get("/healthz")
    request.user = AnonymousUser()
    response = PrivateNoStoreMiddleware(lambda r: HttpResponse("ok"))(request)
    assert "Cache-Control" not in response


def test_the_phone_encounter_form_is_compressed_and_not_stored(sup, client_for):  # noqa: F811
    """The form lists the peer's client codes: compressed for a slow phone connection, never
    kept by a browser or proxy. Against BREACH, its one secret (the CSRF token) is masked
    anew in each response, so no two responses carry the same bytes for it."""
    import gzip
    import re

    browser = client_for(sup.peer)
    url = reverse("encounter_create")
    pages = [browser.get(url, headers={"accept-encoding": "gzip, br"}) for _ in range(2)]
    tokens = []
    for page in pages:
        assert page["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in page["Vary"]
        assert {"no-store", "private"} <= _directives(page)
        html = gzip.decompress(page.content).decode()
        assert sup.client.code in html
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token is not None
        tokens.append(token[1])
    assert tokens[0] != tokens[1]
    # A browser that does not ask for compression gets the page as it is.
    plain = browser.get(url)
    assert "Content-Encoding" not in plain and sup.client.code in plain.content.decode()
