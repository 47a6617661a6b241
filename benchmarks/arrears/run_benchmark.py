"""Time arrears_management against OCA account_credit_control on the same receivables book.

For each book size the driver prepares a database (a copy of a template with
both addons installed, then the book from generate_book.py) and runs every
measurement in a fresh Python process, so peak memory belongs to that run:

* ``arrears-escalate``: ``arrears.reminder._cron_escalate()``, which ages every
  open due line and decides and queues the reminders of every company;
* ``oca-run``: a ``credit.control.run`` dated on the same day with one policy
  (levels at 7, 21 and 45 days after the due date, set as the company's
  default policy), computed with its "Compute Credit Lines" button method
  ``generate_credit_lines()``;
* ``arrears-deliver``: the email reminders queued by one committed escalation
  run, delivered in batches of 500 with ``arrears.reminder._deliver()``, the
  method each ``_cron_deliver`` batch calls. Only email-channel reminders are
  selected, so no letter PDF (wkhtmltopdf), SMS or call is part of the email
  rate. The rate is mail.mail records created per second.

Each measurement reports wall time, the SQL queries its cursor executed
(``Cursor.sql_log_count``), the time spent in those queries, and the peak
resident memory of the process during the run (sampled every 5 ms with psutil)
minus the memory before it. The work is flushed to the database inside the
timed window and then rolled back, so repeated runs see the same book. The
escalation run used by the delivery measurement is the only one committed.

Usage (from the repository root)::

    python3 benchmarks/arrears/run_benchmark.py all --sizes 10000 20000 --runs 2
    python3 benchmarks/arrears/run_benchmark.py measure --db bench_arrears_20k --target arrears-escalate --profile /tmp/escalate.prof

``all`` writes benchmarks/arrears/RESULTS.md and results.json.
"""

import argparse
import cProfile
import gc
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_odoo  # noqa: E402

TEMPLATE_DB = "bench_arrears_template"
ADDONS = "arrears_management,account_credit_control"
TARGETS = ("arrears-escalate", "oca-run", "arrears-deliver")
DELIVERY_BATCH = 500
PG = ["-h", os.environ.get("ODOO_DB_HOST", "127.0.0.1"), "-U", os.environ.get("ODOO_DB_USER", "odoo")]

# Performance targets of arrears_management on a 2-core machine.
ESCALATE_MAX_SECONDS = 5.0
ESCALATE_MAX_MB = 500
EMAILS_MIN_PER_SECOND = 50
MIN_SPEEDUP_OVER_OCA = 5.0


# ----------------------------------------------------------------------
# Measurement inside one process
# ----------------------------------------------------------------------


class QueryBreakdown:
    """Count SQL queries and their time per calling function of the product under test.

    Installed as an Odoo query hook (``threading.current_thread().query_hooks``).
    Each query goes to the innermost stack frame whose file is under one of
    ``roots``, or to "(other)" when no such frame calls it.
    """

    def __init__(self, roots):
        self.roots = tuple(str(root) for root in roots)
        self.by_function = {}

    def __call__(self, cursor, query, params, start, delay):
        frame = sys._getframe(1)
        key = "(other)"
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename.startswith(self.roots):
                key = f"{Path(filename).name}:{frame.f_code.co_name}"
                break
            frame = frame.f_back
        count, seconds = self.by_function.get(key, (0, 0.0))
        self.by_function[key] = (count + 1, seconds + delay)

    def top(self, limit=15):
        """Return the ``limit`` functions that spent the most time in SQL."""
        ordered = sorted(self.by_function.items(), key=lambda item: item[1][1], reverse=True)
        return [
            {"function": key, "queries": count, "sql_seconds": round(seconds, 3)}
            for key, (count, seconds) in ordered[:limit]
        ]


