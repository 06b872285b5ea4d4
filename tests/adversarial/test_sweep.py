"""Walls swept from the URL resolver (issue #23, section 5, first two bullets).

Every URL pattern the project serves is found by walking `get_resolver()`; none is listed by
hand. Each is filled with another organization's keys (path and query parameters) and
requested by every role of the first organization with GET and POST: no answer may show the
other organization's data (planted marker strings) and none of its rows may change. The same
table, filled with a colleague's objects, checks the role boundaries inside one organization.

A pattern the sweep cannot fill fails `test_every_url_pattern_is_swept` until it gets a row in
`PATH_KWARGS` (or `OBJECT_URLS` of tests/programs/test_isolation.py) or a reason in
`NOT_SWEPT`, so a new URL is covered the day it is added.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.http import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from programs.models import Membership, Organization, Role
from tests.programs.test_isolation import OBJECT_URLS, _objects_of

# Planted in every name, title, code and note of the organization whose walls are tested.
MARKER = "zqxmark"

Objects = dict[str, Any]
Kwargs = Callable[[Objects], dict[str, Any]]

# url name -> the path parameters, taken from the objects of the organization being probed.
PATH_KWARGS: dict[str, Kwargs] = {
    **{name: kwargs for name, (_methods, kwargs) in OBJECT_URLS.items()},
    # The blank template of an import kind: the same file for everyone.
    "import_template": lambda o: {"kind": "hours", "fmt": "csv"},
}

# Patterns with path parameters that the sweep does not request, and why.
NOT_SWEPT: dict[str, str] = {
    "survey_answer": "a secret survey link for the client; the token is the permission "
    "(no sign-in), so it opens for whoever holds it; tests/encounters cover it",
    "invitation_accept": "a secret invitation link; the token is the permission; "
    "tests/programs cover it",
    "account_confirm_email": "allauth's e-mail confirmation key: a secret sent to one person",
    "account_reset_password_from_key": "allauth's password-reset key: a secret sent to one "
    "person, built from SITE_URL (tests/accounts cover it)",
}

# Patterns requested with GET only, and why.
GET_ONLY_MODULES: dict[str, str] = {
    "allauth": "the signed-in person's own account (sign out, password, e-mail, MFA): it "
    "holds no organization's data, and a POST would end or change the sweep's own session",
}

# The platform admin refuses everyone who is not a platform superuser before it reads a
# parameter, so its object ids are filled from the probed organization's row of that model
# when there is one and its other parameters with fixed values.
# Some of its patterns have no name, so its URLs are built from the route itself.
ADMIN_PREFIX = "/platform-admin/"


@dataclass(frozen=True)
class Route:
    name: str  # with its namespace, as reverse() takes it
    route: str
    kwargs: tuple[str, ...]
    module: str

    def __str__(self) -> str:
        return f"{self.name or '(no name)'} {self.route}"


def routes() -> list[Route]:
    """Every URL pattern of the active URLconf, with its full route and parameter names."""
    found: list[Route] = []

    def walk(patterns: list[Any], prefix: str, namespace: str, module: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(x for x in (namespace, p.namespace or "") if x)
                mod = getattr(p.urlconf_module, "__name__", module)
                walk(p.url_patterns, prefix + str(p.pattern), ns, mod)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
                kwargs = tuple(p.pattern.regex.groupindex)
                found.append(Route(name, prefix + str(p.pattern), kwargs, module))

    walk(get_resolver().url_patterns, "/", "", "")
    return found


ADMIN_KWARGS = {"object_id", "id", "content_type_id", "app_label", "url"}


def _is_admin(route: Route) -> bool:
    return route.route.startswith(ADMIN_PREFIX)


def _admin_fillable(route: Route) -> bool:
    return _is_admin(route) and set(route.kwargs) <= ADMIN_KWARGS


def _fillable(r: Route) -> bool:
    if _is_admin(r):
        return _admin_fillable(r)
    return bool(r.name) and (not r.kwargs or r.name in PATH_KWARGS)


def unswept(all_routes: list[Route]) -> list[str]:
    """Patterns the sweep cannot fill and that no list names, and stale rows of the lists."""
    problems = []
    for r in all_routes:
        if _admin_fillable(r) or r.name in NOT_SWEPT:
            continue
        if not r.name:
            problems.append(f"{r}: has no name, so the sweep cannot build its URL")
        elif r.kwargs and r.name not in PATH_KWARGS:
            problems.append(
                f"{r}: add it to PATH_KWARGS (how to fill {', '.join(r.kwargs)} with "
                "another organization's keys) or to NOT_SWEPT with a reason"
            )
    names = {r.name for r in all_routes}
    listed = set(NOT_SWEPT) | set(PATH_KWARGS)
    problems += [f"{n}: listed but no such URL" for n in sorted(listed - names)]
    return problems


def test_every_url_pattern_is_swept() -> None:
    assert not unswept(routes()), "\n".join(unswept(routes()))


@pytest.mark.urls("tests.adversarial.urls_with_unknown")
def test_a_new_url_pattern_the_sweep_cannot_fill_is_reported() -> None:
    problems = unswept(routes())
    assert len(problems) == 2, problems
    assert problems[0].startswith("sweep_unknown /sweep-unknown/<int:pk>/: add it to PATH_KWARGS")
    assert "has no name" in problems[1]


# --- the probed organization's data, and a record of its rows ----------------------------


def _plant_markers(o: Objects) -> None:
    """Put MARKER into every text of the probed organization that a page could show."""
    from certification.models import CeuEntry
    from encounters.models import Client as ClientRecord
    from encounters.models import Encounter, Payer
    from encounters.reporting.models import AlternativeCost, ProgramCost
    from programs.models import (
        ChecklistItem,
        FundingSource,
        ImportRun,
        Invitation,
        PeerPosition,
        PhaseTemplateItem,
        Program,
        ReadinessAction,
    )
    from supervision.models import LogAttendee, SupervisionLog, SupervisorProfile
    from training.models import Course, Enrollment, TrainingSession

    org: Organization = o["program"].organization
    Organization.objects.filter(pk=org.pk).update(name=f"{MARKER.title()} Agency")
    for i, m in enumerate(Membership.objects.filter(organization=org).select_related("user")):
        m.user.first_name, m.user.last_name = MARKER.title(), f"Person{i}"
        m.user.save(update_fields=["first_name", "last_name"])
    Program.objects.filter(organization=org).update(name=f"{MARKER} program")
    Invitation.objects.filter(organization=org).update(email=f"{MARKER}-invitee@example.org")
    ClientRecord.objects.filter(pk=o["client"].pk).update(
        code=f"{MARKER.upper()}-1", name=f"{MARKER} client"
    )
    Encounter.objects.filter(pk=o["encounter"].pk).update(note_data=f"{MARKER} note")
    Payer.objects.filter(pk=o["payer"].pk).update(name=f"{MARKER} county")
    CeuEntry.objects.filter(pk=o["ceu"].pk).update(title=f"{MARKER} ethics")
    Course.objects.filter(organization=org).update(title=f"{MARKER} course")
    TrainingSession.objects.filter(pk=o["training_session"].pk).update(place=f"{MARKER} hall")
    Enrollment.objects.filter(pk=o["enrollment"].pk).update(
        name=f"{MARKER} cam", email=f"{MARKER}-cam@example.org"
    )
    SupervisionLog.objects.filter(pk=o["log"].pk).update(
        notes=f"{MARKER} log notes", supervisor_name=f"{MARKER} supervisor"
    )
    LogAttendee.objects.filter(log=o["log"]).update(supervisee_name=f"{MARKER} supervisee")
    SupervisorProfile.objects.filter(membership=o["supervisor"]).update(
        license_number=f"{MARKER.upper()}-PSY"
    )
    AlternativeCost.objects.filter(pk=o["alternative_cost"].pk).update(source=f"{MARKER} jail")
    ProgramCost.objects.filter(pk=o["program_cost"].pk).update(note=f"{MARKER} cost")
    FundingSource.objects.filter(pk=o["funding"].pk).update(name=f"{MARKER} grant")
    PeerPosition.objects.filter(pk=o["position"].pk).update(title=f"{MARKER} position")
    ChecklistItem.objects.filter(program__organization=org).update(title=f"{MARKER} step")
    PhaseTemplateItem.objects.filter(pk=o["template_item"].pk).update(title=f"{MARKER} step")
    ReadinessAction.objects.filter(pk=o["readiness_action"].pk).update(action=f"{MARKER} act")
    ImportRun.objects.filter(pk=o["import_run"].pk).update(file_name=f"{MARKER}-hours.csv")


SNAPSHOT_APPS = {
    "programs",
    "certification",
    "supervision",
    "encounters",
    "reporting",
    "training",
    "accounts",
    "mfa",
    "account",
}
RowKey = tuple[str, Any]


def _snapshot_models() -> list[type[models.Model]]:
    return [
        m for m in apps.get_models(include_auto_created=True) if m._meta.app_label in SNAPSHOT_APPS
    ]


def snapshot() -> dict[RowKey, dict[str, Any]]:
    """Every row of the project's tables, keyed by (model, pk)."""
    rows: dict[RowKey, dict[str, Any]] = {}
    for model in _snapshot_models():
        for row in model._base_manager.values():
            rows[(model._meta.label, row[model._meta.pk.attname])] = row
    return rows


