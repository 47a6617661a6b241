import logging
import threading
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..logic import contact_window
from ..logic import gateway as gateway_logic
from ..logic import phone as phone_logic
from ..logic import retry as retry_rules
from .arrears_policy import CHANNELS

_logger = logging.getLogger(__name__)

# Fields of invoices and due lines computed from the reminder log.
AGING_FIELDS = [
    "arrears_days_overdue",
    "arrears_aging_bucket",
    "arrears_level_id",
    "arrears_last_reminder_date",
    "arrears_next_reminder_date",
]

STATES = [("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed"), ("cancelled", "Cancelled")]

# A gateway attempt claimed longer ago than this without an outcome belongs to a
# worker that stopped mid-send: the message may have gone out, so it is never resent.
STALE_CLAIM_MINUTES = 15


class ArrearsReminder(models.Model):
    _name = "arrears.reminder"
    _inherit = ["mail.thread"]
    _description = "Payment Reminder"
    _order = "id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True, check_company=True
    )
    contact_id = fields.Many2one(
        "res.partner", string="Recipient", readonly=True, help="Contact the reminder is addressed to."
    )
    policy_id = fields.Many2one("arrears.policy", readonly=True)
    level_id = fields.Many2one("arrears.policy.level", required=True, readonly=True, index=True)
    channel = fields.Selection(CHANNELS, required=True, readonly=True)
    state = fields.Selection(STATES, default="queued", required=True, readonly=True, index=True, tracking=True)
    run_date = fields.Date(required=True, readonly=True, help="Date of the escalation run, in the company's timezone.")
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(
        readonly=True, index="btree_not_null", help="Earliest time of the next delivery attempt."
    )
    attempt_started_at = fields.Datetime(readonly=True, copy=False)
    dispatched_at = fields.Datetime(
        readonly=True, help="When the email was handed to Odoo's mail queue; it counts as sent once the queue sends it."
    )
    sent_at = fields.Datetime(readonly=True)
    provider_message_id = fields.Char(string="Provider Message ID", readonly=True, index="btree_not_null", copy=False)
    provider_status = fields.Char(readonly=True, help="Last status the SMS or voice provider reported.")
    recipient = fields.Char(
        string="Sent To", readonly=True, help="Email address, or phone number with all but three digits hidden."
    )
    error = fields.Text(readonly=True)
    item_ids = fields.One2many("arrears.reminder.item", "reminder_id", string="Lines", readonly=True)
    move_ids = fields.Many2many("account.move", string="Invoices", compute="_compute_move_ids")
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_due = fields.Monetary(
        string="Amount Reminded", readonly=True, help="Open amount of the reminded lines at the run, company currency."
    )
    mail_id = fields.Many2one("mail.mail", readonly=True, ondelete="set null", copy=False)
    letter_attachment_id = fields.Many2one("ir.attachment", string="Letter", readonly=True, copy=False)
    activity_id = fields.Many2one("mail.activity", readonly=True, ondelete="set null", copy=False)
    credit_line_ids = fields.Many2many(
        "account.move.line",
        string="Open Credits",
        compute="_compute_credit_line_ids",
        help="The customer's open credit notes and unreconciled payments, netted in the reminder's total.",
    )
    items_html = fields.Html(
        string="Open Items",
        compute="_compute_items_html",
        sanitize=False,
        help="Table of open items used by the emails.",
    )

    @api.depends("item_ids.move_id")
    def _compute_move_ids(self):
        for reminder in self:
            reminder.move_ids = reminder.item_ids.move_id

    def _compute_items_html(self):
        for reminder in self:
            reminder.items_html = self.env["ir.qweb"]._render(
                "arrears_management.reminder_items_table", {"reminder": reminder}
            )

    @api.depends("partner_id", "level_id", "channel")
    def _compute_display_name(self):
        channel_labels = dict(self._fields["channel"]._description_selection(self.env))
        for reminder in self:
            reminder.display_name = " - ".join(
                filter(None, [reminder.partner_id.name, reminder.level_id.name, channel_labels.get(reminder.channel)])
            )

    # ------------------------------------------------------------------
    # Values used by the templates
    # ------------------------------------------------------------------

    def _open_items(self):
        """Return the reminded lines that are still open, oldest due date first."""
        self.ensure_one()
        lines = self.item_ids.move_line_id.filtered(lambda line: not line.reconciled and line.amount_residual > 0)
        return lines.sorted(lambda line: (line.date_maturity or fields.Date.today(), line.id))

    def _compute_credit_line_ids(self):
        # One search for every reminder being read, instead of one per reminder.
        lines = self.env["account.move.line"].search(
            [
                ("company_id", "in", self.company_id.ids),
                ("partner_id", "in", self.partner_id.ids),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "<", 0),
            ],
            order="date, id",
        )
        by_customer = lines.grouped(lambda line: (line.company_id.id, line.partner_id.id))
        for reminder in self:
            key = (reminder.company_id.id, reminder.partner_id.id)
            reminder.credit_line_ids = by_customer.get(key, self.env["account.move.line"])

    def _credit_items(self):
        """Return the customer's open credit notes and unreconciled payments in this company."""
        self.ensure_one()
        return self.credit_line_ids

    def _totals(self):
        """Return the open, credit and net amounts of this reminder in company currency."""
        self.ensure_one()
        open_total = sum(self._open_items().mapped("amount_residual"))
        credit_total = -sum(self._credit_items().mapped("amount_residual"))
        return {"open": open_total, "credit": credit_total, "net": open_total - credit_total}

    def _format_amount(self, amount):
        self.ensure_one()
        lang = self.contact_id.lang or self.partner_id.lang or self.env.lang
        return self.company_id.currency_id.with_context(lang=lang).format(amount)

    def _text_values(self):
        """Return the placeholders of the SMS and spoken texts."""
        self.ensure_one()
        items = self._open_items()
        oldest = min(items.mapped("date_maturity"), default=False)
        lang = self.contact_id.lang or self.partner_id.lang
        return {
            "customer": self.partner_id.name or "",
            "amount": self._format_amount(self._totals()["net"]),
            "count": len(items.move_id),
            "company": self.company_id.name or "",
            "oldest_due_date": oldest and fields.Date.to_string(oldest) or "",
            "lang": lang,
        }

    def _render_text(self, field_name):
        """Render the level's SMS or spoken text in the recipient's language."""
        self.ensure_one()
        values = self._text_values()
        lang = values.pop("lang") or self.env.lang
        text = self.level_id.with_context(lang=lang)[field_name] or ""
        return text.format_map(_SafeValues(values))

    # ------------------------------------------------------------------
    # Escalation run
    # ------------------------------------------------------------------

    @api.model
    def _last_reminder_dates(self, company, partners):
        """Return ``{partner_id: run date}`` of each customer's last queued or sent reminder."""
        groups = self._read_group(
            [("company_id", "=", company.id), ("partner_id", "in", partners.ids), ("state", "in", ("queued", "sent"))],
            ["partner_id"],
            ["run_date:max"],
        )
        return {partner.id: run_date for partner, run_date in groups}

    @api.model
    def _cron_escalate(self):
        """Age all open customer invoices and queue today's reminders, company by company.

        Each company is planned under a transaction-level advisory lock, so two
        workers never plan the same company at once. The unique index on the
        reminder lines is the final guarantee against a second reminder of one
        level for one due line. The run is one transaction, so a crash rolls it
        back whole and the next run plans every company again.
        """
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        _logger.info("Arrears escalation run started for %s companies", len(companies))
        queued_total = 0
        for company in companies:
            queued = self.sudo().with_company(company)._escalate_company(company)
            queued_total += len(queued)
        _logger.info("Arrears escalation run finished: %s reminders queued", queued_total)
        if queued_total:
            self.env.ref("arrears_management.ir_cron_arrears_delivery")._trigger()
        return queued_total

    def _escalate_company(self, company, partners=None, today=None):
        """Refresh aging and queue the reminders of ``company``; return the new reminders."""
        today = today or company._arrears_today()
        lock_key = f"arrears_management.escalate.{company.id}"
        self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(hashtext(%s))", lock_key))
        if not self.env.cr.fetchone()[0]:
            _logger.info("Arrears escalation of company %s skipped: another worker is running it", company.id)
            return self.browse()

        lines = self.env["account.move.line"]._arrears_open_lines(company, partners)
        due_lines = lines._arrears_due_lines()
        plan, _policies = lines._arrears_plan(company, today, due_lines)
        reminders = self._queue_plan(company, plan, lines, today)
        _logger.info(
            "Arrears escalation of company %s: %s open lines, %s customers reminded, %s reminders queued",
            company.id,
            len(lines),
            len(plan),
            len(reminders),
        )
        return reminders

    def _queue_plan(self, company, plan, lines, today):
        """Create the reminders and reminder lines of ``plan``; return those that got lines."""
        if not plan:
            return self.browse()
        residuals = dict(zip(lines._ids, lines.mapped("amount_residual"), strict=True))
        levels = self.env["arrears.policy.level"].browse({planned.level_id for planned in plan})
        level_by_id = {level.id: level for level in levels}

        planned_line_ids = [line_id for planned in plan for line_id in planned.line_levels]
        recipients = lines.browse(planned_line_ids)._arrears_recipients([planned.partner_id for planned in plan])
        reminder_values, item_rows = [], []
        for planned in plan:
            level = level_by_id[planned.level_id]
            contact = recipients[planned.partner_id]
            amount = sum(residuals[line_id] for line_id in planned.line_levels)
            for channel in level._channels():
                reminder_values.append(
                    {
                        "company_id": company.id,
                        "partner_id": planned.partner_id,
                        "contact_id": contact.id,
                        "policy_id": planned.policy_id,
                        "level_id": level.id,
                        "channel": channel,
                        "run_date": today,
                        "amount_due": amount,
                    }
                )
                item_rows.append(
                    [(line_id, line_level, channel) for line_id, line_level in planned.line_levels.items()]
                )

        reminders = self._insert_reminders(reminder_values)
        reminders_with_lines = self._insert_items(reminders, item_rows)
        (reminders - reminders_with_lines).unlink()

        self._apply_level_effects(plan, level_by_id, company)
        return reminders_with_lines

    def _insert_reminders(self, values_list):
        """Insert queued reminders in one statement and return them, in the order of ``values_list``.

        A run queues thousands of reminders at once, and ``create()`` spends
        most of its time on mail-thread and company checks that a new queued
        reminder does not need: every value here comes from the run itself.
        The values travel as one array per column.
        """
        if not values_list:
            return self.browse()
        self.env.flush_all()
        columns = {
            "company_id": "int4",
            "partner_id": "int4",
            "contact_id": "int4",
            "policy_id": "int4",
            "level_id": "int4",
            "channel": "varchar",
            "run_date": "date",
            "amount_due": "numeric",
        }
        now = fields.Datetime.now()
        uid = self.env.uid
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO arrears_reminder (%(columns)s, state, attempts, create_uid, create_date, write_uid, write_date)
                SELECT %(columns)s, 'queued', 0, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(arrays)s) AS batch(%(columns)s)
                RETURNING id, partner_id, channel
                """,
                columns=SQL(", ").join(SQL.identifier(column) for column in columns),
                arrays=SQL(", ").join(
                    SQL("%s::%s[]", [values[column] for values in values_list], SQL(cast))
                    for column, cast in columns.items()
                ),
                uid=uid,
                now=now,
            )
        )
        # A run queues one reminder per customer and channel, which identifies each new row.
        ids = {(partner_id, channel): reminder_id for reminder_id, partner_id, channel in self.env.cr.fetchall()}
        return self.browse([ids[values["partner_id"], values["channel"]] for values in values_list])

    def _insert_items(self, reminders, item_rows):
        """Insert the reminder lines, skipping any (line, level, channel) already reminded.

        The ORM cannot express ``ON CONFLICT DO NOTHING``, which lets a run that
        races another one keep what is new and drop what already exists.
        Return the reminders that got lines.
        """
        self.env.flush_all()
        columns = ([], [], [], [])
        for reminder_id, rows in zip(reminders.ids, item_rows, strict=True):
            for line_id, level_id, channel in rows:
                for column, value in zip(columns, (reminder_id, line_id, level_id, channel), strict=True):
                    column.append(value)
        if not columns[0]:
            return self.browse()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO arrears_reminder_item (reminder_id, move_line_id, level_id, channel)
                SELECT batch.*
                  FROM unnest(%(reminders)s::int4[], %(lines)s::int4[], %(levels)s::int4[], %(channels)s::varchar[])
                       AS batch(reminder_id, move_line_id, level_id, channel)
                    ON CONFLICT (move_line_id, level_id, channel) DO NOTHING
                RETURNING reminder_id
                """,
                reminders=columns[0],
                lines=columns[1],
                levels=columns[2],
                channels=columns[3],
            )
        )
        ids_with_lines = {row[0] for row in self.env.cr.fetchall()}
        self.env["arrears.reminder.item"].invalidate_model()
        reminders.invalidate_recordset(["item_ids"])
        # Levels and reminder dates of lines and invoices are read from the reminder lines.
        self.env["account.move.line"].invalidate_model(AGING_FIELDS)
        self.env["account.move"].invalidate_model(AGING_FIELDS)
        self.env["res.partner"].invalidate_model(["arrears_level_id"])
        return reminders.filtered(lambda reminder: reminder.id in ids_with_lines)

    def _apply_level_effects(self, plan, level_by_id, company):
        """Put customers on credit hold and notify the collections manager where their level requires it."""
        hold_ids = [planned.partner_id for planned in plan if level_by_id[planned.level_id].credit_hold]
        if hold_ids:
            # The reminder of the level that set the hold is the trace of the change.
            self.env["res.partner"].browse(hold_ids)._arrears_write_company_value(
                company, "arrears_credit_hold", dict.fromkeys(hold_ids, True)
            )

        todo_type = self.env.ref("mail.mail_activity_data_todo")
        partner_model_id = self.env["ir.model"]._get_id("res.partner")
        activities = []
        for planned in plan:
            level = level_by_id[planned.level_id]
            manager = level.policy_id.manager_id
            if not (level.notify_manager and manager):
                continue
            activities.append(
                {
                    "res_model_id": partner_model_id,
                    "res_id": planned.partner_id,
                    "activity_type_id": todo_type.id,
                    "user_id": manager.id,
                    "summary": self.env._("Customer reached %(level)s", level=level.name),
                }
            )
        if activities:
            self.env["mail.activity"].create(activities)

    # ------------------------------------------------------------------
    # Delivery
    # ------------------------------------------------------------------

    @api.model
    def _cron_deliver(self, batch_size=500):
        """Deliver queued reminders whose time has come, one bounded batch per call.

        Emails go to Odoo's mail queue and count as sent when the queue sends
        them; SMS and calls go to the company's gateway. The cron runner calls
        again while ``remaining`` is above zero.
        """
        self._expire_stale()
        domain = self._deliverable_domain()
        reminders = self.sudo().search(domain, limit=batch_size, order="next_attempt_at, id")
        _logger.info("Arrears delivery started: %s reminders in this batch", len(reminders))
        reminders._deliver()
        remaining = self.sudo().search_count(domain) if len(reminders) == batch_size else 0
        self.env["ir.cron"]._notify_progress(done=len(reminders), remaining=remaining)
        _logger.info("Arrears delivery finished: %s delivered or settled, %s remaining", len(reminders), remaining)
        return reminders

    def _deliverable_domain(self):
        return [
            ("state", "=", "queued"),
            ("dispatched_at", "=", False),
            ("attempt_started_at", "=", False),
            "|",
            ("next_attempt_at", "=", False),
            ("next_attempt_at", "<=", fields.Datetime.now()),
        ]

    def action_deliver_now(self):
        """Deliver the selected queued reminders now, within the contact window."""
        self.filtered(lambda reminder: reminder.state == "queued" and not reminder.dispatched_at)._deliver()
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        return True

    def action_retry(self):
        """Queue failed reminders again after the collector fixed their cause."""
        failed = self.filtered(lambda reminder: reminder.state == "failed")
        failed.write(
            {"state": "queued", "error": False, "next_attempt_at": False, "attempts": 0, "dispatched_at": False}
        )
        return True

    def _deliver(self):
        """Settle or hand over each reminder of ``self`` by its channel."""
        reminders = self._cancel_paid()
        reminders = reminders._fail_opted_out()
        handlers = {
            "email": "_deliver_email",
            "sms": "_deliver_gateway",
            "voice": "_deliver_gateway",
            "activity": "_deliver_activity",
            "letter": "_deliver_letter",
        }
        for channel, _label in CHANNELS:
            batch = reminders.filtered(lambda reminder, channel=channel: reminder.channel == channel)
            if batch:
                getattr(batch, handlers[channel])()

    def _cancel_paid(self):
        """Cancel the reminders with nothing left to ask for; return the others.

        A reminder is cancelled when its lines were all paid before delivery,
        or when the customer's open credit notes and payments cover them.
        """
        paid = self.filtered(lambda reminder: not reminder._open_items())
        if paid:
            paid.write({"state": "cancelled", "error": self.env._("Paid before the reminder was delivered.")})
            _logger.info("Arrears reminders %s cancelled: paid before delivery", paid.ids)
        covered = (self - paid).filtered(lambda reminder: reminder._totals()["net"] <= 0)
        if covered:
            covered.write(
                {
                    "state": "cancelled",
                    "error": self.env._(
                        "The customer's open credit notes and payments cover the reminded invoices: "
                        "reconcile them instead of sending a reminder."
                    ),
                }
            )
            _logger.info("Arrears reminders %s cancelled: covered by open credits", covered.ids)
        return self - paid - covered

    def _fail_opted_out(self):
        opted_out = self.filtered(lambda reminder: reminder.partner_id.arrears_opt_out)
        if opted_out:
            opted_out._mark_failed(
                self.env._("The customer opted out of automated reminders; contact them personally.")
            )
        return self - opted_out

    def _mark_failed(self, reason):
        self.write({"state": "failed", "error": reason, "attempt_started_at": False})
        _logger.info("Arrears reminders %s failed: %s", self.ids, reason)

    def _mark_sent(self, **values):
        self.write(dict({"state": "sent", "sent_at": fields.Datetime.now(), "error": False}, **values))

    def _expire_stale(self):
        """Fail reminders still queued after the company's delivery deadline, or stuck mid-send."""
        now = fields.Datetime.now()
        stuck = self.sudo().search(
            [
                ("state", "=", "queued"),
                ("attempt_started_at", "<", now - timedelta(minutes=STALE_CLAIM_MINUTES)),
            ]
        )
        if stuck:
            stuck._mark_failed(
                self.env._(
                    "A delivery attempt stopped before its outcome was saved, so the message may have gone out. "
                    "Check the provider's log before you retry."
                )
            )
        for company in self.env["res.company"].sudo().search([]):  # pylint: disable=no-search-all
            deadline = now - timedelta(days=max(1, company.arrears_reminder_max_age_days))
            expired = self.sudo().search(
                [("company_id", "=", company.id), ("state", "=", "queued"), ("create_date", "<", deadline)]
            )
            if expired:
                expired._mark_failed(
                    self.env._(
                        "Not delivered within %(days)s days of the run; check the mail queue or the gateway.",
                        days=company.arrears_reminder_max_age_days,
                    )
                )

    def _deliver_email(self):
        """Render each reminder's email in the recipient's language and queue it in Odoo's mail queue."""
        ready = self.browse()
        for reminder in self:
            email = reminder.contact_id.email_normalized
            if not email:
                reminder._mark_failed(
                    self.env._(
                        "%(contact)s has no valid email address: add one, or set a collections contact on the customer.",
                        contact=reminder.contact_id.display_name or reminder.partner_id.display_name,
                    )
                )
                continue
            reminder.recipient = email
            ready |= reminder

        blacklisted = set(
            self.env["mail.blacklist"].sudo().search([("email", "in", ready.mapped("recipient"))]).mapped("email")
        )
        if blacklisted:
            blocked = ready.filtered(lambda reminder: reminder.recipient in blacklisted)
            blocked._mark_failed(self.env._("The email address is on the blacklist; use another channel or contact."))
            ready -= blocked

        now = fields.Datetime.now()
        for template, reminders in ready.grouped(lambda reminder: reminder.level_id.mail_template_id).items():
            mails = template.send_mail_batch(
                reminders.ids,
                email_layout_xmlid="mail.mail_notification_light",
                email_values={"auto_delete": False},
            )
            mail_by_reminder = {mail.res_id: mail for mail in mails}
            for reminder in reminders:
                reminder.write(
                    {
                        "mail_id": mail_by_reminder[reminder.id].id,
                        "dispatched_at": now,
                        "attempts": reminder.attempts + 1,
                    }
                )
        if ready:
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()

    def _deliver_activity(self):
        """Give the customer's collector a call activity per reminder."""
        call_type = self.env.ref("mail.mail_activity_data_call")
        partner_model_id = self.env["ir.model"]._get_id("res.partner")
        users = [
            reminder.partner_id.arrears_collector_id
            or reminder.policy_id.collector_id
            or self.env.ref("base.user_admin")
            for reminder in self
        ]
        activities = self.env["mail.activity"].create(
            [
                {
                    "res_model_id": partner_model_id,
                    "res_id": reminder.partner_id.id,
                    "activity_type_id": call_type.id,
                    "user_id": user.id,
                    "summary": self.env._(
                        "Call about %(amount)s overdue (%(level)s)",
                        amount=reminder._format_amount(reminder.amount_due),
                        level=reminder.level_id.name,
                    ),
                }
                for reminder, user in zip(self, users, strict=True)
            ]
        )
        for reminder, user, activity in zip(self, users, activities, strict=True):
            reminder._mark_sent(activity_id=activity.id, recipient=user.name, attempts=reminder.attempts + 1)

    def _deliver_letter(self):
        """Render the reminder letter PDF and attach it to the reminder, ready to print and post."""
        report = self.env.ref("arrears_management.action_report_arrears_letter")
        for reminder in self:
            lang = reminder.contact_id.lang or reminder.partner_id.lang or self.env.lang
            try:
                with self.env.cr.savepoint():
                    pdf, _format = (
                        self.env["ir.actions.report"].with_context(lang=lang)._render_qweb_pdf(report, reminder.ids)
                    )
            except UserError as err:
                reminder._mark_failed(self.env._("The letter could not be rendered: %(error)s", error=err.args[0]))
                continue
            attachment = self.env["ir.attachment"].create(
                {
                    "name": self.env._(
                        "Reminder %(customer)s %(date)s.pdf", customer=reminder.partner_id.name, date=reminder.run_date
                    ),
                    "raw": pdf,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": reminder.id,
                }
            )
            reminder._mark_sent(letter_attachment_id=attachment.id, attempts=reminder.attempts + 1)

    def _deliver_gateway(self):
        """Send SMS and calls through the company's gateway, at most once each.

        Like Odoo's own mail queue, each attempt is claimed and committed before
        the HTTP request and its outcome committed after it (except in tests), so
        a worker that dies mid-send leaves a claim that ``_expire_stale`` fails
        instead of a message that a later run would send again.
        """
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        now = fields.Datetime.now()
        for reminder in self:
            company = reminder.company_id
            gateway = company.arrears_gateway_id
            if not gateway:
                reminder._mark_failed(
                    self.env._(
                        "No SMS and voice gateway is set for %(company)s: choose one in Invoicing settings, Collections section.",
                        company=company.name,
                    )
                )
                continue
            try:
                number = reminder._recipient_phone()
            except phone_logic.InvalidPhoneNumber as err:
                reminder._mark_failed(self.env._("%(reason)s", reason=str(err)))
                continue

            tz = reminder.contact_id.tz or reminder.partner_id.tz or company.partner_id.tz or "UTC"
            allowed_at = contact_window.next_contact_time(
                now,
                tz,
                company.arrears_contact_hour_from,
                company.arrears_contact_hour_to,
                contact_window.CONTACT_DAYS[company.arrears_contact_days],
            )
            if allowed_at > now:
                reminder.write({"next_attempt_at": allowed_at, "recipient": phone_logic.mask(number)})
                continue
            if not reminder._claim_attempt(auto_commit):
                continue
            reminder._send_through(gateway, number)
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _recipient_phone(self):
        """Return the recipient's mobile (or phone) number in E.164, or raise InvalidPhoneNumber."""
        self.ensure_one()
        contact = self.contact_id or self.partner_id
        raw = contact.mobile or contact.phone or self.partner_id.mobile or self.partner_id.phone
        country = contact.country_id or self.partner_id.country_id or self.company_id.country_id
        number = phone_logic.to_e164(raw, country.code)
        blacklisted = self.env["phone.blacklist"].sudo().search_count([("number", "=", number)], limit=1)
        if blacklisted:
            raise phone_logic.InvalidPhoneNumber(
                "blacklisted",
                self.env._("The number %(number)s is on the phone blacklist.", number=phone_logic.mask(number)),
            )
        return number

    def _claim_attempt(self, auto_commit):
        """Mark this reminder as being sent; return False when another worker got it first."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE arrears_reminder SET attempt_started_at = %s
                 WHERE id = %s AND state = 'queued' AND attempt_started_at IS NULL
             RETURNING id
                """,
                fields.Datetime.now(),
                self.id,
            )
        )
        claimed = bool(self.env.cr.fetchone())
        self.invalidate_recordset(["attempt_started_at"])
        if claimed and auto_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return claimed

    def _send_through(self, gateway, number):
        """Make one delivery attempt through ``gateway`` and store its outcome."""
        self.ensure_one()
        client = gateway._client()
        reference = f"arrears-reminder-{self.id}"
        if self.channel == "sms":
            outcome = client.send_sms(number, self._render_text("sms_body"), reference)
        else:
            language = self.contact_id.lang or gateway.voice_language
            outcome = client.start_call(
                number, self._render_text("voice_body"), (language or "en-US").replace("_", "-"), reference
            )

        attempts = self.attempts + 1
        values = {"attempts": attempts, "attempt_started_at": False, "recipient": phone_logic.mask(number)}
        if outcome.status == gateway_logic.SENT:
            self._mark_sent(provider_message_id=outcome.provider_message_id, **values)
            return
        if outcome.status == gateway_logic.RETRY and attempts < gateway.max_attempts:
            retry_at = retry_rules.next_attempt_at(
                fields.Datetime.now(), attempts, outcome.retry_after, base_seconds=gateway.retry_delay
            )
            self.write(dict(values, error=outcome.error, next_attempt_at=retry_at))
            _logger.info(
                "Arrears reminder %s: attempt %s failed, next at %s: %s", self.id, attempts, retry_at, outcome.error
            )
            return
        if outcome.status == gateway_logic.RETRY:
            reason = self.env._(
                "Gave up after %(attempts)s attempts. Last error: %(error)s", attempts=attempts, error=outcome.error
            )
        else:
            reason = outcome.error
        self.write(values)
        self._mark_failed(reason)

    def _apply_provider_status(self, status, error=""):
        """Record a delivery status reported by the provider's callback."""
        self.ensure_one()
        status = (status or "").lower()
        values = {"provider_status": status}
        if status in ("failed", "undelivered", "busy", "no-answer", "canceled", "cancelled"):
            values.update(
                state="failed",
                error=self.env._("The provider reported %(status)s. %(error)s", status=status, error=error or ""),
            )
        elif status in ("delivered", "completed", "sent", "answered") and self.state == "queued":
            values.update(state="sent", sent_at=fields.Datetime.now())
        self.write(values)

    # ------------------------------------------------------------------
    # Mail queue feedback
    # ------------------------------------------------------------------

    def _message_receive_bounce(self, email, partner):
        """Mark reminders whose email bounced as failed."""
        self.filtered(lambda reminder: reminder.channel == "email")._mark_failed(
            self.env._("The email to %(email)s bounced: check the address.", email=email)
        )
        return super()._message_receive_bounce(email, partner)

    def _mail_get_partner_fields(self, introspect_fields=False):
        return ["contact_id"]


