from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..logic.policy_match import PolicyCriteria

TICKET_PRIORITIES = [
    ("0", "Low"),
    ("1", "Medium"),
    ("2", "High"),
    ("3", "Very High"),
]
# Fields whose change moves the deadlines of the policy's unfinished timers.
TARGET_FIELDS = {
    "first_response_hours",
    "next_response_hours",
    "resolution_hours",
    "warning_percent",
    "resource_calendar_id",
}


class CsoSlaPolicy(models.Model):
    """A service level promise: business-hour targets for the tickets that match its criteria.

    Every non-empty criterion must match, and inside one criterion any listed
    value matches. Several policies can apply to one ticket, and each gives the
    ticket its own timers.
    """

    _name = "cso.sla.policy"
    _description = "SLA Policy"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        tracking=True,
        help="Leave empty to apply the policy to the tickets of all companies.",
    )

    team_ids = fields.Many2many(
        "helpdesk.ticket.team",
        string="Teams",
        help="Tickets of these teams match. Leave empty for any team, including tickets without a team.",
    )
    priority = fields.Selection(
        TICKET_PRIORITIES,
        help="Tickets of this priority match. Leave empty for any priority.",
    )
    category_ids = fields.Many2many(
        "helpdesk.ticket.category",
        string="Categories",
        help="Tickets of these categories or their sub-categories match. Leave empty for any category.",
    )
    tag_ids = fields.Many2many(
        "helpdesk.ticket.tag",
        string="Tags",
        help="Tickets with at least one of these tags match. Leave empty for any tags.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        help="Tickets of these customers or of their contacts match. Leave empty for any customer.",
    )
    customer_tier_ids = fields.Many2many(
        "cso.customer.tier",
        string="Customer Tiers",
        help="Tickets of customers in these tiers match. Leave empty for any tier.",
    )

    first_response_hours = fields.Float(
        default=0.0,
        string="First Response (hours)",
        tracking=True,
        help="Business hours from ticket creation to the first message an internal user sends to the customer. "
        "0 means no first-response target.",
    )
    next_response_hours = fields.Float(
        default=0.0,
        string="Next Response (hours)",
        tracking=True,
        help="Business hours from each customer reply to the next message an internal user sends to the customer. "
        "0 means no next-response target.",
    )
    resolution_hours = fields.Float(
        default=0.0,
        string="Resolution (hours)",
        tracking=True,
        help="Business hours from ticket creation to a closing stage, without paused and closed spans. "
        "0 means no resolution target.",
    )
    warning_percent = fields.Float(
        string="Warn At (%)",
        default=80.0,
        tracking=True,
        help="Share of the target after which the timer is at risk and the assignee is warned.",
    )
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        tracking=True,
        help="Calendar whose working hours, timezone and leaves count towards the targets. "
        "Leave empty to use the ticket team's calendar, or the company's working hours for tickets without one.",
    )

    breach_notify_leader = fields.Boolean(
        string="Notify Team Leader",
        default=True,
        help="At a breach, notify the leader of the ticket's team.",
    )
    breach_priority = fields.Selection(
        TICKET_PRIORITIES,
        string="Raise Priority To",
        help="At a breach, raise the ticket's priority to this level if it is lower.",
    )
    breach_team_id = fields.Many2one(
        "helpdesk.ticket.team",
        string="Reassign To Team",
        help="At a breach, move the ticket to this team.",
    )
    breach_user_id = fields.Many2one(
        "res.users",
        string="Reassign To User",
        domain="[('share', '=', False)]",
        help="At a breach, assign the ticket to this user.",
    )
    breach_follower_ids = fields.Many2many(
        "res.partner",
        "cso_sla_policy_breach_follower_rel",
        "policy_id",
        "partner_id",
        string="Add Followers",
        help="At a breach, add these contacts as followers of the ticket.",
    )

    timer_ids = fields.One2many("cso.sla.timer", "policy_id", string="Timers", readonly=True)
    timer_count = fields.Integer(compute="_compute_timer_count")
    configuration_warning = fields.Char(compute="_compute_configuration_warning")

    def _compute_timer_count(self):
        counts = dict(
            self.env["cso.sla.timer"]._read_group([("policy_id", "in", self.ids)], ["policy_id"], ["__count"])
        )
        for policy in self:
            policy.timer_count = counts.get(policy, 0)

    @api.depends("resource_calendar_id", "team_ids.resource_calendar_id", "company_id.resource_calendar_id")
    def _compute_configuration_warning(self):
        for policy in self:
            policy.configuration_warning = policy._calendar_problem() or False

    @api.constrains("first_response_hours", "next_response_hours", "resolution_hours")
    def _check_targets(self):
        for policy in self:
            targets = {
                self.env._("first response"): policy.first_response_hours,
                self.env._("next response"): policy.next_response_hours,
                self.env._("resolution"): policy.resolution_hours,
            }
            for label, hours in targets.items():
                if hours < 0:
                    raise ValidationError(
                        self.env._(
                            "The %(target)s target of policy %(policy)s is %(hours)s hours: enter 0 (no target) or more.",
                            target=label,
                            policy=policy.name,
                            hours=hours,
                        )
                    )
            if not any(targets.values()):
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s has no target: set the first response, next response or resolution "
                        "hours above 0.",
                        policy=policy.name,
                    )
                )

    @api.constrains("warning_percent")
    def _check_warning_percent(self):
        for policy in self:
            if not 0 < policy.warning_percent < 100:
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s warns at %(percent)s%% of the target: enter a share between 1 and 99.",
                        policy=policy.name,
                        percent=policy.warning_percent,
                    )
                )

    @api.constrains("resource_calendar_id", "team_ids", "company_id")
    def _check_calendar(self):
        for policy in self:
            problem = policy._calendar_problem()
            if problem:
                raise ValidationError(problem)

    @api.constrains("breach_team_id", "breach_user_id")
    def _check_breach_assignee(self):
        for policy in self:
            team, user = policy.breach_team_id, policy.breach_user_id
            if team and user and team.user_ids and user not in team.user_ids:
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s reassigns breached tickets to %(user)s in team %(team)s, but that user is "
                        "not a member of the team: add the user to the team or pick a member.",
                        policy=policy.name,
                        user=user.name,
                        team=team.display_name,
                    )
                )

    def _calendar_problem(self):
        """Return why some tickets of this policy would have no working calendar, or None."""
        self.ensure_one()
        if self.resource_calendar_id:
            return None
        for team in self.team_ids:
            if (
                not team.resource_calendar_id
                and not (team.company_id or self.company_id or self.env.company).resource_calendar_id
            ):
                return self.env._(
                    "Policy %(policy)s has no working calendar for team %(team)s: set working hours on the policy, "
                    "on the team or on company %(company)s.",
                    policy=self.name,
                    team=team.display_name,
                    company=(team.company_id or self.company_id or self.env.company).name,
                )
        if not self.team_ids:
            company = self.company_id or self.env.company
            if not company.resource_calendar_id:
                return self.env._(
                    "Policy %(policy)s has no working calendar for tickets of company %(company)s: set working hours "
                    "on the policy or on the company.",
                    policy=self.name,
                    company=company.name,
                )
        return None

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_timers(self):
        used = self.filtered("timer_ids")
        if used:
            raise UserError(
                self.env._(
                    "Policies %(policies)s have timers on tickets and their history would be lost: archive them instead.",
                    policies=", ".join(used.mapped("name")),
                )
            )

    def write(self, vals):
        result = super().write(vals)
        if "active" in vals and not vals["active"]:
            timers = self.env["cso.sla.timer"].sudo().search([("policy_id", "in", self.ids), ("stop_at", "=", False)])
            timers._detach(fields.Datetime.now(), self.env._("The policy was archived."))
        if TARGET_FIELDS & set(vals):
            self.env["cso.sla.timer"]._schedule_recompute(
                [("policy_id", "in", self.ids)],
                reason=self.env._("policy %(policy)s changed", policy=", ".join(self.mapped("name"))),
            )
        return result

    def action_view_timers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_service_optimization.cso_sla_timer_action")
        action["domain"] = [("policy_id", "=", self.id)]
        action["context"] = {"search_default_filter_unfinished": 1}
        return action

    def action_apply_to_open_tickets(self):
        """Match all open tickets against the policies again, giving them the timers of policies that now apply."""
        tickets = self.env["helpdesk.ticket"].sudo().search([("stage_id.closed", "=", False)])
        tickets._sla_sync_in_batches()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%(count)s open tickets matched against the SLA policies.", count=len(tickets)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _timer_settings(self):
        """Return, by policy id, the values a timer recompute needs: targets by kind, warning share and calendar id."""
        return {
            policy.id: {
                "targets": {
                    "first_response": policy.first_response_hours,
                    "next_response": policy.next_response_hours,
                    "resolution": policy.resolution_hours,
                },
                "warning_share": policy.warning_percent / 100,
                "calendar_id": policy.resource_calendar_id.id,
            }
            for policy in self.with_context(active_test=False)
        }

    def _target_hours(self, kind):
        """Return the target in business hours for a timer ``kind`` (0 when the policy sets none)."""
        self.ensure_one()
        return {
            "first_response": self.first_response_hours,
            "next_response": self.next_response_hours,
            "resolution": self.resolution_hours,
        }[kind]

    def _criteria(self):
        """Return the plain :class:`PolicyCriteria` of each policy, in policy order."""
        return [
            PolicyCriteria(
                policy_id=policy.id,
                company_id=policy.company_id.id or None,
                team_ids=frozenset(policy.team_ids.ids),
                priority=policy.priority or None,
                category_ids=frozenset(policy.category_ids.ids),
                tag_ids=frozenset(policy.tag_ids.ids),
                partner_ids=frozenset(policy.partner_ids.ids),
                tier_ids=frozenset(policy.customer_tier_ids.ids),
            )
            for policy in self
        ]
