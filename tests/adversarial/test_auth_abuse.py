"""Auth abuse, from outside, over every URL the resolver knows (issue #23, section 5):

- a POST without a CSRF token is refused on every pattern, and writes nothing;
- a person whose role requires a second factor reaches nothing but the sign-in steps until
  the second factor is done (code not typed yet, or no authenticator set up yet);
- no `next` sends anyone off our host;
- wrong passwords from one client address lock that address out, not the real person
  elsewhere.

Every pattern is filled with the organization's own real objects (the fill table below and
tests/programs/test_isolation.py's OBJECT_URLS); a new pattern that cannot be filled fails
`test_every_pattern_is_filled`, and a new page open without sign-in fails the MFA sweep
until it is listed in PUBLIC with a reason.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from programs.models import Membership, Role
from tests.factories import TEST_PASSWORD, totp_code
from tests.programs.test_isolation import NOT_OBJECT_URLS, OBJECT_URLS, _objects_of

pytestmark = pytest.mark.django_db


# --- Every pattern, with its path filled ------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name", or the route when the pattern has none
    route: str  # the full route, for messages
    callback: Callable[..., Any]
    arguments: tuple[str, ...]
    build: Callable[[dict[str, Any]], str]


def _route_builder(route: str) -> Callable[[dict[str, Any]], str]:
    def build(kwargs: dict[str, Any]) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[str(m.group(1))]), route)

    return build


def _name_builder(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda kwargs: reverse(name, kwargs=kwargs)


def all_patterns() -> list[Pattern]:
    found: list[Pattern] = []

    def walk(patterns: list[Any], prefix: str, namespace: str, plain: bool) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(
                    p.url_patterns,
                    prefix + str(p.pattern),
                    ns,
                    plain and isinstance(p.pattern, RoutePattern),
                )
                continue
            assert isinstance(p, URLPattern)
            route = prefix + str(p.pattern)
            arguments = tuple(p.pattern.regex.groupindex)
            if p.name:
                name, build = f"{namespace}{p.name}", _name_builder(f"{namespace}{p.name}")
            elif plain and isinstance(p.pattern, RoutePattern):
                name, build = route, _route_builder(route)
            else:
                assert isinstance(p.pattern, RegexPattern)
                name, build = route, _name_builder("")  # filled from UNNAMED_REGEX
            found.append(Pattern(name, route, p.callback, arguments, build))

    walk(get_resolver().url_patterns, "", "", True)
    return found


# Django admin's catch-all answers every unknown path under it; one stands for all.
UNNAMED_REGEX = {"platform-admin/(?P<url>.*)$": "/platform-admin/no-such-page/"}


def _admin_kwargs(objects: dict[str, Any]) -> dict[str, Any]:
    """Django admin's patterns (platform superusers only) take generic keys."""
    pk = str(objects["admin"].user.pk)
    return {
        "object_id": pk,
        "id": pk,
        "app_label": "programs",
        "content_type_id": "1",
        "url": "no-such-page/",
    }


def _fill_table(objects: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Keys for every named pattern that takes arguments, besides OBJECT_URLS."""
    return {
        "invitation_accept": {"token": objects["invitation_token"]},
        "survey_answer": {"token": objects["survey_token"]},
        "import_template": {"kind": "hours", "fmt": "csv"},
        # allauth's e-mailed keys: a made-up key is as good as any for these checks
        "account_confirm_email": {"key": "made-up-key"},
        "account_reset_password_from_key": {"uidb36": "1", "key": "made-up-key"},
    }


def url_of(pattern: Pattern, objects: dict[str, Any]) -> str:
    if pattern.name in UNNAMED_REGEX:
        return UNNAMED_REGEX[pattern.name]
    if not pattern.arguments:
        return pattern.build({})
    if pattern.name.startswith("admin:") or pattern.route.startswith("platform-admin/"):
        kwargs = _admin_kwargs(objects)
        kwargs = {k: kwargs[k] for k in pattern.arguments}
    elif pattern.name in OBJECT_URLS:
        kwargs = OBJECT_URLS[pattern.name][1](objects)
    else:
        kwargs = _fill_table(objects)[pattern.name]
    return pattern.build(kwargs)


@pytest.fixture
def ours(org, member_of, program_in) -> dict[str, Any]:
    """The organization's real objects, and an MFA-verified admin among them."""
    from encounters.models import SurveyChannel
    from encounters.services.survey import survey_link_create
    from programs.services import invitation_create

    objects = _objects_of(org, member_of, program_in)
    _, objects["invitation_token"] = invitation_create(
        organization=org,
        email=f"second-invitee@{org.slug}.example",
        role=Role.PEER_SUPPORTER,
        invited_by=objects["admin"].user,
    )
    _, objects["survey_token"] = survey_link_create(
        encounter=objects["encounter"],
        actor=objects["membership"].user,
        channel=SurveyChannel.LINK,
    )
    return objects


def test_every_pattern_is_filled(ours) -> None:
    unfilled = []
    for pattern in all_patterns():
        try:
            url_of(pattern, ours)
        except Exception as exc:  # KeyError, NoReverseMatch: the table lacks it
            unfilled.append(f"{pattern.name} ({type(exc).__name__}: {exc})")
    assert not unfilled, f"add these patterns to the fill table: {unfilled}"
    assert set(NOT_OBJECT_URLS) <= set(_fill_table(ours))


# --- CSRF ---------------------------------------------------------------------------------

# Patterns that take a POST without the CSRF token, and why. None today: the product has no
# webhook or other cross-site caller.
CSRF_EXEMPT: dict[str, str] = {}
CSRF_FAILED = b"CSRF verification failed"


def _database_fingerprint() -> dict[str, str]:
    """One hash per table of all its rows (the session table aside: a request may refresh
    its own session)."""
    out = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table == "django_session":
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' "  # noqa: S608
                f"ORDER BY md5(t::text)), '')) FROM {quoted} t"
            )
            count, digest = cursor.fetchone()
            out[table] = f"{count}:{digest}"
    return out


