"""The "Needs you" panel at the top of each home page: what the member should do next,
each item a count, a sentence and a link to where it is done.

The items belong to the apps above this one (reporting for peers, supervisors, managers
and admins; training for trainers), which register a home section in programs.extensions
returning {"needs_you": [...]}; each computes its items in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NeedsYou:
    text: str  # what is waiting, with its count ("3 logs to sign, 1 overdue")
    url: str  # where it is done
    action: str  # the link's words ("Sign the oldest")
    urgent: bool = False  # overdue, lapsed, short: shown first and marked
    fix: str = ""  # what to do about it, when the action alone does not say


def ordered(items: list[NeedsYou]) -> list[NeedsYou]:
    """Urgent items first, otherwise in the order the section gave them."""
    return sorted(items, key=lambda i: not i.urgent)
