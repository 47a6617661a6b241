#!/usr/bin/env python3
"""Benchmark the SLA timers of customer_service_optimization against OCA helpdesk_mgmt_sla.

The script creates a database with both add-ons, generates open tickets over
teams with mixed calendars, then runs each measured step in its own Python
process so that the peak resident memory (``ru_maxrss``) belongs to that step
alone. It prints a table and writes the raw numbers as JSON.

Steps, in order:

``generate``       calendars, teams, customers, policies of both add-ons and tickets (SQL)
``cso_build``      customer_service_optimization: match policies, create timers, compute deadlines
``cso_settle``     mark the warnings and breaches due before now as handled, except the latest ``--due`` ones
``cso_cron_batch`` one cron call that handles the ``--due`` warnings and breaches left (a full batch)
``cso_cron_pass``  the next cron call, when few timers fell due since the previous one (steady state)
``cso_recompute``  a company holiday is added to every calendar; time until all deadlines are recomputed
``oca_build``      helpdesk_mgmt_sla: ``set_sla()`` on the same tickets
``oca_recompute``  helpdesk_mgmt_sla: recompute every stored deadline (it has no trigger on calendars)
``oca_detect``     helpdesk_mgmt_sla: count the tickets whose SLA expired (it has no cron)

Example (about 12 minutes on two cores)::

    python3 benchmarks/cso_sla/run_benchmark.py --database cso_bench --tickets 50000

Only 127.0.0.1 is contacted: PostgreSQL through the given host, nothing else.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
STEPS = [
    "generate",
    "cso_build",
    "cso_settle",
    "cso_cron_batch",
    "cso_cron_pass",
    "cso_recompute",
    "oca_build",
    "oca_recompute",
    "oca_detect",
]
CALENDARS = [
    ("Berlin office", "Europe/Berlin", {day: [(9, 17)] for day in range(5)}),
    ("New York office", "America/New_York", {day: [(8, 12), (13, 18)] for day in range(5)}),
    ("Sydney office", "Australia/Sydney", {day: [(9, 17)] for day in range(5)}),
    ("Around the clock", "UTC", {day: [(0, 24)] for day in range(7)}),
    (
        "Night shift",
        "Europe/London",
        {**{day: [(22, 24)] for day in range(5)}, **{day: [(0, 6)] for day in range(1, 6)}},
    ),
]
# (priority, first response hours, next response hours, resolution hours)
PRIORITY_TARGETS = [("0", 16, 8, 80), ("1", 8, 4, 40), ("2", 4, 2, 16), ("3", 1, 1, 8)]


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cso_bench", help="database to create (dropped first if it exists)")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-user", default="odoo")
    parser.add_argument("--tickets", type=int, default=50000, help="open tickets to generate")
    parser.add_argument("--teams", type=int, default=20, help="helpdesk teams, spread over five calendars")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--days", type=int, default=5, help="tickets are created over this many past days")
    parser.add_argument("--due", type=int, default=500, help="warnings and breaches left due for the batch step")
    parser.add_argument("--seed", type=int, default=20240304)
    parser.add_argument("--skip-setup", action="store_true", help="reuse an existing database with generated data")
    parser.add_argument("--only", nargs="*", choices=STEPS, help="run only these steps")
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results.json"))
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    return parser.parse_args()


# ----------------------------------------------------------------------
# Parent process
# ----------------------------------------------------------------------


def odoo_arguments(args):
    return ["--db_host", args.db_host, "--db_user", args.db_user, f"--addons-path={REPOSITORY}"]


def set_up_database(args):
    subprocess.run(["dropdb", "-h", args.db_host, "-U", args.db_user, "--if-exists", args.database], check=True)
    command = [
        "odoo",
        "-d",
        args.database,
        *odoo_arguments(args),
        "-i",
        "customer_service_optimization,helpdesk_mgmt_sla",
        "--without-demo=all",
        "--stop-after-init",
        "--log-level=warn",
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    print(f"database {args.database} installed in {time.perf_counter() - started:.0f} s", flush=True)


def run_step(args, step):
    command = [sys.executable, __file__, "--step", step, *sys.argv[1:]]
    completed = subprocess.run(command, check=True, capture_output=True, text=True)
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    sys.stderr.write(completed.stdout + completed.stderr)
    raise RuntimeError(f"step {step} printed no result")


def print_table(results):
    print(f"{'step':<16} {'wall s':>9} {'peak RSS MB':>12} {'base RSS MB':>12}  details")
    for step, result in results.items():
        details = ", ".join(f"{key}={value}" for key, value in result.get("details", {}).items())
        print(
            f"{step:<16} {result['wall_s']:>9.2f} {result['peak_rss_mb']:>12.0f} {result['baseline_rss_mb']:>12.0f}  {details}"
        )


def main():
    args = parse_arguments()
    if args.step:
        return run_child(args)
    if not args.skip_setup:
        set_up_database(args)
    results = {}
    for step in args.only or STEPS:
        if step == "generate" and args.skip_setup:
            continue
        results[step] = run_step(args, step)
        print_table({step: results[step]})
    print()
    print_table(results)
    if "cso_recompute" in results and "oca_recompute" in results:
        print(
            f"recompute ratio OCA / CSO: {results['oca_recompute']['wall_s'] / results['cso_recompute']['wall_s']:.1f}"
        )
    if "cso_build" in results and "oca_build" in results:
        print(f"build ratio OCA / CSO: {results['oca_build']['wall_s'] / results['cso_build']['wall_s']:.1f}")
    args.output.write_text(
        json.dumps({"arguments": vars(args) | {"output": str(args.output)}, "results": results}, indent=2, default=str)
    )
    return 0


# ----------------------------------------------------------------------
# Child process: one measured step
# ----------------------------------------------------------------------


def run_child(args):
    import odoo
    from odoo.tools import config

    config.parse_config(["-d", args.database, *odoo_arguments(args), "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.database)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        started = time.perf_counter()
        details = globals()[f"step_{args.step}"](env, args)
        cr.commit()
        wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The load average shows how much other work shared the CPUs during the step.
    details["load_1min"] = round(os.getloadavg()[0], 1)
    print(
        "RESULT " + json.dumps({"wall_s": wall, "peak_rss_mb": peak, "baseline_rss_mb": baseline, "details": details})
    )
    return 0


def step_generate(env, args):
    from odoo import Command

    rng = random.Random(args.seed)
    now = datetime.utcnow().replace(microsecond=0)
    company = env.company

    calendars = env["resource.calendar"].create(
        [
            {
                "name": name,
                "tz": tz,
                "attendance_ids": [Command.clear()]
                + [
                    Command.create({"name": f"{name} {day}", "dayofweek": str(day), "hour_from": start, "hour_to": end})
                    for day, spans in hours.items()
                    for start, end in spans
                ],
            }
            for name, tz, hours in CALENDARS
        ]
    )
    env["resource.calendar.leaves"].create(
        {
            "name": "Office holiday",
            "calendar_id": calendars[0].id,
            "date_from": now - timedelta(days=3),
            "date_to": now - timedelta(days=2),
        }
    )
    teams = env["helpdesk.ticket.team"].create(
        [
            {"name": f"Team {index:02d}", "resource_calendar_id": calendars[index % len(calendars)].id, "use_sla": True}
            for index in range(args.teams)
        ]
    )
    stage_new = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
    stage_progress = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_in_progress")
    stage_done = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
    stage_waiting = env["helpdesk.ticket.stage"].create(
        {"name": "Waiting for Customer", "sequence": 3, "pause_sla": True}
    )

    tier_key = env["cso.customer.tier"].create({"name": "Key Account"})
    customers = env["res.partner"].create(
        [
            {
                "name": f"Customer {index:05d}",
                "is_company": True,
                "email": f"customer{index}@example.com",
                "customer_tier_id": tier_key.id if index % 10 == 0 else False,
            }
            for index in range(args.customers)
        ]
    )

    for priority, first, following, resolution in PRIORITY_TARGETS:
        env["cso.sla.policy"].create(
            {
                "name": f"Priority {priority}",
                "priority": priority,
                "first_response_hours": first,
                "next_response_hours": following,
                "resolution_hours": resolution,
            }
        )
        # helpdesk_mgmt_sla counts "reach a stage within hours": In Progress stands for
        # the first response and Done for the resolution.
        env["helpdesk.sla"].create(
            [
                {
                    "name": f"Priority {priority} response",
                    "hours": first,
                    "stage_id": stage_progress.id,
                    "domain": f"[('priority', '=', '{priority}')]",
                },
                {
                    "name": f"Priority {priority} resolution",
                    "hours": resolution,
                    "stage_id": stage_done.id,
                    "domain": f"[('priority', '=', '{priority}')]",
                },
            ]
        )
    env["cso.sla.policy"].create(
        {
            "name": "Key accounts",
            "customer_tier_ids": [Command.set(tier_key.ids)],
            "first_response_hours": 1,
            "resolution_hours": 8,
        }
    )
    env["helpdesk.sla"].create(
        [
            {
                "name": "Key accounts response",
                "hours": 1,
                "stage_id": stage_progress.id,
                "domain": f"[('partner_id.customer_tier_id', '=', {tier_key.id})]",
            },
            {
                "name": "Key accounts resolution",
                "hours": 8,
                "stage_id": stage_done.id,
                "domain": f"[('partner_id.customer_tier_id', '=', {tier_key.id})]",
            },
        ]
    )
    env.flush_all()

    rows, pauses = [], []
    for index in range(args.tickets):
        created = now - timedelta(seconds=rng.randrange(args.days * 86400))
        answered = rng.random() < 0.5
        waiting = not answered and rng.random() < 0.2
        stage = stage_new
        if answered:
            stage = stage_progress
        elif waiting:
            stage = stage_waiting
        customer = customers[rng.randrange(len(customers))]
        first_response = created + timedelta(minutes=rng.randrange(10, 600)) if answered else None
        if first_response and first_response > now:
            first_response = now
        rows.append(
            (
                f"BT{index:06d}",
                f"Benchmark ticket {index}",
                "<p>Generated</p>",
                company.id,
                rng.choice("0123"),
                stage.id,
                teams[index % len(teams)].id,
                customer.id,
                customer.id,
                created,
                created,
                first_response,
            )
        )
        if waiting:
            pauses.append((index, created + (now - created) / 2, stage.id))

    cr = env.cr
    from psycopg2.extras import execute_values

    ticket_ids = execute_values(
        cr._obj,
        """
        INSERT INTO helpdesk_ticket (number, name, description, company_id, priority, stage_id, team_id, partner_id,
                                     commercial_partner_id, create_date, write_date, sla_first_response_at,
                                     sla_start_at, last_stage_update, active, sequence, unattended, kanban_state,
                                     create_uid, write_uid)
        SELECT v.number, v.name, v.description, v.company_id, v.priority, v.stage_id, v.team_id, v.partner_id,
               v.commercial_partner_id, v.create_date, v.write_date, v.first_response, v.create_date, v.create_date,
               TRUE, 10, FALSE, 'normal', 1, 1
          FROM (VALUES %s) AS v(number, name, description, company_id, priority, stage_id, team_id, partner_id,
                                commercial_partner_id, create_date, write_date, first_response)
        RETURNING id
        """,
        rows,
        template="(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::timestamp, %s::timestamp, %s::timestamp)",
        page_size=5000,
        fetch=True,
    )
    ticket_ids = [row[0] for row in ticket_ids]
    execute_values(
        cr._obj,
        "INSERT INTO cso_sla_pause (ticket_id, start_at, stage_id, reason, create_uid, write_uid, create_date, write_date) VALUES %s",
        [(ticket_ids[index], start, stage_id, "stage", 1, 1, now, now) for index, start, stage_id in pauses],
        page_size=5000,
    )
    env.invalidate_all()
    return {"tickets": len(ticket_ids), "paused": len(pauses), "teams": len(teams), "calendars": len(calendars)}


def _open_tickets(env):
    return env["helpdesk.ticket"].search([("name", "=like", "Benchmark ticket %"), ("stage_id.closed", "=", False)])


def step_cso_build(env, args):
    tickets = _open_tickets(env)
    now = datetime.utcnow()
    timers = env["cso.sla.timer"]
    batch = 2000
    for start in range(0, len(tickets), batch):
        chunk = tickets[start : start + batch]
        chunk._sla_sync_timers(now)
        chunk.sla_timer_ids.filtered(lambda timer: not timer.stop_at)._recompute(now)
        env.cr.commit()
        env.invalidate_all()
    count = timers.search_count([])
    return {"tickets": len(tickets), "timers": count, "unfinished": timers.search_count([("stop_at", "=", False)])}


def step_cso_settle(env, args):
    """Mark older due warnings and breaches as handled, as earlier cron runs would have done."""
    now = datetime.utcnow()
    env.cr.execute(
        """
        WITH keep AS (
            SELECT id FROM cso_sla_timer
             WHERE stop_at IS NULL AND breach_processed_at IS NULL AND deadline < %s
             ORDER BY deadline DESC LIMIT %s
        )
        UPDATE cso_sla_timer
           SET breach_processed_at = deadline, warned_at = COALESCE(warned_at, warning_at), state = 'breached'
         WHERE stop_at IS NULL AND breach_processed_at IS NULL AND deadline < %s AND id NOT IN (SELECT id FROM keep)
        """,
        (now, args.due, now),
    )
    breaches = env.cr.rowcount
    env.cr.execute(
        """
        UPDATE cso_sla_timer
           SET warned_at = warning_at, state = CASE WHEN state = 'running' THEN 'at_risk' ELSE state END
         WHERE stop_at IS NULL AND warned_at IS NULL AND warning_at <= %s AND state != 'breached'
           AND (deadline IS NULL OR deadline >= %s)
        """,
        (now, now),
    )
    return {"breaches_marked": breaches, "warnings_marked": env.cr.rowcount, "left_due": args.due}


def _cron_call(env):
    cron = env.ref("customer_service_optimization.ir_cron_cso_sla_timers")
    progress = env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
    env["cso.sla.timer"].with_context(ir_cron_progress_id=progress.id)._cron_process_timers()
    return progress


def step_cso_cron_batch(env, args):
    progress = _cron_call(env)
    return {"done": progress.done, "remaining": progress.remaining}


def step_cso_cron_pass(env, args):
    progress = _cron_call(env)
    return {"done": progress.done, "remaining": progress.remaining}


def step_cso_recompute(env, args):
    flagged_before = env["cso.sla.timer"].search_count([("stop_at", "=", False), ("state", "!=", "breached")])
    now = datetime.utcnow()
    env["resource.calendar.leaves"].create(
        {
            "name": "Company holiday",
            "calendar_id": False,
            "company_id": env.company.id,
            "date_from": now + timedelta(days=1),
            "date_to": now + timedelta(days=2),
        }
    )
    calls = 0
    while env["cso.sla.timer"].search_count([("needs_recompute", "=", True)]):
        _cron_call(env)
        env.cr.commit()
        env.invalidate_all()
        calls += 1
    moved = env["cso.sla.timer.event"].search_count([("event_type", "=", "recompute")])
    return {"unfinished_timers": flagged_before, "cron_calls": calls, "deadlines_moved": moved}


def step_oca_build(env, args):
    tickets = _open_tickets(env)
    batch = 2000
    for start in range(0, len(tickets), batch):
        tickets[start : start + batch].set_sla()
        env.cr.commit()
        env.invalidate_all()
    return {"tickets": len(tickets), "slas": env["helpdesk.ticket.sla"].search_count([])}


def step_oca_recompute(env, args):
    slas = env["helpdesk.ticket.sla"].search([])
    batch = 5000
    for start in range(0, len(slas), batch):
        chunk = slas[start : start + batch]
        env.add_to_compute(chunk._fields["deadline"], chunk)
        chunk.flush_recordset(["deadline"])
        env.cr.commit()
        env.invalidate_all()
    return {"slas": len(slas)}


def step_oca_detect(env, args):
    expired = env["helpdesk.ticket"].search_count([("sla_expired", "=", True)])
    return {"expired_tickets": expired}


if __name__ == "__main__":
    os.environ.setdefault("PGHOST", "127.0.0.1")
    sys.exit(main())