def _references() -> dict[str, list[tuple[str, str]]]:
    """model label -> [(column, label of the model it refers to)] for every foreign key."""
    refs: dict[str, list[tuple[str, str]]] = {}
    for model in _snapshot_models():
        refs[model._meta.label] = [
            (f.attname, f.related_model._meta.label)
            for f in model._meta.concrete_fields
            if isinstance(f, models.ForeignKey) and not isinstance(f.related_model, str)
        ]
    return refs


def changes_touching(
    theirs: set[RowKey],
    before_setup: dict[RowKey, dict[str, Any]],
    before: dict[RowKey, dict[str, Any]],
    after: dict[RowKey, dict[str, Any]],
) -> list[str]:
    """What the sweep did to the probed rows: a row changed or gone, or a row that is new or
    changed and now points at one of them."""
    problems = []
    for key in sorted(theirs, key=str):
        if key not in after:
            problems.append(f"{key}: deleted")
        elif after[key] != before_setup[key]:
            changed = [c for c, v in after[key].items() if before_setup[key].get(c) != v]
            problems.append(f"{key}: changed {changed}")
    refs = _references()
    for key, row in after.items():
        if key in theirs or before.get(key) == row:
            continue
        for column, target in refs[key[0]]:
            if (target, row[column]) in theirs:
                problems.append(
                    f"{key}: {'new' if key not in before else 'changed'} row "
                    f"refers to {target} {row[column]} ({column})"
                )
    return problems


