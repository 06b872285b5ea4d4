"""A page's query count does not grow with its rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certification.services import certification_record, ceu_add, profile_for
from programs.models import Role

pytestmark = pytest.mark.django_db


def _add_peers(org, member_of, program, n):
    for _ in range(n):
        m = member_of(org, Role.PEER_SUPPORTER, mfa=False, programs=[program])
        p = profile_for(m)
        certification_record(profile=p, actor=None, number="X", issued_on=dt.date(2022, 1, 1))
        ceu_add(profile=p, actor=None, date=dt.date(2025, 2, 1), hours=Decimal(3), title="A")
        ceu_add(profile=p, actor=None, date=dt.date(2024, 2, 1), hours=Decimal(30), title="B")


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["certification_team", "member_list", "program_list"])
def test_query_count_is_the_same_for_3_and_30_peers(
    org, member_of, client_for, program_in, url_name
):
    program = program_in(org)
    admin = member_of(org, Role.ORG_ADMIN)
    client = client_for(admin)
    _add_peers(org, member_of, program, 3)
    few = _queries(client, reverse(url_name))
    _add_peers(org, member_of, program, 27)
    many = _queries(client, reverse(url_name))
    print(f"{url_name}: {few} queries with 3 peers, {many} with 30")
    assert many == few
