"""Every form of every role, fuzzed (issue #23, section 5): nothing typed gives a 500.

The forms are found, not listed: every URL pattern is opened as each role (and signed out),
every `<form method="post">` on the pages is read, and each POST pattern is fuzzed with the
form that posts to it, as the role whose page showed it, with the page's own CSRF token.
A POST pattern whose form no page shows fails `test_every_post_pattern_has_a_form_or_a_reason`
until it is listed in NOT_FUZZED with a reason, so a new form is fuzzed without anyone
remembering to add it.

Transactions: the organization, its objects and the signed-in clients are made once for the
module inside one transaction that is rolled back at the end (building them and signing five
people in through MFA costs seconds; doing it per form would double the run). pytest-django's
`db` fixture nests each test in a savepoint of it, and every Hypothesis example runs in its own
savepoint that is rolled back, so one example's writes never meet the next one's. Hypothesis'
own Django TestCase does the same per-example rollback, but as one unittest class per form,
which cannot be generated from the forms discovered at run time.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from hypothesis import given, settings

from programs.models import Membership, Organization, Role
from tests.adversarial import fuzzing
from tests.factories import (
    TEST_PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    enrol_totp,
    totp_code,
)
from tests.programs.test_isolation import OBJECT_URLS, _objects_of

pytestmark = pytest.mark.django_db

# Examples per POST pattern (shared among its forms, at least 5 each): about 90 patterns,
# sized so the file runs in about four minutes on the 2-core CI machine on PostgreSQL.
# HYPOTHESIS_PROFILE=dev draws new examples on every run (tests/adversarial/conftest.py).
EXAMPLES = 20

ROLES = {
    "admin": Role.ORG_ADMIN,
    "manager": Role.PROGRAM_MANAGER,
    "supervisor": Role.CLINICAL_SUPERVISOR,
    "peer": Role.PEER_SUPPORTER,
    "trainer": Role.TRAINER,
}
ANONYMOUS = "signed out"
HALF_SIGNED_IN = "between password and code"
RESETTING = "following a password-reset link"
ENROLLING = "a manager without an authenticator yet"
CRAWLERS = (*ROLES, ANONYMOUS)

# POST patterns with no form on any page, each with the reason; every other POST pattern
# must have one (test_every_post_pattern_has_a_form_or_a_reason).
NOT_FUZZED: dict[str, str] = {
    "account_confirm_email": "addresses are not confirmed by e-mail (ACCOUNT_EMAIL_VERIFICATION)",
    "account_confirm_login_code": "signing in by a mailed code is off (ACCOUNT_LOGIN_BY_CODE)",
    "account_email_verification_sent": "a notice page without a form",
    "account_set_password": "every account has a password (set when the invitation is taken)",
    "account_signup": "no open sign-up: people join by invitation (invitation_accept is fuzzed)",
    "certificate_verify": "a search page: its form is a GET",
    "healthz": "the load balancer's probe: no form",
    "survey_thanks": "a thank-you page: no form",
    "supervision_log_delete": "no page offers it: logs are kept for 7 years (it only refuses)",
}

# Patterns not opened at all: Django's own admin (platform superusers only, not a role of
# an organization) and the sign-out page (it would end the crawl's sessions).
NOT_OPENED_PREFIXES = ("platform-admin/",)


@dataclasses.dataclass
class Target:
    role: str
    form: fuzzing.Form


@dataclasses.dataclass
class World:
    organization: Organization
    objects: dict[str, Any]
    clients: dict[str, Client]
    targets: dict[str, list[Target]]
    pages_opened: int
    # The GET forms (a list's filters) found on the pages, by the URL name they send to.
    filters: dict[str, list[Target]] = dataclasses.field(default_factory=dict)


def _member(
    organization: Organization, role: str, programs: Any = None, *, mfa: bool = True
) -> Membership:
    membership = MembershipFactory.create(
        organization=organization, role=role, programs=programs or []
    )
    membership.totp_secret = enrol_totp(membership.user) if mfa else None  # type: ignore[attr-defined]
    return membership


def _signed_in(membership: Membership) -> Client:
    # As tests/conftest.py `client_for`, and then with the CSRF check a browser meets.
    client = Client(enforce_csrf_checks=True)
    assert client.login is not None
    page = client.get(reverse("account_login"))
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("account_login"),
        {"login": membership.user.email, "password": TEST_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302, "sign-in failed"
    if response["Location"] == reverse("mfa_authenticate"):
        with time_machine.travel(time.time(), tick=False):
            code = totp_code(membership.totp_secret)  # type: ignore[attr-defined]
            response = client.post(
                reverse("mfa_authenticate"), {"code": code, "csrfmiddlewaretoken": token}
            )
        assert response.status_code == 302, "second factor refused"
    return client


def _password_only(membership: Membership) -> Client:
    """Signed in with the password, the second factor still to come."""
    client = Client(enforce_csrf_checks=True)
    token = client.get(reverse("account_login")).cookies["csrftoken"].value
    response = client.post(
        reverse("account_login"),
        {"login": membership.user.email, "password": TEST_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response["Location"] == reverse("mfa_authenticate")
    return client


def _following_reset_link(membership: Membership, objects: dict[str, Any]) -> Client:
    """Signed out, on the page a password-reset e-mail's link opens."""
    import re

    from django.core import mail

    client = Client(enforce_csrf_checks=True)
    token = client.get(reverse("account_reset_password")).cookies["csrftoken"].value
    client.post(
        reverse("account_reset_password"),
        {"email": membership.user.email, "csrfmiddlewaretoken": token},
    )
    body = str(mail.outbox[-1].body)
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", body)
    assert link, "no reset link sent"
    # allauth moves the key into the session and sends the browser to the form's page
    objects["reset_page"] = client.get(link.group(1))["Location"]
    return client