class PeakRssSampler:
    """Sample this process's resident memory in a background thread and keep the maximum."""

    def __init__(self, interval=0.005):
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.baseline = self._process.memory_info().rss
        self.peak = self.baseline
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(self._interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def book_today(env):
    value = env["ir.config_parameter"].get_param("bench_arrears.today")
    if not value:
        raise SystemExit(f"Database {env.cr.dbname} has no book: run generate_book.py on it first.")
    return date.fromisoformat(value)


def run_arrears_escalate(env, today):
    """Queue today's reminders of every company the way the daily cron does."""
    companies = env["res.company"].search([])
    if all(company._arrears_today() == today for company in companies):
        queued = env["arrears.reminder"]._cron_escalate()
        return {"reminders_queued": queued}
    # The book was generated for another day (the run crossed midnight), so age
    # it against the book's day through the per-company method the cron calls.
    queued = 0
    for company in companies:
        queued += len(env["arrears.reminder"].with_company(company)._escalate_company(company, today=today))
    return {"reminders_queued": queued, "note": f"_escalate_company(today={today}) instead of _cron_escalate"}


def oca_policy(env):
    """Return the benchmark's credit control policy, creating it and making it the company default."""
    policy = env["credit.control.policy"].search([("name", "=", "Benchmark policy")], limit=1)
    if policy:
        return policy
    company = env.company
    receivable = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.id)]
    )
    template = env.ref("account_credit_control.email_template_credit_control_base")
    levels = [(1, 7, "email"), (2, 21, "email"), (3, 45, "letter")]
    policy = env["credit.control.policy"].create(
        {
            "name": "Benchmark policy",
            "account_ids": [(6, 0, receivable.ids)],
            "level_ids": [
                (
                    0,
                    0,
                    {
                        "name": f"Level {level}",
                        "level": level,
                        "computation_mode": "net_days",
                        "delay_days": days,
                        "channel": channel,
                        "email_template_id": template.id,
                        "custom_text": f"Reminder level {level}",
                        "custom_mail_text": f"<p>Reminder level {level}</p>",
                    },
                )
                for level, days, channel in levels
            ],
        }
    )
    company.credit_policy_id = policy
    return policy


def run_oca(env, today, policy):
    run = env["credit.control.run"].create({"date": today, "policy_ids": [(6, 0, policy.ids)]})
    env.flush_all()
    return run, lambda: {"credit_lines": len(run.generate_credit_lines() and run.line_ids)}


def run_arrears_deliver(env, max_emails):
    """Deliver the queued email reminders in batches of DELIVERY_BATCH; count the mail.mail records created."""
    Reminder = env["arrears.reminder"]
    domain = Reminder._deliverable_domain() + [("channel", "=", "email")]
    reminders = Reminder.search(domain, order="next_attempt_at, id", limit=max_emails or None)
    if not reminders:
        raise SystemExit(
            f"Database {env.cr.dbname} has no queued email reminder: run 'measure --target arrears-escalate --commit' on it first."
        )
    last_mail_id = env["mail.mail"].search([], order="id desc", limit=1).id or 0

    def deliver():
        for start in range(0, len(reminders), DELIVERY_BATCH):
            reminders[start : start + DELIVERY_BATCH]._deliver()
        env.flush_all()
        states = dict(Reminder._read_group([("id", "in", reminders.ids)], ["state"], ["__count"]))
        return {
            "email_reminders": len(reminders),
            "mails_created": env["mail.mail"].search_count([("id", ">", last_mail_id)]),
            "reminder_states": states,
        }

    return deliver


def product_roots(target):
    """Return the source folders whose functions a query breakdown of ``target`` attributes queries to."""
    if target == "oca-run":
        import odoo.addons.account_credit_control as credit_control

        return list(credit_control.__path__)
    return [bench_odoo.REPO_ROOT / "arrears_management"]


