"""Drives `consdb serve` with Rubin's own `ConsDbClient` (lsst-sitcom/summit_utils), unchanged.

Run by the Swift test `RealClientTests` against a live server on an empty `cdb_lsstcam` schema.
Environment:
  CONSDB_CLIENT_FILE  path of consdbClient.py (imported by path, as the issue asks)
  CONSDB_BASE         the API's base URL, e.g. http://127.0.0.1:PORT/consdb
  CONSDB_TOKEN        a write token the server accepts (starts with gt-)
Exits 0 after printing "consdbclient: N checks passed"; any failed check raises.
"""

import importlib.util
import os
import sys
from urllib.parse import urlsplit, urlunsplit

import requests

spec = importlib.util.spec_from_file_location("consdbClient", os.environ["CONSDB_CLIENT_FILE"])
client_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(client_module)
ConsDbClient = client_module.ConsDbClient
FlexibleMetadataInfo = client_module.FlexibleMetadataInfo

base = os.environ["CONSDB_BASE"]
token = os.environ["CONSDB_TOKEN"]
checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1


def refused(call, status, message_part=None):
    """Runs `call`, which must fail with `status`; returns the error's JSON body."""
    try:
        call()
    except requests.HTTPError as error:
        check(error.response.status_code == status, f"expected {status}, got {error.response.status_code}: {error.response.text}")
        body = error.response.json()
        check("message" in body, f"error body without message: {body}")
        if message_part is not None:
            check(message_part in body["message"], f"{message_part!r} not in {body['message']!r}")
        return body
    raise AssertionError(f"expected HTTP {status}, the call succeeded")


# Credentials in the URL, as notebooks do: requests sends them as HTTP Basic.
parts = urlsplit(base)
with_credentials = urlunsplit(parts._replace(netloc=f"someone:{token}@{parts.netloc}"))
basic = ConsDbClient(with_credentials)
bearer = ConsDbClient(base, token=token)
anonymous = ConsDbClient(base)
os.environ["LSST_CONSDB_PQ_URL"] = with_credentials
from_environment = ConsDbClient()

# Introspection, open to anyone; instruments arrive mixed-case.
check("lsstcam" in anonymous.schema(), "schema() lists lsstcam")
tables = anonymous.schema("LSSTCam")
check("cdb_lsstcam.exposure" in tables and "cdb_lsstcam.visit1_quicklook" in tables, f"schema('LSSTCam') lists tables: {tables}")
columns = anonymous.schema("LSSTCam", "exposure")
check(columns["exposure_id"][0] != "" and isinstance(columns["exposure_id"], tuple), f"schema of exposure: {columns.get('exposure_id')}")
qualified = anonymous.schema("LSSTCam", "cdb_lsstcam.exposure")
check(qualified == columns, "a schema-qualified table name gives the same columns")

# Writes need the token: none is a 401, Basic (URL credentials) and Bearer both work.
exposure = {
    "exposure_id": 2025060100001, "exposure_name": "MC_O_20250601_000001", "controller": "O",
    "physical_filter": "r_57", "band": "r", "s_ra": 150.1, "s_dec": 2.2,
    "obs_start": "2025-06-01T03:00:00.000", "obs_start_mjd": 60827.125, "science_program": "BLOCK-365",
}
refused(lambda: anonymous.insert("LSSTCam", "exposure", (20250601, 1), exposure), 401)
check(basic.insert("LSSTCam", "exposure", (20250601, 1), exposure).status_code == 200, "insert by_seq_num with Basic")
refused(lambda: basic.insert("LSSTCam", "exposure", (20250601, 1), exposure), 409)
check(basic.insert("LSSTCam", "exposure", (20250601, 1), exposure, allow_update=True, band="i").status_code == 200, "u=1 update")
second = dict(exposure, exposure_id=2025060100002, exposure_name="MC_O_20250601_000002", obs_start_mjd=60827.126)
check(bearer.insert("LSSTCam", "cdb_lsstcam.exposure", (20250601, 2), second).status_code == 200, "qualified table, Bearer")
check(from_environment.insert("LSSTCam", "exposure_quicklook", 2025060100001, {"mount_jitter_rms": 0.25}).status_code == 200,
      "insert by obs_id with the {table, obs_id, values} body, URL from LSST_CONSDB_PQ_URL")
check(bearer.insert("lsstcam", "cdb_lsstcam.exposure_quicklook", 2025060100001, {"mount_jitter_rms": 0.5}, allow_update=True).status_code == 200,
      "update by obs_id")
check(basic.insert_multiple("LSSTCam", "cdb_lsstcam.visit1_quicklook", {
    2025060100001: {"n_inputs": 189, "eff_time_median": 25.5},
    2025060100002: {"n_inputs": 188, "eff_time_median": 21.0},
}).status_code == 200, "insert_multiple")
check(basic.insert_multiple("LSSTCam", "visit1_quicklook", {2025060100002: {"n_inputs": 187, "eff_time_median": 22.0}},
                            allow_update=True).status_code == 200, "insert_multiple u=1")
