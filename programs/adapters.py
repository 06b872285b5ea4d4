"""How allauth fits an invite-only, MFA-enforcing product."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from config.accounts import lockout
from programs.selectors import user_requires_mfa


@dataclass(frozen=True)
class SiteFromSetting:
    """What allauth's e-mails call the current site, from SITE_URL, never the request's
    Host header (which a visitor chooses)."""

    name: str
    domain: str

    @classmethod
    def current(cls) -> SiteFromSetting:
        return cls(name="PeerPath", domain=urlsplit(settings.SITE_URL).netloc)


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join through an organization admin's invitation, never on their own.
        return False

    # --- Links in e-mails: from SITE_URL, as invitations are -------------------------------
    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return settings.SITE_URL + path.replace("UID-KEY", quote(key))

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        super().send_mail(
            template_prefix, email, {"current_site": SiteFromSetting.current(), **context}
        )

    # --- Lockout (config.accounts.lockout says why it is shaped so) ----------------------
    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        address = lockout.normalized(credentials.get("email", credentials.get("username", "")))
        pair = ratelimit.consume(
            request,
            app="allauth.account",
            action="login_failed",
            key=lockout.pair_key(address, self.get_client_ip(request)),
        )
        if not pair:
            raise self.validation_error("too_many_login_attempts")
        usages = list(pair.usage)
        if not lockout.is_known_device(request, address):
            per_address = ratelimit.consume(
                request,
                app="allauth.account",
                action=lockout.ADDRESS_ACTION,
                key=lockout.address_key(address),
            )
            if not per_address:
                pair.rollback()  # refused before the password was looked at: not a failure
                raise self.validation_error("too_many_login_attempts")
            usages += per_address.usage
        # allauth's authenticate() rolls this back when the password was right.
        self._login_failed_rl_usage = ratelimit.RateLimitUsage(usage=usages)

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        # After a successful password reset (allauth calls this): the reset proved the
        # person holds the mailbox, so every lockout of the address goes.
        lockout.clear(credentials.get("email", credentials.get("username", "")))

    def post_login(
        self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any
    ) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        lockout.remember_device(request, response, str(getattr(user, "email", "")))
        return response

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