def measure(db_name, target, profile_path=None, commit=False, max_emails=0, query_breakdown=False):
    """Run one target on ``db_name`` and return its metrics as a dict."""
    bench_odoo.configure(db_name)
    with bench_odoo.open_env(db_name) as env:
        today = book_today(env)
        if target == "arrears-escalate":
            work = lambda: run_arrears_escalate(env, today)  # noqa: E731
        elif target == "oca-run":
            policy = oca_policy(env)
            env.cr.commit()
            _run, work = run_oca(env, today, policy)
        elif target == "arrears-deliver":
            work = run_arrears_deliver(env, max_emails)
        else:
            raise SystemExit(f"Unknown target {target!r}: use one of {', '.join(TARGETS)}.")

        env.flush_all()
        env.invalidate_all()
        gc.collect()
        thread = threading.current_thread()
        thread.query_count, thread.query_time = 0, 0.0
        queries_before = env.cr.sql_log_count
        breakdown = QueryBreakdown(product_roots(target)) if query_breakdown else None
        if breakdown:
            thread.query_hooks = [breakdown]
        profiler = cProfile.Profile() if profile_path else None
        load_before = os.getloadavg()[0]
        with PeakRssSampler() as memory:
            cpu_started = time.process_time()
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            details = work()
            env.flush_all()
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu_started
        queries = env.cr.sql_log_count - queries_before
        if breakdown:
            thread.query_hooks = []
        if profiler:
            profiler.dump_stats(profile_path)
        if commit:
            env.cr.commit()
        result = {
            "db": db_name,
            "target": target,
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu_seconds, 3),
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
            "queries": queries,
            "sql_seconds": round(thread.query_time, 3),
            "rss_before_mb": round(memory.baseline / 2**20, 1),
            "rss_peak_mb": round(memory.peak / 2**20, 1),
            "rss_delta_mb": round((memory.peak - memory.baseline) / 2**20, 1),
            "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "committed": commit,
        }
        result.update(details)
        if breakdown:
            result["queries_by_function"] = breakdown.top()
        if target == "arrears-deliver":
            result["emails_per_second"] = round(details["mails_created"] / seconds, 1)
        return result


# ----------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------


def run_quiet(command, **kwargs):
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, check=True, **kwargs)


