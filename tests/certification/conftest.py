from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from certification.models import PeerProfile
from certification.services import certification_record, profile_for
from programs.models import Organization, Role


@pytest.fixture
def peer_profile(member_of: Callable[..., Any]) -> Callable[..., PeerProfile]:
    """A peer supporter's profile; certified on `certified_on` when given."""

    def make(org: Organization, certified_on: dt.date | None = None, **kw: Any) -> PeerProfile:
        membership = member_of(org, Role.PEER_SUPPORTER, **kw)
        profile = profile_for(membership)
        if certified_on:
            certification_record(
                profile=profile, actor=None, number="BHPSS-1", issued_on=certified_on
            )
        profile.refresh_from_db()
        return profile

    return make
