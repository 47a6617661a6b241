from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.cso_sla_policy import TICKET_PRIORITIES
from ..models.cso_sla_timer import TIMER_KINDS, TIMER_STATES

# Report measures aggregated as the 90th percentile instead of their declared aggregator.
PERCENTILE_MEASURES = {"first_response_p90_hours", "resolution_p90_hours"}


class CsoSlaReport(models.Model):
    """One row per SLA timer with its ticket's dimensions, for the pivot and graph of SLA achievement.

    Durations are empty until a timer stops, so averages and percentiles only
    count finished timers. The achievement rate is empty for timers that are
    neither achieved nor breached yet.
    """

    _name = "cso.sla.report"
    _inherit = ["cso.ticket.access.mixin"]
    _description = "SLA Achievement Report"
    _auto = False
    _order = "start_at desc"

    timer_id = fields.Many2one("cso.sla.timer", readonly=True)
    ticket_id = fields.Many2one("helpdesk.ticket", readonly=True)
    policy_id = fields.Many2one("cso.sla.policy", readonly=True)
    kind = fields.Selection(TIMER_KINDS, readonly=True)
    state = fields.Selection(TIMER_STATES, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("helpdesk.ticket.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    category_id = fields.Many2one("helpdesk.ticket.category", readonly=True)
    priority = fields.Selection(TICKET_PRIORITIES, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    customer_tier_id = fields.Many2one("cso.customer.tier", readonly=True)
    start_at = fields.Datetime(string="Started", readonly=True)
    stop_at = fields.Datetime(string="Stopped", readonly=True)
    deadline = fields.Datetime(readonly=True)
    target_hours = fields.Float(string="Target (hours)", readonly=True, aggregator="avg")
    achieved_count = fields.Integer(string="Achieved", readonly=True)
    breached_count = fields.Integer(string="Breaches", readonly=True)
    achievement_rate = fields.Float(
        string="Achievement Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Share of settled timers that kept their target.",
    )
    first_response_hours = fields.Float(string="First Response (avg hours)", readonly=True, aggregator="avg")
    first_response_p90_hours = fields.Float(
        string="First Response (90th percentile hours)", readonly=True, aggregator="max"
    )
    resolution_hours = fields.Float(string="Resolution (avg hours)", readonly=True, aggregator="avg")
    resolution_p90_hours = fields.Float(string="Resolution (90th percentile hours)", readonly=True, aggregator="max")
    next_response_hours = fields.Float(string="Next Response (avg hours)", readonly=True, aggregator="avg")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT timer.id AS id,
                           timer.id AS timer_id,
                           timer.ticket_id,
                           timer.policy_id,
                           timer.kind,
                           timer.state,
                           timer.company_id,
                           ticket.team_id,
                           ticket.user_id,
                           ticket.category_id,
                           ticket.priority,
                           ticket.commercial_partner_id AS partner_id,
                           customer.customer_tier_id,
                           timer.start_at,
                           timer.stop_at,
                           timer.deadline,
                           timer.target_hours,
                           CASE WHEN timer.state = 'achieved' THEN 1 ELSE 0 END AS achieved_count,
                           CASE WHEN timer.state = 'breached' THEN 1 ELSE 0 END AS breached_count,
                           CASE WHEN timer.state = 'achieved' THEN 100.0
                                WHEN timer.state = 'breached' THEN 0.0 END AS achievement_rate,
                           CASE WHEN timer.kind = 'first_response' AND timer.stop_at IS NOT NULL
                                THEN timer.duration_hours END AS first_response_hours,
                           CASE WHEN timer.kind = 'first_response' AND timer.stop_at IS NOT NULL
                                THEN timer.duration_hours END AS first_response_p90_hours,
                           CASE WHEN timer.kind = 'resolution' AND timer.stop_at IS NOT NULL
                                THEN timer.duration_hours END AS resolution_hours,
                           CASE WHEN timer.kind = 'resolution' AND timer.stop_at IS NOT NULL
                                THEN timer.duration_hours END AS resolution_p90_hours,
                           CASE WHEN timer.kind = 'next_response' AND timer.stop_at IS NOT NULL
                                THEN timer.duration_hours END AS next_response_hours
                      FROM cso_sla_timer timer
                      JOIN helpdesk_ticket ticket ON ticket.id = timer.ticket_id
                 LEFT JOIN res_partner customer ON customer.id = ticket.commercial_partner_id
                     WHERE ticket.active
                )
                """,
                SQL.identifier(self._table),
            )
        )

    def _read_group_select(self, aggregate_spec, query):
        # The percentile columns declare "max" because the web client lists
        # only fields with an aggregator as measures. Any aggregate of them
        # returns the 90th percentile.
        field_name = aggregate_spec.split(":")[0]
        if field_name in PERCENTILE_MEASURES:
            return SQL(
                "percentile_cont(0.9) WITHIN GROUP (ORDER BY %s)",
                self._field_to_sql(self._table, field_name, query),
            )
        return super()._read_group_select(aggregate_spec, query)

    def action_open_ticket(self):
        return self.timer_id.action_open_ticket()
