#!/usr/bin/env python3
"""A chaos night: plays a night of the demo instrument through every consdb worker at once (as
scripts/demo does), writes flexible metadata through the API, and injects faults at seeded random
times: SIGKILL of each worker, a PostgreSQL restart, the schema registry down and back, and one
malformed input of every kind (`consdb dev inject`). A supervisor restarts any worker that exits, for
any reason. At the end it waits for every exposure's rows, stops the workers, recomputes the same night
into a fresh database (`hinfo --path` backfill, `efd batch` from the same InfluxDB, the same API writes
replayed without faults) and compares every table of cdb_demo, efd_demo and the flex tables: rows
missing, duplicated or different must all be 0. Prints the faults and the figures, then PASS or FAIL
(exit status 1).

Run through Benchmarks/chaos-night/run, which builds consdb. Standard library only.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FELIS = "config/demo/cdb_demo.yaml"
EFD_CONFIG = "config/demo/efd_demo.yaml"
HEADER_TOPIC = "lsst.sal.MTHeaderService.logevent_largeFileObjectAvailable"
# The kinds `consdb dev inject` knows; each must become exactly one row of consdb_ingest.rejected.
KINDS = [
    "header-not-framed", "header-unknown-schema", "header-truncated-avro", "header-url-outside-allow-list",
    "header-not-yaml", "header-missing-contrllr", "telemetry-not-framed", "telemetry-unknown-schema",
    "telemetry-truncated-avro", "telemetry-without-efd-stamp",
]
# Columns that say when a row was written, not what the night was: the EFD tables' created_at is the
# writer's clock (the stream's at the window's close, the batch's at its task), so it differs between
# the live night and any recomputation by construction. Every other column is compared exactly, floats
# included: the stream and the batch run the same engine on the same samples.
WRITE_TIME_COLUMNS = {"created_at"}
# Replicas (--replicas N): N more throwaway PostgreSQL servers with the same schemas, handed to every
# worker as CONSDB_REPLICA_URLS; one "replica-outage" per replica (stopped and started again on its port);
# at the end the driver waits until the primary's outbox is empty (every row reached every replica) and
# compares each replica with the primary table by table (compare_databases, the same check as against the
# clean recomputation).


def log(message):
    print(f"chaos: {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def free_port(rng_ports):
    """A free TCP port below the kernel's ephemeral range, so a restarted server can bind it again."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except OSError:
        low = 32768
    for _ in range(500):
        port = rng_ports.randrange(10000, max(10001, low - 1))
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port")


