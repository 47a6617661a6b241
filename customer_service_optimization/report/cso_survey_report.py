from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.cso_sla_policy import TICKET_PRIORITIES
from ..models.cso_survey import FOLLOWUP_STATES

SLA_OUTCOMES = [("achieved", "SLA Achieved"), ("breached", "SLA Breached"), ("none", "No SLA")]


class CsoSurveyReport(models.Model):
    """One row per sent satisfaction survey with its ticket's dimensions, for the pivot and graph of satisfaction.

    The rates are averages of per-row values that are empty where they do not
    apply, so a pivot grouped by any dimension shows the exact figure. CSAT
    averages 100 (score 4 or 5) and 0 over answered surveys. NPS averages 100
    (promoter), 0 and -100 (detractor) over the recommendation answers. The
    response rate averages 100 and 0 over sent surveys. The SLA outcome
    comes from the ticket's SLA timers: breached when any timer was breached,
    achieved when at least one was achieved and none breached.
    """

    _name = "cso.survey.report"
    _inherit = ["cso.ticket.access.mixin"]
    _description = "Satisfaction Report"
    _auto = False
    _order = "sent_at desc"
    # Fields the view reads: the ORM flushes them before it queries the view.
    _depends = {
        "cso.survey": [
            "ticket_id",
            "company_id",
            "team_id",
            "user_id",
            "category_id",
            "partner_id",
            "reason_id",
            "state",
            "followup_state",
            "sent_at",
            "answered_at",
            "comment",
            "score",
            "nps_score",
            "is_low_score",
        ],
        "helpdesk.ticket": ["priority", "active"],
        "res.partner": ["commercial_partner_id", "customer_tier_id"],
        "cso.sla.timer": ["ticket_id", "state"],
    }

    survey_id = fields.Many2one("cso.survey", readonly=True)
    ticket_id = fields.Many2one("helpdesk.ticket", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("helpdesk.ticket.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    category_id = fields.Many2one("helpdesk.ticket.category", readonly=True)
    priority = fields.Selection(TICKET_PRIORITIES, readonly=True)
    contact_id = fields.Many2one("res.partner", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    customer_tier_id = fields.Many2one("cso.customer.tier", readonly=True)
    reason_id = fields.Many2one("cso.survey.reason", readonly=True)
    sla_outcome = fields.Selection(SLA_OUTCOMES, string="SLA Outcome", readonly=True)
    followup_state = fields.Selection(FOLLOWUP_STATES, string="Follow-up", readonly=True)
    sent_at = fields.Datetime(string="Sent On", readonly=True)
    answered_at = fields.Datetime(string="Answered On", readonly=True)
    cohort_date = fields.Date(
        string="Customer Since",
        readonly=True,
        help="Day the customer was sent their first satisfaction survey, to group customers into monthly cohorts.",
    )
    comment = fields.Text(readonly=True)
    score = fields.Integer(readonly=True, aggregator=None)
    nps_score = fields.Integer(string="Recommendation", readonly=True, aggregator=None)
    sent_count = fields.Integer(string="Sent", readonly=True)
    answered_count = fields.Integer(string="Answered", readonly=True)
    low_score_count = fields.Integer(string="Low Scores", readonly=True)
    promoter_count = fields.Integer(string="Promoters", readonly=True)
    detractor_count = fields.Integer(string="Detractors", readonly=True)
    csat = fields.Float(
        string="CSAT (%)", readonly=True, aggregator="avg", help="Share of answers scored 4 or 5, in percent."
    )
    average_score = fields.Float(readonly=True, aggregator="avg")
    nps = fields.Float(
        string="NPS", readonly=True, aggregator="avg", help="Promoters minus detractors, in percent of the answers."
    )
    response_rate = fields.Float(
        string="Response Rate (%)", readonly=True, aggregator="avg", help="Share of sent surveys answered, in percent."
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT survey.id AS id,
                           survey.id AS survey_id,
                           survey.ticket_id,
                           survey.company_id,
                           survey.team_id,
                           survey.user_id,
                           survey.category_id,
                           ticket.priority,
                           survey.partner_id AS contact_id,
                           contact.commercial_partner_id AS partner_id,
                           customer.customer_tier_id,
                           survey.reason_id,
                           CASE WHEN sla.breached THEN 'breached'
                                WHEN sla.achieved THEN 'achieved'
                                ELSE 'none' END AS sla_outcome,
                           survey.followup_state,
                           survey.sent_at,
                           survey.answered_at,
                           cohort.first_sent_at::date AS cohort_date,
                           survey.comment,
                           survey.score::integer AS score,
                           survey.nps_score::integer AS nps_score,
                           1 AS sent_count,
                           CASE WHEN survey.score IS NOT NULL THEN 1 ELSE 0 END AS answered_count,
                           CASE WHEN survey.is_low_score THEN 1 ELSE 0 END AS low_score_count,
                           CASE WHEN survey.nps_score::integer >= 9 THEN 1 ELSE 0 END AS promoter_count,
                           CASE WHEN survey.nps_score::integer <= 6 THEN 1 ELSE 0 END AS detractor_count,
                           CASE WHEN survey.score::integer >= 4 THEN 100.0
                                WHEN survey.score IS NOT NULL THEN 0.0 END AS csat,
                           survey.score::float AS average_score,
                           CASE WHEN survey.nps_score::integer >= 9 THEN 100.0
                                WHEN survey.nps_score::integer <= 6 THEN -100.0
                                WHEN survey.nps_score IS NOT NULL THEN 0.0 END AS nps,
                           CASE WHEN survey.score IS NOT NULL THEN 100.0 ELSE 0.0 END AS response_rate
                      FROM cso_survey survey
                      JOIN helpdesk_ticket ticket ON ticket.id = survey.ticket_id
                      JOIN res_partner contact ON contact.id = survey.partner_id
                 LEFT JOIN res_partner customer ON customer.id = contact.commercial_partner_id
                 LEFT JOIN (
                        SELECT ticket_id,
                               bool_or(state = 'breached') AS breached,
                               bool_or(state = 'achieved') AS achieved
                          FROM cso_sla_timer
                      GROUP BY ticket_id
                      ) sla ON sla.ticket_id = survey.ticket_id
                 LEFT JOIN (
                        SELECT first_contact.commercial_partner_id, min(first_survey.sent_at) AS first_sent_at
                          FROM cso_survey first_survey
                          JOIN res_partner first_contact ON first_contact.id = first_survey.partner_id
                         WHERE first_survey.sent_at IS NOT NULL
                      GROUP BY first_contact.commercial_partner_id
                      ) cohort ON cohort.commercial_partner_id = contact.commercial_partner_id
                     WHERE survey.state IN ('sent', 'answered', 'expired')
                       AND ticket.active
                )
                """,
                SQL.identifier(self._table),
            )
        )

    def action_open_ticket(self):
        self.ensure_one()
        return self.survey_id.action_open_ticket()
