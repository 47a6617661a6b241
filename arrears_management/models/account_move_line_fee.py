# Kept apart from the escalation fields of the same model, which live in their own file.
# pylint: disable=consider-merging-classes-inherited
from datetime import timedelta

from odoo import api, fields, models

from ..logic import fees as fee_logic


class AccountMoveLine(models.Model):
    """Late fee bookkeeping of receivable due lines."""

    _inherit = "account.move.line"

    arrears_fee_checked_date = fields.Date(
        string="Fees Checked On", readonly=True, copy=False, help="Date of the last fee run that looked at this line."
    )
    arrears_fee_pending = fields.Boolean(
        string="Interest Pending",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The line was late at a fee run, so its last interest period is charged once it is paid.",
    )
    arrears_interest_from = fields.Date(
        string="Interest Accrues From",
        readonly=True,
        copy=False,
        help="No interest accrues before this day, for example during a payment plan that ended.",
    )
    arrears_resume_level_id = fields.Many2one(
        "arrears.policy.level",
        string="Resume at Level",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="Level the next escalation run sends even when the line is not that late yet, set when a "
        "payment plan breaks.",
    )

    @api.model
    def _arrears_fee_candidates_domain(self, company, today):
        """Return the domain of the due lines the fee run still has to look at today.

        Open late lines, and lines paid since a run saw them late (their last
        interest period is still to charge). Fee invoices are never charged.
        """
        # NOTE: a line paid late before any run saw it late and open never gets
        # ``arrears_fee_pending``, so its interest is not charged.
        return [
            ("company_id", "=", company.id),
            ("move_id.move_type", "=", "out_invoice"),
            ("move_id.arrears_fee_invoice", "=", False),
            ("parent_state", "=", "posted"),
            ("account_id.account_type", "=", "asset_receivable"),
            ("date_maturity", "<", today),
            "|",
            ("arrears_fee_checked_date", "=", False),
            ("arrears_fee_checked_date", "<", today),
            "|",
            "&",
            ("reconciled", "=", False),
            ("amount_residual", ">", 0),
            ("arrears_fee_pending", "=", True),
        ]

    def _arrears_movements(self):
        """Return the payments and credit notes reconciled with this due line as ``fees.Movement`` values.

        Amounts are in the line's currency; exchange difference entries carry
        no amount in that currency and drop out.
        """
        self.ensure_one()
        movements = []
        for partial in self.matched_credit_ids:
            amount = partial.debit_amount_currency
            if amount:
                movements.append(fee_logic.Movement(partial.credit_move_id.date, amount))
        return movements

    def _arrears_charges_due(
        self, policy, today, charged_until, charged_total, charged_levels, reached_levels, invoice_fee_due
    ):
        """Return the values of the fee charges due on this line today under ``policy``.

        Fixed fees come first, then interest, and the policy's cap applies to
        their running total.
        """
        self.ensure_one()
        company = self.company_id
        currency = self.currency_id
        digits = currency.decimal_places
        original = self.amount_currency
        movements = self._arrears_movements()
        is_open = not self.reconciled and self.amount_residual_currency > 0
        minimum = policy.fee_currency_id._convert(policy.fee_min_overdue_amount, currency, company, today)
        cap = fee_logic.cap_limit(original, policy.fee_cap_percent)
        first_late_day = fee_logic.interest_start(self.date_maturity, policy.interest_grace_days)
        lang = self.partner_id.lang or self.env.lang
        already = charged_total
        values = []

        def add(kind, amount, **extra):
            nonlocal already
            amount = float(fee_logic.round_money(fee_logic.apply_cap(amount, already, cap), digits))
            if amount <= 0:
                return
            already += amount
            values.append(
                dict(
                    {
                        "company_id": company.id,
                        "partner_id": self.partner_id.id,
                        "move_id": self.move_id.id,
                        "move_line_id": self.id,
                        "kind": kind,
                        "currency_id": currency.id,
                        "amount": amount,
                    },
                    **extra,
                )
            )

        late = today >= first_late_day
        above_minimum = is_open and self.amount_residual_currency >= minimum
        if late and above_minimum and invoice_fee_due and policy.fee_per_invoice and self._arrears_is_first_due_line():
            amount = policy.fee_currency_id._convert(policy.fee_per_invoice, currency, company, today)
            add(
                "invoice",
                amount,
                period_start=self.date_maturity,
                name=self.env["arrears.fee.charge"]._label("invoice", self.move_id, lang),
            )
        if above_minimum:
            levels = self.env["arrears.policy.level"].browse(sorted(reached_levels - charged_levels))
            for level in levels.filtered(lambda level: level.policy_id == policy and level.fee_amount > 0):
                amount = policy.fee_currency_id._convert(level.fee_amount, currency, company, today)
                add(
                    "level",
                    amount,
                    level_id=level.id,
                    period_start=today,
                    name=self.env["arrears.fee.charge"]._label("level", self.move_id, lang, level=level),
                )

        rate_periods = policy._fee_rate_periods()
        if self.arrears_interest_from:
            resumed = self.arrears_interest_from - timedelta(days=1)
            charged_until = max(charged_until, resumed) if charged_until else resumed
        settled = None
        if not is_open:
            settled = fee_logic.settled_on(original, movements) or max(
                (movement.date for movement in movements), default=today
            )
        period = rate_periods and fee_logic.next_interest_period(
            self.date_maturity,
            policy.interest_grace_days,
            charged_until,
            today,
            settled_date=settled,
            interval_days=policy.interest_interval_days,
        )
        if period:
            start, end = period
            result = fee_logic.accrue_interest(
                original, movements, rate_periods, start, end, minimum, policy.interest_day_count, digits
            )
            rates = {segment.rate for segment in result.segments}
            # A period over two reference rates has no single rate to show.
            rate = float(rates.pop()) if len(rates) == 1 else 0.0
            add(
                "interest",
                result.amount,
                period_start=start,
                period_end=end,
                days=result.days,
                rate=rate,
                name=self.env["arrears.fee.charge"]._label(
                    "interest", self.move_id, lang, period=(start, end), days=result.days, rate=rate
                ),
            )
        return values

    def _arrears_is_first_due_line(self):
        """Return whether this is the invoice's earliest receivable due line, which carries the per-invoice fee."""
        self.ensure_one()
        receivable = self.move_id.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        first = min(receivable, key=lambda line: (line.date_maturity or fields.Date.today(), line.id))
        return first == self
