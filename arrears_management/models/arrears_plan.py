import logging

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..logic import schedule as schedule_logic

_logger = logging.getLogger(__name__)

PLAN_STATES = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("completed", "Completed"),
    ("broken", "Broken"),
    ("cancelled", "Cancelled"),
]
FREQUENCIES = [
    (schedule_logic.WEEKLY, "Weekly"),
    (schedule_logic.BIWEEKLY, "Every Two Weeks"),
    (schedule_logic.MONTHLY, "Monthly"),
    ("custom", "Custom Dates and Amounts"),
]


class ArrearsPlan(models.Model):
    _name = "arrears.plan"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Installment Plan"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default=lambda self: self.env._("New"))
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
        check_company=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        default=lambda self: self.env.user,
        tracking=True,
        help="User who follows the plan and is notified when it breaks.",
    )
    move_ids = fields.Many2many(
        "account.move",
        "arrears_plan_move_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'), "
        "('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial'))]",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id", store=True, readonly=False)
    amount_invoices = fields.Monetary(
        string="Open on Invoices", compute="_compute_amounts", help="Open amount of the plan's invoices now."
    )
    fee_amount = fields.Monetary(
        string="Plan Fee", help="Optional fee charged on a fee invoice and paid with the plan."
    )
    amount_total = fields.Monetary(
        string="Plan Total",
        compute="_compute_amount_total",
        help="Open amount of the invoices plus the plan fee; frozen when the plan starts.",
    )
    agreed_total = fields.Monetary(
        readonly=True, copy=False, help="Plan total at activation, which the schedule covers."
    )
    opening_residual = fields.Monetary(
        string="Open at Start", readonly=True, help="Open amount of the invoices and the fee invoice at activation."
    )
    amount_paid = fields.Monetary(compute="_compute_amounts", help="Paid on the plan's invoices since it started.")
    amount_residual = fields.Monetary(string="Left to Pay", compute="_compute_amounts")
    down_payment = fields.Monetary()
    down_payment_date = fields.Date(help="Due date of the down payment; empty for the first installment's date.")
    installment_count = fields.Integer(string="Installments", default=3)
    frequency = fields.Selection(FREQUENCIES, default=schedule_logic.MONTHLY, required=True)
    first_date = fields.Date(string="First Installment On")
    grace_days = fields.Integer(
        default=lambda self: self._default_grace_days(),
        help="Days after an installment's date before the plan counts as broken when it is not paid.",
    )
    resume_level_id = fields.Many2one(
        "arrears.policy.level",
        string="Resume Escalation at",
        help="Level sent to the customer at the next escalation run if the plan breaks; empty for the level "
        "the days overdue reach.",
    )
    installment_ids = fields.One2many("arrears.plan.installment", "plan_id", string="Schedule", copy=True)
    state = fields.Selection(PLAN_STATES, default="draft", required=True, readonly=True, tracking=True, index=True)
    activation_date = fields.Date(readonly=True, copy=False)
    end_date = fields.Date(readonly=True, copy=False, help="Date the plan was completed, broken or cancelled.")
    broken_reason = fields.Char(readonly=True, copy=False)
    checked_date = fields.Date(readonly=True, copy=False, help="Date of the last daily check.")
    fee_move_id = fields.Many2one("account.move", string="Fee Invoice", readonly=True, copy=False)
    next_installment_id = fields.Many2one("arrears.plan.installment", compute="_compute_amounts")

    @api.model
    def _default_grace_days(self):
        policy = self.env.company.arrears_policy_id
        return policy.plan_grace_days if policy else 5

    @api.depends("move_ids.currency_id")
    def _compute_currency_id(self):
        for plan in self:
            plan.currency_id = plan.move_ids[:1].currency_id or plan.company_id.currency_id

    @api.depends("move_ids.amount_residual", "fee_amount", "state", "agreed_total")
    def _compute_amount_total(self):
        for plan in self:
            if plan.state == "draft":
                plan.amount_total = sum(plan.move_ids.mapped("amount_residual")) + plan.fee_amount
            else:
                plan.amount_total = plan.agreed_total

    @api.depends("move_ids.amount_residual", "fee_move_id.amount_residual", "installment_ids.amount", "state")
    def _compute_amounts(self):
        for plan in self:
            open_now = sum((plan.move_ids | plan.fee_move_id).mapped("amount_residual"))
            plan.amount_invoices = sum(plan.move_ids.mapped("amount_residual"))
            if plan.state == "draft":
                plan.amount_paid = 0.0
            else:
                plan.amount_paid = max(0.0, plan.currency_id.round(plan.opening_residual - open_now))
            plan.amount_residual = max(0.0, plan.amount_total - plan.amount_paid)
            statuses = plan._installment_statuses()
            unpaid = [installment for installment in plan.installment_ids if not statuses[installment.id].is_paid]
            plan.next_installment_id = unpaid[0] if unpaid else False

    @api.constrains("fee_amount", "down_payment", "installment_count", "grace_days")
    def _check_amounts(self):
        for plan in self:
            if plan.fee_amount < 0 or plan.down_payment < 0:
                raise ValidationError(
                    self.env._(
                        "The plan fee (%(fee)s) and the down payment (%(down)s) cannot be negative: enter 0 or more.",
                        fee=plan.fee_amount,
                        down=plan.down_payment,
                    )
                )
            if plan.installment_count < 1:
                raise ValidationError(
                    self.env._(
                        "A plan needs at least one installment, not %(count)s: enter 1 or more.",
                        count=plan.installment_count,
                    )
                )
            if plan.grace_days < 0:
                raise ValidationError(
                    self.env._(
                        "The grace days of a plan cannot be negative (%(days)s): enter 0 or more.", days=plan.grace_days
                    )
                )

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        policy = self.partner_id.with_company(self.company_id).arrears_policy_id or self.company_id.arrears_policy_id
        if policy:
            self.grace_days = policy.plan_grace_days
            self.resume_level_id = policy.plan_resume_level_id
        if self.partner_id.arrears_collector_id:
            self.user_id = self.partner_id.arrears_collector_id

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("name") or vals["name"] == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("arrears.plan") or self.env._("New")
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Schedule
    # ------------------------------------------------------------------

    def _schedule(self):
        """Return the installments as plain ``schedule.Installment`` values, in date order."""
        self.ensure_one()
        return [schedule_logic.Installment(line.date, line.amount) for line in self.installment_ids]

    def _installment_statuses(self):
        """Return ``{installment id: schedule.InstallmentStatus}`` with payments matched in date order."""
        self.ensure_one()
        installments = self.installment_ids
        digits = self.currency_id.decimal_places
        statuses = schedule_logic.allocate(self._schedule(), self.amount_paid, digits)
        return {installment.id: status for installment, status in zip(installments, statuses, strict=True)}

    def action_compute_schedule(self):
        """Replace the draft schedule by a down payment and even installments at the chosen frequency."""
        for plan in self:
            if plan.state != "draft":
                raise UserError(
                    self.env._("Only a draft plan's schedule can be recomputed: %(plan)s is not draft.", plan=plan.name)
                )
            if plan.frequency == "custom":
                raise UserError(
                    self.env._("Plan %(plan)s uses custom dates: enter the installments yourself.", plan=plan.name)
                )
            if not plan.first_date:
                raise UserError(self.env._("Enter the first installment date of plan %(plan)s first.", plan=plan.name))
            try:
                installments = schedule_logic.build_schedule(
                    plan.amount_total,
                    plan.installment_count,
                    plan.first_date,
                    plan.frequency,
                    down_payment=plan.down_payment,
                    down_payment_date=plan.down_payment_date,
                    digits=plan.currency_id.decimal_places,
                )
            except schedule_logic.InvalidSchedule as err:
                raise UserError(plan._schedule_error_message(err)) from err
            has_down_payment = plan.down_payment > 0
            plan.installment_ids = [Command.clear()] + [
                Command.create(
                    {
                        "sequence": position,
                        "date": installment.date,
                        "amount": installment.amount,
                        "is_down_payment": has_down_payment and position == 0,
                    }
                )
                for position, installment in enumerate(installments)
            ]
        return True

    def _schedule_error_message(self, err):
        """Return the translated message of a ``schedule.InvalidSchedule`` error."""
        currency = self.currency_id
        params = err.params
        messages = {
            "total": lambda: self.env._(
                "Installments add up to %(scheduled)s but the plan covers %(total)s: adjust the amounts.",
                scheduled=currency.format(params["scheduled"]),
                total=currency.format(params["total"]),
            ),
            "negative": lambda: self.env._(
                "Installment %(position)s has the amount %(amount)s: every amount must be positive.",
                position=params.get("position", 1),
                amount=currency.format(params["amount"]),
            ),
            "past": lambda: self.env._(
                "Installment %(position)s is due on %(date)s, which is in the past: pick today or a later date.",
                position=params["position"],
                date=params["date"],
            ),
            "order": lambda: self.env._(
                "Installment %(position)s is due before the one above it: sort the dates.",
                position=params["position"],
            ),
            "empty": lambda: self.env._("The schedule has no installments: compute or enter them."),
            "count": lambda: self.env._("A plan needs at least one installment: enter 1 or more."),
            "down_payment_too_large": lambda: self.env._(
                "The down payment %(amount)s covers the whole plan total %(total)s: lower it.",
                amount=currency.format(params["amount"]),
                total=currency.format(params["total"]),
            ),
        }
        return messages.get(err.code, lambda: str(err))()

    # ------------------------------------------------------------------
    # Lifecycle
    # ------------------------------------------------------------------

    def _check_invoices(self):
        """Raise UserError unless the invoices can go into this plan."""
        self.ensure_one()
        if not self.move_ids:
            raise UserError(
                self.env._("Plan %(plan)s has no invoices: add the overdue invoices it covers.", plan=self.name)
            )
        customer = self.partner_id.commercial_partner_id
        for move in self.move_ids:
            if move.company_id != self.company_id:
                raise UserError(
                    self.env._(
                        "Invoice %(invoice)s belongs to %(other)s, not to %(company)s: remove it from the plan.",
                        invoice=move.name,
                        other=move.company_id.name,
                        company=self.company_id.name,
                    )
                )
            if move.commercial_partner_id != customer:
                raise UserError(
                    self.env._(
                        "Invoice %(invoice)s is addressed to %(other)s, not to %(customer)s: remove it from the plan.",
                        invoice=move.name,
                        other=move.commercial_partner_id.name,
                        customer=customer.name,
                    )
                )
            if move.move_type != "out_invoice" or move.state != "posted":
                raise UserError(
                    self.env._(
                        "%(invoice)s is not a posted customer invoice: remove it from the plan.",
                        invoice=move.display_name,
                    )
                )
            if move.currency_id.is_zero(move.amount_residual) or move.payment_state in (
                "paid",
                "in_payment",
                "reversed",
            ):
                raise UserError(
                    self.env._("Invoice %(invoice)s is already paid: remove it from the plan.", invoice=move.name)
                )
        if len(self.move_ids.currency_id) > 1:
            raise UserError(
                self.env._(
                    "The invoices of plan %(plan)s are in several currencies (%(currencies)s): make one plan per currency.",
                    plan=self.name,
                    currencies=", ".join(self.move_ids.currency_id.mapped("name")),
                )
            )
        others = self.search(
            [("id", "!=", self.id), ("state", "=", "active"), ("move_ids", "in", self.move_ids.ids)], limit=1
        )
        if others:
            shared = (others.move_ids & self.move_ids)[:1]
            raise UserError(
                self.env._(
                    "Invoice %(invoice)s is already in the active plan %(plan)s: cancel that plan first.",
                    invoice=shared.name,
                    plan=others.name,
                )
            )

    def action_activate(self):
        """Check and start the plan: its invoices leave escalation until it ends."""
        for plan in self:
            if plan.state != "draft":
                raise UserError(self.env._("Plan %(plan)s is not a draft and cannot start again.", plan=plan.name))
            plan._check_invoices()
            today = plan.company_id._arrears_today()
            try:
                schedule_logic.validate(plan._schedule(), plan.amount_total, today, plan.currency_id.decimal_places)
            except schedule_logic.InvalidSchedule as err:
                raise UserError(plan._schedule_error_message(err)) from err

            fee_move = plan._create_fee_invoice(today) if plan.fee_amount else self.env["account.move"]
            opening = sum(plan.move_ids.mapped("amount_residual")) + fee_move.amount_residual
            plan.write(
                {
                    "state": "active",
                    "agreed_total": plan.amount_total,
                    "activation_date": today,
                    "opening_residual": opening,
                    "fee_move_id": fee_move.id,
                    "checked_date": False,
                }
            )
            plan.move_ids._arrears_exclude_for("plan", plan.name)
            plan._open_due_lines().write({"arrears_resume_level_id": False})
            plan.message_post(
                body=self.env._(
                    "Plan started: %(count)s installments for %(total)s.",
                    count=len(plan.installment_ids),
                    total=plan.currency_id.format(plan.amount_total),
                )
            )
        return True

    def _create_fee_invoice(self, today):
        """Create and post the invoice of the plan fee; return it."""
        self.ensure_one()
        company = self.company_id
        journal = company._arrears_fee_journal()
        lang = self.partner_id.lang or self.env.lang
        label = self.env["arrears.fee.charge"]._label("plan", self.move_ids[:1], lang, plan=self)
        invoice = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_id.id,
                    "currency_id": self.currency_id.id,
                    "journal_id": journal.id,
                    "invoice_date": today,
                    "date": today,
                    "arrears_fee_invoice": True,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": label,
                                "quantity": 1,
                                "price_unit": self.fee_amount,
                                "account_id": company._arrears_fee_account(journal).id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        self.env["arrears.fee.charge"].create(
            {
                "name": label,
                "company_id": company.id,
                "partner_id": self.partner_id.id,
                "move_id": self.move_ids[:1].id,
                "plan_id": self.id,
                "kind": "plan",
                "period_start": today,
                "currency_id": self.currency_id.id,
                "amount": self.fee_amount,
                "fee_move_id": invoice.id,
                "fee_move_line_id": invoice.invoice_line_ids[:1].id,
            }
        )
        invoice.action_post()
        return invoice

    def action_cancel(self):
        """Cancel the plan; an active plan's invoices escalate again from the next run."""
        for plan in self:
            if plan.state not in ("draft", "active"):
                raise UserError(self.env._("Plan %(plan)s has ended and cannot be cancelled.", plan=plan.name))
            was_active = plan.state == "active"
            today = plan.company_id._arrears_today()
            plan.write({"state": "cancelled", "end_date": today})
            if was_active:
                plan._resume_escalation(today, resume_level=False)
            plan.message_post(body=self.env._("Plan cancelled."))
        return True

    def action_draft(self):
        """Put a cancelled plan back to draft to correct and restart it."""
        self.filtered(lambda plan: plan.state == "cancelled").write({"state": "draft", "end_date": False})
        return True

    def _open_due_lines(self):
        return self.move_ids.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        )

    def _resume_escalation(self, today, resume_level):
        """Release the plan's invoices: no interest for the plan's time, and the resume level if given."""
        self.ensure_one()
        # NOTE: interest accrued before the plan started and not charged by then is
        # dropped too, because interest restarts from ``today``.
        self.move_ids._arrears_release("plan")
        values = {"arrears_interest_from": today}
        if resume_level:
            values["arrears_resume_level_id"] = resume_level.id
        self._open_due_lines().sudo().write(values)

    def _complete(self, today):
        self.ensure_one()
        self.write({"state": "completed", "end_date": today})
        self.move_ids._arrears_release("plan")
        # The plan settled the invoices as agreed: no last interest period is charged for them.
        self.move_ids.line_ids.filtered("arrears_fee_pending").sudo().write({"arrears_fee_pending": False})
        self.message_post(body=self.env._("Plan completed: every installment is paid."))
        _logger.info("Arrears plan %s completed", self.id)

    def _break(self, today, installment):
        """Mark the plan broken over ``installment``, resume escalation and notify the collector."""
        self.ensure_one()
        statuses = self._installment_statuses()
        reason = self.env._(
            "Installment of %(date)s missed: %(left)s of %(amount)s unpaid after %(days)s grace days.",
            date=installment.date,
            left=self.currency_id.format(statuses[installment.id].residual),
            amount=self.currency_id.format(installment.amount),
            days=self.grace_days,
        )
        self.write({"state": "broken", "end_date": today, "broken_reason": reason})
        self._resume_escalation(today, self.resume_level_id)
        collector = self._collector()
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=collector.id,
            summary=self.env._("Payment plan %(plan)s broken", plan=self.name),
            note=reason,
        )
        self.message_post(body=self.env._("Plan broken. %(reason)s", reason=reason))
        _logger.info("Arrears plan %s broken on installment %s", self.id, installment.id)

    def _collector(self):
        """Return the user who follows this customer's collections."""
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        policy = partner.arrears_policy_id or self.company_id.arrears_policy_id
        return self.user_id or partner.arrears_collector_id or policy.collector_id or self.env.ref("base.user_admin")

    # ------------------------------------------------------------------
    # Daily check
    # ------------------------------------------------------------------

    @api.model
    def _cron_check_agreements(self, batch_size=500):
        """Complete, break and remind active plans, then settle open promises, one bounded batch per call.

        A plan or promise is checked once per day of its company
        (``checked_date``), so the cron runner's repeated calls work through
        the backlog and stop. Companies are handled one after the other.
        """
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        _logger.info("Arrears plan and promise check started for %s companies", len(companies))
        Promise = self.env["arrears.promise"].sudo()
        counts = {"completed": 0, "broken": 0, "reminded": 0, "plans": 0, "promises": 0}
        remaining = 0
        for company in companies:
            today = company._arrears_today()
            plan_domain = [
                ("company_id", "=", company.id),
                ("state", "=", "active"),
                "|",
                ("checked_date", "=", False),
                ("checked_date", "<", today),
            ]
            promise_domain = [
                ("company_id", "=", company.id),
                ("state", "=", "open"),
                "|",
                ("checked_date", "=", False),
                ("checked_date", "<", today),
            ]
            budget = batch_size - counts["plans"] - counts["promises"]
            if budget <= 0:
                remaining += self.sudo().search_count(plan_domain) + Promise.search_count(promise_domain)
                continue
            plans = self.sudo().with_company(company).search(plan_domain, order="id", limit=budget)
            for key, value in plans._check_plans(today).items():
                counts[key] += value
            counts["plans"] += len(plans)
            promise_budget = budget - len(plans)
            promises = (
                Promise.with_company(company).search(promise_domain, order="id", limit=promise_budget)
                if promise_budget > 0
                else Promise.browse()
            )
            promises._check_promises(today)
            counts["promises"] += len(promises)
            remaining += self.sudo().search_count(plan_domain) + Promise.search_count(promise_domain)
        self.env["ir.cron"]._notify_progress(done=counts["plans"] + counts["promises"], remaining=remaining)
        _logger.info(
            "Arrears plan and promise check finished: %s plans checked (%s completed, %s broken, %s installment "
            "reminders), %s promises checked, %s left",
            counts["plans"],
            counts["completed"],
            counts["broken"],
            counts["reminded"],
            counts["promises"],
            remaining,
        )
        return counts

    def _check_plans(self, today=None):
        """Complete, break or remind each active plan of ``self``; return the counts."""
        counts = {"completed": 0, "broken": 0, "reminded": 0}
        template = self.env.ref("arrears_management.mail_template_arrears_installment_reminder")
        for plan in self:
            day = today or plan.company_id._arrears_today()
            digits = plan.currency_id.decimal_places
            installments = plan._schedule()
            if schedule_logic.is_complete(installments, plan.amount_paid, digits):
                plan._complete(day)
                counts["completed"] += 1
                continue
            missed = schedule_logic.first_missed(installments, plan.amount_paid, day, plan.grace_days, digits)
            if missed is not None:
                plan._break(day, plan.installment_ids[missed])
                counts["broken"] += 1
                continue
            positions = schedule_logic.reminders_due(
                installments, plan.amount_paid, day, plan.company_id.arrears_plan_reminder_days, digits
            )
            to_remind = plan.installment_ids.browse(
                [plan.installment_ids[position].id for position in positions]
            ).filtered(lambda installment: not installment.reminder_sent_date)
            for installment in to_remind:
                template.send_mail(installment.id, email_layout_xmlid="mail.mail_notification_light")
            to_remind.write({"reminder_sent_date": day})
            counts["reminded"] += len(to_remind)
            plan.checked_date = day
        return counts


