"""The adversarial suite (issue #23, section 5): every test in this folder is marked
`adversarial`, so `./scripts/test -m adversarial` runs it alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests.adversarial.fuzzing import register_hypothesis_profiles

HERE = Path(__file__).parent

# The same examples on every run, in CI too; HYPOTHESIS_PROFILE=dev draws new ones.
register_hypothesis_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.adversarial)
