// SPDX-License-Identifier: MIT
/*
 * Health Thermometer 2A1C (and 2A1E, same layout) under libFuzzer: the whole
 * input is the value. Decoded fields must agree with the flags, and a
 * temperature that converts must make a reading the wire protocol accepts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ble-reading.h"
#include "macro.h"
#include "record.h"
#include "thermometer.h"

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
	snprintf(rec.reading.device, sizeof(rec.reading.device), "thermo1");
	require(record_validate(&rec, &err) == 0);
	require(record_to_json(&rec, &json, &err) == 0);
	require(record_from_json(json, strlen(json), &back, &err) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct thermo_measurement m;
	struct gatt_error err = { .message = "" };
	struct reading rd;
	size_t need = 5;
	const char *type;

	if (thermo_measurement_parse(data, size, &m, &err) < 0) {
		require(err.message[0] != '\0');
		return 0;
	}
	require(m.flags == data[0]);
	require(m.fahrenheit == !!(m.flags & THERMO_FLAG_FAHRENHEIT));
	require(m.has_timestamp == !!(m.flags & THERMO_FLAG_TIMESTAMP));
	require(m.has_type == !!(m.flags & THERMO_FLAG_TYPE));
	need += m.has_timestamp ? GATT_DATE_TIME_SIZE : 0;
	need += m.has_type ? 1 : 0;
	require(size >= need);
	type = thermo_type_to_string(m.type);
	require((type != NULL) == (m.type >= THERMO_TYPE_ARMPIT && m.type <= THERMO_TYPE_TYMPANUM));
	if (ble_reading_from_thermo(&m, &rd, &err) < 0) {
		require(err.message[0] != '\0');
		return 0;
	}
	require(rd.measurement == MEASUREMENT_BODY_TEMPERATURE && rd.n_values == 1);
	check_reading(&rd);
	return 0;
}
