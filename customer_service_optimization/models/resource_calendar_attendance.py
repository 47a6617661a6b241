from odoo import api, models


class ResourceCalendarAttendance(models.Model):
    _inherit = "resource.calendar.attendance"

    @api.model_create_multi
    def create(self, vals_list):
        attendances = super().create(vals_list)
        attendances._sla_schedule_recompute()
        return attendances

    def write(self, vals):
        calendars = self.calendar_id
        result = super().write(vals)
        (calendars | self.calendar_id)._sla_schedule_recompute_outside_calendar_write()
        return result

    def unlink(self):
        calendars = self.calendar_id
        result = super().unlink()
        calendars._sla_schedule_recompute_outside_calendar_write()
        return result

    def _sla_schedule_recompute(self):
        self.calendar_id._sla_schedule_recompute_outside_calendar_write()
