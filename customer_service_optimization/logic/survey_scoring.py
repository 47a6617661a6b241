"""Satisfaction figures from survey answers.

- CSAT is the share of answered surveys scored 4 or 5 on the 1 to 5 scale.
- NPS is the share of promoters (9 or 10 on the 0 to 10 scale) minus the
  share of detractors (0 to 6), from -100 to 100.
- The response rate is the share of sent surveys that got a confirmed answer.

Every figure is a percentage, or None when nothing was measured. The SQL view
of the survey report computes the same figures as averages of per-row values
(100 or 0 for CSAT, 100, 0 or -100 for NPS). A pivot grouped by any dimension
then shows them exactly. :func:`row_values` returns those per-row values.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

POSITIVE_SCORE = 4
PROMOTER_MIN, DETRACTOR_MAX = 9, 6


def is_positive(score):
    """Return True for a score that counts towards CSAT (4 or 5)."""
    return score >= POSITIVE_SCORE


def nps_weight(value):
    """Return 100 for a promoter, -100 for a detractor and 0 for a passive answer."""
    if value >= PROMOTER_MIN:
        return 100
    if value <= DETRACTOR_MAX:
        return -100
    return 0


def _mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


def csat(scores: Iterable[int]):
    """Return the share of scores of 4 or 5, in percent, or None without scores."""
    return _mean(100 if is_positive(score) else 0 for score in scores)


def average_score(scores: Iterable[int]):
    """Return the mean score, or None without scores."""
    return _mean(scores)


def nps(values: Iterable[int]):
    """Return promoters minus detractors, in percent of the NPS answers, or None without answers."""
    return _mean(nps_weight(value) for value in values)


def response_rate(sent, answered):
    """Return ``answered`` over ``sent`` in percent, or None when nothing was sent."""
    if sent <= 0:
        return None
    return 100.0 * answered / sent


def row_values(score, nps_value):
    """Return the per-row values that the report averages: ``(csat, nps, responded)``.

    ``score`` and ``nps_value`` are None when the customer gave none. A None
    value is left out of the average, as SQL's ``avg`` does.
    """
    if score is None:
        return None, None if nps_value is None else nps_weight(nps_value), 0
    csat_value = 100 if is_positive(score) else 0
    nps_row = None if nps_value is None else nps_weight(nps_value)
    return csat_value, nps_row, 100


@dataclass(frozen=True)
class PeriodFigures:
    """Satisfaction figures of one period, each None when nothing was measured."""

    sent: int
    answered: int
    csat: float | None
    average_score: float | None
    nps: float | None
    response_rate: float | None


def period_figures(sent, scores, nps_values, answered_of_sent):
    """Return the :class:`PeriodFigures` of one period.

    ``scores`` and ``nps_values`` are the answers confirmed in the period.
    ``answered_of_sent`` counts the surveys sent in the period that have an
    answer so far, so the response rate of a recent week can still grow.
    """
    scores = list(scores)
    return PeriodFigures(
        sent=sent,
        answered=len(scores),
        csat=csat(scores),
        average_score=average_score(scores),
        nps=nps(nps_values),
        response_rate=response_rate(sent, answered_of_sent),
    )


def change(current, baseline):
    """Return ``current - baseline``, or None when either is unknown."""
    if current is None or baseline is None:
        return None
    return current - baseline


def trending_reasons(current_counts, baseline_counts, baseline_weeks, limit=5):
    """Return the reasons picked more often this week than on average in the baseline weeks.

    ``current_counts`` and ``baseline_counts`` map a reason to its number of
    answers. Returns up to ``limit`` tuples ``(reason, count, weekly_average)``,
    largest increase first, ties by reason for a stable order.
    """
    trending = []
    for reason, count in current_counts.items():
        weekly_average = baseline_counts.get(reason, 0) / baseline_weeks if baseline_weeks else 0.0
        if count > weekly_average:
            trending.append((reason, count, weekly_average))
    trending.sort(key=lambda item: (-(item[1] - item[2]), str(item[0])))
    return trending[:limit]


def digest_weeks(today, baseline_weeks=4):
    """Return ``(week_start, week_end, baseline_start)`` for a digest sent on ``today``.

    The digest covers the last full week from Monday to Sunday before
    ``today``, and the baseline the ``baseline_weeks`` weeks before it. Bounds
    are dates, start included and end excluded.
    """
    this_monday = today - timedelta(days=today.weekday())
    week_start = this_monday - timedelta(weeks=1)
    return week_start, this_monday, week_start - timedelta(weeks=baseline_weeks)
