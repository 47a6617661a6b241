import logging
from dataclasses import replace
from datetime import timedelta

from pytz import timezone, utc

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, create_index, plaintext2html

from ..logic import survey_token
from ..logic.survey_rules import SKIP_REASONS, SurveyFacts, sample_key, skip_reason

_logger = logging.getLogger(__name__)

STATES = [
    ("scheduled", "Scheduled"),
    ("sent", "Sent"),
    ("answered", "Answered"),
    ("expired", "Expired"),
    ("skipped", "Skipped"),
]
SCORES = [
    ("1", "1 - Very dissatisfied"),
    ("2", "2 - Dissatisfied"),
    ("3", "3 - Neutral"),
    ("4", "4 - Satisfied"),
    ("5", "5 - Very satisfied"),
]
NPS_SCORES = [(str(value), str(value)) for value in range(11)]
FOLLOWUP_STATES = [
    ("open", "Open"),
    ("contacted", "Contacted"),
    ("resolved", "Resolved"),
    ("unreachable", "Not Reachable"),
]
FOLLOWUP_OUTCOMES = ("contacted", "resolved", "unreachable")
# Surveys that count as "sent" for the cooldown, the response rate and the resurvey rule.
SENT_STATES = ("sent", "answered", "expired")
# Due surveys one cron call sends before it reports progress and is called again.
SEND_BATCH_SIZE = 200
MAX_COMMENT_LENGTH = 4000
# Fields users may write directly; everything else changes through the survey's own methods.
USER_WRITABLE_FIELDS = {"followup_note"}


