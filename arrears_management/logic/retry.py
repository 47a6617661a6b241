"""When to try a failed gateway delivery again.

Attempts are spread over time by storing the next attempt time on the
reminder, so no worker ever sleeps between attempts.
"""

from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


def is_retryable_status(status_code):
    """Return True for responses worth another attempt: 429 and 5xx."""
    return status_code in RETRYABLE_STATUS or 500 <= status_code <= 599


def parse_retry_after(value, now):
    """Return the delay in seconds that a ``Retry-After`` header requests, or None.

    The header contains either seconds or an HTTP date, and ``now`` is a naive UTC
    datetime. A date in the past gives 0.
    """
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        # More than ten digits is over three centuries: treat it as unreadable.
        return int(value) if len(value) <= 10 else None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delay = (moment - now.replace(tzinfo=UTC)).total_seconds()
    return max(0, int(delay))


def backoff_delay(attempt, base_seconds=60, max_seconds=6 * 3600):
    """Return the delay before attempt ``attempt + 1``: base, 2x base, 4x base, up to a cap."""
    return min(max_seconds, base_seconds * 2 ** max(0, attempt - 1))


def next_attempt_at(now, attempt, retry_after=None, base_seconds=60, max_seconds=6 * 3600):
    """Return when to try again after failed attempt number ``attempt`` (1-based).

    A provider's ``Retry-After`` wins over the backoff when it requests a
    longer wait, and is capped like it.
    """
    delay = backoff_delay(attempt, base_seconds, max_seconds)
    if retry_after is not None:
        delay = min(max(delay, retry_after), max_seconds)
    return now + timedelta(seconds=delay)
