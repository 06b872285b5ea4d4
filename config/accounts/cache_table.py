"""The database cache's table is made by `migrate`, so every way of installing PeerPath
(scripts/start, the compose stack's migrate job, a hand-run migrate) has it.

Django makes it only with `createcachetable`, which nobody remembers to run; without it,
signing in fails on the first cache read. The command is idempotent and does nothing when
no cache is a DatabaseCache (Redis, the test suite's memory cache). It runs after every
migrate, not in a migration, so switching from Redis to the database later still finds
the table made on the next migrate.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command


def create_cache_table(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """Receiver of post_migrate (sent once for this app)."""
    call_command("createcachetable", database=using, verbosity=0)
