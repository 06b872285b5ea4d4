from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db.backends.signals import connection_created
from django.test import Client
from django.urls import reverse

from programs.models import Membership, Organization, Role
from tests.factories import (
    TEST_PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    enrol_totp,
    totp_code,
)


def _allow_test_flush(sender: Any, connection: Any, **kwargs: Any) -> None:
    # Django empties the test database with TRUNCATE; the audit log refuses that unless the
    # session says otherwise (programs migration 0005). Only the test suite says so.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET peerpath.allow_audit_truncate = 'yes'")


connection_created.connect(_allow_test_flush)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Login rate limits and used TOTP codes live in the cache; tests must not share them.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def org() -> Organization:
    return OrganizationFactory.create(name="Prairie Hope", slug="prairie-hope")


@pytest.fixture
def other_org() -> Organization:
    return OrganizationFactory.create(name="Elsewhere Agency", slug="elsewhere")


@pytest.fixture
def member_of() -> Callable[..., Membership]:
    """Make a member with a role; roles that require MFA are enrolled unless told not to."""

    def make(
        organization: Organization,
        role: str = Role.PEER_SUPPORTER,
        *,
        mfa: bool = True,
        programs: Any = None,
        **user: Any,
    ) -> Membership:
        membership = MembershipFactory.create(
            organization=organization,
            role=role,
            programs=programs or [],
            **{f"user__{k}": v for k, v in user.items()},
        )
        membership.totp_secret = enrol_totp(membership.user) if mfa else None  # type: ignore[attr-defined]
        return membership

    return make


@pytest.fixture
def client_for() -> Callable[[Membership], Client]:
    """A test client signed in as the member through the real sign-in pages
    (password, then the authenticator code when the member has one)."""

    import time

    import time_machine

    def make(membership: Membership) -> Client:
        c = Client()
        response = c.post(
            reverse("account_login"), {"login": membership.user.email, "password": TEST_PASSWORD}
        )
        assert response.status_code == 302, "sign-in failed"
        if response["Location"] == reverse("mfa_authenticate"):
            # allauth accepts the code of the current 30-second step only (no tolerance), so
            # a code made just before a step ends is refused when checked in the next. The
            # clock stands still from making the code to checking it.
            with time_machine.travel(time.time(), tick=False):
                code = totp_code(membership.totp_secret)  # type: ignore[attr-defined]
                response = c.post(reverse("mfa_authenticate"), {"code": code})
            assert response.status_code == 302, "second factor refused"
        return c

    return make


@pytest.fixture
def program_in() -> Callable[..., Any]:
    return lambda organization, **kw: ProgramFactory.create(organization=organization, **kw)