def _csrf_enforcing_client_for(membership: Membership, client_for: Any) -> Client:
    """The member's signed-in browser, as a page of another site would use it: the session
    and CSRF cookies go along, the token does not."""
    signed_in = client_for(membership)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = signed_in.cookies
    assert strict.get(reverse("home")).status_code == 200
    assert settings.CSRF_COOKIE_NAME in strict.cookies
    return strict


def test_no_pattern_is_exempt_from_csrf_without_a_listed_reason() -> None:
    exempt = {p.name for p in all_patterns() if getattr(p.callback, "csrf_exempt", False)}
    assert exempt <= set(CSRF_EXEMPT), f"CSRF-exempt without a reason: {exempt - set(CSRF_EXEMPT)}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="fingerprints with md5(row::text)")
def test_a_post_without_the_csrf_token_is_refused_on_every_pattern(ours, client_for) -> None:
    strict = _csrf_enforcing_client_for(ours["admin"], client_for)
    before = _database_fingerprint()
    let_through = []
    for pattern in all_patterns():
        if pattern.name in CSRF_EXEMPT:
            continue
        url = url_of(pattern, ours)
        # form fields a real attack would send: a role change, a name, a delete
        for headers in ({}, {"X-CSRFToken": "forged-token-0123456789abcdef0123456789ab"}):
            response = strict.post(
                url, {"role": Role.PEER_SUPPORTER, "name": "x", "confirm": "1"}, headers=headers
            )
            if response.status_code != 403 or CSRF_FAILED not in response.content:
                let_through.append(f"{pattern.name} {url} -> {response.status_code}")
    assert not let_through, let_through
    assert _database_fingerprint() == before


# --- Second factor ------------------------------------------------------------------------

# Pages that answer without a full sign-in, and why.
PUBLIC: dict[str, str] = {
    "healthz": "the load balancer's health check; says nothing but 'ok'",
    "account_login": "the sign-in page",
    "account_logout": "signing out must always work",
    "account_inactive": "tells a deactivated person why they cannot sign in",
    "account_signup": "closed (invite-only); says so",
    "account_reset_password": "a forgotten password is reset without signing in",
    "account_reset_password_done": "the 'check your e-mail' page of a reset",
    "account_reset_password_from_key": "the e-mailed reset link (its key is the secret)",
    "account_reset_password_from_key_done": "the 'password changed' page of a reset",
    "account_email_verification_sent": "allauth's 'check your e-mail' page",
    "account_confirm_email": "an e-mailed confirmation link (its key is the secret)",
    "mfa_authenticate": "the second-factor step itself",
    "survey_answer": "clients answer the survey anonymously by its one-time link",
    "survey_thanks": "the survey's thank-you page",
    "certificate_verify": "anyone checks a training certificate's number",
    "invitation_accept": "the invited person has no account yet (the token is the secret)",
    "admin:login": "Django admin's sign-in (sends on to the app's own)",
    "admin:logout": "signing out of Django admin (sends to its index, which asks to sign in)",
    "import_template": "a blank spreadsheet template with a header and an example row",
}
# Pages a person who must set up an authenticator may open before doing so.
ENROLMENT = {"mfa_activate_totp", "account_reauthenticate", "account_logout", "healthz"}
SIGN_IN_STEPS = {
    reverse("account_login"),
    reverse("mfa_authenticate"),
    reverse("admin:login"),
}
EVIL = "//evil.test/"