for instrument, detector in (("LSSTCam", 94), ("LSSTCam", 95)):
    check(basic.insert(instrument, "ccdexposure", (20250601, 1), {
        "ccdexposure_id": 2025060100001 * 1000 + detector, "exposure_id": 2025060100001, "detector": detector,
    }).status_code in (200,), "ccdexposure row")

# Flexible metadata.
response = basic.add_flexible_metadata_key("LSSTCam", "exposure", "rn_seeing", "float", "seeing estimate", "arcsec", "phys.angSize")
check(response.json()["key"] == "rn_seeing", f"addkey answers the key: {response.text}")
bearer.add_flexible_metadata_key("LSSTCam", "Exposure", "rn_note", "str", "a note")
refused(lambda: bearer.add_flexible_metadata_key("LSSTCam", "exposure", "rn_note", "str", "again"), 409)
keys = anonymous.get_flexible_metadata_keys("LSSTCam", "exposure")
check(keys["rn_seeing"] == FlexibleMetadataInfo("float", "seeing estimate", "arcsec", "phys.angSize"), f"keys: {keys}")
check(keys["rn_note"].dtype == "str" and keys["rn_note"].unit is None, f"keys: {keys}")
refused(lambda: anonymous.insert_flexible_metadata("LSSTCam", "exposure", 2025060100001, {"rn_seeing": 0.7}), 401)
check(basic.insert_flexible_metadata("LSSTCam", "exposure", 2025060100001, {"rn_seeing": 0.7}, rn_note="windy").status_code == 200,
      "insert flex values")
refused(lambda: basic.insert_flexible_metadata("LSSTCam", "exposure", 2025060100001, rn_seeing=0.8), 409)
check(bearer.insert_flexible_metadata("LSSTCam", "exposure", 2025060100001, allow_update=True, rn_seeing=0.8).status_code == 200,
      "update flex values")
check(anonymous.get_flexible_metadata("LSSTCam", "exposure", 2025060100001) == {"rn_note": "windy", "rn_seeing": 0.8},
      "all flex values")
check(anonymous.get_flexible_metadata("LSSTCam", "exposure", 2025060100001, ["rn_seeing", "rn_note"]) == {"rn_note": "windy", "rn_seeing": 0.8},
      "?k=a&k=b")
check(anonymous.get_flexible_metadata("LSSTCam", "exposure", 2025060100001, ["rn_seeing"]) == {"rn_seeing": 0.8}, "?k=a")
refused(lambda: anonymous.get_flexible_metadata("LSSTCam", "exposure", 2025060100001, ["nosuch"]), 400)
row = anonymous.get_all_metadata("LSSTCam", "exposure", 2025060100001, flex=True)
check(row["band"] == "i" and row["rn_seeing"] == 0.8 and row["exposure_name"] == "MC_O_20250601_000001", f"wide row: {row}")
check("rn_seeing" not in anonymous.get_all_metadata("LSSTCam", "exposure", 2025060100001), "flex only with flex=1")

# Queries: an astropy Table; %% is a literal % as on the reference.
table = anonymous.query(
    "SELECT e.seq_num, e.band, q.mount_jitter_rms FROM cdb_lsstcam.exposure e "
    "LEFT JOIN cdb_lsstcam.exposure_quicklook q USING (day_obs, seq_num) "
    "WHERE e.science_program LIKE 'BLOCK-%%' ORDER BY e.seq_num"
)
check(list(table.colnames) == ["seq_num", "band", "mount_jitter_rms"], f"columns: {table.colnames}")
check(list(table["seq_num"]) == [1, 2] and list(table["band"]) == ["i", "r"], f"rows: {table}")
check(float(table["mount_jitter_rms"][0]) == 0.5, f"quicklook value: {table}")
check(int(anonymous.query("SELECT 7 %% 3 AS r")["r"][0]) == 1, "7 %% 3 is 1")
check(len(anonymous.query("SELECT * FROM cdb_lsstcam.exposure WHERE false")) == 0, "empty result")
flexible = anonymous.query(
    f"SELECT key, value FROM {ConsDbClient.compute_flexible_metadata_table_name('lsstcam', 'exposure')} ORDER BY key"
)
check(list(flexible["key"]) == ["rn_note", "rn_seeing"], f"flex table: {flexible}")

# Errors carry a message the client shows.
body = refused(lambda: anonymous.schema("NoSuchCam"), 404, "Invalid")
check(isinstance(body.get("valid"), list) and "lsstcam" in body["valid"], f"valid instruments: {body}")
refused(lambda: anonymous.query("SELEC * FROM cdb_lsstcam.exposure"), 400, "syntax error")
refused(lambda: anonymous.get_all_metadata("LSSTCam", "exposure", 1), 404)

print(f"consdbclient: {checks} checks passed")
sys.exit(0)
