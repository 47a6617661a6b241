"""Tests of CSAT, NPS, response rate and the weekly digest figures."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_service_optimization.logic.survey_scoring import (
    average_score,
    change,
    csat,
    digest_weeks,
    nps,
    nps_weight,
    period_figures,
    response_rate,
    row_values,
    trending_reasons,
)


def test_csat_counts_four_and_five():
    assert csat([5, 4, 3, 1]) == 50.0
    assert csat([4]) == 100.0
    assert csat([3, 2]) == 0.0


def test_figures_without_answers_are_none():
    assert csat([]) is None
    assert average_score([]) is None
    assert nps([]) is None
    assert response_rate(0, 0) is None


def test_nps_is_promoters_minus_detractors():
    # 3 promoters, 2 passives, 5 detractors out of 10.
    values = [10, 9, 9, 8, 7, 6, 5, 3, 0, 1]

    assert nps(values) == pytest.approx(30.0 - 50.0)


@pytest.mark.parametrize(("value", "weight"), [(10, 100), (9, 100), (8, 0), (7, 0), (6, -100), (0, -100)])
def test_nps_weight_boundaries(value, weight):
    assert nps_weight(value) == weight


def test_response_rate():
    assert response_rate(8, 2) == 25.0
    assert response_rate(3, 3) == 100.0


def test_average_score():
    assert average_score([5, 4, 1]) == pytest.approx(10 / 3)


@given(st.lists(st.one_of(st.none(), st.integers(min_value=1, max_value=5)), max_size=60))
def test_row_averages_equal_direct_csat(scores):
    # The report averages per-row values like SQL's avg, which skips NULLs.
    rows = [row_values(score, None)[0] for score in scores]
    answered = [score for score in scores if score is not None]
    kept = [value for value in rows if value is not None]
    averaged = sum(kept) / len(kept) if kept else None

    assert averaged == csat(answered)


@given(st.lists(st.integers(min_value=0, max_value=10), max_size=60))
def test_row_averages_equal_direct_nps(values):
    rows = [row_values(None, value)[1] for value in values]
    averaged = sum(rows) / len(rows) if rows else None

    assert averaged == nps(values)


@given(st.lists(st.one_of(st.none(), st.integers(min_value=1, max_value=5)), min_size=1, max_size=60))
def test_row_averages_equal_response_rate(scores):
    responded = [row_values(score, None)[2] for score in scores]

    assert sum(responded) / len(responded) == pytest.approx(
        response_rate(len(scores), sum(score is not None for score in scores))
    )


def test_period_figures():
    figures = period_figures(sent=10, scores=[5, 4, 2], nps_values=[10, 3], answered_of_sent=4)

    assert figures.sent == 10
    assert figures.answered == 3
    assert figures.csat == pytest.approx(200 / 3)
    assert figures.average_score == pytest.approx(11 / 3)
    assert figures.nps == 0.0
    assert figures.response_rate == 40.0


def test_change_needs_both_values():
    assert change(80.0, 70.0) == 10.0
    assert change(None, 70.0) is None
    assert change(80.0, None) is None


def test_trending_reasons_compare_with_weekly_average():
    current = {"slow": 4, "rude": 1, "price": 2}
    baseline = {"slow": 4, "rude": 8, "price": 0}

    trending = trending_reasons(current, baseline, baseline_weeks=4)

    assert trending == [("slow", 4, 1.0), ("price", 2, 0.0)]


def test_trending_reasons_limit_and_ties():
    current = {name: 1 for name in "edcba"}

    trending = trending_reasons(current, {}, baseline_weeks=4, limit=3)

    assert [reason for reason, _count, _average in trending] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2024, 3, 11), (date(2024, 3, 4), date(2024, 3, 11), date(2024, 2, 5))),
        (date(2024, 3, 13), (date(2024, 3, 4), date(2024, 3, 11), date(2024, 2, 5))),
        (date(2024, 3, 17), (date(2024, 3, 4), date(2024, 3, 11), date(2024, 2, 5))),
    ],
)
def test_digest_weeks_cover_last_full_week(today, expected):
    assert digest_weeks(today) == expected
