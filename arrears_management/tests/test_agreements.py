from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from . import common

TODAY = date(2026, 3, 16)


@tagged("post_install", "-at_install")
class TestPlans(common.ArrearsFeeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.fee_mode = "none"
        cls.company.arrears_plan_reminder_days = 3

    def setUp(self):
        super().setUp()
        self.frozen = freeze_time(TODAY)
        self.frozen.start()
        self.addCleanup(self.frozen.stop)

    def _travel(self, day):
        self.frozen.stop()
        self.frozen = freeze_time(day)
        self.frozen.start()

    def _invoices(self):
        first = self._post_invoice(self.customer, 600.0, TODAY - timedelta(days=10))
        second = self._post_invoice(self.customer, 400.0, TODAY - timedelta(days=5))
        return first | second

    def _check(self):
        return self.env["arrears.plan"]._cron_check_agreements()

    def test_schedule_with_down_payment(self):
        plan = self._make_plan(
            self._invoices(),
            TODAY + timedelta(days=14),
            down_payment=100.0,
            down_payment_date=TODAY + timedelta(days=1),
        )

        self.assertEqual(plan.amount_total, 1000.0)
        self.assertEqual(plan.installment_ids.mapped("amount"), [100.0, 300.0, 300.0, 300.0])
        self.assertEqual(
            plan.installment_ids.mapped("date"),
            [TODAY + timedelta(days=1)] + [TODAY + timedelta(days=14) + relativedelta(months=n) for n in range(3)],
        )
        self.assertTrue(plan.installment_ids[0].is_down_payment)
        self.assertTrue(plan.name.startswith("PLAN/"))

    def test_uneven_total_splits_to_the_cent(self):
        invoice = self._post_invoice(self.customer, 1000.0, TODAY - timedelta(days=10))

        plan = self._make_plan(invoice, TODAY + timedelta(days=7), count=3)

        self.assertEqual(plan.installment_ids.mapped("amount"), [333.34, 333.33, 333.33])

    def test_activation_excludes_invoices_from_escalation(self):
        invoices = self._invoices()
        plan = self._make_plan(invoices, TODAY + timedelta(days=14))

        plan.action_activate()
        reminders = self._run(TODAY)

        self.assertEqual(plan.state, "active")
        self.assertEqual(set(invoices.mapped("arrears_exclusion_reason")), {"plan"})
        self.assertFalse(reminders.filtered(lambda reminder: reminder.partner_id == self.customer))
        self.assertEqual(plan.opening_residual, 1000.0)

    def test_reminder_before_installment(self):
        plan = self._make_plan(self._invoices(), TODAY + timedelta(days=10))
        plan.action_activate()
        first = plan.installment_ids[0]

        self._check()
        self.assertFalse(first.reminder_sent_date, "ten days ahead is too early")
        self._travel(TODAY + timedelta(days=7))
        self._check()
        self._travel(TODAY + timedelta(days=8))
        self._check()

        self.assertEqual(first.reminder_sent_date, TODAY + timedelta(days=7))
        mails = self.env["mail.mail"].search([("model", "=", "arrears.plan.installment"), ("res_id", "=", first.id)])
        self.assertEqual(len(mails), 1, "one reminder per installment")
        self.assertIn(plan.name, mails.body_html)
        self.assertIn("is due on", mails.body_html, "the payment policy is in the reminder")
        self.assertEqual(mails.recipient_ids, self.customer)

    def test_payments_fill_installments_in_order(self):
        invoices = self._invoices()
        plan = self._make_plan(invoices, TODAY + timedelta(days=10))
        plan.action_activate()

        self._pay(invoices[0], 450.0, TODAY + timedelta(days=1))
        plan.invalidate_recordset()
        plan.installment_ids.invalidate_recordset()

        first, second, third = plan.installment_ids
        self.assertEqual(plan.amount_paid, 450.0)
        self.assertEqual((first.amount_paid, first.payment_state), (333.34, "paid"))
        self.assertEqual((second.amount_paid, second.payment_state), (116.66, "partial"))
        self.assertEqual((third.amount_paid, third.payment_state), (0.0, "open"))
        self.assertEqual(plan.next_installment_id, second)

    def test_completed_when_all_paid(self):
        invoices = self._invoices()
        plan = self._make_plan(invoices, TODAY + timedelta(days=10), count=2)
        plan.action_activate()

        self._pay(invoices[0], 600.0, TODAY + timedelta(days=10))
        self._pay(invoices[1], 400.0, TODAY + timedelta(days=10))
        self._travel(TODAY + timedelta(days=11))
        counts = self._check()

        self.assertEqual(plan.state, "completed")
        self.assertEqual(counts["completed"], 1)
        self.assertFalse(any(invoices.mapped("arrears_excluded")))

    def test_missed_installment_breaks_after_grace(self):
        invoices = self._invoices()
        plan = self._make_plan(invoices, TODAY + timedelta(days=10), grace_days=5, resume_level_id=self.level_final.id)
        plan.action_activate()
        self._pay(invoices[0], 100.0, TODAY + timedelta(days=10))

        self._travel(TODAY + timedelta(days=15))
        self._check()
        self.assertEqual(plan.state, "active", "still inside the grace days")
        self._travel(TODAY + timedelta(days=16))
        self._check()

        self.assertEqual(plan.state, "broken")
        self.assertIn("unpaid", plan.broken_reason)
        self.assertFalse(any(invoices.mapped("arrears_excluded")))
        activity = plan.activity_ids
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn(plan.name, activity.summary)

    def test_broken_plan_resumes_at_configured_level(self):
        invoices = self._invoices()
        plan = self._make_plan(invoices, TODAY + timedelta(days=10), grace_days=0, resume_level_id=self.level_final.id)
        plan.action_activate()
        self._travel(TODAY + timedelta(days=11))
        self._check()
        self.assertEqual(plan.state, "broken")

        reminders = self._run(TODAY + timedelta(days=11))

        # 21 and 16 days overdue would reach the friendly and firm levels; the broken plan sends the final notice.
        self.assertEqual(reminders.level_id, self.level_final)
        self.assertEqual(reminders.item_ids.move_id, invoices)
        self.assertEqual(self._receivable_lines(invoices).arrears_level_id, self.level_final)

    def test_broken_plan_without_level_follows_days(self):
        invoices = self._invoices()
        plan = self._make_plan(invoices, TODAY + timedelta(days=10), grace_days=0)
        plan.action_activate()
        self._travel(TODAY + timedelta(days=11))
        self._check()

        reminders = self._run(TODAY + timedelta(days=11))

        self.assertEqual(reminders.level_id, self.level_firm)

    def test_cancel_releases_invoices(self):
        invoices = self._invoices()
        plan = self._make_plan(invoices, TODAY + timedelta(days=10))
        plan.action_activate()

        plan.action_cancel()

        self.assertEqual(plan.state, "cancelled")
        self.assertFalse(any(invoices.mapped("arrears_excluded")))

    def test_dispute_survives_plan_end(self):
        invoices = self._invoices()
        invoices[0].write({"arrears_excluded": True, "arrears_exclusion_reason": "dispute"})
        plan = self._make_plan(invoices, TODAY + timedelta(days=10))
        plan.action_activate()

        plan.action_cancel()

        self.assertEqual(invoices[0].arrears_exclusion_reason, "dispute")
        self.assertFalse(invoices[1].arrears_excluded)

    def test_plan_fee_is_invoiced_and_scheduled(self):
        self.company.arrears_fee_auto_post = False
        invoices = self._invoices()
        plan = self._make_plan(invoices, TODAY + timedelta(days=10), count=2, fee_amount=50.0)

        plan.action_activate()

        self.assertEqual(plan.amount_total, 1050.0)
        self.assertEqual(sum(plan.installment_ids.mapped("amount")), 1050.0)
        self.assertEqual(plan.fee_move_id.state, "posted", "the agreed fee is posted whatever the draft setting")
        self.assertEqual(plan.fee_move_id.amount_total, 50.0)
        charge = self.env["arrears.fee.charge"].search([("plan_id", "=", plan.id)])
        self.assertEqual(charge.kind, "plan")
        self.assertEqual(plan.opening_residual, 1050.0)

    def test_installments_must_add_up(self):
        invoice = self._post_invoice(self.customer, 1000.0, TODAY - timedelta(days=10))
        plan = self.env["arrears.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "frequency": "custom",
                "installment_ids": [
                    Command.create({"date": TODAY + timedelta(days=10), "amount": 450.0}),
                    Command.create({"date": TODAY + timedelta(days=40), "amount": 450.0}),
                ],
            }
        )

        with self.assertRaises(UserError) as error:
            plan.action_activate()

        self.assertIn("add up to $\xa0900.00", str(error.exception))
        self.assertIn("$\xa01,000.00", str(error.exception))
        self.assertEqual(plan.state, "draft")

    def test_installment_in_past_rejected(self):
        invoice = self._post_invoice(self.customer, 1000.0, TODAY - timedelta(days=10))
        plan = self.env["arrears.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "frequency": "custom",
                "installment_ids": [
                    Command.create({"date": TODAY - timedelta(days=1), "amount": 500.0}),
                    Command.create({"date": TODAY + timedelta(days=30), "amount": 500.0}),
                ],
            }
        )

        with self.assertRaisesRegex(UserError, "in the past"):
            plan.action_activate()

    def test_negative_amounts_rejected(self):
        invoice = self._post_invoice(self.customer, 1000.0, TODAY - timedelta(days=10))

        with self.assertRaises(ValidationError):
            self.env["arrears.plan"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "frequency": "custom",
                    "installment_ids": [Command.create({"date": TODAY + timedelta(days=5), "amount": -10.0})],
                }
            )
        with self.assertRaises(ValidationError):
            self._make_plan(invoice, TODAY + timedelta(days=5), down_payment=-5.0)
        with self.assertRaises(ValidationError):
            self._make_plan(invoice, TODAY + timedelta(days=5), fee_amount=-5.0)

    def test_paid_invoice_rejected(self):
        invoice = self._post_invoice(self.customer, 1000.0, TODAY - timedelta(days=10))
        plan = self._make_plan(invoice, TODAY + timedelta(days=5))
        self._pay(invoice, 1000.0, TODAY)

        with self.assertRaisesRegex(UserError, "already paid"):
            plan.action_activate()

    def test_foreign_company_invoice_rejected(self):
        other = self.setup_other_company(name="Other Books")["company"]
        foreign = self._post_invoice(self.customer, 1000.0, TODAY - timedelta(days=10), company=other)
        plan = self._make_plan(self._invoices(), TODAY + timedelta(days=5))

        with self.assertRaises(UserError):
            plan.write({"move_ids": [Command.link(foreign.id)]})
            plan.action_activate()
        self.assertEqual(plan.state, "draft")

    def test_other_customer_invoice_rejected(self):
        mine = self._invoices()
        theirs = self._post_invoice(self.other_customer, 100.0, TODAY - timedelta(days=10))
        plan = self._make_plan(mine, TODAY + timedelta(days=5))
        plan.move_ids = [Command.link(theirs.id)]

        with self.assertRaisesRegex(UserError, "Garage Customer"):
            plan.action_activate()

    def test_invoice_in_two_active_plans_rejected(self):
        invoices = self._invoices()
        self._make_plan(invoices, TODAY + timedelta(days=5)).action_activate()
        second = self._make_plan(invoices[0], TODAY + timedelta(days=5))

        with self.assertRaisesRegex(UserError, "already in the active plan"):
            second.action_activate()

    def test_plan_from_invoice_list(self):
        invoices = self._invoices()

        action = invoices.with_user(self.collector).action_arrears_create_plan()

        self.assertEqual(action["res_model"], "arrears.plan")
        self.assertEqual(action["context"]["default_partner_id"], self.customer.id)
        with self.assertRaises(UserError):
            (invoices | self._post_invoice(self.other_customer, 10.0, TODAY)).action_arrears_create_plan()

    def test_plan_from_customer_takes_overdue_invoices(self):
        invoices = self._invoices()
        self._post_invoice(self.customer, 50.0, TODAY + timedelta(days=20))

        action = self.customer.action_arrears_new_plan()

        plan = self.env["arrears.plan"].with_context(**action["context"]).create({"first_date": TODAY})
        self.assertEqual(plan.move_ids, invoices)

    def test_collector_runs_plan_lifecycle(self):
        invoices = self._invoices()
        plan = self._make_plan(invoices, TODAY + timedelta(days=10)).with_user(self.collector)

        plan.action_activate()
        plan.action_cancel()

        self.assertEqual(plan.state, "cancelled")


