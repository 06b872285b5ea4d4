"""Re-authentication: a signed-in person proves again that it is them, with their password
or a current code from their authenticator app, before an act that stands as their
signature. Refusing, counting and recording wrong tries belongs to the caller, which knows
the organization and writes the audit row."""

from __future__ import annotations

from config.accounts.models import User


def credential_ok(user: User, credential: str) -> bool:
    """The person's password, or a current code from their authenticator app."""
    credential = (credential or "").strip()
    if not credential:
        return False
    if user.check_password(credential):
        return True
    if credential.isdigit() and len(credential) == 6:
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP

        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        return totp is not None and TOTP(totp).validate_code(credential)
    return False