class ArrearsPlanInstallment(models.Model):
    _name = "arrears.plan.installment"
    _description = "Plan Installment"
    _order = "plan_id, date, sequence, id"

    plan_id = fields.Many2one("arrears.plan", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    partner_id = fields.Many2one(related="plan_id.partner_id")
    sequence = fields.Integer(default=10)
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    is_down_payment = fields.Boolean(string="Down Payment")
    amount_paid = fields.Monetary(compute="_compute_payment")
    amount_residual = fields.Monetary(string="Left to Pay", compute="_compute_payment")
    payment_state = fields.Selection(
        [("open", "Open"), ("partial", "Partly Paid"), ("paid", "Paid"), ("late", "Late")],
        compute="_compute_payment",
    )
    reminder_sent_date = fields.Date(readonly=True, copy=False)

    @api.constrains("amount")
    def _check_amount(self):
        for installment in self:
            if installment.currency_id.compare_amounts(installment.amount, 0) <= 0:
                raise ValidationError(
                    self.env._(
                        "The installment of %(date)s has the amount %(amount)s: every amount must be positive.",
                        date=installment.date,
                        amount=installment.amount,
                    )
                )

    @api.depends("amount", "date", "plan_id.amount_paid")
    def _compute_payment(self):
        for plan in self.plan_id:
            statuses = plan._installment_statuses()
            today = plan.company_id._arrears_today()
            for installment in self.filtered(lambda line, plan=plan: line.plan_id == plan):
                status = statuses.get(installment.id)
                paid = status.paid if status else 0.0
                installment.amount_paid = paid
                installment.amount_residual = installment.amount - paid
                if status and status.is_paid:
                    installment.payment_state = "paid"
                elif installment.date < today:
                    installment.payment_state = "late"
                else:
                    installment.payment_state = "partial" if paid else "open"
        for installment in self.filtered(lambda line: not line.plan_id):
            installment.amount_paid = 0.0
            installment.amount_residual = installment.amount
            installment.payment_state = "open"

    def _arrears_payment_policy_text(self):
        """Render the payment policy for this installment, with its date and amount."""
        self.ensure_one()
        lang = self.partner_id.lang or self.env.lang
        return self.plan_id.move_ids[:1]._arrears_payment_policy_text(lang, self.amount_residual, self.date)
