"""Installment schedules of payment plans: building, validation, matching payments, breaking.

Amounts are handled in minor units (cents for two decimals) so that a
schedule adds up to its total exactly, to the cent.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

WEEKLY = "weekly"
BIWEEKLY = "biweekly"
MONTHLY = "monthly"
FREQUENCIES = (WEEKLY, BIWEEKLY, MONTHLY)


class InvalidSchedule(ValueError):
    """Raised when a schedule cannot be built or does not fit its plan.

    ``code`` names the rule that failed and ``params`` the values involved,
    so callers can show a translated message; ``str()`` gives an English one.
    """

    def __init__(self, code, message, **params):
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Installment:
    """One due date of a plan and the amount due on it."""

    date: date
    amount: float


@dataclass(frozen=True)
class InstallmentStatus:
    """How much of an installment the payments so far cover."""

    paid: float
    residual: float

    @property
    def is_paid(self):
        return self.residual <= 0


def to_minor(amount, digits=2):
    """Return ``amount`` in minor units (cents for two decimals), rounded half up."""
    scaled = Decimal(str(amount)).scaleb(digits)
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor(units, digits=2):
    return float(Decimal(units).scaleb(-digits))


def add_months(day, months, anchor_day=None):
    """Return ``day`` moved by ``months`` months, on ``anchor_day`` or the month's last day if shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    target_day = anchor_day or day.day
    return date(year, month, min(target_day, calendar.monthrange(year, month)[1]))


def installment_dates(first_date, count, frequency):
    """Return ``count`` due dates from ``first_date`` at ``frequency``.

    Monthly dates keep the day of the month of ``first_date``, or the last day
    of a shorter month: 31 January gives 29 February in a leap year, then 31 March.
    """
    if frequency == WEEKLY:
        return [first_date + timedelta(weeks=index) for index in range(count)]
    if frequency == BIWEEKLY:
        return [first_date + timedelta(weeks=2 * index) for index in range(count)]
    if frequency == MONTHLY:
        return [add_months(first_date, index, first_date.day) for index in range(count)]
    raise InvalidSchedule(
        "frequency", f"Unknown frequency {frequency!r}: use one of {', '.join(FREQUENCIES)}.", frequency=frequency
    )


def split_evenly(total, count, digits=2):
    """Split ``total`` into ``count`` amounts that differ by at most one minor unit and add up exactly.

    The first amounts take the extra minor units, so the last one is never the largest.
    """
    units = to_minor(total, digits)
    base, extra = divmod(units, count)
    return [from_minor(base + (1 if index < extra else 0), digits) for index in range(count)]


def build_schedule(total, count, first_date, frequency, down_payment=0.0, down_payment_date=None, digits=2):
    """Return the installments of a plan of ``total``: the down payment first, then ``count`` even ones.

    The down payment is due on ``down_payment_date`` (default ``first_date``,
    in which case the installments start one period later).
    """
    if count < 1:
        raise InvalidSchedule(
            "count", f"A plan needs at least one installment, not {count}: enter 1 or more.", count=count
        )
    if down_payment < 0:
        raise InvalidSchedule(
            "negative", f"The down payment {down_payment} is negative: enter 0 or more.", amount=down_payment
        )
    rest = to_minor(total, digits) - to_minor(down_payment, digits)
    if rest <= 0:
        raise InvalidSchedule(
            "down_payment_too_large",
            f"The down payment {down_payment} covers the whole total {total}: lower it or drop the installments.",
            amount=down_payment,
            total=total,
        )

    installments = []
    if down_payment > 0:
        down_date = down_payment_date or first_date
        installments.append(Installment(down_date, from_minor(to_minor(down_payment, digits), digits)))
        if down_payment_date is None:
            first_date = installment_dates(first_date, 2, frequency)[1]
    dates = installment_dates(first_date, count, frequency)
    amounts = split_evenly(from_minor(rest, digits), count, digits)
    installments.extend(Installment(day, amount) for day, amount in zip(dates, amounts, strict=True))
    return installments


def validate(installments, total, today, digits=2):
    """Raise InvalidSchedule unless ``installments`` form a valid schedule of ``total`` from ``today`` on.

    Rules: at least one installment, every amount positive, no date before
    ``today``, dates in order, and the amounts add up to ``total`` to the
    minor unit.
    """
    if not installments:
        raise InvalidSchedule("empty", "The schedule has no installments: add at least one.")
    previous = None
    for position, installment in enumerate(installments, start=1):
        if to_minor(installment.amount, digits) <= 0:
            raise InvalidSchedule(
                "negative",
                f"Installment {position} has the amount {installment.amount}: every amount must be positive.",
                position=position,
                amount=installment.amount,
            )
        if installment.date < today:
            raise InvalidSchedule(
                "past",
                f"Installment {position} is due on {installment.date}, before today {today}: pick a later date.",
                position=position,
                date=installment.date,
                today=today,
            )
        if previous is not None and installment.date < previous:
            raise InvalidSchedule(
                "order",
                f"Installment {position} is due on {installment.date}, before the one above it: sort the dates.",
                position=position,
                date=installment.date,
            )
        previous = installment.date

    scheduled = sum(to_minor(installment.amount, digits) for installment in installments)
    expected = to_minor(total, digits)
    if scheduled != expected:
        raise InvalidSchedule(
            "total",
            f"Installments add up to {from_minor(scheduled, digits)} but the plan covers "
            f"{from_minor(expected, digits)}: adjust the amounts.",
            scheduled=from_minor(scheduled, digits),
            total=from_minor(expected, digits),
        )


def allocate(installments, paid_total, digits=2):
    """Match ``paid_total`` to the installments in order: each is filled before the next one gets anything."""
    remaining = max(0, to_minor(paid_total, digits))
    statuses = []
    for installment in installments:
        due = to_minor(installment.amount, digits)
        paid = min(due, remaining)
        remaining -= paid
        statuses.append(InstallmentStatus(from_minor(paid, digits), from_minor(due - paid, digits)))
    return statuses


def first_missed(installments, paid_total, today, grace_days=0, digits=2):
    """Return the position (0-based) of the first installment still unpaid ``grace_days`` after its date, or None.

    An installment is missed on the first day after its date plus the grace days.
    """
    for position, (installment, status) in enumerate(
        zip(installments, allocate(installments, paid_total, digits), strict=True)
    ):
        if status.is_paid:
            continue
        if today > installment.date + timedelta(days=max(0, grace_days)):
            return position
        return None
    return None


def is_complete(installments, paid_total, digits=2):
    """Return whether the payments cover every installment."""
    return to_minor(paid_total, digits) >= sum(to_minor(installment.amount, digits) for installment in installments)


def reminders_due(installments, paid_total, today, days_before, digits=2):
    """Return the positions of unpaid installments due within ``days_before`` days from ``today``."""
    positions = []
    for position, (installment, status) in enumerate(
        zip(installments, allocate(installments, paid_total, digits), strict=True)
    ):
        if status.is_paid:
            continue
        if installment.date - timedelta(days=max(0, days_before)) <= today <= installment.date:
            positions.append(position)
    return positions
