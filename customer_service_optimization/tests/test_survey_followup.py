from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from . import survey_common
from .common import utc
from .survey_common import MONDAY_9

# Friday 8 March 2024, 16:00 in Berlin: one business hour is left that day.
FRIDAY_16 = utc(2024, 3, 8, 15, 0)


@tagged("post_install", "-at_install")
class TestSurveyFollowup(survey_common.SurveyCase):
    def _low_answer(self, score=1, at=FRIDAY_16, **values):
        survey = self._closed_and_sent(MONDAY_9, user_id=self.agent.id)
        self._answer(survey, score, at=at, comment="Nobody called me back.", **values)
        return survey

    def test_low_score_schedules_leader_followup_within_business_day(self):
        survey = self._low_answer()

        activity = survey.followup_activity_id
        self.assertEqual(survey.followup_state, "open")
        self.assertEqual(survey.followup_user_id, self.leader)
        self.assertEqual(activity.user_id, self.leader)
        self.assertEqual(activity.res_id, survey.ticket_id.id)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("customer_service_optimization.mail_activity_type_cso_survey_followup"),
        )
        # One business day of 8 hours: Friday 16:00-17:00, then Monday 09:00-16:00 in Berlin.
        self.assertEqual(survey.followup_deadline, utc(2024, 3, 11, 15, 0))
        self.assertEqual(str(activity.date_deadline), "2024-03-11")
        self.assertIn("Nobody called me back.", activity.note)

    def test_low_score_posts_answer_and_notifies_agent(self):
        survey = self._low_answer(reason=self.reason_slow)

        note = survey.ticket_id.message_ids.filtered(lambda message: "Satisfaction survey answered" in message.body)
        self.assertEqual(len(note), 1)
        self.assertIn("Nobody called me back.", note.body)
        self.assertIn(self.reason_slow.name, note.body)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertIn(self.agent.partner_id, note.partner_ids)

    def test_high_score_has_no_followup(self):
        survey = self._closed_and_sent(MONDAY_9, user_id=self.agent.id)

        self._answer(survey, 4, at=FRIDAY_16)

        self.assertFalse(survey.followup_state)
        self.assertFalse(survey.is_low_score)
        self.assertFalse(survey.ticket_id.activity_ids)
        note = survey.ticket_id.message_ids.filtered(lambda message: "Satisfaction survey answered" in message.body)
        self.assertNotIn(self.agent.partner_id, note.partner_ids)

    def test_threshold_is_per_team(self):
        self.team_a.survey_low_score_threshold = 3
        survey = self._closed_and_sent(MONDAY_9)

        self._answer(survey, 3, at=FRIDAY_16)

        self.assertTrue(survey.is_low_score)
        self.assertEqual(survey.followup_state, "open")

    def test_low_score_reopens_ticket_when_team_asks(self):
        self.team_a.survey_low_score_action = "reopen"

        survey = self._low_answer()

        self.assertFalse(survey.ticket_id.stage_id.closed)

    def test_low_score_opens_recovery_ticket_when_team_asks(self):
        self.team_a.survey_low_score_action = "recovery"

        survey = self._low_answer()

        recovery = survey.recovery_ticket_id
        self.assertTrue(recovery)
        self.assertEqual(recovery.survey_origin_ticket_id, survey.ticket_id)
        self.assertEqual(recovery.partner_id, self.customer_contact)
        self.assertEqual(recovery.user_id, self.leader)
        self.assertFalse(recovery.stage_id.closed)
        self.assertTrue(survey.ticket_id.stage_id.closed, "the original ticket stays closed")

    def test_followup_outcomes_close_the_activity(self):
        for outcome in ("contacted", "resolved", "unreachable"):
            with self.subTest(outcome=outcome):
                survey = self._low_answer()
                ticket = survey.ticket_id
                survey.with_user(self.leader).followup_note = "Called at 10:00."

                getattr(survey.with_user(self.leader), f"action_followup_{outcome}")()

                self.assertEqual(survey.followup_state, outcome)
                self.assertTrue(survey.followup_done_at)
                self.assertFalse(ticket.activity_ids)
                done = ticket.message_ids.filtered(lambda message: "Follow-up outcome" in (message.body or ""))
                self.assertTrue(done)
                self.assertIn("Called at 10:00.", done[0].body)
                self.customer_contact.invalidate_recordset()
                # The next ticket of this loop needs a fresh cooldown.
                survey.sudo().sent_at = utc(2023, 1, 1)

    def test_contacted_then_resolved(self):
        survey = self._low_answer()

        survey.with_user(self.leader).action_followup_contacted()
        survey.with_user(self.leader).action_followup_resolved()

        self.assertEqual(survey.followup_state, "resolved")

    def test_only_leader_or_manager_records_outcome(self):
        survey = self._low_answer()

        with self.assertRaises(AccessError):
            survey.with_user(self.agent).action_followup_resolved()
        survey.with_user(self.manager).action_followup_resolved()
        self.assertEqual(survey.followup_state, "resolved")

    def test_outcome_needs_a_followup(self):
        survey = self._closed_and_sent(MONDAY_9)
        self._answer(survey, 5)

        with self.assertRaises(UserError):
            survey.action_followup_resolved()

    def test_answers_cannot_be_edited(self):
        survey = self._low_answer()

        with self.assertRaises(AccessError):
            survey.with_user(self.leader).write({"score": "5"})
        with self.assertRaises(AccessError):
            survey.with_user(self.manager).write({"comment": "All good"})

    def test_resolved_followup_allows_new_survey_after_reopening(self):
        self.team_a.survey_low_score_action = "reopen"
        survey = self._low_answer()
        ticket = survey.ticket_id
        survey.with_user(self.leader).action_followup_resolved()

        self._close(ticket, utc(2024, 3, 11, 10, 0))

        second = ticket.survey_ids - survey
        self.assertEqual(second.state, "scheduled", "neither the cooldown nor the resurvey rule applies")
        self.assertEqual(self._send_due(utc(2024, 3, 11, 10, 0)), second)

    def test_unresolved_followup_keeps_rules(self):
        self.team_a.survey_low_score_action = "reopen"
        survey = self._low_answer()
        ticket = survey.ticket_id
        survey.with_user(self.leader).action_followup_unreachable()

        self._close(ticket, utc(2024, 3, 11, 10, 0))

        self.assertEqual((ticket.survey_ids - survey).skip_reason, "already_surveyed")

    def test_resolved_recovery_ticket_gets_survey(self):
        self.team_a.survey_low_score_action = "recovery"
        survey = self._low_answer()
        survey.with_user(self.leader).action_followup_resolved()
        recovery = survey.recovery_ticket_id

        self._close(recovery, utc(2024, 3, 11, 10, 0))

        self.assertEqual(self._send_due(utc(2024, 3, 11, 10, 0)), recovery.survey_ids)

    def test_customer_context_on_ticket_form(self):
        survey = self._low_answer()
        current = self._create_ticket(utc(2024, 3, 12, 8, 0), name="Scanner is offline")

        self.assertEqual(current.survey_contact_ticket_ids, survey.ticket_id)
        self.assertEqual(current.survey_contact_ticket_count, 1)
        self.assertEqual(current.survey_contact_answer_ids, survey)
        self.assertEqual(current.customer_tier_id, self.tier_standard)
        self.assertEqual(survey.ticket_id.survey_last_score, "1")
