#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora in tests/fuzz/corpus/fuzz-<target>/, one input per file.

The values follow the layouts and example vectors of the BLE health-profile
reference (ble-health-gatt.md); each seed is named after what it is. Run it
from anywhere after changing a seed here; it overwrites the files it names and
leaves others alone (remove a renamed seed by hand).
"""

import json
import os
import struct

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def sfloat(mantissa, exponent=0):
    """IEEE 11073 16-bit SFLOAT, little-endian."""
    return struct.pack("<H", (exponent & 0xF) << 12 | (mantissa & 0xFFF))


def float32(mantissa, exponent=0):
    """IEEE 11073 32-bit FLOAT, little-endian."""
    return struct.pack("<I", (exponent & 0xFF) << 24 | (mantissa & 0xFFFFFF))


def dt(year, month, day, hours, minutes, seconds):
    """Date Time 2A08, 7 octets."""
    return struct.pack("<HBBBBB", year, month, day, hours, minutes, seconds)


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def be16(v):
    return struct.pack(">H", v)


def u24(v):
    return struct.pack("<I", v)[:3]


SF_NAN, SF_NRES, SF_PINF, SF_MINF, SF_RSVD = (
    bytes.fromhex(h) for h in ("ff07", "0008", "fe07", "0208", "0108"))
FL_NAN, FL_NRES, FL_PINF, FL_MINF, FL_RSVD = (
    bytes.fromhex(h) for h in ("ffff7f00", "00008000", "feff7f00", "02008000", "01008000"))

TS = dt(2024, 3, 15, 8, 30, 0)

# ---- fuzz-bpm: selector (quirk bits 0-1, (octet >> 2) % 3: 2A35, 2A36, 2A49) + value ----
BPM, ICP, FEATURE = 0x00, 0x04, 0x08
BIG_ENDIAN, ALWAYS_USER_ID = 0x01, 0x02
bp = sfloat(142) + sfloat(91) + sfloat(108)
# Beurer BM85: RFU flag bit 6, MAP 0, pulse and status big-endian, User ID with flag bit 3 clear.
bm85 = (bytes([0x56]) + sfloat(130) + sfloat(85) + sfloat(0) + TS + be16(63) + bytes([1])
        + be16(0x0000))
bpm = {
    "bpm-mmhg-minimal": bytes([BPM, 0x00]) + sfloat(120) + sfloat(80) + sfloat(93),
    "bpm-kpa-minimal": bytes([BPM, 0x01]) + sfloat(160, -1) + sfloat(107, -1) + sfloat(124, -1),
    "bpm-mmhg-full": bytes([BPM, 0x1E]) + bp + TS + sfloat(72) + bytes([1]) + u16(0x0027),
    "bpm-kpa-full": bytes([BPM, 0x1F]) + sfloat(189, -1) + sfloat(121, -1) + sfloat(144, -1) + TS
    + sfloat(88) + bytes([255]) + u16(0x0012),
    "bpm-year0-timestamp": bytes([BPM, 0x02]) + bp + dt(0, 4, 17, 20, 41, 59),
    "bpm-invalid-timestamp": bytes([BPM, 0x02]) + bp + dt(2024, 13, 32, 24, 60, 60),
    "bpm-status-pulse-above-range": bytes([BPM, 0x14]) + bp + sfloat(180) + u16(0x0008),
    "bpm-specials-systolic-nan": bytes([BPM, 0x00]) + SF_NAN + sfloat(80) + sfloat(93),
    "bpm-specials-map-pulse": bytes([BPM, 0x04]) + sfloat(120) + sfloat(80) + SF_NRES + SF_PINF,
    "bpm-out-of-range-systolic": bytes([BPM, 0x00]) + sfloat(450) + sfloat(80) + sfloat(93),
    "bpm-truncated-full-flags": bytes([BPM, 0x1E]) + bp + TS[:4],
    "bpm-empty": bytes([BPM]),
    "bpm-beurer-bm85": bytes([BPM | BIG_ENDIAN | ALWAYS_USER_ID]) + bm85,
    "bpm-beurer-bm85-strict": bytes([BPM]) + bm85,
    "bpm-quirk-always-user-id": bytes([BPM | ALWAYS_USER_ID, 0x00]) + bp + bytes([2]),
    "bpm-quirk-big-endian": bytes([BPM | BIG_ENDIAN, 0x14]) + bp + be16(72) + be16(0x0005),
    "icp-cuff-pressure": bytes([ICP, 0x00]) + sfloat(96) + sfloat(0) + sfloat(0),
    "icp-cuff-pressure-nan-unused": bytes([ICP, 0x00]) + sfloat(152) + SF_NAN + SF_NAN,
    "bpm-feature-all": bytes([FEATURE]) + u16(0x003F),
    "bpm-feature-short": bytes([FEATURE, 0x3F]),
}

# ---- fuzz-glucose: measurement length + 2A18 measurement + 2A34 context ----


def gls(flags, seq, base, offset=None, conc=None, type_location=0x11, status=None):
    v = bytes([flags]) + u16(seq) + base
    if offset is not None:
        v += struct.pack("<h", offset)
    if conc is not None:
        v += conc + bytes([type_location])
    if status is not None:
        v += u16(status)
    return v


def with_context(measurement, context=b""):
    return bytes([len(measurement)]) + measurement + context


ctx_full = (bytes([0xFF]) + u16(7) + bytes([0x00]) + bytes([1]) + sfloat(50, -3) + bytes([1])
            + bytes([0x51]) + u16(600) + bytes([50]) + bytes([1]) + sfloat(8, -6) + sfloat(65, -1))
gls_base = dt(2024, 3, 15, 11, 10, 30)
glucose = {
    "gls-minimal-no-concentration": with_context(gls(0x00, 1, gls_base)),
    "gls-kg-per-l": with_context(gls(0x02, 5, gls_base, conc=sfloat(120, -5))),
    "gls-mol-per-l": with_context(gls(0x06, 6, gls_base, conc=sfloat(65, -4), type_location=0x22)),
    "gls-full-offset-minus-5": with_context(
        gls(0x1B, 7, gls_base, offset=-5, conc=sfloat(98, -5), status=0x0001)),
    "gls-full-with-context": with_context(
        gls(0x1B, 7, gls_base, offset=-5, conc=sfloat(98, -5), status=0x0001), ctx_full),
    "gls-context-meal-only": with_context(
        gls(0x12, 8, gls_base, conc=sfloat(140, -5)), bytes([0x02]) + u16(8) + bytes([2])),
    "gls-context-seq-mismatch": with_context(
        gls(0x12, 9, gls_base, conc=sfloat(140, -5)), bytes([0x02]) + u16(10) + bytes([1])),
    "gls-context-truncated": with_context(
        gls(0x12, 11, gls_base, conc=sfloat(140, -5)), bytes([0x7F]) + u16(11) + bytes([1, 2])),
    "gls-control-solution": with_context(
        gls(0x02, 12, gls_base, conc=sfloat(100, -5), type_location=0x4A)),
    "gls-status-all-bits": with_context(
        gls(0x0A, 13, gls_base, conc=sfloat(300, -5), status=0x0FFF)),
    "gls-offset-across-leap-day": with_context(
        gls(0x03, 14, dt(2024, 2, 28, 23, 58, 0), offset=1445, conc=sfloat(110, -5))),
    "gls-offset-overrun": with_context(
        gls(0x03, 15, gls_base, offset=0x7FFF, conc=sfloat(110, -5))),
    "gls-offset-past-year-9999": with_context(
        gls(0x03, 16, dt(9999, 12, 31, 23, 59, 0), offset=5, conc=sfloat(110, -5))),
    "gls-invalid-base-time": with_context(
        gls(0x03, 17, dt(0, 0, 0, 0, 0, 0), offset=10, conc=sfloat(110, -5))),
    "gls-concentration-nan": with_context(gls(0x02, 18, gls_base, conc=SF_NAN)),
    "gls-concentration-too-high": with_context(gls(0x06, 19, gls_base, conc=sfloat(700, -4))),
    "gls-truncated": with_context(gls(0x0B, 20, gls_base)[:12]),
    "gls-feature": with_context(u16(0x07FF)),
}

# ---- fuzz-racp: the whole input is a 2A52 indication ----
racp = {
    "racp-count-10": bytes.fromhex("05000a00"),
    "racp-success": bytes.fromhex("06000101"),
    "racp-no-records": bytes.fromhex("06000106"),
    "racp-abort-success": bytes.fromhex("06000301"),
    "racp-opcode-not-supported": bytes.fromhex("06000202"),
    "racp-reserved-response-code": bytes.fromhex("0600010a"),
    "racp-operator-not-null": bytes.fromhex("06010101"),
    "racp-count-one-octet": bytes.fromhex("050001"),
    "racp-count-four-octets": bytes.fromhex("050004030201"),
    "racp-request-report-all": bytes.fromhex("0101"),
    "racp-request-report-from-2": bytes.fromhex("0103010200"),
    "racp-unknown-opcode": bytes.fromhex("07000101"),
    "racp-empty": b"",
}

# ---- fuzz-plx: selector % 3 (2A5E, 2A5F, 2A60) + value ----
SPOT, CONT, FEAT = 0, 1, 2
plx = {
    "plx-spot-minimal": bytes([SPOT, 0x00]) + sfloat(98) + sfloat(72),
    "plx-spot-exponent-minus-one": bytes([SPOT, 0x00]) + sfloat(1000, -1) + sfloat(650, -1),
    "plx-spot-full": bytes([SPOT, 0x0F]) + sfloat(97) + sfloat(80) + TS + u16(0x0080) + u24(0)
    + sfloat(25, -1),
    "plx-spot-clock-not-set": bytes([SPOT, 0x11]) + sfloat(96) + sfloat(70)
    + dt(2000, 1, 1, 0, 0, 0),
    "plx-spot-invalid-low-perfusion": bytes([SPOT, 0x06]) + sfloat(88) + sfloat(110) + u16(0x8000)
    + u24(0x000020),
    "plx-spot-spo2-nan": bytes([SPOT, 0x00]) + SF_NAN + sfloat(72),
    "plx-spot-pr-unavailable": bytes([SPOT, 0x08]) + sfloat(95) + SF_NAN + SF_NRES,
    "plx-spot-truncated": bytes([SPOT, 0x0F]) + sfloat(97) + sfloat(80) + TS[:3],
    "plx-cont-minimal": bytes([CONT, 0x00]) + sfloat(97) + sfloat(75),
    "plx-cont-full": bytes([CONT, 0x1F]) + sfloat(97) + sfloat(75) + sfloat(96) + sfloat(78)
    + sfloat(97) + sfloat(74) + u16(0x0C20) + u24(0x00E000) + sfloat(31, -1),
    "plx-cont-spo2-over-100": bytes([CONT, 0x00]) + sfloat(1010, -1) + sfloat(75),
    "plx-cont-truncated": bytes([CONT, 0x03]) + sfloat(97) + sfloat(75) + sfloat(96),
    "plx-features-example": bytes([FEAT]) + bytes.fromhex("a3004010800100"),
    "plx-features-short": bytes([FEAT]) + bytes.fromhex("030040"),
    "plx-empty": bytes([SPOT]),
}

# ---- fuzz-thermometer: the whole input is a 2A1C value ----
thermometer = {
    "thermo-celsius-minimal": bytes([0x00]) + float32(3760, -2),
    "thermo-example-full": bytes.fromhex("06b00e00fedc070c050b321b04"),
    "thermo-example-truncated": bytes.fromhex("06b00e00fedc070c050b321b"),
    "thermo-fahrenheit": bytes([0x01]) + float32(986, -1),
    "thermo-fahrenheit-timestamp": bytes([0x03]) + float32(1004, -1) + TS,
    "thermo-nan": bytes([0x00]) + FL_NAN,
    "thermo-nres": bytes([0x00]) + FL_NRES,
    "thermo-plus-inf": bytes([0x00]) + FL_PINF,
    "thermo-minus-inf": bytes([0x00]) + FL_MINF,
    "thermo-reserved": bytes([0x00]) + FL_RSVD,
    "thermo-out-of-range": bytes([0x00]) + float32(500, -1),
    "thermo-huge-exponent": bytes([0x00]) + float32(0x7FFFFD, 127),
    "thermo-tiny-exponent": bytes([0x00]) + float32(-0x800000, -128),
    "thermo-type-reserved": bytes([0x04]) + float32(365, -1) + bytes([0x0A]),
    "thermo-empty": b"",
}

# ---- fuzz-weight: the whole input is a 2A9D value ----
weight = {
    "weight-and-uc352ble-capture": bytes.fromhex("025433ea07081608" "2a24"),
    "weight-si-minimal": bytes([0x00]) + u16(13140),
    "weight-imperial-minimal": bytes([0x01]) + u16(15000),
    "weight-si-full": bytes([0x0E]) + u16(14000) + TS + bytes([1]) + u16(225) + u16(1750),
    "weight-imperial-full": bytes([0x0F]) + u16(16000) + TS + bytes([255]) + u16(243) + u16(680),
    "weight-unsuccessful": bytes([0x00]) + u16(0xFFFF),
    "weight-xiaomi-rfu-bits": bytes([0xA2]) + u16(13140) + TS,
    "weight-bmi-height-zero": bytes([0x08]) + u16(13140) + u16(0) + u16(0),
    "weight-height-too-tall": bytes([0x09]) + u16(16000) + u16(243) + u16(65535),
    "weight-truncated": bytes([0x0E]) + u16(14000) + TS[:5],
    "weight-empty": b"",
}

# ---- fuzz-time: 10 octets of Current Time, then 8 octets of signed minutes ----


def minutes(n):
    return struct.pack("<q", n)


cts = bytes.fromhex("e10701040b262d030102")
time = {
    "cts-example": cts,
    "cts-example-plus-one-day": cts + minutes(1440),
    "date-time-only": dt(2024, 3, 15, 8, 30, 0),
    "date-time-truncated": dt(2024, 3, 15, 8, 30, 0)[:6],
    "cts-year0-unknown": dt(0, 4, 17, 20, 41, 59) + bytes([0, 0, 0]) + minutes(5),
    "cts-out-of-range-parts": dt(2024, 13, 32, 24, 60, 60) + bytes([8, 255, 0xFF]),
    "cts-leap-day-minus-5": dt(2024, 2, 29, 0, 2, 0) + bytes([4, 0, 1]) + minutes(-5),
    "cts-non-leap-feb-29": dt(2023, 2, 29, 12, 0, 0) + bytes([3, 0, 0]) + minutes(1),
    "cts-century-non-leap": dt(1900, 2, 28, 23, 59, 0) + bytes([3, 0, 0]) + minutes(1),
    "cts-last-minute-of-9999": dt(9999, 12, 31, 23, 59, 0) + bytes([5, 0, 0]) + minutes(1),
    "cts-first-day-of-1582": dt(1582, 1, 1, 0, 0, 0) + bytes([5, 0, 0]) + minutes(-1),
    "cts-minutes-a-million-years": cts + minutes(525960 * 1000000),
    "time-empty": b"",
}

# ---- fuzz-hex: selector (decode-as index in bits 0-4, quirks in bits 5-6) + text ----
AS = {name: i for i, name in enumerate([
    "2A35", "2A36", "2A49", "2A18", "2A34", "2A51", "2A52", "2A5E", "2A5F", "2A60",
    "2A1C", "2A1E", "2A9D", "2A08", "2A2B", "sfloat", "float", "0x2a35", "2a9d", "FLOAT",
    "180D", "2A37", "zz"])}


def hexseed(what, text, quirks=0):
    return bytes([AS[what] | quirks << 5]) + text.encode()


hexs = {
    "hex-bpm-full-spaces": hexseed("2A35", " ".join(f"{b:02x}" for b in bpm["bpm-mmhg-full"][1:])),
    "hex-bpm-bm85-colons-quirks": hexseed("2A35", ":".join(f"{b:02X}" for b in bm85), quirks=3),
    "hex-bpm-feature": hexseed("2A49", "3f00"),
    "hex-glucose-full": hexseed("2A18", glucose["gls-full-offset-minus-5"][1:].hex()),
    "hex-glucose-context-full": hexseed("2A34", ctx_full.hex()),
    "hex-racp-success": hexseed("2A52", "06 00 01 01"),
    "hex-plx-spot-full": hexseed("2A5E", plx["plx-spot-full"][1:].hex()),
    "hex-plx-cont-full": hexseed("2A5F", plx["plx-cont-full"][1:].hex()),
    "hex-plx-features": hexseed("2A60", "a3 00 40 10 80 01 00"),
    "hex-thermo-example": hexseed("2A1C", "06b00e00fedc070c050b321b04"),
    "hex-weight-capture": hexseed("2A9D", "02 54 33 ea 07 08 16 08 2a 24"),
    "hex-date-time": hexseed("2A08", "e8 07 03 0f 08 1e 00"),
    "hex-current-time": hexseed("2A2B", "e1\t07\t01\t04\t0b\t26\t2d\t03\t01\t02"),
    "hex-sfloat-36-5": hexseed("sfloat", "6df1"),
    "hex-float-37-60": hexseed("FLOAT", "b00e00fe"),
    "hex-uuid-prefixed": hexseed("0x2a35", "0x2A35"),
    "hex-odd-digits": hexseed("2A35", "1e8"),
    "hex-not-hex": hexseed("2A35", "1e zz"),
    "hex-too-long": hexseed("2A9D", "00" * 41),
    "hex-unsupported-uuid": hexseed("180D", "0048"),
}

# ---- fuzz-record-json: raw JSON text ----


def rec(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def value(quantity, v, unit, raw=None, raw_unit=None):
    return {"quantity": quantity, "value": v, "unit": unit,
            "raw": v if raw is None else raw, "raw_unit": raw_unit or unit}


def reading(seq, device, measurement, values, **extra):
    r = {"v": 1, "kind": "reading", "seq": seq, "ts": 1700000000000 + seq * 1000,
         "device": device, "measurement": measurement, "mode": "spot", "device_time": None,
         "device_record": None, "meal": None, "values": values, "flags": []}
    r.update(extra)
    return r


bp_values = [value("systolic", 142, "mmHg"), value("diastolic", 91, "mmHg")]
valid_records = {
    "reading-blood-pressure": reading(1, "bpm1", "blood_pressure", bp_values),
    "reading-blood-pressure-kpa-full": reading(
        2, "bpm1", "blood_pressure",
        [value("systolic", 141.8, "mmHg", 18.9, "kPa"),
         value("diastolic", 90.8, "mmHg", 12.1, "kPa"),
         value("mean_arterial", 108, "mmHg", 14.4, "kPa"), value("pulse_rate", 88, "/min")],
        device_time="2024-03-15T08:30:00", flags=["cuff_loose", "pulse_below_range"]),
    "reading-glucose-stored-meal": reading(
        3, "gls1", "glucose", [value("glucose", 5.44, "mmol/L", 0.00098, "kg/L")], mode="stored",
        device_time="2024-03-15T11:05:30", device_record=7, meal="preprandial",
        flags=["battery_low"]),
    "reading-spo2-continuous": reading(
        4, "plx1", "pulse_oximetry",
        [value("spo2", 97, "%"), value("pulse_rate", 75, "/min"),
         value("perfusion_index", 3.1, "%")],
        mode="continuous", flags=["measurement_ongoing", "test_data"]),
    "reading-temperature-fahrenheit": reading(
        5, "thermo1", "body_temperature", [value("body_temperature", 37, "C", 98.6, "F")],
        device_time="2012-12-05T11:50:27"),
    "reading-weight-bmi-height": reading(
        6, "scale1", "body_weight",
        [value("weight", 70, "kg"), value("bmi", 22.5, "kg/m2"), value("height", 1.75, "m")]),
    "reading-bedside-minimal": {"v": 1, "kind": "reading", "seq": 7, "ts": 0, "device": "bed.1",
                                "measurement": "bedside",
                                "values": [value("bed_occupancy", 1, "1")]},
    # record_to_json() printed both as 9.00719925474099e+15, one less than sent.
    "crash-seq-ts-max-rounded": reading(9007199254740991, "bpm1", "blood_pressure", bp_values,
                                        ts=9007199254740991),
    "alert-raised-thresholds": {
        "v": 1, "kind": "alert", "seq": 10, "ts": 1700000060000, "alert_id": 3,
        "rule": "BP_HIGH", "severity": "P2", "state": "raised", "confirmation": "pending",
        "readings": [1, 2], "thresholds": {"systolic_max": 140, "diastolic_max": 90},
        "message": "Blutdruck 142/91 mmHg \u2013 bitte erneut messen"},
    "alert-cleared-minimal": {
        "v": 1, "kind": "alert", "seq": 11, "ts": 1700000120000, "alert_id": 3,
        "rule": "BP_HIGH", "severity": "P2", "state": "cleared", "confirmation": "not_required",
        "readings": []},
    "event-call": {"v": 1, "kind": "event", "seq": 12, "ts": 1700000180000, "event": "call",
                   "device": None, "detail": {}, "message": None},
    "event-device-error-detail": {
        "v": 1, "kind": "event", "seq": 13, "ts": 1700000240000, "event": "device_error",
        "device": "gls1", "detail": {"reason": "racp timeout", "att_error": "0x81"},
        "message": "glucose meter did not answer \"report all\""},
    "status-online-devices": {
        "v": 1, "kind": "status", "ts": 1700000300000, "state": "online", "version": "0.1.0",
        "outbox_depth": 0, "clock_synced": True, "storage_ok": True,
        "devices": [
            {"name": "bpm1", "address": "AA:BB:CC:DD:EE:01", "profile": "blood_pressure",
             "connected": True, "last_reading_ts": 1700000000000, "battery": 80, "rssi": -67,
             "clock_offset_s": -4},
            {"name": "gls1", "address": "AA:BB:CC:DD:EE:02", "profile": "glucose",
             "connected": False, "last_reading_ts": None, "battery": None, "rssi": None,
             "clock_offset_s": None}]},
    "status-offline-no-devices": {
        "v": 1, "kind": "status", "ts": 1700000360000, "state": "offline", "version": "0.1.0",
        "outbox_depth": 12, "clock_synced": False, "storage_ok": False, "devices": []},
}
bp1 = valid_records["reading-blood-pressure"]
invalid_records = {
    "invalid-unknown-field": dict(bp1, colour="red"),
    "invalid-systolic-out-of-range": dict(bp1, values=[value("systolic", 412, "mmHg"),
                                                       value("diastolic", 91, "mmHg")]),
    "invalid-wrong-unit": dict(bp1, values=[value("systolic", 142, "kPa"),
                                            value("diastolic", 91, "mmHg")]),
    "invalid-duplicate-flag": dict(bp1, flags=["cuff_loose", "cuff_loose"]),
    "invalid-device-time": dict(bp1, device_time="2023-02-29T12:00:00"),
}
record_json = {name: rec(obj) for name, obj in {**valid_records, **invalid_records}.items()}
record_json["invalid-not-json"] = b"{\"v\":1,\"kind\":"

# ---- fuzz-config: INI text ----
config = {
    "config-full": """; bedlink gateway
