from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..logic import fees as fee_logic
from ..logic import ladder

CHANNELS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("voice", "Automated Call"),
    ("activity", "Call Activity"),
    ("letter", "Letter (PDF)"),
]

FEE_MODES = [
    ("none", "No Fees"),
    ("custom", "Custom"),
    ("eu_b2b", "EU B2B (Late Payment Directive)"),
]

DAY_COUNT_CONVENTIONS = [
    (fee_logic.ACTUAL_ACTUAL, "Actual/Actual (366 days in leap years)"),
    (fee_logic.ACTUAL_365, "Actual/365 (always 365 days)"),
]

# Late Payment Directive 2011/7/EU, articles 2 and 6: the statutory rate is the
# reference rate plus at least 8 points, and the creditor may claim a fixed EUR 40
# per invoice as compensation for recovery costs.
EU_B2B_MARGIN = 8.0
EU_B2B_FIXED_FEE = 40.0


class ArrearsPolicy(models.Model):
    _name = "arrears.policy"
    _description = "Escalation Policy"
    _order = "name, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the policy between all companies.",
    )
    level_ids = fields.One2many("arrears.policy.level", "policy_id", string="Levels", copy=True)
    min_gap_days = fields.Integer(
        string="Minimum Gap (days)",
        default=7,
        help="Minimum number of days between two reminders to the same customer. Invoices that reach "
        "a level inside the gap go into the next allowed reminder.",
    )
    manager_id = fields.Many2one(
        "res.users",
        string="Collections Manager",
        help="User who receives a to-do when a level asks to notify the collections manager.",
    )
    collector_id = fields.Many2one(
        "res.users",
        string="Default Collector",
        help="User who receives call activities for customers without a collector of their own.",
    )
    fee_mode = fields.Selection(
        FEE_MODES,
        string="Late Fees",
        default="none",
        required=True,
        help="Custom: your own fees and rate. EU B2B: the reference rate of the dated table plus the margin, "
        "and a fixed EUR 40 per invoice.",
    )
    fee_currency_id = fields.Many2one(
        "res.currency",
        default=lambda self: self.env.company.currency_id,
        help="Currency of the fixed fees and the minimum; they are converted to each invoice's currency.",
    )
    fee_per_invoice = fields.Monetary(
        string="Fixed Fee per Invoice",
        currency_field="fee_currency_id",
        help="Charged once per overdue invoice, after the grace days.",
    )
    interest_rate = fields.Float(
        string="Annual Interest Rate (%)", digits=(16, 4), help="Custom mode: yearly late payment interest in percent."
    )
    interest_margin = fields.Float(
        string="Points over Reference Rate",
        digits=(16, 4),
        default=EU_B2B_MARGIN,
        help="EU B2B mode: percentage points added to the reference rate in force on each late day.",
    )
    interest_grace_days = fields.Integer(
        string="Grace Days", help="Days after the due date without fees or interest; interest starts the day after."
    )
    interest_day_count = fields.Selection(
        DAY_COUNT_CONVENTIONS,
        string="Day Count",
        default=fee_logic.ACTUAL_ACTUAL,
        required=True,
        help="How a late day's share of the annual rate is computed.",
    )
    interest_interval_days = fields.Integer(
        string="Charge Interest Every (days)",
        default=30,
        help="Interest of an open invoice is charged once this many late days have accrued since the last charge; "
        "an invoice paid in full gets its last period at the next run.",
    )
    fee_min_overdue_amount = fields.Monetary(
        string="Minimum Overdue Amount",
        currency_field="fee_currency_id",
        help="No fee is charged and no interest accrues while the open amount of a due line is below this amount.",
    )
    fee_cap_percent = fields.Float(
        string="Cap (% of Due Line)",
        help="Fees and interest charged on one due line never exceed this percentage of its amount; 0 for no cap.",
    )
    fee_start_date = fields.Date(
        string="Charge Lines Due From",
        help="Due lines that fell due before this date are never charged; leave empty to charge all.",
    )
    plan_grace_days = fields.Integer(
        string="Installment Grace Days",
        default=5,
        help="Days after an installment's date before a payment plan that misses it counts as broken.",
    )
    plan_resume_level_id = fields.Many2one(
        "arrears.policy.level",
        string="Resume Broken Plans at",
        domain="[('policy_id', '=', id)]",
        help="Level sent at the next run after a payment plan breaks, even when the invoices are not that late "
        "yet. Empty: escalation resumes at the level their days overdue reach.",
    )

    @api.constrains("min_gap_days")
    def _check_min_gap_days(self):
        for policy in self:
            if policy.min_gap_days < 0:
                raise ValidationError(
                    self.env._(
                        "The minimum gap of policy %(policy)s is %(days)s days: enter 0 or more.",
                        policy=policy.name,
                        days=policy.min_gap_days,
                    )
                )

    @api.constrains("interest_rate", "interest_margin", "fee_cap_percent")
    def _check_fee_rates(self):
        for policy in self:
            for field_name in ("interest_rate", "interest_margin", "fee_cap_percent"):
                value = policy[field_name]
                if not 0 <= value <= 100:
                    raise ValidationError(
                        self.env._(
                            "%(field)s of policy %(policy)s is %(value)s %%: enter a percentage from 0 to 100.",
                            field=self._fields[field_name].get_description(self.env)["string"],
                            policy=policy.name,
                            value=value,
                        )
                    )

    @api.constrains(
        "fee_per_invoice", "fee_min_overdue_amount", "interest_grace_days", "interest_interval_days", "plan_grace_days"
    )
    def _check_fee_amounts(self):
        for policy in self:
            if policy.fee_per_invoice < 0 or policy.fee_min_overdue_amount < 0:
                raise ValidationError(
                    self.env._(
                        "The fixed fee (%(fee)s) and the minimum overdue amount (%(minimum)s) of policy %(policy)s "
                        "cannot be negative: enter 0 or more.",
                        fee=policy.fee_per_invoice,
                        minimum=policy.fee_min_overdue_amount,
                        policy=policy.name,
                    )
                )
            if policy.interest_grace_days < 0 or policy.plan_grace_days < 0:
                raise ValidationError(
                    self.env._(
                        "The grace days of policy %(policy)s cannot be negative: enter 0 or more.", policy=policy.name
                    )
                )
            if policy.interest_interval_days < 1:
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s charges interest every %(days)s days: enter 1 or more.",
                        policy=policy.name,
                        days=policy.interest_interval_days,
                    )
                )

    @api.onchange("fee_mode")
    def _onchange_fee_mode(self):
        if self.fee_mode == "eu_b2b":
            euro = self.env.ref("base.EUR", raise_if_not_found=False)
            self.fee_currency_id = euro or self.fee_currency_id
            self.fee_per_invoice = EU_B2B_FIXED_FEE
            self.interest_margin = EU_B2B_MARGIN
            self.interest_rate = 0.0

    def _fee_rate_periods(self):
        """Return the annual rates of this policy as ``fees.RatePeriod`` values, oldest first."""
        self.ensure_one()
        if self.fee_mode == "custom":
            return [fee_logic.RatePeriod(fields.Date.to_date("1900-01-01"), self.interest_rate)]
        if self.fee_mode == "eu_b2b":
            # The table has two rows a year, and every row may matter for an old period.
            rows = self.env["arrears.reference.rate"].sudo().search([], order="date_from")  # pylint: disable=no-search-all
            return [fee_logic.RatePeriod(row.date_from, min(100.0, row.rate + self.interest_margin)) for row in rows]
        return []

    def _current_annual_rate(self, day):
        """Return the annual interest rate in percent that applies on ``day``."""
        self.ensure_one()
        return float(fee_logic.rate_on(self._fee_rate_periods(), day))

    def _to_ladder_policy(self):
        """Return this policy as a plain ``ladder.Policy``."""
        self.ensure_one()
        levels = tuple(ladder.Level(level.id, level.days) for level in self.level_ids)
        return ladder.Policy(self.id, levels, self.min_gap_days)


