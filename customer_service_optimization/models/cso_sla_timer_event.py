from odoo import fields, models

EVENT_TYPES = [
    ("start", "Started"),
    ("pause", "Paused"),
    ("resume", "Resumed"),
    ("stage", "Stage Changed"),
    ("assign", "Assignee Changed"),
    ("warning", "Warning Sent"),
    ("breach", "Breached"),
    ("achieved", "Achieved"),
    ("stop", "Stopped"),
    ("reopen", "Resumed After Reopening"),
    ("recompute", "Deadline Recomputed"),
    ("policy_removed", "Policy No Longer Applies"),
    ("problem", "Configuration Problem"),
]


class CsoSlaTimerEvent(models.Model):
    """One line of a timer's explanation, with the stage and assignee of the ticket at that moment."""

    _name = "cso.sla.timer.event"
    _inherit = ["cso.ticket.access.mixin"]
    _description = "SLA Timer Explanation Line"
    _order = "at, id"

    timer_id = fields.Many2one("cso.sla.timer", required=True, ondelete="cascade", index=True, readonly=True)
    ticket_id = fields.Many2one(related="timer_id.ticket_id", store=True, index=True)
    at = fields.Datetime(string="When", required=True, readonly=True)
    event_type = fields.Selection(EVENT_TYPES, string="Event", required=True, readonly=True)
    stage_id = fields.Many2one("helpdesk.ticket.stage", readonly=True, ondelete="set null")
    user_id = fields.Many2one("res.users", string="Assigned User", readonly=True, ondelete="set null")
    note = fields.Text(readonly=True)
