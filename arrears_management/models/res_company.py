from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..logic import aging


class ResCompany(models.Model):
    _inherit = "res.company"

    arrears_policy_id = fields.Many2one(
        "arrears.policy",
        string="Default Escalation Policy",
        help="Escalation policy of customers that have none of their own.",
        default=lambda self: self.env.ref("arrears_management.arrears_policy_default", raise_if_not_found=False),
    )
    arrears_bucket_boundaries = fields.Char(
        string="Aging Bucket Boundaries",
        default="30,60,90",
        required=True,
        help="Days overdue at which each aging bucket ends, ascending and comma-separated. "
        "30,60,90 gives the buckets current, 1-30, 31-60, 61-90 and over 90.",
    )
    arrears_gateway_id = fields.Many2one(
        "arrears.gateway",
        string="SMS and Voice Gateway",
        check_company=True,
        help="Provider that sends the reminder SMS and automated calls of this company.",
    )
    arrears_contact_hour_from = fields.Float(
        string="Calls and SMS From",
        default=9.0,
        help="Local hour of the customer from which SMS and automated calls may go out, on the contact days.",
    )
    arrears_contact_hour_to = fields.Float(
        string="Calls and SMS Until",
        default=19.0,
        help="Local hour of the customer after which no SMS or automated call goes out.",
    )
    arrears_contact_days = fields.Selection(
        [
            ("mon_fri", "Monday to Friday"),
            ("mon_sat", "Monday to Saturday"),
            ("sun_thu", "Sunday to Thursday"),
            ("every_day", "Every day"),
        ],
        string="Calls and SMS On",
        default="mon_fri",
        required=True,
        help="Days of the customer's week on which SMS and automated calls may go out, in the customer's timezone.",
    )
    arrears_reminder_max_age_days = fields.Integer(
        string="Reminder Delivery Deadline (days)",
        default=3,
        help="A reminder still queued this many days after the run is marked failed, so none waits forever.",
    )

    arrears_payment_policy_text = fields.Text(
        string="Payment Policy",
        translate=True,
        default=lambda self: self._default_arrears_payment_policy_text(),
        help="Short text on invoices, invoice emails, reminders and the customer portal, one translation per "
        "language. Placeholders: {due_date}, {amount}, {late_fee}, {interest_rate}, {grace_days}, {reference}, "
        "{company}.",
    )
    arrears_fee_auto_post = fields.Boolean(
        string="Post Fee Invoices",
        help="Post the invoices of late fees and interest right away; otherwise they stay in draft for review.",
    )
    arrears_fee_journal_id = fields.Many2one(
        "account.journal",
        string="Fee Journal",
        check_company=True,
        domain="[('type', '=', 'sale')]",
        help="Sales journal of the fee invoices; empty for the first sales journal.",
    )
    arrears_fee_account_id = fields.Many2one(
        "account.account",
        string="Fee Income Account",
        check_company=True,
        domain="[('account_type', 'in', ('income', 'income_other'))]",
        help="Income account of fee invoice lines; empty for the fee journal's default account.",
    )
    arrears_plan_reminder_days = fields.Integer(
        string="Installment Reminder (days before)",
        default=3,
        help="Days before each installment date on which the customer receives a reminder email.",
    )

    def _default_arrears_payment_policy_text(self):
        return self.env._(
            "{amount} is due on {due_date}. Payments received later than {grace_days} days after the due date "
            "bear interest at {interest_rate} a year and a late payment fee of {late_fee}."
        )

    @api.constrains("arrears_plan_reminder_days")
    def _check_arrears_plan_reminder_days(self):
        for company in self:
            if company.arrears_plan_reminder_days < 0:
                raise ValidationError(
                    self.env._(
                        "The installment reminder of %(company)s is set %(days)s days before the date: enter 0 or more.",
                        company=company.name,
                        days=company.arrears_plan_reminder_days,
                    )
                )

    @api.constrains("arrears_bucket_boundaries")
    def _check_arrears_bucket_boundaries(self):
        for company in self:
            try:
                aging.parse_bucket_boundaries(company.arrears_bucket_boundaries)
            except aging.InvalidBoundaries as err:
                raise ValidationError(
                    self.env._(
                        "Invalid aging bucket boundaries %(value)r on %(company)s: %(error)s",
                        value=company.arrears_bucket_boundaries,
                        company=company.name,
                        error=err,
                    )
                ) from err

    @api.constrains("arrears_contact_hour_from", "arrears_contact_hour_to")
    def _check_arrears_contact_hours(self):
        for company in self:
            start, end = company.arrears_contact_hour_from, company.arrears_contact_hour_to
            if not (0 <= start < end <= 24):
                raise ValidationError(
                    self.env._(
                        "The SMS and call window %(start)s-%(end)s of %(company)s is invalid: "
                        "the start must come before the end, both between 0 and 24.",
                        start=start,
                        end=end,
                        company=company.name,
                    )
                )

    @api.model
    def _arrears_set_default_policy(self):
        """Give the shipped default policy to every company that has none, at install."""
        policy = self.env.ref("arrears_management.arrears_policy_default", raise_if_not_found=False)
        if policy:
            self.sudo().search([("arrears_policy_id", "=", False)]).write({"arrears_policy_id": policy.id})

    def _arrears_bucket_boundaries(self):
        """Return the parsed bucket boundaries of this company."""
        self.ensure_one()
        return aging.parse_bucket_boundaries(self.arrears_bucket_boundaries or "30,60,90")

    def _arrears_fee_journal(self):
        """Return the sales journal of this company's fee invoices, or raise UserError when it has none."""
        self.ensure_one()
        journal = self.arrears_fee_journal_id or self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(self), ("type", "=", "sale")], limit=1
        )
        if not journal:
            raise UserError(
                self.env._("%(company)s has no sales journal for fee invoices: create one.", company=self.name)
            )
        return journal

    def _arrears_fee_account(self, journal):
        """Return the income account of fee invoice lines, or raise UserError when none is set."""
        self.ensure_one()
        account = self.arrears_fee_account_id or journal.default_account_id
        if not account:
            raise UserError(
                self.env._(
                    "No income account for fee invoices in %(company)s: set one in Invoicing settings, "
                    "Collections section.",
                    company=self.name,
                )
            )
        return account

    def _arrears_today(self):
        """Return today's date in the company's timezone (its partner's ``tz``), not in UTC."""
        self.ensure_one()
        tz = self.partner_id.tz or "UTC"
        return fields.Datetime.context_timestamp(self.with_context(tz=tz), fields.Datetime.now()).date()
