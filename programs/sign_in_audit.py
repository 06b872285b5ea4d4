"""Sign-in, failed sign-in and sign-out go to the audit log; an admin lifts a lockout.

The audit log is the programs layer's, so these receivers live here, not in accounts
(accounts is the layer below and knows nothing of the audit log).

Django's auth signals are the only hook for these events, so the receivers do nothing but
write the audit row. They belong to no single organization (a person may work for several),
so they are platform-level rows that superusers read in the platform admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from config.accounts import lockout
from config.accounts.models import User
from programs import audit
from programs.audit import audit_record
from programs.models import Membership
from programs.web import client_ip

ACCOUNT_LOCKOUT_CLEARED = audit.event("account.lockout_cleared", "Sign-in lockout lifted")


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(
        actor=user,
        organization=None,
        event=audit.ACCOUNT_SIGNED_IN,
        subject=user,
        ip_address=_ip(request),
    )


@receiver(user_logged_out)
def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            actor=user,
            organization=None,
            event=audit.ACCOUNT_SIGNED_OUT,
            subject=user,
            ip_address=_ip(request),
        )


@receiver(user_login_failed)
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the address that was tried, and only if it looks like one: people sometimes
    # type a password into the e-mail field.
    tried = str(credentials.get("email") or credentials.get("username") or "")[:254]
    if "@" not in tried or " " in tried:
        tried = "(not an e-mail address)"
    audit_record(
        actor=None,
        organization=None,
        event=audit.ACCOUNT_SIGN_IN_FAILED,
        ip_address=_ip(request),
        data={"email": tried},
    )


@transaction.atomic
def sign_in_lockout_clear(*, membership: Membership, actor: User, ip_address: str | None) -> None:
    """Lift every sign-in lockout of a member's address (from every client address), for
    the organization's admin, who has checked that the person is who they say."""
    lockout.clear(membership.user.email)
    audit_record(
        actor=actor,
        organization=membership.organization,
        event=ACCOUNT_LOCKOUT_CLEARED,
        subject=membership,
        ip_address=ip_address,
        data={"email": membership.user.email},
    )