def database_exists(name):
    output = subprocess.run(
        ["psql", *PG, "-d", "postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return output.strip() == "1"


def odoo_command(db_name, *options):
    return [
        "odoo",
        "-d",
        db_name,
        "--db_host",
        PG[1],
        "--db_user",
        PG[3],
        f"--addons-path={bench_odoo.REPO_ROOT}",
        "--without-demo=all",
        "--stop-after-init",
        "--log-level=warn",
        *options,
    ]


def upgrade_addons(db_name):
    """Update both addons in ``db_name`` so its schema matches the source being measured."""
    run_quiet(odoo_command(db_name, "-u", ADDONS))


def prepare_template():
    if database_exists(TEMPLATE_DB):
        upgrade_addons(TEMPLATE_DB)
        return
    run_quiet(odoo_command(TEMPLATE_DB, "-i", ADDONS))


def prepare_book(size, seed, today, reuse):
    """Create the database of one book size from the template and generate its book; return the database name."""
    db_name = f"bench_arrears_{size // 1000}k"
    if reuse and database_exists(db_name):
        print(f"Reusing existing database {db_name}", flush=True)
        upgrade_addons(db_name)
        return db_name
    subprocess.run(["dropdb", *PG, "--if-exists", db_name], check=True)
    run_quiet(["createdb", *PG, "-T", TEMPLATE_DB, db_name])
    run_quiet(
        [
            sys.executable,
            str(HERE / "generate_book.py"),
            "--db",
            db_name,
            "--invoices",
            str(size),
            "--seed",
            str(seed),
            "--today",
            today.isoformat(),
        ]
    )
    # Refresh the planner statistics as autovacuum would on a live database,
    # because right after the bulk load they still describe the empty template.
    run_quiet(["psql", *PG, "-d", db_name, "-qc", "VACUUM ANALYZE"])
    return db_name


def measure_in_subprocess(db_name, target, commit=False, max_emails=0):
    command = [sys.executable, __file__, "measure", "--db", db_name, "--target", target, "--json"]
    if commit:
        command.append("--commit")
    if max_emails:
        command += ["--max-emails", str(max_emails)]
    print("+", " ".join(command), flush=True)
    output = subprocess.run(command, check=True, capture_output=True, text=True)
    result = json.loads(output.stdout.strip().splitlines()[-1])
    print(f"  {format_result(result)}", flush=True)
    return result


def format_result(result):
    text = (
        f"{result['target']}: {result['seconds']:.2f} s ({result['cpu_seconds']:.2f} s CPU, "
        f"load {result['load_before']:.1f}), {result['queries']} queries "
        f"({result['sql_seconds']:.2f} s in SQL), peak RSS {result['rss_peak_mb']:.0f} MB "
        f"(+{result['rss_delta_mb']:.0f} MB)"
    )
    if "emails_per_second" in result:
        text += f", {result['mails_created']} emails, {result['emails_per_second']:.1f} emails/s"
    if "reminders_queued" in result:
        text += f", {result['reminders_queued']} reminders queued"
    if "credit_lines" in result:
        text += f", {result['credit_lines']} credit lines"
    return text


def book_figures(db_name):
    """Return counts that describe the generated book, straight from SQL."""
    query = """
        SELECT (SELECT count(*) FROM res_partner WHERE customer_rank > 0 AND parent_id IS NULL),
               (SELECT count(*) FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted'),
               (SELECT count(*) FROM account_move_line aml JOIN account_account acc ON acc.id = aml.account_id
                 WHERE acc.account_type = 'asset_receivable' AND aml.move_id IN
                       (SELECT id FROM account_move WHERE move_type = 'out_invoice')
                   AND NOT aml.reconciled AND aml.amount_residual > 0 AND aml.date_maturity < %(today)s),
               (SELECT count(*) FROM account_move WHERE move_type = 'out_invoice' AND payment_state = 'partial'),
               (SELECT count(*) FROM account_move WHERE move_type = 'out_invoice' AND payment_state IN ('paid', 'in_payment'))
    """
    import odoo

    bench_odoo.configure(db_name)
    with bench_odoo.open_env(db_name) as env:
        today = book_today(env)
        env.cr.execute(query, {"today": today})
        customers, invoices, overdue, partial, paid = env.cr.fetchone()
        env.cr.execute(
            """
            SELECT CASE WHEN %(today)s - aml.date_maturity <= 30 THEN '1-30'
                        WHEN %(today)s - aml.date_maturity <= 60 THEN '31-60'
                        WHEN %(today)s - aml.date_maturity <= 90 THEN '61-90'
                        ELSE 'over 90' END, count(*)
              FROM account_move_line aml
              JOIN account_account acc ON acc.id = aml.account_id
              JOIN account_move move ON move.id = aml.move_id
             WHERE acc.account_type = 'asset_receivable' AND move.move_type = 'out_invoice'
               AND NOT aml.reconciled AND aml.amount_residual > 0 AND aml.date_maturity < %(today)s
             GROUP BY 1 ORDER BY 1
            """,
            {"today": today},
        )
        buckets = dict(env.cr.fetchall())
        generation_seconds = env["ir.config_parameter"].get_param("bench_arrears.generation_seconds")
    # Close this process's connections, because createdb cannot copy a database that has any.
    odoo.modules.registry.Registry.delete(db_name)
    odoo.sql_db.close_db(db_name)
    return {
        "today": today.isoformat(),
        "generation_seconds": float(generation_seconds) if generation_seconds else None,
        "customers": customers,
        "invoices": invoices,
        "overdue_open": overdue,
        "partially_paid": partial,
        "paid": paid,
        "overdue_buckets": buckets,
    }


def source_digest(folder):
    """Return a SHA-256 over the paths and contents of the source files in ``folder``, to identify the code measured."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and path.suffix in (".py", ".xml", ".csv"):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def machine_description():
    cpu_model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    postgres = subprocess.run(
        ["psql", *PG, "-d", "postgres", "-Atc", "SHOW server_version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    import odoo.release

    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(total_kb / 2**20, 1),
        "cpu_model": cpu_model,
        "python": platform.python_version(),
        "odoo": odoo.release.version,
        "postgresql": postgres,
    }


def run_all(args):
    today = args.today
    prepare_template()
    report = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_description(),
        "arrears_management_digest": source_digest(bench_odoo.REPO_ROOT / "arrears_management"),
    }
    report["books"] = []
    if args.keep_results and (HERE / "results.json").exists():
        previous = json.loads((HERE / "results.json").read_text(encoding="utf-8"))
        report["books"] = [book for book in previous["books"] if book["size"] not in args.sizes]
    for size in args.sizes:
        db_name = prepare_book(size, args.seed, today, args.reuse)
        book = {"size": size, "db": db_name, "figures": book_figures(db_name)}
        for target in ("arrears-escalate", "oca-run"):
            book[target] = [measure_in_subprocess(db_name, target) for _run in range(args.runs)]
        # The committed escalation run that the deliveries need goes to a copy,
        # so the book itself stays unescalated for the next benchmark.
        delivery_db = f"{db_name}_delivery"
        subprocess.run(["dropdb", *PG, "--if-exists", delivery_db], check=True)
        run_quiet(["createdb", *PG, "-T", db_name, delivery_db])
        book["queue"] = measure_in_subprocess(delivery_db, "arrears-escalate", commit=True)
        book["arrears-deliver"] = [
            measure_in_subprocess(delivery_db, "arrears-deliver", max_emails=args.max_emails)
            for _run in range(args.runs)
        ]
        report["books"].append(book)
        report["books"].sort(key=lambda entry: entry["size"])
        write_reports(report, args)
    print(render_table(report))


# ----------------------------------------------------------------------
# Reports
# ----------------------------------------------------------------------


def verdict(passed):
    return "met" if passed else "NOT met"


def render_table(report):
    header = (
        "| Invoices | Run | Product | Wall time (s) | Python CPU (s) | Load avg before | SQL queries | SQL time (s) "
        "| Peak RSS (MB) | RSS growth (MB) | Output |\n"
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    rows = []
    for book in report["books"]:
        for target, product, output_key in (
            ("arrears-escalate", "arrears_management escalation", "reminders_queued"),
            ("oca-run", "account_credit_control run", "credit_lines"),
            ("arrears-deliver", "arrears_management email delivery", "mails_created"),
        ):
            results = list(book[target])
            if target == "arrears-escalate" and book.get("queue"):
                results.append(book["queue"])
            for index, result in enumerate(results, start=1):
                output = f"{result[output_key]} {output_key.replace('_', ' ')}"
                if target == "arrears-deliver":
                    output += f" ({result['emails_per_second']:.1f}/s)"
                run_label = f"{index} (committed)" if result.get("committed") else str(index)
                rows.append(
                    f"| {book['size']:,} | {run_label} | {product} | {result['seconds']:.2f} | {result['cpu_seconds']:.2f} "
                    f"| {result['load_before']:.1f} | {result['queries']:,} "
                    f"| {result['sql_seconds']:.2f} | {result['rss_peak_mb']:.0f} | {result['rss_delta_mb']:.0f} | {output} |"
                )
    return header + "\n".join(rows) + "\n"


def render_summary(report):
    lines = [
        "| Invoices | arrears escalation, best (s) | OCA run, best (s) | Speed-up | Queries arrears / OCA | Peak RSS growth arrears / OCA (MB) | Emails/s, worst |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for book in report["books"]:
        arrears = min(book["arrears-escalate"], key=lambda result: result["seconds"])
        oca = min(book["oca-run"], key=lambda result: result["seconds"])
        speedup = oca["seconds"] / arrears["seconds"]
        email_rate = min(result["emails_per_second"] for result in book["arrears-deliver"])
        worst_seconds = max(result["seconds"] for result in book["arrears-escalate"])
        worst_mb = max(result["rss_delta_mb"] for result in book["arrears-escalate"])
        lines.append(
            f"| {book['size']:,} | {arrears['seconds']:.2f} | {oca['seconds']:.2f} | {speedup:.1f}x "
            f"| {arrears['queries']:,} / {oca['queries']:,} | {arrears['rss_delta_mb']:.0f} / {oca['rss_delta_mb']:.0f} "
            f"| {email_rate:.1f} |"
        )
        verdicts.append(
            f"- {book['size']:,} invoices: escalation at most {ESCALATE_MAX_SECONDS:.0f} s "
            f"(slowest run {worst_seconds:.2f} s): {verdict(worst_seconds <= ESCALATE_MAX_SECONDS)}; "
            f"at most {ESCALATE_MAX_MB} MB (largest growth {worst_mb:.0f} MB): {verdict(worst_mb <= ESCALATE_MAX_MB)}; "
            f"at least {MIN_SPEEDUP_OVER_OCA:.0f}x faster than OCA ({speedup:.1f}x) with fewer queries "
            f"({arrears['queries']:,} against {oca['queries']:,}): "
            f"{verdict(speedup >= MIN_SPEEDUP_OVER_OCA and arrears['queries'] < oca['queries'])}; "
            f"at least {EMAILS_MIN_PER_SECOND} emails/s (slowest run {email_rate:.1f}): "
            f"{verdict(email_rate >= EMAILS_MIN_PER_SECOND)}."
        )
    if len(report["books"]) >= 2:
        small, large = report["books"][0], report["books"][-1]
        size_ratio = large["size"] / small["size"]
        time_ratio = min(r["seconds"] for r in large["arrears-escalate"]) / min(
            r["seconds"] for r in small["arrears-escalate"]
        )
        query_ratio = large["arrears-escalate"][0]["queries"] / small["arrears-escalate"][0]["queries"]
        verdicts.append(
            f"- Growth from {small['size']:,} to {large['size']:,} invoices ({size_ratio:.1f}x the book): "
            f"escalation time {time_ratio:.2f}x, queries {query_ratio:.2f}x."
        )
    return "\n".join(lines) + "\n\n" + "\n".join(verdicts) + "\n"


def render_books(report):
    lines = [
        "| Invoices | Customers | Posted invoices | Open overdue lines (1-30 / 31-60 / 61-90 / over 90) | Partially paid | Paid | Generation (s) |",
        "|---:|---:|---:|---|---:|---:|---:|",
    ]
    for book in report["books"]:
        figures = book["figures"]
        buckets = figures["overdue_buckets"]
        spread = " / ".join(str(buckets.get(label, 0)) for label in ("1-30", "31-60", "61-90", "over 90"))
        generation = figures["generation_seconds"] if figures["generation_seconds"] is not None else "unknown"
        lines.append(
            f"| {book['size']:,} | {figures['customers']:,} | {figures['invoices']:,} | {figures['overdue_open']:,} ({spread}) "
            f"| {figures['partially_paid']:,} | {figures['paid']:,} | {generation} |"
        )
    return "\n".join(lines) + "\n"


def write_reports(report, args):
    machine = report["machine"]
    (HERE / "results.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    sizes = " ".join(str(book["size"]) for book in report["books"])
    text = f"""# arrears_management escalation benchmark: results

Generated by `run_benchmark.py all` (started {report["started"]}). Rerunning it rewrites this page.
The measured arrears_management source has digest `{report["arrears_management_digest"]}`
(SHA-256 of its .py, .xml and .csv files, see `source_digest()` in run_benchmark.py).

## Machine

{machine["nproc"]} cores ({machine["cpu_model"]}), {machine["memory_gb"]} GB memory, Python {machine["python"]},
Odoo {machine["odoo"]}, PostgreSQL {machine["postgresql"]} on 127.0.0.1.

## Books

Generated by `generate_book.py` with seed {args.seed}, aged against {report["books"][0]["figures"]["today"]}.
Generation time is the wall time of generate_book.py on this machine, whatever else ran beside it.

{render_books(report)}
## Summary

Best of {args.runs} runs for time, and the same run's queries and memory. Memory is the peak resident
memory of the measuring process during the run minus its memory just before it.
Python CPU is the measuring process's own CPU time (`time.process_time()`), without PostgreSQL's.
Other programs running on the machine slow the wall time more than it, and the 1-minute load
average taken before each run shows how busy the machine was.

{render_summary(report)}
## All runs

Every row is a separate Python process on the same book; the work is rolled back after each run,
except the escalation run marked "committed", which queues the reminders the delivery runs send.
Email delivery runs on a copy of the book (`<database>_delivery`) and covers only the
email-channel reminders of one committed escalation run there, delivered with
`_deliver()` in batches of {DELIVERY_BATCH}, so no letter PDF (wkhtmltopdf), SMS or call is included.

{render_table(report)}
## Reproduce

```sh
cd {bench_odoo.REPO_ROOT}
python3 benchmarks/arrears/run_benchmark.py all --sizes {sizes} --runs {args.runs} --seed {args.seed} --max-emails {args.max_emails}
# one measurement with a cProfile dump:
python3 benchmarks/arrears/run_benchmark.py measure --db bench_arrears_20k --target arrears-escalate --profile /tmp/escalate.prof
```
"""
    (HERE / "RESULTS.md").write_text(text, encoding="utf-8")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    everything = commands.add_parser("all", help="Prepare the books, run every measurement and write RESULTS.md.")
    everything.add_argument("--sizes", type=int, nargs="+", default=[10000, 20000], help="Invoice counts of the books.")
    everything.add_argument("--runs", type=int, default=2, help="Runs of each measurement.")
    everything.add_argument("--seed", type=int, default=18, help="Seed passed to generate_book.py.")
    everything.add_argument(
        "--today",
        type=date.fromisoformat,
        default=date.today(),
        help="Day of the run the book is aged against (YYYY-MM-DD).",
    )
    everything.add_argument(
        "--reuse",
        action="store_true",
        help="Keep an existing bench_arrears_<size>k database instead of regenerating it.",
    )
    everything.add_argument(
        "--keep-results",
        action="store_true",
        help="Keep the books of other sizes from the previous results.json in the new report.",
    )
    everything.add_argument(
        "--max-emails", type=int, default=0, help="Deliver at most this many email reminders per run (0: all)."
    )

    single = commands.add_parser("measure", help="Run one measurement in this process.")
    single.add_argument("--db", required=True, help="Database holding a generated book.")
    single.add_argument("--target", required=True, choices=TARGETS)
    single.add_argument("--profile", help="Write cProfile statistics of the timed work to this file.")
    single.add_argument("--commit", action="store_true", help="Commit the work instead of rolling it back.")
    single.add_argument("--max-emails", type=int, default=0, help="Deliver at most this many email reminders (0: all).")
    single.add_argument(
        "--query-breakdown",
        action="store_true",
        help="Also count queries per calling function of the product (adds a stack walk per query).",
    )
    single.add_argument("--json", action="store_true", help="Print the result as one JSON line.")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.command == "all":
        run_all(args)
        return
    result = measure(args.db, args.target, args.profile, args.commit, args.max_emails, args.query_breakdown)
    if args.json:
        print(json.dumps(result, default=str))
        return
    print(format_result(result))
    for row in result.get("queries_by_function", []):
        print(f"  {row['queries']:>7} queries {row['sql_seconds']:>8.3f} s  {row['function']}")


if __name__ == "__main__":
    main()
