"""Drives `consdb serve` with `rubin_nights.consdb_query.ConsDbFastAPI` (PyPI rubin-nights), unchanged.

Run by the Swift test `RealClientTests` after `consdbclient_check.py` has filled `cdb_lsstcam` (two
exposures of day 20250601, their quicklook rows and two detectors of exposure 1).
Environment:
  CONSDB_API_BASE  the server's root URL, e.g. http://127.0.0.1:PORT (the client adds /consdb)
  CONSDB_TOKEN     sent as the password of HTTP Basic, as notebooks do
Exits 0 after printing "rubin_nights: N checks passed"; any failed check raises.
"""

import logging
import os
import sys

from astropy.time import Time
from rubin_nights.consdb_query import ConsDbFastAPI

checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1


# The client logs failed requests and returns an empty frame instead of raising: make them fail the check.
class FailOnError(logging.Handler):
    def emit(self, record):
        if record.levelno >= logging.ERROR:
            raise AssertionError(f"rubin_nights logged an error: {record.getMessage()}")


logging.getLogger("rubin_nights").addHandler(FailOnError())

consdb = ConsDbFastAPI(os.environ["CONSDB_API_BASE"], auth=("user", os.environ["CONSDB_TOKEN"]))

frame = consdb.query("SELECT seq_num, band, science_program FROM cdb_lsstcam.exposure "
                     "WHERE science_program LIKE 'BLOCK-%%' ORDER BY seq_num")
check(list(frame.columns) == ["seq_num", "band", "science_program"], f"columns: {list(frame.columns)}")
check(list(frame["seq_num"]) == [1, 2], f"rows: {frame}")
check(int(consdb.query("SELECT 7 %% 3 AS r")["r"][0]) == 1, "7 %% 3")

# get_visits: visit1.* joined to visit1_quicklook.* repeats visit_id, day_obs and seq_num.
visits = consdb.get_visits("lsstcam", t_start=Time(60827.0, format="mjd"), t_end=Time(60828.0, format="mjd"),
                           visit_constraint="visit1.science_program = 'BLOCK-365'", augment=False)
check(len(visits) == 2, f"two visits: {visits}")
check(list(visits["visit_id"]) == [2025060100001, 2025060100002], f"visit ids: {list(visits['visit_id'])}")
check(list(visits["n_inputs"]) == [189, 187], f"quicklook joined: {list(visits['n_inputs'])}")
check(not visits.columns.duplicated().any(), "duplicate columns removed by the client")
check(abs(float(visits["obs_start_mjd"].iloc[0]) - 60827.125) < 1e-9, "obs_start_mjd")
check(len(consdb.get_visits("lsstcam", t_start=Time(60900.0, format="mjd"), augment=False)) == 0, "no visits later")
augmented = consdb.get_visits("lsstcam", t_start=Time(60827.0, format="mjd"))
check(len(augmented) == 2 and "visit_gap" in augmented.columns and "galactic_lat" in augmented.columns,
      f"augmented visits: {list(augmented.columns)[-6:]}")

# query_ccdvisits: v.*, c.detector, cq.* (detector twice, and so on).
ccds = consdb.query_ccdvisits("lsstcam", 2025060100001)
check(sorted(ccds["detector"]) == [94, 95], f"detectors: {ccds}")
check(set(ccds["visit_id"]) == {2025060100001}, "visit id")
check(len(consdb.query_ccdvisits("lsstcam", 2025060100001, detector_min=95)) == 1, "detector_min")

print(f"rubin_nights: {checks} checks passed")
sys.exit(0)
