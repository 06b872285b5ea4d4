"""How allauth fits an invite-only, MFA-enforcing product."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from programs.selectors import user_requires_mfa


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join through an organization admin's invitation, never on their own.
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        # Setting up the first authenticator comes straight after sign-in (the app sends
        # people there), and typing its code proves presence as well as a password would.
        # So the first enrolment, and seeing its recovery codes just after, need no
        # password again; changing an established second factor still does.
        from allauth.account import app_settings as account_settings
        from allauth.core import context

        request = getattr(context, "request", None)
        user = getattr(request, "user", None)
        if app == "allauth.mfa" and user is not None and user.is_authenticated:
            window = timezone.now() - timedelta(seconds=account_settings.REAUTHENTICATION_TIMEOUT)
            if not Authenticator.objects.filter(user=user, created_at__lt=window).exists():
                return False
        return super().is_reauthentication_required(app=app, **kwargs)


class RequiredMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # A person whose role requires a second factor cannot remove their only one.
        if authenticator.type == Authenticator.Type.TOTP and user_requires_mfa(
            authenticator.user, settings.MFA_REQUIRED_ROLES
        ):
            return False
        return super().can_delete_authenticator(authenticator)

    def get_totp_label(self, user: Any) -> str:
        return str(user.email)
