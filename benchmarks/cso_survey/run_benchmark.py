#!/usr/bin/env python3
"""Benchmark the satisfaction surveys of customer_service_optimization.

The script installs the addon into a fresh database and fills it with SQL.
The data are ``--tickets`` closed tickets over ``--teams`` teams, each closed
``--closings`` times with a survey per closing. 80 % of the surveys are
answered, and each ticket has two SLA timers. The script then measures, each
step in its own Python process:

``report``   the satisfaction report's figures (CSAT, average score, NPS,
             response rate, counts) grouped by team and month, and by SLA
             outcome and month, read by a helpdesk manager and by a team agent
             through ``_read_group`` as the pivot view does, so record rules apply;
``digest``   ``helpdesk.ticket.team._cron_send_survey_digests()`` for every
             team, called again while teams remain as the cron runner does,
             then rolled back;
``landing``  an Odoo server started on 127.0.0.1 with ``--workers``; ``--clients``
             threads open survey links (``GET /cso/survey/<token>?score=N``)
             for ``--duration`` seconds, each request timed from send to last byte.

Only 127.0.0.1 is contacted: PostgreSQL through ``--db-host`` and the local
Odoo server. ``all`` writes ``RESULTS.md`` and ``results.json`` next to this file.

Usage (from the repository root; about 5 minutes on two cores)::

    python3 benchmarks/cso_survey/run_benchmark.py all --database cso_survey_bench
    python3 benchmarks/cso_survey/run_benchmark.py landing --database cso_survey_bench --skip-setup
"""

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import secrets
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[1]
STEPS = ("report", "digest", "landing")

# Share of the generated surveys that get an answer.
ANSWERED_SHARE = 0.8
# Targets on a 2-core machine.
REPORT_MAX_SECONDS = 2.0
DIGEST_MAX_SECONDS = 30.0
LANDING_P95_MAX_MS = 150.0


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("all", "generate", "results", *STEPS))
    parser.add_argument("--database", default="cso_survey_bench")
    parser.add_argument("--db-host", default=os.environ.get("ODOO_DB_HOST", "127.0.0.1"))
    parser.add_argument("--db-user", default=os.environ.get("ODOO_DB_USER", "odoo"))
    parser.add_argument("--addons-path", default=str(REPOSITORY), help="Odoo addons path that contains the addon.")
    parser.add_argument("--tickets", type=int, default=50000)
    parser.add_argument("--closings", type=int, default=5, help="Surveys per ticket, 80 %% of them answered.")
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--months", type=int, default=24, help="Months over which the surveys are spread.")
    parser.add_argument("--link-tokens", type=int, default=2000, help="Surveys left open with a known link token.")
    parser.add_argument("--runs", type=int, default=5, help="Repetitions of each report query.")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0, help="Seconds of load on the landing page.")
    parser.add_argument("--workers", type=int, default=3, help="Odoo HTTP worker processes for the landing test.")
    parser.add_argument(
        "--think-ms",
        type=int,
        nargs="+",
        default=[0, 1000],
        help="Pause of each client between two requests; each value is one landing run (0: back to back).",
    )
    parser.add_argument("--http-port", type=int, default=18571)
    parser.add_argument("--skip-setup", action="store_true", help="Reuse the database of a previous run.")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    return parser.parse_args()


def odoo_arguments(args):
    return ["--db_host", args.db_host, "--db_user", args.db_user, f"--addons-path={args.addons_path}"]


def tokens_path(args):
    return Path("/tmp") / f"{args.database}_tokens.txt"


# ----------------------------------------------------------------------
# Parent process
# ----------------------------------------------------------------------


