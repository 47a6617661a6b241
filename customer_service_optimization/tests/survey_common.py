"""Shared data and helpers for the satisfaction survey tests, on top of the SLA test data.

Team A sends surveys at once on closing (no delay), with a 30-day cooldown
and links valid for 30 days. Its leader follows low scores up. Times are
naive UTC like Odoo stores them, and in March 2024 Berlin is UTC+1.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase

from odoo.addons.customer_service_optimization.controllers import survey as survey_controller

from . import common
from .common import utc

# Monday 4 March 2024, 09:00 in Berlin.
MONDAY_9 = utc(2024, 3, 4, 8, 0)
LINK_PATTERN = re.compile(r'href="[^"]*?(/cso/survey/[A-Za-z0-9_-]+(?:/optout)?(?:\?score=\d)?)"')


class SurveyCase(common.SlaCase):
    """SLA test data with surveys switched on for team A and a few reasons to pick."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_cancelled = cls.env["helpdesk.ticket.stage"].create(
            {"name": "Cancelled", "sequence": 20, "closed": True, "company_id": False}
        )
        cls.team_a.write(
            {
                "survey_enabled": True,
                "survey_delay_hours": 0,
                "survey_cooldown_days": 30,
                "survey_sampling_rate": 100,
                "survey_validity_days": 30,
                "survey_low_score_threshold": 2,
            }
        )
        cls.reason_slow = cls.env.ref("customer_service_optimization.cso_survey_reason_slow")
        cls.reason_unsolved = cls.env.ref("customer_service_optimization.cso_survey_reason_unsolved")
        cls.Survey = cls.env["cso.survey"]

    def setUp(self):
        super().setUp()
        survey_controller._token_limiter.reset()
        survey_controller._address_limiter.reset()

    def _close(self, ticket, at, stage=None):
        """Move ``ticket`` into a closing stage at ``at``."""
        self._write(ticket, at, stage_id=(stage or self.stage_done).id)

    def _reopen(self, ticket, at):
        self._write(ticket, at, stage_id=self.stage_progress.id)

    def _send_due(self, at):
        """Run the survey cron at ``at``; return the surveys it sent."""
        with freeze_time(at):
            return self.Survey._cron_send_due()

    def _closed_and_sent(self, at=MONDAY_9, **ticket_values):
        """Create a ticket, close it an hour after ``at`` and send its survey; return the survey."""
        ticket = self._create_ticket(at, **ticket_values)
        self._close(ticket, at.replace(hour=at.hour + 1))
        sent = self._send_due(at.replace(hour=at.hour + 1))
        self.assertEqual(len(sent), 1, "the closing should send one survey")
        return sent

    def _survey_mail(self, survey):
        return self.env["mail.mail"].sudo().search([("model", "=", "cso.survey"), ("res_id", "=", survey.id)])

    def _links(self, survey):
        """Return the paths of the links in the survey's email: ``{1..5: path, 'optout': path}``."""
        links = {}
        for path in LINK_PATTERN.findall(self._survey_mail(survey).body_html or ""):
            if path.endswith("/optout"):
                links["optout"] = path
            else:
                links[int(path.rsplit("=", 1)[1])] = path
        return links

    def _answer(self, survey, score, at=None, **values):
        """Record a confirmed answer directly, as the landing page does after a person confirms it."""
        with freeze_time(at or survey.sent_at):
            return survey.sudo()._record_answer(score, **values)


class SurveyReportCase(SurveyCase):
    """Surveys of teams A and B without cooldown, answered at chosen moments, for report figures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.survey_cooldown_days = 0
        cls.team_b.write({"survey_enabled": True, "survey_delay_hours": 0, "survey_cooldown_days": 0})
        cls.Report = cls.env["cso.survey.report"]

    def _survey(self, team, closed_at, score=None, nps_score=None, reason=None, comment=None, created_at=None):
        """Create a ticket of ``team``, close it at ``closed_at``, send its survey and answer it an hour later."""
        ticket = self._create_ticket(created_at or closed_at - timedelta(hours=1), team_id=team.id)
        self._close(ticket, closed_at)
        survey = self._send_due(closed_at)
        self.assertEqual(len(survey), 1)
        if score:
            self._answer(
                survey, score, at=closed_at + timedelta(hours=1), nps_score=nps_score, reason=reason, comment=comment
            )
        return survey

    def _figures(self, groupby):
        groups = self.Report._read_group(
            [("company_id", "=", self.company.id)],
            groupby,
            ["sent_count:sum", "answered_count:sum", "csat:avg", "average_score:avg", "nps:avg", "response_rate:avg"],
        )
        return {tuple(group[: len(groupby)]): group[len(groupby) :] for group in groups}


class SurveyHttpCase(SurveyCase, HttpCase):
    """SurveyCase served over HTTP, for the public survey pages."""


class FormParser(HTMLParser):
    """Collect every form of a page with the values a browser would submit without any script running."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "data": {}, "attrs": attrs})
        elif not self.forms:
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in attrs:
                return
            if attrs.get("name"):
                self.forms[-1]["data"][attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs:
            self.forms[-1]["data"][self._select] = attrs.get("value", "")
        elif tag == "textarea" and attrs.get("name"):
            self.forms[-1]["data"][attrs["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


class InputCollector(HTMLParser):
    """Collect the attributes of every ``input`` element of a page."""

    def __init__(self):
        super().__init__()
        self.inputs = []

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.inputs.append(dict(attrs))


def parse_inputs(html):
    parser = InputCollector()
    parser.feed(html)
    return parser.inputs


def parse_forms(html):
    parser = FormParser()
    parser.feed(html)
    return parser.forms


class SurveyPageCase(SurveyHttpCase):
    """Helpers to open survey links and submit their forms the way a browser or a scanner does.

    The pages run in the real clock: freezing time around HTTP requests would
    also freeze the server thread, so links are created now and the minimum
    time a person spends on the page is set per test.
    """

    def setUp(self):
        super().setUp()
        self.set_min_dwell(0)

    def set_min_dwell(self, seconds):
        self.env["ir.config_parameter"].sudo().set_param(
            "customer_service_optimization.survey_min_dwell_seconds", str(seconds)
        )

    def _sent_survey(self, **ticket_values):
        """Return a survey sent now and the paths of its email's links."""
        now = fields_now()
        ticket = self._create_ticket(now, **ticket_values)
        ticket.write({"stage_id": self.stage_done.id})
        survey = self.Survey._cron_send_due()
        self.assertEqual(len(survey), 1, "the closing should send one survey")
        return survey, self._links(survey)

    def _open_form(self, path):
        """Open a link and return ``(response, first form)``."""
        response = self.url_open(path)
        forms = parse_forms(response.text)
        return response, forms[0] if forms else None

    def _submit(self, form, confirm=True, **values):
        """Submit ``form`` like a person: the page's script put the confirmation key in, then the values typed."""
        data = dict(form["data"])
        if confirm:
            data["confirmation"] = form["attrs"]["data-confirm-key"]
        data.update(values)
        return self.url_open(form["action"], data=data)


def fields_now():
    """Return the current time as Odoo stores it, to whole seconds."""
    return fields.Datetime.now().replace(microsecond=0)