class _SafeValues(dict):
    """Placeholder values for ``str.format_map`` that leave unknown placeholders as written."""

    def __missing__(self, key):
        return "{" + key + "}"


class ArrearsReminderItem(models.Model):
    _name = "arrears.reminder.item"
    _description = "Reminded Line"
    _order = "reminder_id, id"
    # Lines are written once, by the run that creates their reminder, which carries the create stamps.
    _log_access = False

    reminder_id = fields.Many2one("arrears.reminder", required=True, ondelete="cascade", index=True)
    move_line_id = fields.Many2one("account.move.line", string="Due Line", required=True, ondelete="cascade")
    move_id = fields.Many2one(related="move_line_id.move_id", string="Invoice")
    level_id = fields.Many2one("arrears.policy.level", required=True, ondelete="cascade")
    channel = fields.Selection(CHANNELS, required=True)
    date_maturity = fields.Date(related="move_line_id.date_maturity", string="Due Date")
    amount_residual = fields.Monetary(related="move_line_id.amount_residual", currency_field="company_currency_id")
    company_currency_id = fields.Many2one(related="move_line_id.company_currency_id")

    _sql_constraints = [
        (
            "line_level_channel_unique",
            "unique(move_line_id, level_id, channel)",
            "This due line already received this level on this channel.",
        ),
    ]
