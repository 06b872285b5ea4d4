"""No copy of a signed-in person's page is kept by a browser or a proxy.

Pages behind the sign-in show health information (clients, encounters, supervision logs)
and the files they download carry it too; a shared computer's browser cache or a caching
proxy must not keep them. Anonymous responses (the sign-in page, the survey's thank-you
page) are left as they are, and static files never reach this middleware: WhiteNoise
answers them before the session is read.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response to a signed-in person."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # patch, not replace: a view's own directives stay, `public` is dropped.
            patch_cache_control(response, no_store=True, private=True)
        return response
