from odoo import api, models


class ResourceCalendarLeaves(models.Model):
    _inherit = "resource.calendar.leaves"

    @api.model_create_multi
    def create(self, vals_list):
        leaves = super().create(vals_list)
        leaves._sla_schedule_recompute()
        return leaves

    def write(self, vals):
        calendars = self._sla_affected_calendars()
        result = super().write(vals)
        (calendars | self._sla_affected_calendars())._sla_schedule_recompute_outside_calendar_write()
        return result

    def unlink(self):
        calendars = self._sla_affected_calendars()
        result = super().unlink()
        calendars._sla_schedule_recompute_outside_calendar_write()
        return result

    def _sla_affected_calendars(self):
        """Return the calendars whose working time these leaves change.

        Leaves of one resource (an employee's time off) do not change a
        calendar's own working time. A global leave without calendar applies to
        every calendar of its company.
        """
        leaves = self.filtered(lambda leave: not leave.resource_id)
        calendars = leaves.calendar_id
        companies = leaves.filtered(lambda leave: not leave.calendar_id).company_id
        if companies:
            calendars |= self.env["resource.calendar"].search([("company_id", "in", companies.ids)])
        return calendars

    def _sla_schedule_recompute(self):
        self._sla_affected_calendars()._sla_schedule_recompute_outside_calendar_write()
