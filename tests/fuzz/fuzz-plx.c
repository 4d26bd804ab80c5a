// SPDX-License-Identifier: MIT
/*
 * Pulse Oximeter Service decoders under libFuzzer. The first octet modulo 3
 * picks the characteristic (2A5E spot-check, 2A5F continuous, 2A60 features);
 * the rest is the value. Decoded fields must agree with the flags, and a
 * measurement that converts must make a reading the wire protocol accepts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ble-reading.h"
#include "macro.h"
#include "plx.h"
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
	snprintf(rec.reading.device, sizeof(rec.reading.device), "plx1");
	require(record_validate(&rec, &err) == 0);
	require(record_to_json(&rec, &json, &err) == 0);
	require(record_from_json(json, strlen(json), &back, &err) == 0);
}

static void fuzz_spot_check(const uint8_t *buf, size_t len)
{
	struct plx_spot_check m;
	struct gatt_error err = { .message = "" };
	struct reading rd;
	size_t need = 5;

	if (plx_spot_check_parse(buf, len, &m, &err) < 0) {
		require(err.message[0] != '\0');
		return;
	}
	require(m.flags == buf[0]);
	require(m.has_timestamp == !!(m.flags & PLX_SPOT_FLAG_TIMESTAMP));
	require(m.has_measurement_status == !!(m.flags & PLX_SPOT_FLAG_MEASUREMENT));
	require(m.has_device_sensor_status == !!(m.flags & PLX_SPOT_FLAG_DEVICE_SENSOR));
	require(m.has_pai == !!(m.flags & PLX_SPOT_FLAG_PAI));
	require(m.clock_not_set == !!(m.flags & PLX_SPOT_FLAG_CLOCK_NOT_SET));
	require(m.device_sensor_status <= 0xffffff);
	need += m.has_timestamp ? GATT_DATE_TIME_SIZE : 0;
	need += m.has_measurement_status ? 2 : 0;
	need += m.has_device_sensor_status ? 3 : 0;
	need += m.has_pai ? 2 : 0;
	require(len >= need);
	if (ble_reading_from_plx_spot(&m, &rd, &err) < 0)
		return;
	require(rd.mode == READING_MODE_SPOT);
	/* An unset clock never yields a device time. */
	require(!(m.clock_not_set && rd.has_device_time));
	check_reading(&rd);
}

static void fuzz_continuous(const uint8_t *buf, size_t len)
{
	struct plx_continuous m;
	struct gatt_error err = { .message = "" };
	struct reading rd;
	size_t need = 5;

	if (plx_continuous_parse(buf, len, &m, &err) < 0) {
		require(err.message[0] != '\0');
		return;
	}
	require(m.flags == buf[0]);
	require(m.has_fast == !!(m.flags & PLX_CONT_FLAG_FAST));
	require(m.has_slow == !!(m.flags & PLX_CONT_FLAG_SLOW));
	require(m.has_measurement_status == !!(m.flags & PLX_CONT_FLAG_MEASUREMENT));
	require(m.has_device_sensor_status == !!(m.flags & PLX_CONT_FLAG_DEVICE_SENSOR));
	require(m.has_pai == !!(m.flags & PLX_CONT_FLAG_PAI));
	require(m.device_sensor_status <= 0xffffff);
	need += m.has_fast ? 4 : 0;
	need += m.has_slow ? 4 : 0;
	need += m.has_measurement_status ? 2 : 0;
	need += m.has_device_sensor_status ? 3 : 0;
	need += m.has_pai ? 2 : 0;
	require(len >= need);
	if (ble_reading_from_plx_continuous(&m, &rd, &err) < 0)
		return;
	require(rd.mode == READING_MODE_CONTINUOUS && !rd.has_device_time);
	check_reading(&rd);
}

static void fuzz_features(const uint8_t *buf, size_t len)
{
	struct plx_features f;
	struct gatt_error err = { .message = "" };
	size_t need = 2;

	if (plx_features_parse(buf, len, &f, &err) < 0) {
		require(err.message[0] != '\0');
		return;
	}
	require(f.supported_features == (buf[0] | buf[1] << 8));
	require(f.has_measurement_status_support ==
		!!(f.supported_features & PLX_FEATURE_MEASUREMENT_STATUS));
	require(f.has_device_sensor_status_support ==
		!!(f.supported_features & PLX_FEATURE_DEVICE_SENSOR_STATUS));
	require(f.device_sensor_status_support <= 0xffffff);
	need += f.has_measurement_status_support ? 2 : 0;
	need += f.has_device_sensor_status_support ? 3 : 0;
	require(len >= need);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_spot_check(data + 1, size - 1);
		break;
	case 1:
		fuzz_continuous(data + 1, size - 1);
		break;
	default:
		fuzz_features(data + 1, size - 1);
		break;
	}
	return 0;
}
