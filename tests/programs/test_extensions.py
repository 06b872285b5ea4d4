"""Figures from higher layers reach programs' pages through registered providers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from programs import extensions

pytestmark = pytest.mark.django_db

# Stand-ins: the registry passes them through untouched.
MEMBER: Any = "member"
PROGRAM: Any = "program"
POSITION: Any = "position"


def test_home_and_program_pages_merge_what_each_registered_section_adds(monkeypatch):
    monkeypatch.setattr(extensions, "_home_sections", [])
    monkeypatch.setattr(extensions, "_program_sections", [])
    first = extensions.add_home_section(lambda m: {"a": 1, "b": 1, "who": m})
    extensions.add_home_section(first)  # registering again (ready() twice) adds nothing
    extensions.add_home_section(lambda m: {"b": 2})
    assert extensions.home_context(MEMBER) == {"a": 1, "b": 2, "who": "member"}
    assert len(extensions._home_sections) == 2
    extensions.add_program_section(lambda p, m: {"caseloads": (p, m)})
    assert extensions.program_context(PROGRAM, MEMBER) == {"caseloads": ("program", "member")}


def test_no_section_adds_nothing(monkeypatch):
    monkeypatch.setattr(extensions, "_home_sections", [])
    monkeypatch.setattr(extensions, "_program_sections", [])
    assert extensions.home_context(MEMBER) == {}
    assert extensions.program_context(PROGRAM, MEMBER) == {}


def test_one_billing_estimator_answers_and_a_second_is_refused(monkeypatch):
    monkeypatch.setattr(extensions, "_billing_estimators", [])
    day = dt.date(2026, 3, 2)
    assert extensions.billing_estimate(POSITION, day) is None

    def estimator(position, today):
        return (position, today)

    assert extensions.set_billing_estimator(estimator) is estimator
    assert extensions.set_billing_estimator(estimator) is estimator
    assert extensions.billing_estimate(POSITION, day) == ("position", day)
    with pytest.raises(RuntimeError, match=r"^A billing estimator is already registered\.$"):
        extensions.set_billing_estimator(lambda position, today: None)


def test_the_apps_register_their_figures_when_they_start():
    from encounters.program_page import caseload_section
    from encounters.reporting import sections

    assert sections.dashboard_section in extensions._home_sections
    assert caseload_section in extensions._program_sections
    assert extensions._billing_estimators == [sections.medicaid_estimate]
