"""Days overdue and aging buckets of receivable due lines."""

from datetime import date

DEFAULT_BUCKET_BOUNDARIES = (30, 60, 90)
CURRENT_BUCKET = "current"


class InvalidBoundaries(ValueError):
    """Raised when aging bucket boundaries cannot be parsed or are not ascending."""


def parse_bucket_boundaries(text):
    """Parse a comma-separated list of day counts such as ``"30,60,90"``.

    Return a tuple of strictly ascending positive integers. Raise
    InvalidBoundaries naming the offending value otherwise.
    """
    if not text or not text.strip():
        raise InvalidBoundaries("The aging bucket boundaries are empty: enter day counts such as 30,60,90.")
    boundaries = []
    for part in text.split(","):
        part = part.strip()
        try:
            value = int(part)
        except ValueError as err:
            raise InvalidBoundaries(
                f"The aging bucket boundary {part!r} is not a whole number of days: use a list such as 30,60,90."
            ) from err
        if value <= 0:
            raise InvalidBoundaries(f"The aging bucket boundary {value} must be a positive number of days.")
        if boundaries and value <= boundaries[-1]:
            raise InvalidBoundaries(f"The aging bucket boundaries must ascend: {value} follows {boundaries[-1]}.")
        boundaries.append(value)
    return tuple(boundaries)


def days_overdue(due_date: date, today: date) -> int:
    """Return how many days ``due_date`` lies before ``today`` (negative before the due date)."""
    return (today - due_date).days


def bucket_ranges(boundaries=DEFAULT_BUCKET_BOUNDARIES):
    """Return ``(label, first day, last day)`` of each bucket in order, None for an open end.

    For the default boundaries: current (up to 0 days), 1-30, 31-60, 61-90
    and over 90 (from 91 days on).
    """
    ranges = [(CURRENT_BUCKET, None, 0)]
    lower = 1
    for upper in boundaries:
        ranges.append((f"{lower}-{upper}", lower, upper))
        lower = upper + 1
    ranges.append((f"over {boundaries[-1]}", lower, None))
    return ranges


def bucket_labels(boundaries=DEFAULT_BUCKET_BOUNDARIES):
    """Return the bucket labels in order, for example current, 1-30, 31-60, 61-90, over 90."""
    return [label for label, _first, _last in bucket_ranges(boundaries)]


def bucket_label(days, boundaries=DEFAULT_BUCKET_BOUNDARIES):
    """Return the label of the aging bucket that ``days`` overdue falls into."""
    # The last bucket has no upper end, so one bucket always matches.
    return next(label for label, _first, last in bucket_ranges(boundaries) if last is None or days <= last)


def bucket_day_range(label, boundaries=DEFAULT_BUCKET_BOUNDARIES):
    """Return ``(first day, last day)`` of the bucket called ``label``, or None for an unknown label."""
    for name, first, last in bucket_ranges(boundaries):
        if name == label:
            return first, last
    return None


def summarize_lines(lines):
    """Summarize an invoice's open due lines for the invoice's own aging fields.

    ``lines`` are ``(days_overdue, bucket, level_id, level_days, next_reminder_date)``
    tuples, where ``level_id`` is 0 for no level. Return the invoice's days
    overdue and bucket (those of its latest line), its level (the line level
    that triggers latest) and its next reminder date (the earliest), with 0,
    None and 0 for an invoice without open lines.
    """
    lines = list(lines)
    if not lines:
        return {"days_overdue": 0, "aging_bucket": None, "level_id": 0, "next_reminder_date": None}
    latest = max(lines, key=lambda line: line[0])
    levelled = [line for line in lines if line[2]]
    top_level = max(levelled, key=lambda line: line[3])[2] if levelled else 0
    next_dates = [line[4] for line in lines if line[4]]
    return {
        "days_overdue": latest[0],
        "aging_bucket": latest[1],
        "level_id": top_level,
        "next_reminder_date": min(next_dates) if next_dates else None,
    }
