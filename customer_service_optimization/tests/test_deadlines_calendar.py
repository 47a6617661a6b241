from datetime import timedelta

import pytz

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from . import common
from .common import utc

OFFICE = {day: [(9, 17)] for day in common.WEEKDAYS}
AROUND_THE_CLOCK = {day: [(0, 24)] for day in common.ALL_DAYS}


@tagged("post_install", "-at_install")
class TestDeadlinesCalendar(common.SlaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_cal = cls.env["helpdesk.ticket.team"].create({"name": "Calendar team"})
        cls.policy_cal = cls.env["cso.sla.policy"].create(
            {"name": "Calendar policy", "team_ids": [Command.set(cls.team_cal.ids)], "resolution_hours": 2}
        )

    def _deadline(self, calendar, start, hours=2):
        """Return the deadline of ``hours`` business hours for a ticket created at ``start`` on a team working ``calendar``."""
        self.policy_cal.resolution_hours = hours
        self.team_cal.resource_calendar_id = calendar
        ticket = self._create_ticket(start, team_id=self.team_cal.id)
        return self._timer(ticket, "resolution", policy=self.policy_cal).deadline

    def _local(self, moment, tz):
        return pytz.utc.localize(moment).astimezone(pytz.timezone(tz)).replace(tzinfo=None)

    def test_berlin_office_across_spring_forward(self):
        calendar = self._calendar("Berlin", "Europe/Berlin", OFFICE)

        # Friday 29 March 16:00 CET; clocks go forward on Sunday 31 March.
        deadline = self._deadline(calendar, utc(2024, 3, 29, 15, 0))

        self.assertEqual(deadline, utc(2024, 4, 1, 8, 0))
        self.assertEqual(self._local(deadline, "Europe/Berlin"), utc(2024, 4, 1, 10, 0))

    def test_berlin_office_across_fall_back(self):
        calendar = self._calendar("Berlin", "Europe/Berlin", OFFICE)

        # Friday 25 October 16:00 CEST; clocks go back on Sunday 27 October.
        deadline = self._deadline(calendar, utc(2024, 10, 25, 14, 0))

        self.assertEqual(deadline, utc(2024, 10, 28, 9, 0))
        self.assertEqual(self._local(deadline, "Europe/Berlin"), utc(2024, 10, 28, 10, 0))

    def test_berlin_around_the_clock_across_spring_forward(self):
        calendar = self._calendar("Berlin 24/7", "Europe/Berlin", AROUND_THE_CLOCK)
        start = utc(2024, 3, 30, 11, 0)  # Saturday 12:00 CET

        deadline = self._deadline(calendar, start, hours=24)

        # The Sunday has 23 hours, so 24 business hours end at 13:00 local.
        self.assertEqual(deadline, start + timedelta(hours=24))
        self.assertEqual(self._local(deadline, "Europe/Berlin"), utc(2024, 3, 31, 13, 0))

    def test_berlin_around_the_clock_across_fall_back(self):
        calendar = self._calendar("Berlin 24/7", "Europe/Berlin", AROUND_THE_CLOCK)
        start = utc(2024, 10, 26, 10, 0)  # Saturday 12:00 CEST

        deadline = self._deadline(calendar, start, hours=24)

        self.assertEqual(deadline, start + timedelta(hours=24))
        self.assertEqual(self._local(deadline, "Europe/Berlin"), utc(2024, 10, 27, 11, 0))

    def test_new_york_office_across_spring_forward(self):
        calendar = self._calendar("New York", "America/New_York", OFFICE)

        # Friday 8 March 16:00 EST; clocks go forward on Sunday 10 March.
        deadline = self._deadline(calendar, utc(2024, 3, 8, 21, 0))

        self.assertEqual(deadline, utc(2024, 3, 11, 14, 0))
        self.assertEqual(self._local(deadline, "America/New_York"), utc(2024, 3, 11, 10, 0))

    def test_new_york_office_across_fall_back(self):
        calendar = self._calendar("New York", "America/New_York", OFFICE)

        # Friday 1 November 16:00 EDT; clocks go back on Sunday 3 November.
        deadline = self._deadline(calendar, utc(2024, 11, 1, 20, 0))

        self.assertEqual(deadline, utc(2024, 11, 4, 15, 0))
        self.assertEqual(self._local(deadline, "America/New_York"), utc(2024, 11, 4, 10, 0))

    def test_sydney_office_across_fall_back(self):
        calendar = self._calendar("Sydney", "Australia/Sydney", OFFICE)

        # Friday 5 April 16:00 AEDT; clocks go back on Sunday 7 April.
        deadline = self._deadline(calendar, utc(2024, 4, 5, 5, 0))

        self.assertEqual(deadline, utc(2024, 4, 8, 0, 0))
        self.assertEqual(self._local(deadline, "Australia/Sydney"), utc(2024, 4, 8, 10, 0))

    def test_sydney_office_across_spring_forward(self):
        calendar = self._calendar("Sydney", "Australia/Sydney", OFFICE)

        # Friday 4 October 16:00 AEST; clocks go forward on Sunday 6 October.
        deadline = self._deadline(calendar, utc(2024, 10, 4, 6, 0))

        self.assertEqual(deadline, utc(2024, 10, 6, 23, 0))
        self.assertEqual(self._local(deadline, "Australia/Sydney"), utc(2024, 10, 7, 10, 0))

    def test_sydney_around_the_clock_across_fall_back(self):
        calendar = self._calendar("Sydney 24/7", "Australia/Sydney", AROUND_THE_CLOCK)
        start = utc(2024, 4, 6, 1, 0)  # Saturday 12:00 AEDT

        deadline = self._deadline(calendar, start, hours=24)

        # The Sunday has 25 hours, so 24 business hours end at 11:00 local.
        self.assertEqual(deadline, start + timedelta(hours=24))
        self.assertEqual(self._local(deadline, "Australia/Sydney"), utc(2024, 4, 7, 11, 0))

    def test_night_shift_crosses_midnight(self):
        nights = {day: [(22, 24)] for day in range(0, 5)}
        for day in range(1, 6):
            nights.setdefault(day, []).append((0, 6))
        calendar = self._calendar("Night shift", "America/New_York", nights)

        # Monday 23:00 EST: one hour before midnight, one after.
        deadline = self._deadline(calendar, utc(2024, 3, 5, 4, 0))

        self.assertEqual(deadline, utc(2024, 3, 5, 6, 0))
        self.assertEqual(self._local(deadline, "America/New_York"), utc(2024, 3, 5, 1, 0))

    def test_night_shift_across_fall_back(self):
        calendar = self._calendar("Weekend nights", "America/New_York", {5: [(22, 24)], 6: [(0, 6)]})
        start = utc(2024, 11, 3, 3, 0)  # Saturday 23:00 EDT

        deadline = self._deadline(calendar, start, hours=8)

        # The Sunday shift 00:00-06:00 lasts seven hours when clocks go back, so
        # one hour on Saturday and seven on Sunday reach eight at 06:00 EST.
        self.assertEqual(deadline, utc(2024, 11, 3, 11, 0))
        self.assertEqual(self._local(deadline, "America/New_York"), utc(2024, 11, 3, 6, 0))

    def test_night_shift_two_hours_across_fall_back(self):
        calendar = self._calendar("Weekend nights", "America/New_York", {5: [(22, 24)], 6: [(0, 6)]})
        start = utc(2024, 11, 3, 3, 0)  # Saturday 23:00 EDT

        deadline = self._deadline(calendar, start)

        # Two elapsed hours after 23:00 EDT is 00:00 EDT plus one hour: 01:00 EDT.
        self.assertEqual(deadline, start + timedelta(hours=2))

    def test_around_the_clock_has_no_gap_at_midnight(self):
        calendar = self._calendar("UTC 24/7", "UTC", AROUND_THE_CLOCK)
        start = utc(2024, 3, 4, 23, 30)

        self.assertEqual(self._deadline(calendar, start, hours=24), start + timedelta(hours=24))

    def test_calendar_holiday_is_skipped(self):
        calendar = self._calendar("Berlin", "Europe/Berlin", OFFICE)
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Easter Monday",
                "calendar_id": calendar.id,
                "date_from": utc(2024, 3, 31, 22, 0),
                "date_to": utc(2024, 4, 1, 22, 0),
            }
        )

        deadline = self._deadline(calendar, utc(2024, 3, 29, 15, 0))

        self.assertEqual(self._local(deadline, "Europe/Berlin"), utc(2024, 4, 2, 10, 0))

    def test_company_holiday_without_calendar_is_skipped(self):
        calendar = self._calendar("Berlin", "Europe/Berlin", OFFICE)
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Company day off",
                "calendar_id": False,
                "company_id": self.company.id,
                "date_from": utc(2024, 3, 31, 22, 0),
                "date_to": utc(2024, 4, 1, 22, 0),
            }
        )

        deadline = self._deadline(calendar, utc(2024, 3, 29, 15, 0))

        self.assertEqual(self._local(deadline, "Europe/Berlin"), utc(2024, 4, 2, 10, 0))

    def test_long_target_beyond_first_expansion(self):
        calendar = self._calendar("One hour a week", "UTC", {0: [(9, 10)]})
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Ten weeks off",
                "calendar_id": calendar.id,
                "date_from": utc(2024, 3, 11, 0, 0),
                "date_to": utc(2024, 5, 19, 0, 0),
            }
        )

        deadline = self._deadline(calendar, utc(2024, 3, 4, 9, 0), hours=30)

        # Thirty one-hour Mondays, ten of them on leave: the 30th working Monday
        # is 39 weeks after the first, beyond the first period that is expanded.
        self.assertEqual(deadline, utc(2024, 3, 4, 10, 0) + timedelta(weeks=39))

    def test_calendar_without_working_time_reports_problem(self):
        calendar = self._calendar("Empty", "UTC", {})

        ticket = self._create_ticket(utc(2024, 3, 4, 9, 0), team_id=self.team_cal.id)
        self.team_cal.resource_calendar_id = calendar

        timer = self._timer(ticket, "resolution", policy=self.policy_cal)
        self.assertFalse(timer.deadline)
        self.assertIn("Empty", timer.problem)
        self.assertIn("add working time", timer.problem)
        self.assertTrue(self._events(timer, "problem"))

    def test_team_without_calendar_uses_company_hours(self):
        policy = self.env["cso.sla.policy"].create(
            {"name": "Team B", "team_ids": [Command.set(self.team_b.ids)], "resolution_hours": 2}
        )

        ticket = self._create_ticket(utc(2024, 3, 4, 11, 0), team_id=self.team_b.id)

        timer = self._timer(ticket, "resolution", policy=policy)
        self.assertEqual(timer.calendar_id, self.company.resource_calendar_id)
        # Company hours 08-12 and 13-17 UTC: one hour before lunch, one after.
        self.assertEqual(timer.deadline, utc(2024, 3, 4, 14, 0))

    def test_ticket_without_team_uses_company_hours(self):
        policy = self.env["cso.sla.policy"].create({"name": "Everyone", "resolution_hours": 1})

        ticket = self._create_ticket(utc(2024, 3, 4, 11, 30), team_id=False)

        timer = self._timer(ticket, "resolution", policy=policy)
        self.assertEqual(timer.calendar_id, self.company.resource_calendar_id)
        self.assertEqual(timer.deadline, utc(2024, 3, 4, 13, 30))

    def test_policy_calendar_overrides_team(self):
        calendar = self._calendar("UTC 24/7", "UTC", AROUND_THE_CLOCK)
        self.policy_cal.resource_calendar_id = calendar

        ticket = self._create_ticket(utc(2024, 3, 9, 10, 0), team_id=self.team_cal.id)

        self.assertEqual(self._timer(ticket, "resolution", policy=self.policy_cal).deadline, utc(2024, 3, 9, 12, 0))

    def test_company_without_calendar_rejects_policy(self):
        company = self.env["res.company"].create({"name": "No Hours Ltd"})
        company.resource_calendar_id = False

        with self.assertRaisesRegex(ValidationError, "No Hours Ltd"):
            self.env["cso.sla.policy"].create({"name": "No hours", "company_id": company.id, "resolution_hours": 4})

    def test_company_calendar_removed_later_gives_problem_not_crash(self):
        company = self.env["res.company"].create({"name": "Hours Removed Ltd"})
        policy = self.env["cso.sla.policy"].create({"name": "Later", "company_id": company.id, "resolution_hours": 4})
        company.resource_calendar_id = False

        ticket = (
            self.env["helpdesk.ticket"]
            .with_company(company)
            .create({"name": "Question", "description": "Hello", "company_id": company.id})
        )

        timer = self._timer(ticket, "resolution", policy=policy)
        self.assertFalse(timer.deadline)
        self.assertIn("Hours Removed Ltd", timer.problem)
        self.assertIn("Hours Removed Ltd", policy.configuration_warning)
