"""The adversarial suite (issue #23, section 5): every test in this folder is marked
`adversarial`, so `./scripts/test -m adversarial` runs it alone."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.adversarial)
