"""Drives the TAP service of `consdb serve` with pyvo (PyPI), and with rubin_nights' `ConsDbTap`, unchanged.

Run by the Swift test `TAPClientTests` on a server whose `cdb_latiss.exposure` holds the rows that test
wrote. Every answer read through TAP (astropy tables) is compared with the same rows read as plain SQL
through `POST /consdb/query`, value by value.
Environment:
  TAP_URL          the TAP service's base URL
  CONSDB_QUERY     the URL of POST /consdb/query on the same server
  API_BASE         the server's root URL (rubin_nights' ConsDbTap appends /api/consdbtap)
  CONSDB_TOKEN     a token the server accepts (rubin_nights sends it as HTTP Basic)
  DEFAULT_MAXREC, HARD_MAXREC  the server's TAP limits
Exits 0 after printing "pyvo: N checks passed"; any failed check raises.
"""

import json
import math
import os
import urllib.request
import warnings

import numpy as np
import pyvo
from astropy.time import Time
from pyvo.dal.exceptions import DALOverflowWarning, DALQueryError

checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1


def sql_rows(query):
    """The rows of `query` through POST /consdb/query, as lists of JSON values."""
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(os.environ["CONSDB_QUERY"], data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    return answer["columns"], answer["data"]


def same_value(tap, sql, column):
    if sql is None:
        # astropy reads a NULL char cell of TABLEDATA (<TD/>) as an empty string, not masked (a known
        # astropy behaviour); the BINARY2 comparison below sees the null flag itself.
        return np.ma.is_masked(tap) or tap is None or (isinstance(tap, float) and math.isnan(tap)) or tap == ""
    if np.ma.is_masked(tap):
        return False
    if isinstance(sql, bool) or isinstance(tap, (bool, np.bool_)):
        return bool(tap) == bool(sql)
    if isinstance(sql, (int, float)):
        return math.isclose(float(tap), float(sql), rel_tol=1e-6, abs_tol=1e-9)
    if column in ("obs_start", "exp_midpt"):
        return abs((Time(str(tap), format="isot", scale="utc") - Time(sql.replace(" ", "T"), format="isot", scale="utc")).sec) < 1e-6
    return str(tap) == str(sql)


def same_table(table, query, what):
    columns, rows = sql_rows(query)
    check([c.lower() for c in table.colnames] == [c.lower() for c in columns], f"{what}: columns {table.colnames} != {columns}")
    check(len(table) == len(rows), f"{what}: {len(table)} rows through TAP, {len(rows)} through SQL")
    for index, row in enumerate(rows):
        for name, value in zip(table.colnames, row):
            check(same_value(table[name][index], value, name), f"{what}: row {index} {name}: TAP {table[name][index]!r}, SQL {value!r}")


tap = pyvo.dal.TAPService(os.environ["TAP_URL"])

# Capabilities and limits
check(tap.maxrec == int(os.environ["DEFAULT_MAXREC"]), f"maxrec {tap.maxrec}")
check(tap.hardlimit == int(os.environ["HARD_MAXREC"]), f"hardlimit {tap.hardlimit}")
check(any(c.standardid.startswith("ivo://ivoa.net/std/TAP") for c in tap.capabilities), "no TAP capability")
check(tap.available, "the service says it is not available")

# Tables from TAP_SCHEMA, with their metadata
tables = {t.name: t for t in tap.tables}
check("cdb_latiss.exposure" in tables, f"cdb_latiss.exposure missing from {sorted(tables)[:20]}")
ra = [c for c in tables["cdb_latiss.exposure"].columns if c.name == "s_ra"]
check(len(ra) == 1 and ra[0].ucd == "pos.eq.ra", f"s_ra metadata {ra}")
check(any(name.lower() == "tap_schema.columns" for name in tables), "TAP_SCHEMA.columns not listed")

# Sync, TABLEDATA and BINARY2, equal to SQL
adql = ("SELECT exposure_id, day_obs, seq_num, s_ra, s_dec, obs_start, band, airmass, emulated "
        "FROM cdb_latiss.exposure ORDER BY exposure_id")
tabledata = tap.search(adql).to_table()
same_table(tabledata, adql, "sync TABLEDATA")
binary2 = tap.search(adql, RESPONSEFORMAT="votable/b2").to_table()
same_table(binary2, adql, "sync BINARY2")
check(str(tabledata["obs_start"][0]).count("T") == 1, f"timestamps come as ISO text: {tabledata['obs_start'][0]}")

# MAXREC: cut, and said so (pyvo warns only when the cut is not the client's own maxrec)
cut = tap.search(adql, maxrec=3)
check(len(cut.to_table()) == 3, f"maxrec=3 gave {len(cut)} rows")
check(cut.query_status.lower() == "overflow", f"maxrec=3: QUERY_STATUS {cut.query_status}")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    limited = tap.search(adql)
check(len(limited) == int(os.environ["DEFAULT_MAXREC"]) or len(limited) == len(sql_rows(adql)[1]), f"default maxrec gave {len(limited)}")
check(len(limited) == len(sql_rows(adql)[1]) or any(issubclass(w.category, DALOverflowWarning) for w in caught),
      "a result cut at the service's default MAXREC gave no overflow warning")

# TOP, ADQL functions and geometry on pgSphere
top = tap.search("SELECT TOP 2 exposure_id FROM cdb_latiss.exposure ORDER BY exposure_id DESC").to_table()
check(len(top) == 2, f"TOP 2 gave {len(top)} rows")
columns, rows = sql_rows("SELECT exposure_id, s_ra, s_dec FROM cdb_latiss.exposure WHERE s_ra IS NOT NULL")
centre = (150.1, 2.2, 1.75)


def separation(ra1, dec1, ra2, dec2):
    ra1, dec1, ra2, dec2 = map(math.radians, (ra1, dec1, ra2, dec2))
    value = math.sin((dec2 - dec1) / 2) ** 2 + math.cos(dec1) * math.cos(dec2) * math.sin((ra2 - ra1) / 2) ** 2
    return math.degrees(2 * math.asin(math.sqrt(value)))


inside = sorted(r[0] for r in rows if separation(r[1], r[2], centre[0], centre[1]) < centre[2])
cone = tap.search("SELECT exposure_id FROM cdb_latiss.exposure WHERE "
                  "CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 150.1, 2.2, 1.75)) = 1 ORDER BY exposure_id").to_table()
check(inside and [int(x) for x in cone["exposure_id"]] == inside, f"cone search: TAP {list(cone['exposure_id'])}, expected {inside}")

# Async: run_async, and submit_job / run / wait / fetch_result
same_table(tap.run_async(adql).to_table(), adql, "run_async")
job = tap.submit_job(adql)
check(job.phase == "PENDING", f"new job in phase {job.phase}")
job.run()
job.wait(phases=["COMPLETED", "ERROR", "ABORTED"], timeout=120)
check(job.phase == "COMPLETED", f"job ended in {job.phase}")
same_table(job.fetch_result().to_table(), adql, "submit_job")
job.delete()

# A bad query is a DALQueryError that says what and where
try:
    tap.search("SELECT exposure_id FROM cdb_latiss.exposure WHERE")
    check(False, "a truncated query was accepted")
except DALQueryError as error:
    check("line 1" in str(error) or "column" in str(error), f"error without a position: {error}")
try:
    tap.search("SELECT pg_sleep(1) FROM cdb_latiss.exposure")
    check(False, "pg_sleep was accepted")
except DALQueryError as error:
    check("pg_sleep" in str(error).lower(), f"error does not name the function: {error}")

# rubin_nights' ConsDbTap, unchanged (it appends /api/consdbtap and sends the token as Basic)
api_base = os.environ.get("API_BASE")
if api_base:
    from rubin_nights.consdb_query import ConsDbTap

    frame = ConsDbTap(api_base, os.environ["CONSDB_TOKEN"]).query(adql)
    check(len(frame) == len(sql_rows(adql)[1]), f"ConsDbTap gave {len(frame)} rows")

print(f"pyvo: {checks} checks passed")
