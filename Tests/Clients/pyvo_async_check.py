"""Drives the async TAP routes with pyvo's own job class, as observers' scripts do.

TAP_BASE is the service's base URL (http://host:port/consdb/tap). The server under test runs QUERY as
plain SQL and writes CSV, so results are read as text rather than as VOTables. Exits non-zero with a
message at the first answer that is not what pyvo expects.
"""
import datetime
import os
import sys
import time

import requests
from pyvo.dal import DALQueryError, TAPService
from pyvo.dal.tap import AsyncTAPJob

base = os.environ["TAP_BASE"]


def check(condition, message):
    if not condition:
        print("pyvo_async: FAILED: " + message)
        sys.exit(1)


query = "SELECT id FROM public.obs WHERE id <= 3 ORDER BY id"
job = AsyncTAPJob.create(base, query, maxrec=10)
check(job.phase == "PENDING", f"new job phase {job.phase}")
check(job.uws_version == "1.1", f"UWS version {job.uws_version}")
check(job.query == query, f"query parameter {job.query!r}")
job.execution_duration = 120
check(round(job.execution_duration.sec) == 120, f"execution duration {job.execution_duration}")
destruction = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(days=1)
job.destruction = destruction


def utc_seconds(moment):
    if hasattr(moment, "unix"):  # pyvo reads UWS times as astropy Times
        return moment.unix
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


check(abs(utc_seconds(job.destruction) - utc_seconds(destruction)) < 1, f"destruction {job.destruction} for {destruction}")
job.run()
job.wait(timeout=60)
check(job.phase == "COMPLETED", f"phase after wait {job.phase}")
job.raise_if_error()
text = requests.get(job.result_uri, timeout=30).text
check(text == "id\n1\n2\n3\n", f"result {text!r} from {job.result_uri}")

failing = AsyncTAPJob.create(base, "SELECT nothing FROM public.obs")
failing.run()
failing.wait(timeout=60)
check(failing.phase == "ERROR", f"failing job phase {failing.phase}")
try:
    failing.raise_if_error()
    check(False, "raise_if_error did not raise")
except DALQueryError as error:
    check("nothing" in str(error), f"error message {error}")

slow = AsyncTAPJob.create(base, "-- block\nSELECT 1")
slow.run()
# Polled rather than through wait(): a WAIT on a job already EXECUTING blocks until its phase changes.
deadline = time.monotonic() + 60
while slow.phase != "EXECUTING" and time.monotonic() < deadline:
    time.sleep(0.05)
check(slow.phase == "EXECUTING", f"blocking job phase {slow.phase}")
slow.abort()
check(slow.phase == "ABORTED", f"aborted job phase {slow.phase}")

service = TAPService(base)
listed = {ref.jobid: ref.phase for ref in service.get_job_list()}
check(listed.get(job.job_id) == "COMPLETED" and listed.get(slow.job_id) == "ABORTED", f"job list {listed}")
errors = [ref.jobid for ref in service.get_job_list(phases=["ERROR"])]
check(errors == [failing.job_id], f"ERROR jobs {errors}")
check(len(service.get_job_list(last=1)) == 1, "LAST=1")

url = job.url
job.delete()
check(requests.get(url, timeout=30).status_code == 404, "deleted job still served")
print(f"pyvo_async: ok ({len(listed)} jobs)")
