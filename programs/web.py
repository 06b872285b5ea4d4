"""What every page shares: the member checks and scoped object lookup of class-based
views, a service's refusal shown on its form, and the visitor's address for the audit log.
Page modules import these; nothing here renders a page of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render

from config.accounts.models import User
from programs.access import Capability, can, scoped_object_or_404
from programs.models import Membership

T = TypeVar("T")


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address as the rate limits see it (honours TRUSTED_PROXY_COUNT)."""
    from allauth.account.adapter import get_adapter

    try:
        return str(get_adapter(request).get_client_ip(request))
    except Exception:  # a malformed forwarding header must not break a page
        return request.META.get("REMOTE_ADDR")


def add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Show a service's refusal next to the field it is about, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class MemberRequiredMixin(LoginRequiredMixin):
    """Signed in, a member of an organization, and (if set) holding `capability`.

    On object pages the object is looked up through the member's scope *before* the
    capability check, so another organization's object is a 404, never a 403.
    """

    capability: Capability | None = None
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.membership is None:  # type: ignore[attr-defined]
            return render(request, "programs/no_membership.html", status=403)
        self.kwargs = kwargs
        if hasattr(self, "get_object") and (kwargs.get("pk") or kwargs.get("slug")):
            self.object = self.get_object()
        if self.capability and not can(request.membership, self.capability):  # type: ignore[attr-defined]
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def membership(self) -> Membership:
        """The active membership; dispatch() has made sure there is one."""
        return cast(Membership, self.request.membership)  # type: ignore[attr-defined]

    @property
    def actor(self) -> User:
        return cast(User, self.request.user)

    def call_service(self, form: BaseForm, service: Callable[..., T], **kwargs: Any) -> T | None:
        """Run a write for this request. A refusal is shown on the form, by field where the
        service named one, and None comes back so the view re-renders what was typed."""
        try:
            return service(ip_address=client_ip(self.request), **kwargs)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return None


class ScopedObjectMixin(MemberRequiredMixin):
    model: type[Model]

    def get_queryset(self) -> QuerySet[Any]:
        return self.model.objects.for_member(self.membership)  # type: ignore[attr-defined]

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Any:
        if getattr(self, "object", None) is not None:
            return self.object
        lookup = {"pk": self.kwargs["pk"]} if "pk" in self.kwargs else {"slug": self.kwargs["slug"]}
        return scoped_object_or_404(self.model._default_manager.all(), self.membership, **lookup)