# --- the requests -------------------------------------------------------------------------


def _admin_url(route: Route, o: Objects) -> str:
    from django.contrib.contenttypes.models import ContentType

    # /platform-admin/<app>/<model>/...: the probed organization's row of that model if any.
    app_model = ".".join(route.route[len(ADMIN_PREFIX) :].split("/")[:2])
    row = next((pk for label, pk in o["_rows"] if label.lower() == app_model), o["membership"].pk)
    values = {
        "object_id": row,
        "id": row,
        "app_label": "programs",
        "content_type_id": ContentType.objects.get_for_model(Membership).pk,
        "url": "sweep/",
    }
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m[1]]), route.route)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m[1]]), url)
    return url.replace("^", "").replace("$", "")


def url_of(route: Route, o: Objects) -> str:
    if _is_admin(route):
        return _admin_url(route, o)
    if not route.kwargs:
        return reverse(route.name)
    return reverse(route.name, kwargs=PATH_KWARGS[route.name](o))


def queries(o: Objects) -> list[dict[str, Any]]:
    """Common query parameters, once with the probed organization's ids, once with slugs."""
    ids = {
        "program": o["program"].pk,
        "client": o["client"].pk,
        "peer": o["membership"].pk,
        "supervisee": o["membership"].pk,
        "supervisor": o["supervisor"].pk,
        "membership": o["membership"].pk,
        "organization": o["program"].organization_id,
        "course": o["training_session"].course_id,
        "session": o["training_session"].pk,
        "payer": o["payer"].pk,
        "encounter": o["encounter"].pk,
        "log": o["log"].pk,
        "user": o["membership"].user_id,
        "next": f"/encounters/{o['encounter'].pk}/",
    }
    slugs = {
        **ids,
        "program": o["program"].slug,
        "organization": o["program"].organization.slug,
        "format": "csv",
    }
    return [ids, slugs]


