"""Re-authentication: the person's password or a current authenticator code, nothing else."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from config.accounts.reauth import credential_ok
from programs.models import Role
from tests.factories import TEST_PASSWORD, totp_code

pytestmark = pytest.mark.django_db


def test_only_the_persons_password_or_a_current_code_of_theirs_is_them(org, member_of):
    supervisor = member_of(org, Role.CLINICAL_SUPERVISOR)
    other = member_of(org, Role.CLINICAL_SUPERVISOR)
    user = supervisor.user
    assert credential_ok(user, TEST_PASSWORD)
    assert credential_ok(user, f"  {TEST_PASSWORD}  ")  # as pasted, with spaces
    # A code is good for its own 30-second step only: the clock stands still meanwhile.
    with time_machine.travel(timezone.now(), tick=False):
        code = totp_code(supervisor.totp_secret)
        assert credential_ok(user, code)
        assert not credential_ok(user, code)  # once only: a code overheard is spent
    assert not credential_ok(other.user, code)  # someone else's code
    wrong = "000000" if code != "000000" else "111111"
    for credential in ("", "   ", "not-it", wrong, f"{code}0"):
        assert not credential_ok(user, credential)
    without_app = member_of(org, Role.PEER_SUPPORTER, mfa=False)
    assert not credential_ok(without_app.user, code)
    assert credential_ok(without_app.user, TEST_PASSWORD)
