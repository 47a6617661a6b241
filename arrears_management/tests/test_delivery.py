from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.base.models.ir_mail_server import MailDeliveryException

from . import common


@tagged("post_install", "-at_install")
class TestDelivery(common.ArrearsCase):
    def _queued_email(self, days_late=10, partner=None):
        self._post_invoice(partner or self.customer, 1000.0, self.today - timedelta(days=days_late))
        reminders = self._run(self.today)
        return reminders.filtered(lambda reminder: reminder.channel == "email")

    def test_email_queued_then_sent(self):
        reminder = self._queued_email()

        reminder._deliver()

        self.assertEqual(reminder.state, "queued")
        self.assertTrue(reminder.dispatched_at)
        mail = reminder.mail_id
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertIn(reminder.item_ids.move_id.name, mail.body_html)
        self.assertIn("Friendly", reminder.level_id.name)
        self.assertIn("billing@company.example.com", mail.email_from)

        with common.SmtpSink() as sink:
            self.env["ir.mail_server"].create(
                {"name": "Local sink", "smtp_host": "127.0.0.1", "smtp_port": sink.port, "smtp_encryption": "none"}
            )
            # Odoo's test runner never opens SMTP connections; this test delivers for real to the sink.
            with patch("odoo.modules.module.current_test", None):
                mail.send()

        self.assertEqual(reminder.state, "sent")
        self.assertTrue(reminder.sent_at)
        self.assertEqual(len(sink.messages), 1)
        self.assertEqual(sink.messages[0]["to"], ["accounts@bakery.example.com"])
        self.assertIn(reminder.item_ids.move_id.name, sink.messages[0]["html"])
        self.assertEqual(sink.messages[0]["message"]["Subject"], f"{self.company.name}: payment reminder")

    def test_email_in_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        template = self.level_friendly.mail_template_id
        template.with_context(lang="fr_FR").subject = "Rappel de paiement"
        self.customer.lang = "fr_FR"
        reminder = self._queued_email()

        reminder._deliver()

        self.assertEqual(reminder.mail_id.subject, "Rappel de paiement")

    def test_email_failure_marks_failed(self):
        reminder = self._queued_email()
        reminder._deliver()

        with (
            patch.object(
                type(self.env["ir.mail_server"]), "send_email", side_effect=MailDeliveryException("Connection refused")
            ),
            mute_logger("odoo.addons.mail.models.mail_mail"),
        ):
            reminder.mail_id.send(raise_exception=False)

        self.assertEqual(reminder.state, "failed")
        self.assertIn("could not be delivered", reminder.error)

    def test_cancelled_mail_marks_failed(self):
        reminder = self._queued_email()
        reminder._deliver()

        reminder.mail_id.cancel()

        self.assertEqual(reminder.state, "failed")
        self.assertIn("cancelled", reminder.error)

    def test_bounce_marks_failed(self):
        reminder = self._queued_email()
        reminder._deliver()
        reminder.mail_id.send()

        reminder._message_receive_bounce("accounts@bakery.example.com", self.customer)

        self.assertEqual(reminder.state, "failed")
        self.assertIn("bounced", reminder.error)

    def test_blacklisted_address_not_sent(self):
        self.env["mail.blacklist"]._add("accounts@bakery.example.com")
        reminder = self._queued_email()

        reminder._deliver()

        self.assertEqual(reminder.state, "failed")
        self.assertIn("blacklist", reminder.error)
        self.assertFalse(reminder.mail_id)

    def test_missing_email_not_sent(self):
        self.customer.email = False
        reminder = self._queued_email()

        reminder._deliver()

        self.assertEqual(reminder.state, "failed")
        self.assertIn("no valid email address", reminder.error)
        self.assertFalse(reminder.mail_id)

    def test_opted_out_customer_not_sent(self):
        self.customer.arrears_opt_out = True
        reminder = self._queued_email()

        reminder._deliver()

        self.assertEqual(reminder.state, "failed")
        self.assertIn("opted out", reminder.error)

    def test_payment_before_delivery_cancels(self):
        invoice = self._post_invoice(self.customer, 1000.0, self.today - timedelta(days=10))
        reminders = self._run(self.today)
        self._pay(invoice, 1000.0, self.today)

        reminders._deliver()

        self.assertEqual(set(reminders.mapped("state")), {"cancelled"})
        self.assertFalse(reminders.mail_id)

    def test_credits_covering_balance_cancel(self):
        self._post_invoice(self.customer, 300.0, self.today - timedelta(days=10))
        self._post_invoice(self.customer, 500.0, self.today - timedelta(days=5), move_type="out_refund")
        reminders = self._run(self.today)

        reminders._deliver()

        self.assertEqual(set(reminders.mapped("state")), {"cancelled"})
        self.assertIn("cover the reminded invoices", reminders[0].error)

    def test_stale_queued_reminder_fails(self):
        reminder = self._queued_email()

        with freeze_time(reminder.create_date + timedelta(days=4)):
            self.env["arrears.reminder"]._expire_stale()

        self.assertEqual(reminder.state, "failed")
        self.assertIn("Not delivered within 3 days", reminder.error)

    def test_letter_attached(self):
        self._post_invoice(self.customer, 300.0, self.today - timedelta(days=50))
        letter = self._run(self.today).filtered(lambda reminder: reminder.channel == "letter")

        letter._deliver()

        self.assertEqual(letter.state, "sent")
        self.assertTrue(letter.letter_attachment_id)
        self.assertEqual(letter.letter_attachment_id.res_id, letter.id)

    def test_call_activity_for_collector(self):
        self.customer.with_company(self.company).arrears_collector_id = self.collector
        self._post_invoice(self.customer, 300.0, self.today - timedelta(days=25))
        activity_reminder = self._run(self.today).filtered(lambda reminder: reminder.channel == "activity")

        activity_reminder._deliver()

        self.assertEqual(activity_reminder.state, "sent")
        self.assertEqual(activity_reminder.activity_id.user_id, self.collector)
        self.assertEqual(activity_reminder.activity_id.res_id, self.customer.id)

    def test_cron_delivers_batch(self):
        reminder = self._queued_email()

        self.env["arrears.reminder"]._cron_deliver()

        self.assertTrue(reminder.mail_id)
        self.assertTrue(reminder.dispatched_at)

    def test_send_now_delivers(self):
        self._post_invoice(self.customer, 1000.0, self.today - timedelta(days=10))

        with freeze_time(self.today):
            self.customer.with_user(self.collector).action_arrears_send_now()

        email = self.env["arrears.reminder"].search([("partner_id", "=", self.customer.id), ("channel", "=", "email")])
        self.assertEqual(len(email), 1)
        self.assertTrue(email.mail_id)

    def test_statement_lists_open_items(self):
        invoice = self._post_invoice(self.customer, 1000.0, self.today - timedelta(days=10))
        refund = self._post_invoice(self.customer, 100.0, self.today, move_type="out_refund")

        lines = self.customer._arrears_statement_lines(self.company)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("arrears_management.action_report_partner_statement", self.customer.ids)[0]
            .decode()
        )

        self.assertEqual(lines.move_id, invoice | refund)
        self.assertIn(invoice.name, html)
        self.assertIn(refund.name, html)