def plausible_body(o: Objects) -> dict[str, Any]:
    """One body that fills the fields of every form, its choices pointing at the probed
    organization's rows: a form that does not scope a choice accepts it and the snapshot sees
    the new row pointing there."""
    day = "2025-02-03"
    return {
        **queries(o)[0],
        "programs": [o["program"].pk],
        "clients": [o["client"].pk],
        "supervisees": [o["membership"].pk],
        "assigned_peer": o["membership"].pk,
        "trainer": o["admin"].pk,
        "owner": o["admin"].user_id,
        "recipients": [o["admin"].pk],
        "name": "Sweep",
        "title": "Sweep",
        "code": "sweep-1",
        "email": "sweep@example.org",
        "role": Role.ORG_ADMIN,
        "is_active": "on",
        "date": day,
        "start": day,
        "end": "2025-03-31",
        "starts_on": day,
        "ends_on": "2025-03-31",
        "enrolled_on": day,
        "effective_from": day,
        "completed_on": day,
        "assessed_on": day,
        "start_time": "10:00",
        "end_time": "11:00",
        "duration_minutes": "30",
        "setting": "office",
        "format": "individual",
        "phase": "engaging",
        "support_types": ["emotional"],
        "topics": ["ethics"],
        "hours": "2",
        "kind": "funder",
        "period": "custom",
        "frequency": "quarterly",
        "capacity": "10",
        "place": "Sweep hall",
        "unit_amount": "12.00",
        "yearly_amount": "1000",
        "hourly_wage": "18",
        "hours_per_week": "40",
        "reason": "Sweep",
        "text": "Sweep",
        "trail": "employment",
        "submission_key": str(uuid.uuid4()),
    }


class _PostForms(HTMLParser):
    """The fields of a page's POST forms as a person would send them: defaults kept, the
    first choice of every list picked, empty fields typed in."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.types: list[dict[str, str]] = []
        self._in_post = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_post = a.get("method", "").lower() == "post"
            if self._in_post:
                self.forms.append({})
                self.types.append({})
            return
        name = a.get("name", "")
        if not self._in_post or (not name and tag != "option"):
            return
        fields, types = self.forms[-1], self.types[-1]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                # Every box ticked (the confirmations a form requires among them).
                if kind == "checkbox" or "checked" in a or name not in fields:
                    fields[name] = a.get("value", "on")
                types[name] = kind
                return
            fields[name] = a.get("value", "")
            types[name] = kind
        elif tag == "textarea":
            fields[name], types[name] = "", "textarea"
        elif tag == "select":
            self._select = name
            types[name] = "select"
        elif (
            tag == "option"
            and self._select
            and a.get("value")
            and (self._select not in fields or "selected" in a)  # the first, or the chosen
        ):
            fields[self._select] = a["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_post = False
        elif tag == "select":
            self._select = None


def typed_in(kind: str) -> str:
    """What a person types into an empty field of this kind."""
    return {
        "date": timezone.localdate().isoformat(),
        "time": "10:00",
        "number": "2",
        "email": "sweep@example.org",
    }.get(kind, "Sweep")


def their_key(field: str, o: Objects) -> Any:
    """The probed organization's row for a choice field of that name, or None."""
    keys = {
        "program": o["program"].pk,
        "programs": o["program"].pk,
        "client": o["client"].pk,
        "clients": o["client"].pk,
        "peer": o["membership"].pk,
        "assigned_peer": o["membership"].pk,
        "supervisee": o["membership"].pk,
        "supervisees": o["membership"].pk,
        "membership": o["membership"].pk,
        "supervisor": o["supervisor"].pk,
        "trainer": o["admin"].pk,
        "recipients": o["admin"].pk,
        "course": o["training_session"].course_id,
        "payer": o["payer"].pk,
        "owner": o["admin"].user_id,
        "organization": o["program"].organization_id,
    }
    return keys.get(field, o["admin"].user_id if field.endswith("_owner") else None)


