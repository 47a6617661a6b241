from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..logic import ladder

CHANNELS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("voice", "Automated Call"),
    ("activity", "Call Activity"),
    ("letter", "Letter (PDF)"),
]


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
        help="Fewest days between two reminders to the same customer. Invoices that reach "
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

    _sql_constraints = [
        ("days_policy_unique", "unique(policy_id, days)", "Two levels of one policy cannot trigger on the same day."),
    ]

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