class Supervised:
    """A process the supervisor keeps running: restarted whenever it exits, unless stopping."""

    def __init__(self, name, argv, env, logfile, restart=True):
        self.name, self.argv, self.env, self.logfile, self.restart = name, argv, env, logfile, restart
        self.proc = None
        self.starts = 0
        self.exits = []  # (time, returncode) of every exit the supervisor saw
        self.held = False  # not restarted while held (the registry's outage)
        self.lock = threading.Lock()

    def start(self):
        with self.lock:
            out = open(self.logfile, "ab")
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         cwd=ROOT, start_new_session=True)
            out.close()
            self.starts += 1

    def kill(self, sig=signal.SIGKILL):
        with self.lock:
            if self.proc and self.proc.poll() is None:
                os.kill(self.proc.pid, sig)
                return True
            return False

    def poll(self):
        """Restarts the process when it has exited (and is neither held nor being stopped)."""
        with self.lock:
            code = self.proc.poll() if self.proc else None
            if self.proc is None or code is None:
                return
            self.exits.append((time.time(), code))
            self.proc = None
        if self.restart and not self.held:
            self.start()

    def stop(self, timeout=30):
        with self.lock:
            self.restart = False
            proc = self.proc
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Night:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.port_rng = random.Random(args.seed ^ 0x5EED)
        self.bin = os.path.abspath(args.binary)
        self.work = tempfile.mkdtemp(prefix="chaos-night-")
        os.chmod(self.work, 0o755)
        self.logs = os.path.join(self.work, "logs")
        os.makedirs(self.logs)
        self.headers = os.path.join(self.work, "headers")
        self.inject_dir = os.path.join(self.work, "inject")
        os.makedirs(self.inject_dir)
        self.env = dict(os.environ)
        self.supervised = {}
        self.services = []
        self.faults = []  # (planned offset, kind, detail, done-at)
        self.injected = []  # dev inject's lines: kind, topic, partition, offset
        self.api_writes = 0
        self.api_retries = 0
        self.api_log = []  # (path, body) in the order they succeeded: replayed into the clean database
        self.stop_event = threading.Event()
        self.failures = []
        self.replicas = []  # (throwaway directory, URL)

    # ---------- helpers
    def run(self, argv, env=None, check=True, capture=True, timeout=600):
        result = subprocess.run(argv, env=env or self.env, cwd=ROOT, capture_output=capture, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:4])} failed ({result.returncode}): {result.stderr[-2000:]}")
        return result

    def consdb(self, *argv, env=None, check=True, timeout=600):
        return self.run([self.bin, *argv], env=env, check=check, timeout=timeout)

    def psql(self, url, sql, check=True):
        result = subprocess.run(["psql", url, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError(f"psql: {result.stderr.strip()}")
        return result.stdout if result.returncode == 0 else None

    def count(self, sql, url=None):
        out = self.psql(url or self.db, sql, check=False)
        try:
            return int(out.strip()) if out is not None else None
        except ValueError:
            return None

    def wait_file(self, path, what, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if os.path.exists(path) and os.path.getsize(path) > 0:
                return open(path).read().strip()
            time.sleep(0.05)
        raise RuntimeError(f"{what} did not start")

    # ---------- set-up
    def set_up(self):
        self.db = self.run(["scripts/pg-throwaway", "start", os.path.join(self.work, "pg")]).stdout.strip()
        self.influx = self.run(["scripts/influx-throwaway", "start", os.path.join(self.work, "influx")]).stdout.strip()
        self.env["CONSDB_DATABASE_URL"] = self.db
        self.env["EFD_URL"] = self.influx
        log(f"PostgreSQL at {self.db}, InfluxDB at {self.influx}, work in {self.work}")
        self.apply_schemas(self.db)
        self.consdb("roles", "--login", "consdb_query")
        self.query_url = self.db.replace("//consdb@", "//consdb_query@")
        for index in range(self.args.replicas):
            folder = os.path.join(self.work, f"replica{index + 1}")
            url = self.run(["scripts/pg-throwaway", "start", folder]).stdout.strip()
            self.apply_schemas(url)
            self.replicas.append((folder, url))
        if self.replicas:
            self.env["CONSDB_REPLICA_URLS"] = ",".join(url for _, url in self.replicas)
            log(f"replicas at {self.env['CONSDB_REPLICA_URLS']}")
        with open(EFD_CONFIG_PATH()) as f:
            efd_topics = sorted({line.split("name:")[1].strip() for line in f if "name: lsst.sal." in line})
        kafka = subprocess.Popen([self.bin, "dev", "kafka", "--topics", ",".join([HEADER_TOPIC] + efd_topics),
                                  "--port-file", os.path.join(self.work, "kafka")],
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.logs, "kafka.log"), "ab"), start_new_session=True)
        self.services.append(kafka)
        self.env["KAFKA_BOOTSTRAP"] = self.wait_file(os.path.join(self.work, "kafka"), "the Kafka mock cluster")
        self.registry_port = free_port(self.port_rng)
        self.registry = Supervised("registry", [self.bin, "dev", "registry", "--port", str(self.registry_port),
                                                "--state-file", os.path.join(self.work, "registry.json")],
                                   self.env, os.path.join(self.logs, "registry.log"))
        self.supervised["registry"] = self.registry
        self.registry.start()
        self.env["SCHEMA_URL"] = f"http://127.0.0.1:{self.registry_port}"
        self.wait_http(self.env["SCHEMA_URL"] + "/subjects", "the schema registry")

    def apply_schemas(self, url):
        env = dict(self.env, CONSDB_DATABASE_URL=url)
        self.consdb("schema", "apply", "--felis", FELIS, env=env)
        self.consdb("schema", "apply", "--efd-config", EFD_CONFIG, "--instrument", "demo", env=env)

    def wait_http(self, url, what, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError(f"{what} did not answer at {url}")

    def start_workers(self):
        self.api_port = free_port(self.port_rng)
        self.api = f"http://127.0.0.1:{self.api_port}"
        hinfo_metrics, efd_metrics = free_port(self.port_rng), free_port(self.port_rng)
        env = dict(self.env, HEADER_URL_PREFIXES=f"file://{self.headers}/,file://{self.inject_dir}/", EFD_LATENESS_SECONDS="2",
                   CONSDB_QUERY_DATABASE_URL=self.query_url)
        if self.args.kafka_session_timeout_ms:
            # A killed consumer keeps its partitions until the group's session timeout: shorter, the
            # restarted worker gets them back sooner (the short test's choice; the default is 45 s).
            env["KAFKA_SESSION_TIMEOUT_MS"] = str(self.args.kafka_session_timeout_ms)
            env["KAFKA_HEARTBEAT_INTERVAL_MS"] = str(max(100, self.args.kafka_session_timeout_ms // 6))
        workers = {
            "hinfo": [self.bin, "hinfo", "--instrument", "LSSTCam", "--schema", "cdb_demo", "--metrics-port", str(hinfo_metrics)],
            "efd-stream": [self.bin, "efd", "stream", "--instrument", "demo", "--efd-config", EFD_CONFIG, "--metrics-port", str(efd_metrics)],
            "serve": [self.bin, "serve", "--host", "127.0.0.1", "--port", str(self.api_port)],
        }
        for name, argv in workers.items():
            worker = Supervised(name, argv, env, os.path.join(self.logs, f"{name}.log"))
            self.supervised[name] = worker
            worker.start()
        self.wait_http(self.api + "/readyz", "the API")
        threading.Thread(target=self.supervise, daemon=True).start()

    def supervise(self):
        while not self.stop_event.is_set():
            for worker in list(self.supervised.values()):
                worker.poll()
            time.sleep(0.2)

    # ---------- the night
    def start_feeders(self):
        self.telemetry = subprocess.Popen(
            [self.bin, "dev", "telemetry", "--efd-config", EFD_CONFIG, "--efd-url", self.influx, "--log-level", "warning"],
            env=self.env, cwd=ROOT, stdout=open(os.path.join(self.logs, "telemetry.log"), "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        time.sleep(3)  # some telemetry before the first exposure, as in the demo
        a = self.args
        # The first exposure began before its announcement; a minute's margin, as the demo's batch command.
        self.night_start = time.time() - 60
        self.headers_proc = subprocess.Popen(
            [self.bin, "dev", "headers", "--instrument", "LSSTCam", "--dir", self.headers, "--count", str(a.exposures),
             "--sensors", str(a.sensors), "--live", "--exposure-time", str(a.exposure_time), "--interval", str(a.interval),
             "--log-level", "warning"],
            env=self.env, cwd=ROOT, stdout=open(os.path.join(self.logs, "headers.log"), "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        self.announce_start = time.time()

    def plan_faults(self):
        """Seeded fault times spread over the planned night: kills of each worker, one PostgreSQL
        restart, one registry outage, and every malformed kind once."""
        a = self.args
        span = max(10.0, a.exposures * a.interval)
        plan = []
        for worker in ("hinfo", "efd-stream", "serve"):
            for _ in range(a.kills):
                plan.append((self.rng.uniform(2, span), "kill", worker))
        plan.append((self.rng.uniform(0.2 * span, 0.8 * span), "postgres-restart", ""))
        plan.append((self.rng.uniform(0.1 * span, 0.9 * span), "registry-outage", f"{self.rng.uniform(3, 10):.1f}"))
        for kind in KINDS:
            plan.append((self.rng.uniform(1, span), "inject", kind))
        # Drawn apart, so that the plan above stays the same for a seed with or without these.
        extra = random.Random(self.args.seed ^ 0xD0A7)
        for index in range(len(self.replicas)):
            plan.append((extra.uniform(0.2 * span, 0.8 * span), "replica-outage", f"{index + 1} {extra.uniform(3, 20):.1f}"))
        self.postgres_down = extra.uniform(1, 5)
        plan.sort()
        self.plan = plan
        log(f"seed {a.seed}: {len(plan)} faults planned over {span:.0f} s: " + ", ".join(f"+{t:.0f}s {k} {d}" for t, k, d in plan))

    def run_faults(self):
        for offset, kind, detail in self.plan:
            delay = self.announce_start + offset - time.time()
            if delay > 0:
                time.sleep(delay)
            at = time.time() - self.announce_start
            try:
                outcome = self.apply_fault(kind, detail)
            except Exception as error:  # a fault that could not be applied is reported, not hidden
                outcome = f"error: {error}"
                self.failures.append(f"fault {kind} {detail}: {error}")
            self.faults.append((at, kind, detail, outcome))
            log(f"fault at +{at:.1f}s: {kind} {detail} -> {outcome}")

    def apply_fault(self, kind, detail):
        if kind == "kill":
            return "killed" if self.supervised[detail].kill() else "was not running"
        if kind == "postgres-restart":
            started = time.time()
            self.run(["scripts/pg-throwaway", "restart", os.path.join(self.work, "pg"), f"{self.postgres_down:.1f}"])
            return f"down and up again in {time.time() - started:.1f} s"
        if kind == "replica-outage":
            index, seconds = detail.split()
            started = time.time()
            self.run(["scripts/pg-throwaway", "restart", self.replicas[int(index) - 1][0], seconds])
            return f"replica {index} down and up again in {time.time() - started:.1f} s"
        if kind == "registry-outage":
            self.registry.held = True
            self.registry.kill()
            time.sleep(float(detail))
            self.registry.held = False
            self.registry.start()
            return f"down {detail} s"
        if kind == "inject":
            return self.inject(kind=detail)
        raise ValueError(kind)

    def inject(self, kind):
        # The registry may be down right now (the injector registers schemas): try until it is back.
        for attempt in range(200):
            result = self.consdb("dev", "inject", "--kind", kind, "--instrument", "LSSTCam", "--dir", self.inject_dir,
                                 "--efd-config", EFD_CONFIG, "--log-level", "warning", check=False, timeout=120)
            if result.returncode == 0 and result.stdout.strip():
                for line in result.stdout.strip().splitlines():
                    self.injected.append(json.loads(line))
                return f"sent (attempt {attempt + 1}): {result.stdout.strip()}"
            time.sleep(0.5)
        raise RuntimeError(f"dev inject --kind {kind} kept failing: {result.stderr[-500:]}")

    # ---------- API writes
    def post(self, base, path, body, retry_counter=True):
        """POSTs until it succeeds; returns the number of retries. An answer that says the write is
        already there (409 to a repeated addkey) counts as success: the previous attempt committed."""
        retries = 0
        while True:
            request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                             headers={"Content-Type": "application/json"})
            try:
                urllib.request.urlopen(request, timeout=10).read()
                return retries
            except urllib.error.HTTPError as error:
                text = error.read().decode(errors="replace")
                if error.code == 409 and path.endswith("/addkey"):
                    return retries
                if error.code == 404 and "obs" in path:
                    pass  # the exposure's row is not in yet: not a failure
                elif error.code < 500:
                    raise RuntimeError(f"POST {path}: {error.code} {text}")
                else:
                    retries += 1
            except Exception:
                retries += 1
            if self.stop_event.is_set() and retries > 1000:
                raise RuntimeError(f"POST {path} never succeeded")
            time.sleep(0.2)

    def api_plan(self):
        rng = random.Random(self.args.seed ^ 0xF1E7)
        writes = [
            ("/consdb/flex/demo/exposure/addkey", {"key": "seeing_estimate", "dtype": "float", "doc": "Observer seeing estimate", "unit": "arcsec"}),
            ("/consdb/flex/demo/exposure/addkey", {"key": "observer_note", "dtype": "str", "doc": "Free-text note from the night log"}),
        ]
        for seq in range(1, self.args.exposures + 1):
            values = {"seeing_estimate": round(rng.uniform(0.5, 2.0), 3)}
            if rng.random() < 0.5:
                values["observer_note"] = f"note {seq}: " + rng.choice(["clear", "thin cirrus", "wind shake", "dome flat next"])
            # The exposure id is read once the row is in (its day_obs follows the exposure's start).
            writes.append((seq, {"values": values}))
        return writes

    def exposure_id(self, seq):
        """The exposure id of seq_num `seq`, once hinfo has written it (PostgreSQL may be restarting)."""
        while not self.stop_event.is_set():
            found = self.count(f"SELECT exposure_id FROM cdb_demo.exposure WHERE seq_num = {seq}")
            if found:
                return found
            time.sleep(0.2)
        raise RuntimeError(f"exposure {seq} never appeared")

    def api_writer(self):
        try:
            for path, body in self.api_plan():
                if isinstance(path, int):
                    path = f"/consdb/flex/demo/exposure/obs/{self.exposure_id(path)}?u=1"
                self.api_retries += self.post(self.api, path, body)
                self.api_writes += 1
                self.api_log.append((path, body))
        except Exception as error:
            self.failures.append(f"API writer: {error}")

    # ---------- the end
    def wait_caught_up(self):
        n = self.args.exposures
        self.headers_proc.wait()
        self.last_announcement = time.time()
        log(f"night over: {n} exposures announced in {self.last_announcement - self.announce_start:.0f} s; waiting for every row")
        deadline = time.time() + self.args.deadline
        want = {
            "exposure": ("SELECT count(*) FROM cdb_demo.exposure", n),
            "ccdexposure": ("SELECT count(*) FROM cdb_demo.ccdexposure", n * self.args.sensors),
            "exposure_efd": ("SELECT count(*) FROM efd_demo.exposure_efd", n),
            "visit1_efd": ("SELECT count(*) FROM efd_demo.visit1_efd", None),
            "rejected": ("SELECT count(*) FROM consdb_ingest.rejected", len(KINDS)),
        }
        state = {}
        while time.time() < deadline:
            visits = self.count("SELECT count(*) FROM cdb_demo.visit1")
            state = {name: self.count(sql) for name, (sql, _) in want.items()}
            done = all(state[name] == (expected if expected is not None else visits) for name, (_, expected) in want.items())
            # A replica catches up by itself once it is back: its exposures are in too.
            for index, (_, url) in enumerate(self.replicas):
                state[f"replica{index + 1}.exposure_efd"] = self.count("SELECT count(*) FROM efd_demo.exposure_efd", url)
                done = done and state[f"replica{index + 1}.exposure_efd"] == n
            if self.replicas:
                # Every row written to the primary has reached every replica: the outbox is empty (a
                # parked row stays there, so a refusal shows as "not caught up" with its count).
                state["replica_outbox"] = self.count("SELECT count(*) FROM consdb_ingest.replica_outbox")
                done = done and state["replica_outbox"] == 0
            if done and self.api_thread_done():
                self.caught_up = time.time()
                log(f"caught up {self.caught_up - self.last_announcement:.1f} s after the last announcement: {state}")
                return True
            time.sleep(0.5)
        self.caught_up = None
        self.failures.append(f"not caught up within {self.args.deadline} s: {state}, API writes {self.api_writes}")
        return False

    def api_thread_done(self):
        return not self.api_thread.is_alive()

    def stop_all(self):
        self.stop_event.set()
        for name in ("hinfo", "efd-stream", "serve"):
            if name in self.supervised:
                self.supervised[name].stop()
        for proc in [getattr(self, "telemetry", None), getattr(self, "headers_proc", None)]:
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)
        if "registry" in self.supervised:
            self.supervised["registry"].stop()
        for proc in self.services:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def clean_recomputation(self):
        """The same night into a fresh database, without faults: headers backfilled from their files,
        EFD summaries from InfluxDB through the batch queue, the API writes replayed."""
        started = time.time()
        self.psql(self.db, "CREATE DATABASE clean")
        self.clean = self.db.rsplit("/", 1)[0] + "/clean"
        self.apply_schemas(self.clean)
        env = dict(self.env, CONSDB_DATABASE_URL=self.clean)
        self.consdb("hinfo", "--instrument", "LSSTCam", "--schema", "cdb_demo", "--path", self.headers, "--log-level", "warning", env=env)
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        end = time.time() + 60
        self.consdb("efd", "batch", "--instrument", "demo", "--efd-config", EFD_CONFIG, "--start", time.strftime(fmt, time.gmtime(self.night_start)),
                    "--end", time.strftime(fmt, time.gmtime(end)), "--interval", "1m", "--overlap", "0s", "--log-level", "warning", env=env)
        port = free_port(self.port_rng)
        serve = subprocess.Popen([self.bin, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT,
                                 stdout=open(os.path.join(self.logs, "clean-serve.log"), "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self.wait_http(f"http://127.0.0.1:{port}/readyz", "the clean API")
            for path, body in self.api_log:
                if self.post(f"http://127.0.0.1:{port}", path, body) != 0:
                    self.failures.append(f"the clean replay needed retries for {path}")
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(30)
        self.recompute_seconds = time.time() - started

    def tables(self, url):
        rows = self.psql(url, """
            SELECT table_schema || '.' || table_name FROM information_schema.tables
            WHERE table_schema IN ('cdb_demo', 'efd_demo') AND table_type = 'BASE TABLE' ORDER BY 1""")
        return [line for line in rows.splitlines() if line]

    def rows(self, url, table):
        """The table's rows as tuples of text (NULL as None), every column, in column order."""
        columns = [c for c in self.psql(url, f"""
            SELECT column_name FROM information_schema.columns
            WHERE table_schema || '.' || table_name = '{table}' ORDER BY ordinal_position""").split() if c not in WRITE_TIME_COLUMNS]
        key = self.psql(url, f"""
            SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = '{table}'::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)""").split()
        select = ", ".join(f'"{c}"::text' for c in columns)
        # COPY's text format: tab-separated, NULL as \N, tabs and newlines inside values escaped.
        out = subprocess.run(["psql", url, "-X", "-v", "ON_ERROR_STOP=1", "-c", f"COPY (SELECT {select} FROM {table}) TO STDOUT"],
                             capture_output=True, text=True, timeout=300, check=True).stdout
        parsed = [tuple(None if field == "\\N" else field for field in line.split("\t")) for line in out.split("\n") if line]
        return columns, [columns.index(k) for k in key], parsed

    def compare_databases(self, live_url, clean_url):
        """Per table: rows missing (in the clean run, not in the live one), extra, duplicated, different
        (same key, another value in some column). Returns the report lines and the total."""
        report, total = [], 0
        live_tables, clean_tables = set(self.tables(live_url)), set(self.tables(clean_url))
        for table in sorted(live_tables | clean_tables):
            if table not in live_tables or table not in clean_tables:
                report.append(f"  {table}: only in {'the live' if table in live_tables else 'the clean'} database")
                total += 1
                continue
            columns, key, live = self.rows(live_url, table)
            _, _, clean = self.rows(clean_url, table)
            key = key or list(range(len(columns)))
            def by_key(rows):
                grouped = {}
                for row in rows:
                    grouped.setdefault(tuple(row[i] for i in key), []).append(row)
                return grouped
            lk, ck = by_key(live), by_key(clean)
            missing = sum(len(v) for k, v in ck.items() if k not in lk)
            extra = sum(len(v) for k, v in lk.items() if k not in ck)
            duplicated = sum(len(v) - 1 for v in lk.values() if len(v) > 1)
            different = 0
            examples = []
            for k in lk.keys() & ck.keys():
                if sorted(lk[k]) != sorted(ck[k]):
                    different += 1
                    if len(examples) < 3:
                        diff = [f"{columns[i]}: {a!r} vs {b!r}" for i, (a, b) in enumerate(zip(lk[k][0], ck[k][0])) if a != b]
                        examples.append(f"{k}: " + "; ".join(diff[:4]))
            bad = missing + extra + duplicated + different
            total += bad
            report.append(f"  {table}: {len(live)} rows live, {len(clean)} clean; missing {missing}, extra {extra}, duplicated {duplicated}, different {different}")
            for example in examples:
                report.append(f"      e.g. {example}")
        return report, total

    def check_dead_letters(self):
        """Every injected message is in consdb_ingest.rejected exactly once, and nothing else is."""
        lines, bad = [], 0
        for item in self.injected:
            n = self.count(f"""SELECT count(*) FROM consdb_ingest.rejected WHERE topic = '{item['topic']}'
                               AND "partition" = {item['partition']} AND "offset" = {item['offset']}""")
            ok = n == 1
            bad += 0 if ok else 1
            lines.append(f"  {item['kind']}: {n} dead letter(s) at {item['topic']}[{item['partition']}]@{item['offset']}{'' if ok else '  <- FAIL'}")
        total = self.count("SELECT count(*) FROM consdb_ingest.rejected")
        if len(self.injected) != len(KINDS):
            bad += 1
            lines.append(f"  only {len(self.injected)} of {len(KINDS)} kinds were injected  <- FAIL")
        if total != len(self.injected):
            bad += 1
            lines.append(f"  {total} dead letters in all, {len(self.injected)} injected  <- FAIL")
            lines.append("    " + (self.psql(self.db, "SELECT worker, topic, \"offset\", left(error, 120) FROM consdb_ingest.rejected ORDER BY id") or "").replace("\n", "\n    "))
        return lines, bad

    def telemetry_messages(self):
        """Messages dev telemetry produced: it writes each to InfluxDB as it sends it to Kafka."""
        query = urllib.parse.urlencode({"db": "efd", "q": 'SELECT count("private_efdStamp") FROM /.*/'})
        try:
            answer = json.load(urllib.request.urlopen(f"{self.influx}/query?{query}", timeout=30))
            return sum(series["values"][0][1] for result in answer["results"] for series in result.get("series", []))
        except Exception as error:
            return f"unknown ({error})"

    def tear_down(self):
        if self.args.keep:
            log(f"kept: {self.work} (PostgreSQL {self.db}, InfluxDB {self.influx}; stop with scripts/pg-throwaway stop {self.work}/pg)")
            return
        self.run(["scripts/influx-throwaway", "stop", os.path.join(self.work, "influx")], check=False)
        self.run(["scripts/pg-throwaway", "stop", os.path.join(self.work, "pg")], check=False)
        for folder, _ in self.replicas:
            self.run(["scripts/pg-throwaway", "stop", folder], check=False)
        shutil.rmtree(self.work, ignore_errors=True)


def EFD_CONFIG_PATH():
    return os.path.join(ROOT, EFD_CONFIG)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, help="the consdb executable")
    parser.add_argument("--seed", type=int, default=None, help="seed of every random choice (default from the clock; printed)")
    parser.add_argument("--exposures", type=int, default=24)
    parser.add_argument("--interval", type=float, default=6.0, help="seconds between announcements")
    parser.add_argument("--exposure-time", type=float, default=5.0)
    parser.add_argument("--sensors", type=int, default=9)
    parser.add_argument("--kills", type=int, default=3, help="SIGKILLs of each worker (hinfo, efd stream, API)")
    parser.add_argument("--deadline", type=float, default=300, help="seconds after the last announcement for every row to be in")
    parser.add_argument("--kafka-session-timeout-ms", type=int, default=None,
                        help="the workers' KAFKA_SESSION_TIMEOUT_MS (default the product's, 45 s)")
    parser.add_argument("--build", default="debug", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the databases, logs and files")
    parser.add_argument("--replicas", type=int, default=0, help="secondary databases (CONSDB_REPLICA_URLS), each down once and compared with the primary")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = int(time.time()) % 100_000_000
    whole_start = time.time()
    print(f"chaos night: seed {args.seed}; rerun with Benchmarks/chaos-night/run --seed {args.seed} --exposures {args.exposures} "
          f"--interval {args.interval:g} --exposure-time {args.exposure_time:g} --sensors {args.sensors} --kills {args.kills}"
          + (f" --replicas {args.replicas}" if args.replicas else "")
          + (f" --kafka-session-timeout-ms {args.kafka_session_timeout_ms}" if args.kafka_session_timeout_ms else ""), flush=True)
    night = Night(args)
    code = 1
    try:
        night.set_up()
        night.start_workers()
        night.plan_faults()
        night.start_feeders()
        night.api_thread = threading.Thread(target=night.api_writer, daemon=True)
        night.api_thread.start()
        night.run_faults()
        night.wait_caught_up()
        night.stop_all()
        restarts = {name: (w.starts - 1, len(w.exits)) for name, w in night.supervised.items()}
        night.clean_recomputation()
        report, differences = night.compare_databases(night.db, night.clean)
        dead, dead_bad = night.check_dead_letters()
        for index, (_, url) in enumerate(night.replicas):
            lines, bad = night.compare_databases(night.db, url)
            report += [f"  replica {index + 1} against the primary:"] + ["  " + line for line in lines]
            differences += bad
        planned = args.exposures * args.interval
        actual = night.last_announcement - night.announce_start
        messages = night.count("SELECT count(*) FROM consdb_ingest.rejected")
        print("\nfaults injected (seconds after the first announcement):")
        for at, kind, detail, outcome in night.faults:
            print(f"  +{at:6.1f}s {kind:17} {detail:30} {outcome[:110]}")
        print("\nworkers (restarts by the supervisor, exits seen):")
        for name, (restarted, exits) in restarts.items():
            print(f"  {name}: {restarted} restarts, {exits} exits")
        hinfo_log = open(os.path.join(night.logs, "hinfo.log"), errors="replace").read()
        print("\nfigures:")
        print(f"  exposures {args.exposures} x {args.sensors} sensors; header events {hinfo_log.count('event=hinfo.ingest')} ingested (repeats after kills included)")
        bad_headers = sum(1 for i in night.injected if i['kind'].startswith('header-'))
        print(f"  messages: {args.exposures + bad_headers} header events ({args.exposures} announcements, {bad_headers} malformed), "
              f"{night.telemetry_messages()} telemetry messages (also in InfluxDB); malformed inputs injected {len(night.injected)}, dead letters {messages}")
        print(f"  API writes {night.api_writes} (flex addkey + values), client retries {night.api_retries}")
        print(f"  night planned {planned:.0f} s, actual {actual:.0f} s; catch-up after the last announcement "
              f"{(night.caught_up - night.last_announcement) if night.caught_up else float('nan'):.1f} s")
        print(f"  clean recomputation {night.recompute_seconds:.0f} s; whole run {time.time() - whole_start:.0f} s")
        print("\ndead letters:")
        print("\n".join(dead))
        print(f"\ncomparison with the clean recomputation (every column but {', '.join(sorted(WRITE_TIME_COLUMNS))}, the time a row was written):")
        print("\n".join(report))
        for failure in night.failures:
            print(f"  problem: {failure}")
        ok = differences == 0 and dead_bad == 0 and not night.failures
        print(f"\n{'PASS' if ok else 'FAIL'}: {differences} rows missing, extra, duplicated or different; {dead_bad} dead-letter problems; "
              f"{len(night.failures)} other problems (seed {args.seed})", flush=True)
        code = 0 if ok else 1
    except Exception as error:
        print(f"FAIL: {error} (seed {args.seed}; logs in {night.logs})", flush=True)
        night.args.keep = True
        import traceback
        traceback.print_exc()
    finally:
        night.stop_all()
        night.tear_down()
    sys.exit(code)


if __name__ == "__main__":
    main()