def filled_forms(page: bytes) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """Each POST form of a page, filled in, with the type of each field."""
    reader = _PostForms()
    reader.feed(page.decode(errors="replace"))
    return [
        (
            {name: value or typed_in(types.get(name, "")) for name, value in f.items()},
            types,
        )
        for f, types in zip(reader.forms, reader.types, strict=True)
    ]


def form_posts(page: bytes, url: str, o: Objects) -> list[tuple[str, str, dict[str, Any]]]:
    """For every POST form on a page: the form filled in as a person would, once per choice
    field with that one choice set to the probed organization's row. A form that does not
    scope the choice saves a row pointing there, which the snapshot then finds."""
    posts = []
    for filled, types in filled_forms(page):
        for name in sorted(types):
            if (key := their_key(name, o)) is None or name == "csrfmiddlewaretoken":
                continue
            body = {**filled, name: key}
            if "submission_key" in body:
                body["submission_key"] = str(uuid.uuid4())
            posts.append(("POST", f"{url} (form, {name} of the other org)", body))
    return posts


@dataclass(frozen=True)
class Problem:
    role: str
    method: str
    url: str
    status: int
    reason: str

    def __str__(self) -> str:
        return f"{self.role:20} {self.method:4} {self.url} -> {self.status}: {self.reason}"


def requests_for(route: Route, url: str, o: Objects) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, label, data) of each request the sweep makes to one URL."""
    yield "GET", url, {}
    if _is_admin(route):
        yield "POST", url, {}
        return
    if any(route.module.startswith(m) for m in GET_ONLY_MODULES):
        return
    # Query parameters go to the pages without an object in the path: a page for another
    # organization's object answers 404 before it reads any (the bare GET shows that).
    if not route.kwargs:
        for q in queries(o):
            yield "GET", url + "?" + "&".join(f"{k}={v}" for k, v in q.items()), q
    yield "POST", url, {}
    yield "POST", url + " (plausible body)", plausible_body(o)


def body_of(response: HttpResponseBase) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return bytes(response.content)  # type: ignore[attr-defined]


def to_sign_in(response: HttpResponseBase) -> bool:
    location = response.get("Location", "")
    return location.startswith((reverse("account_login"), reverse("mfa_authenticate")))


def request(client: Client, method: str, url: str, data: dict[str, Any]) -> HttpResponseBase:
    path = url.split(" ", 1)[0].split("?", 1)[0]
    if method == "GET":
        return client.get(path, data)
    return client.post(path, data)


# --- across organizations -----------------------------------------------------------------


def swept_routes() -> list[Route]:
    """The patterns the sweeps request. SWEEP_ONLY (a regular expression over URL names)
    narrows them while one page's leak is being fixed; CI never sets it."""
    chosen = [r for r in routes() if r.name not in NOT_SWEPT and _fillable(r)]
    if only := os.environ.get("SWEEP_ONLY"):
        chosen = [r for r in chosen if re.search(only, r.name)]
    return chosen


# Pages on which the probed organization's own admin sees the markers (a control: the sweep
# would prove nothing if the markers were planted where no page shows them).
SHOWN_TO_THEIR_ADMIN = (
    "home",
    "member_list",
    "program_detail",
    "client_list",
    "client_detail",
    "encounter_detail",
    "payer_detail",
    "supervision_log",
    "certification_peer",
    "session_list",
    "session_detail",
    "import_history",
)


