"""Property-based tests of the business time arithmetic, checked against a brute-force count.

Moments are small integers, so a working interval ``(start, end)`` covers
the unit cells ``start .. end - 1`` and every duration is a count of cells.
The brute-force oracles are slow on purpose, so the tests set no deadline.
"""

from datetime import datetime
from itertools import pairwise

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from customer_service_optimization.logic.business_time import (
    ScheduleExhaustedError,
    WorkSchedule,
    from_seconds,
    merge_intervals,
    to_seconds,
)

HORIZON = 400

interval = st.tuples(st.integers(0, HORIZON), st.integers(0, 40)).map(lambda pair: (pair[0], pair[0] + pair[1]))
intervals = st.lists(interval, max_size=12)
moment = st.integers(-20, HORIZON + 60)
closed_pause = st.tuples(st.integers(-20, HORIZON + 60), st.integers(0, 80)).map(lambda p: (p[0], p[0] + p[1]))


def working_cells(spans):
    return {cell for start, end in spans for cell in range(start, end)}


def brute_elapsed(cells, start, end, paused=frozenset()):
    return sum(1 for cell in range(start, end) if cell in cells and cell not in paused)


def paused_cells(pauses, limit):
    cells = set()
    for start, end in pauses:
        cells.update(range(start, limit if end is None else end))
    return cells


def brute_add(cells, start, amount, paused=frozenset(), open_from=None):
    """Return the earliest moment with ``amount`` working cells after ``start``, or None if an open pause wins."""
    if amount == 0:
        return start
    count = 0
    cell = start
    limit = HORIZON + 200
    while cell < limit:
        if open_from is not None and cell >= open_from:
            return None
        if cell in cells and cell not in paused:
            count += 1
            if count == amount:
                return cell + 1
        cell += 1
    raise AssertionError("brute force ran out of cells")


@settings(deadline=None)
@given(intervals)
def test_merge_intervals_disjoint_and_same_cells(spans):
    merged = merge_intervals(spans)

    assert working_cells(merged) == working_cells(spans)
    for (_start, end), (next_start, _next_end) in pairwise(merged):
        assert end < next_start


@settings(deadline=None)
@given(intervals, moment, moment)
def test_elapsed_matches_brute_force(spans, start, end):
    schedule = WorkSchedule(spans)

    assert schedule.elapsed(start, end) == brute_elapsed(working_cells(spans), start, end)


def available_after(spans, start, pauses=()):
    """Return the business time of ``spans`` after ``start`` outside closed ``pauses``, by brute force."""
    return brute_elapsed(working_cells(spans), start, HORIZON + 100, paused_cells(pauses, HORIZON + 200))


@settings(deadline=None)
@given(intervals, moment, st.data())
def test_add_matches_brute_force(spans, start, data):
    schedule = WorkSchedule(spans)
    cells = working_cells(spans)
    amount = data.draw(st.integers(0, available_after(spans, start)))

    assert schedule.add(start, amount) == brute_add(cells, start, amount)


@settings(deadline=None)
@given(intervals, moment, st.data())
def test_add_then_elapsed_returns_duration(spans, start, data):
    schedule = WorkSchedule(spans)
    amount = data.draw(st.integers(0, available_after(spans, start)))

    assert schedule.elapsed(start, schedule.add(start, amount)) == amount


@settings(deadline=None)
@given(intervals, moment, st.data())
def test_add_is_additive(spans, start, data):
    schedule = WorkSchedule(spans)
    available = available_after(spans, start)
    first = data.draw(st.integers(0, available))
    second = data.draw(st.integers(0, available - first))

    assert schedule.add(schedule.add(start, first), second) == schedule.add(start, first + second)


@settings(deadline=None)
@given(intervals, moment, moment, moment)
def test_elapsed_is_additive(spans, first, second, third):
    first, second, third = sorted((first, second, third))
    schedule = WorkSchedule(spans)

    assert schedule.elapsed(first, third) == schedule.elapsed(first, second) + schedule.elapsed(second, third)


@settings(deadline=None)
@given(intervals, moment, moment, st.data())
def test_add_is_monotonic(spans, start, later_start, data):
    start, later_start = sorted((start, later_start))
    schedule = WorkSchedule(spans)
    larger_amount = data.draw(st.integers(0, available_after(spans, later_start)))
    amount = data.draw(st.integers(0, larger_amount))

    assert schedule.add(start, amount) <= schedule.add(start, larger_amount)
    assert schedule.add(start, amount) <= schedule.add(later_start, amount)


@settings(deadline=None)
@given(intervals, moment, moment, moment)
def test_elapsed_is_monotonic(spans, start, end, later_end):
    end, later_end = sorted((end, later_end))
    schedule = WorkSchedule(spans)

    assert schedule.elapsed(start, end) <= schedule.elapsed(start, later_end)
    assert schedule.elapsed(end, later_end) >= 0


