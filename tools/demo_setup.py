# Run inside `odoo shell` by tools/demo.sh: point Odoo at the local demo
# services, then run the escalation, the delivery and the mail queue once.
import os

smtp_port = int(os.environ["DEMO_SMTP_PORT"])
provider_port = int(os.environ["DEMO_PROVIDER_PORT"])

server = env["ir.mail_server"].search([("name", "=", "Demo SMTP sink")], limit=1)
values = {"name": "Demo SMTP sink", "smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_encryption": "none"}
server.write(values) if server else env["ir.mail_server"].create(values)

company = env.ref("base.main_company")
company.email = company.email or "billing@yourcompany.example.com"
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
            # The demo runs at any hour; real companies keep the default daytime window.
            "arrears_contact_hour_from": 0.0,
            "arrears_contact_hour_to": 24.0,
        }
    )
    queued = env["arrears.reminder"]._cron_escalate()
    env["arrears.reminder"]._cron_deliver()
    print(f"Escalation run: {queued} reminders queued")
env.cr.commit()
env["mail.mail"].process_email_queue()
env.cr.commit()
if "arrears.reminder" in env:
    states = env["arrears.reminder"]._read_group([], ["state"], ["__count"])
    print("Reminders by state:", {state: count for state, count in states})
