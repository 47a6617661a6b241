from odoo.tests import tagged

from . import common
from .common import utc

MONDAY_9 = utc(2024, 3, 4, 8, 0)


@tagged("post_install", "-at_install")
class TestAcknowledgement(common.SlaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")

    def _acknowledgement(self, ticket):
        return ticket.message_ids.filtered(lambda message: message.message_type == "auto_comment")

    def test_acknowledgement_promises_first_response(self):
        ticket = self._create_ticket(MONDAY_9)

        ack = self._acknowledgement(ticket)
        self.assertEqual(len(ack), 1)
        self.assertIn(self.customer_contact, ack.partner_ids)
        self.assertIn(ticket.number, ack.subject)
        self.assertIn(ticket.number, ack.body)
        self.assertIn("within 4 working hours", ack.body)
        self.assertIn("Mar 4, 2024, 1:00:00", ack.body)
        self.assertIn("Europe/Berlin", ack.body)

    def test_acknowledgement_in_customer_language(self):
        self.customer_contact.write({"lang": "fr_FR", "tz": "Europe/Paris"})

        ack = self._acknowledgement(self._create_ticket(MONDAY_9))

        self.assertIn("4 mars 2024", ack.body)
        self.assertIn("Europe/Paris", ack.body)

    def test_acknowledgement_without_policy_makes_no_promise(self):
        ticket = self._create_ticket(MONDAY_9, team_id=self.team_b.id)

        ack = self._acknowledgement(ticket)
        self.assertEqual(len(ack), 1)
        self.assertNotIn("We will answer within", ack.body)

    def test_acknowledgement_switched_off_for_team(self):
        self.team_a.sla_ack_enabled = False

        self.assertFalse(self._acknowledgement(self._create_ticket(MONDAY_9)))

    def test_acknowledgement_switched_off_for_company(self):
        self.company.sla_ack_enabled = False

        self.assertFalse(self._acknowledgement(self._create_ticket(MONDAY_9)))

    def test_team_template_is_used(self):
        template = self.env.ref("customer_service_optimization.mail_template_ticket_acknowledgement").copy(
            {"subject": "Team A got {{ object.number }}"}
        )
        self.team_a.sla_ack_template_id = template

        ticket = self._create_ticket(MONDAY_9)

        self.assertEqual(self._acknowledgement(ticket).subject, f"Team A got {ticket.number}")

    def test_no_acknowledgement_without_email(self):
        self.assertFalse(self._acknowledgement(self._create_ticket(MONDAY_9, partner_id=False)))

    def test_broken_template_does_not_block_ticket(self):
        template = self.env.ref("customer_service_optimization.mail_template_ticket_acknowledgement").copy(
            {"subject": "{{ object.no_such_field }}"}
        )
        self.team_a.sla_ack_template_id = template

        with self.assertLogs("odoo.addons.customer_service_optimization.models.helpdesk_ticket", level="WARNING"):
            ticket = self._create_ticket(MONDAY_9)

        self.assertTrue(ticket.sla_timer_ids)
        self.assertFalse(self._acknowledgement(ticket))
