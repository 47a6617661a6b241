from odoo import api, fields, models
from odoo.exceptions import ValidationError


class HelpdeskTicketStage(models.Model):
    _inherit = "helpdesk.ticket.stage"

    pause_sla = fields.Boolean(
        string="Pause SLA",
        help="While a ticket is in this stage its SLA timers do not run, for example while waiting for the customer.",
    )

    @api.constrains("pause_sla", "closed")
    def _check_pause_sla_not_closed(self):
        for stage in self:
            if stage.pause_sla and stage.closed:
                raise ValidationError(
                    self.env._(
                        "Stage %(stage)s both closes tickets and pauses their SLA timers: untick Pause SLA, "
                        "because closing a ticket already stops its timers.",
                        stage=stage.name,
                    )
                )