@pytest.mark.django_db
def test_no_role_of_one_organization_sees_or_changes_another_organizations_data(
    org, other_org, member_of, program_in, client_for
):
    empty = snapshot()
    theirs = _objects_of(other_org, member_of, program_in)
    _plant_markers(theirs)
    theirs["_rows"] = sorted(set(snapshot()) - set(empty), key=str)

    # The markers are where a page shows them: their own admin sees each of these.
    own = client_for(theirs["admin"])
    for name in SHOWN_TO_THEIR_ADMIN:
        page = own.get(url_of(next(r for r in routes() if r.name == name), theirs))
        assert MARKER.encode() in body_of(page).lower(), f"no marker on {name} for its own admin"
    planted = snapshot()
    their_rows = set(planted) - set(empty)

    program = program_in(org)
    visitors = {role: member_of(org, role, programs=[program]) for role in Role}
    clients = {role: client_for(m) for role, m in visitors.items()}
    for c in clients.values():
        c.raise_request_exception = False  # a 500 is reported with the others, not raised
    before = snapshot()

    all_routes = swept_routes()
    problems: list[Problem] = []
    requests = 0
    for role, client in clients.items():
        for route in all_routes:
            try:
                url = url_of(route, theirs)
            except Exception as e:  # a row of the table that no longer fills its URL
                problems.append(Problem(role, "-", str(route), 0, f"cannot fill: {e!r}"))
                continue
            is_object = bool(route.kwargs) and route.name in OBJECT_URLS
            pending = list(requests_for(route, url, theirs))
            for i, (method, label, data) in enumerate(pending):
                requests += 1
                response = request(client, method, label, data)
                status = response.status_code
                if i == 0 and status == 200 and route.kwargs == () and not _is_admin(route):
                    pending += form_posts(body_of(response), url, theirs)
                if status >= 500:
                    problems.append(Problem(role, method, label, status, "server error"))
                elif 200 <= status < 300:
                    if MARKER.encode() in body_of(response).lower():
                        problems.append(
                            Problem(role, method, label, status, "shows the other org's data")
                        )
                    elif is_object:
                        problems.append(
                            Problem(role, method, label, status, "answers for its object")
                        )
                elif status in (301, 302, 303) and is_object and not to_sign_in(response):
                    problems.append(
                        Problem(role, method, label, status, f"redirects to {response['Location']}")
                    )
        # The sweep is only worth something while it is still signed in as this role.
        home = client.get(reverse("home"))
        if home.status_code != 200 or home.context["membership"] != visitors[role]:
            problems.append(Problem(role, "GET", "/", home.status_code, "no longer signed in"))

    changes = changes_touching(their_rows, planted, before, snapshot())
    report = [str(p) for p in problems] + [f"row {c}" for c in changes]
    print(f"cross-organization sweep: {len(all_routes)} patterns, {requests} requests")
    assert not report, "\n" + "\n".join(report)


# --- inside one organization --------------------------------------------------------------

# Planted in the owner peer's clients and encounters, and in their supervisor's log.
PEER_MARK = "qpeermark"
LOG_MARK = "qlogmark"

# Object pages a colleague may open although someone else owns the object; every other
# object page of the owner's objects is refused to them (403 or 404).
COLLEAGUE_MAY_OPEN: dict[str, set[str]] = {
    Role.PEER_SUPPORTER: {"program_detail"},
    Role.CLINICAL_SUPERVISOR: {"program_detail"},
    Role.TRAINER: set(),
}
# Pages without an object a trainer opens; every other page of ours is refused to them.
TRAINER_PAGES = {
    "home",
    "notifications",
    "healthz",
    "certificate_verify",
    "survey_thanks",
    "training_mine",
    "course_list",
    "session_list",
    "session_create",
}
# Who must not see which planted marker.
KEPT_FROM = {
    Role.PEER_SUPPORTER: (PEER_MARK, LOG_MARK),
    Role.CLINICAL_SUPERVISOR: (PEER_MARK, LOG_MARK),
    Role.TRAINER: (PEER_MARK, LOG_MARK),
}
# The owner's rows nobody else may change, or point a new row at.
PRIVATE_MODELS = {
    "encounters.Client",
    "encounters.Encounter",
    "supervision.SupervisionLog",
    "supervision.LogAttendee",
    "supervision.LogClient",
    "certification.CeuEntry",
    "certification.ChecklistItem",
    "certification.PeerProfile",
}


