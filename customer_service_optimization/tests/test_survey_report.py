from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from . import survey_common
from .common import utc


@tagged("post_install", "-at_install")
class TestSurveyReport(survey_common.SurveyReportCase):
    def test_figures_by_team_and_month(self):
        # Expected values are computed by hand in the comments below.
        march, april = utc(2024, 3, 5, 10, 0), utc(2024, 4, 9, 10, 0)
        self._survey(self.team_a, march, score=5, nps_score=10)
        self._survey(self.team_a, march, score=4, nps_score=6)
        self._survey(self.team_a, march, score=2)
        self._survey(self.team_a, march)
        self._survey(self.team_a, april, score=1, nps_score=0)
        self._survey(self.team_a, april, score=3, nps_score=8)
        self._survey(self.team_b, march, score=4, nps_score=9)
        self._survey(self.team_b, march)
        skipped = self._create_ticket(march)
        skipped.sudo().survey_disabled = True
        self._close(skipped, march)

        figures = self._figures(["team_id", "sent_at:month"])

        # Team A in March: 4 sent, scores 5, 4, 2 answered; NPS answers 10 (promoter) and 6 (detractor).
        sent, answered, csat, average, nps, rate = figures[(self.team_a, datetime(2024, 3, 1))]
        self.assertEqual((sent, answered), (4, 3))
        self.assertAlmostEqual(csat, 200 / 3)
        self.assertAlmostEqual(average, 11 / 3)
        self.assertAlmostEqual(nps, 0.0)
        self.assertAlmostEqual(rate, 75.0)
        # Team A in April: scores 1 and 3, NPS answers 0 (detractor) and 8 (passive).
        sent, answered, csat, average, nps, rate = figures[(self.team_a, datetime(2024, 4, 1))]
        self.assertEqual((sent, answered), (2, 2))
        self.assertAlmostEqual(csat, 0.0)
        self.assertAlmostEqual(average, 2.0)
        self.assertAlmostEqual(nps, -50.0)
        self.assertAlmostEqual(rate, 100.0)
        # Team B in March: one answer of two, score 4 and a promoter.
        sent, answered, csat, average, nps, rate = figures[(self.team_b, datetime(2024, 3, 1))]
        self.assertEqual((sent, answered), (2, 1))
        self.assertAlmostEqual(csat, 100.0)
        self.assertAlmostEqual(nps, 100.0)
        self.assertAlmostEqual(rate, 50.0)
        # Everything: 8 sent (the skipped closing is not in the report), 6 answered, 3 of them 4 or 5;
        # NPS answers 10, 6, 0, 8, 9: 2 promoters and 2 detractors out of 5.
        [(sent, answered, csat, average, nps, rate)] = self._figures([]).values()
        self.assertEqual((sent, answered), (8, 6))
        self.assertAlmostEqual(csat, 50.0)
        self.assertAlmostEqual(average, 19 / 6)
        self.assertAlmostEqual(nps, 0.0)
        self.assertAlmostEqual(rate, 75.0)

    def test_figures_split_by_sla_outcome(self):
        monday = utc(2024, 3, 4, 8, 0)
        # Closed within the hour: both timers of the team A policy are achieved.
        kept = self._survey(self.team_a, monday + timedelta(hours=1), score=5, created_at=monday)
        # Closed after three business days: the 16-hour resolution target is breached.
        late = self._survey(self.team_a, utc(2024, 3, 7, 10, 0), score=2, created_at=monday)
        # Team B has no SLA policy.
        no_sla = self._survey(self.team_b, monday + timedelta(hours=1), score=4, created_at=monday)

        outcomes = {row.survey_id: row.sla_outcome for row in self.Report.search([])}
        self.assertEqual(outcomes[kept], "achieved")
        self.assertEqual(outcomes[late], "breached")
        self.assertEqual(outcomes[no_sla], "none")
        figures = self._figures(["sla_outcome"])
        self.assertAlmostEqual(figures[("achieved",)][2], 100.0)
        self.assertAlmostEqual(figures[("breached",)][2], 0.0)

    def test_report_dimensions_come_from_ticket_and_customer(self):
        category = self.env["helpdesk.ticket.category"].create({"name": "Printers"})
        ticket = self._create_ticket(
            utc(2024, 3, 4, 8, 0), user_id=self.agent.id, category_id=category.id, priority="3"
        )
        self._close(ticket, utc(2024, 3, 4, 9, 0))
        survey = self._send_due(utc(2024, 3, 4, 9, 0))
        self._answer(survey, 4, reason=self.reason_slow, comment="Fine in the end.")

        row = self.Report.search([("survey_id", "=", survey.id)])
        self.assertEqual(row.team_id, self.team_a)
        self.assertEqual(row.user_id, self.agent)
        self.assertEqual(row.category_id, category)
        self.assertEqual(row.priority, "3")
        self.assertEqual(row.partner_id, self.customer)
        self.assertEqual(row.contact_id, self.customer_contact)
        self.assertEqual(row.customer_tier_id, self.tier_standard)
        self.assertEqual(row.reason_id, self.reason_slow)
        self.assertEqual(row.comment, "Fine in the end.")
        self.assertEqual(row.cohort_date, date(2024, 3, 4))