@settings(deadline=None)
@given(intervals, moment, st.data())
def test_add_lands_inside_working_time(spans, start, data):
    schedule = WorkSchedule(spans)
    available = available_after(spans, start)
    assume(available > 0)
    amount = data.draw(st.integers(1, available))

    result = schedule.add(start, amount)

    assert any(begin < result <= end for begin, end in schedule.intervals)
    assert result > start


@settings(deadline=None)
@given(intervals, moment)
def test_add_zero_keeps_moment(spans, start):
    assert WorkSchedule(spans).add(start, 0) == start


@settings(deadline=None)
@given(intervals, moment, st.integers(1, 10**12))
def test_add_beyond_schedule_raises(spans, start, extra):
    schedule = WorkSchedule(spans, covers_until=HORIZON + 40)
    available = schedule.elapsed(start, HORIZON + 100)

    with pytest.raises(ScheduleExhaustedError) as error:
        schedule.add(start, available + extra)

    assert error.value.available == available
    assert error.value.duration == available + extra
    assert str(HORIZON + 40) in str(error.value)


def test_empty_schedule_raises_at_once():
    with pytest.raises(ScheduleExhaustedError):
        WorkSchedule([]).add(0, 1)


def test_negative_duration_raises():
    with pytest.raises(ValueError, match="negative"):
        WorkSchedule([(0, 10)]).add(0, -1)


def test_moment_in_gap_waits_for_next_interval():
    schedule = WorkSchedule([(0, 10), (20, 30)])

    assert schedule.add(12, 5) == 25
    assert schedule.add(10, 0) == 10
    assert schedule.elapsed(12, 18) == 0


def test_touching_intervals_join():
    # Odoo ends a day at 23:59:59.999999 and starts the next at 00:00, which
    # becomes two touching intervals once rounded to whole seconds.
    schedule = WorkSchedule([(0, 86400), (86400, 172800)])

    assert schedule.intervals == [(0, 172800)]


@settings(deadline=None)
@given(intervals, moment, moment, st.lists(closed_pause, max_size=5))
def test_elapsed_excluding_matches_brute_force(spans, start, end, pauses):
    schedule = WorkSchedule(spans)
    expected = brute_elapsed(working_cells(spans), start, end, paused_cells(pauses, HORIZON + 200))

    assert schedule.elapsed_excluding(start, end, pauses) == expected


@settings(deadline=None)
@given(intervals, moment, st.lists(closed_pause, max_size=5), st.one_of(st.none(), moment), st.data())
def test_add_excluding_matches_brute_force(spans, start, pauses, open_from, data):
    schedule = WorkSchedule(spans)
    cells = working_cells(spans)
    all_pauses = list(pauses) + ([(open_from, None)] if open_from is not None else [])
    paused = paused_cells(pauses, HORIZON + 200)
    amount = data.draw(st.integers(0, available_after(spans, start, pauses)))

    expected = brute_add(cells, start, amount, paused, open_from)

    assert schedule.add_excluding(start, amount, all_pauses) == expected


@settings(deadline=None)
@given(intervals, moment, st.lists(closed_pause, max_size=5), st.data())
def test_add_excluding_then_elapsed_excluding(spans, start, pauses, data):
    schedule = WorkSchedule(spans)
    amount = data.draw(st.integers(0, available_after(spans, start, pauses)))

    deadline = schedule.add_excluding(start, amount, pauses)

    assert schedule.elapsed_excluding(start, deadline, pauses) == amount


@settings(deadline=None)
@given(intervals, moment, st.lists(closed_pause, max_size=5))
def test_overlapping_pauses_count_once(spans, start, pauses):
    schedule = WorkSchedule(spans)
    doubled = pauses + pauses

    assert schedule.elapsed_excluding(start, HORIZON, doubled) == schedule.elapsed_excluding(start, HORIZON, pauses)


@settings(deadline=None)
@given(intervals, moment, st.lists(closed_pause, max_size=5), st.integers(1, 10**9))
def test_add_excluding_beyond_schedule_raises(spans, start, pauses, extra):
    schedule = WorkSchedule(spans)
    available = schedule.elapsed_excluding(start, HORIZON + 100, pauses)

    with pytest.raises(ScheduleExhaustedError):
        schedule.add_excluding(start, available + extra, pauses)


def test_pause_in_gap_changes_nothing():
    schedule = WorkSchedule([(0, 10), (20, 30)])

    assert schedule.add_excluding(0, 15, [(12, 18)]) == schedule.add(0, 15) == 25


def test_open_pause_holds_deadline():
    schedule = WorkSchedule([(0, 100)])

    assert schedule.add_excluding(0, 50, [(30, None)]) is None
    assert schedule.add_excluding(0, 20, [(30, None)]) == 20


def test_seconds_round_trip():
    moment = datetime(2024, 3, 31, 1, 30, 15)

    assert from_seconds(to_seconds(moment)) == moment
    assert from_seconds(to_seconds(moment) + 0.2) == datetime(2024, 3, 31, 1, 30, 16)
