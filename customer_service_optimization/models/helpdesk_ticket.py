import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..logic.business_time import to_seconds
from ..logic.policy_match import TicketFacts, applicable_policy_ids
from .cso_sla_timer import STATE_URGENCY, TIMER_STATES
from .cso_survey import SCORES

_logger = logging.getLogger(__name__)

# Ticket fields that policies match on: a change re-matches the policies.
MATCH_FIELDS = {"team_id", "priority", "category_id", "tag_ids", "partner_id", "company_id"}
WATCHED_FIELDS = MATCH_FIELDS | {"stage_id", "user_id"}
SYNC_BATCH_SIZE = 1000

# Previous tickets and answers of the contact shown on the ticket form.
CONTEXT_LIMIT = 5


# Employees outside the helpdesk may follow a ticket but not read its surveys.
HELPDESK_USERS = "helpdesk_mgmt.group_helpdesk_user_own"


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    sla_timer_ids = fields.One2many("cso.sla.timer", "ticket_id", string="SLA Timers", readonly=True)
    sla_pause_ids = fields.One2many("cso.sla.pause", "ticket_id", string="SLA Pauses", readonly=True)
    sla_start_at = fields.Datetime(
        string="SLA Clock Start",
        readonly=True,
        copy=False,
        help="Moment the first-response and resolution timers start from: the creation of the ticket, "
        "or the original creation time given on import.",
    )
    sla_first_response_at = fields.Datetime(
        string="First Response",
        readonly=True,
        copy=False,
        help="First message to the customer written by an internal user.",
    )
    sla_state = fields.Selection(
        TIMER_STATES,
        string="SLA Status",
        compute="_compute_sla_status",
        help="Most urgent state among the unfinished timers, or the outcome once all timers are finished.",
    )
    sla_deadline = fields.Datetime(
        string="SLA Deadline",
        compute="_compute_sla_status",
        help="Earliest deadline among the running timers.",
    )
    sla_at_risk = fields.Boolean(
        string="SLA At Risk",
        compute="_compute_sla_status",
        search="_search_sla_at_risk",
    )
    sla_breached = fields.Boolean(
        string="SLA Breached",
        compute="_compute_sla_status",
        search="_search_sla_breached",
    )
    sla_first_response_deadline = fields.Datetime(
        string="First Response Due",
        compute="_compute_sla_first_response",
    )
    sla_first_response_hours = fields.Float(
        string="First Response Target (hours)",
        compute="_compute_sla_first_response",
    )
    customer_tier_id = fields.Many2one(
        related="commercial_partner_id.customer_tier_id",
        string="Customer Tier",
    )

    @api.depends(
        "sla_timer_ids.state",
        "sla_timer_ids.deadline",
        "sla_timer_ids.warning_at",
        "sla_timer_ids.stop_at",
    )
    def _compute_sla_status(self):
        now = fields.Datetime.now()
        for ticket in self:
            timers = ticket.sudo().sla_timer_ids
            states = [_live_state(timer, now) for timer in timers if not timer.stop_at]
            if not states:
                states = [timer.state for timer in timers]
            ticket.sla_state = next((state for state in STATE_URGENCY if state in states), False)
            deadlines = [timer.deadline for timer in timers if not timer.stop_at and timer.deadline]
            ticket.sla_deadline = min(deadlines, default=False)
            ticket.sla_breached = any(_live_state(timer, now) == "breached" for timer in timers)
            ticket.sla_at_risk = any(not timer.stop_at and _live_state(timer, now) == "at_risk" for timer in timers)

    @api.depends("sla_timer_ids.deadline", "sla_timer_ids.target_hours")
    def _compute_sla_first_response(self):
        for ticket in self:
            timers = ticket.sudo().sla_timer_ids.filtered(lambda timer: timer.kind == "first_response")
            deadlines = [timer.deadline for timer in timers if timer.deadline and not timer.stop_at]
            ticket.sla_first_response_deadline = min(deadlines, default=False)
            ticket.sla_first_response_hours = min(timers.mapped("target_hours"), default=0.0)

    def _search_sla_breached(self, operator, value):
        if operator not in ("=", "!="):
            raise NotImplementedError(self.env._("Search SLA Breached with = or != only."))
        now = fields.Datetime.now()
        timer_domain = [
            "|",
            ("state", "=", "breached"),
            "&",
            ("stop_at", "=", False),
            ("deadline", "<", now),
        ]
        positive = (operator == "=") == bool(value)
        return [("sla_timer_ids", "any" if positive else "not any", timer_domain)]

    def _search_sla_at_risk(self, operator, value):
        if operator not in ("=", "!="):
            raise NotImplementedError(self.env._("Search SLA At Risk with = or != only."))
        now = fields.Datetime.now()
        timer_domain = [
            ("stop_at", "=", False),
            ("state", "in", ("running", "at_risk")),
            ("warning_at", "<=", now),
            ("deadline", ">=", now),
        ]
        positive = (operator == "=") == bool(value)
        return [("sla_timer_ids", "any" if positive else "not any", timer_domain)]

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        for vals in vals_list:
            vals.setdefault("sla_start_at", now)
        tickets = super().create(vals_list)
        if not self.env.context.get("cso_sla_skip"):
            tickets.sudo()._sla_start(now)
            tickets._sla_send_acknowledgements()
        return tickets

    def _sla_write(self, vals):
        """Write ``vals`` and keep the SLA timers in step with the change."""
        now = fields.Datetime.now()
        breach_action = self.env.context.get("cso_sla_breach_action")
        if not breach_action:
            # Warnings and breaches that fell due before this change belong to the old values.
            self.sudo().sla_timer_ids._fire_due(now)
        before = {ticket.id: (ticket.stage_id, ticket.user_id) for ticket in self}
        result = super().write(vals)
        self.sudo()._sla_after_write(vals, before, now, rematch=not breach_action)
        return result

    # ------------------------------------------------------------------
    # Timer life cycle
    # ------------------------------------------------------------------

    def _sla_start(self, now):
        """Open the pauses and create the timers of new tickets."""
        self._sla_update_pauses({ticket: self.env["helpdesk.ticket.stage"] for ticket in self}, now)
        self._sla_sync_timers(now)._recompute(now)._fire_due(now)

    def _sla_after_write(self, vals, before, now, rematch=True):
        """Bring the timers of ``self`` in line with a write: pauses, stops, reopenings, explanation and matching."""
        stage_changes = {ticket: before[ticket.id][0] for ticket in self if ticket.stage_id != before[ticket.id][0]}
        user_changed = self.filtered(lambda ticket: ticket.user_id != before[ticket.id][1])

        self._sla_update_pauses(stage_changes, now)
        closing = self.browse([t.id for t, old in stage_changes.items() if t.stage_id.closed and not old.closed])
        reopening = self.browse([t.id for t, old in stage_changes.items() if old.closed and not t.stage_id.closed])
        closing.sla_timer_ids._stop(now, note=self.env._("Ticket closed."))
        reopening.sla_timer_ids.filtered(lambda timer: timer.kind == "resolution")._reopen(now)

        moved = self.browse([ticket.id for ticket in stage_changes]) - closing - reopening
        events = []
        for ticket in moved:
            event_type = ticket._sla_stage_event_type(stage_changes[ticket])
            events.extend(timer._event_values(event_type, now) for timer in ticket.sla_timer_ids if not timer.stop_at)
        for ticket in user_changed:
            events.extend(timer._event_values("assign", now) for timer in ticket.sla_timer_ids if not timer.stop_at)
        self.env["cso.sla.timer.event"].create(events)

        if rematch and MATCH_FIELDS & set(vals):
            self._sla_sync_timers(now)
        unfinished = self.sla_timer_ids.filtered(lambda timer: not timer.stop_at)
        reason = self.env._("ticket %(fields)s changed", fields=", ".join(sorted(MATCH_FIELDS & set(vals))))
        unfinished = unfinished._recompute(now, reason=reason if MATCH_FIELDS & set(vals) else None)
        if rematch:
            unfinished._fire_due(now)

    def _sla_stage_event_type(self, old_stage):
        """Return the explanation event for a move from ``old_stage`` to the current stage of an open ticket."""
        if self.stage_id.pause_sla and not old_stage.pause_sla:
            return "pause"
        if old_stage.pause_sla and not self.stage_id.pause_sla:
            return "resume"
        return "stage"

    def _sla_update_pauses(self, old_stages, now):
        """Close and open the ticket pauses after stage changes, where ``old_stages`` maps tickets to their previous stage."""
        if not old_stages:
            return
        tickets = self.browse([ticket.id for ticket in old_stages])
        open_pauses = self.env["cso.sla.pause"].search([("ticket_id", "in", tickets.ids), ("end_at", "=", False)])
        open_pauses.write({"end_at": now})
        new_pauses = []
        for ticket in tickets:
            stage = ticket.stage_id
            if stage.closed:
                reason = "closed"
            elif stage.pause_sla:
                reason = "stage"
            else:
                continue
            new_pauses.append({"ticket_id": ticket.id, "start_at": now, "stage_id": stage.id, "reason": reason})
        self.env["cso.sla.pause"].create(new_pauses)

    def _sla_pause_intervals(self):
        """Return the pauses of each ticket as ``(start, end)`` seconds, ``end`` being ``None`` while open."""
        result = defaultdict(list)
        if not self:
            return result
        rows = (
            self.env["cso.sla.pause"]
            .sudo()
            .search_read([("ticket_id", "in", self.ids)], ["ticket_id", "start_at", "end_at"], order="start_at")
        )
        for row in rows:
            end = to_seconds(row["end_at"]) if row["end_at"] else None
            result[row["ticket_id"][0]].append((to_seconds(row["start_at"]), end))
        return {ticket_id: tuple(pauses) for ticket_id, pauses in result.items()}

    # ------------------------------------------------------------------
    # Policy matching
    # ------------------------------------------------------------------

    def _sla_facts(self):
        """Return the plain :class:`TicketFacts` that policies match on."""
        self.ensure_one()
        category_ids = frozenset(int(part) for part in (self.category_id.parent_path or "").split("/") if part)
        partner = self.partner_id
        return TicketFacts(
            company_id=self.company_id.id,
            team_id=self.team_id.id or None,
            priority=self.priority or None,
            category_ids=category_ids,
            tag_ids=frozenset(self.tag_ids.ids),
            partner_ids=frozenset((partner | partner.commercial_partner_id).ids),
            tier_id=partner.commercial_partner_id.customer_tier_id.id or None,
        )

    def _sla_applicable_policies(self):
        """Return the applicable active policies of each ticket, as a dict of recordsets."""
        policies = self.env["cso.sla.policy"].sudo().search([("company_id", "in", [False, *self.company_id.ids])])
        criteria = policies._criteria()
        by_id = {policy.id: policy for policy in policies}
        return {
            ticket: self.env["cso.sla.policy"]
            .sudo()
            .browse([by_id[policy_id].id for policy_id in applicable_policy_ids(criteria, ticket._sla_facts())])
            for ticket in self
        }

    def _sla_sync_timers(self, now):
        """Give each ticket the first-response and resolution timers of its applicable policies, and return the new timers.

        Unfinished timers of policies that no longer apply are removed, or
        stopped when already breached. A new timer starts at the ticket's SLA
        clock start. It is stopped at once when the ticket already got its
        first response or is closed.
        """
        timer_model = self.env["cso.sla.timer"].sudo()
        applicable = self._sla_applicable_policies()
        create_values, obsolete = [], timer_model
        for ticket in self:
            policies = applicable[ticket]
            expected = {
                (policy.id, kind)
                for policy in policies
                for kind in ("first_response", "next_response", "resolution")
                if policy._target_hours(kind) > 0
            }
            existing = {(timer.policy_id.id, timer.kind) for timer in ticket.sla_timer_ids}
            obsolete |= ticket.sla_timer_ids.filtered(
                lambda timer, expected=expected: not timer.stop_at and (timer.policy_id.id, timer.kind) not in expected
            )
            for policy in policies:
                for kind in ("first_response", "resolution"):
                    if (policy.id, kind) in expected and (policy.id, kind) not in existing:
                        create_values.append(
                            {
                                "ticket_id": ticket.id,
                                "policy_id": policy.id,
                                "kind": kind,
                                "start_at": ticket.sla_start_at or ticket.create_date or now,
                                "target_hours": policy._target_hours(kind),
                            }
                        )
        obsolete._detach(now, self.env._("The ticket no longer matches this policy."))
        timers = timer_model.create(create_values)
        timers._log_start()
        timers._stop_settled(now)
        return timers

    def _sla_sync_in_batches(self):
        """Match the tickets in ``self`` again, a bounded batch at a time."""
        now = fields.Datetime.now()
        for start in range(0, len(self), SYNC_BATCH_SIZE):
            tickets = self[start : start + SYNC_BATCH_SIZE]
            tickets._sla_sync_timers(now)
            timers = tickets.sla_timer_ids.filtered(lambda timer: not timer.stop_at)
            timers._recompute(now, reason=self.env._("policies applied again"))._fire_due(now)
            _logger.info("SLA policies matched again on %s tickets", len(tickets))

    # ------------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------------

    def _message_post_after_hook(self, message, msg_values):
        result = super()._message_post_after_hook(message, msg_values)
        if self.env.context.get("cso_sla_skip") or msg_values.get("message_type") not in ("comment", "email"):
            return result
        subtype = message.sudo().subtype_id
        if not subtype or subtype.internal:
            return result
        when = message.date or fields.Datetime.now()
        author = message.sudo().author_id
        if any(not user.share for user in author.user_ids):
            self.sudo()._sla_register_agent_reply(when, author)
        else:
            self.sudo()._sla_register_customer_message(when)
        return result

    def _sla_register_agent_reply(self, when, author):
        """Settle the response timers of the tickets: the internal user ``author`` (a partner) wrote to the customer."""
        for ticket in self:
            if not ticket.sla_first_response_at:
                ticket.with_context(cso_sla_skip=True).sla_first_response_at = when
            timers = ticket.sla_timer_ids.filtered(
                lambda timer: not timer.stop_at and timer.kind in ("first_response", "next_response")
            )
            timers._fire_due(when)
            timers._stop(when, note=self.env._("Answered by %(user)s.", user=author.name))

    def _sla_register_customer_message(self, when):
        """Start a next-response timer for each applicable policy that has none running, after the first response."""
        timer_model = self.env["cso.sla.timer"]
        for ticket, policies in self._sla_applicable_policies().items():
            if ticket.stage_id.closed:
                continue
            timers = ticket.sla_timer_ids
            values = []
            for policy in policies.filtered(lambda policy: policy.next_response_hours > 0):
                policy_timers = timers.filtered(lambda timer, policy=policy: timer.policy_id == policy)
                if any(
                    not timer.stop_at and timer.kind in ("first_response", "next_response") for timer in policy_timers
                ):
                    continue
                cycle = max(
                    policy_timers.filtered(lambda timer: timer.kind == "next_response").mapped("cycle"), default=0
                )
                values.append(
                    {
                        "ticket_id": ticket.id,
                        "policy_id": policy.id,
                        "kind": "next_response",
                        "cycle": cycle + 1,
                        "start_at": when,
                        "target_hours": policy.next_response_hours,
                    }
                )
            new_timers = timer_model._create_next_response_timers(values)
            new_timers._log_events("start", when, note=self.env._("Customer replied."))
            new_timers._recompute(when)

    # ------------------------------------------------------------------
    # Acknowledgement
    # ------------------------------------------------------------------

    def _sla_send_acknowledgements(self):
        """Send each new ticket's customer the acknowledgement of its team (or company), if switched on."""
        for ticket in self:
            template = ticket._sla_acknowledgement_template()
            if not template or not (ticket.partner_id.email or ticket.partner_email):
                continue
            try:
                with self.env.cr.savepoint():
                    # As superuser: the creator may be a portal user or the mail gateway. The
                    # composer takes the author from the template's sender, the company.
                    ticket.sudo().message_post_with_source(
                        template,
                        message_type="auto_comment",
                        subtype_xmlid="mail.mt_comment",
                    )
            except UserError as error:
                # A broken template must not block the creation of the ticket.
                _logger.warning(
                    "SLA acknowledgement of ticket %s with template %s failed: %s", ticket.id, template.id, error
                )

    def _sla_acknowledgement_template(self):
        """Return the acknowledgement template for this ticket, or an empty recordset when switched off."""
        self.ensure_one()
        company = self.company_id
        default = self.env.ref(
            "customer_service_optimization.mail_template_ticket_acknowledgement", raise_if_not_found=False
        )
        if not company.sla_ack_enabled:
            return self.env["mail.template"]
        team = self.team_id
        if team:
            if not team.sla_ack_enabled:
                return self.env["mail.template"]
            return team.sla_ack_template_id or company.sla_ack_template_id or default
        return company.sla_ack_template_id or default

    def _sla_post_timer_list(self, title, lines, subtype_xmlid, partner_ids):
        """Post ``title`` and a bulleted list of ``lines`` (escaped) in the chatter as OdooBot."""
        self.ensure_one()
        items = Markup("").join(Markup("<li>%s</li>") % line for line in lines)
        self.message_post(
            body=Markup("<p>%s</p><ul>%s</ul>") % (title, items),
            author_id=self.env.ref("base.partner_root").id,
            message_type="comment",
            subtype_xmlid=subtype_xmlid,
            partner_ids=partner_ids,
        )

    # ------------------------------------------------------------------
    # Satisfaction surveys
    # ------------------------------------------------------------------

    survey_ids = fields.One2many(
        "cso.survey", "ticket_id", string="Satisfaction Surveys", readonly=True, groups=HELPDESK_USERS
    )
    survey_closing_count = fields.Integer(
        string="Closings",
        readonly=True,
        copy=False,
        help="How many times the ticket entered a closing stage from an open one.",
    )
    survey_disabled = fields.Boolean(
        string="No Satisfaction Survey",
        copy=False,
        tracking=True,
        groups="helpdesk_mgmt.group_helpdesk_manager",
        help="Send no satisfaction survey for this ticket. Only helpdesk managers can change it.",
    )
    survey_origin_ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Recovery Of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Ticket whose low satisfaction score this recovery ticket follows up.",
    )
    survey_last_score = fields.Selection(
        SCORES,
        string="Satisfaction",
        compute="_compute_survey_last_score",
        groups=HELPDESK_USERS,
        help="Score of the last answered survey.",
    )
    survey_contact_lang = fields.Selection(related="partner_id.lang", string="Contact Language")
    survey_contact_ticket_count = fields.Integer(
        string="Customer Tickets", compute="_compute_survey_customer_context", groups=HELPDESK_USERS
    )
    survey_contact_ticket_ids = fields.Many2many(
        "helpdesk.ticket",
        string="Previous Tickets",
        compute="_compute_survey_customer_context",
        groups=HELPDESK_USERS,
        help="The customer's most recent other tickets.",
    )
    survey_contact_answer_ids = fields.Many2many(
        "cso.survey",
        string="Last Answers",
        compute="_compute_survey_customer_context",
        groups=HELPDESK_USERS,
        help="The customer's most recent answered satisfaction surveys.",
    )

    @api.depends("survey_ids.score", "survey_ids.answered_at")
    def _compute_survey_last_score(self):
        for ticket in self:
            answered = ticket.survey_ids.filtered("answered_at").sorted("answered_at", reverse=True)
            ticket.survey_last_score = answered[:1].score

    @api.depends("commercial_partner_id")
    def _compute_survey_customer_context(self):
        """Show the customer's history: searched with the user's rights, so only what they may see appears."""
        for ticket in self:
            customer = ticket.commercial_partner_id
            if not customer:
                ticket.survey_contact_ticket_count = 0
                ticket.survey_contact_ticket_ids = False
                ticket.survey_contact_answer_ids = False
                continue
            domain = [("commercial_partner_id", "=", customer.id), ("id", "!=", ticket._origin.id or 0)]
            Ticket = self.env["helpdesk.ticket"]
            ticket.survey_contact_ticket_count = Ticket.search_count(domain)
            ticket.survey_contact_ticket_ids = Ticket.search(
                domain, order="create_date desc, id desc", limit=CONTEXT_LIMIT
            )
            ticket.survey_contact_answer_ids = self.env["cso.survey"].search(
                [("partner_id", "child_of", customer.id), ("state", "=", "answered")],
                order="answered_at desc, id desc",
                limit=CONTEXT_LIMIT,
            )

    def write(self, vals):
        track_closing = "stage_id" in vals or "team_id" in vals
        was_closed = {ticket.id: bool(ticket.stage_id.closed) for ticket in self} if track_closing else {}
        if self.env.context.get("cso_sla_skip") or not WATCHED_FIELDS & set(vals):
            result = super().write(vals)
        else:
            result = self._sla_write(vals)
        if track_closing:
            closing = self.filtered(lambda ticket: ticket.stage_id.closed and not was_closed[ticket.id])
            if closing:
                closing._survey_register_closing()
        return result

    def _survey_register_closing(self):
        """Count a closing of each ticket in ``self`` and schedule its satisfaction survey."""
        now = fields.Datetime.now()
        for ticket in self.sudo():
            ticket.with_context(mail_notrack=True).survey_closing_count += 1
        self.env["cso.survey"]._schedule_for_closings(self.sudo(), now)

    def action_open_surveys(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Satisfaction Surveys"),
            "res_model": "cso.survey",
            "view_mode": "list,form",
            "domain": [("ticket_id", "=", self.id)],
        }


def _live_state(timer, now):
    """Return the state a timer has at ``now``, ahead of the cron that stores warnings and breaches."""
    if timer.state in ("achieved", "breached"):
        return timer.state
    if timer.deadline and timer.deadline < now:
        return "breached"
    if timer.state == "paused":
        return "paused"
    if timer.warning_at and timer.warning_at <= now:
        return "at_risk"
    return "running"
