"""The real URLconf plus two patterns the sweep cannot fill, to prove it reports them."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as real_patterns


def _unknown(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("")


urlpatterns = [
    *real_patterns,
    path("sweep-unknown/<int:pk>/", _unknown, name="sweep_unknown"),
    path("sweep-unnamed/", _unknown),
]
