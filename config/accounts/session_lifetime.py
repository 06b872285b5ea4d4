"""A sign-in lasts at most SESSION_ABSOLUTE_SECONDS, however busy the person is.

The idle limit (SESSION_COOKIE_AGE, restarted by every request) ends a sign-in nobody uses;
this one ends a sign-in that is used all the time too, so a stolen session cookie or a
browser left signed in on a shared computer stops working within a working day. The time of
sign-in is written into the session when Django logs the person in (every path: the
sign-in pages after the second factor, an invitation's sign-up, tests' force_login), and a
session without it is treated as too old.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone

SIGNED_IN_AT = "peerpath_signed_in_at"
SIGN_IN_TOO_OLD = (
    "You were signed out because your sign-in was more than {hours} hours old. "
    "Please sign in again."
)


def record_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Receiver of Django's user_logged_in: the session remembers when it began."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = timezone.now().timestamp()


def sign_in_is_too_old(request: HttpRequest) -> bool:
    started = request.session.get(SIGNED_IN_AT)
    if not isinstance(started, int | float):
        return True
    return timezone.now().timestamp() - started > settings.SESSION_ABSOLUTE_SECONDS


class AbsoluteSessionLifetimeMiddleware:
    """Signs out a person whose sign-in is older than SESSION_ABSOLUTE_SECONDS and sends
    them to the sign-in page with a message (htmx requests: the whole page goes there)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated and sign_in_is_too_old(request):
            logout(request)
            hours = round(settings.SESSION_ABSOLUTE_SECONDS / 3600, 1)
            messages.info(request, SIGN_IN_TOO_OLD.format(hours=f"{hours:g}"))
            response = redirect_to_login(request.get_full_path())
            if request.headers.get("HX-Request") == "true":
                # htmx would swap the sign-in page into a fragment; send the browser there.
                client_redirect = HttpResponse(status=204)
                client_redirect["HX-Redirect"] = response["Location"]
                return client_redirect
            return response
        return self.get_response(request)
