from odoo import api, fields, models

PAUSE_REASONS = [
    ("stage", "Pausing Stage"),
    ("closed", "Closed"),
]


class CsoSlaPause(models.Model):
    """A span during which the SLA timers of a ticket do not run.

    The ticket is either in a stage marked to pause the clock or closed.
    Pauses belong to the ticket, so a timer created later (for a policy that
    starts to apply) uses the same history. Each timer counts the pauses that
    overlap its own life.
    """

    _name = "cso.sla.pause"
    _inherit = ["cso.ticket.access.mixin"]
    _description = "SLA Pause"
    _order = "start_at, id"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, ondelete="cascade", index=True, readonly=True)
    start_at = fields.Datetime(string="Paused", required=True, readonly=True)
    end_at = fields.Datetime(string="Resumed", readonly=True, help="Empty while the pause lasts.")
    stage_id = fields.Many2one("helpdesk.ticket.stage", readonly=True, ondelete="set null")
    reason = fields.Selection(PAUSE_REASONS, required=True, readonly=True)
    duration_hours = fields.Float(string="Duration (hours)", compute="_compute_duration_hours")

    @api.depends("start_at", "end_at")
    def _compute_duration_hours(self):
        now = fields.Datetime.now()
        for pause in self:
            end = pause.end_at or now
            pause.duration_hours = (end - pause.start_at).total_seconds() / 3600 if pause.start_at else 0.0
