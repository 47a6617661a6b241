from datetime import timedelta

from psycopg2.errors import UniqueViolation

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.customer_service_optimization.logic.survey_rules import is_sampled, sample_key

from . import survey_common
from .common import utc
from .survey_common import MONDAY_9


@tagged("post_install", "-at_install")
class TestSurveySending(survey_common.SurveyCase):
    def test_closing_sends_survey_after_delay(self):
        self.team_a.survey_delay_hours = 2
        ticket = self._create_ticket(MONDAY_9)
        self._close(ticket, utc(2024, 3, 4, 10, 0))

        survey = ticket.survey_ids
        self.assertEqual(survey.state, "scheduled")
        self.assertEqual(survey.scheduled_at, utc(2024, 3, 4, 12, 0))
        self.assertFalse(self._send_due(utc(2024, 3, 4, 11, 59)))
        self.assertEqual(self._send_due(utc(2024, 3, 4, 12, 0)), survey)
        self.assertEqual(survey.state, "sent")
        self.assertEqual(survey.expires_at, utc(2024, 4, 3, 12, 0))
        self.assertEqual(survey.partner_id, self.customer_contact)
        self.assertRegex(survey.sudo().token_digest, r"^[0-9a-f]{64}$")

    def test_email_goes_to_contact_only_with_five_links(self):
        ticket = self._create_ticket(MONDAY_9)
        ticket.message_subscribe(partner_ids=[self.gold_customer.id, self.customer.id])

        self._close(ticket, utc(2024, 3, 4, 10, 0))
        survey = self._send_due(utc(2024, 3, 4, 10, 0))

        mail = self._survey_mail(survey)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer_contact)
        self.assertFalse(mail.email_cc)
        links = self._links(survey)
        self.assertEqual(sorted(key for key in links if key != "optout"), [1, 2, 3, 4, 5])
        self.assertIn("optout", links)
        token = links[5].split("/")[3].split("?")[0]
        self.assertGreaterEqual(len(token), 43, "a token carries at least 256 bits")
        self.assertNotIn(token, survey.sudo().token_digest)

    def test_email_in_contact_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer_contact.lang = "fr_FR"
        template = self.env.ref("customer_service_optimization.mail_template_cso_survey")
        template.with_context(lang="fr_FR").subject = "Votre avis sur {{ object.ticket_id.number }}"
        ticket = self._create_ticket(MONDAY_9)

        self._close(ticket, utc(2024, 3, 4, 10, 0))
        survey = self._send_due(utc(2024, 3, 4, 10, 0))

        self.assertEqual(self._survey_mail(survey).subject, f"Votre avis sur {ticket.number}")

    def test_stage_not_selected_sends_nothing(self):
        self.team_a.survey_stage_ids = self.stage_done
        ticket = self._create_ticket(MONDAY_9)

        self._close(ticket, utc(2024, 3, 4, 10, 0), stage=self.stage_cancelled)

        self.assertFalse(ticket.survey_ids)
        self.assertEqual(ticket.survey_closing_count, 1)

    def test_team_switched_off_sends_nothing(self):
        self.team_a.survey_enabled = False
        ticket = self._create_ticket(MONDAY_9)

        self._close(ticket, utc(2024, 3, 4, 10, 0))

        self.assertFalse(ticket.survey_ids)

    def test_cooldown_skips_recent_contact(self):
        self._closed_and_sent()
        second = self._create_ticket(utc(2024, 3, 14, 8, 0), name="Scanner is offline")
        self._close(second, utc(2024, 3, 14, 9, 0))

        self.assertEqual(second.survey_ids.state, "skipped")
        self.assertEqual(second.survey_ids.skip_reason, "cooldown")

        third = self._create_ticket(utc(2024, 4, 4, 8, 0), name="Fax is offline")
        self._close(third, utc(2024, 4, 4, 9, 0))
        self.assertEqual(self._send_due(utc(2024, 4, 4, 9, 0)), third.survey_ids)

    def test_cooldown_counts_other_teams(self):
        self.team_b.write({"survey_enabled": True, "survey_delay_hours": 0, "survey_cooldown_days": 30})
        self._closed_and_sent()
        other = self._create_ticket(utc(2024, 3, 5, 8, 0), team_id=self.team_b.id)

        self._close(other, utc(2024, 3, 5, 9, 0))

        self.assertEqual(other.survey_ids.skip_reason, "cooldown")

    def test_same_contact_twice_in_one_run_gets_one(self):
        self.team_a.survey_delay_hours = 1
        first = self._create_ticket(MONDAY_9)
        second = self._create_ticket(MONDAY_9, name="Scanner is offline")
        self._close(first, utc(2024, 3, 4, 9, 0))
        self._close(second, utc(2024, 3, 4, 9, 0))

        sent = self._send_due(utc(2024, 3, 4, 10, 0))

        self.assertEqual(len(sent), 1)
        skipped = (first | second).survey_ids - sent
        self.assertEqual(skipped.skip_reason, "cooldown")

    def test_sampling_draws_each_closing_once(self):
        self.team_a.write({"survey_sampling_rate": 50, "survey_cooldown_days": 0})
        tickets = self.env["helpdesk.ticket"]
        for number in range(20):
            tickets |= self._create_ticket(MONDAY_9, name=f"Ticket {number}")
        for ticket in tickets:
            self._close(ticket, utc(2024, 3, 4, 10, 0))

        self._send_due(utc(2024, 3, 4, 10, 0))
        states_first_run = {ticket: ticket.survey_ids.state for ticket in tickets}
        self._send_due(utc(2024, 3, 4, 11, 0))

        for ticket in tickets:
            expected = "sent" if is_sampled(sample_key(ticket.id, 1), 50) else "skipped"
            self.assertEqual(ticket.survey_ids.state, expected)
            self.assertEqual(states_first_run[ticket], expected)
        self.assertTrue(0 < sum(state == "sent" for state in states_first_run.values()) < 20)

    def test_opt_out_respected_for_same_email(self):
        self.customer_contact.survey_opt_out = True
        duplicate = self.customer_contact.copy({"name": "Baker (duplicate)"})
        ticket = self._create_ticket(MONDAY_9, partner_id=duplicate.id)

        self._close(ticket, utc(2024, 3, 4, 10, 0))

        self.assertEqual(ticket.survey_ids.skip_reason, "opted_out")
        self.assertTrue(self.customer_contact.survey_opt_out_at)

    def test_opt_out_after_scheduling_stops_sending(self):
        self.team_a.survey_delay_hours = 2
        ticket = self._create_ticket(MONDAY_9)
        self._close(ticket, utc(2024, 3, 4, 10, 0))

        self.customer_contact._survey_opt_out()
        self._send_due(utc(2024, 3, 4, 12, 0))

        self.assertEqual(ticket.survey_ids.skip_reason, "opted_out")

    def test_manager_switches_survey_off(self):
        ticket = self._create_ticket(MONDAY_9)
        ticket.with_user(self.manager).survey_disabled = True

        self._close(ticket, utc(2024, 3, 4, 10, 0))

        self.assertEqual(ticket.survey_ids.skip_reason, "ticket_disabled")

    def test_agent_cannot_switch_survey_off(self):
        ticket = self._create_ticket(MONDAY_9, user_id=self.agent.id)

        with self.assertRaises(AccessError):
            ticket.with_user(self.agent).write({"survey_disabled": True})

    def test_contact_without_email_gets_nothing(self):
        self.customer_contact.email = False
        ticket = self._create_ticket(MONDAY_9)

        self._close(ticket, utc(2024, 3, 4, 10, 0))

        self.assertEqual(ticket.survey_ids.skip_reason, "no_contact")

    def test_ticket_without_contact_gets_no_survey(self):
        ticket = self._create_ticket(MONDAY_9, partner_id=False)

        self._close(ticket, utc(2024, 3, 4, 10, 0))

        self.assertFalse(ticket.survey_ids)

    def test_team_change_and_edits_never_resend(self):
        survey = self._closed_and_sent()
        ticket = survey.ticket_id

        self._write(ticket, utc(2024, 3, 4, 11, 0), team_id=self.team_b.id)
        self._write(ticket, utc(2024, 3, 4, 11, 0), name="Printer is offline again")
        self._close(ticket, utc(2024, 3, 4, 11, 30), stage=self.stage_cancelled)
        self._send_due(utc(2024, 3, 4, 12, 0))

        self.assertEqual(ticket.survey_ids, survey)
        self.assertEqual(len(self._survey_mail(survey)), 1)

    def test_reopened_ticket_not_surveyed_again_by_default(self):
        survey = self._closed_and_sent()
        ticket = survey.ticket_id
        self.team_a.survey_cooldown_days = 0

        self._reopen(ticket, utc(2024, 3, 5, 9, 0))
        self._close(ticket, utc(2024, 3, 5, 10, 0))

        second = ticket.survey_ids - survey
        self.assertEqual(second.closing_number, 2)
        self.assertEqual(second.skip_reason, "already_surveyed")

    def test_reopened_ticket_surveyed_again_when_team_allows(self):
        survey = self._closed_and_sent()
        ticket = survey.ticket_id
        self.team_a.write({"survey_allow_resurvey": True, "survey_cooldown_days": 0})

        self._reopen(ticket, utc(2024, 3, 5, 9, 0))
        self._close(ticket, utc(2024, 3, 5, 10, 0))

        self.assertEqual(self._send_due(utc(2024, 3, 5, 10, 0)), ticket.survey_ids - survey)

    def test_reopened_before_due_is_skipped(self):
        self.team_a.survey_delay_hours = 2
        ticket = self._create_ticket(MONDAY_9)
        self._close(ticket, utc(2024, 3, 4, 10, 0))
        self._reopen(ticket, utc(2024, 3, 4, 11, 0))

        self._send_due(utc(2024, 3, 4, 12, 0))

        self.assertEqual(ticket.survey_ids.skip_reason, "reopened")

    def test_one_survey_per_closing_enforced_by_database(self):
        survey = self._closed_and_sent()

        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.Survey.sudo().create(
                {
                    "ticket_id": survey.ticket_id.id,
                    "closing_number": survey.closing_number,
                    "partner_id": survey.partner_id.id,
                    "company_id": survey.company_id.id,
                    "closed_at": survey.closed_at,
                    "scheduled_at": survey.scheduled_at,
                }
            )

    def test_links_expire_after_validity(self):
        survey = self._closed_and_sent()

        self._send_due(survey.expires_at - timedelta(seconds=1))
        self.assertEqual(survey.state, "sent")
        self._send_due(survey.expires_at + timedelta(seconds=1))
        self.assertEqual(survey.state, "expired")

    def test_multi_company_cooldown_is_per_company(self):
        other_company = self.env["res.company"].create({"name": "Other Company"})
        self.env.user.company_ids = [Command.link(other_company.id)]
        team_other = self.env["helpdesk.ticket.team"].create(
            {"name": "Other Team", "company_id": other_company.id, "survey_enabled": True, "survey_delay_hours": 0}
        )
        self._closed_and_sent()
        ticket = self._create_ticket(utc(2024, 3, 5, 8, 0), team_id=team_other.id, company_id=other_company.id)

        self._close(ticket, utc(2024, 3, 5, 9, 0))

        self.assertEqual(ticket.survey_ids.company_id, other_company)
        self.assertEqual(self._send_due(utc(2024, 3, 5, 9, 0)), ticket.survey_ids)
