import time

from odoo.tests import tagged

from odoo.addons.customer_service_optimization.logic.survey_token import new_token

from . import survey_common
from .survey_common import parse_forms

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@tagged("post_install", "-at_install")
class TestSurveyAnswer(survey_common.SurveyPageCase):
    def test_link_shows_score_and_records_nothing(self):
        survey, links = self._sent_survey()

        response, form = self._open_form(links[4])

        self.assertEqual(response.status_code, 200)
        self.assertEqual(form["data"]["score"], "4")
        self.assertIn(survey.ticket_id.number, response.text)
        self.assertEqual(survey.state, "sent")
        self.assertFalse(survey.score)

    def test_confirmed_answer_counts(self):
        survey, links = self._sent_survey()
        _response, form = self._open_form(links[2])

        response = self._submit(
            form, score="3", nps_score="8", reason_id=str(self.reason_slow.id), comment="Took a week."
        )

        self.assertEqual(response.status_code, 200)
        self.assertIn("Thank you", response.text)
        self.assertEqual(survey.state, "answered")
        self.assertEqual(survey.score, "3")
        self.assertEqual(survey.nps_score, "8")
        self.assertEqual(survey.reason_id, self.reason_slow)
        self.assertEqual(survey.comment, "Took a week.")
        self.assertTrue(survey.answered_at)

    def test_recommendation_choices_send_values(self):
        survey, links = self._sent_survey()
        response, form = self._open_form(links[4])
        choices = [
            attributes.get("value")
            for attributes in survey_common.parse_inputs(response.text)
            if attributes.get("name") == "nps_score"
        ]
        self.assertEqual(choices, [str(value) for value in range(11)], "0 to 10, each with its value")

        self._submit(form, nps_score=choices[0])

        self.assertEqual(survey.state, "answered")
        self.assertEqual(survey.nps_score, "0", "not at all likely is an answer, not a missing one")

    def test_answer_sent_at_once_does_not_count(self):
        self.set_min_dwell(30)
        survey, links = self._sent_survey()
        _response, form = self._open_form(links[5])

        response = self._submit(form)

        self.assertEqual(response.status_code, 200)
        self.assertIn("press the button again", response.text)
        self.assertEqual(survey.state, "sent")
        self.assertFalse(survey.score)

    def test_answer_after_reading_time_counts(self):
        self.set_min_dwell(1)
        survey, links = self._sent_survey()
        _response, form = self._open_form(links[5])

        time.sleep(1.2)
        self._submit(form)

        self.assertEqual(survey.score, "5")

    def test_answer_without_confirmation_key_does_not_count(self):
        survey, links = self._sent_survey()
        _response, form = self._open_form(links[5])

        response = self._submit(form, confirm=False)

        self.assertIn("JavaScript", response.text)
        self.assertFalse(survey.score)

    def test_answer_without_csrf_token_does_not_count(self):
        survey, links = self._sent_survey()
        _response, form = self._open_form(links[5])

        response = self._submit(form, csrf_token="")

        self.assertEqual(response.status_code, 200)
        self.assertIn("expired", response.text)
        self.assertFalse(survey.score)

    def test_answer_with_forged_stamp_does_not_count(self):
        survey, links = self._sent_survey()
        _response, form = self._open_form(links[5])
        issued, signature = form["data"]["stamp"].split(".")

        self._submit(form, stamp=f"{int(issued) - 3600}.{signature}")

        self.assertFalse(survey.score)

    def test_answer_needs_a_score(self):
        survey, links = self._sent_survey()
        _response, form = self._open_form(links[5])
        form["data"].pop("score")

        response = self._submit(form)

        self.assertIn("Choose a score", response.text)
        self.assertFalse(survey.score)

    def test_landing_page_contact_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env.ref("customer_service_optimization.cso_survey_page").update_field_translations(
            "arch_db", {"fr_FR": {"How satisfied are you with our help?": "Notre aide vous a-t-elle satisfait ?"}}
        )
        survey, links = self._sent_survey()
        survey.partner_id.lang = "fr_FR"

        response = self.url_open(links[4])

        self.assertEqual(response.status_code, 200)
        self.assertIn('<html lang="fr-FR">', response.text)
        self.assertIn("Notre aide vous a-t-elle satisfait ?", response.text)
        self.assertNotIn("How satisfied are you with our help?", response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("text/html"))
        self.assertEqual(response.headers["Cache-Control"], "no-store")

    def test_invalid_links_share_one_neutral_page(self):
        answered, answered_links = self._sent_survey()
        _response, form = self._open_form(answered_links[4])
        self._submit(form)
        expired, expired_links = self._sent_survey(partner_id=self.gold_customer.id)
        expired.sudo().expires_at = survey_common.fields_now().replace(year=2020)

        pages = {
            "unknown": self.url_open(f"/cso/survey/{new_token()}?score=4"),
            "malformed": self.url_open("/cso/survey/abc?score=4"),
            "reused": self.url_open(answered_links[4]),
            "expired": self.url_open(expired_links[4]),
        }

        for kind, page in pages.items():
            self.assertEqual(page.status_code, 404, kind)
            self.assertIn("This survey link is not valid", page.text, kind)
            self.assertNotIn("Traceback", page.text, kind)
            self.assertNotIn(answered.ticket_id.number, page.text, kind)
        bodies = {page.text for page in pages.values()}
        self.assertEqual(len(bodies), 1, "every invalid link must get the same page")

    def test_reused_token_cannot_answer_twice(self):
        survey, links = self._sent_survey()
        _response, form = self._open_form(links[5])
        self._submit(form)

        response = self._submit(form, score="1")

        self.assertEqual(response.status_code, 404)
        self.assertEqual(survey.score, "5")
        self.assertFalse(survey.followup_state)

    def test_signed_in_other_user_cannot_answer(self):
        survey, links = self._sent_survey()
        self.authenticate("cso_agent", "cso_agent")

        response = self.url_open(links[1])

        self.assertEqual(response.status_code, 404)
        self.assertEqual(survey.state, "sent")

    def test_forwarded_link_needs_email_when_team_asks(self):
        self.team_a.survey_verify_email = True
        survey, links = self._sent_survey()
        _response, form = self._open_form(links[4])

        response = self._submit(form, email="someone@forwarded.example.com")
        self.assertIn("not the one we sent the survey to", response.text)
        self.assertFalse(survey.score)

        _response, form = self._open_form(links[4])
        self._submit(form, email="Baker@Bakery.example.com")
        self.assertEqual(survey.score, "4")

    def test_comment_stored_raw_and_shown_escaped(self):
        survey, links = self._sent_survey()
        _response, form = self._open_form(links[1])

        form["data"].pop("score")
        retry = self._submit(form, comment=XSS)
        self.assertNotIn("<script>alert", retry.text)
        self.assertIn("&lt;script&gt;", retry.text)

        _response, form = self._open_form(links[1])
        self._submit(form, comment=XSS)

        self.assertEqual(survey.comment, XSS)
        note = survey.ticket_id.message_ids.filtered(lambda message: "Satisfaction survey answered" in message.body)
        self.assertEqual(len(note), 1)
        self.assertNotIn("<script", note.body)
        self.assertNotIn("<img", note.body)
        self.assertIn("&lt;script&gt;", note.body)

    def test_high_score_thanks_with_review_link(self):
        self.team_a.survey_review_url = "https://reviews.example.com/bakery-support"
        survey, links = self._sent_survey()
        _response, form = self._open_form(links[5])

        response = self._submit(form)

        self.assertIn("Thank you for your answer", response.text)
        self.assertIn("https://reviews.example.com/bakery-support", response.text)
        self.assertEqual(response.headers.get("Referrer-Policy"), "no-referrer")

    def test_low_score_page_has_no_review_link(self):
        self.team_a.survey_review_url = "https://reviews.example.com/bakery-support"
        survey, links = self._sent_survey()
        _response, form = self._open_form(links[1])

        response = self._submit(form)

        self.assertIn("we are sorry", response.text)
        self.assertNotIn("reviews.example.com", response.text)
        self.assertEqual(survey.followup_state, "open")
        # The page runs as the public user, who has no email address to sign the leader's notification with.
        assignment = self.env["mail.message"].search(
            [
                ("model", "=", "helpdesk.ticket"),
                ("res_id", "=", survey.ticket_id.id),
                ("message_type", "=", "user_notification"),
            ]
        )
        self.assertEqual(len(assignment), 1, "the team leader is told about the follow-up")
        self.assertEqual(assignment.author_id, self.env.ref("base.partner_root"))
        self.assertTrue(assignment.email_from, "a notification without sender cannot be emailed")

    def test_rate_limit_per_token(self):
        self.env["ir.config_parameter"].sudo().set_param("customer_service_optimization.survey_rate_limit_token", "3")
        _survey, links = self._sent_survey()
        _other, other_links = self._sent_survey(partner_id=self.gold_customer.id)

        statuses = [self.url_open(links[4]).status_code for _attempt in range(4)]

        self.assertEqual(statuses, [200, 200, 200, 429])
        self.assertEqual(self.url_open(links["optout"]).status_code, 429, "the limit covers every page of a token")
        self.assertEqual(self.url_open(other_links[4]).status_code, 200)

    def test_rate_limit_per_address(self):
        self.env["ir.config_parameter"].sudo().set_param("customer_service_optimization.survey_rate_limit_address", "3")
        _survey, links = self._sent_survey()

        statuses = [self.url_open(links[score]).status_code for score in (1, 2, 3)]
        statuses.append(self.url_open(f"/cso/survey/{new_token()}").status_code)

        self.assertEqual(statuses, [200, 200, 200, 429])

    def test_opt_out_needs_confirmation(self):
        survey, links = self._sent_survey()

        response, form = self._open_form(links["optout"])
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self.customer_contact.survey_opt_out)

        response = self._submit(form)
        self.assertIn("no more satisfaction surveys", response.text)
        self.assertTrue(self.customer_contact.survey_opt_out)

    def test_opt_out_link_works_after_answering(self):
        survey, links = self._sent_survey()
        _response, form = self._open_form(links[4])
        self._submit(form)

        _response, form = self._open_form(links["optout"])
        self._submit(form)

        self.assertTrue(self.customer_contact.survey_opt_out)

    def test_scanner_records_nothing_that_counts(self):
        self.set_min_dwell(2)
        survey, links = self._sent_survey()
        report = self.env["cso.survey.report"]

        # A mail security scanner follows every link of the email and submits
        # every form it finds at once, without running the page's script.
        scanner = type(self.opener)(self.env.cr)
        for path in links.values():
            page = scanner.get(self.base_url() + path, timeout=10)
            for form in parse_forms(page.text):
                scanner.post(self.base_url() + form["action"], data=form["data"], timeout=10)
        # A smarter scanner also runs the script, which fills the confirmation key, but still submits at once.
        for path in links.values():
            page = scanner.get(self.base_url() + path, timeout=10)
            for form in parse_forms(page.text):
                data = dict(form["data"], confirmation=form["attrs"]["data-confirm-key"])
                scanner.post(self.base_url() + form["action"], data=data, timeout=10)

        self.assertEqual(survey.state, "sent")
        self.assertFalse(survey.score)
        self.assertFalse(survey.answered_at)
        self.assertFalse(survey.followup_state)
        self.assertFalse(self.customer_contact.survey_opt_out)
        self.assertFalse(survey.ticket_id.activity_ids)
        figures = report._read_group([("survey_id", "=", survey.id)], [], ["answered_count:sum", "csat:avg"])
        [(answered_count, csat)] = figures
        self.assertEqual(answered_count, 0)
        self.assertFalse(csat, "no answer, so no CSAT")