def _off_host(location: str) -> bool:
    """Whether a browser could leave our host following this Location. Browsers read a
    backslash as a slash and drop tabs and newlines in a URL; and a scheme without a host
    (`http:evil.test`) is another host when the scheme is not the page's own."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip()
    parts = urlsplit(cleaned)
    if not parts.scheme:
        return parts.netloc != ""
    return parts.scheme not in ("http", "https") or parts.netloc != "testserver"


# Requests that would end the session the sweep is testing (each has its own test).
SIGNS_OUT = {"account_logout", "admin:logout"}


def _sweep(client: Client, objects: dict[str, Any], method: str) -> Iterator[tuple[Pattern, Any]]:
    """Every pattern once, with a hostile `next` in the query and the form."""
    for pattern in all_patterns():
        if pattern.name in SIGNS_OUT:
            continue
        url = url_of(pattern, objects)
        if method == "get":
            yield pattern, client.get(url, {"next": EVIL})
        else:
            yield pattern, client.post(f"{url}?{urlencode({'next': EVIL})}", {"next": EVIL})


def _password_only(membership: Membership) -> Client:
    """A browser that typed the right password and stopped at the second-factor step."""
    c = Client()
    response = c.post(
        reverse("account_login"), {"login": membership.user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    return c


MFA_ROLES = [Role(r) for r in settings.MFA_REQUIRED_ROLES]


@pytest.mark.parametrize("role", MFA_ROLES)
def test_after_the_password_alone_nothing_but_the_sign_in_steps_answers(
    ours, org, member_of, role
) -> None:
    person = member_of(org, role, programs=[ours["program"]])
    wrong = []
    for method in ("get", "post"):
        browser = _password_only(person)
        for pattern, response in _sweep(browser, ours, method):
            status = response.status_code
            if pattern.name in PUBLIC:
                ok = status < 500
            elif 300 <= status < 400:
                ok = urlsplit(response["Location"]).path in SIGN_IN_STEPS
            else:
                ok = status in (403, 404, 405, 410)
            if status in (301, 302, 303, 307, 308) and _off_host(response["Location"]):
                ok = False
            if not ok:
                where = response.get("Location", "")
                wrong.append(f"{method.upper()} {pattern.name} -> {status} {where}")
        # and the password alone never became a session
        assert browser.get(reverse("home"))["Location"].startswith(reverse("account_login"))
    assert not wrong, wrong


@pytest.mark.parametrize("role", MFA_ROLES)
def test_before_an_authenticator_is_set_up_every_page_sends_to_the_set_up(
    ours, org, member_of, client_for, role
) -> None:
    person = member_of(org, role, mfa=False, programs=[ours["program"]])
    browser = client_for(person)
    setup = reverse("mfa_activate_totp")
    wrong = []
    for method in ("get", "post"):
        for pattern, response in _sweep(browser, ours, method):
            if pattern.name in ENROLMENT:
                continue
            status = response.status_code
            if status in (301, 302, 303, 307, 308):
                ok = response["Location"] == setup
            else:
                ok = status in (403, 405)
            if not ok:
                where = response.get("Location", "")
                wrong.append(f"{method.upper()} {pattern.name} -> {status} {where}")
    assert not wrong, wrong
    assert browser.get(reverse("home"))["Location"] == setup


# --- Open redirects -----------------------------------------------------------------------

HOSTILE_NEXT = [
    "https://evil.test/",
    "//evil.test",
    "/\\evil.test",
    "\\\\evil.test",
    "javascript:alert(1)",
    "http:evil.test",
    "https:/evil.test",
    "/\t/evil.test",
    " //evil.test",
]


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_signing_in_with_a_hostile_next_stays_on_our_host(ours, org, member_of, hostile) -> None:
    # a peer: password only
    peer = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    c = Client()
    for response in (
        c.get(reverse("account_login"), {"next": hostile}),
        c.post(
            f"{reverse('account_login')}?{urlencode({'next': hostile})}",
            {"login": peer.user.email, "password": TEST_PASSWORD, "next": hostile},
        ),
    ):
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert not _off_host(response["Location"]), response["Location"]
            assert response["Location"] == reverse("home")
    # an admin: password, then the code; `next` carried through the second step
    admin = ours["admin"]
    c = Client()
    response = c.post(
        f"{reverse('account_login')}?{urlencode({'next': hostile})}",
        {"login": admin.user.email, "password": TEST_PASSWORD, "next": hostile},
    )
    assert response["Location"] == reverse("mfa_authenticate")
    with time_machine.travel(time.time(), tick=False):
        response = c.post(
            f"{reverse('mfa_authenticate')}?{urlencode({'next': hostile})}",
            {"code": totp_code(admin.totp_secret), "next": hostile},
        )
    assert response.status_code == 302
    assert not _off_host(response["Location"]), response["Location"]
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_signed_in_pages_that_take_next_stay_on_our_host(ours, client_for, hostile) -> None:
    admin = client_for(ours["admin"])
    query = f"?{urlencode({'next': hostile})}"
    answers = {
        "reauthenticate": admin.post(
            reverse("account_reauthenticate") + query, {"password": TEST_PASSWORD, "next": hostile}
        ),
        "admin login (signed in)": admin.get(reverse("admin:login") + query),
        "login (signed in)": admin.get(reverse("account_login") + query),
        "organization switch": admin.post(
            reverse("organization_switch") + query,
            {"organization": ours["admin"].organization_id, "next": hostile},
        ),
        "logout": admin.post(reverse("account_logout") + query, {"next": hostile}),
    }
    for what, response in answers.items():
        if response.status_code in (301, 302, 303, 307, 308):
            assert not _off_host(response["Location"]), f"{what}: {response['Location']}"
    assert answers["logout"].status_code == 302  # signing out did happen


def test_no_page_of_the_signed_in_admin_redirects_off_host_on_next(ours, client_for) -> None:
    admin = client_for(ours["admin"])
    off = [
        f"{method.upper()} {pattern.name} -> {response['Location']}"
        for method in ("get", "post")
        for pattern, response in _sweep(admin, ours, method)
        if response.status_code in (301, 302, 303, 307, 308) and _off_host(response["Location"])
    ]
    assert not off, off


# --- Lockout by address and client address ------------------------------------------------

LOGIN = reverse("account_login")
LOCKED = "Too many failed login attempts"


def _try(ip: str, email: str, password: str) -> Any:
    return Client(REMOTE_ADDR=ip).post(LOGIN, {"login": email, "password": password})


def test_an_attacker_hammering_from_one_address_locks_only_themselves(
    org, member_of, settings
) -> None:
    victim = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    attacker_ip, victim_ip = "203.0.113.66", "198.51.100.20"
    # Far past the hard lock, and past the slower per-address limit too if the refused
    # tries counted towards it: they must not, or one address could keep the person out.
    tries = settings.LOGIN_ADDRESS_FAILURE_LIMIT * 3
    answers = [_try(attacker_ip, victim.user.email, f"guess-{n}") for n in range(tries)]
    # refused: the form's lockout message, then (past 20 a minute) allauth's 429 for the IP
    assert all(a.status_code in (200, 429) for a in answers)
    assert LOCKED in answers[settings.LOGIN_FAILURE_LIMIT].content.decode()

    # the attacker is locked at their address even when they guess right
    attacker = Client(REMOTE_ADDR=attacker_ip)
    guessed = attacker.post(LOGIN, {"login": victim.user.email, "password": TEST_PASSWORD})
    assert guessed.status_code == 429 or LOCKED in guessed.content.decode()
    assert attacker.get(reverse("home")).status_code == 302  # not signed in

    # the real person, at their own address, signs in
    at_work = Client(REMOTE_ADDR=victim_ip)
    response = at_work.post(LOGIN, {"login": victim.user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert at_work.get(reverse("home")).status_code == 200


def test_the_person_at_their_usual_browser_outlasts_an_attack_from_many_addresses(
    org, member_of, settings
) -> None:
    victim = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    usual = Client(REMOTE_ADDR="198.51.100.20")
    assert (
        usual.post(LOGIN, {"login": victim.user.email, "password": TEST_PASSWORD}).status_code
        == 302
    )
    usual.post(reverse("account_logout"))
    # an attacker rotating client addresses, each kept under the hard lock
    per_ip = settings.LOGIN_FAILURE_LIMIT - 1
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT // per_ip + 2):
        for _ in range(per_ip):
            _try(f"192.0.2.{n + 1}", victim.user.email, "guess")
    # the slower per-address limit now holds strangers...
    assert LOCKED in _try("203.0.113.99", victim.user.email, TEST_PASSWORD).content.decode()
    # ...but not the person at the browser they sign in from
    response = usual.post(LOGIN, {"login": victim.user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert usual.get(reverse("home")).status_code == 200
