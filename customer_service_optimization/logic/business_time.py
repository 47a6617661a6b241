"""Business time arithmetic on the working intervals of one calendar.

Moments and durations are plain numbers in one unit, in practice seconds
since the Unix epoch in UTC. Integers stay exact, so the same code serves the
models (which pass whole seconds) and the property-based tests.

Odoo's ``resource`` module expands a calendar into working intervals once per
calendar and period. A :class:`WorkSchedule` built from them answers every
question about a whole batch of tickets with binary searches.
"""

import math
from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta

EPOCH = datetime(1970, 1, 1)


class ScheduleExhaustedError(ValueError):
    """The schedule ends before the requested business duration has elapsed.

    ``moment`` and ``duration`` are the request, ``available`` is the business
    time the schedule still has after ``moment`` and ``covers_until`` is the end
    of the period that the schedule was built for.
    """

    def __init__(self, moment, duration, available, covers_until):
        self.moment = moment
        self.duration = duration
        self.available = available
        self.covers_until = covers_until
        super().__init__(
            f"The working schedule has {available} seconds of business time after {moment}, "
            f"fewer than the {duration} seconds requested; it covers the period up to "
            f"{covers_until}. Extend the period or add working time to the calendar."
        )


def to_seconds(moment):
    """Convert a naive UTC datetime to seconds since the epoch (a float)."""
    return (moment - EPOCH).total_seconds()


def from_seconds(seconds):
    """Convert seconds since the epoch to a naive UTC datetime rounded up to the second.

    Rounding up keeps a stored deadline at or after the exact moment, so a check
    ``deadline < now`` never fires early.
    """
    return EPOCH + timedelta(seconds=math.ceil(seconds))


def merge_intervals(intervals):
    """Return ``intervals`` sorted, with empty ones dropped and overlapping or touching ones joined."""
    merged = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def merge_pauses(pauses):
    """Return ``pauses`` merged like :func:`merge_intervals`, with an open pause (end ``None``) ending at infinity."""
    return merge_intervals((start, math.inf if end is None else end) for start, end in pauses)


class WorkSchedule:
    """Working intervals of one calendar over one period, with cumulative business time.

    ``intervals`` are ``(start, end)`` pairs in any order, and overlapping or
    touching ones are joined. ``covers_until`` is the end of the period the
    intervals were expanded for, used in error messages only. Moments before
    the first interval count no business time.
    """

    __slots__ = ("_starts", "_ends", "_before", "_through", "covers_until")

    def __init__(self, intervals, covers_until=None):
        merged = merge_intervals(intervals)
        self._starts = [start for start, _end in merged]
        self._ends = [end for _start, end in merged]
        self._before = []
        self._through = []
        total = 0
        for start, end in merged:
            self._before.append(total)
            total += end - start
            self._through.append(total)
        if covers_until is None and merged:
            covers_until = self._ends[-1]
        self.covers_until = covers_until

    @property
    def intervals(self):
        """The merged working intervals, in order."""
        return list(zip(self._starts, self._ends, strict=True))

    @property
    def total(self):
        """Business time of the whole schedule."""
        return self._through[-1] if self._through else 0

    def business_time_at(self, moment):
        """Return the business time from the start of the schedule up to ``moment``."""
        index = bisect_right(self._starts, moment) - 1
        if index < 0:
            return 0
        return self._before[index] + min(moment, self._ends[index]) - self._starts[index]

    def elapsed(self, start, end):
        """Return the business time between ``start`` and ``end`` (0 when ``end`` is not after ``start``)."""
        if end <= start:
            return 0
        return self.business_time_at(end) - self.business_time_at(start)

    def add(self, moment, duration):
        """Return the earliest moment at which ``duration`` business time has elapsed after ``moment``.

        A zero duration returns ``moment`` itself, even outside working time.
        Raises ``ValueError`` for a negative duration and
        :class:`ScheduleExhaustedError` when the schedule ends too early.
        """
        if duration < 0:
            raise ValueError(f"The business duration {duration} is negative: pass 0 or more.")
        if duration == 0:
            return moment
        reached = self.business_time_at(moment)
        target = reached + duration
        index = bisect_left(self._through, target)
        if index == len(self._through):
            raise ScheduleExhaustedError(moment, duration, self.total - reached, self.covers_until)
        return self._starts[index] + (target - self._before[index])

    def elapsed_excluding(self, start, end, pauses):
        """Return the business time between ``start`` and ``end`` outside the ``pauses``.

        ``pauses`` are ``(start, end)`` pairs that may overlap each other, lie
        partly outside working time or be open (end ``None``).
        """
        if end <= start:
            return 0
        total = self.elapsed(start, end)
        for pause_start, pause_end in merge_pauses(pauses):
            total -= self.elapsed(max(pause_start, start), min(pause_end, end))
        return total

    def add_excluding(self, start, duration, pauses):
        """Return the moment at which ``duration`` business time outside ``pauses`` has elapsed after ``start``.

        A zero duration returns ``start``. Returns ``None`` when the duration is
        not reached before an open pause (end ``None``), because the clock then
        does not run and no end is known. Raises :class:`ScheduleExhaustedError`
        when the schedule ends too early.
        """
        if duration < 0:
            raise ValueError(f"The business duration {duration} is negative: pass 0 or more.")
        if duration == 0:
            return start
        remaining = duration
        cursor = start
        for pause_start, pause_end in merge_pauses(pauses):
            if pause_end <= cursor:
                continue
            if pause_start > cursor:
                available = self.elapsed(cursor, pause_start)
                if available >= remaining:
                    return self.add(cursor, remaining)
                remaining -= available
            if pause_end == math.inf:
                return None
            cursor = max(cursor, pause_end)
        return self.add(cursor, remaining)
