import logging
from datetime import datetime, time, timedelta

from pytz import timezone, utc

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..logic import survey_scoring

_logger = logging.getLogger(__name__)

LOW_SCORE_ACTIONS = [
    ("none", "Follow-up Only"),
    ("reopen", "Reopen the Ticket"),
    ("recovery", "Open a Recovery Ticket"),
]
# Teams whose digest one cron call sends before it reports progress and is called again.
DIGEST_BATCH_SIZE = 10
DIGEST_LOWEST_COUNT = 5


class HelpdeskTicketTeam(models.Model):
    _inherit = "helpdesk.ticket.team"

    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="Working hours, timezone and leaves that the SLA timers of this team's tickets count. "
        "Leave empty to use the company's working hours.",
    )
    sla_ack_enabled = fields.Boolean(
        string="Acknowledge New Tickets",
        default=True,
        help="Email the customer an acknowledgement with the ticket reference and the promised first response time.",
    )
    sla_ack_template_id = fields.Many2one(
        "mail.template",
        string="Acknowledgement Template",
        domain="[('model', '=', 'helpdesk.ticket')]",
        help="Leave empty to use the company's acknowledgement template.",
    )

    def write(self, vals):
        result = super().write(vals)
        if "resource_calendar_id" in vals:
            self.env["cso.sla.timer"]._schedule_recompute(
                [("ticket_id.team_id", "in", self.ids)],
                reason=self.env._("working hours of team %(team)s changed", team=", ".join(self.mapped("name"))),
            )
        return result

    survey_enabled = fields.Boolean(
        string="Satisfaction Surveys",
        help="Email the customer a satisfaction survey when a ticket of this team closes.",
    )
    survey_stage_ids = fields.Many2many(
        "helpdesk.ticket.stage",
        "helpdesk_ticket_team_survey_stage_rel",
        "team_id",
        "stage_id",
        string="Survey Stages",
        domain="[('closed', '=', True)]",
        help="Closing stages that send a survey. Leave empty for every closing stage.",
    )
    survey_delay_hours = fields.Float(
        string="Survey Delay (hours)",
        default=2.0,
        help="Hours between the closing of a ticket and its survey. A ticket reopened in between gets none.",
    )
    survey_sampling_rate = fields.Float(
        string="Sampling Rate (%)",
        default=100.0,
        help="Share of closings that get a survey, drawn per ticket closing so that a rerun draws the same.",
    )
    survey_cooldown_days = fields.Integer(
        string="Cooldown (days)",
        default=30,
        help="No survey goes to a contact who got one from this company in the last this many days. "
        "0 switches the cooldown off.",
    )
    survey_validity_days = fields.Integer(
        string="Link Validity (days)",
        default=30,
        help="Days during which the links in a survey email can be used.",
    )
    survey_allow_resurvey = fields.Boolean(
        string="Survey Again After Reopening",
        help="A ticket that was reopened and closed again gets another survey. Without it, only the first "
        "closing is surveyed, unless a follow-up resolved the customer's problem.",
    )
    survey_verify_email = fields.Boolean(
        string="Ask for the Email Address",
        help="The customer types their email address before their answer counts, so that a person the survey "
        "email was forwarded to cannot answer. It costs the one-click answer.",
    )
    survey_low_score_threshold = fields.Integer(
        string="Low Score Threshold",
        default=2,
        help="Answers with this score or lower (1 to 5) start a follow-up by the team leader.",
    )
    survey_low_score_action = fields.Selection(
        LOW_SCORE_ACTIONS,
        string="On a Low Score",
        default="none",
        required=True,
        help="What happens to the ticket besides the follow-up activity of the team leader.",
    )
    survey_review_url = fields.Char(
        string="Review Link",
        help="Address of a public review page offered on the thank-you page after a score of 4 or 5.",
    )
    survey_template_id = fields.Many2one(
        "mail.template",
        domain="[('model', '=', 'cso.survey')]",
        help="Leave empty to use the survey email shipped with the module.",
    )
    survey_digest_enabled = fields.Boolean(
        string="Weekly Satisfaction Digest",
        default=True,
        help="Email the team leader a summary of last week's answers every Monday.",
    )
    survey_digest_week = fields.Date(
        string="Last Digest Week",
        readonly=True,
        copy=False,
        help="Monday of the last week whose digest was sent.",
    )

    @api.constrains("survey_sampling_rate", "survey_low_score_threshold", "survey_delay_hours", "survey_validity_days")
    def _check_survey_settings(self):
        for team in self:
            if not 0 <= team.survey_sampling_rate <= 100:
                raise ValidationError(
                    self.env._(
                        "Team %(team)s has a sampling rate of %(rate)s%%: enter a rate from 0 to 100.",
                        team=team.name,
                        rate=team.survey_sampling_rate,
                    )
                )
            if not 1 <= team.survey_low_score_threshold <= 5:
                raise ValidationError(
                    self.env._(
                        "Team %(team)s has a low score threshold of %(threshold)s: enter a score from 1 to 5.",
                        team=team.name,
                        threshold=team.survey_low_score_threshold,
                    )
                )
            if team.survey_delay_hours < 0:
                raise ValidationError(
                    self.env._(
                        "Team %(team)s has a survey delay of %(delay)s hours: enter 0 or more.",
                        team=team.name,
                        delay=team.survey_delay_hours,
                    )
                )
            if team.survey_validity_days < 1:
                raise ValidationError(
                    self.env._(
                        "Team %(team)s keeps survey links valid for %(days)s days: enter at least 1 day.",
                        team=team.name,
                        days=team.survey_validity_days,
                    )
                )

    def _survey_calendar(self):
        """Return the working hours that follow-up deadlines of this team count: the team's, else the company's."""
        self.ensure_one()
        return (
            self.resource_calendar_id or self.company_id.resource_calendar_id or self.env.company.resource_calendar_id
        )

    def _survey_stage_selected(self, stage):
        """Return True when closing a ticket of this team in ``stage`` sends a survey."""
        self.ensure_one()
        return bool(stage.closed) and (not self.survey_stage_ids or stage in self.survey_stage_ids)

    def _survey_template(self):
        self.ensure_one()
        return self.survey_template_id or self.env.ref("customer_service_optimization.mail_template_cso_survey")

    # ------------------------------------------------------------------
    # Weekly digest
    # ------------------------------------------------------------------

    @api.model
    def _cron_send_survey_digests(self, today=None):
        """Send last week's satisfaction digest to the leader of each team with surveys, once per team and week.

        Each call handles a bounded batch of teams and reports the rest to the
        cron runner, which commits and calls again. A team is marked done for
        the week when its digest is queued, so a rerun continues where it stopped.
        """
        today = today or fields.Date.context_today(self)
        week_start, _week_end, _baseline_start = survey_scoring.digest_weeks(today)
        domain = [
            ("survey_enabled", "=", True),
            ("survey_digest_enabled", "=", True),
            ("user_id", "!=", False),
            "|",
            ("survey_digest_week", "=", False),
            ("survey_digest_week", "<", week_start),
        ]
        teams = self.sudo().search(domain, order="id")
        batch = teams[:DIGEST_BATCH_SIZE]
        _logger.info(
            "Satisfaction digests for the week of %s: %s teams due, sending %s", week_start, len(teams), len(batch)
        )
        sent = 0
        for team in batch:
            team = team.with_company(team.company_id or self.env.company)
            if team._survey_send_digest(today):
                sent += 1
            team.survey_digest_week = week_start
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=len(teams) - len(batch))
        _logger.info("Satisfaction digests for the week of %s: %s sent", week_start, sent)
        return sent

    def _survey_send_digest(self, today):
        """Queue this team's digest email to its leader; return False when the leader has no email address."""
        self.ensure_one()
        leader = self.user_id
        if not leader.partner_id.email:
            _logger.warning(
                "Satisfaction digest of team %s skipped: leader %s has no email address", self.id, leader.id
            )
            return False
        digest = self._survey_digest_values(today)
        template = self.env.ref("customer_service_optimization.mail_template_cso_survey_digest")
        template.with_context(survey_digest=digest).send_mail(self.id, force_send=False)
        return True

    def _survey_digest_values(self, today):
        """Return the figures of the weekly digest of this team as plain values for the email.

        Figures of the week are compared with the four weeks before it taken
        together. Weeks start on Monday at midnight in the timezone of the
        team's working hours. CSAT and NPS count the answers confirmed in a period; the
        response rate counts the surveys sent in it that have an answer so far.
        """
        self.ensure_one()
        week_start, week_end, baseline_start = survey_scoring.digest_weeks(today)
        tz = timezone(self._survey_calendar().tz or "UTC")
        bounds = {
            "week": (_start_of(week_start, tz), _start_of(week_end, tz)),
            "baseline": (_start_of(baseline_start, tz), _start_of(week_start, tz)),
        }
        Survey = self.env["cso.survey"].sudo()
        figures, reason_counts = {}, {}
        for period, (start, end) in bounds.items():
            answered_domain = [("team_id", "=", self.id), ("answered_at", ">=", start), ("answered_at", "<", end)]
            answers = Survey.search_read(answered_domain, ["score", "nps_score", "reason_id"])
            sent_domain = [("team_id", "=", self.id), ("sent_at", ">=", start), ("sent_at", "<", end)]
            sent_groups = Survey._read_group(sent_domain, ["state"], ["__count"])
            sent = sum(count for _state, count in sent_groups)
            answered_of_sent = sum(count for state, count in sent_groups if state == "answered")
            figures[period] = survey_scoring.period_figures(
                sent=sent,
                scores=[int(answer["score"]) for answer in answers if answer["score"]],
                nps_values=[int(answer["nps_score"]) for answer in answers if answer["nps_score"]],
                answered_of_sent=answered_of_sent,
            )
            counts = {}
            for answer in answers:
                if answer["reason_id"]:
                    counts[answer["reason_id"][1]] = counts.get(answer["reason_id"][1], 0) + 1
            reason_counts[period] = counts

        week_range = bounds["week"]
        lowest = Survey.search(
            [("team_id", "=", self.id), ("answered_at", ">=", week_range[0]), ("answered_at", "<", week_range[1])],
            order="score asc, answered_at asc, id asc",
            limit=DIGEST_LOWEST_COUNT,
        )
        overdue = Survey.search(
            [
                ("team_id", "=", self.id),
                ("followup_state", "=", "open"),
                ("followup_deadline", "<", fields.Datetime.now()),
            ],
            order="followup_deadline asc, id asc",
        )
        week, baseline = figures["week"], figures["baseline"]
        changes = {
            "csat": survey_scoring.change(week.csat, baseline.csat),
            "nps": survey_scoring.change(week.nps, baseline.nps),
            "response_rate": survey_scoring.change(week.response_rate, baseline.response_rate),
        }
        return {
            "week_start": week_start,
            "week_end": week_end - timedelta(days=1),
            "week": week,
            "baseline": baseline,
            "csat_change": changes["csat"],
            "nps_change": changes["nps"],
            "response_rate_change": changes["response_rate"],
            # Figures as the email shows them: rounded, "-" when nothing was measured.
            "display": {
                name: (
                    _format_figure(getattr(week, name), percent=name != "nps"),
                    _format_figure(getattr(baseline, name), percent=name != "nps"),
                    _format_figure(changes[name], signed=True),
                )
                for name in ("csat", "nps", "response_rate")
            },
            "lowest": lowest,
            "trending_reasons": survey_scoring.trending_reasons(reason_counts["week"], reason_counts["baseline"], 4),
            "overdue": overdue,
        }


def _start_of(day, tz):
    """Return midnight at the start of ``day`` in timezone ``tz`` as a naive UTC datetime."""
    return tz.localize(datetime.combine(day, time.min)).astimezone(utc).replace(tzinfo=None)


def _format_figure(value, percent=False, signed=False):
    """Return ``value`` rounded to a whole number for the digest email, or "-" when it is unknown."""
    if value is None:
        return "-"
    text = f"{value:+.0f}" if signed else f"{value:.0f}"
    return f"{text}%" if percent else text
