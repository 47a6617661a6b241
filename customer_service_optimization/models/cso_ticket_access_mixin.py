from odoo import api, models
from odoo.osv import expression


class CsoTicketAccessMixin(models.AbstractModel):
    """Records that a user may see exactly when they may see their ``ticket_id``.

    Searches add a sub-query on ``helpdesk.ticket`` that runs with the user's
    record rules, and record checks delegate to the tickets. So every rule of
    helpdesk_mgmt, and of any add-on that restricts tickets further, also
    restricts the SLA records without a copy of its domains here.
    """

    _name = "cso.ticket.access.mixin"
    _description = "Access Through the Helpdesk Ticket"

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        if not self.env.su:
            visible_tickets = self.env["helpdesk.ticket"].with_context(active_test=False)._search([])
            domain = expression.AND([domain, [("ticket_id", "in", visible_tickets)]])
        return super()._search(domain, offset=offset, limit=limit, order=order)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result or self.env.su or not self:
            return result
        tickets = self.sudo().ticket_id
        ticket_result = tickets.with_env(self.env)._check_access("read")
        if not ticket_result:
            return None
        forbidden_tickets = ticket_result[0]
        forbidden = self.filtered(lambda record: record.sudo().ticket_id in forbidden_tickets)
        return forbidden, ticket_result[1]
