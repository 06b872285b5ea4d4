"""How allauth fits an invite-only, MFA-enforcing product."""

from __future__ import annotations

import time
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
        # So if the sign-in itself is recent and no authenticator is older than that
        # window, no password again; changing an established second factor still needs it.
        from allauth.account import app_settings as account_settings
        from allauth.account.authentication import get_authentication_records
        from allauth.core import context

        request = getattr(context, "request", None)
        user = getattr(request, "user", None)
        if app == "allauth.mfa" and request is not None and user and user.is_authenticated:
            window = account_settings.REAUTHENTICATION_TIMEOUT
            records = get_authentication_records(request, user)
            signed_in_recently = bool(records) and time.time() - records[-1]["at"] < window
            cutoff = timezone.now() - timedelta(seconds=window)
            established = Authenticator.objects.filter(user=user, created_at__lt=cutoff)
            if signed_in_recently and not established.exists():
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