def _url_for(pattern: fuzzing.Pattern, objects: dict[str, Any]) -> str | None:
    if not pattern.takes_kwargs:
        try:
            return reverse(pattern.name)
        except NoReverseMatch:  # a pattern that needs arguments it does not name
            return None
    if pattern.name in OBJECT_URLS:
        return reverse(pattern.name, kwargs=OBJECT_URLS[pattern.name][1](objects))
    extra = {
        "invitation_accept": lambda o: {"token": o["invitation_token"]},
        "survey_answer": lambda o: {"token": o["survey_token"]},
    }
    if pattern.name in extra:
        return reverse(pattern.name, kwargs=extra[pattern.name](objects))
    return None


def _name_of(action: str) -> str | None:
    try:
        match = resolve(action.split("?")[0])
    except Resolver404:
        return None
    return match.view_name


def _crawl(
    clients: dict[str, Client], objects: dict[str, Any], filters: dict[str, list[Target]]
) -> tuple[dict[str, list[Target]], int]:
    targets: dict[str, list[Target]] = {}
    opened = 0
    pages: list[tuple[str, str]] = []
    for pattern in fuzzing.all_patterns():
        if pattern.route.startswith(NOT_OPENED_PREFIXES) or pattern.name == "account_logout":
            continue
        url = _url_for(pattern, objects)
        if url is not None:
            pages.extend((role, url) for role in CRAWLERS)
    for role, url in [*pages, *_more_pages(objects)]:
        client = clients[role]
        response = client.get(url)
        opened += 1
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in fuzzing.parse_forms(response.content.decode(), url):
            name = _name_of(form.action)
            if name is None or name == "account_logout":
                continue
            known = targets.setdefault(name, [])
            if all(t.form.signature != form.signature for t in known):
                known.append(Target(role, form))
        for form in fuzzing.parse_forms(response.content.decode(), url, method="get"):
            name = _name_of(form.action.split("?")[0])
            if name is None or not form.fields:
                continue
            known = filters.setdefault(name, [])
            if all(t.form.signature != form.signature for t in known):
                known.append(Target(role, form))
    return targets, opened


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    media: Path = tmp_path_factory.mktemp("fuzz-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media / "public", PRIVATE_MEDIA_ROOT=media / "private"),
        transaction.atomic(),
    ):
        organization = OrganizationFactory.create(name="Fuzz Valley", slug="fuzz-valley")
        objects = _objects_of(
            organization,
            lambda org, role=Role.PEER_SUPPORTER, programs=None, **_: _member(org, role, programs),
            lambda org, **kw: ProgramFactory.create(organization=org, **kw),
        )
        program = objects["program"]
        people = {
            "admin": objects["admin"],
            "peer": objects["membership"],
            "supervisor": objects["supervisor"],
            "manager": _member(organization, Role.PROGRAM_MANAGER, [program]),
            # without an authenticator, so the page that enrols one shows its form
            "trainer": _member(organization, Role.TRAINER, [program], mfa=False),
        }
        _extra_objects(organization, objects, people)
        clients = {role: _signed_in(m) for role, m in people.items()}
        clients[ANONYMOUS] = Client(enforce_csrf_checks=True)
        clients[HALF_SIGNED_IN] = _password_only(people["supervisor"])
        clients[ENROLLING] = _signed_in(
            _member(organization, Role.PROGRAM_MANAGER, [program], mfa=False)
        )
        clients[RESETTING] = _following_reset_link(people["admin"], objects)
        filters: dict[str, list[Target]] = {}
        targets, opened = _crawl(clients, objects, filters)
        yield World(organization, objects, clients, targets, opened, filters)
        transaction.set_rollback(True)


