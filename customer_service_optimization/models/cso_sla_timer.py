import logging
from collections import defaultdict

import babel.dates
import pytz
from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL, create_index, get_lang, mute_logger
from odoo.tools.misc import babel_locale_parse

from ..logic.business_time import from_seconds, to_seconds
from ..logic.timer_clock import TimerFacts, consumption_by_holder

_logger = logging.getLogger(__name__)

TIMER_KINDS = [
    ("first_response", "First Response"),
    ("next_response", "Next Response"),
    ("resolution", "Resolution"),
]
TIMER_STATES = [
    ("running", "Running"),
    ("paused", "Paused"),
    ("at_risk", "At Risk"),
    ("achieved", "Achieved"),
    ("breached", "Breached"),
]
# Order of urgency when one badge sums up several timers.
STATE_URGENCY = ("breached", "at_risk", "running", "paused", "achieved")

# Maximum number of timers recomputed inside the request that changed a calendar
# or a policy. Larger sets are flagged and left to the cron, which works in batches.
SYNC_RECOMPUTE_LIMIT = 2000
CRON_RECOMPUTE_BATCH = 20000
CRON_FIRE_BATCH = 500


class CsoSlaTimer(models.Model):
    """One SLA clock of a ticket: a policy's target for one kind of promise.

    A timer runs from ``start_at`` in the working hours of ``calendar_id``,
    does not run while its ticket is paused, and stops at ``stop_at``. The
    stored ``deadline`` and ``warning_at`` let the cron find due timers with
    one indexed query. ``warned_at`` and ``breach_processed_at`` are claimed
    with a conditional UPDATE, so each warning and each breach fires once.
    """

    _name = "cso.sla.timer"
    _inherit = ["cso.ticket.access.mixin"]
    _description = "SLA Timer"
    _order = "start_at desc, id desc"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, ondelete="cascade", index=True, readonly=True)
    policy_id = fields.Many2one("cso.sla.policy", required=True, ondelete="restrict", index=True, readonly=True)
    kind = fields.Selection(TIMER_KINDS, required=True, readonly=True)
    cycle = fields.Integer(
        readonly=True,
        help="Number of the customer reply that started this next-response timer, or 0 for the other kinds.",
    )
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True)
    team_id = fields.Many2one(related="ticket_id.team_id", string="Team")
    user_id = fields.Many2one(related="ticket_id.user_id", string="Assigned User")
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        readonly=True,
        help="Calendar whose working hours, timezone and leaves the timer counts.",
    )
    target_hours = fields.Float(string="Target (business hours)", readonly=True)
    start_at = fields.Datetime(string="Started", required=True, readonly=True)
    stop_at = fields.Datetime(string="Stopped", readonly=True, copy=False)
    deadline = fields.Datetime(readonly=True, copy=False)
    warning_at = fields.Datetime(string="At Risk From", readonly=True, copy=False)
    state = fields.Selection(TIMER_STATES, required=True, default="running", readonly=True, index=True)
    warned_at = fields.Datetime(string="Warning Sent", readonly=True, copy=False)
    breach_processed_at = fields.Datetime(
        string="Breach Actions Run",
        readonly=True,
        copy=False,
        help="When the breach was recorded and the policy's breach actions ran.",
    )
    duration_hours = fields.Float(
        string="Business Hours Used",
        readonly=True,
        copy=False,
        help="Business hours from start to stop, without pauses. Set when the timer stops.",
    )
    consumed_hours = fields.Float(string="Consumed (business hours)", compute="_compute_live_hours")
    remaining_hours = fields.Float(
        string="Remaining (business hours)",
        compute="_compute_live_hours",
        help="Negative once the target is overrun.",
    )
    needs_recompute = fields.Boolean(readonly=True, copy=False)
    problem = fields.Char(
        string="Configuration Problem",
        readonly=True,
        copy=False,
        help="Why the timer has no deadline, for example a calendar without working time.",
    )
    pause_ids = fields.Many2many("cso.sla.pause", string="Paused Intervals", compute="_compute_pause_ids")
    event_ids = fields.One2many("cso.sla.timer.event", "timer_id", string="Explanation", readonly=True)

    _sql_constraints = [
        (
            "ticket_policy_kind_cycle_unique",
            "unique(ticket_id, policy_id, kind, cycle)",
            "A ticket has one timer per policy, kind and customer reply.",
        ),
    ]

    def init(self):
        # Partial indexes for the cron: only unfinished timers that still owe
        # a warning or a breach are in them, so they stay small.
        create_index(
            self.env.cr,
            "cso_sla_timer_due_breach_index",
            self._table,
            ["deadline"],
            where="stop_at IS NULL AND breach_processed_at IS NULL",
        )
        create_index(
            self.env.cr,
            "cso_sla_timer_due_warning_index",
            self._table,
            ["warning_at"],
            where="stop_at IS NULL AND warned_at IS NULL",
        )
        create_index(
            self.env.cr,
            "cso_sla_timer_needs_recompute_index",
            self._table,
            ["company_id"],
            where="needs_recompute",
        )

    @api.depends("policy_id", "kind", "cycle", "ticket_id")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for timer in self:
            label = kinds.get(timer.kind, "")
            if timer.kind == "next_response" and timer.cycle:
                label = f"{label} #{timer.cycle}"
            timer.display_name = f"{timer.ticket_id.number} · {timer.policy_id.name} · {label}"

    @api.depends("start_at", "stop_at", "duration_hours", "calendar_id", "target_hours")
    def _compute_live_hours(self):
        now = fields.Datetime.now()
        consumed = self.sudo()._consumed_seconds(now)
        for timer in self:
            hours = consumed.get(timer.id, 0) / 3600
            timer.consumed_hours = hours
            timer.remaining_hours = timer.target_hours - hours

    @api.depends("ticket_id.sla_pause_ids", "start_at", "stop_at")
    def _compute_pause_ids(self):
        for timer in self:
            end = timer.stop_at
            timer.pause_ids = timer.ticket_id.sla_pause_ids.filtered(
                lambda pause, timer=timer, end=end: (
                    (not pause.end_at or pause.end_at > timer.start_at) and (not end or pause.start_at < end)
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_open_ticket(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.ticket",
            "res_id": self.ticket_id.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Reading timers against calendars
    # ------------------------------------------------------------------

    def _resolve_calendars(self):
        """Return the working calendar of each timer: the policy's, else the team's, else the company's."""
        return {
            timer: timer.policy_id.resource_calendar_id
            or timer.ticket_id.team_id.resource_calendar_id
            or timer.ticket_id.company_id.resource_calendar_id
            for timer in self
        }

    def _facts(self, pauses_by_ticket, stops=None, targets=None):
        """Return the :class:`TimerFacts` of each timer, where ``stops`` and ``targets`` (hours) override stored values."""
        stops = stops or {}
        targets = targets or {}
        facts = {}
        for timer in self:
            stop = stops.get(timer, timer.stop_at)
            facts[timer] = TimerFacts(
                start=to_seconds(timer.start_at),
                target=targets.get(timer, timer.target_hours) * 3600,
                pauses=pauses_by_ticket.get(timer.ticket_id.id, ()),
                stop=to_seconds(stop) if stop else None,
            )
        return facts

    def _consumed_seconds(self, now):
        """Return the business seconds each timer consumed up to ``now`` (or its stop), by timer id."""
        result = {}
        live = self.filtered(lambda timer: timer.calendar_id and timer.start_at and not timer.stop_at)
        for timer in self - live:
            result[timer.id] = timer.duration_hours * 3600
        if not live:
            return result
        pauses = live.ticket_id._sla_pause_intervals()
        for calendar, timers in live.grouped("calendar_id").items():
            facts = timers._facts(pauses)
            result.update(calendar._sla_consumed_seconds({timer.id: fact for timer, fact in facts.items()}, now))
        return result

    # ------------------------------------------------------------------
    # Recompute, stop, reopen
    # ------------------------------------------------------------------

    def _recompute(self, now=None, reason=None):
        """Refresh calendar, target, deadline, warning moment and state of the unfinished timers in ``self``.

        Achieved and breached timers keep their outcome and their deadline.
        A timer whose policy no longer sets a target for its kind is removed
        (or stopped if already breached). When ``reason`` is given, each moved
        deadline gets an explanation line with that reason. Returns the timers
        of ``self`` that still exist.

        The timers are read as plain values rather than through records: on
        batches of ten thousand timers the record access costs more than the
        business time arithmetic itself.
        """
        now = now or fields.Datetime.now()
        rows = self._recompute_rows()
        finished = [timer_id for timer_id, row in rows.items() if row["stop_at"] or row["state"] == "breached"]
        self.browse([timer_id for timer_id in finished if rows[timer_id]["needs_recompute"]]).write(
            {"needs_recompute": False}
        )
        policies = self.env["cso.sla.policy"].browse({row["policy_id"] for row in rows.values()})._timer_settings()
        live = [timer_id for timer_id in rows if timer_id not in set(finished)]
        untracked = [timer_id for timer_id in live if _target(policies, rows[timer_id]) <= 0]
        if untracked:
            self.browse(untracked)._detach(
                now, self.env._("The policy no longer sets a target for this kind of timer.")
            )
            live = [timer_id for timer_id in live if timer_id not in set(untracked)]
        if not live:
            return self.exists()

        calendar_ids = self._calendar_ids([rows[timer_id] for timer_id in live], policies)
        pauses = (
            self.env["helpdesk.ticket"]
            .browse({rows[timer_id]["ticket_id"] for timer_id in live})
            ._sla_pause_intervals()
        )
        updates = {}
        by_calendar = defaultdict(list)
        for timer_id in live:
            if calendar_ids[timer_id]:
                by_calendar[calendar_ids[timer_id]].append(timer_id)
            else:
                updates[timer_id] = _problem_values(self.browse(timer_id)._missing_calendar_message())
        for calendar_id, timer_ids in by_calendar.items():
            calendar = self.env["resource.calendar"].browse(calendar_id)
            facts = {
                timer_id: TimerFacts(
                    start=to_seconds(rows[timer_id]["start_at"]),
                    target=_target(policies, rows[timer_id]) * 3600,
                    pauses=pauses.get(rows[timer_id]["ticket_id"], ()),
                )
                for timer_id in timer_ids
            }
            shares = {timer_id: policies[rows[timer_id]["policy_id"]]["warning_share"] for timer_id in timer_ids}
            readings, problems = calendar._sla_read_timers(facts, now, shares)
            for timer_id, reading in readings.items():
                updates[timer_id] = _reading_values(calendar_id, reading, now)
            for timer_id, problem in problems.items():
                updates[timer_id] = _problem_values(problem, calendar_id)
        for timer_id, values in updates.items():
            values["target_hours"] = _target(policies, rows[timer_id])
        self._apply_updates(rows, updates, now, reason)
        return self.exists()

    def _recompute_rows(self):
        """Return the stored values that a recompute needs, as dicts by timer id."""
        if not self:
            return {}
        self.flush_recordset(RECOMPUTE_FIELDS)
        # Plain SQL: read() formats every value through the ORM, which costs
        # seconds on the tens of thousands of timers of a calendar change.
        rows = self.env.execute_query_dict(
            SQL(
                "SELECT id, %s FROM cso_sla_timer WHERE id = ANY(%s)",
                SQL(", ").join(SQL.identifier(name) for name in RECOMPUTE_FIELDS),
                list(self.ids),
            )
        )
        for row in rows:
            for name in ("calendar_id", "problem", "deadline", "warning_at", "stop_at"):
                row[name] = row[name] or False
            row["target_hours"] = row["target_hours"] or 0.0
            row["needs_recompute"] = bool(row["needs_recompute"])
        return {row["id"]: row for row in rows}

    @api.model
    def _calendar_ids(self, rows, policies):
        """Return the working calendar id of each timer row: the policy's, else the team's, else the company's."""
        tickets = self.env["helpdesk.ticket"].browse({row["ticket_id"] for row in rows})
        ticket_rows = {row["id"]: row for row in tickets.read(["team_id", "company_id"], load=None)}
        teams = self.env["helpdesk.ticket.team"].browse(
            {row["team_id"] for row in ticket_rows.values() if row["team_id"]}
        )
        team_calendars = {
            row["id"]: row["resource_calendar_id"] for row in teams.read(["resource_calendar_id"], load=None)
        }
        companies = self.env["res.company"].browse({row["company_id"] for row in ticket_rows.values()})
        company_calendars = {
            row["id"]: row["resource_calendar_id"] for row in companies.read(["resource_calendar_id"], load=None)
        }
        result = {}
        for row in rows:
            ticket = ticket_rows[row["ticket_id"]]
            result[row["id"]] = (
                policies[row["policy_id"]]["calendar_id"]
                or team_calendars.get(ticket["team_id"])
                or company_calendars.get(ticket["company_id"])
            )
        return result

    def _missing_calendar_message(self):
        self.ensure_one()
        return self.env._(
            "No working calendar: set one on the policy, on team %(team)s or on company %(company)s.",
            team=self.ticket_id.team_id.display_name or self.env._("(no team)"),
            company=self.ticket_id.company_id.name,
        )

    def _apply_updates(self, rows, updates, now, reason):
        """Write ``updates`` (values by timer id) where they differ from ``rows``, and log moved deadlines."""
        changes = {}
        for timer_id, values in updates.items():
            changed = {name: value for name, value in values.items() if rows[timer_id][name] != value}
            if changed:
                changes[timer_id] = changed
        if not changes:
            return

        ticket_ids = {rows[timer_id]["ticket_id"] for timer_id in changes}
        holders = {
            row["id"]: (row["stage_id"], row["user_id"])
            for row in self.env["helpdesk.ticket"].browse(ticket_ids).read(["stage_id", "user_id"], load=None)
        }
        calendar_ids = {
            changed.get("calendar_id") or rows[timer_id]["calendar_id"] for timer_id, changed in changes.items()
        }
        zones = {calendar.id: calendar.tz for calendar in self.env["resource.calendar"].browse(calendar_ids - {False})}
        format_moment = _moment_formatter(self.env)

        events = []
        for timer_id, changed in changes.items():
            row = rows[timer_id]
            stage_id, user_id = holders[row["ticket_id"]]
            event = {"timer_id": timer_id, "at": now, "stage_id": stage_id, "user_id": user_id}
            if changed.get("problem"):
                _logger.warning(
                    "SLA timer %s of ticket %s has no deadline: %s", timer_id, row["ticket_id"], changed["problem"]
                )
                events.append({**event, "event_type": "problem", "note": changed["problem"]})
            if reason and changed.get("deadline") and row["deadline"]:
                tz = zones.get(changed.get("calendar_id") or row["calendar_id"]) or "UTC"
                note = self.env._(
                    "Deadline moved from %(old)s to %(new)s: %(reason)s",
                    old=format_moment(row["deadline"], tz),
                    new=format_moment(changed["deadline"], tz),
                    reason=reason,
                )
                events.append({**event, "event_type": "recompute", "note": note})
            self.browse(timer_id).write(changed)

        if events:
            self.env["cso.sla.timer.event"].create(events)

    def _stop(self, when, event_type="stop", note=None):
        """Stop the unfinished timers in ``self`` at ``when`` (a datetime, or a datetime by timer) and settle their outcome.

        The outcome compares the stop with the deadline: a timer stopped after
        its deadline is breached, and its breach actions run now if the cron
        has not run them yet. A breached timer stays breached.
        """
        timers = self.filtered(lambda timer: not timer.stop_at)
        if not timers:
            return self.browse()
        stops = when if isinstance(when, dict) else dict.fromkeys(timers, when)
        calendars = timers._resolve_calendars()
        for timer in timers.filtered(lambda timer: timer.state == "breached" and timer.calendar_id):
            # A breached timer keeps the calendar it was breached in, even when
            # a breach action moved the ticket to a team with other hours.
            calendars[timer] = timer.calendar_id
        pauses = timers.ticket_id._sla_pause_intervals()
        readings = {}
        by_calendar = defaultdict(list)
        for timer in timers:
            if calendars[timer]:
                by_calendar[calendars[timer]].append(timer)
        for calendar, group in by_calendar.items():
            facts = self.browse([timer.id for timer in group])._facts(pauses, stops)
            group_readings, _problems = calendar._sla_read_timers(facts, max(stops[timer] for timer in group), {})
            readings.update(group_readings)

        late = self.browse()
        events = []
        for timer in timers:
            reading = readings.get(timer)
            breached = timer.state == "breached" or bool(reading and reading.breached)
            values = {
                "stop_at": stops[timer],
                "calendar_id": calendars[timer].id,
                "state": "breached" if breached else "achieved",
                "duration_hours": reading.consumed / 3600 if reading else 0.0,
                "needs_recompute": False,
            }
            if reading and timer.state != "breached":
                values["deadline"] = _datetime_or_false(reading.deadline)
            if breached and not timer.breach_processed_at:
                late |= timer
            timer.write(values)
            event = "achieved" if not breached and event_type == "stop" else event_type
            events.append(timer._event_values(event, stops[timer], note=note))
        self.env["cso.sla.timer.event"].create(events)
        if late:
            late._claim("breach_processed_at", fields.Datetime.now())._run_breach_actions()
        return timers

    def _reopen(self, now):
        """Resume the stopped timers in ``self`` at ``now``. The ticket's closed span between is a pause."""
        timers = self.filtered("stop_at")
        events = []
        for timer in timers:
            events.append(timer._event_values("reopen", now))
            timer.write(
                {
                    "stop_at": False,
                    "duration_hours": 0.0,
                    "state": "breached" if timer.state == "breached" else "running",
                }
            )
        self.env["cso.sla.timer.event"].create(events)
        return timers._recompute(now)

    def _detach(self, now, note):
        """Drop timers whose policy no longer applies: remove the unfinished ones and stop the breached ones."""
        unfinished = self.filtered(lambda timer: not timer.stop_at)
        keep = unfinished.filtered(lambda timer: timer.state == "breached")
        keep._stop(now, event_type="policy_removed", note=note)
        (unfinished - keep).unlink()

    # ------------------------------------------------------------------
    # Warnings and breaches
    # ------------------------------------------------------------------

    def _fire_due(self, now=None):
        """Send the warnings and run the breach actions that are due at ``now`` among the timers in ``self``.

        Each timer is claimed in the database first, so a warning or a breach
        that another transaction already handled is skipped. When a timer is
        both at risk and breached, only the breach is announced.
        """
        now = now or fields.Datetime.now()
        unfinished = self.filtered(lambda timer: not timer.stop_at and timer.state != "breached")
        breaching = unfinished.filtered(
            lambda timer: not timer.breach_processed_at and timer.deadline and timer.deadline < now
        )
        warning = unfinished.filtered(
            lambda timer: not timer.warned_at and timer.warning_at and timer.warning_at <= now
        )
        claimed_breaches = breaching._claim("breach_processed_at", now)
        claimed_warnings = warning._claim("warned_at", now)
        (claimed_warnings - claimed_breaches)._send_warnings(now)
        claimed_breaches._run_breach_actions()
        return claimed_warnings | claimed_breaches

    def _claim(self, field_name, now):
        """Set ``field_name`` to ``now`` on the timers where it is empty, and return those timers.

        A conditional UPDATE rather than a write: under concurrency only one
        transaction gets a timer back, so its warning or breach runs once.
        """
        if not self:
            return self
        self.flush_recordset([field_name])
        self.env.cr.execute(
            SQL(
                "UPDATE cso_sla_timer SET %s = %s, write_date = %s WHERE id IN %s AND %s IS NULL RETURNING id",
                SQL.identifier(field_name),
                now,
                now,
                tuple(self.ids),
                SQL.identifier(field_name),
            )
        )
        claimed_ids = [row[0] for row in self.env.cr.fetchall()]
        self.invalidate_recordset([field_name, "write_date"])
        return self.browse(claimed_ids)

    def _send_warnings(self, now):
        """Tell each ticket's assignee (else the team leader) which of its timers are at risk."""
        if not self:
            return
        self.filtered(lambda timer: timer.state == "running").write({"state": "at_risk"})
        events = []
        for ticket, timers in self.grouped("ticket_id").items():
            recipient = ticket.user_id or ticket.team_id.user_id
            ticket._sla_post_timer_list(
                self.env._("SLA at risk:"),
                [
                    self.env._(
                        "%(timer)s: due %(deadline)s, %(remaining)s business hours left",
                        timer=timer._label(),
                        deadline=timer._format_moment(timer.deadline),
                        remaining=_format_hours(timer.remaining_hours),
                    )
                    for timer in timers
                ],
                "customer_service_optimization.mt_sla_warning",
                recipient.partner_id.ids,
            )
            note = (
                self.env._("Warning sent to %(user)s.", user=recipient.name)
                if recipient
                else self.env._("Warning recorded: the ticket has no assignee and its team no leader.")
            )
            events.extend(timer._event_values("warning", now, note=note) for timer in timers)
        self.env["cso.sla.timer.event"].create(events)
        _logger.info("SLA warnings sent for %s timers on %s tickets", len(self), len(self.ticket_id))

    def _run_breach_actions(self):
        """Record the breach of each timer in ``self`` and run its policy's breach actions.

        Callers claim ``breach_processed_at`` first, so this runs once per
        timer. Open tickets get the priority raise and the reassignment; a
        ticket that is already closed only gets the message and the followers.
        """
        if not self:
            return
        self.filtered(lambda timer: timer.state != "breached").write({"state": "breached"})
        breakdowns = self._breach_breakdowns()
        events = [
            timer._event_values("breach", timer.deadline or fields.Datetime.now(), note=breakdowns.get(timer))
            for timer in self
        ]
        self.env["cso.sla.timer.event"].create(events)
        for ticket, timers in self.grouped("ticket_id").items():
            timers._notify_breach(ticket)
            if not ticket.stage_id.closed:
                timers._apply_breach_changes(ticket)
            followers = timers.policy_id.breach_follower_ids
            if followers:
                ticket.message_subscribe(partner_ids=followers.ids)
        _logger.info("SLA breaches recorded for %s timers on %s tickets", len(self), len(self.ticket_id))

    def _notify_breach(self, ticket):
        leaders = self.policy_id.filtered("breach_notify_leader") and ticket.team_id.user_id
        ticket._sla_post_timer_list(
            self.env._("SLA breached:"),
            [
                self.env._(
                    "%(timer)s: deadline %(deadline)s, target %(target)s business hours",
                    timer=timer._label(),
                    deadline=timer._format_moment(timer.deadline),
                    target=_format_hours(timer.target_hours),
                )
                for timer in self
            ],
            "customer_service_optimization.mt_sla_breached",
            leaders.partner_id.ids if leaders else [],
        )

    def _apply_breach_changes(self, ticket):
        values = {}
        priorities = [policy.breach_priority for policy in self.policy_id if policy.breach_priority]
        if priorities and max(priorities) > (ticket.priority or "0"):
            values["priority"] = max(priorities)
        for policy in self.policy_id:
            if policy.breach_team_id:
                values["team_id"] = policy.breach_team_id.id
            if policy.breach_user_id:
                values["user_id"] = policy.breach_user_id.id
        if values:
            ticket.with_context(cso_sla_breach_action=True).write(values)

    def _breach_breakdowns(self):
        """Return, per timer, a note with the business time each stage and each assignee used until the deadline."""
        result = {}
        timers = self.filtered(lambda timer: timer.calendar_id and timer.deadline)
        if not timers:
            return result
        pauses = timers.ticket_id._sla_pause_intervals()
        history = self.env["cso.sla.timer.event"].search_read(
            [("timer_id", "in", timers.ids), ("event_type", "in", HOLDER_EVENTS)],
            ["timer_id", "at", "stage_id", "user_id"],
            order="at, id",
        )
        changes_by_timer = defaultdict(list)
        for row in history:
            changes_by_timer[row["timer_id"][0]].append(row)
        for calendar, group in timers.grouped("calendar_id").items():
            start = min(group.mapped("start_at"))
            end = max(group.mapped("deadline"))
            schedule = calendar._sla_schedule(start, end)
            for timer in group:
                rows = changes_by_timer.get(timer.id, [])
                timer_pauses = pauses.get(timer.ticket_id.id, ())
                start_s, until_s = to_seconds(timer.start_at), to_seconds(timer.deadline)
                by_stage = consumption_by_holder(
                    schedule,
                    start_s,
                    until_s,
                    [(to_seconds(row["at"]), row["stage_id"] and row["stage_id"][1]) for row in rows],
                    timer_pauses,
                )
                by_user = consumption_by_holder(
                    schedule,
                    start_s,
                    until_s,
                    [(to_seconds(row["at"]), row["user_id"] and row["user_id"][1]) for row in rows],
                    timer_pauses,
                )
                result[timer] = self.env._(
                    "Business time until the deadline by stage: %(stages)s. By assignee: %(users)s.",
                    stages=_format_breakdown(by_stage, self.env._("(no stage)")),
                    users=_format_breakdown(by_user, self.env._("Unassigned")),
                )
        return result

    # ------------------------------------------------------------------
    # Explanation
    # ------------------------------------------------------------------

    def _event_values(self, event_type, at, note=None):
        self.ensure_one()
        return {
            "timer_id": self.id,
            "event_type": event_type,
            "at": at,
            "stage_id": self.ticket_id.stage_id.id,
            "user_id": self.ticket_id.user_id.id,
            "note": note or False,
        }

    @api.model
    def _create_next_response_timers(self, values_list):
        """Create next-response timers, skipping any cycle that another transaction created first.

        Two customer messages processed at the same moment compute the same
        cycle. The unique constraint rejects the second timer, and the message
        that started it is then covered by the first one.
        """
        timers = self.browse()
        for values in values_list:
            try:
                # The unique violation is expected here, so the SQL layer must not log it as an error.
                with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                    timers |= self.create(values)
            except UniqueViolation:
                _logger.info(
                    "Next-response timer %s of ticket %s and policy %s already exists, created concurrently",
                    values["cycle"],
                    values["ticket_id"],
                    values["policy_id"],
                )
        return timers

    def _log_start(self):
        """Start the explanation of new timers, copying the ticket's history since their start from a sibling timer.

        A timer created after a change of criteria starts back at the ticket's
        SLA clock start. Only the explanation of the ticket's other timers
        records the stage changes and reassignments since then.
        """
        events = []
        new_ids = set(self.ids)
        for timer in self:
            events.append(timer._event_values("start", timer.start_at))
            siblings = timer.ticket_id.sla_timer_ids.filtered(lambda other: other.id not in new_ids)
            if not siblings:
                # NOTE: without a sibling the history before now is unknown, so a breach
                # breakdown gives that time to the stage and assignee of the start line.
                continue
            sibling = min(siblings, key=lambda other: (other.start_at, other.id))
            events.extend(
                {
                    "timer_id": timer.id,
                    "event_type": event.event_type,
                    "at": event.at,
                    "stage_id": event.stage_id.id,
                    "user_id": event.user_id.id,
                    "note": event.note,
                }
                for event in sibling.event_ids
                if event.event_type in HOLDER_EVENTS and event.event_type != "start" and event.at >= timer.start_at
            )
        self.env["cso.sla.timer.event"].create(events)

    def _stop_settled(self, now):
        """Stop new timers whose promise is already settled: a first response that was given or a closed ticket."""
        stops = {}
        for timer in self:
            ticket = timer.ticket_id
            if ticket.stage_id.closed:
                stops[timer] = ticket.closed_date or now
            elif timer.kind == "first_response" and ticket.sla_first_response_at:
                stops[timer] = ticket.sla_first_response_at
        if stops:
            self.browse([timer.id for timer in stops])._stop(stops)

    def _log_events(self, event_type, at, note=None):
        """Add one explanation line of ``event_type`` to each timer in ``self``."""
        if self:
            self.env["cso.sla.timer.event"].create([timer._event_values(event_type, at, note) for timer in self])

    def _label(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        label = self.env._("%(policy)s, %(kind)s", policy=self.policy_id.name, kind=kinds[self.kind])
        if self.kind == "next_response" and self.cycle:
            label = f"{label} #{self.cycle}"
        return label

    def _format_moment(self, moment):
        """Format ``moment`` in the timezone of the timer's calendar, where the promise was made."""
        if not moment:
            return self.env._("none")
        return _moment_formatter(self.env)(moment, self.calendar_id.tz or self.env.user.tz or "UTC")

    # ------------------------------------------------------------------
    # Scheduling and cron
    # ------------------------------------------------------------------

    @api.model
    def _unfinished_domain(self):
        return [("stop_at", "=", False), ("state", "!=", "breached")]

    @api.model
    def _schedule_recompute(self, domain, reason=None):
        """Recompute the unfinished timers matching ``domain``, now or through the cron for large sets."""
        timers = self.sudo().search(expression.AND([domain, self._unfinished_domain()]))
        if not timers:
            return timers
        if len(timers) <= SYNC_RECOMPUTE_LIMIT:
            now = fields.Datetime.now()
            timers._recompute(now, reason=reason)._fire_due(now)
        else:
            timers.write({"needs_recompute": True})
            self.env.ref("customer_service_optimization.ir_cron_cso_sla_timers")._trigger()
            _logger.info("SLA recompute of %s timers queued for the cron", len(timers))
        return timers

    @api.model
    def _due_domain(self, now):
        """Return the domain of unfinished timers whose warning or breach is due at ``now``.

        Archived tickets are left out, and so are timers waiting for a
        recompute, whose stored deadline may be stale.
        """
        return [
            ("ticket_id.active", "=", True),
            ("stop_at", "=", False),
            ("state", "!=", "breached"),
            ("needs_recompute", "=", False),
            "|",
            "&",
            ("breach_processed_at", "=", False),
            ("deadline", "<", now),
            "&",
            ("warned_at", "=", False),
            ("warning_at", "<=", now),
        ]

    @api.model
    def _cron_process_timers(self):
        """Recompute flagged timers and fire due warnings and breaches, company by company, in bounded batches.

        The cron runner calls again while ``remaining`` is above zero. Timers
        flagged for recompute wait for it before their deadlines are trusted.
        """
        now = fields.Datetime.now()
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        _logger.info("SLA timer run started for %s companies", len(companies))
        recompute_budget, fire_budget = CRON_RECOMPUTE_BATCH, CRON_FIRE_BATCH
        done = 0
        for company in companies:
            timers = self.sudo().with_company(company)
            company_domain = [("company_id", "=", company.id)]
            if recompute_budget:
                flagged = timers.search(company_domain + [("needs_recompute", "=", True)], limit=recompute_budget)
                flagged._recompute(now, reason=self.env._("working calendar or policy changed"))
                recompute_budget -= len(flagged)
                done += len(flagged)
            if fire_budget:
                due = timers.search(company_domain + self._due_domain(now), order="deadline, id", limit=fire_budget)
                fired = due._fire_due(now)
                fire_budget -= len(due)
                done += len(due)
                _logger.info(
                    "SLA timer run for company %s: %s due timers checked, %s warnings or breaches fired",
                    company.id,
                    len(due),
                    len(fired),
                )
        remaining = self.sudo().search_count([("needs_recompute", "=", True)]) + self.sudo().search_count(
            self._due_domain(now)
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        self._trigger_next_due(now)
        _logger.info("SLA timer run finished: %s timers processed, %s remaining", done, remaining)
        return done

    @api.model
    def _trigger_next_due(self, now):
        """Ask the cron to run again at the next warning or deadline if that comes before its next call."""
        cron = self.env.ref("customer_service_optimization.ir_cron_cso_sla_timers", raise_if_not_found=False)
        if not cron:
            return
        unfinished = [("stop_at", "=", False), ("state", "!=", "breached")]
        next_deadline = (
            self.sudo()
            .search(
                unfinished + [("breach_processed_at", "=", False), ("deadline", ">=", now)], order="deadline", limit=1
            )
            .deadline
        )
        next_warning = (
            self.sudo()
            .search(unfinished + [("warned_at", "=", False), ("warning_at", ">", now)], order="warning_at", limit=1)
            .warning_at
        )
        upcoming = min((moment for moment in (next_deadline, next_warning) if moment), default=None)
        if upcoming and upcoming < cron.sudo().nextcall:
            cron._trigger(at=upcoming)


# Explanation lines that record who held the ticket from their moment on.
HOLDER_EVENTS = ["start", "stage", "assign", "pause", "resume", "reopen"]
# Timer values that a recompute reads.
RECOMPUTE_FIELDS = [
    "ticket_id",
    "policy_id",
    "kind",
    "start_at",
    "stop_at",
    "state",
    "calendar_id",
    "deadline",
    "warning_at",
    "problem",
    "needs_recompute",
    "target_hours",
]


def _target(policies, row):
    """Return the target hours that the policy settings in ``policies`` set for the timer ``row``."""
    return policies[row["policy_id"]]["targets"][row["kind"]]


def _reading_values(calendar_id, reading, now):
    """Return the values that store ``reading`` on an unfinished timer."""
    deadline = _datetime_or_false(reading.deadline)
    warning_at = _datetime_or_false(reading.warning_at)
    if reading.paused and not reading.breached:
        state = "paused"
    elif warning_at and warning_at <= now:
        state = "at_risk"
    else:
        state = "running"
    return {
        "calendar_id": calendar_id,
        "deadline": deadline,
        "warning_at": warning_at,
        "state": state,
        "problem": False,
        "needs_recompute": False,
    }


def _problem_values(problem, calendar_id=False):
    return {
        "calendar_id": calendar_id,
        "deadline": False,
        "warning_at": False,
        "problem": problem,
        "needs_recompute": False,
    }


def _datetime_or_false(seconds):
    return from_seconds(seconds) if seconds is not None else False


def _moment_formatter(env):
    """Return a function ``(moment, tz)`` that formats naive UTC datetimes in a timezone, in the user's language.

    The language is looked up once, which matters when thousands of moved
    deadlines are explained in one recompute.
    """
    locale = babel_locale_parse(get_lang(env).code)

    def format_moment(moment, tz):
        local = pytz.utc.localize(moment).astimezone(pytz.timezone(tz))
        return f"{babel.dates.format_datetime(local, format='short', locale=locale)} ({tz})"

    return format_moment


def _format_hours(hours):
    """Format business hours as H:MM."""
    minutes = round(hours * 60)
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"


def _format_breakdown(seconds_by_holder, empty_label):
    parts = [
        f"{holder or empty_label} {_format_hours(seconds / 3600)}"
        for holder, seconds in sorted(seconds_by_holder.items(), key=lambda item: -item[1])
    ]
    return ", ".join(parts) or "-"
