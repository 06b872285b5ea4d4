"""The survey's questions: the standard ones every report relies on, and the shape of the
version an organization edits. Our own wording; admins may reword any question."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from encounters.models import Alternative, YesNo

SCALE = "scale"
CHOICE = "choice"
YES_NO = "yes_no"

# Standard questions, stored in their own columns of SurveyResponse for aggregation.
STANDARD_KEYS = ("satisfaction", "wellbeing", "alternative", "other_services", "relapse")
MAX_CUSTOM_QUESTIONS = 5


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: str
    low: int = 1
    high: int = 5
    low_label: str = ""
    high_label: str = ""

    @property
    def standard(self) -> bool:
        return self.key in STANDARD_KEYS

    def options(self) -> list[tuple[str, str]]:
        if self.kind == SCALE:
            return [(str(n), str(n)) for n in range(self.low, self.high + 1)]
        if self.key == "alternative":
            return list(Alternative.choices)
        return list(YesNo.choices)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "text": self.text, "kind": self.kind}


# Scale ends and option lists belong to the key, not to the stored version: a reworded
# question still produces answers that add up with the old ones.
_SHAPE: dict[str, dict[str, Any]] = {
    "satisfaction": {
        "kind": SCALE,
        "low": 1,
        "high": 5,
        "low_label": "Not at all satisfied",
        "high_label": "Very satisfied",
    },
    "wellbeing": {"kind": SCALE, "low": 1, "high": 10, "low_label": "Poor", "high_label": "Great"},
    "alternative": {"kind": CHOICE},
    "other_services": {"kind": YES_NO},
    "relapse": {"kind": YES_NO},
}

DEFAULT_QUESTIONS = [
    {"key": "satisfaction", "text": "How satisfied are you with the support you got today?"},
    {
        "key": "wellbeing",
        "text": "How is your mental well-being right now, from 1 (poor) to 10 (great)?",
    },
    {
        "key": "alternative",
        "text": "If no peer supporter had been there for you today, what would you most "
        "likely have done?",
    },
    {
        "key": "other_services",
        "text": "Since we last met, have you used other services, such as a crisis line, "
        "the emergency room or a hospital stay?",
    },
    {"key": "relapse", "text": "Since we last met, have you had a relapse?"},
]


def questions_from(stored: list[dict[str, Any]]) -> list[Question]:
    """The questions of a stored version, with each standard key's fixed shape."""
    out = []
    for item in stored:
        key = item["key"]
        shape = _SHAPE.get(key, {"kind": item.get("kind", SCALE), "low": 1, "high": 5})
        if key not in _SHAPE and shape["kind"] == SCALE:
            shape = {**shape, "low_label": "Not at all", "high_label": "Very much"}
        out.append(Question(key=key, text=item["text"], **shape))
    return out