@tagged("post_install", "-at_install")
class TestPromises(common.ArrearsFeeCase):
    def setUp(self):
        super().setUp()
        self.frozen = freeze_time(TODAY)
        self.frozen.start()
        self.addCleanup(self.frozen.stop)

    def _travel(self, day):
        self.frozen.stop()
        self.frozen = freeze_time(day)
        self.frozen.start()

    def _promise(self, invoices, amount, days=7, **values):
        return self.env["arrears.promise"].create(
            dict(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(invoices.ids)],
                    "date": TODAY + timedelta(days=days),
                    "amount": amount,
                    "user_id": self.collector.id,
                },
                **values,
            )
        )

    def test_open_promise_pauses_escalation(self):
        invoice = self._post_invoice(self.customer, 1000.0, TODAY - timedelta(days=10))
        promise = self._promise(invoice, 500.0)

        promise.action_confirm()
        reminders = self._run(TODAY)

        self.assertEqual(promise.state, "open")
        self.assertEqual(invoice.arrears_exclusion_reason, "promise")
        self.assertFalse(reminders)

    def test_kept_promise_resumes_normally(self):
        invoice = self._post_invoice(self.customer, 1000.0, TODAY - timedelta(days=10))
        promise = self._promise(invoice, 500.0)
        promise.action_confirm()

        self._pay(invoice, 500.0, TODAY + timedelta(days=3))
        self._travel(TODAY + timedelta(days=4))
        self.env["arrears.plan"]._cron_check_agreements()

        self.assertEqual(promise.state, "kept")
        self.assertFalse(invoice.arrears_excluded)
        self.assertEqual(self.customer.arrears_broken_promise_count, 0)

    def test_broken_promise_resumes_and_shows_on_customer(self):
        invoice = self._post_invoice(self.customer, 1000.0, TODAY - timedelta(days=10))
        promise = self._promise(invoice, 500.0)
        promise.action_confirm()
        self._pay(invoice, 200.0, TODAY + timedelta(days=3))

        self._travel(TODAY + timedelta(days=7))
        self.env["arrears.plan"]._cron_check_agreements()
        self.assertEqual(promise.state, "open", "the promised day itself is still in time")
        self._travel(TODAY + timedelta(days=8))
        self.env["arrears.plan"]._cron_check_agreements()
        reminders = self._run(TODAY + timedelta(days=8))

        self.assertEqual(promise.state, "broken")
        self.assertEqual(promise.amount_paid, 200.0)
        self.assertFalse(invoice.arrears_excluded)
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.arrears_broken_promise_count, 1)
        self.assertIn("Broken promise", self.customer.message_ids[0].body)
        self.assertEqual(reminders.item_ids.move_id, invoice)

    def test_promise_in_past_rejected(self):
        invoice = self._post_invoice(self.customer, 1000.0, TODAY - timedelta(days=10))
        promise = self._promise(invoice, 500.0, days=-1)

        with self.assertRaisesRegex(UserError, "in the past"):
            promise.action_confirm()

    def test_promise_amount_must_be_positive(self):
        invoice = self._post_invoice(self.customer, 1000.0, TODAY - timedelta(days=10))

        with self.assertRaises(ValidationError):
            self._promise(invoice, -5.0)

    def test_promise_on_paid_invoice_rejected(self):
        invoice = self._post_invoice(self.customer, 1000.0, TODAY - timedelta(days=10))
        self._pay(invoice, 1000.0, TODAY)

        with self.assertRaisesRegex(UserError, "not open"):
            self._promise(invoice, 500.0).action_confirm()

    def test_two_promises_release_only_when_both_end(self):
        invoice = self._post_invoice(self.customer, 1000.0, TODAY - timedelta(days=10))
        first = self._promise(invoice, 100.0, days=3)
        second = self._promise(invoice, 900.0, days=20)
        first.action_confirm()
        second.action_confirm()

        first.action_cancel()

        self.assertEqual(invoice.arrears_exclusion_reason, "promise")
        second.action_cancel()
        self.assertFalse(invoice.arrears_excluded)