def _extra_objects(
    organization: Organization, objects: dict[str, Any], people: dict[str, Membership]
) -> None:
    """What the isolation sweep's objects lack for the signed-out pages and the trainer."""
    from encounters.services.survey import survey_link_create
    from programs.models import Invitation
    from programs.services import invitation_create

    _, objects["survey_token"] = survey_link_create(
        encounter=objects["encounter"], actor=people["peer"].user, channel="link"
    )
    Invitation.objects.filter(pk=objects["invitation"].pk).delete()
    objects["invitation"], objects["invitation_token"] = invitation_create(
        organization=organization,
        email="newcomer@fuzz-valley.example",
        role=Role.PEER_SUPPORTER,
        invited_by=people["admin"].user,
    )
    session = objects["training_session"]
    session.trainer = people["trainer"]
    session.save(update_fields=["trainer"])
    _second_states(organization, objects, people)


def _second_states(
    organization: Organization, objects: dict[str, Any], people: dict[str, Membership]
) -> None:
    """Objects in the states whose forms the first ones do not show: a certification (its
    renewal, correction and lapse forms), a lapsed one (reinstatement, withdrawal), a signed
    log (addendum, acknowledgement), a second rate (its removal), a second organization for
    the admin (the switcher), a peer enrolled in an upcoming session (withdrawal, joining)."""
    import datetime as dt
    from decimal import Decimal

    from certification import services as cert
    from encounters.services.payers import RateTerms, rate_add
    from supervision.services.logs import LogInput, log_save
    from supervision.services.signing import log_sign
    from training.models import TrainingSession
    from training.services import enroll

    admin, peer, supervisor = people["admin"], people["peer"], people["supervisor"]
    today = organization.today()
    # Hours the peer reported this month and nobody has confirmed: the ratio page's form
    # that confirms them.
    from supervision.models import HoursWorked

    HoursWorked.objects.create(peer=peer, date=today.replace(day=1), hours=6, entered_by=peer.user)
    cert.certification_record(
        profile=objects["profile"],
        actor=admin.user,
        number="CBHPSS-1",
        issued_on=today - dt.timedelta(days=200),
        expires_on=today + dt.timedelta(days=500),
    )
    lapsed_peer = _member(organization, Role.PEER_SUPPORTER, [objects["program"]])
    objects["lapsed_profile"] = cert.profile_for(lapsed_peer)
    lapsed = cert.certification_record(
        profile=objects["lapsed_profile"],
        actor=admin.user,
        number="CBHPSS-2",
        issued_on=today - dt.timedelta(days=300),
        expires_on=today + dt.timedelta(days=300),
    )
    cert.certification_lapse(
        certification=lapsed, actor=admin.user, lapsed_on=today - dt.timedelta(days=10)
    )
    rate_add(
        payer=objects["payer"],
        actor=admin.user,
        terms=RateTerms(dt.date(2025, 6, 1), Decimal("13.00")),
    )
    signed, _ = log_save(
        supervisor=supervisor,
        actor=supervisor.user,
        data=LogInput(
            date=today - dt.timedelta(days=1),
            start_time=dt.time(9),
            end_time=dt.time(10),
            supervisees=[peer],
            signoff_assessments=True,
            signoff_interventions=True,
        ),
    )
    objects["signed_log"] = log_sign(log=signed, actor=supervisor.user, credential=TEST_PASSWORD)
    MembershipFactory.create(
        user=admin.user,
        organization=OrganizationFactory.create(name="Second Home", slug="second-home"),
        role=Role.ORG_ADMIN,
    )
    course = objects["training_session"].course
    upcoming = TrainingSession.objects.create(
        course=course,
        starts_on=today + dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=32),
        place="Billings",
        trainer=people["trainer"],
        capacity=10,
    )
    objects["upcoming_session"] = upcoming
    TrainingSession.objects.create(
        course=course,
        starts_on=today + dt.timedelta(days=40),
        ends_on=today + dt.timedelta(days=42),
        place="Butte",
        trainer=people["trainer"],
        capacity=10,
    )
    # A past session of a course with an exam, someone still enrolled: its exam and closing
    # forms.
    from training.models import Course, Enrollment

    exam_course = Course.objects.create(
        organization=organization,
        code="ps201",
        title="Peer Support 201",
        required_hours=Decimal(8),
        pass_mark=70,
    )
    objects["exam_session"] = TrainingSession.objects.create(
        course=exam_course,
        starts_on=today - dt.timedelta(days=10),
        ends_on=today - dt.timedelta(days=9),
        place="Missoula",
        trainer=people["trainer"],
        capacity=10,
    )
    Enrollment.objects.create(
        session=objects["exam_session"],
        name="Sam",
        email="sam@fuzz-valley.example",
        trail="employment",
        status="enrolled",
    )
    enroll(
        session=upcoming,
        actor=admin.user,
        name="Pat Peer",
        email=peer.user.email,
        trail="employment",
    )


