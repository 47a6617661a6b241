from odoo import api, fields, models


class ArrearsRunPreview(models.TransientModel):
    _name = "arrears.run.preview"
    _description = "Preview of Today's Escalation Run"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, readonly=True)
    date = fields.Date(readonly=True)
    line_ids = fields.One2many("arrears.run.preview.line", "preview_id", readonly=True)
    reminder_count = fields.Integer(compute="_compute_reminder_count")

    @api.depends("line_ids")
    def _compute_reminder_count(self):
        for preview in self:
            preview.reminder_count = len(preview.line_ids)

    @api.model
    def action_open(self):
        """Open a preview of what today's run would send in the current company, without sending."""
        preview = self.create({})
        preview._fill()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": preview.id,
            "view_mode": "form",
            "target": "current",
            "name": self.env._("Today's Reminders (Preview)"),
        }

    def _fill(self):
        self.ensure_one()
        company = self.company_id
        today = company._arrears_today()
        lines = self.env["account.move.line"].with_company(company)._arrears_open_lines(company)
        plan, _policies = lines._arrears_plan(company, today)
        channel_labels = dict(self.env["arrears.reminder"]._fields["channel"]._description_selection(self.env))
        amount_by_line = {line.id: line.amount_residual for line in lines}
        values = []
        for planned in plan:
            level = self.env["arrears.policy.level"].browse(planned.level_id)
            move_lines = self.env["account.move.line"].browse(list(planned.line_levels))
            values.append(
                {
                    "preview_id": self.id,
                    "partner_id": planned.partner_id,
                    "level_id": level.id,
                    "channels": ", ".join(channel_labels[code] for code in level._channels()),
                    "invoice_count": len(move_lines.move_id),
                    "amount": sum(amount_by_line[line_id] for line_id in planned.line_levels),
                }
            )
        self.date = today
        self.env["arrears.run.preview.line"].create(values)


class ArrearsRunPreviewLine(models.TransientModel):
    _name = "arrears.run.preview.line"
    _description = "Previewed Reminder"
    _order = "amount desc"

    preview_id = fields.Many2one("arrears.run.preview", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    level_id = fields.Many2one("arrears.policy.level", readonly=True)
    channels = fields.Char(readonly=True)
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    currency_id = fields.Many2one(related="preview_id.company_id.currency_id")
    amount = fields.Monetary(string="Amount Due", readonly=True)
