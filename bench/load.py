"""Load: the platform's busiest pages and API calls at a constant rate, against a live server.

    eval "$(scripts/services.sh)"
    python -m bench.load                   # PostgreSQL + Redis + a Celery worker, 300,000 listings
    python -m bench.load --sqlite          # the embedded default (SQLite, no broker), 30,000

Makes (once; reused while its size matches) a database of synthetic listings with
bench.load_data — PostgreSQL database `techbridge_load` beside DATABASE_URL's, or a SQLite file
under var/bench — and its search index, then serves it as docker-compose.yml does: gunicorn with
3 (sync) workers and DEBUG off, a Celery worker (`--concurrency=2 --prefetch-multiplier=1`) on
Redis database 5 (which also holds the cache and the API throttle counts). Without `--sqlite`
it needs PostgreSQL and Redis (scripts/services.sh).

The load is open-loop: request i is due at start + i / rate whatever happened to the earlier
ones, and its latency is counted from when it was due to its last byte, so a server that falls
behind shows it in full (no coordinated omission). Each request opens its own connection
(gunicorn's sync workers close it after answering). The mix, in equal shares:

- home: `/`
- browse: `/needs/?q=<keyword>` — keyword search, one of KEYWORDS, each held by many listings
- detail: `/<needs|achievements>/<id>/` of a random live listing
- api_list: `/api/v1/achievements/?q=<keyword>` with an organization's API token
- api_matches: `/api/v1/matches/` with the token of an organization that has matches

It runs `--rate` requests/s for `--duration` s after a warm-up, reports p50/p95/p99 and
errors per endpoint, then raises the rate step by step (`--steps`) until p95 passes
`--target-ms` or a request fails: the last rate that held is the saturation point. The load
generator runs on the same machine (its CPU time is reported: it takes some of what the
server could use). Prints the CPU's flags; writes bench/out/load.json (load_sqlite.json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from bench.common import cpu_flags_line

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "out"
WORK = ROOT / "var" / "bench"
PG_DATABASE = "techbridge_load"
REDIS_DB = 5
ENDPOINTS = ["home", "browse", "detail", "api_list", "api_matches"]
# Common words of the listings (each held entirely by many of them, so search ranks them by
# BM25 and never embeds the query) and a few two-word phrases.
KEYWORDS = [
    "检测",
    "新材料",
    "电池",
    "智能",
    "污水处理",
    "传感器",
    "机器人",
    "节能",
    "涂料",
    "无人机",
    "视觉 检测",
    "新能源汽车",
]
REQUEST_TIMEOUT_S = 30


# The data and the servers


def _database_url(options) -> str:
    if options.sqlite:
        return f"sqlite:///{WORK / f'sqlite-{options.listings}' / 'db.sqlite3'}"
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit('Needs PostgreSQL and Redis: eval "$(scripts/services.sh)" first (or --sqlite).')
    return urlunsplit(urlsplit(url)._replace(path=f"/{PG_DATABASE}"))


def _folder(options) -> Path:
    return WORK / (f"sqlite-{options.listings}" if options.sqlite else f"pg-{options.listings}")


def server_environment(options) -> dict:
    folder = _folder(options)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": _database_url(options),
        "SEARCH_INDEX_DIR": str(folder / "search"),
        "MEDIA_ROOT": str(folder / "media"),
        "EMBEDDED_PERIODIC_STATE_FILE": str(folder / "periodic-tasks.json"),
        "DEBUG": "false",
        "SECRET_KEY": "load-" + secrets.token_hex(16),
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEBHOOK_DELIVERY": "false",
        "LOG_LEVEL": "WARNING",
    }
    if options.sqlite:
        env["REDIS_URL"] = ""
        env.pop("CACHE_URL", None)
    else:
        redis = urlsplit(os.environ["REDIS_URL"])
        env["REDIS_URL"] = urlunsplit(redis._replace(path=f"/{REDIS_DB}"))
        env["CACHE_URL"] = env["REDIS_URL"]
    return env


def prepare_data(options, env) -> dict:
    """The data set's summary, generating it first unless one of this size is there."""
    folder = _folder(options)
    summary_path = folder / "summary.json"
    if summary_path.exists() and not options.regenerate:
        summary = json.loads(summary_path.read_text())
        if summary.get("listings") == options.listings:
            return summary
    print(f"Generating {options.listings} listings in {folder} …", flush=True)
    if folder.exists():
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    folder.mkdir(parents=True)
    if not options.sqlite:
        import psycopg2

        connection = psycopg2.connect(os.environ["DATABASE_URL"])
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            cursor.execute(f"CREATE DATABASE {PG_DATABASE}")
            # Short queries on two cores: a parallel worker costs more to start than it saves
            # (the count of an organization's matches: 15 ms with one, 5 without).
            cursor.execute(f"ALTER DATABASE {PG_DATABASE} SET max_parallel_workers_per_gather = 0")
        connection.close()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.load_data",
            "--listings",
            str(options.listings),
            "--summary",
            str(summary_path),
        ],
        cwd=ROOT,
        env={**env, "REDIS_URL": ""},
        check=True,
    )
    return json.loads(summary_path.read_text())


