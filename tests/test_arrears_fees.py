"""Tests of arrears_management.logic.fees: day-by-day interest, periods, caps and minimums."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears_management.logic import fees
from arrears_management.logic.fees import Movement, RatePeriod

PROPERTY_SETTINGS = settings(max_examples=80, deadline=None, database=None)

TEN_PERCENT = [RatePeriod(date(1900, 1, 1), 10.0)]


def test_full_leap_year_costs_the_annual_rate():
    result = fees.accrue_interest(1000, [], TEN_PERCENT, date(2024, 1, 1), date(2024, 12, 31))

    assert result.amount == Decimal("100.00")
    assert result.days == 366


def test_actual_365_charges_more_in_leap_year():
    result = fees.accrue_interest(
        1000, [], TEN_PERCENT, date(2024, 1, 1), date(2024, 12, 31), day_count=fees.ACTUAL_365
    )

    # 1000 * 10 % * 366 / 365 = 100.2739...
    assert result.amount == Decimal("100.27")


def test_period_across_new_year_splits_year_length():
    # 2023-12-02..2023-12-31: 30 days / 365; 2024-01-01..2024-01-30: 30 days / 366.
    result = fees.accrue_interest(3650, [], TEN_PERCENT, date(2023, 12, 2), date(2024, 1, 30))

    expected = Decimal(3650) * Decimal("0.1") * (Decimal(30) / 365 + Decimal(30) / 366)
    assert result.amount == fees.round_money(expected)
    assert result.amount == Decimal("59.92")
    assert [segment.year_days for segment in result.segments] == [365, 366]


def test_partial_payment_splits_period():
    # 1000 open for 10 days, then 400 for 20 days, at 36.5 % on a 365-day year.
    rates = [RatePeriod(date(2000, 1, 1), 36.5)]
    movements = [Movement(date(2023, 3, 11), 600)]

    result = fees.accrue_interest(1000, movements, rates, date(2023, 3, 1), date(2023, 3, 30))

    # 1000 * 0.365 * 10 / 365 = 10.00, 400 * 0.365 * 20 / 365 = 8.00
    assert result.amount == Decimal("18.00")
    assert [(segment.balance, segment.days) for segment in result.segments] == [(1000, 10), (400, 20)]


def test_payment_dated_on_day_stops_that_day():
    rates = [RatePeriod(date(2000, 1, 1), 36.5)]

    result = fees.accrue_interest(1000, [Movement(date(2023, 3, 2), 1000)], rates, date(2023, 3, 1), date(2023, 3, 5))

    assert result.days == 1
    assert result.amount == Decimal("1.00")


def test_credit_note_before_start_reduces_base():
    rates = [RatePeriod(date(2000, 1, 1), 36.5)]

    result = fees.accrue_interest(1000, [Movement(date(2023, 2, 1), 500)], rates, date(2023, 3, 1), date(2023, 3, 10))

    assert result.amount == Decimal("5.00")


def test_rate_change_splits_period():
    rates = [RatePeriod(date(2023, 1, 1), 12.0), RatePeriod(date(2023, 7, 1), 36.5)]

    result = fees.accrue_interest(1000, [], rates, date(2023, 6, 21), date(2023, 7, 10))

    # 10 days at 12 % and 10 days at 36.5 %, on 365 days.
    expected = Decimal(1000) * (Decimal("0.12") * 10 + Decimal("0.365") * 10) / 365
    assert result.amount == fees.round_money(expected)
    assert [segment.rate for segment in result.segments] == [Decimal("12.0"), Decimal("36.5")]


def test_no_rate_before_first_period():
    rates = [RatePeriod(date(2023, 7, 1), 36.5)]

    result = fees.accrue_interest(1000, [], rates, date(2023, 6, 21), date(2023, 7, 10))

    assert result.days == 10
    assert result.amount == Decimal("10.00")


def test_minimum_balance_stops_accrual():
    rates = [RatePeriod(date(2000, 1, 1), 36.5)]
    movements = [Movement(date(2023, 3, 6), 950)]

    result = fees.accrue_interest(1000, movements, rates, date(2023, 3, 1), date(2023, 3, 30), minimum_balance=100)

    assert result.days == 5
    assert result.amount == Decimal("5.00")


def test_zero_decimal_currency_rounds_to_units():
    result = fees.accrue_interest(100000, [], TEN_PERCENT, date(2023, 1, 1), date(2023, 1, 10), digits=0)

    # 100000 * 0.1 * 10 / 365 = 273.97...
    assert result.amount == Decimal("274")


def test_empty_period_is_zero():
    result = fees.accrue_interest(1000, [], TEN_PERCENT, date(2023, 1, 10), date(2023, 1, 9))

    assert result.amount == Decimal("0.00")
    assert result.days == 0


def test_unknown_day_count_raises():
    with pytest.raises(ValueError, match="Unknown day-count"):
        fees.year_days(date(2024, 1, 1), "30/360")


@pytest.mark.parametrize("rate", [-0.01, 100.01, None])
def test_rate_outside_range_is_invalid(rate):
    with pytest.raises(fees.InvalidRate):
        fees.check_rate(rate)


@pytest.mark.parametrize("rate", [0, 8, 100])
def test_rate_inside_range_is_valid(rate):
    fees.check_rate(rate)


def test_interest_starts_after_grace():
    assert fees.interest_start(date(2024, 2, 28), 0) == date(2024, 2, 29)
    assert fees.interest_start(date(2024, 2, 28), 5) == date(2024, 3, 5)


def test_next_period_waits_for_interval():
    due = date(2024, 1, 31)

    assert fees.next_interest_period(due, 0, None, date(2024, 2, 20), interval_days=30) is None
    assert fees.next_interest_period(due, 0, None, date(2024, 3, 2), interval_days=30) == (
        date(2024, 2, 1),
        date(2024, 3, 1),
    )


def test_next_period_follows_last_charge():
    period = fees.next_interest_period(date(2024, 1, 31), 0, date(2024, 3, 1), date(2024, 4, 1), interval_days=30)

    assert period == (date(2024, 3, 2), date(2024, 3, 31))


def test_next_period_same_day_rerun_is_empty():
    assert fees.next_interest_period(date(2024, 1, 31), 0, date(2024, 3, 31), date(2024, 4, 1)) is None


def test_settled_line_gets_short_last_period():
    period = fees.next_interest_period(
        date(2024, 1, 31), 0, date(2024, 3, 1), date(2024, 4, 20), settled_date=date(2024, 3, 10), interval_days=30
    )

    assert period == (date(2024, 3, 2), date(2024, 3, 9))


def test_settled_on_finds_last_payment():
    movements = [Movement(date(2024, 3, 1), 300), Movement(date(2024, 2, 1), 300), Movement(date(2024, 4, 1), 400)]

    assert fees.settled_on(1000, movements) == date(2024, 4, 1)
    assert fees.settled_on(1000, movements[:2]) is None


def test_cap_limits_running_total():
    limit = fees.cap_limit(1000, 5)

    assert limit == Decimal(50)
    assert fees.apply_cap(40, 0, limit) == Decimal(40)
    assert fees.apply_cap(40, 40, limit) == Decimal(10)
    assert fees.apply_cap(40, 60, limit) == Decimal(0)
    assert fees.apply_cap(40, 60, fees.cap_limit(1000, 0)) == Decimal(40)


# Property tests.

days = st.integers(0, 900)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
START = date(2023, 1, 1)


@st.composite
def movements_of(draw, original):
    count = draw(st.integers(0, 5))
    result = []
    left = original
    for _ in range(count):
        amount = draw(st.decimals(min_value=Decimal("0.01"), max_value=max(Decimal("0.01"), left), places=2))
        result.append(Movement(START + timedelta(days=draw(days)), amount))
        left = max(Decimal(0), left - amount)
    return result


@PROPERTY_SETTINGS
@given(amounts, rates, days, days, st.data())
def test_split_periods_add_up(original, rate, first, second, data):
    """Charging a period in two parts costs the same as charging it at once, to rounding."""
    movements = data.draw(movements_of(original))
    rate_periods = [RatePeriod(date(2000, 1, 1), rate)]
    start = START
    middle = START + timedelta(days=min(first, second))
    end = START + timedelta(days=max(first, second) + 1)

    whole = fees.accrue_interest(original, movements, rate_periods, start, end)
    head = fees.accrue_interest(original, movements, rate_periods, start, middle)
    tail = fees.accrue_interest(original, movements, rate_periods, middle + timedelta(days=1), end)

    assert abs(whole.amount - head.amount - tail.amount) <= Decimal("0.01")
    assert whole.days == head.days + tail.days


@PROPERTY_SETTINGS
@given(amounts, rates, days, st.data())
def test_payments_never_raise_interest(original, rate, length, data):
    movements = data.draw(movements_of(original))
    rate_periods = [RatePeriod(date(2000, 1, 1), rate)]
    end = START + timedelta(days=length)

    unpaid = fees.accrue_interest(original, [], rate_periods, START, end)
    paid = fees.accrue_interest(original, movements, rate_periods, START, end)

    assert paid.amount <= unpaid.amount


@PROPERTY_SETTINGS
@given(amounts, rates, days)
def test_interest_matches_closed_form_without_payments(original, rate, length):
    """Without payments, actual/365 interest is balance x rate x days / 365."""
    end = START + timedelta(days=length)

    result = fees.accrue_interest(
        original, [], [RatePeriod(date(2000, 1, 1), rate)], START, end, day_count=fees.ACTUAL_365
    )

    expected = original * rate / 100 * (length + 1) / 365
    assert result.amount == fees.round_money(expected)


@PROPERTY_SETTINGS
@given(amounts, rates, days, st.data())
def test_segments_cover_only_positive_balances(original, rate, length, data):
    movements = data.draw(movements_of(original))
    end = START + timedelta(days=length)

    result = fees.accrue_interest(original, movements, [RatePeriod(date(2000, 1, 1), rate)], START, end)

    for segment in result.segments:
        assert segment.balance > 0
        assert START <= segment.start <= segment.end <= end
        assert fees.balance_on(original, movements, segment.end) == segment.balance


@PROPERTY_SETTINGS
@given(
    st.lists(st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2), max_size=8),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2),
)
def test_cap_is_never_exceeded(charges, cap_percent):
    limit = fees.cap_limit(1000, cap_percent)
    total = Decimal(0)
    for charge in charges:
        total += fees.apply_cap(charge, total, limit)

    if limit is not None:
        assert total <= limit
    else:
        assert total == sum(charges, Decimal(0))


@PROPERTY_SETTINGS
@given(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.integers(0, 30), days, days, st.integers(1, 60))
def test_repeated_periods_never_overlap(due, grace, first_run, gap, interval):
    """A run after a charged period starts the day after it, so no day is charged twice."""
    run_one = due + timedelta(days=first_run)
    first = fees.next_interest_period(due, grace, None, run_one, interval_days=interval)
    if first is None:
        return
    second = fees.next_interest_period(due, grace, first[1], run_one + timedelta(days=gap), interval_days=interval)
    assert first[0] >= fees.interest_start(due, grace)
    if second is not None:
        assert second[0] == first[1] + timedelta(days=1)
        assert second[1] >= second[0]
