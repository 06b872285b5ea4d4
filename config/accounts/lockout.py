"""Sign-in lockout, kept in allauth's rate-limit counters (the shared cache).

Two counters of failed passwords, both consumed before the password is checked and rolled
back when it was right, so only failures count:

- the hard lock, per address *and* client address (`login_failed` in ACCOUNT_RATE_LIMITS):
  LOGIN_FAILURE_LIMIT failures within LOGIN_LOCKOUT_SECONDS refuse even the right password
  from that client address only, so a stranger elsewhere cannot lock a colleague out;
- a slower limit per address from anywhere (`login_failed_address`): it caps how fast many
  client addresses together can guess one password, and it is short (its refusal ends
  LOGIN_ADDRESS_WINDOW_SECONDS after the last failure), and it never applies in a browser
  where that person has signed in before (a signed "known device" cookie), so the person at
  their usual browser is never refused their right password by someone else's failures.

An organization admin can clear both for a member: each address has a generation in the
cache that is part of both keys, and clearing starts a new one (the old counters then age
out unread), because the per-client counters cannot be listed.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseBase

ADDRESS_ACTION = "login_failed_address"
KNOWN_DEVICE_COOKIE = "peerpath_known_device"
_KNOWN_DEVICE_SALT = "peerpath.known-device"
_KNOWN_DEVICE_MAX_ADDRESSES = 5  # people sharing one office computer


def normalized(address: str) -> str:
    return (address or "").strip().lower()


def _digest(address: str) -> str:
    return hashlib.sha256(normalized(address).encode()).hexdigest()[:32]


def _generation_key(address: str) -> str:
    return f"peerpath:login-generation:{_digest(address)}"


def _generation(address: str) -> str:
    return str(cache.get(_generation_key(address), "0"))


def address_key(address: str) -> str:
    """The per-address counter's key (allauth hashes it)."""
    return f"{normalized(address)}|{_generation(address)}"


def pair_key(address: str, client_ip: str) -> str:
    """The hard lock's key: the address seen from one client address."""
    return f"{address_key(address)}|{client_ip}"


def clear(address: str) -> None:
    """Lift every lockout of the address, from every client address."""
    cache.set(_generation_key(address), secrets.token_hex(8), timeout=None)


def is_known_device(request: HttpRequest, address: str) -> bool:
    return _digest(address) in _known_digests(request)


def _known_digests(request: HttpRequest) -> list[str]:
    value = request.get_signed_cookie(
        KNOWN_DEVICE_COOKIE,
        default="",
        salt=_KNOWN_DEVICE_SALT,
        max_age=settings.LOGIN_KNOWN_DEVICE_DAYS * 24 * 60 * 60,
    )
    return [d for d in (value or "").split(",") if d]


def remember_device(request: HttpRequest, response: HttpResponseBase, address: str) -> None:
    """After a full sign-in: this browser is one where the address's owner signs in."""
    digests = [d for d in _known_digests(request) if d != _digest(address)]
    digests = [_digest(address), *digests][:_KNOWN_DEVICE_MAX_ADDRESSES]
    response.set_signed_cookie(
        KNOWN_DEVICE_COOKIE,
        ",".join(digests),
        salt=_KNOWN_DEVICE_SALT,
        max_age=settings.LOGIN_KNOWN_DEVICE_DAYS * 24 * 60 * 60,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
