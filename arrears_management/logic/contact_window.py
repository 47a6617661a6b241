"""Local daytime windows for SMS and calls."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Working weeks a company can choose for SMS and calls. Monday is 0.
CONTACT_DAYS = {
    "mon_fri": (0, 1, 2, 3, 4),
    "mon_sat": (0, 1, 2, 3, 4, 5),
    "sun_thu": (0, 1, 2, 3, 6),
    "every_day": (0, 1, 2, 3, 4, 5, 6),
}
DEFAULT_WEEKDAYS = CONTACT_DAYS["mon_fri"]


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


def instants_at(day, wall_time, zone):
    """Return, in order, the UTC instants of ``day`` at which local clocks in ``zone`` show ``wall_time``.

    A wall time repeated by a fall-back change has two instants. A wall time
    skipped by a spring-forward change has none, so the function returns the
    instant of the change, when clocks jump past it.
    """
    naive = datetime.combine(day, wall_time)
    folds = sorted({naive.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)})
    exact = [instant for instant in folds if instant.astimezone(zone).replace(tzinfo=None) == naive]
    if exact:
        return exact
    low, high = folds[0], folds[-1]
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return [high.replace(microsecond=0)]


def next_contact_time(moment, tz_name, start_hour, end_hour, weekdays=DEFAULT_WEEKDAYS):
    """Return the first moment at or after ``moment`` inside the customer's contact window.

    ``moment`` is a naive UTC datetime, as Odoo stores them, and so is the
    result. A moment is inside the window when the customer's local clock, in
    the zone ``tz_name``, shows a time from ``start_hour`` to ``end_hour`` on
    one of ``weekdays`` (Monday is 0). An unknown zone counts as UTC. So in
    the hour that a fall-back change repeats, the clock decides, not the
    first pass. Raise ValueError when the window is empty.
    """
    if not weekdays or start_hour >= end_hour:
        raise ValueError(f"The contact window {start_hour}-{end_hour} on weekdays {tuple(weekdays or ())} is empty.")
    zone = _zone(tz_name)
    start, end = hour_to_time(start_hour), hour_to_time(end_hour)

    def inside(instant):
        local = instant.astimezone(zone)
        return local.weekday() in weekdays and start <= local.time() < end

    instant = moment.replace(tzinfo=UTC)
    if inside(instant):
        return moment
    local_day = instant.astimezone(zone).date()
    for offset in range(8):
        day = local_day + timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        for opens in instants_at(day, start, zone):
            if opens > instant and inside(opens):
                return opens.replace(tzinfo=None)
    raise AssertionError("unreachable: a non-empty window opens within a week")
