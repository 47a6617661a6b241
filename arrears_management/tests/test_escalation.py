from datetime import timedelta
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from . import common


@tagged("post_install", "-at_install")
class TestEscalation(common.ArrearsCase):
    def test_overdue_invoice_gets_friendly_level(self):
        invoice = self._post_invoice(self.customer, 1000.0, self.today - timedelta(days=10))

        reminders = self._run(self.today)

        self.assertEqual(set(reminders.mapped("channel")), {"email", "sms"})
        self.assertEqual(reminders.level_id, self.level_friendly)
        self.assertEqual(reminders.item_ids.move_id, invoice)
        self.assertEqual(self._receivable_lines(invoice).arrears_level_id, self.level_friendly)
        self.assertEqual(invoice.arrears_level_id, self.level_friendly)
        self.assertEqual(invoice.arrears_last_reminder_date, self.today)
        with freeze_time(self.today):
            invoice.invalidate_recordset()
            self.assertEqual(invoice.arrears_days_overdue, 10)
            self.assertEqual(invoice.arrears_aging_bucket, "1-30")
        with freeze_time(self.today + timedelta(days=25)):
            invoice.invalidate_recordset()
            self.assertEqual(invoice.arrears_days_overdue, 35, "days overdue follow the calendar, not the last run")
            self.assertEqual(invoice.arrears_aging_bucket, "31-60")

    def test_late_invoice_starts_at_highest_level(self):
        invoice = self._post_invoice(self.customer, 500.0, self.today - timedelta(days=100))

        reminders = self._run(self.today)

        self.assertEqual(reminders.level_id, self.level_final)
        self.assertEqual(set(reminders.item_ids.level_id.ids), {self.level_final.id})
        with freeze_time(self.today):
            self.assertEqual(invoice.arrears_aging_bucket, "over 90")
        self.assertFalse(
            self.env["arrears.reminder"].search(
                [("level_id", "!=", self.level_final.id), ("partner_id", "=", self.customer.id)]
            )
        )

    def test_levels_follow_time(self):
        self.policy.min_gap_days = 0
        due = self.today
        invoice = self._post_invoice(self.customer, 800.0, due)
        expected = [(-3, self.level_courtesy), (7, self.level_friendly), (21, self.level_firm), (45, self.level_final)]

        for offset, level in expected:
            with freeze_time(due + timedelta(days=offset)):
                before = self._run(due + timedelta(days=offset - 1))
                reminders = self._run(due + timedelta(days=offset))
            self.assertFalse(before, f"nothing the day before day {offset}")
            self.assertEqual(reminders.level_id, level, f"level on day {offset}")
            self.assertEqual(invoice.arrears_level_id, level)

        all_items = self.env["arrears.reminder.item"].search([("move_id", "=", invoice.id)])
        self.assertEqual(len(all_items.filtered(lambda item: item.channel == "email")), 4)

    def test_day_before_level_sends_nothing(self):
        self._post_invoice(self.customer, 800.0, self.today - timedelta(days=6))
        self.policy.level_ids.filtered(lambda level: level.days < 0).unlink()

        self.assertFalse(self._run(self.today))

    def test_one_reminder_lists_all_invoices(self):
        first = self._post_invoice(self.customer, 100.0, self.today - timedelta(days=8))
        second = self._post_invoice(self.customer, 200.0, self.today - timedelta(days=25))
        other = self._post_invoice(self.other_customer, 300.0, self.today - timedelta(days=8))

        reminders = self._run(self.today)

        emails = reminders.filtered(lambda reminder: reminder.channel == "email")
        self.assertEqual(len(emails), 2)
        mine = emails.filtered(lambda reminder: reminder.partner_id == self.customer)
        self.assertEqual(mine.item_ids.move_id, first | second)
        self.assertEqual(mine.level_id, self.level_firm, "the tone follows the most overdue invoice")
        self.assertEqual(mine.amount_due, 300.0)
        self.assertEqual(
            emails.filtered(lambda reminder: reminder.partner_id == self.other_customer).item_ids.move_id, other
        )

    def test_rerun_same_day_queues_nothing(self):
        self._post_invoice(self.customer, 100.0, self.today - timedelta(days=8))
        self.policy.min_gap_days = 0

        first = self._run(self.today)
        second = self._run(self.today)

        self.assertTrue(first)
        self.assertFalse(second)

    def test_excluded_invoice_does_not_block_others(self):
        disputed = self._post_invoice(self.customer, 100.0, self.today - timedelta(days=40))
        disputed.write({"arrears_excluded": True, "arrears_exclusion_reason": "dispute"})
        open_invoice = self._post_invoice(self.customer, 200.0, self.today - timedelta(days=9))

        reminders = self._run(self.today)

        self.assertEqual(reminders.item_ids.move_id, open_invoice)
        self.assertFalse(self._receivable_lines(disputed).arrears_level_id)
        self.assertFalse(disputed.arrears_next_reminder_date)

    def test_gap_defers_then_includes(self):
        self.policy.min_gap_days = 7
        first = self._post_invoice(self.customer, 100.0, self.today - timedelta(days=8))
        self._run(self.today)
        second = self._post_invoice(self.customer, 200.0, self.today - timedelta(days=5))

        inside_gap = self._run(self.today + timedelta(days=3))
        after_gap = self._run(self.today + timedelta(days=7))

        self.assertFalse(inside_gap)
        emails = after_gap.filtered(lambda reminder: reminder.channel == "email")
        self.assertEqual(emails.item_ids.move_id, second)
        self.assertEqual(emails.item_ids.level_id, self.level_friendly)
        self.assertEqual(self._receivable_lines(first).arrears_level_id, self.level_friendly)
        self.assertEqual(second.arrears_level_id, self.level_friendly)

    def test_partial_payment_follows_residual(self):
        invoice = self._post_invoice(self.customer, 1000.0, self.today - timedelta(days=10))
        self._pay(invoice, 400.0, self.today - timedelta(days=2))

        reminders = self._run(self.today)

        email = reminders.filtered(lambda reminder: reminder.channel == "email")
        self.assertEqual(email.amount_due, 600.0)
        self.assertEqual(self._receivable_lines(invoice).amount_residual, 600.0)
        self.assertEqual(email._totals()["open"], 600.0)

    def test_credit_note_is_netted(self):
        self._post_invoice(self.customer, 1000.0, self.today - timedelta(days=10))
        self._post_invoice(self.customer, 250.0, self.today - timedelta(days=5), move_type="out_refund")

        email = self._run(self.today).filtered(lambda reminder: reminder.channel == "email")

        totals = email._totals()
        self.assertEqual(totals["open"], 1000.0)
        self.assertEqual(totals["credit"], 250.0)
        self.assertEqual(totals["net"], 750.0)
        self.assertIn("Credit note", email.items_html)

    def test_installments_escalate_separately(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 30 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 30}),
                ],
            }
        )
        # Invoiced 70 days ago: the halves fell due 70 and 40 days ago.
        invoice = self._post_invoice(self.customer, 1000.0, self.today - timedelta(days=40), payment_term=term)
        lines = self._receivable_lines(invoice).sorted("date_maturity")
        self.assertEqual(len(lines), 2)

        self._run(self.today)

        self.assertEqual(lines[0].arrears_level_id, self.level_final, "first installment is 70 days late")
        self.assertEqual(lines[1].arrears_level_id, self.level_firm, "second installment is 40 days late")
        self.assertEqual(invoice.arrears_level_id, self.level_final)
        with freeze_time(self.today):
            invoice.invalidate_recordset()
            self.assertEqual(invoice.arrears_days_overdue, 70)

    def test_foreign_currency_uses_company_residual(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        invoice = self._post_invoice(self.customer, 1000.0, self.today - timedelta(days=10), currency=eur)

        email = self._run(self.today).filtered(lambda reminder: reminder.channel == "email")

        line = self._receivable_lines(invoice)
        self.assertEqual(line.amount_residual_currency, 1000.0)
        self.assertEqual(line.amount_residual, 500.0)
        self.assertEqual(email.amount_due, 500.0)

    def test_companies_are_isolated(self):
        other = self.setup_other_company(name="Second Company")["company"]
        other.arrears_policy_id = self.policy
        self._post_invoice(self.customer, 100.0, self.today - timedelta(days=10), company=other)

        mine = self._run(self.today)
        theirs = self._run(self.today, company=other)

        self.assertFalse(mine)
        self.assertEqual(set(theirs.mapped("company_id.id")), {other.id})

    def test_database_rejects_second_reminder(self):
        invoice = self._post_invoice(self.customer, 100.0, self.today - timedelta(days=10))
        reminder = self._run(self.today).filtered(lambda reminder: reminder.channel == "email")
        line = self._receivable_lines(invoice)

        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env.cr.execute(
                SQL(
                    "INSERT INTO arrears_reminder_item (reminder_id, move_line_id, level_id, channel) VALUES (%s, %s, %s, 'email')",
                    reminder.id,
                    line.id,
                    self.level_friendly.id,
                )
            )

    def test_concurrent_run_skips_locked_company(self):
        self._post_invoice(self.customer, 100.0, self.today - timedelta(days=10))
        lock_key = f"arrears_management.escalate.{self.company.id}"
        with self.registry.cursor() as other_cursor:
            other_cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [lock_key])
            try:
                skipped = self._run(self.today)
            finally:
                other_cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [lock_key])
        self.assertFalse(skipped)
        self.assertTrue(self._run(self.today))

    def test_crash_midway_then_rerun_sends_once(self):
        self._post_invoice(self.customer, 100.0, self.today - timedelta(days=10))
        Reminder = type(self.env["arrears.reminder"])

        # The worker dies after the reminders and their lines are inserted, before the run commits.
        with patch.object(Reminder, "_apply_level_effects", side_effect=RuntimeError("worker killed")):
            with self.assertRaises(RuntimeError), self.env.cr.savepoint():
                self._run(self.today)
        self.env.invalidate_all()
        rerun = self._run(self.today)
        again = self._run(self.today)

        self.assertEqual(len(rerun.filtered(lambda reminder: reminder.channel == "email")), 1)
        self.assertFalse(again)
        self.assertEqual(self.env["arrears.reminder"].search_count([("partner_id", "=", self.customer.id)]), 2)

    def test_recipient_prefers_invoice_contact(self):
        contact = self.env["res.partner"].create(
            {
                "name": "Payables Desk",
                "parent_id": self.customer.id,
                "type": "invoice",
                "email": "payables@bakery.example.com",
            }
        )
        self.customer.email = False
        self._post_invoice(self.customer, 100.0, self.today - timedelta(days=10))

        email = self._run(self.today).filtered(lambda reminder: reminder.channel == "email")

        self.assertEqual(email.contact_id, contact)

    def test_recipient_collections_contact_wins(self):
        desk = self.env["res.partner"].create(
            {"name": "Collections Desk", "parent_id": self.customer.id, "email": "desk@bakery.example.com"}
        )
        self.customer.arrears_collections_contact_id = desk
        self._post_invoice(self.customer, 100.0, self.today - timedelta(days=10))

        email = self._run(self.today).filtered(lambda reminder: reminder.channel == "email")

        self.assertEqual(email.contact_id, desk)

    def test_customer_policy_overrides_company(self):
        strict = self.env["arrears.policy"].create(
            {
                "name": "Strict",
                "min_gap_days": 0,
                "level_ids": [
                    Command.create(
                        {"name": "Day one", "days": 1, "mail_template_id": self.level_friendly.mail_template_id.id}
                    )
                ],
            }
        )
        self.customer.with_company(self.company).arrears_policy_id = strict
        self._post_invoice(self.customer, 100.0, self.today - timedelta(days=2))

        reminders = self._run(self.today)

        self.assertEqual(reminders.policy_id, strict)
        self.assertEqual(reminders.channel, "email")

    def test_company_timezone_sets_run_date(self):
        self.company.partner_id.tz = "Pacific/Auckland"
        with freeze_time("2026-03-16 20:00:00"):
            self.assertEqual(str(self.company._arrears_today()), "2026-03-17")
        self.company.partner_id.tz = "America/Los_Angeles"
        with freeze_time("2026-03-16 05:00:00"):
            self.assertEqual(str(self.company._arrears_today()), "2026-03-15")

    def test_cron_runs_every_company(self):
        self._post_invoice(self.customer, 100.0, self.today - timedelta(days=10))
        with freeze_time(self.today):
            queued = self.env["arrears.reminder"]._cron_escalate()
        self.assertGreaterEqual(queued, 2)
        self.assertTrue(self.env["arrears.reminder"].search([("partner_id", "=", self.customer.id)]))

    def test_customer_summary(self):
        self._post_invoice(self.customer, 100.0, self.today - timedelta(days=10))
        self._post_invoice(self.customer, 300.0, self.today - timedelta(days=50))
        self._post_invoice(self.customer, 50.0, self.today + timedelta(days=20))

        self._run(self.today)

        with freeze_time(self.today):
            customer = self.customer.with_company(self.company)
            customer.invalidate_recordset()
            self.assertEqual(customer.arrears_total_overdue, 400.0)
            self.assertEqual(customer.arrears_oldest_due_date, self.today - timedelta(days=50))
            self.assertEqual(customer.arrears_level_id, self.level_final)
            self.assertEqual(customer.arrears_reminder_count, len(customer.arrears_reminder_ids))
        self.assertTrue(customer.arrears_credit_hold, "the final notice puts the customer on hold")

    def test_final_level_notifies_manager(self):
        self._post_invoice(self.customer, 300.0, self.today - timedelta(days=50))

        self._run(self.today)

        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id), ("user_id", "=", self.manager.id)]
        )
        self.assertEqual(len(activity), 1)

    def test_preview_sends_nothing(self):
        self._post_invoice(self.customer, 100.0, self.today - timedelta(days=10))

        with freeze_time(self.today):
            action = self.env["arrears.run.preview"].with_user(self.collector).action_open()
        preview = self.env["arrears.run.preview"].browse(action["res_id"])

        self.assertEqual(preview.line_ids.partner_id, self.customer)
        self.assertEqual(preview.line_ids.level_id, self.level_friendly)
        self.assertEqual(preview.line_ids.amount, 100.0)
        self.assertFalse(self.env["arrears.reminder"].search([("partner_id", "=", self.customer.id)]))

    def test_bucket_boundaries_are_configurable(self):
        self.company.arrears_bucket_boundaries = "15,45"
        invoice = self._post_invoice(self.customer, 100.0, self.today - timedelta(days=20))

        self._run(self.today)

        with freeze_time(self.today):
            self.assertEqual(invoice.arrears_aging_bucket, "16-45")
