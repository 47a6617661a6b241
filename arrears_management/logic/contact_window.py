"""Local daytime windows for SMS and calls."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_WEEKDAYS = (0, 1, 2, 3, 4)


def _zone(tz_name):
    try:
        return ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def hour_to_time(hours):
    """Turn a float hour such as 8.5 into ``time(8, 30)``."""
    minutes = round(hours * 60)
    if minutes >= 24 * 60:
        return time(23, 59, 59)
    return time(minutes // 60, minutes % 60)


def next_contact_time(moment, tz_name, start_hour, end_hour, weekdays=DEFAULT_WEEKDAYS):
    """Return the first moment at or after ``moment`` inside the customer's contact window.

    ``moment`` is a naive UTC datetime, as Odoo stores them, and so is the
    result. The window runs from ``start_hour`` to ``end_hour`` local time
    on the given ``weekdays`` (Monday is 0) in the zone ``tz_name``; an
    unknown zone counts as UTC. Raise ValueError when the window is empty.
    """
    if not weekdays or start_hour >= end_hour:
        raise ValueError(f"The contact window {start_hour}-{end_hour} on weekdays {tuple(weekdays)} is empty.")
    zone = _zone(tz_name)
    start, end = hour_to_time(start_hour), hour_to_time(end_hour)
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        opens = datetime.combine(day, start, tzinfo=zone)
        closes = datetime.combine(day, end, tzinfo=zone)
        candidate = max(opens, local) if offset == 0 else opens
        if candidate < closes:
            return candidate.astimezone(UTC).replace(tzinfo=None)
    raise AssertionError("unreachable: a non-empty window opens within a week")
