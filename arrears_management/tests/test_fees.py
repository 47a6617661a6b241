from datetime import date, timedelta

import psycopg2
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from . import common

DUE = date(2026, 1, 31)
RUN = date(2026, 3, 16)


@tagged("post_install", "-at_install")
class TestFees(common.ArrearsFeeCase):
    def _interest(self, charges):
        return charges.filtered(lambda charge: charge.kind == "interest")

    def test_interest_without_payment(self):
        invoice = self._post_invoice(self.customer, 1000.0, DUE)

        charges = self._charge(RUN)

        # 2026-02-01 to 2026-03-15: 43 days, 1000 x 10 % x 43 / 365 = 11.7808
        self.assertEqual(charges.move_id, invoice)
        self.assertEqual(charges.kind, "interest")
        self.assertEqual(charges.amount, 11.78)
        self.assertEqual(charges.period_start, date(2026, 2, 1))
        self.assertEqual(charges.period_end, date(2026, 3, 15))
        self.assertEqual(charges.days, 43)

    def test_partial_payment_splits_period(self):
        invoice = self._post_invoice(self.customer, 1000.0, DUE)
        self._pay(invoice, 400.0, date(2026, 2, 20))

        charge = self._charge(RUN)

        # 19 days on 1000 (5.2055) + 24 days on 600 (3.9452) = 9.1507
        self.assertEqual(charge.amount, 9.15)
        self.assertEqual(charge.days, 43)

    def test_credit_note_reduces_base(self):
        invoice = self._post_invoice(self.customer, 1000.0, DUE)
        # _post_invoice dates a document 30 days before the due date it is given: the credit note is of 2026-02-10.
        refund = self._post_invoice(self.customer, 300.0, date(2026, 3, 12), move_type="out_refund")
        (self._receivable_lines(invoice) | self._receivable_lines(refund)).reconcile()

        charge = self._charge(RUN, partners=self.customer)

        # 9 days on 1000 (2.4658) + 34 days on 700 (6.5205) = 8.9863
        self.assertEqual(charge.move_id, invoice)
        self.assertEqual(charge.amount, 8.99)

    def test_leap_year_day_count(self):
        self._post_invoice(self.customer, 1000.0, date(2024, 2, 28))

        charge = self._charge(date(2024, 3, 31))

        # 2024-02-29 to 2024-03-30: 31 days on a 366-day year, 1000 x 10 % x 31 / 366 = 8.4699
        self.assertEqual(charge.days, 31)
        self.assertEqual(charge.amount, 8.47)

    def test_actual_365_in_leap_year(self):
        self.policy.interest_day_count = "actual_365"
        self._post_invoice(self.customer, 1000.0, date(2024, 2, 28))

        charge = self._charge(date(2024, 3, 31))

        # 1000 x 10 % x 31 / 365 = 8.4932
        self.assertEqual(charge.amount, 8.49)

    def test_foreign_currency_stays_in_invoice_currency(self):
        euro = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self.policy.fee_per_invoice = 40.0
        invoice = self._post_invoice(self.customer, 2000.0, DUE, currency=euro)

        charges = self._charge(RUN)

        fixed = charges.filtered(lambda charge: charge.kind == "invoice")
        interest = self._interest(charges)
        self.assertEqual(charges.currency_id, euro)
        # 40 in the company currency is 80 EUR at 2 EUR per unit.
        self.assertEqual(fixed.amount, 80.0)
        # 2000 x 10 % x 43 / 365 = 23.5616 EUR
        self.assertEqual(interest.amount, 23.56)
        fee_invoice = charges.fee_move_id
        self.assertEqual(len(fee_invoice), 1)
        self.assertEqual(fee_invoice.currency_id, euro)
        self.assertAlmostEqual(fee_invoice.amount_total, 103.56)
        self.assertEqual(fixed.move_id, invoice)

    def test_fee_invoice_names_invoice_and_period(self):
        invoice = self._post_invoice(self.customer, 1000.0, DUE)

        charge = self._charge(RUN)

        fee_invoice = charge.fee_move_id
        self.assertTrue(fee_invoice.arrears_fee_invoice)
        self.assertEqual(fee_invoice.state, "draft")
        self.assertEqual(fee_invoice.partner_id, self.customer)
        label = fee_invoice.invoice_line_ids.name
        self.assertIn(invoice.name, label)
        self.assertIn("02/01/2026", label)
        self.assertIn("03/15/2026", label)
        self.assertIn("43 days", label)
        self.assertEqual(charge.fee_move_line_id, fee_invoice.invoice_line_ids)

    def test_posted_by_setting(self):
        self.company.arrears_fee_auto_post = True
        self._post_invoice(self.customer, 1000.0, DUE)

        charge = self._charge(RUN)

        self.assertEqual(charge.fee_move_id.state, "posted")

    def test_rerun_same_day_charges_nothing(self):
        invoice = self._post_invoice(self.customer, 1000.0, DUE)
        first = self._charge(RUN)
        self._receivable_lines(invoice).write({"arrears_fee_checked_date": False})

        second = self._charge(RUN)

        self.assertTrue(first)
        self.assertFalse(second)
        self.assertEqual(self.env["arrears.fee.charge"].search_count([("move_id", "=", invoice.id)]), 1)

    def test_next_run_charges_next_period(self):
        self._post_invoice(self.customer, 1000.0, DUE)
        first = self._charge(RUN)

        second = self._charge(RUN + timedelta(days=1))

        self.assertEqual(second.period_start, date(2026, 3, 16))
        self.assertEqual(second.period_end, date(2026, 3, 16))
        # 1000 x 10 % / 365 = 0.274
        self.assertEqual(second.amount, 0.27)
        self.assertNotEqual(second.fee_move_id, first.fee_move_id)

    def test_interval_waits_then_charges(self):
        self.policy.interest_interval_days = 30
        self._post_invoice(self.customer, 1000.0, RUN - timedelta(days=20))

        self.assertFalse(self._charge(RUN))
        # Late from RUN - 19: on RUN + 10 only 29 late days have accrued, on RUN + 11 thirty.
        self.assertFalse(self._charge(RUN + timedelta(days=10)))
        charge = self._charge(RUN + timedelta(days=11))

        self.assertEqual(charge.days, 30)

    def test_database_rejects_same_period_twice(self):
        self._post_invoice(self.customer, 1000.0, DUE)
        charge = self._charge(RUN)
        values = charge.copy_data()[0]

        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.env["arrears.fee.charge"].create(values)

    def test_paid_invoice_gets_last_period(self):
        self.policy.interest_interval_days = 30
        invoice = self._post_invoice(self.customer, 1000.0, RUN - timedelta(days=10))
        self.assertFalse(self._charge(RUN))
        line = self._receivable_lines(invoice)
        self.assertTrue(line.arrears_fee_pending)

        self._pay(invoice, 1000.0, RUN + timedelta(days=2))
        charge = self._charge(RUN + timedelta(days=5))

        # Late from RUN - 9 to RUN + 1: 11 days, 1000 x 10 % x 11 / 365 = 3.0137
        self.assertEqual(charge.days, 11)
        self.assertEqual(charge.amount, 3.01)
        self.assertFalse(line.arrears_fee_pending)
        self.assertFalse(self._charge(RUN + timedelta(days=40)))

    def test_fixed_fee_once_per_invoice(self):
        self.policy.fee_per_invoice = 25.0
        self.policy.interest_rate = 0.0
        invoice = self._post_invoice(self.customer, 1000.0, DUE)

        first = self._charge(RUN)
        second = self._charge(RUN + timedelta(days=40))

        self.assertEqual(first.kind, "invoice")
        self.assertEqual(first.amount, 25.0)
        self.assertIn(invoice.name, first.name)
        self.assertFalse(second)

    def test_grace_days_delay_fees(self):
        self.policy.write({"fee_per_invoice": 25.0, "interest_grace_days": 10})
        self._post_invoice(self.customer, 1000.0, RUN - timedelta(days=10))

        self.assertFalse(self._charge(RUN))
        charges = self._charge(RUN + timedelta(days=2))

        self.assertEqual(set(charges.mapped("kind")), {"invoice", "interest"})
        interest = self._interest(charges)
        self.assertEqual(interest.period_start, RUN + timedelta(days=1))
        self.assertEqual(interest.days, 1)

    def test_level_fee_per_reached_level(self):
        self.policy.interest_rate = 0.0
        self.level_friendly.fee_amount = 15.0
        invoice = self._post_invoice(self.customer, 1000.0, RUN - timedelta(days=10))
        self._run(RUN)

        charges = self._charge(RUN)
        again = self._charge(RUN + timedelta(days=1))

        self.assertEqual(charges.kind, "level")
        self.assertEqual(charges.level_id, self.level_friendly)
        self.assertEqual(charges.amount, 15.0)
        self.assertEqual(charges.move_id, invoice)
        self.assertFalse(again)

    def test_minimum_overdue_amount(self):
        self.policy.write({"fee_min_overdue_amount": 500.0, "fee_per_invoice": 25.0})
        self._post_invoice(self.customer, 400.0, DUE)

        self.assertFalse(self._charge(RUN))

    def test_cap_limits_total(self):
        self.policy.write({"fee_cap_percent": 1.0, "fee_per_invoice": 40.0})
        invoice = self._post_invoice(self.customer, 1000.0, DUE)

        charges = self._charge(RUN)
        later = self._charge(RUN + timedelta(days=30))

        self.assertEqual(charges.kind, "invoice")
        self.assertEqual(charges.amount, 10.0)
        self.assertFalse(later)
        self.assertEqual(sum(invoice.arrears_charged_fee_ids.mapped("amount")), 10.0)

    def test_disputed_invoice_is_not_charged(self):
        invoice = self._post_invoice(self.customer, 1000.0, DUE)
        invoice.write({"arrears_excluded": True, "arrears_exclusion_reason": "dispute"})

        self.assertFalse(self._charge(RUN))

    def test_fee_invoice_is_never_charged(self):
        self._post_invoice(self.customer, 1000.0, DUE)
        self.company.arrears_fee_auto_post = True
        fee_invoice = self._charge(RUN).fee_move_id
        fee_invoice.invoice_date_due = DUE

        later = self._charge(RUN + timedelta(days=1))

        self.assertNotIn(fee_invoice, later.move_id)

    def test_no_fee_mode_charges_nothing(self):
        self.policy.fee_mode = "none"
        self._post_invoice(self.customer, 1000.0, DUE)

        self.assertFalse(self._charge(RUN))

    def test_fee_start_date_skips_older_lines(self):
        self.policy.fee_start_date = DUE + timedelta(days=1)
        self._post_invoice(self.customer, 1000.0, DUE)

        self.assertFalse(self._charge(RUN))

    def test_eu_preset_uses_reference_table(self):
        euro = self.env.ref("base.EUR")
        self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self.env["arrears.reference.rate"].create(
            [{"date_from": date(2025, 7, 1), "rate": 2.0}, {"date_from": date(2026, 1, 1), "rate": 3.0}]
        )
        with Form(self.policy) as form:
            form.fee_mode = "eu_b2b"
        self.assertEqual(self.policy.fee_per_invoice, 40.0)
        self.assertEqual(self.policy.fee_currency_id, euro)
        self.assertEqual(self.policy.interest_margin, 8.0)
        self._post_invoice(self.customer, 1000.0, date(2025, 12, 15))

        charges = self._charge(date(2026, 1, 16))

        interest = self._interest(charges)
        # 16 days at 10 % (2 + 8) and 15 days at 11 % (3 + 8): 1000 x (0.10 x 16 + 0.11 x 15) / 365 = 8.9041
        self.assertEqual(interest.amount, 8.90)
        self.assertEqual(interest.rate, 0.0, "a period over two rates shows no single rate")
        self.assertIn("rates in force", interest.name)
        # EUR 40 in the company currency at 2 EUR per unit.
        self.assertEqual(charges.filtered(lambda charge: charge.kind == "invoice").amount, 20.0)

    def test_rates_outside_range_rejected(self):
        for field_name in ("interest_rate", "interest_margin", "fee_cap_percent"):
            with self.subTest(field=field_name), self.assertRaises(ValidationError):
                self.policy.write({field_name: 100.5})
        with self.assertRaises(ValidationError):
            self.policy.interest_rate = -1
        with self.assertRaises(ValidationError):
            self.env["arrears.reference.rate"].create({"date_from": date(2026, 1, 1), "rate": 101.0})

    def test_negative_fees_rejected(self):
        with self.assertRaises(ValidationError):
            self.policy.fee_per_invoice = -5.0
        with self.assertRaises(ValidationError):
            self.level_friendly.fee_amount = -1.0

    def test_waive_draft_fee_invoice(self):
        invoice = self._post_invoice(self.customer, 1000.0, DUE)
        charge = self._charge(RUN)
        fee_invoice = charge.fee_move_id

        wizard = (
            self.env["arrears.fee.waive"]
            .with_user(self.manager)
            .create({"move_id": fee_invoice.id, "reason": "Goodwill after a bank error"})
        )
        wizard.action_waive()

        self.assertEqual(fee_invoice.state, "cancel")
        self.assertEqual(charge.state, "waived")
        self.assertEqual(charge.waived_by_id, self.manager)
        self.assertIn("Goodwill after a bank error", invoice.message_ids[0].body)
        self.assertIn("Goodwill after a bank error", fee_invoice.message_ids[0].body)
        self.assertFalse(self._charge(RUN), "a waived period is not charged again")

    def test_waive_posted_fee_invoice_credits_it(self):
        self.company.arrears_fee_auto_post = True
        self._post_invoice(self.customer, 1000.0, DUE)
        fee_invoice = self._charge(RUN).fee_move_id

        self.env["arrears.fee.waive"].with_user(self.manager).create(
            {"move_id": fee_invoice.id, "reason": "Disputed delivery"}
        ).action_waive()

        self.assertEqual(fee_invoice.payment_state, "reversed")
        credit = fee_invoice.reversal_move_ids
        self.assertEqual(credit.state, "posted")
        self.assertIn("Disputed delivery", credit.ref)

    def test_collector_cannot_waive(self):
        self._post_invoice(self.customer, 1000.0, DUE)
        fee_invoice = self._charge(RUN).fee_move_id

        with self.assertRaises(AccessError):
            self.env["arrears.fee.waive"].with_user(self.collector).create(
                {"move_id": fee_invoice.id, "reason": "No"}
            ).action_waive()

    def test_waive_paid_fee_invoice_refused(self):
        self.company.arrears_fee_auto_post = True
        self._post_invoice(self.customer, 1000.0, DUE)
        fee_invoice = self._charge(RUN).fee_move_id
        self._pay(fee_invoice, fee_invoice.amount_total, RUN)

        with self.assertRaises(UserError):
            self.env["arrears.fee.waive"].create({"move_id": fee_invoice.id, "reason": "Late"}).action_waive()

    def test_one_invoice_per_customer_and_currency(self):
        self._post_invoice(self.customer, 1000.0, DUE)
        self._post_invoice(self.customer, 500.0, DUE)
        self._post_invoice(self.other_customer, 800.0, DUE)

        charges = self._charge(RUN)

        self.assertEqual(len(charges), 3)
        self.assertEqual(len(charges.fee_move_id), 2)
        mine = charges.filtered(lambda charge: charge.partner_id == self.customer).fee_move_id
        self.assertEqual(len(mine.invoice_line_ids), 2)

    def test_cron_charges_in_batches(self):
        for _index in range(3):
            self._post_invoice(self.customer, 100.0, DUE)

        with freeze_time(RUN):
            first = self.env["arrears.fee.charge"]._cron_charge_fees(batch_size=2)
            second = self.env["arrears.fee.charge"]._cron_charge_fees(batch_size=2)
            third = self.env["arrears.fee.charge"]._cron_charge_fees(batch_size=2)

        self.assertEqual(first, 2)
        self.assertEqual(second, 1)
        self.assertEqual(third, 0)

    def test_collector_charges_from_customer(self):
        self._post_invoice(self.customer, 1000.0, DUE)

        with freeze_time(RUN):
            action = self.customer.with_user(self.collector).action_arrears_charge_fees()

        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(self.env["arrears.fee.charge"].search([("partner_id", "=", self.customer.id)]))

    def test_other_company_charges_stay_apart(self):
        other = self.setup_other_company(name="Other Books")["company"]
        other.arrears_policy_id = self.policy
        self._post_invoice(self.other_customer, 1000.0, DUE, company=other)

        mine = self._charge(RUN)
        theirs = self._charge(RUN, company=other)

        self.assertFalse(mine)
        self.assertEqual(theirs.company_id, other)
        self.assertEqual(theirs.fee_move_id.company_id, other)
        self.assertFalse(self.env["arrears.fee.charge"].with_user(self.collector).search([("id", "in", theirs.ids)]))

    def test_waive_button_only_for_fee_invoices(self):
        invoice = self._post_invoice(self.customer, 1000.0, DUE)
        fee_invoice = self._charge(RUN).fee_move_id

        self.assertTrue(fee_invoice.arrears_fee_waivable)
        self.assertFalse(invoice.arrears_fee_waivable)
        action = fee_invoice.action_arrears_waive_fees()
        self.assertEqual(action["context"]["default_move_id"], fee_invoice.id)

    def test_charge_links_due_line(self):
        invoice = self._post_invoice(self.customer, 1000.0, DUE)

        charge = self._charge(RUN)

        self.assertEqual(charge.currency_id, invoice.currency_id)
        self.assertEqual(charge.move_line_id, self._receivable_lines(invoice))
        self.assertEqual(charge.company_id, self.company)