def start_servers(options, env, port) -> list[subprocess.Popen]:
    folder = _folder(options)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    processes = []
    if not options.sqlite:
        worker_log = folder / "worker.log"
        processes.append(
            subprocess.Popen(
                [
                    str(BIN / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "--loglevel=INFO",
                    "--concurrency=2",
                    "--prefetch-multiplier=1",
                    "--hostname",
                    f"load-{os.getpid()}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=worker_log.open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    processes.append(
        subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(options.workers),
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=(folder / "gunicorn.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    )
    deadline = time.time() + 120
    while not options.sqlite and "ready." not in (folder / "worker.log").read_text():
        if time.time() > deadline or processes[0].poll() is not None:
            stop_servers(processes)
            sys.exit(f"The Celery worker did not start: see {folder / 'worker.log'}")
        time.sleep(0.5)
    return processes


def stop_servers(processes):
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy so far (/proc/stat, all CPUs together)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU seconds used so far by the PostgreSQL backends serving the benchmark's database
    (the platform's connections persist, so they are alive to be read)."""
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    for path in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if f" {PG_DATABASE} ".encode() not in path.read_bytes():
                continue
            fields = (path.parent / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def server_cpu_seconds(processes) -> float:
    """CPU seconds used so far by the servers' processes (and their children)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for process in processes:
        pids = {process.pid}
        for path in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = path.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) in pids or int(fields[2]) in pids:
                pids.add(int(path.parent.name))
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


# The requests


def request_plan(options, summary, env) -> dict:
    """What each endpoint asks for: live listings to read, tokens of organizations with matches."""
    script = (
        "import json, random\n"
        "from matching.models import Match\n"
        "from repositories.models import Listing\n"
        "from bench.load_data import token_key\n"
        "rng = random.Random(7)\n"
        "ids = list(Listing.objects.live().filter(kind__in=['need', 'achievement'])"
        ".values_list('kind', 'pk').order_by('?')[:5000])\n"
        "orgs = list(Match.objects.filter(status='approved').values_list("
        "'need__organization_id', flat=True).order_by().distinct()[:2000])\n"
        "print(json.dumps({'listings': ids, 'tokens': [token_key(o) for o in orgs]}))\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


class Requests:
    def __init__(self, plan, port, seed=1):
        self.rng = random.Random(seed)
        self.plan = plan
        self.host = f"127.0.0.1:{port}"

    def next(self, n):
        endpoint = ENDPOINTS[n % len(ENDPOINTS)]
        rng, token = self.rng, None
        if endpoint == "home":
            path = "/"
        elif endpoint == "browse":
            path = "/needs/?q=" + quote(rng.choice(KEYWORDS))
        elif endpoint == "detail":
            kind, pk = rng.choice(self.plan["listings"])
            path = f"/{kind}s/{pk}/"
        elif endpoint == "api_list":
            path = "/api/v1/achievements/?q=" + quote(rng.choice(KEYWORDS))
            token = rng.choice(self.plan["tokens"])
        else:
            path = "/api/v1/matches/"
            token = rng.choice(self.plan["tokens"])
        head = f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nConnection: close\r\n"
        if token:
            head += f"Authorization: Token {token}\r\nAccept: application/json\r\n"
        return endpoint, (head + "\r\n").encode()


async def fetch(port, request: bytes) -> tuple[int, int]:
    """(status, body bytes) of one request on its own connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        response = await reader.read()
    finally:
        writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), len(body)


async def run_rate(requests, port, rate, duration) -> list[tuple[str, float, int]]:
    """(endpoint, latency s from when due, status or 0 for a failure) of each request."""
    loop = asyncio.get_running_loop()
    results = []
    count = int(rate * duration)
    start = loop.time() + 0.05
    tasks = []

    async def one(due, endpoint, request):
        status = 0
        try:
            status, size = await asyncio.wait_for(fetch(port, request), REQUEST_TIMEOUT_S)
            if status == 200 and size == 0:
                status = 0
        except (TimeoutError, OSError, ValueError, IndexError):
            status = 0
        results.append((endpoint, loop.time() - due, status))

    for n in range(count):
        due = start + n / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        endpoint, request = requests.next(n)
        tasks.append(asyncio.ensure_future(one(due, endpoint, request)))
    await asyncio.gather(*tasks)
    return results


def percentile(sorted_values, fraction):
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def summarize(results, rate, duration) -> dict:
    by_endpoint = {}
    for name in [*ENDPOINTS, "all"]:
        rows = [r for r in results if name in ("all", r[0])]
        latencies = sorted(r[1] * 1000 for r in rows)
        errors = sum(1 for r in rows if r[2] != 200)
        by_endpoint[name] = {
            "requests": len(rows),
            "errors": errors,
            "p50_ms": round(percentile(latencies, 0.50), 1) if rows else None,
            "p95_ms": round(percentile(latencies, 0.95), 1) if rows else None,
            "p99_ms": round(percentile(latencies, 0.99), 1) if rows else None,
            "max_ms": round(latencies[-1], 1) if rows else None,
        }
    statuses = {}
    for _endpoint, _latency, status in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "rate": rate,
        "duration_s": duration,
        "endpoints": by_endpoint,
        "statuses": statuses,
    }


def holds(step, target_ms) -> bool:
    return all(
        row["errors"] == 0 and row["p95_ms"] is not None and row["p95_ms"] <= target_ms
        for row in step["endpoints"].values()
    )


def print_step(step, target_ms):
    print(
        f"\n{step['rate']} requests/s for {step['duration_s']} s"
        f" — CPU s: gunicorn+worker {step['server_cpu_s']:.0f},"
        f" postgres {step['postgres_cpu_s']:.0f},"
        f" generator {step['generator_cpu_s']:.1f}, whole machine {step['machine_busy_cpu_s']:.0f}"
        f" of {os.cpu_count() * step['wall_s']:.0f}; load average {step['load_average']:.1f}"
        + ("" if holds(step, target_ms) else f"  ← p95 over {target_ms} ms or errors")
    )
    columns = ("requests", "errors", "p50 ms", "p95 ms", "p99 ms")
    print(f"  {'endpoint':<12} " + " ".join(f"{c:>8}" for c in columns))
    for name, row in step["endpoints"].items():
        print(
            f"  {name:<12} {row['requests']:>8} {row['errors']:>6} {row['p50_ms']:>8.1f}"
            f" {row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f}"
        )


def measure(requests, port, rate, duration, processes) -> dict:
    cpu_before, generator_before = server_cpu_seconds(processes), time.process_time()
    machine_before, postgres_before = machine_busy_seconds(), postgres_cpu_seconds()
    started = time.perf_counter()
    results = asyncio.run(run_rate(requests, port, rate, duration))
    step = summarize(results, rate, duration)
    step["wall_s"] = round(time.perf_counter() - started, 1)
    step["server_cpu_s"] = round(server_cpu_seconds(processes) - cpu_before, 1)
    step["postgres_cpu_s"] = round(postgres_cpu_seconds() - postgres_before, 1)
    step["generator_cpu_s"] = round(time.process_time() - generator_before, 1)
    step["machine_busy_cpu_s"] = round(machine_busy_seconds() - machine_before, 1)
    step["load_average"] = os.getloadavg()[0]
    return step


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="the embedded default (SQLite)")
    parser.add_argument("--listings", type=int, help="300,000 (PostgreSQL), 30,000 (SQLite)")
    parser.add_argument("--rate", type=float, default=60, help="requests/s of the main run")
    parser.add_argument("--duration", type=float, default=60, help="seconds of the main run")
    parser.add_argument("--steps", default="70,80,90,100,120,150", help="rates to try after it")
    parser.add_argument("--step-duration", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=15, help="seconds at half the rate")
    parser.add_argument("--target-ms", type=float, default=250, help="the p95 that must hold")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--regenerate", action="store_true", help="make the data set anew")
    parser.add_argument("--out", type=Path)
    options = parser.parse_args()
    if options.listings is None:
        options.listings = 30_000 if options.sqlite else 300_000
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()

    flags = cpu_flags_line()
    print(flags, flush=True)
    env = server_environment(options)
    summary = prepare_data(options, env)
    port = free_port()
    processes = start_servers(options, env, port)
    try:
        plan = request_plan(options, summary, env)
        requests = Requests(plan, port)
        deadline = time.time() + 120
        while True:
            try:
                if asyncio.run(fetch(port, requests.next(0)[1]))[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                sys.exit("gunicorn did not answer")
            time.sleep(0.5)
        print(f"Warming up: {options.rate / 2:g} requests/s for {options.warmup:g} s", flush=True)
        asyncio.run(run_rate(requests, port, options.rate / 2, options.warmup))
        main_run = measure(requests, port, options.rate, options.duration, processes)
        print_step(main_run, options.target_ms)
        steps, saturation, first_failing = [], None, None
        if holds(main_run, options.target_ms):
            saturation = options.rate
            for rate in [float(r) for r in options.steps.split(",") if r.strip()]:
                if rate <= options.rate:
                    continue
                time.sleep(5)  # let the backlog of the previous step drain
                step = measure(requests, port, rate, options.step_duration, processes)
                steps.append(step)
                print_step(step, options.target_ms)
                if not holds(step, options.target_ms):
                    first_failing = rate
                    break
                saturation = rate
        else:
            first_failing = options.rate
    finally:
        stop_servers(processes)
    report = {
        "database": "sqlite" if options.sqlite else "postgresql",
        "search_backend": "embedded",
        "broker": None if options.sqlite else "redis (with a Celery worker, concurrency 2)",
        "gunicorn_workers": options.workers,
        "cpu": flags,
        "cpu_count": os.cpu_count(),
        "note": (
            "The load generator and every server (gunicorn, the database, Redis, the worker) "
            "share this machine's CPUs; generator_cpu_s is what the generator took."
        ),
        "data": {k: v for k, v in summary.items() if not k.endswith("_ids")},
        "keywords": KEYWORDS,
        "api_tokens": len(plan["tokens"]),
        "listing_pages": len(plan["listings"]),
        "target_p95_ms": options.target_ms,
        "main": main_run,
        "steps": steps,
        "saturation_rate": saturation,
        "first_failing_rate": first_failing,
    }
    out = options.out or OUT / ("load_sqlite.json" if options.sqlite else "load.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    held = f"{saturation:g} requests/s" if saturation else f"below {options.rate:g} requests/s"
    print(
        f"\nSaturation: holds at {held}" + (f", not at {first_failing:g}" if first_failing else "")
    )
    print(f"→ {out}")


if __name__ == "__main__":
    main()