class ArrearsPolicyLevel(models.Model):
    _name = "arrears.policy.level"
    _description = "Escalation Level"
    _order = "policy_id, days, id"

    name = fields.Char(required=True, translate=True)
    policy_id = fields.Many2one("arrears.policy", required=True, ondelete="cascade", index=True)
    days = fields.Integer(
        string="Days After Due Date",
        required=True,
        help="The level triggers this many days after the due date; a negative number sends a courtesy "
        "reminder before the due date.",
    )
    send_email = fields.Boolean(string="Email", default=True)
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain=[("model", "=", "arrears.reminder")],
    )
    send_sms = fields.Boolean(string="SMS")
    sms_body = fields.Text(
        string="SMS Text",
        translate=True,
        help="Placeholders: {customer}, {amount}, {count}, {company}, {oldest_due_date}.",
    )
    send_voice = fields.Boolean(string="Automated Call")
    voice_body = fields.Text(
        string="Spoken Text",
        translate=True,
        help="Read to the customer by the automated call; same placeholders as the SMS text.",
    )
    create_activity = fields.Boolean(string="Call Activity for a Collector")
    print_letter = fields.Boolean(string="Printable Letter")
    credit_hold = fields.Boolean(help="Put the customer on credit hold when it reaches this level.")
    notify_manager = fields.Boolean(
        string="Notify Collections Manager",
        help="Give the policy's collections manager a to-do when a customer reaches this level.",
    )
    fee_currency_id = fields.Many2one(related="policy_id.fee_currency_id")
    fee_amount = fields.Monetary(
        string="Fee at This Level",
        currency_field="fee_currency_id",
        help="Charged once per due line that receives this level, when the policy charges late fees.",
    )

    _sql_constraints = [
        ("days_policy_unique", "unique(policy_id, days)", "Two levels of one policy cannot trigger on the same day."),
    ]

    @api.constrains("fee_amount")
    def _check_fee_amount(self):
        for level in self:
            if level.fee_amount < 0:
                raise ValidationError(
                    self.env._(
                        "The fee of level %(level)s is %(amount)s: enter 0 or more.",
                        level=level.name,
                        amount=level.fee_amount,
                    )
                )

    @api.constrains("send_email", "mail_template_id", "send_sms", "sms_body", "send_voice", "voice_body")
    def _check_channel_content(self):
        for level in self:
            if level.send_email and not level.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "Level %(level)s sends an email but has no email template: choose one.", level=level.name
                    )
                )
            if level.send_sms and not (level.sms_body or "").strip():
                raise ValidationError(
                    self.env._("Level %(level)s sends an SMS but its SMS text is empty: write one.", level=level.name)
                )
            if level.send_voice and not (level.voice_body or "").strip():
                raise ValidationError(
                    self.env._(
                        "Level %(level)s places a call but its spoken text is empty: write one.", level=level.name
                    )
                )

    def _channels(self):
        """Return the channel codes this level uses, in delivery order."""
        self.ensure_one()
        flags = {
            "email": self.send_email,
            "sms": self.send_sms,
            "voice": self.send_voice,
            "activity": self.create_activity,
            "letter": self.print_letter,
        }
        return [code for code, _label in CHANNELS if flags[code]]
