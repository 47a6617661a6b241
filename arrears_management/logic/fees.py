"""Late payment interest and fixed fees on overdue receivable due lines.

Interest accrues day by day on the balance actually outstanding that day,
in the due line's own currency. A payment or credit note dated D lowers the
balance from day D on, so day D bears interest only on what is still open.

Day-count conventions:

- ``actual_actual`` (the default, ISDA style): each late day accrues
  ``balance * rate / days_in_year``, where ``days_in_year`` is 366 for a day
  of a leap year and 365 otherwise. A whole calendar year late therefore
  costs exactly the annual rate, in leap years too.
- ``actual_365`` (fixed): every day accrues ``balance * rate / 365``, so a
  leap year costs 366/365 of the annual rate.

Sums are kept exact with ``Decimal`` and rounded half up to the currency's
decimal places once per charged period.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

ACTUAL_ACTUAL = "actual_actual"
ACTUAL_365 = "actual_365"
DAY_COUNTS = (ACTUAL_ACTUAL, ACTUAL_365)


class InvalidRate(ValueError):
    """Raised for an annual interest rate outside 0 to 100 percent."""


@dataclass(frozen=True)
class Movement:
    """A payment or credit note that lowers a due line's balance by ``amount`` from ``date`` on."""

    date: date
    amount: float


@dataclass(frozen=True)
class RatePeriod:
    """An annual rate in percent that applies from ``start`` until the next period starts."""

    start: date
    rate: float


@dataclass(frozen=True)
class Segment:
    """Days ``start`` to ``end`` (both included) with one balance, one rate and one year length."""

    start: date
    end: date
    balance: Decimal
    rate: Decimal
    year_days: int
    interest: Decimal

    @property
    def days(self):
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class InterestResult:
    """Interest of one period: the rounded amount, the late days counted and the exact segments."""

    amount: Decimal
    days: int
    segments: tuple


def to_decimal(value):
    """Return ``value`` as a Decimal without binary float noise (``0.1`` becomes ``Decimal('0.1')``)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def round_money(value, digits=2):
    """Round ``value`` half up to ``digits`` decimal places and return a Decimal."""
    return to_decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def check_rate(rate):
    """Raise InvalidRate unless ``rate`` is an annual percentage from 0 to 100."""
    if rate is None or not (0 <= rate <= 100):
        raise InvalidRate(f"The annual interest rate {rate} % is invalid: enter a percentage from 0 to 100.")


def year_days(day, day_count=ACTUAL_ACTUAL):
    """Return the length of the year that divides the annual rate on ``day``."""
    if day_count == ACTUAL_365:
        return 365
    if day_count != ACTUAL_ACTUAL:
        raise ValueError(f"Unknown day-count convention {day_count!r}: use one of {DAY_COUNTS}.")
    return 366 if calendar.isleap(day.year) else 365


def interest_start(due_date, grace_days=0):
    """Return the first day that bears interest: the day after the due date plus the grace days."""
    return due_date + timedelta(days=max(0, grace_days) + 1)


def balance_on(original, movements, day):
    """Return the balance of a due line of ``original`` amount on ``day``."""
    paid = sum((to_decimal(movement.amount) for movement in movements if movement.date <= day), Decimal(0))
    return to_decimal(original) - paid


def settled_on(original, movements):
    """Return the first date on which the balance reaches zero or less, or None while it stays open."""
    balance = to_decimal(original)
    for movement in sorted(movements, key=lambda movement: movement.date):
        balance -= to_decimal(movement.amount)
        if balance <= 0:
            return movement.date
    return None


def rate_on(rate_periods, day):
    """Return the annual rate in percent of the period in force on ``day``, 0 before the first one."""
    rate = Decimal(0)
    for period in sorted(rate_periods, key=lambda period: period.start):
        if period.start > day:
            break
        rate = to_decimal(period.rate)
    return rate


def _boundaries(start, end, movements, rate_periods, day_count):
    """Return the sorted days in ``[start, end]`` on which the balance, the rate or the year length changes."""
    days = {start}
    days.update(movement.date for movement in movements if start < movement.date <= end)
    days.update(period.start for period in rate_periods if start < period.start <= end)
    if day_count == ACTUAL_ACTUAL:
        days.update(date(year, 1, 1) for year in range(start.year + 1, end.year + 1))
    return sorted(days)


def accrue_interest(
    original, movements, rate_periods, start, end, minimum_balance=0, day_count=ACTUAL_ACTUAL, digits=2
):
    """Compute the interest of days ``start`` to ``end`` (both included) on a due line.

    ``original`` is the due line's amount and ``movements`` the payments and
    credit notes that lowered it, in the same currency. A day accrues nothing
    when its balance is below ``minimum_balance`` or not positive. Return an
    InterestResult whose ``days`` counts the days that accrued interest.
    """
    if end < start:
        return InterestResult(Decimal(0).quantize(Decimal(1).scaleb(-digits)), 0, ())
    minimum = to_decimal(minimum_balance)
    boundaries = _boundaries(start, end, movements, rate_periods, day_count)
    segments = []
    for index, segment_start in enumerate(boundaries):
        segment_end = boundaries[index + 1] - timedelta(days=1) if index + 1 < len(boundaries) else end
        balance = balance_on(original, movements, segment_start)
        if balance <= 0 or balance < minimum:
            continue
        rate = rate_on(rate_periods, segment_start)
        if rate <= 0:
            continue
        length = year_days(segment_start, day_count)
        days = (segment_end - segment_start).days + 1
        amount = balance * rate / Decimal(100) * days / length
        segments.append(Segment(segment_start, segment_end, balance, rate, length, amount))
    total = sum((segment.interest for segment in segments), Decimal(0))
    counted = sum(segment.days for segment in segments)
    return InterestResult(round_money(total, digits), counted, tuple(segments))


def next_interest_period(due_date, grace_days, charged_until, run_date, settled_date=None, interval_days=1):
    """Return the ``(start, end)`` days of interest to charge in a run on ``run_date``, or None.

    A period starts the day after ``charged_until`` (the last charged day,
    None for none) and never before the first late day. It ends the day
    before the run, or the day before ``settled_date`` when the line was
    paid in full. An open line is charged only once the period reaches
    ``interval_days`` days, so a daily run does not raise a charge a day;
    a settled line gets its last period whatever its length.
    """
    start = interest_start(due_date, grace_days)
    if charged_until is not None:
        start = max(start, charged_until + timedelta(days=1))
    end = run_date - timedelta(days=1)
    if settled_date is not None:
        end = min(end, settled_date - timedelta(days=1))
    if end < start:
        return None
    if settled_date is None and (end - start).days + 1 < max(1, interval_days):
        return None
    return start, end


def apply_cap(amount, already_charged, cap):
    """Return the part of ``amount`` that fits under ``cap`` after ``already_charged``; no cap when None."""
    amount = to_decimal(amount)
    if cap is None:
        return amount
    room = to_decimal(cap) - to_decimal(already_charged)
    return max(Decimal(0), min(amount, room))


def cap_limit(original, cap_percent):
    """Return the most that may be charged on a due line of ``original`` amount, or None without a cap."""
    if not cap_percent:
        return None
    return to_decimal(original) * to_decimal(cap_percent) / Decimal(100)
