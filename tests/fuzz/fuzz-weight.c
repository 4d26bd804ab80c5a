// SPDX-License-Identifier: MIT
/*
 * Weight Scale 2A9D under libFuzzer: the whole input is the value. Decoded
 * fields must agree with the flags, and a weight that converts must make a
 * reading the wire protocol accepts.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ble-reading.h"
#include "macro.h"
#include "record.h"
#include "weight.h"

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
	snprintf(rec.reading.device, sizeof(rec.reading.device), "scale1");
	require(record_validate(&rec, &err) == 0);
	require(record_to_json(&rec, &json, &err) == 0);
	require(record_from_json(json, strlen(json), &back, &err) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weight_measurement m;
	struct gatt_error err = { .message = "" };
	struct reading rd;
	size_t need = 3;

	if (weight_measurement_parse(data, size, &m, &err) < 0) {
		require(err.message[0] != '\0');
		return 0;
	}
	require(m.flags == data[0]);
	require(m.imperial == !!(m.flags & WEIGHT_FLAG_IMPERIAL));
	require(m.has_timestamp == !!(m.flags & WEIGHT_FLAG_TIMESTAMP));
	require(m.has_user_id == !!(m.flags & WEIGHT_FLAG_USER_ID));
	require(m.has_bmi_height == !!(m.flags & WEIGHT_FLAG_BMI));
	need += m.has_timestamp ? GATT_DATE_TIME_SIZE : 0;
	need += m.has_user_id ? 1 : 0;
	need += m.has_bmi_height ? 4 : 0;
	require(size >= need);
	require(isnan(weight_measurement_weight(&m)) == (m.weight_raw == WEIGHT_UNSUCCESSFUL));
	require(isfinite(weight_measurement_height(&m)) && isfinite(weight_measurement_bmi(&m)));
	if (ble_reading_from_weight(&m, &rd, &err) < 0) {
		require(err.message[0] != '\0');
		return 0;
	}
	require(rd.measurement == MEASUREMENT_BODY_WEIGHT);
	require(reading_get_value(&rd, QUANTITY_WEIGHT) != NULL);
	check_reading(&rd);
	return 0;
}
