"""Shared data for the arrears_management tests: a company book with real posted invoices."""

import email
import email.policy
import json
import socket
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from odoo import Command
from odoo.tests import HttpCase, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class ArrearsCase(AccountTestInvoicingCommon):
    """Customers, the default policy and helpers to post invoices and register payments."""

    @classmethod
    def get_default_groups(cls):
        # The test user configures policies, companies and gateways like an administrator.
        return (
            super().get_default_groups()
            | cls.env.ref("arrears_management.group_arrears_manager")
            | cls.env.ref("base.group_system")
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {"email": "billing@company.example.com", "arrears_contact_hour_from": 0.0, "arrears_contact_hour_to": 24.0}
        )
        cls.company.partner_id.tz = "UTC"
        cls.policy = cls.env.ref("arrears_management.arrears_policy_default")
        cls.company.arrears_policy_id = cls.policy
        cls.level_courtesy = cls.env.ref("arrears_management.arrears_level_courtesy")
        cls.level_friendly = cls.env.ref("arrears_management.arrears_level_friendly")
        cls.level_firm = cls.env.ref("arrears_management.arrears_level_firm")
        cls.level_final = cls.env.ref("arrears_management.arrears_level_final")

        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Bakery Customer",
                "is_company": True,
                "email": "accounts@bakery.example.com",
                "mobile": "+32 470 12 34 56",
                "country_id": cls.env.ref("base.be").id,
                "lang": "en_US",
            }
        )
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Garage Customer", "is_company": True, "email": "ap@garage.example.com"}
        )
        cls.collector = new_test_user(
            cls.env,
            login="arrears_collector",
            groups="arrears_management.group_arrears_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.manager = new_test_user(
            cls.env,
            login="arrears_manager",
            groups="arrears_management.group_arrears_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.policy.write({"manager_id": cls.manager.id, "collector_id": cls.collector.id})
        cls.today = date(2026, 3, 16)

    @classmethod
    def _post_invoice(
        cls, partner, amount, due_date, company=None, currency=None, payment_term=None, move_type="out_invoice"
    ):
        """Post a customer invoice (or credit note) of ``amount`` without taxes, due on ``due_date``."""
        company = company or cls.company
        values = {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": due_date - timedelta(days=30),
            "date": due_date - timedelta(days=30),
            "currency_id": (currency or company.currency_id).id,
            "invoice_line_ids": [
                Command.create({"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []})
            ],
        }
        if payment_term:
            values["invoice_payment_term_id"] = payment_term.id
        else:
            values["invoice_date_due"] = due_date
        move = cls.env["account.move"].with_company(company).create(values)
        move.action_post()
        return move

    @classmethod
    def _pay(cls, moves, amount, payment_date):
        """Register a payment of ``amount`` on ``moves`` through the payment wizard."""
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create({"amount": amount, "payment_date": payment_date})
        )
        return wizard._create_payments()

    def _run(self, run_date, company=None, partners=None):
        """Run the escalation of ``company`` as on ``run_date``; return the queued reminders."""
        company = company or self.company
        Reminder = self.env["arrears.reminder"].with_company(company)
        return Reminder._escalate_company(company, partners=partners, today=run_date)

    def _receivable_lines(self, move):
        return move.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")


class ArrearsHttpCase(ArrearsCase, HttpCase):
    """ArrearsCase served over HTTP, for controllers."""


class SmtpSink:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - name fixed by aiosmtpd
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                html = message.get_body(preferencelist=("html",))
                sink.messages.append(
                    {"to": list(envelope.rcpt_tos), "message": message, "html": html.get_content() if html else ""}
                )
                return "250 OK"

        # aiosmtpd checks readiness by connecting to the port, so it needs a real one, not 0.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class GatewayStub:
    """A real HTTP server on 127.0.0.1 that plays an SMS provider with scripted responses.

    ``answers`` is a list of ``(status, headers, body)`` consumed one per request,
    and the last one repeats. ``requests`` keeps what the server received.
    """

    def __init__(self, answers, delay=0.0):
        self.answers = list(answers)
        self.delay = delay
        self.requests = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - name fixed by http.server
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw)
                else:
                    body = {key: values[0] for key, values in parse_qs(raw).items()}
                stub.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if stub.delay:
                    threading.Event().wait(stub.delay)
                status, headers, payload = stub.answers.pop(0) if len(stub.answers) > 1 else stub.answers[0]
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class ArrearsFeeCase(ArrearsCase):
    """ArrearsCase with a custom late fee policy (10 % a year, charged daily) and a portal user per customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.write(
            {
                "fee_mode": "custom",
                "fee_currency_id": cls.company.currency_id.id,
                "interest_rate": 10.0,
                "interest_grace_days": 0,
                "interest_interval_days": 1,
                "interest_day_count": "actual_actual",
            }
        )
        cls.company.write({"arrears_fee_auto_post": False})
        cls.portal_user = new_test_user(
            cls.env, login="arrears_portal", groups="base.group_portal", name="Bakery Accountant"
        )
        cls.portal_user.partner_id.write({"parent_id": cls.customer.id, "email": "accountant@bakery.example.com"})
        cls.other_portal_user = new_test_user(
            cls.env, login="arrears_portal_other", groups="base.group_portal", name="Garage Accountant"
        )
        cls.other_portal_user.partner_id.parent_id = cls.other_customer

    def _charge(self, run_date, company=None, partners=None):
        """Run the fee charge of ``company`` as on ``run_date``; return the new charges."""
        company = company or self.company
        Charge = self.env["arrears.fee.charge"].with_company(company)
        _checked, charges, _left = Charge._charge_company(company, partners=partners, today=run_date)
        return charges

    def _make_plan(self, invoices, first_date, count=3, **values):
        """Create a draft plan over ``invoices`` with a computed monthly schedule."""
        plan = self.env["arrears.plan"].create(
            dict(
                {
                    "partner_id": invoices.commercial_partner_id.id,
                    "move_ids": [Command.set(invoices.ids)],
                    "installment_count": count,
                    "first_date": first_date,
                    "frequency": "monthly",
                    "user_id": self.collector.id,
                },
                **values,
            )
        )
        plan.action_compute_schedule()
        return plan
