"""Training's pure rules: when a course is completed (79% vs 80%, a quarter hour short),
and the map of the moves an enrolment's status may make."""

from __future__ import annotations

from decimal import Decimal

import pytest

from training import rules
from training.models import EnrollmentStatus as S

D = Decimal


# --- completing a course ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "score", "over", "result"),
    [
        (D(40), D(80), False, rules.COMPLETED),  # exactly the pass mark
        (D(40), D("79.99"), False, rules.FAILED),
        (D(40), D(79), True, rules.FAILED),
        (D("39.75"), D(95), False, rules.IN_PROGRESS),
        (D("39.75"), D(95), True, rules.INCOMPLETE),  # missing a quarter hour
        (D(40), None, False, rules.IN_PROGRESS),
        (D(40), None, True, rules.INCOMPLETE),
    ],
)
def test_completion_needs_every_hour_and_the_pass_mark(hours, score, over, result):
    outcome = rules.course_outcome(
        required_hours=D(40),
        attended_hours=hours,
        pass_mark=80,
        exam_score=score,
        session_over=over,
    )
    assert outcome.result == result


def test_a_course_without_an_exam_completes_on_hours():
    done = rules.course_outcome(
        required_hours=D(4),
        attended_hours=D(4),
        pass_mark=None,
        exam_score=None,
        session_over=False,
    )
    assert done.result == rules.COMPLETED


# --- an enrolment's status --------------------------------------------------------------------

ALLOWED = [(current, to) for current, moves in rules.STATUS_MOVES.items() for to in moves]
FORBIDDEN = [
    (current, to)
    for current in S
    for to in S
    if to != current and to not in rules.STATUS_MOVES[current]
]


def test_the_map_names_every_status_and_only_statuses():
    assert set(rules.STATUS_MOVES) == set(S)
    assert all(moves <= set(S) for moves in rules.STATUS_MOVES.values())


def test_the_map_is_what_the_services_do():
    expected = {
        S.ENROLLED: {S.WITHDRAWN, S.COMPLETED, S.FAILED, S.INCOMPLETE},
        S.WAITING: {S.ENROLLED, S.WITHDRAWN},
        S.WITHDRAWN: {S.ENROLLED, S.WAITING},
        S.INCOMPLETE: {S.COMPLETED, S.FAILED},
        S.COMPLETED: set(),
        S.FAILED: set(),
    }
    assert expected == rules.STATUS_MOVES


@pytest.mark.parametrize(("current", "to"), ALLOWED)
def test_each_allowed_move_passes(current, to):
    rules.check_status_move(current, to)


@pytest.mark.parametrize(("current", "to"), FORBIDDEN)
def test_every_other_move_is_refused(current, to):
    with pytest.raises(rules.StatusMoveRefused) as refused:
        rules.check_status_move(current, to)
    assert str(refused.value) == rules.STATUS_MOVE_REFUSED.format(current=current, to=to)


def test_completed_and_failed_are_final():
    for final in (S.COMPLETED, S.FAILED):
        assert not rules.STATUS_MOVES[final]
    with pytest.raises(rules.StatusMoveRefused) as refused:
        rules.check_status_move(S.COMPLETED, S.ENROLLED)
    assert str(refused.value) == "An enrolment cannot move from completed to enrolled."


def test_the_status_groups_follow_the_map():
    assert set(rules.SIGNED_UP) == {S.ENROLLED, S.WAITING}  # who may withdraw
    assert set(rules.OUTCOME_OPEN) == {S.ENROLLED, S.INCOMPLETE}  # who may still complete


@pytest.mark.parametrize(
    ("has_exam", "score", "status", "open_"),
    [
        (True, None, S.ENROLLED, True),
        (True, None, S.INCOMPLETE, True),  # hours missing: the exam may still be taken
        (True, D(50), S.ENROLLED, False),  # once: no retakes
        (False, None, S.ENROLLED, False),
        (True, None, S.WAITING, False),
        (True, None, S.COMPLETED, False),
    ],
)
def test_the_exam_is_open_once_while_the_outcome_is(has_exam, score, status, open_):
    assert rules.exam_is_open(has_exam=has_exam, exam_score=score, status=status) is open_


def test_the_outcome_says_why_in_hours_and_points():
    def outcome(hours: Decimal, score: Decimal | None, pass_mark: int | None = 80):
        return rules.course_outcome(
            required_hours=D(40),
            attended_hours=hours,
            pass_mark=pass_mark,
            exam_score=score,
            session_over=True,
        )

    assert outcome(D(40), D("79.5")) == rules.Outcome(
        rules.FAILED, "Exam score 79.5% is under the pass mark of 80%."
    )
    assert outcome(D("34.75"), None, pass_mark=None) == rules.Outcome(
        rules.INCOMPLETE, "5.25 of 40 hours were missed."
    )
    assert outcome(D("39.75"), D(90)) == rules.Outcome(
        rules.INCOMPLETE, "0.25 of 40 hours were missed."
    )
    assert outcome(D(40), None) == rules.Outcome(rules.INCOMPLETE, "No exam score was recorded.")
    # More hours than the course asks for still complete it, and nothing is "missed".
    assert outcome(D(41), D(90)) == rules.Outcome(rules.COMPLETED)


def test_may_become_names_where_a_move_can_start():
    assert set(rules.may_become(S.WITHDRAWN)) == {S.ENROLLED, S.WAITING}
    assert set(rules.may_become(S.COMPLETED)) == {S.ENROLLED, S.INCOMPLETE}
    assert set(rules.may_become(S.WAITING)) == {S.WITHDRAWN}
