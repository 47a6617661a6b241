# Run inside `odoo shell` by tools/demo.sh: point Odoo at the local demo
# services, then run the escalation, the delivery and the mail queue once.
import os

from odoo import fields

smtp_port = int(os.environ["DEMO_SMTP_PORT"])
provider_port = int(os.environ["DEMO_PROVIDER_PORT"])

server = env["ir.mail_server"].search([("name", "=", "Demo SMTP sink")], limit=1)
values = {"name": "Demo SMTP sink", "smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_encryption": "none"}
server.write(values) if server else env["ir.mail_server"].create(values)

# Links in the demo's emails lead to the demo server, and wkhtmltopdf loads the letters'
# style sheets from it while the escalation prints them.
env["ir.config_parameter"].set_param("web.base.url", f"http://127.0.0.1:{os.environ['DEMO_HTTP_PORT']}")

company = env.ref("base.main_company")
company.email = company.email or "billing@yourcompany.example.com"
# Odoo's partner_autocomplete looks the company up on odoo.com at the first sign-in, unless it is marked as done.
if "iap_enrich_auto_done" in env["res.company"]._fields:
    env["res.company"].search([]).write({"iap_enrich_auto_done": True})
if "arrears.reminder" in env:
    gateway = env["arrears.gateway"].search([("name", "=", "Demo provider")], limit=1)
    gateway_values = {
        "name": "Demo provider",
        "provider": "webhook",
        "base_url": f"http://127.0.0.1:{provider_port}/send",
        "company_id": company.id,
    }
    gateway.write(gateway_values) if gateway else env["arrears.gateway"].create(gateway_values)
    company.write(
        {
            "arrears_gateway_id": env["arrears.gateway"].search([("name", "=", "Demo provider")], limit=1).id,
            # The demo runs at any hour on any day, while real companies keep the default daytime window.
            "arrears_contact_hour_from": 0.0,
            "arrears_contact_hour_to": 24.0,
            "arrears_contact_days": "every_day",
        }
    )
    queued = env["arrears.reminder"]._cron_escalate()
    env["arrears.reminder"]._cron_deliver()
    print(f"Escalation run: {queued} reminders queued")
if "cso.survey" in env:
    # Close one ticket per demo database and send its survey at once instead of after the
    # team's delay, so the sink contains a survey email with its score links.
    ticket_name = "Printer offline after the update"
    Ticket = env["helpdesk.ticket"]
    if not Ticket.search_count([("name", "=", ticket_name)]):
        contact = env["res.partner"].create(
            {"name": "Dana Fischer", "email": "dana.fischer@example.com", "lang": "en_US"}
        )
        ticket = Ticket.create(
            {
                "name": ticket_name,
                "description": "The office printer went offline after the update.",
                "team_id": env.ref("customer_service_optimization.survey_team_customer_care").id,
                "partner_id": contact.id,
                "user_id": env.ref("base.user_admin").id,
            }
        )
        ticket.stage_id = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        surveys = env["cso.survey"].search([("ticket_id", "=", ticket.id), ("state", "=", "scheduled")])
        surveys.write({"scheduled_at": fields.Datetime.now()})
        sent = env["cso.survey"]._cron_send_due()
        print(f"Satisfaction surveys emailed: {len(sent)} (ticket {ticket.number}, to {contact.email})")
env.cr.commit()
env["mail.mail"].process_email_queue()
env.cr.commit()
if "arrears.reminder" in env:
    states = env["arrears.reminder"]._read_group([], ["state"], ["__count"])
    print("Reminders by state:", {state: count for state, count in states})
