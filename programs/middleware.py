"""Per-request context: the active organization, and the second-factor requirement; and
the cap on a request's size."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import resolve
from django.urls.exceptions import Resolver404

from config.accounts.models import User
from programs.selectors import active_memberships_for_user, user_requires_mfa
from programs.uploads import megabytes

ACTIVE_ORGANIZATION_SESSION_KEY = "active_organization_id"

REQUEST_TOO_LARGE = (
    "This request is {size}; the most PeerPath takes at once is {cap}. "
    "Go back and choose a smaller file."
)


class RequestSizeMiddleware:
    """Refuses a request whose body is over REQUEST_MAX_BYTES (413) before anything reads
    it. gunicorn limits only the request line and headers, and Django caps a form's fields
    but not its files; a body without a length is read as empty by Django's WSGI handler,
    so the declared length is the whole body. Each upload field's own, smaller cap
    (programs.uploads) answers on the form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        cap = settings.REQUEST_MAX_BYTES
        if length > cap:
            return HttpResponse(
                REQUEST_TOO_LARGE.format(size=megabytes(length), cap=megabytes(cap)),
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class ActiveMembershipMiddleware:
    """Sets `request.membership`: the person's membership in the organization they are
    working in now (chosen in the switcher, else their first), or None."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            assert isinstance(request.user, User)
            memberships = list(active_memberships_for_user(request.user))
            wanted = request.session.get(ACTIVE_ORGANIZATION_SESSION_KEY)
            chosen = next((m for m in memberships if m.organization_id == wanted), None)
            request.membership = chosen or (memberships[0] if memberships else None)  # type: ignore[attr-defined]
            request.memberships = memberships  # type: ignore[attr-defined]
        return self.get_response(request)


# While enrolment is pending, only these pages answer.
# (allauth asks for the password again before enrolment when the sign-in is not recent.)
MFA_ENROLMENT_URL_NAMES = frozenset(
    {"mfa_activate_totp", "account_reauthenticate", "account_logout", "healthz"}
)


class RequireMFAMiddleware:
    """Admins, managers and supervisors reach nothing but the enrolment page until they
    have an authenticator app set up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not self._allowed_during_enrolment(request):
            user = request.user
            assert isinstance(user, User)
            if user_requires_mfa(user, settings.MFA_REQUIRED_ROLES) and not (
                Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
            ):
                return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _allowed_during_enrolment(request: HttpRequest) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        try:
            return resolve(request.path_info).url_name in MFA_ENROLMENT_URL_NAMES
        except Resolver404:
            return False