@tagged("post_install", "-at_install")
class TestSurveyDigest(survey_common.SurveyReportCase):
    # Monday 18 March 2024: the digest covers 11 to 17 March against 12 February to 10 March.
    DIGEST_DAY = date(2024, 3, 18)

    def _digest_data(self):
        week = [utc(2024, 3, 11, 10, 0), utc(2024, 3, 12, 10, 0), utc(2024, 3, 13, 10, 0)]
        lowest = self._survey(self.team_a, week[0], score=1, reason=self.reason_slow, comment="Nobody called.")
        self._survey(self.team_a, week[1], score=2, reason=self.reason_slow)
        self._survey(self.team_a, week[2], score=5, nps_score=10)
        baseline = [utc(2024, 2, 13, 10, 0), utc(2024, 2, 20, 10, 0), utc(2024, 2, 27, 10, 0), utc(2024, 3, 5, 10, 0)]
        for moment, score in zip(baseline, (5, 5, 4, 3), strict=True):
            self._survey(self.team_a, moment, score=score, reason=self.reason_unsolved if score == 3 else None)
        self._survey(self.team_b, week[0], score=1)
        return lowest

    def test_digest_figures(self):
        lowest = self._digest_data()

        with freeze_time(utc(2024, 3, 18, 6, 0)):
            digest = self.team_a._survey_digest_values(self.DIGEST_DAY)

        self.assertEqual(digest["week_start"], date(2024, 3, 11))
        self.assertEqual(digest["week_end"], date(2024, 3, 17))
        self.assertEqual(digest["week"].answered, 3)
        self.assertAlmostEqual(digest["week"].csat, 100 / 3)
        self.assertAlmostEqual(digest["week"].nps, 100.0)
        self.assertAlmostEqual(digest["week"].response_rate, 100.0)
        self.assertAlmostEqual(digest["baseline"].csat, 75.0)
        self.assertAlmostEqual(digest["csat_change"], 100 / 3 - 75.0)
        self.assertEqual(digest["lowest"][0], lowest)
        self.assertEqual(len(digest["lowest"]), 3)
        self.assertEqual(digest["trending_reasons"], [(self.reason_slow.name, 2, 0.0)])
        self.assertEqual(len(digest["overdue"]), 2, "both low scores of the week are past their one-day follow-up")
        self.assertIn(lowest, digest["overdue"])

    def test_digest_sent_once_per_week_to_leaders(self):
        self._digest_data()
        Team = self.env["helpdesk.ticket.team"]

        with freeze_time(utc(2024, 3, 18, 6, 0)):
            self.assertEqual(Team._cron_send_survey_digests(today=self.DIGEST_DAY), 1)
            self.assertEqual(Team._cron_send_survey_digests(today=self.DIGEST_DAY), 0)

        mail = self.env["mail.mail"].search([("model", "=", "helpdesk.ticket.team"), ("res_id", "=", self.team_a.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.leader.partner_id)
        self.assertIn("Team A", mail.subject)
        self.assertIn("33%", mail.body_html)
        self.assertIn("Nobody called.", mail.body_html)
        self.assertIn(self.reason_slow.name, mail.body_html)
        self.assertEqual(self.team_a.survey_digest_week, date(2024, 3, 11))

    def test_digest_week_follows_team_timezone(self):
        # Sunday 10 March 2024 at 23:30 UTC is Monday 11 March at 00:30 in Berlin, team A's timezone.
        survey = self._survey(self.team_a, utc(2024, 3, 10, 22, 30))
        self._answer(survey, 4, at=utc(2024, 3, 10, 23, 30))

        digest = self.team_a._survey_digest_values(self.DIGEST_DAY)

        self.assertEqual(digest["week"].answered, 1)
        self.assertEqual(digest["baseline"].answered, 0)