class CsoSurvey(models.Model):
    """The satisfaction survey of one closing of a ticket, sent to the ticket's contact.

    A ticket gets at most one survey per closing (``closing_number``), which a
    unique constraint enforces. The survey link's token is stored as a SHA-256
    digest only: the plain token exists in the email and nowhere else. An
    answer counts once the customer confirms it on the landing page; opening a
    link records nothing.
    """

    _name = "cso.survey"
    _inherit = ["cso.ticket.access.mixin"]
    _description = "Satisfaction Survey"
    _order = "id desc"
    _check_company_auto = True

    ticket_id = fields.Many2one(
        "helpdesk.ticket", required=True, ondelete="cascade", index=True, readonly=True, check_company=True
    )
    closing_number = fields.Integer(
        required=True,
        readonly=True,
        help="Which closing of the ticket this survey asks about: 1 for the first, 2 after a reopening, and so on.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        required=True,
        index=True,
        readonly=True,
        help="The only person whose answer the survey links accept.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    team_id = fields.Many2one("helpdesk.ticket.team", index=True, readonly=True, check_company=True)
    user_id = fields.Many2one(
        "res.users", string="Agent", index=True, readonly=True, help="User assigned to the ticket when it closed."
    )
    category_id = fields.Many2one("helpdesk.ticket.category", readonly=True)
    priority = fields.Selection(related="ticket_id.priority", string="Priority")
    state = fields.Selection(STATES, required=True, default="scheduled", index=True, readonly=True)
    skip_reason = fields.Selection(SKIP_REASONS, readonly=True)
    closed_at = fields.Datetime(string="Closed On", required=True, readonly=True)
    scheduled_at = fields.Datetime(string="Due On", required=True, readonly=True, index=True)
    sent_at = fields.Datetime(string="Sent On", readonly=True, index=True, copy=False)
    expires_at = fields.Datetime(string="Link Valid Until", readonly=True, copy=False)
    answered_at = fields.Datetime(string="Answered On", readonly=True, index=True, copy=False)
    token_digest = fields.Char(readonly=True, copy=False, groups="base.group_system")
    score = fields.Selection(SCORES, readonly=True, copy=False)
    nps_score = fields.Selection(
        NPS_SCORES,
        string="Recommendation (0-10)",
        readonly=True,
        copy=False,
        help="How likely the customer is to recommend the company, from 0 to 10.",
    )
    reason_id = fields.Many2one("cso.survey.reason", readonly=True, copy=False)
    comment = fields.Text(readonly=True, copy=False)
    is_low_score = fields.Boolean(
        string="Low Score", readonly=True, copy=False, help="The score was at or below the team's threshold."
    )
    followup_state = fields.Selection(FOLLOWUP_STATES, string="Follow-up", readonly=True, copy=False, index=True)
    followup_user_id = fields.Many2one("res.users", string="Follow-up By", readonly=True, copy=False)
    followup_deadline = fields.Datetime(string="Follow-up Due", readonly=True, copy=False)
    followup_done_at = fields.Datetime(string="Follow-up Done On", readonly=True, copy=False)
    followup_note = fields.Text(string="Follow-up Notes", copy=False)
    followup_activity_id = fields.Many2one("mail.activity", readonly=True, copy=False, ondelete="set null")
    recovery_ticket_id = fields.Many2one("helpdesk.ticket", readonly=True, copy=False)

    _sql_constraints = [
        (
            "ticket_closing_unique",
            "unique(ticket_id, closing_number)",
            "A ticket gets one satisfaction survey per closing.",
        ),
    ]

    def init(self):
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS cso_survey_token_digest_unique ON %s (token_digest) "
                "WHERE token_digest IS NOT NULL",
                SQL.identifier(self._table),
            )
        )
        # The cooldown looks up the last survey sent to a contact.
        create_index(
            self.env.cr,
            "cso_survey_partner_sent_index",
            self._table,
            ["partner_id", "sent_at"],
            where="sent_at IS NOT NULL",
        )
        create_index(self.env.cr, "cso_survey_due_index", self._table, ["scheduled_at"], where="state = 'scheduled'")

    def write(self, vals):
        if not self.env.su:
            forbidden = set(vals) - USER_WRITABLE_FIELDS
            if forbidden:
                raise AccessError(
                    self.env._(
                        "Survey answers cannot be edited (fields %(fields)s): only the follow-up notes can.",
                        fields=", ".join(sorted(forbidden)),
                    )
                )
            for survey in self:
                survey._check_followup_rights()
        return super().write(vals)

    @api.depends("ticket_id", "closing_number")
    def _compute_display_name(self):
        for survey in self:
            if survey.closing_number > 1:
                survey.display_name = self.env._(
                    "%(ticket)s, closing %(number)s", ticket=survey.ticket_id.number, number=survey.closing_number
                )
            else:
                survey.display_name = survey.ticket_id.number or ""

    # ------------------------------------------------------------------
    # Scheduling and sending
    # ------------------------------------------------------------------

    @api.model
    def _schedule_for_closings(self, tickets, now):
        """Create the surveys of tickets that just reached a closing stage; return them.

        Only tickets of a team with surveys on, in one of the team's survey
        stages, get a survey record. The sending rules run at once, so that a
        closing without survey records why. The other surveys wait for the
        team's delay, and the rules run again when they are due.
        """
        values = []
        for ticket in tickets:
            team = ticket.team_id
            if not team.survey_enabled or not team._survey_stage_selected(ticket.stage_id):
                continue
            values.append(
                {
                    "ticket_id": ticket.id,
                    "closing_number": ticket.survey_closing_count,
                    "partner_id": ticket.partner_id.id or False,
                    "company_id": ticket.company_id.id,
                    "team_id": team.id,
                    "user_id": ticket.user_id.id,
                    "category_id": ticket.category_id.id,
                    "closed_at": now,
                    "scheduled_at": now + timedelta(hours=team.survey_delay_hours),
                }
            )
        no_contact = [vals for vals in values if not vals["partner_id"]]
        surveys = self.sudo().create([vals for vals in values if vals["partner_id"]])
        if no_contact:
            _logger.info(
                "Satisfaction survey skipped for tickets %s: no contact",
                [vals["ticket_id"] for vals in no_contact],
            )
        surveys._apply_rules(now, sending=False)
        due = surveys.filtered(lambda survey: survey.state == "scheduled" and survey.scheduled_at <= now)
        if due:
            self.env.ref("customer_service_optimization.ir_cron_cso_survey")._trigger()
        return surveys

    def _rule_facts(self, now):
        """Return the :class:`SurveyFacts` of each survey in ``self``, read in a few batched queries."""
        partners = self.partner_id
        opted_out = self.env["res.partner"]._survey_opted_out(partners)
        last_sent = {
            (partner.id, company.id): sent_at
            for partner, company, sent_at in self.sudo()._read_group(
                [("partner_id", "in", partners.ids), ("state", "in", SENT_STATES)],
                ["partner_id", "company_id"],
                ["sent_at:max"],
            )
        }
        tickets = self.ticket_id | self.ticket_id.survey_origin_ticket_id
        history = self.sudo().search(
            [("ticket_id", "in", tickets.ids), ("state", "in", SENT_STATES)], order="sent_at desc, id desc"
        )
        facts = {}
        for survey in self:
            ticket, team = survey.ticket_id, survey.team_id
            earlier = history.filtered(
                lambda other, survey=survey: (
                    other.ticket_id == survey.ticket_id and other.closing_number < survey.closing_number
                )
            )
            chain = history.filtered(
                lambda other, ticket=ticket: other.ticket_id in (ticket | ticket.survey_origin_ticket_id)
            )
            # A reopened ticket is in no closing stage: report it as reopened, not as an unselected stage.
            facts[survey] = SurveyFacts(
                team_enabled=team.survey_enabled,
                stage_selected=team._survey_stage_selected(ticket.stage_id) or not ticket.stage_id.closed,
                still_closed=bool(ticket.stage_id.closed),
                ticket_disabled=ticket.survey_disabled,
                has_email=bool(survey.partner_id.email),
                opted_out=survey.partner_id in opted_out,
                previously_surveyed=bool(earlier),
                resurvey_allowed=team.survey_allow_resurvey,
                recovery_resolved=chain[:1].followup_state == "resolved",
                last_sent_at=last_sent.get((survey.partner_id.id, survey.company_id.id)),
                cooldown_days=team.survey_cooldown_days,
                sampling_rate=team.survey_sampling_rate,
                sample_key=sample_key(ticket.id, survey.closing_number),
            )
        return facts

    def _apply_rules(self, now, sending):
        """Mark the surveys that the sending rules block as skipped; return the surveys still to send.

        ``sending`` is True when the surveys are due: then the surveys in
        ``self`` are taken one after the other, and each one sent counts
        for the cooldown of the next ones to the same contact.
        """
        facts = self._rule_facts(now)
        sent_now = {}
        keep = self.browse()
        for survey in self:
            survey_facts = facts[survey]
            key = (survey.partner_id.id, survey.company_id.id)
            if sending and key in sent_now:
                survey_facts = _replace_last_sent(survey_facts, sent_now[key])
            reason = skip_reason(survey_facts, now)
            if reason:
                survey.write({"state": "skipped", "skip_reason": reason})
                _logger.debug("Satisfaction survey %s of ticket %s skipped: %s", survey.id, survey.ticket_id.id, reason)
                continue
            keep |= survey
            if sending:
                sent_now[key] = now
        return keep

    @api.model
    def _cron_send_due(self):
        """Send the surveys that are due and expire the links that are past their validity.

        Each call sends a bounded batch of due surveys, oldest first, and
        reports the rest to the cron runner, which commits and calls again.
        """
        now = fields.Datetime.now()
        expired = self._expire_links(now)
        due_domain = [("state", "=", "scheduled"), ("scheduled_at", "<=", now)]
        due_count = self.sudo().search_count(due_domain)
        batch = self.sudo().search(due_domain, order="scheduled_at, id", limit=SEND_BATCH_SIZE)
        _logger.info("Satisfaction surveys: %s due, sending %s; %s links expired", due_count, len(batch), expired)
        sent = self.browse()
        for company in batch.company_id:
            company_batch = batch.filtered(lambda survey, company=company: survey.company_id == company)
            sent |= company_batch.with_company(company)._send(now)
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=due_count - len(batch))
        _logger.info("Satisfaction surveys: %s sent, %s skipped", len(sent), len(batch) - len(sent))
        return sent

    def _send(self, now):
        """Check the rules again and email the surveys that pass; return the surveys sent."""
        to_send = self._apply_rules(now, sending=True)
        for survey in to_send:
            token = survey_token.new_token()
            validity = timedelta(days=survey.team_id.survey_validity_days or 30)
            survey.write(
                {
                    "state": "sent",
                    "sent_at": now,
                    "expires_at": now + validity,
                    "token_digest": survey_token.token_digest(token),
                }
            )
            template = survey.team_id._survey_template().with_context(cso_survey_tokens={survey.id: token})
            template.send_mail(survey.id, force_send=False, email_layout_xmlid="mail.mail_notification_light")
            survey.ticket_id._message_log(
                body=self.env._(
                    "Satisfaction survey sent to %(contact)s, valid until %(date)s.",
                    contact=survey.partner_id.display_name,
                    date=fields.Date.to_string(survey.expires_at.date()),
                )
            )
        return to_send

    def _expire_links(self, now):
        """Mark the sent surveys whose links are past their validity as expired; return how many."""
        expired = self.sudo().search([("state", "=", "sent"), ("expires_at", "<", now)])
        expired.write({"state": "expired"})
        return len(expired)

    def _survey_url(self, score=None, optout=False):
        """Return the public address of this survey's landing page, or of its opt-out page.

        The plain token is only known while the email is rendered, from the
        ``cso_survey_tokens`` context key; without it the address is empty.
        """
        self.ensure_one()
        token = (self.env.context.get("cso_survey_tokens") or {}).get(self.id)
        if not token:
            return ""
        base = self.get_base_url()
        if optout:
            return f"{base}/cso/survey/{token}/optout"
        if score:
            return f"{base}/cso/survey/{token}?score={int(score)}"
        return f"{base}/cso/survey/{token}"

    # ------------------------------------------------------------------
    # Answers
    # ------------------------------------------------------------------

    @api.model
    def _from_token(self, token, allow_answered=False):
        """Return the survey whose link ``token`` is valid now, or an empty recordset.

        Unknown, malformed, expired and already answered tokens all give an
        empty recordset, so that callers cannot tell them apart. With
        ``allow_answered`` an answered survey is returned while its link is
        valid, for the opt-out page.
        """
        return self._lookup_token(token, allow_answered)[0]

    @api.model
    def _lookup_token(self, token, allow_answered=False):
        """Return ``(survey, page values)`` for a valid link ``token``, else ``(empty recordset, None)``.

        The page values are what the public pages show: the ticket reference
        and title, the contact's name, language and email, the company name
        and the team's settings. They come from one query, because every
        click on a survey link runs it and nine ORM reads cost several times
        more under load.
        """
        if not survey_token.is_well_formed(token):
            return self.browse(), None
        digest = survey_token.token_digest(token)
        self.env.cr.execute(
            SQL(
                """
                SELECT survey.id, survey.state, survey.expires_at, survey.token_digest,
                       ticket.number AS ticket_number, ticket.name AS ticket_name,
                       contact.name AS contact_name, contact.lang, contact.email_normalized,
                       company.name AS company_name, survey.company_id,
                       team.survey_verify_email AS verify_email, team.survey_review_url AS review_url
                  FROM cso_survey survey
                  JOIN helpdesk_ticket ticket ON ticket.id = survey.ticket_id
                  JOIN res_partner contact ON contact.id = survey.partner_id
                  JOIN res_company company ON company.id = survey.company_id
             LEFT JOIN helpdesk_ticket_team team ON team.id = survey.team_id
                 WHERE survey.token_digest = %s
                """,
                digest,
            )
        )
        row = self.env.cr.dictfetchone()
        if not row or not survey_token.digests_match(row["token_digest"], digest):
            return self.browse(), None
        states = ("sent", "answered") if allow_answered else ("sent",)
        if row["state"] not in states or not row["expires_at"] or row["expires_at"] <= fields.Datetime.now():
            return self.browse(), None
        return self.browse(row["id"]), row

    def _record_answer(self, score, nps_score=None, reason=None, comment=None):
        """Store the confirmed answer and run the feedback loop; return False when the survey was already answered.

        The survey is claimed with a conditional UPDATE, so two submissions
        at the same moment record one answer.
        """
        self.ensure_one()
        now = fields.Datetime.now()
        self.flush_recordset(["state"])
        self.env.cr.execute(
            SQL(
                "UPDATE cso_survey SET state = 'answered', answered_at = %s WHERE id = %s AND state = 'sent' RETURNING id",
                now,
                self.id,
            )
        )
        if not self.env.cr.fetchone():
            return False
        self.invalidate_recordset(["state", "answered_at"])
        threshold = self.team_id.survey_low_score_threshold or 2
        self.write(
            {
                "score": str(score),
                "nps_score": str(nps_score) if nps_score is not None else False,
                "reason_id": reason.id if reason else False,
                "comment": (comment or "").strip()[:MAX_COMMENT_LENGTH] or False,
                "is_low_score": score <= threshold,
            }
        )
        # The feedback loop runs as OdooBot, as scheduled actions do, because the public user of
        # the survey page has no email address to sign the leader's notification with.
        as_odoobot = self.with_user(SUPERUSER_ID).with_company(self.company_id)
        as_odoobot._post_answer_note()
        if self.is_low_score:
            as_odoobot._start_followup(now)
        return True

    def _post_answer_note(self):
        """Post the answer in the ticket's chatter as an internal note that notifies the agent of a low score."""
        self.ensure_one()
        body = self.env["ir.qweb"]._render("customer_service_optimization.cso_survey_answer_note", {"survey": self})
        notify = self.user_id.partner_id if self.is_low_score and self.user_id else self.env["res.partner"]
        self.ticket_id.message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            partner_ids=notify.ids,
            author_id=self.partner_id.id,
        )

    def _followup_user(self):
        """Return who follows a low score up: the team leader, else the agent, else the team's first member."""
        self.ensure_one()
        return self.team_id.user_id or self.user_id or self.team_id.user_ids[:1]

    def _followup_deadline(self, now):
        """Return the end of one business day after ``now`` on the team's working hours, as naive UTC."""
        self.ensure_one()
        calendar = self.team_id._survey_calendar()
        if not calendar:
            return now + timedelta(days=1)
        hours = calendar.hours_per_day or 8.0
        deadline = calendar.plan_hours(hours, utc.localize(now), compute_leaves=True)
        if not deadline:
            _logger.warning("Calendar %s has no working time for a follow-up deadline: using one day", calendar.id)
            return now + timedelta(days=1)
        return deadline.astimezone(utc).replace(tzinfo=None)

    def _start_followup(self, now):
        """Schedule the team leader's follow-up of a low score, then reopen or recover the ticket as the team is set to."""
        self.ensure_one()
        user = self._followup_user()
        deadline = self._followup_deadline(now)
        calendar = self.team_id._survey_calendar()
        local_tz = timezone(calendar.tz or "UTC") if calendar else utc
        activity = self.env["mail.activity"]
        if user:
            activity = self.ticket_id.activity_schedule(
                "customer_service_optimization.mail_activity_type_cso_survey_followup",
                date_deadline=utc.localize(deadline).astimezone(local_tz).date(),
                summary=self.env._("Call back: satisfaction score %(score)s", score=self.score),
                note=plaintext2html(self.comment) if self.comment else "",
                user_id=user.id,
            )
        self.write(
            {
                "followup_state": "open",
                "followup_user_id": user.id,
                "followup_deadline": deadline,
                "followup_activity_id": activity.id,
            }
        )
        action = self.team_id.survey_low_score_action
        if action == "reopen":
            self._reopen_ticket()
        elif action == "recovery":
            self._open_recovery_ticket()

    def _reopen_ticket(self):
        self.ensure_one()
        ticket = self.ticket_id
        stage = ticket.team_id._get_applicable_stages().filtered(lambda stage: not stage.closed)[:1]
        if not stage or not ticket.stage_id.closed:
            return
        ticket.write({"stage_id": stage.id})
        ticket._message_log(body=self.env._("Reopened after a satisfaction score of %(score)s.", score=self.score))

    def _open_recovery_ticket(self):
        self.ensure_one()
        ticket = self.ticket_id
        recovery = ticket.copy(
            {
                "name": self.env._("Recovery: %(title)s", title=ticket.name),
                "user_id": self.followup_user_id.id or ticket.user_id.id,
                "survey_origin_ticket_id": ticket.id,
                "description": self.env["ir.qweb"]._render(
                    "customer_service_optimization.cso_survey_answer_note", {"survey": self}
                ),
            }
        )
        self.recovery_ticket_id = recovery
        ticket._message_log(
            body=self.env._("Recovery ticket %(number)s opened after a low satisfaction score.", number=recovery.number)
        )

    # ------------------------------------------------------------------
    # Follow-up outcome
    # ------------------------------------------------------------------

    def action_followup_contacted(self):
        return self._set_followup_outcome("contacted")

    def action_followup_resolved(self):
        return self._set_followup_outcome("resolved")

    def action_followup_unreachable(self):
        return self._set_followup_outcome("unreachable")

    def _set_followup_outcome(self, outcome):
        """Record the outcome of the follow-ups in ``self`` and mark their activities done.

        The follow-up user, the team leader and helpdesk managers may record
        it. A resolved follow-up lets the customer be surveyed again after the
        ticket (or its recovery ticket) closes.
        """
        labels = dict(self._fields["followup_state"]._description_selection(self.env))
        for survey in self:
            if not survey.followup_state:
                raise UserError(
                    self.env._(
                        "Survey %(survey)s has no follow-up: only low scores get one.", survey=survey.display_name
                    )
                )
            survey._check_followup_rights()
            survey.sudo().write({"followup_state": outcome, "followup_done_at": fields.Datetime.now()})
            feedback = self.env._("Follow-up outcome: %(outcome)s", outcome=labels[outcome])
            if survey.followup_note:
                feedback = f"{feedback}\n{survey.followup_note}"
            if survey.followup_activity_id:
                survey.followup_activity_id.sudo().action_feedback(feedback=feedback)
            else:
                survey.ticket_id.sudo()._message_log(body=feedback)
        return True

    def _check_followup_rights(self):
        self.ensure_one()
        user = self.env.user
        allowed = (
            self.env.su
            or user.has_group("helpdesk_mgmt.group_helpdesk_manager")
            or user in (self.followup_user_id | self.team_id.user_id)
        )
        if not allowed:
            raise AccessError(
                self.env._(
                    "Only %(users)s or a helpdesk manager can record the follow-up of survey %(survey)s.",
                    users=", ".join((self.followup_user_id | self.team_id.user_id).mapped("name")) or "-",
                    survey=self.display_name,
                )
            )

    def action_open_ticket(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.ticket",
            "res_id": self.ticket_id.id,
            "view_mode": "form",
        }


def _replace_last_sent(facts, moment):
    """Return ``facts`` with the contact's last survey at ``moment`` when that is more recent."""
    if facts.last_sent_at and facts.last_sent_at >= moment:
        return facts
    return replace(facts, last_sent_at=moment)