[gateway]
site = ward-3
port = 1883
drift_ppm = -12.5
verbose = yes

[device.bpm1]
address = AA:BB:CC:DD:EE:01
interval_s = 300
enabled = true

[device.gls1]
address = AA:BB:CC:DD:EE:02
enabled = off
""",
    "config-five-devices": "".join(
        f"[device.d{i}]\naddress = AA:BB:CC:DD:EE:0{i}\n" for i in range(5)),
    "config-device-repeated":
        "[device.bpm1]\ninterval_s = 60\n[gateway]\nport=1\n[device.bpm1]\nenabled = 0\n",
    "config-device-name-too-long": "[device." + "x" * 40 + "]\nenabled = 1\n",
    "config-unknown-section": "[cloud]\nurl = https://example.org\n",
    "config-unknown-key": "[gateway]\ncolour = red\n",
    "config-int-out-of-range": "[gateway]\nport = 70000\n",
    "config-int-not-a-number": "[gateway]\nport = 18x3\n",
    "config-double-nan": "[gateway]\ndrift_ppm = nan\n",
    "config-bool-bad": "[gateway]\nverbose = maybe\n",
    "config-string-empty": "[gateway]\nsite =\n",
    "config-string-too-long": "[gateway]\nsite = " + "w" * 40 + "\n",
    "config-syntax-error": "[gateway\nport = 1883\n",
    "config-key-before-section": "port = 1883\n",
    "config-crlf-comments": "# comment\r\n[gateway]\r\nport = 8883 ; inline\r\nverbose = off\r\n",
    "config-long-line": "[gateway]\nsite = " + "a" * 300 + "\n",
    "config-empty": "",
}

TARGETS = {
    "fuzz-bpm": bpm,
    "fuzz-glucose": glucose,
    "fuzz-racp": racp,
    "fuzz-plx": plx,
    "fuzz-thermometer": thermometer,
    "fuzz-weight": weight,
    "fuzz-time": time,
    "fuzz-hex": hexs,
    "fuzz-record-json": record_json,
    "fuzz-config": {name: text.encode() for name, text in config.items()},
}


def main():
    for target, seeds in TARGETS.items():
        folder = os.path.join(CORPUS, target)
        os.makedirs(folder, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
