// SPDX-License-Identifier: MIT
/*
 * Blood Pressure Service decoders under libFuzzer. The first octet picks the
 * quirk bits (bits 0-1) and the characteristic ((octet >> 2) % 3: 2A35, 2A36, 2A49);
 * the rest is the value. Whatever decodes must agree with its flags, and a
 * measurement that converts must make a reading the wire protocol accepts.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ble-reading.h"
#include "bpm.h"
#include "macro.h"
#include "quirks.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* A converted reading, completed with what only the gateway knows, is a valid record. */
static void check_reading(const struct reading *rd)
{
	struct record rec = { .kind = RECORD_READING, .seq = 1, .ts = 1700000000000 };
	_cleanup_free_ char *json = NULL;
	struct record_error err;
	struct record back;

	rec.reading = *rd;
	snprintf(rec.reading.device, sizeof(rec.reading.device), "bpm1");
	require(record_validate(&rec, &err) == 0);
	require(record_to_json(&rec, &json, &err) == 0);
	require(record_from_json(json, strlen(json), &back, &err) == 0);
}

/* The fields present are exactly those the flags (and quirks) announce. */
static void check_measurement(const struct bpm_measurement *m, const uint8_t *buf, size_t len,
			      unsigned quirks)
{
	size_t need = 7;

	require(m->flags == buf[0]);
	require(m->kpa == !!(m->flags & BPM_FLAG_KPA));
	require(m->has_timestamp == !!(m->flags & BPM_FLAG_TIMESTAMP));
	require(m->has_pulse == !!(m->flags & BPM_FLAG_PULSE));
	require(m->has_user_id ==
		(!!(m->flags & BPM_FLAG_USER_ID) || !!(quirks & BLE_QUIRK_BPM_ALWAYS_USER_ID)));
	require(m->has_status == !!(m->flags & BPM_FLAG_STATUS));
	need += m->has_timestamp ? GATT_DATE_TIME_SIZE : 0;
	need += m->has_pulse ? 2 : 0;
	need += m->has_user_id ? 1 : 0;
	need += m->has_status ? 2 : 0;
	require(len >= need);
}

static void fuzz_measurement(const uint8_t *buf, size_t len, unsigned quirks, bool cuff)
{
	struct bpm_measurement m;
	struct gatt_error err = { .message = "" };
	struct reading rd;
	int r;

	if (cuff)
		r = bpm_cuff_pressure_parse(buf, len, quirks, &m, &err);
	else
		r = bpm_measurement_parse(buf, len, quirks, &m, &err);
	if (r < 0) {
		require(r == -EBADMSG && err.message[0] != '\0');
		return;
	}
	check_measurement(&m, buf, len, quirks);
	if (ble_reading_from_bpm(&m, &rd, &err) < 0) {
		require(err.message[0] != '\0');
		return;
	}
	require(rd.measurement == MEASUREMENT_BLOOD_PRESSURE);
	check_reading(&rd);
}

static void fuzz_feature(const uint8_t *buf, size_t len)
{
	struct gatt_error err;
	uint16_t features;

	if (bpm_feature_parse(buf, len, &features, &err) == 0)
		require(len >= 2 && features == (buf[0] | buf[1] << 8));
	else
		require(len < 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned quirks;

	if (size < 1)
		return 0;
	quirks = data[0] & _BLE_QUIRK_ALL;
	switch ((data[0] >> 2) % 3) {
	case 0:
		fuzz_measurement(data + 1, size - 1, quirks, false);
		break;
	case 1:
		fuzz_measurement(data + 1, size - 1, quirks, true);
		break;
	default:
		fuzz_feature(data + 1, size - 1);
		break;
	}
	return 0;
}
