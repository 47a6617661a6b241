from odoo import api, fields, models

EXCLUSION_REASONS = [
    ("dispute", "Dispute"),
    ("promise", "Promise to Pay"),
    ("manual", "Manual"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    arrears_days_overdue = fields.Integer(
        string="Days Overdue",
        compute="_compute_arrears_summary",
        store=True,
        help="Days past the oldest open due date.",
    )
    arrears_aging_bucket = fields.Char(string="Aging Bucket", compute="_compute_arrears_summary", store=True)
    arrears_level_id = fields.Many2one(
        "arrears.policy.level", string="Reminder Level", compute="_compute_arrears_summary", store=True
    )
    arrears_last_reminder_date = fields.Date(string="Last Reminder", compute="_compute_arrears_summary", store=True)
    arrears_next_reminder_date = fields.Date(string="Next Reminder", compute="_compute_arrears_summary", store=True)
    arrears_excluded = fields.Boolean(
        string="Excluded from Escalation", tracking=True, copy=False, help="No reminder goes out for this invoice."
    )
    arrears_exclusion_reason = fields.Selection(EXCLUSION_REASONS, string="Exclusion Reason", tracking=True, copy=False)
    arrears_exclusion_note = fields.Char(string="Exclusion Note", copy=False)
    arrears_reminder_item_ids = fields.One2many("arrears.reminder.item", "move_id", string="Reminders", readonly=True)

    @api.depends(
        "line_ids.arrears_days_overdue",
        "line_ids.arrears_level_id",
        "line_ids.arrears_last_reminder_date",
        "line_ids.arrears_next_reminder_date",
        "line_ids.amount_residual",
        "line_ids.reconciled",
        "arrears_excluded",
    )
    def _compute_arrears_summary(self):
        for move in self:
            lines = move.line_ids.filtered(
                lambda line: (
                    line.account_id.account_type == "asset_receivable"
                    and not line.reconciled
                    and line.amount_residual > 0
                )
            )
            levels = lines.arrears_level_id
            days = max(lines.mapped("arrears_days_overdue"), default=0)
            move.arrears_days_overdue = days
            move.arrears_aging_bucket = (
                lines and max(lines, key=lambda line: line.arrears_days_overdue).arrears_aging_bucket or False
            )
            move.arrears_level_id = levels and max(levels, key=lambda level: level.days) or False
            move.arrears_last_reminder_date = max(
                move.line_ids.filtered("arrears_last_reminder_date").mapped("arrears_last_reminder_date"), default=False
            )
            next_dates = [date for date in lines.mapped("arrears_next_reminder_date") if date]
            move.arrears_next_reminder_date = not move.arrears_excluded and min(next_dates, default=False) or False

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