def set_up_database(args):
    subprocess.run(["dropdb", "-h", args.db_host, "-U", args.db_user, "--if-exists", args.database], check=True)
    command = [
        "odoo",
        "-d",
        args.database,
        *odoo_arguments(args),
        "-i",
        "customer_service_optimization",
        "--without-demo=all",
        "--stop-after-init",
        "--log-level=warn",
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    print(f"database {args.database} installed in {time.perf_counter() - started:.0f} s", flush=True)


def run_step(args, step):
    command = [sys.executable, __file__, args.command, "--step", step, *sys.argv[2:]]
    completed = subprocess.run(command, check=True, capture_output=True, text=True)
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    sys.stderr.write(completed.stdout + completed.stderr)
    raise RuntimeError(f"step {step} printed no result")


def main():
    args = parse_arguments()
    if args.step:
        return run_child(args)
    if args.command == "results":
        write_markdown(json.loads((HERE / "results.json").read_text()))
        return 0
    results = {}
    if args.command in ("all", "generate") and not args.skip_setup:
        set_up_database(args)
        results["generate"] = run_step(args, "generate")
        print(f"generated: {results['generate']}", flush=True)
    if args.command == "all":
        steps = STEPS
    elif args.command == "generate":
        steps = ()
    else:
        steps = (args.command,)
    for step in steps:
        if step == "landing":
            for think_ms in args.think_ms:
                results[f"landing_think_{think_ms}ms"] = run_landing(args, think_ms)
                print(f"landing, {think_ms} ms pause: {json.dumps(results[f'landing_think_{think_ms}ms'])}", flush=True)
            continue
        results[step] = run_step(args, step)
        print(f"{step}: {json.dumps(results[step])}", flush=True)
    if args.command == "all":
        write_results(args, results)
    return 0


# ----------------------------------------------------------------------
# Child process: one step against the database
# ----------------------------------------------------------------------


def run_child(args):
    import odoo
    from odoo.tools import config

    config.parse_config(["-d", args.database, *odoo_arguments(args), "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        details = globals()[f"step_{args.step}"](env, args)
    details["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    print("RESULT " + json.dumps(details, default=str))
    return 0


def step_generate(env, args):
    """Fill the database: users, teams, customers with SQL-inserted tickets, SLA timers and surveys."""
    from odoo import Command

    started = time.perf_counter()
    cr = env.cr
    rng = random.Random(args.seed)
    company = env.company
    now = datetime.utcnow().replace(microsecond=0)
    first_day = (now - timedelta(days=30 * args.months)).replace(hour=0, minute=0, second=0)

    users = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            [
                {
                    "name": f"Agent {number}",
                    "login": f"bench_agent_{number}",
                    "email": f"agent{number}@bench.example.com",
                    "groups_id": [Command.set([env.ref("helpdesk_mgmt.group_helpdesk_user_team").id])],
                }
                for number in range(args.teams * 3)
            ]
        )
    )
    teams = env["helpdesk.ticket.team"].create(
        [
            {
                "name": f"Team {number}",
                "user_id": users[number * 3].id,
                "user_ids": [Command.set(users[number * 3 : number * 3 + 3].ids)],
                "survey_enabled": True,
            }
            for number in range(args.teams)
        ]
    )
    tiers = env["cso.customer.tier"].create([{"name": name} for name in ("Bench Standard", "Bench Gold", "Bench Key")])
    customers = env["res.partner"].create(
        [
            {"name": f"Customer {number}", "is_company": True, "customer_tier_id": tiers[number % 3].id}
            for number in range(2000)
        ]
    )
    contacts = env["res.partner"].create(
        [
            {"name": f"Contact {number}", "parent_id": customer.id, "email": f"contact{number}@bench.example.com"}
            for number, customer in enumerate(customers)
        ]
    )
    categories = env["helpdesk.ticket.category"].create([{"name": f"Category {number}"} for number in range(8)])
    policy = env["cso.sla.policy"].create({"name": "Bench policy", "first_response_hours": 4, "resolution_hours": 16})
    stage_done = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
    reasons = env["cso.survey.reason"].search([])
    env.flush_all()

    ticket_rows = []
    for number in range(args.tickets):
        team_index = number % args.teams
        contact = contacts[rng.randrange(len(contacts))]
        created = first_day + timedelta(seconds=rng.randrange(30 * args.months * 86400))
        ticket_rows.append(
            (
                f"Bench ticket {number}",
                "<p>Generated.</p>",
                f"BT{number:06d}",
                company.id,
                teams[team_index].id,
                users[team_index * 3 + rng.randrange(3)].id,
                stage_done.id,
                contact.id,
                contact.parent_id.id,
                categories[rng.randrange(len(categories))].id,
                str(rng.randrange(4)),
                created,
                args.closings,
            )
        )
    cr.execute("SELECT nextval('helpdesk_ticket_id_seq')")
    _copy(
        cr,
        "helpdesk_ticket",
        (
            "name",
            "description",
            "number",
            "company_id",
            "team_id",
            "user_id",
            "stage_id",
            "partner_id",
            "commercial_partner_id",
            "category_id",
            "priority",
            "create_date",
            "survey_closing_count",
        ),
        ticket_rows,
    )
    cr.execute(
        "UPDATE helpdesk_ticket SET active = true, write_date = create_date, closed_date = create_date, "
        "last_stage_update = create_date WHERE number LIKE 'BT%%'"
    )
    cr.execute(
        "SELECT id, team_id, user_id, partner_id, category_id, create_date FROM helpdesk_ticket WHERE number LIKE 'BT%%'"
    )
    tickets = cr.fetchall()

    timer_rows = []
    for ticket_id, _team, _user, _partner, _category, created in tickets:
        breached = rng.random() < 0.15
        timer_rows.append((ticket_id, policy.id, "first_response", "achieved", created, created, 0, company.id))
        resolution_state = "breached" if breached else "achieved"
        timer_rows.append((ticket_id, policy.id, "resolution", resolution_state, created, created, 0, company.id))
    _copy(
        cr,
        "cso_sla_timer",
        ("ticket_id", "policy_id", "kind", "state", "start_at", "stop_at", "cycle", "company_id"),
        timer_rows,
    )

    survey_count = len(tickets) * args.closings
    answered_indexes = set(rng.sample(range(survey_count), int(survey_count * ANSWERED_SHARE)))
    survey_rows = []
    for ticket_id, team_id, user_id, partner_id, category_id, created in tickets:
        for closing in range(1, args.closings + 1):
            sent = min(created + timedelta(days=rng.randrange(0, 90), hours=rng.randrange(24)), now - timedelta(days=1))
            answered = len(survey_rows) in answered_indexes
            score = rng.choices((1, 2, 3, 4, 5), weights=(6, 7, 12, 35, 40))[0] if answered else None
            nps = rng.randrange(11) if answered and rng.random() < 0.7 else None
            reason = reasons[rng.randrange(len(reasons))].id if score and score <= 3 and rng.random() < 0.7 else None
            comment = f"Generated comment {ticket_id}-{closing}" if answered and rng.random() < 0.2 else None
            low = bool(score and score <= 2)
            followup = None
            if low:
                followup = (
                    "open" if sent > now - timedelta(days=21) else rng.choice(("contacted", "resolved", "unreachable"))
                )
            survey_rows.append(
                (
                    ticket_id,
                    closing,
                    partner_id,
                    company.id,
                    team_id,
                    user_id,
                    category_id,
                    "answered" if answered else "expired",
                    sent,
                    sent,
                    sent,
                    sent + timedelta(days=30),
                    sent + timedelta(hours=5) if answered else None,
                    str(score) if score else None,
                    str(nps) if nps is not None else None,
                    reason,
                    comment,
                    low,
                    followup,
                    sent + timedelta(days=1) if followup else None,
                )
            )
    _copy(
        cr,
        "cso_survey",
        (
            "ticket_id",
            "closing_number",
            "partner_id",
            "company_id",
            "team_id",
            "user_id",
            "category_id",
            "state",
            "closed_at",
            "scheduled_at",
            "sent_at",
            "expires_at",
            "answered_at",
            "score",
            "nps_score",
            "reason_id",
            "comment",
            "is_low_score",
            "followup_state",
            "followup_deadline",
        ),
        survey_rows,
    )

    # Open links with known tokens for the landing page test: unanswered surveys put back to "sent".
    cr.execute("SELECT id FROM cso_survey WHERE state = 'expired' ORDER BY id DESC LIMIT %s", [args.link_tokens])
    link_ids = [row[0] for row in cr.fetchall()]
    tokens = [secrets.token_urlsafe(32) for _id in link_ids]
    cr.executemany(
        "UPDATE cso_survey SET state = 'sent', "
        "expires_at = now() at time zone 'UTC' + interval '30 days', token_digest = %s WHERE id = %s",
        [
            (hashlib.sha256(token.encode()).hexdigest(), survey_id)
            for token, survey_id in zip(tokens, link_ids, strict=True)
        ],
    )
    tokens_path(args).write_text("\n".join(tokens) + "\n")
    params = env["ir.config_parameter"]
    # The load test comes from one address: lift the per-address limit for it.
    params.set_param("customer_service_optimization.survey_rate_limit_address", "1000000")
    cr.execute("ANALYZE")
    cr.commit()
    cr.execute("SELECT count(*), count(score) FROM cso_survey")
    surveys, answers = cr.fetchone()
    return {
        "tickets": len(tickets),
        "surveys": surveys,
        "answers": answers,
        "timers": len(timer_rows),
        "teams": len(teams),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _copy(cr, table, columns, rows):
    """Insert ``rows`` into ``table`` with COPY, the fastest bulk insert PostgreSQL offers."""
    import io

    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_value(value) for value in row) + "\n")
    buffer.seek(0)
    cr._obj.copy_from(buffer, table, columns=columns, null="\\N")


def _copy_value(value):
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def step_report(env, args):
    """Time the report figures by team and month, and by SLA outcome and month, for two users."""
    aggregates = [
        "sent_count:sum",
        "answered_count:sum",
        "csat:avg",
        "average_score:avg",
        "nps:avg",
        "response_rate:avg",
    ]
    manager = env.ref("base.user_admin")
    team = env["helpdesk.ticket.team"].search([("name", "=", "Team 0")])
    agent = team.user_ids.filtered(lambda user: user != team.user_id)[:1]
    results = {}
    for label, user in (("manager", manager), ("team_agent", agent)):
        Report = env["cso.survey.report"].with_user(user)
        for groupby_label, groupby in (
            ("team_month", ["team_id", "sent_at:month"]),
            ("sla_month", ["sla_outcome", "sent_at:month"]),
        ):
            timings, groups = [], None
            for _run in range(args.runs):
                env.invalidate_all()
                started = time.perf_counter()
                groups = Report._read_group([], groupby, aggregates)
                timings.append(time.perf_counter() - started)
            results[f"{label}_{groupby_label}"] = {
                "median_s": round(statistics.median(timings), 3),
                "max_s": round(max(timings), 3),
                "groups": len(groups),
            }
    return results


def step_digest(env, args):
    """Time the weekly digest of every team, as the cron runner calls it until no team remains."""
    Team = env["helpdesk.ticket.team"]
    cr = env.cr
    cr.execute("SELECT max(sent_at) FROM cso_survey")
    today = cr.fetchone()[0].date() + timedelta(days=1)
    savepoint_started = time.perf_counter()
    with cr.savepoint(flush=False) as savepoint:
        sent, calls = 0, 0
        started = time.perf_counter()
        while True:
            calls += 1
            count = Team._cron_send_survey_digests(today=today)
            sent += count
            env.flush_all()
            if not count:
                break
        elapsed = time.perf_counter() - started
        mails = env["mail.mail"].search_count([("model", "=", "helpdesk.ticket.team")])
        savepoint.rollback()
    return {
        "seconds": round(elapsed, 2),
        "digests": sent,
        "cron_calls": calls,
        "mails_queued": mails,
        "week_of": str(today),
        "with_rollback_s": round(time.perf_counter() - savepoint_started, 2),
    }


# ----------------------------------------------------------------------
# Landing page load test against a local server
# ----------------------------------------------------------------------


def run_landing(args, think_ms):
    """Serve the database on 127.0.0.1 and time survey link requests from ``--clients`` threads.

    Each client sends its next request ``think_ms`` milliseconds after the
    previous response, or at once for 0 (a closed loop, the heaviest load).
    """
    import requests

    tokens = tokens_path(args).read_text().split()
    log = open(Path("/tmp") / f"{args.database}_server.log", "w")  # noqa: SIM115 - closed after the server stops
    server = subprocess.Popen(
        [
            "odoo",
            "-d",
            args.database,
            *odoo_arguments(args),
            "--http-interface=127.0.0.1",
            f"--http-port={args.http_port}",
            f"--workers={args.workers}",
            "--max-cron-threads=0",
            # With -d and no --db-filter, Odoo takes the database from the command line instead of
            # listing the databases (a new PostgreSQL connection) on every request without a session.
            "--log-level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{args.http_port}"
    try:
        _wait_for_server(base, server)
        # Warm up every worker: templates compiled, caches filled.
        warm = requests.Session()
        for token in tokens[:200]:
            warm.get(f"{base}/cso/survey/{token}?score=5", timeout=10)

        latencies, statuses = [], {}
        lock = threading.Lock()
        stop_at = time.perf_counter() + args.duration

        def client(index):
            session = requests.Session()
            local_rng = random.Random(args.seed + index)
            local, local_statuses = [], {}
            while time.perf_counter() < stop_at:
                token = tokens[local_rng.randrange(len(tokens))]
                started = time.perf_counter()
                response = session.get(f"{base}/cso/survey/{token}?score={local_rng.randint(1, 5)}", timeout=30)
                _body = response.content
                local.append(time.perf_counter() - started)
                local_statuses[response.status_code] = local_statuses.get(response.status_code, 0) + 1
                if think_ms:
                    time.sleep(think_ms / 1000 * local_rng.uniform(0.5, 1.5))
            with lock:
                latencies.extend(local)
                for status, count in local_statuses.items():
                    statuses[status] = statuses.get(status, 0) + count

        threads = [threading.Thread(target=client, args=(index,)) for index in range(args.clients)]
        client_cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        client_cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    latencies.sort()
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(_percentile(latencies, 95) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 99) * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "statuses": statuses,
        "client_cpu_s": round(
            client_cpu_after.ru_utime
            + client_cpu_after.ru_stime
            - client_cpu_before.ru_utime
            - client_cpu_before.ru_stime,
            1,
        ),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
        "clients": args.clients,
        "think_ms": think_ms,
        "workers": args.workers,
        "duration_s": args.duration,
    }


def _wait_for_server(base, server):
    import requests

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the Odoo server stopped during start-up; see its log in /tmp")
        try:
            requests.get(f"{base}/web/health", timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise RuntimeError("the Odoo server did not respond within 120 seconds; see its log in /tmp")


def _percentile(sorted_values, percent):
    """Return the ``percent`` percentile of ``sorted_values`` by the nearest-rank method."""
    rank = max(1, round(percent / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


# ----------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------


def write_results(args, results):
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    payload = {
        "date": str(date.today()),
        "machine": {"cpu": cpu, "cores": os.cpu_count()},
        "arguments": {key: value for key, value in vars(args).items() if key != "step"},
        "results": results,
    }
    (HERE / "results.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    write_markdown(payload)


def _landing_notes(results, cores):
    """Return the RESULTS.md paragraph that explains the back-to-back landing figures."""
    closed_loop = results.get("landing_think_0ms")
    if not closed_loop:
        return []
    cpu_ms = cores * 1000 / closed_loop["requests_per_s"]
    return [
        f"Back to back, the {closed_loop['clients']} clients keep every worker busy, so a response time is mostly "
        "time spent waiting for a worker: the throughput, not the page, sets it. At "
        f"{closed_loop['requests_per_s']} requests a second on {cores} cores, one request costs about "
        f"{cpu_ms:.0f} ms of CPU across Odoo, PostgreSQL and the clients. The survey pages render with "
        "QWeb's minimal values (`minimal_qcontext`), which skips reading the public user's company on "
        "every request. With a one-second pause per client, the server is idle most of the time.",
        "",
    ]


def write_markdown(payload):
    """Write RESULTS.md from the payload of ``results.json``: one table of measured values against targets."""
    results = payload["results"]
    arguments = payload["arguments"]

    rows = []
    for key, label in (
        ("manager_team_month", "Report figures by team and month, helpdesk manager"),
        ("manager_sla_month", "Report figures by SLA outcome and month, helpdesk manager"),
        ("team_agent_team_month", "Report figures by team and month, team agent (record rules)"),
        ("team_agent_sla_month", "Report figures by SLA outcome and month, team agent (record rules)"),
    ):
        measured = results["report"][key]
        verdict = "met" if measured["max_s"] <= REPORT_MAX_SECONDS else "missed"
        rows.append(
            f"| {label} | median {measured['median_s']} s, max {measured['max_s']} s ({measured['groups']} groups) "
            f"| at most {REPORT_MAX_SECONDS:g} s | {verdict} |"
        )

    digest = results["digest"]
    verdict = "met" if digest["seconds"] <= DIGEST_MAX_SECONDS else "missed"
    rows.append(
        f"| Weekly digest of {digest['digests']} teams ({digest['cron_calls']} cron calls) | {digest['seconds']} s "
        f"| at most {DIGEST_MAX_SECONDS:g} s | {verdict} |"
    )

    for key, landing in results.items():
        if not key.startswith("landing"):
            continue
        pause = "back to back" if not landing["think_ms"] else f"{landing['think_ms']} ms pause (0.5x to 1.5x)"
        verdict = "met" if landing["p95_ms"] <= LANDING_P95_MAX_MS else "missed"
        rows.append(
            f"| Survey link, {landing['clients']} clients, {pause}, {landing['workers']} workers "
            f"| p95 {landing['p95_ms']} ms (p50 {landing['p50_ms']}, p99 {landing['p99_ms']}, "
            f"{landing['requests_per_s']} requests/s) | p95 at most {LANDING_P95_MAX_MS:g} ms | {verdict} |"
        )

    generated = results.get("generate", {})
    lines = [
        "# Satisfaction survey benchmark",
        "",
        f"Measured on {payload['date']} with `benchmarks/cso_survey/run_benchmark.py all` on "
        f"{payload['machine']['cpu']}, {payload['machine']['cores']} cores, with PostgreSQL, the Odoo server "
        "and the load clients on the same machine. The load average after each step is in results.json: "
        "a value above the number of cores means other programs shared the CPU during the step.",
        "",
        f"Data: {arguments['tickets']} closed tickets of {arguments['teams']} teams, {arguments['closings']} surveys "
        f"per ticket over {arguments['months']} months, 80 % of them answered "
        f"({generated.get('answers', 'see results.json')} answers), two SLA timers per ticket.",
        "",
        "| Measurement | Result | Target | |",
        "|---|---|---|---|",
        *rows,
        "",
        "Report figures are `_read_group` calls on `cso.survey.report` as the pivot view makes them, "
        "timed over several runs. The digest runs `_cron_send_survey_digests` until no team is left and is "
        "rolled back. The survey link requests are `GET /cso/survey/<token>?score=N` on random open links; "
        "each client sends its next request after the pause, or at once when back to back.",
        "",
        *_landing_notes(results, payload["machine"]["cores"]),
    ]
    (HERE / "RESULTS.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