def _more_pages(objects: dict[str, Any]) -> list[tuple[str, str]]:
    """Pages of the second states' objects, and who opens them."""
    lapsed = reverse("certification_peer", kwargs={"pk": objects["lapsed_profile"].pk})
    signed = reverse("supervision_log", kwargs={"pk": objects["signed_log"].pk})
    upcoming = reverse("session_detail", kwargs={"pk": objects["upcoming_session"].pk})
    exam = reverse("session_detail", kwargs={"pk": objects["exam_session"].pk})
    return [
        ("admin", lapsed),
        ("manager", lapsed),
        ("supervisor", signed),
        ("peer", signed),
        ("trainer", upcoming),
        ("admin", upcoming),
        ("trainer", exam),
        (HALF_SIGNED_IN, reverse("mfa_authenticate")),
        (RESETTING, objects["reset_page"]),
        (ENROLLING, reverse("mfa_activate_totp")),
    ]


POST_PATTERNS = sorted(
    p.name
    for p in fuzzing.post_patterns()
    if not p.route.startswith(NOT_OPENED_PREFIXES) and p.name != "account_logout"
)


def test_every_post_pattern_has_a_form_or_a_reason(world: World) -> None:
    missing = [n for n in POST_PATTERNS if n not in world.targets and n not in NOT_FUZZED]
    assert not missing, (
        "no page shows a form that posts to these patterns; make one reachable from a page "
        f"the crawl opens, or list it in NOT_FUZZED with a reason: {missing}"
    )
    stale = [n for n in NOT_FUZZED if n in world.targets]
    assert not stale, f"these have a form now; take them out of NOT_FUZZED: {stale}"


def _check(target: Target, data: dict[str, Any], response: Any, url: str) -> None:
    where = f"{target.role} POST {url}"
    assert response.status_code < 500, f"{where}: {response.status_code}"
    body = response.content.decode("utf-8", "replace")
    for marker in fuzzing.TRACEBACK_MARKERS:
        assert marker not in body, f"{where}: the answer shows {marker!r}"
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return
    fields = target.form.fields
    extra = data["__extra__"][0] if data["__extra__"] is not fuzzing.OMIT else None
    sent = {
        name: value
        for name, value in data.items()
        if name in fields
        and fields[name].typed
        and not fields[name].secret
        and isinstance(value, str)
        and name != extra
    }
    # What a person typed must come back when the form is refused. A tampered hidden field
    # (no person sends one) may be refused in a message instead, and a form answered 200
    # without an error is a success page (a revealed date, the form emptied for the next).
    tampered = any(
        f.kind == "hidden" and data.get(name, fuzzing.OMIT) != f.value for name, f in fields.items()
    )
    if not sent or tampered or not any(m in body for m in fuzzing.ERROR_MARKERS):
        return
    again = [
        f
        for f in fuzzing.parse_forms(body, url)
        if _name_of(f.action) == _name_of(target.form.action)
    ]
    assert again, f"{where}: refused, and the form is not shown again"
    # A page can hold two forms that post to one URL (a position and its funding).
    shown = max(again, key=lambda f: len(set(f.signature) & set(target.form.signature))).fields
    for name, value in sent.items():
        if name in shown and shown[name].typed:
            assert _as_seen(shown[name].value) == _as_seen(fuzzing.as_received(value)), (
                f"{where}: what was typed in {name!r} is not shown again"
            )


