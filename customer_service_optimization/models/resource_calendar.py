import math
from datetime import timedelta

from pytz import utc

from odoo import fields, models

from ..logic.business_time import ScheduleExhaustedError, WorkSchedule, from_seconds, to_seconds
from ..logic.timer_clock import read_timer

# Fields whose change moves business time, so SLA deadlines on the calendar must be recomputed.
SCHEDULE_FIELDS = {"attendance_ids", "leave_ids", "global_leave_ids", "tz", "two_weeks_calendar", "flexible_hours"}
# Maximum number of days after now that a deadline search expands before it reports a problem.
MAX_HORIZON_DAYS = 3 * 366


class ResourceCalendar(models.Model):
    _inherit = "resource.calendar"

    def write(self, vals):
        if self.env.context.get("cso_calendar_write") or not SCHEDULE_FIELDS & set(vals):
            return super().write(vals)
        result = super(ResourceCalendar, self.with_context(cso_calendar_write=True)).write(vals)
        self._sla_schedule_recompute()
        return result

    def _sla_schedule_recompute_outside_calendar_write(self):
        """Recompute like :meth:`_sla_schedule_recompute`, unless a calendar write already does it at its end."""
        if not self.env.context.get("cso_calendar_write"):
            self._sla_schedule_recompute()

    def _sla_schedule_recompute(self):
        """Recompute the deadlines of the unfinished SLA timers that count working time in these calendars."""
        if self:
            self.env["cso.sla.timer"]._schedule_recompute(
                [("calendar_id", "in", self.ids)],
                reason=self.env._("working hours of %(calendar)s changed", calendar=", ".join(self.mapped("name"))),
            )

    def _sla_schedule(self, start, end):
        """Return the :class:`WorkSchedule` of this calendar between two naive UTC datetimes.

        ``resource`` expands attendances, the calendar's timezone and its leaves
        (global ones and those of the calendar) into intervals. Bounds are
        rounded to whole seconds, so a day that ``resource`` ends at
        23:59:59.999999 touches the next one and a 24/7 calendar has no gaps.
        """
        self.ensure_one()
        intervals = self._work_intervals_batch(utc.localize(start), utc.localize(end), compute_leaves=True)[False]
        spans = [(round(begin.timestamp()), round(stop.timestamp())) for begin, stop, _meta in intervals]
        return WorkSchedule(spans, covers_until=to_seconds(end))

    def _sla_weekly_hours(self):
        """Return the working hours of an average week, without leaves."""
        self.ensure_one()
        attendances = self.attendance_ids.filtered(
            lambda attendance: (
                attendance.day_period != "lunch" and not attendance.display_type and not attendance.resource_id
            )
        )
        hours = sum(attendance.hour_to - attendance.hour_from for attendance in attendances)
        return hours / 2 if self.two_weeks_calendar else hours

    def _sla_horizon_days(self, target_hours):
        """Return how many days after now to expand to reach ``target_hours`` of working time, with slack for leaves."""
        weekly_hours = self._sla_weekly_hours()
        if weekly_hours <= 0:
            return MAX_HORIZON_DAYS
        days = math.ceil(target_hours / weekly_hours * 7) + 14
        return min(max(days, 7), MAX_HORIZON_DAYS)

    def _sla_read_timers(self, facts_by_key, now, warning_shares):
        """Read many timers against this calendar at ``now`` with one expansion of working time.

        ``facts_by_key`` maps any keys to :class:`TimerFacts` and
        ``warning_shares`` maps the same keys to a share of the target. Returns
        ``(readings, problems)``: a :class:`TimerReading` per key, and a
        message per key whose target does not fit in the working time found up
        to :data:`MAX_HORIZON_DAYS` days after ``now``. When a first expansion
        is too short, only the timers that need more are read again.
        """
        self.ensure_one()
        readings, problems = {}, {}
        if not facts_by_key:
            return readings, problems
        now = now or fields.Datetime.now()
        start = from_seconds(min(facts.start for facts in facts_by_key.values())) - timedelta(seconds=1)
        horizon = self._sla_horizon_days(max(facts.target for facts in facts_by_key.values()) / 3600)
        pending = dict(facts_by_key)
        while pending:
            end = max(now, start) + timedelta(days=horizon)
            schedule = self._sla_schedule(start, end)
            exhausted = {}
            for key, facts in pending.items():
                try:
                    readings[key] = read_timer(schedule, facts, to_seconds(now), warning_shares.get(key))
                except ScheduleExhaustedError as error:
                    exhausted[key] = error
            if exhausted and horizon >= MAX_HORIZON_DAYS:
                for key, error in exhausted.items():
                    problems[key] = self.env._(
                        "Calendar %(calendar)s has only %(available)s working hours between %(start)s and "
                        "%(end)s, fewer than the %(target)s hours this timer needs: add working time to the "
                        "calendar or shorten its leaves.",
                        calendar=self.name,
                        available=round(error.available / 3600, 2),
                        start=fields.Datetime.to_string(start),
                        end=fields.Datetime.to_string(end),
                        target=round(pending[key].target / 3600, 2),
                    )
                break
            pending = {key: pending[key] for key in exhausted}
            horizon = min(horizon * 4, MAX_HORIZON_DAYS)
        return readings, problems

    def _sla_consumed_seconds(self, facts_by_key, now):
        """Return the business seconds each timer in ``facts_by_key`` consumed up to ``now``, by key."""
        self.ensure_one()
        if not facts_by_key:
            return {}
        start = from_seconds(min(facts.start for facts in facts_by_key.values())) - timedelta(seconds=1)
        schedule = self._sla_schedule(start, max(now, start))
        now_seconds = to_seconds(now)
        result = {}
        for key, facts in facts_by_key.items():
            until = facts.stop if facts.stop is not None else now_seconds
            result[key] = schedule.elapsed_excluding(facts.start, until, [p for p in facts.pauses if p[0] < until])
        return result
