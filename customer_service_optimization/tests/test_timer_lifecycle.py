from odoo import Command
from odoo.tests import tagged

from . import common
from .common import utc

# Monday 4 March 2024, 09:00 in Berlin.
MONDAY_9 = utc(2024, 3, 4, 8, 0)


@tagged("post_install", "-at_install")
class TestTimerLifecycle(common.SlaCase):
    def test_new_ticket_gets_business_hour_deadlines(self):
        ticket = self._create_ticket(MONDAY_9)

        first = self._timer(ticket, "first_response")
        resolution = self._timer(ticket, "resolution")
        self.assertEqual(first.calendar_id, self.berlin)
        self.assertEqual(first.start_at, MONDAY_9)
        self.assertEqual(first.deadline, utc(2024, 3, 4, 12, 0))
        self.assertEqual(first.warning_at, utc(2024, 3, 4, 11, 12))
        self.assertEqual(resolution.deadline, utc(2024, 3, 5, 16, 0))
        self.assertEqual(first.state, "running")
        with self._at(utc(2024, 3, 4, 10, 0)):
            ticket.invalidate_recordset(["sla_state", "sla_deadline"])
            self.assertEqual(ticket.sla_deadline, first.deadline)
            self.assertEqual(ticket.sla_state, "running")

    def test_ticket_after_hours_waits_for_next_working_day(self):
        ticket = self._create_ticket(utc(2024, 3, 8, 15, 0))  # Friday 16:00 in Berlin

        self.assertEqual(self._timer(ticket, "first_response").deadline, utc(2024, 3, 11, 11, 0))

    def test_live_hours_count_business_time(self):
        ticket = self._create_ticket(MONDAY_9)
        timer = self._timer(ticket, "resolution")

        with self._at(utc(2024, 3, 4, 18, 0)):
            timer.invalidate_recordset(["consumed_hours", "remaining_hours"])
            self.assertAlmostEqual(timer.consumed_hours, 8.0)
            self.assertAlmostEqual(timer.remaining_hours, 8.0)

    def test_agent_message_achieves_first_response(self):
        ticket = self._create_ticket(MONDAY_9)

        self._agent_reply(ticket, utc(2024, 3, 4, 9, 30))

        first = self._timer(ticket, "first_response")
        self.assertEqual(first.state, "achieved")
        self.assertEqual(first.stop_at, utc(2024, 3, 4, 9, 30))
        self.assertAlmostEqual(first.duration_hours, 1.5)
        self.assertEqual(ticket.sla_first_response_at, utc(2024, 3, 4, 9, 30))
        self.assertEqual(self._timer(ticket, "resolution").state, "running")

    def test_internal_note_is_no_response(self):
        ticket = self._create_ticket(MONDAY_9)

        self._internal_note(ticket, utc(2024, 3, 4, 9, 0))

        self.assertFalse(self._timer(ticket, "first_response").stop_at)
        self.assertFalse(ticket.sla_first_response_at)

    def test_stage_change_is_no_response(self):
        ticket = self._create_ticket(MONDAY_9)

        self._write(ticket, utc(2024, 3, 4, 9, 0), stage_id=self.stage_progress.id)

        self.assertFalse(self._timer(ticket, "first_response").stop_at)

    def test_customer_message_is_no_response(self):
        ticket = self._create_ticket(MONDAY_9)

        self._customer_reply(ticket, utc(2024, 3, 4, 9, 0))

        self.assertFalse(self._timer(ticket, "first_response").stop_at)
        self.assertFalse(ticket.sla_timer_ids.filtered(lambda timer: timer.kind == "next_response"))

    def test_acknowledgement_is_no_response(self):
        ticket = self._create_ticket(MONDAY_9)

        self.assertTrue(ticket.message_ids.filtered(lambda message: message.message_type == "auto_comment"))
        self.assertFalse(self._timer(ticket, "first_response").stop_at)

    def test_customer_reply_starts_next_response(self):
        ticket = self._create_ticket(MONDAY_9)
        self._agent_reply(ticket, utc(2024, 3, 4, 9, 0))

        self._customer_reply(ticket, utc(2024, 3, 4, 10, 0))

        next_response = self._timer(ticket, "next_response", cycle=1)
        self.assertEqual(next_response.start_at, utc(2024, 3, 4, 10, 0))
        self.assertEqual(next_response.deadline, utc(2024, 3, 4, 12, 0))
        self.assertEqual(next_response.state, "running")

    def test_second_customer_message_keeps_running_next_response(self):
        ticket = self._create_ticket(MONDAY_9)
        self._agent_reply(ticket, utc(2024, 3, 4, 9, 0))
        self._customer_reply(ticket, utc(2024, 3, 4, 10, 0))

        self._customer_reply(ticket, utc(2024, 3, 4, 10, 30))

        self.assertEqual(self._timer(ticket, "next_response").start_at, utc(2024, 3, 4, 10, 0))

    def test_next_response_cycles(self):
        ticket = self._create_ticket(MONDAY_9)
        self._agent_reply(ticket, utc(2024, 3, 4, 9, 0))
        self._customer_reply(ticket, utc(2024, 3, 4, 10, 0))

        self._agent_reply(ticket, utc(2024, 3, 4, 11, 0))
        self._customer_reply(ticket, utc(2024, 3, 4, 13, 0))

        first_cycle = self._timer(ticket, "next_response", cycle=1)
        second_cycle = self._timer(ticket, "next_response", cycle=2)
        self.assertEqual(first_cycle.state, "achieved")
        self.assertAlmostEqual(first_cycle.duration_hours, 1.0)
        self.assertEqual(second_cycle.state, "running")
        self.assertEqual(second_cycle.deadline, utc(2024, 3, 4, 15, 0))

    def test_concurrent_next_response_cycle_skipped(self):
        ticket = self._create_ticket(MONDAY_9)
        values = {
            "ticket_id": ticket.id,
            "policy_id": self.policy.id,
            "kind": "next_response",
            "cycle": 1,
            "start_at": utc(2024, 3, 4, 10, 0),
            "target_hours": 2,
        }
        timers = self.env["cso.sla.timer"]
        first = timers._create_next_response_timers([values])

        # Another transaction created the same cycle first: the unique constraint rejects it.
        second = timers._create_next_response_timers([values])

        self.assertEqual(len(first), 1)
        self.assertFalse(second)
        self.assertEqual(ticket.sla_timer_ids.filtered(lambda timer: timer.kind == "next_response"), first)

    def test_pausing_stage_holds_clock(self):
        ticket = self._create_ticket(MONDAY_9)

        self._write(ticket, utc(2024, 3, 4, 10, 0), stage_id=self.stage_waiting.id)

        resolution = self._timer(ticket, "resolution")
        self.assertEqual(resolution.state, "paused")
        self.assertFalse(resolution.deadline)
        with self._at(utc(2024, 3, 4, 10, 0)):
            ticket.invalidate_recordset(["sla_state"])
            self.assertEqual(ticket.sla_state, "paused")
        pause = ticket.sla_pause_ids
        self.assertEqual(pause.start_at, utc(2024, 3, 4, 10, 0))
        self.assertFalse(pause.end_at)
        self.assertEqual(pause.stage_id, self.stage_waiting)
        self.assertEqual(resolution.pause_ids, pause)

    def test_resume_moves_deadline_by_paused_time(self):
        ticket = self._create_ticket(MONDAY_9)
        self._write(ticket, utc(2024, 3, 4, 10, 0), stage_id=self.stage_waiting.id)

        self._write(ticket, utc(2024, 3, 5, 8, 0), stage_id=self.stage_progress.id)

        # Two hours used on Monday, fourteen left from Tuesday 09:00 local.
        resolution = self._timer(ticket, "resolution")
        self.assertEqual(resolution.state, "running")
        self.assertEqual(resolution.deadline, utc(2024, 3, 6, 14, 0))
        self.assertEqual(self._timer(ticket, "first_response").deadline, utc(2024, 3, 5, 10, 0))
        self.assertEqual(ticket.sla_pause_ids.end_at, utc(2024, 3, 5, 8, 0))
        self.assertEqual(self._events(resolution, "pause").stage_id, self.stage_waiting)
        self.assertEqual(self._events(resolution, "resume").stage_id, self.stage_progress)

    def test_closing_stage_achieves_timers(self):
        ticket = self._create_ticket(MONDAY_9)

        self._write(ticket, utc(2024, 3, 4, 12, 0), stage_id=self.stage_done.id)

        resolution = self._timer(ticket, "resolution")
        self.assertEqual(resolution.state, "achieved")
        self.assertEqual(resolution.stop_at, utc(2024, 3, 4, 12, 0))
        self.assertAlmostEqual(resolution.duration_hours, 4.0)
        self.assertEqual(self._timer(ticket, "first_response").state, "achieved")
        self.assertEqual(ticket.sla_state, "achieved")

    def test_closing_read_from_closed_flag_not_sequence(self):
        early_closing = self.env["helpdesk.ticket.stage"].create({"name": "Solved", "sequence": 0, "closed": True})
        late_open = self.env["helpdesk.ticket.stage"].create({"name": "Escalated", "sequence": 99})
        ticket = self._create_ticket(MONDAY_9)

        self._write(ticket, utc(2024, 3, 4, 9, 0), stage_id=late_open.id)
        self.assertFalse(self._timer(ticket, "resolution").stop_at)

        self._write(ticket, utc(2024, 3, 4, 10, 0), stage_id=early_closing.id)
        self.assertEqual(self._timer(ticket, "resolution").stop_at, utc(2024, 3, 4, 10, 0))

    def test_reopen_resumes_resolution(self):
        ticket = self._create_ticket(MONDAY_9)
        self._write(ticket, utc(2024, 3, 4, 12, 0), stage_id=self.stage_done.id)

        self._write(ticket, utc(2024, 3, 5, 8, 0), stage_id=self.stage_progress.id)

        # Four hours used before closing, twelve left: Tuesday and half of Wednesday.
        resolution = self._timer(ticket, "resolution")
        self.assertEqual(resolution.state, "running")
        self.assertFalse(resolution.stop_at)
        self.assertEqual(resolution.deadline, utc(2024, 3, 6, 12, 0))
        self.assertTrue(self._events(resolution, "reopen"))
        self.assertEqual(self._timer(ticket, "first_response").state, "achieved")
        closed_pause = ticket.sla_pause_ids.filtered(lambda pause: pause.reason == "closed")
        self.assertEqual((closed_pause.start_at, closed_pause.end_at), (utc(2024, 3, 4, 12, 0), utc(2024, 3, 5, 8, 0)))

    def test_reopen_keeps_breach(self):
        ticket = self._create_ticket(MONDAY_9)
        self._write(ticket, utc(2024, 3, 6, 12, 0), stage_id=self.stage_done.id)
        self.assertEqual(self._timer(ticket, "resolution").state, "breached")

        self._write(ticket, utc(2024, 3, 6, 13, 0), stage_id=self.stage_progress.id)

        resolution = self._timer(ticket, "resolution")
        self.assertEqual(resolution.state, "breached")
        self.assertFalse(resolution.stop_at)

    def test_priority_change_adds_policy_timers(self):
        urgent = self.env["cso.sla.policy"].create(
            {"name": "Urgent", "team_ids": [Command.set(self.team_a.ids)], "priority": "3", "resolution_hours": 3}
        )
        ticket = self._create_ticket(MONDAY_9)
        self.assertFalse(ticket.sla_timer_ids.filtered(lambda timer: timer.policy_id == urgent))

        self._write(ticket, utc(2024, 3, 4, 9, 0), priority="3")

        urgent_timer = self._timer(ticket, "resolution", policy=urgent)
        self.assertEqual(urgent_timer.start_at, MONDAY_9)
        self.assertEqual(urgent_timer.deadline, utc(2024, 3, 4, 11, 0))
        self.assertEqual(self._timer(ticket, "resolution", policy=self.policy).state, "running")

    def test_priority_change_back_removes_running_timers(self):
        urgent = self.env["cso.sla.policy"].create(
            {"name": "Urgent", "team_ids": [Command.set(self.team_a.ids)], "priority": "3", "resolution_hours": 3}
        )
        ticket = self._create_ticket(MONDAY_9, priority="3")

        self._write(ticket, utc(2024, 3, 4, 9, 0), priority="1")

        self.assertFalse(ticket.sla_timer_ids.filtered(lambda timer: timer.policy_id == urgent))

    def test_breached_timer_survives_policy_removal(self):
        urgent = self.env["cso.sla.policy"].create(
            {"name": "Urgent", "team_ids": [Command.set(self.team_a.ids)], "priority": "3", "resolution_hours": 1}
        )
        ticket = self._create_ticket(MONDAY_9, priority="3")
        self._run_cron(utc(2024, 3, 4, 9, 30))

        self._write(ticket, utc(2024, 3, 4, 10, 0), priority="1")

        breached_timer = self._timer(ticket, "resolution", policy=urgent)
        self.assertEqual(breached_timer.state, "breached")
        self.assertEqual(breached_timer.stop_at, utc(2024, 3, 4, 10, 0))
        self.assertTrue(self._events(breached_timer, "policy_removed"))

    def test_breached_and_achieved_keep_outcome_through_recompute(self):
        ticket = self._create_ticket(MONDAY_9)
        self._agent_reply(ticket, utc(2024, 3, 4, 9, 0))
        self._run_cron(utc(2024, 3, 6, 9, 0))
        first, resolution = self._timer(ticket, "first_response"), self._timer(ticket, "resolution")
        self.assertEqual((first.state, resolution.state), ("achieved", "breached"))
        deadline = resolution.deadline

        with self._at(utc(2024, 3, 6, 10, 0)):
            self.team_a.resource_calendar_id = self._calendar(
                "Around the clock", "UTC", {day: [(0, 24)] for day in common.ALL_DAYS}
            )
            ticket.priority = "2"

        self.assertEqual((first.state, resolution.state), ("achieved", "breached"))
        self.assertEqual(resolution.deadline, deadline)

    def test_team_calendar_change_recomputes_deadline(self):
        ticket = self._create_ticket(MONDAY_9)
        around_the_clock = self._calendar("Around the clock", "UTC", {day: [(0, 24)] for day in common.ALL_DAYS})

        with self._at(utc(2024, 3, 4, 9, 0)):
            self.team_a.resource_calendar_id = around_the_clock

        resolution = self._timer(ticket, "resolution")
        self.assertEqual(resolution.calendar_id, around_the_clock)
        self.assertEqual(resolution.deadline, utc(2024, 3, 5, 0, 0))
        recompute = self._events(resolution, "recompute")
        self.assertTrue(recompute)
        self.assertIn("Team A", recompute.note)

    def test_attendance_change_recomputes_deadline(self):
        ticket = self._create_ticket(MONDAY_9)

        with self._at(utc(2024, 3, 4, 9, 0)):
            tuesday = self.berlin.attendance_ids.filtered(lambda attendance: attendance.dayofweek == "1")
            tuesday.hour_to = 13

        # Monday 8 hours, Tuesday now 4 hours, so the last 4 hours fall on Wednesday.
        self.assertEqual(self._timer(ticket, "resolution").deadline, utc(2024, 3, 6, 12, 0))

    def test_holiday_moves_deadline(self):
        ticket = self._create_ticket(MONDAY_9)

        with self._at(utc(2024, 3, 4, 9, 0)):
            self.env["resource.calendar.leaves"].create(
                {
                    "name": "Local holiday",
                    "calendar_id": self.berlin.id,
                    "date_from": utc(2024, 3, 4, 23, 0),
                    "date_to": utc(2024, 3, 5, 23, 0),
                }
            )

        self.assertEqual(self._timer(ticket, "resolution").deadline, utc(2024, 3, 6, 16, 0))

    def test_policy_target_change_recomputes_deadline(self):
        ticket = self._create_ticket(MONDAY_9)

        with self._at(utc(2024, 3, 4, 9, 0)):
            self.policy.resolution_hours = 8

        resolution = self._timer(ticket, "resolution")
        self.assertEqual(resolution.target_hours, 8)
        self.assertEqual(resolution.deadline, utc(2024, 3, 4, 16, 0))

    def test_policy_target_removed_drops_running_timer(self):
        ticket = self._create_ticket(MONDAY_9)

        with self._at(utc(2024, 3, 4, 9, 0)):
            self.policy.first_response_hours = 0

        self.assertFalse(ticket.sla_timer_ids.filtered(lambda timer: timer.kind == "first_response"))

    def test_explanation_records_holders(self):
        ticket = self._create_ticket(MONDAY_9)

        self._write(ticket, utc(2024, 3, 4, 9, 0), user_id=self.agent.id)
        self._write(ticket, utc(2024, 3, 4, 10, 0), stage_id=self.stage_progress.id)

        resolution = self._timer(ticket, "resolution")
        start = self._events(resolution, "start")
        self.assertEqual((start.at, start.stage_id), (MONDAY_9, self.stage_new))
        self.assertEqual(self._events(resolution, "assign").user_id, self.agent)
        stage = self._events(resolution, "stage")
        self.assertEqual(
            (stage.at, stage.stage_id, stage.user_id), (utc(2024, 3, 4, 10, 0), self.stage_progress, self.agent)
        )

    def test_imported_ticket_starts_at_given_moment(self):
        with self._at(utc(2024, 3, 6, 9, 0)):
            ticket = self.env["helpdesk.ticket"].create(
                {
                    "name": "Imported",
                    "description": "From the old system",
                    "team_id": self.team_a.id,
                    "sla_start_at": MONDAY_9,
                }
            )

        self.assertEqual(self._timer(ticket, "resolution").deadline, utc(2024, 3, 5, 16, 0))
        self.assertEqual(self._timer(ticket, "resolution").state, "breached")