def _fuzz(target: Target, client: Client, examples: int) -> None:
    url = target.form.action

    @settings(max_examples=examples)
    @given(data=fuzzing.submission(target.form))
    def example(data: dict[str, Any]) -> None:
        cookies = SimpleCookie()
        cookies.load(client.cookies.output(header="", sep=";"))
        cache.clear()  # sign-in and code rate limits would soon answer 429 to everything
        try:
            with transaction.atomic():
                body, content_type = fuzzing.encode(target.form, data)
                response = client.generic("POST", url, body, content_type=content_type)
                _check(target, data, response, url)
                transaction.set_rollback(True)
        finally:
            client.cookies = cookies  # a sign-out or a switch must not end the next example's

    example()


def _as_seen(text: str) -> str:
    # A browser shows line ends as one kind, and the forms strip the ends of every value.
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@pytest.mark.parametrize("name", POST_PATTERNS)
def test_fuzz_form(world: World, name: str) -> None:
    if name in NOT_FUZZED:
        pytest.skip(NOT_FUZZED[name])
    targets = world.targets.get(name)
    if not targets:
        pytest.skip("no form found (test_every_post_pattern_has_a_form_or_a_reason fails)")
    for target in targets:
        _fuzz(target, world.clients[target.role], max(EXAMPLES // len(targets), 5))


# Lists whose filters are GET forms; each must be found by the crawl, so that a filter form
# that disappears from its page (and is no longer fuzzed) fails here.
KNOWN_FILTER_PAGES = ("encounter_list", "survey_results", "certification_team")


def test_the_filters_of_lists_are_found(world: World) -> None:
    missing = [n for n in KNOWN_FILTER_PAGES if n not in world.filters]
    assert not missing, f"no GET form found for {missing}; found {sorted(world.filters)}"


def _fuzz_filter(name: str, target: Target, client: Client) -> None:
    form = dataclasses.replace(target.form, csrf="")
    base = form.action.split("?")[0]

    @settings(max_examples=10)
    @given(data=fuzzing.submission(form))
    def example(data: dict[str, Any]) -> None:
        query, _ = fuzzing.encode(form, data)
        url = f"{base}?{query.decode()}"
        with transaction.atomic():
            response = client.get(url)
            assert response.status_code < 500, f"{target.role} GET {url}: {response.status_code}"
            body = response.content.decode("utf-8", "replace")
            for marker in fuzzing.TRACEBACK_MARKERS:
                assert marker not in body, f"{name}: the answer shows {marker!r}"
            transaction.set_rollback(True)

    # Beside the drawn examples, each field once with each character the database cannot
    # store, the rest as the page gave them (the read audit stores the filter values).
    for field in form.fields:
        for bad in (fuzzing.NUL, *fuzzing.LONE_SURROGATES, fuzzing.LONG):
            data: dict[str, Any] = {n: f.value for n, f in form.fields.items()}
            data |= {field: bad, "__extra__": fuzzing.OMIT}
            query, _ = fuzzing.encode(form, data)
            with transaction.atomic():
                response = client.get(f"{base}?{query.decode()}")
                assert response.status_code < 500, f"{target.role} GET {name} {field}={bad!r}"
                transaction.set_rollback(True)
    example()


def test_fuzz_the_filters_of_every_list(world: World) -> None:
    """Every GET form the crawl found (a list's filters: dates, programs, peers, search
    text), sent with hostile values in the query string: never a 5xx or a traceback (the
    filter values also reach the read audit, which must store them)."""
    for name, targets in sorted(world.filters.items()):
        for target in targets:
            _fuzz_filter(name, target, world.clients[target.role])