def _capability_of(route: Route) -> Any:
    match = get_resolver().resolve(route.route.split("<")[0]) if not route.kwargs else None
    view = getattr(match.func, "view_class", None) if match else None
    return getattr(view, "capability", None)


def expected_refusal(role: str, route: Route) -> str | None:
    """Why `role` must be refused this page of a colleague's objects, or None."""
    from programs.access import ROLE_CAPABILITIES

    if route.kwargs:
        if route.name not in COLLEAGUE_MAY_OPEN[role] and route.name in OBJECT_URLS:
            return "another member's object"
        return None
    if any(route.module.startswith(m) for m in GET_ONLY_MODULES):
        return None  # the member's own account
    if role == Role.TRAINER and route.name not in TRAINER_PAGES:
        return "not a training page"
    capability = _capability_of(route)
    if capability and capability not in ROLE_CAPABILITIES[role]:
        return f"needs {capability}"
    return None


def _refused(client: Client, method: str, response: HttpResponseBase) -> bool:
    """403, 404, a sign-in page, or (for a POST) 405; a GET redirected to a page that
    refuses (a trainer's "my certification" sends them to the team page) counts too."""
    if response.status_code in (403, 404) or to_sign_in(response):
        return True
    if method == "POST":
        return response.status_code == 405
    if response.status_code == 302:
        return _refused(client, "GET-redirected", client.get(response["Location"]))
    return False


@pytest.mark.django_db
def test_role_boundaries_inside_one_organization(org, member_of, program_in, client_for):
    from encounters.models import Client as ClientRecord
    from encounters.models import Encounter
    from supervision.models import LogClient, SupervisionLog

    ours = _objects_of(org, member_of, program_in)
    ClientRecord.objects.filter(pk=ours["client"].pk).update(
        code=f"{PEER_MARK.upper()}-1", name=f"{PEER_MARK} client"
    )
    LogClient.objects.filter(client=ours["client"]).update(client_code=f"{PEER_MARK}-1")
    Encounter.objects.filter(pk=ours["encounter"].pk).update(note_data=f"{PEER_MARK} note")
    SupervisionLog.objects.filter(pk=ours["log"].pk).update(notes=f"{LOG_MARK} notes")
    # Controls: the owner and the organization's admin see what is planted.
    owner, admin = client_for(ours["membership"]), client_for(ours["admin"])
    for client, name, mark in (
        (owner, "client_detail", PEER_MARK),
        (owner, "encounter_detail", PEER_MARK),
        (admin, "supervision_log", LOG_MARK),
    ):
        page = client.get(reverse(name, kwargs=PATH_KWARGS[name](ours)))
        assert mark.encode() in body_of(page).lower(), f"no {mark} on {name}"

    program = ours["program"]
    colleagues = {role: member_of(org, role, programs=[program]) for role in KEPT_FROM}
    before = snapshot()
    private = {key for key in before if key[0] in PRIVATE_MODELS}
    swept = [r for r in swept_routes() if not _is_admin(r)]
    problems: list[Problem] = []
    for role, membership in colleagues.items():
        client = client_for(membership)
        client.raise_request_exception = False
        for route in swept:
            url = url_of(route, ours)
            is_owned = bool(route.kwargs) and route.name in OBJECT_URLS
            methods = ("GET", "POST") if is_owned else ("GET",)
            for method in methods:
                response = request(client, method, url, {})
                status, body = response.status_code, body_of(response).lower()
                reason = expected_refusal(role, route)
                if status >= 500:
                    problems.append(Problem(role, method, url, status, "server error"))
                elif 200 <= status < 300 and (
                    shown := [m for m in KEPT_FROM[role] if m.encode() in body]
                ):
                    problems.append(Problem(role, method, url, status, f"shows {shown}"))
                elif reason and not _refused(client, method, response) and status != 405:
                    problems.append(Problem(role, method, url, status, f"not refused: {reason}"))
    after = snapshot()
    changes = changes_touching(private, before, before, after)
    report = [str(p) for p in problems] + [f"row {c}" for c in changes]
    assert not report, "\n" + "\n".join(report)
