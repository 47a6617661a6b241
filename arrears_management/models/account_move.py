from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..logic import aging
from .arrears_reminder import _SafeValues

EXCLUSION_REASONS = [
    ("dispute", "Dispute"),
    ("promise", "Promise to Pay"),
    ("plan", "Payment Plan"),
    ("manual", "Manual"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    # Computed from the open due lines on every read. account.move.line explains why none is stored.
    arrears_days_overdue = fields.Integer(
        string="Days Overdue", compute="_compute_arrears_summary", help="Days past the oldest open due date, today."
    )
    arrears_aging_bucket = fields.Char(string="Aging Bucket", compute="_compute_arrears_summary")
    arrears_level_id = fields.Many2one(
        "arrears.policy.level", string="Reminder Level", compute="_compute_arrears_summary"
    )
    arrears_last_reminder_date = fields.Date(string="Last Reminder", compute="_compute_arrears_summary")
    arrears_next_reminder_date = fields.Date(string="Next Reminder", compute="_compute_arrears_summary")
    arrears_excluded = fields.Boolean(
        string="Excluded from Escalation", tracking=True, copy=False, help="No reminder goes out for this invoice."
    )
    arrears_exclusion_reason = fields.Selection(EXCLUSION_REASONS, string="Exclusion Reason", tracking=True, copy=False)
    arrears_exclusion_note = fields.Char(string="Exclusion Note", copy=False)
    arrears_reminder_item_ids = fields.One2many("arrears.reminder.item", "move_id", string="Reminders", readonly=True)
    arrears_fee_invoice = fields.Boolean(
        string="Late Fee Invoice",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Invoice of late fees and interest raised by the fee run; it never bears fees itself.",
    )
    arrears_fee_charge_ids = fields.One2many(
        "arrears.fee.charge",
        "fee_move_id",
        string="Charged Fees",
        readonly=True,
        help="Fees and interest this fee invoice charges.",
    )
    arrears_charged_fee_ids = fields.One2many(
        "arrears.fee.charge",
        "move_id",
        string="Late Fees",
        readonly=True,
        help="Fees and interest charged because this invoice was paid late.",
    )
    arrears_fee_waivable = fields.Boolean(compute="_compute_arrears_fee_waivable")

    @api.depends("line_ids.amount_residual", "line_ids.reconciled", "arrears_excluded")
    def _compute_arrears_summary(self):
        receivable = self.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        values = receivable._arrears_aging_values()
        for move in self:
            lines = move.line_ids.filtered(lambda line: line in values)
            rows = []
            for line in lines.filtered(lambda line: not line.reconciled and line.amount_residual > 0):
                line_values = values[line]
                level = line_values["arrears_level_id"]
                rows.append(
                    (
                        line_values["arrears_days_overdue"],
                        line_values["arrears_aging_bucket"],
                        level.id,
                        level.days,
                        None if move.arrears_excluded else line_values["arrears_next_reminder_date"],
                    )
                )
            summary = aging.summarize_lines(rows)
            move.arrears_days_overdue = summary["days_overdue"]
            move.arrears_aging_bucket = summary["aging_bucket"] or False
            move.arrears_level_id = summary["level_id"] or False
            move.arrears_next_reminder_date = summary["next_reminder_date"] or False
            move.arrears_last_reminder_date = max(
                (
                    values[line]["arrears_last_reminder_date"]
                    for line in lines
                    if values[line]["arrears_last_reminder_date"]
                ),
                default=False,
            )

    @api.depends("arrears_fee_charge_ids.state", "state")
    def _compute_arrears_fee_waivable(self):
        for move in self:
            move.arrears_fee_waivable = move.state != "cancel" and any(
                charge.state == "charged" for charge in move.arrears_fee_charge_ids
            )

    @api.onchange("arrears_excluded")
    def _onchange_arrears_excluded(self):
        if self.arrears_excluded and not self.arrears_exclusion_reason:
            self.arrears_exclusion_reason = "manual"
        if not self.arrears_excluded:
            self.arrears_exclusion_reason = False

    def action_arrears_exclude(self):
        """Exclude the invoices from escalation for a manual reason."""
        self.write({"arrears_excluded": True, "arrears_exclusion_reason": "manual"})
        return True

    def action_arrears_include(self):
        """Let the invoices escalate again."""
        self.write({"arrears_excluded": False, "arrears_exclusion_reason": False, "arrears_exclusion_note": False})
        return True

    # ------------------------------------------------------------------
    # Exclusion by payment plans and promises
    # ------------------------------------------------------------------

    def _arrears_exclude_for(self, reason, note):
        """Exclude the invoices that are not excluded yet, for ``reason``; return the ones excluded now.

        Invoices already excluded (a dispute, another promise) keep their reason.
        """
        free = self.filtered(lambda move: not move.arrears_excluded)
        free.sudo().write(
            {"arrears_excluded": True, "arrears_exclusion_reason": reason, "arrears_exclusion_note": note}
        )
        return free

    def _arrears_release(self, reason):
        """Let the invoices excluded for ``reason`` escalate again; other exclusions stay."""
        released = self.filtered(lambda move: move.arrears_excluded and move.arrears_exclusion_reason == reason)
        released.sudo().write(
            {"arrears_excluded": False, "arrears_exclusion_reason": False, "arrears_exclusion_note": False}
        )
        return released

    # ------------------------------------------------------------------
    # Payment policy and payment methods, shown to the customer
    # ------------------------------------------------------------------

    def _arrears_fee_policy(self):
        """Return the escalation policy that sets this invoice's late fees, or an empty recordset."""
        self.ensure_one()
        partner = self.commercial_partner_id.with_company(self.company_id)
        policy = partner.arrears_policy_id or self.company_id.arrears_policy_id
        return policy if policy.fee_mode != "none" else self.env["arrears.policy"]

    def _arrears_payment_policy_values(self, lang=None, amount=None, due_date=None, currency=None):
        """Return the placeholder values of the payment policy text for this invoice.

        ``amount`` (in ``currency``, default the invoice's) and ``due_date``
        replace the invoice's residual and due date, for a reminder or an
        installment that covers other figures.
        """
        self.ensure_one()
        lang = lang or self.partner_id.lang or self.env.lang
        env = self.with_context(lang=lang).env
        currency = (currency or self.currency_id).with_context(lang=lang)
        policy = self._arrears_fee_policy()
        due = due_date or self.invoice_date_due or self.invoice_date or fields.Date.context_today(self)
        open_amount = self.amount_residual if amount is None else amount
        if policy:
            today = self.company_id._arrears_today()
            fee = policy.fee_currency_id._convert(policy.fee_per_invoice, currency, self.company_id, today)
            rate = policy._current_annual_rate(max(today, due))
            grace = policy.interest_grace_days
        else:
            fee, rate, grace = 0.0, 0.0, 0
        return {
            "due_date": format_date(env, due, lang_code=lang),
            "amount": currency.format(open_amount),
            "late_fee": currency.format(fee),
            "interest_rate": f"{rate:.2f} %",
            "grace_days": grace,
            "reference": self.payment_reference or self.name or "",
            "company": self.company_id.name or "",
            "has_fees": bool(policy),
            "lang": env.lang,
        }

    def _arrears_payment_policy_text(self, lang=None, amount=None, due_date=None, currency=None):
        """Render the company's payment policy text for this invoice in ``lang``, or return ''."""
        self.ensure_one()
        values = self._arrears_payment_policy_values(lang, amount, due_date, currency)
        text = self.company_id.with_context(lang=values.pop("lang")).arrears_payment_policy_text or ""
        values.pop("has_fees")
        return text.format_map(_SafeValues(values)).strip()

    def _arrears_payment_methods(self):
        """Return how the customer can pay this invoice, as a dict for the templates.

        Keys: ``bank`` (res.partner.bank or empty), ``reference``,
        ``online_url`` (portal link when a payment provider is enabled, else
        False), ``mandate`` (direct debit mandate reference, or False).
        """
        self.ensure_one()
        customer = self.commercial_partner_id
        bank = self.partner_bank_id or self.company_id.partner_id.bank_ids[:1]
        providers = (
            self.env["payment.provider"]
            .sudo()
            .search_count([("state", "in", ("enabled", "test")), ("company_id", "=", self.company_id.id)], limit=1)
        )
        online_url = False
        if providers and self.state == "posted" and self.amount_residual > 0:
            online_url = self.get_base_url() + self.get_portal_url()
        mandate = customer.arrears_direct_debit and (customer.arrears_mandate_reference or True)
        return {
            "bank": bank,
            "reference": self.payment_reference or self.name,
            "online_url": online_url,
            "mandate": mandate,
        }

    def action_arrears_create_plan(self):
        """Open a new installment plan for the selected invoices of one customer."""
        customers = self.commercial_partner_id
        if len(customers) != 1:
            raise UserError(self.env._("Select the invoices of one customer to create a plan."))
        return self._arrears_plan_action(customers)

    def _arrears_plan_action(self, customer):
        """Return the action that opens a draft plan form for ``customer`` with these invoices."""
        return {
            "type": "ir.actions.act_window",
            "res_model": "arrears.plan",
            "view_mode": "form",
            "target": "current",
            "name": self.env._("New Installment Plan"),
            "context": {"default_partner_id": customer.id, "default_move_ids": [Command.set(self.ids)]},
        }

    def action_arrears_waive_fees(self):
        """Open the wizard that waives this fee invoice's charges with a reason."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "arrears.fee.waive",
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Waive Late Fees"),
            "context": {"default_move_id": self.id},
        }
