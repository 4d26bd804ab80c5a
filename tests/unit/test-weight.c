// SPDX-License-Identifier: MIT
/*
 * Weight Scale decoder, Weight Measurement 2A9D: a real A&D UC-352BLE
 * capture, every flag combination built from its flags, every truncation,
 * SI and imperial scaling of weight, BMI and height, the "measurement
 * unsuccessful" weight and the RFU bits Xiaomi scales set.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "weight.h"

/* A heap copy of the first @len octets, so that ASan reports any read past them. */
static uint8_t *exact(const uint8_t *v, size_t len)
{
	uint8_t *p = malloc(len);

	assert_true(p || len == 0);
	if (len > 0)
		memcpy(p, v, len);
	return p;
}

static void assert_near(double a, double b)
{
	if (!(fabs(a - b) < 1e-9))
		fail_msg("%.12g is not %.12g", a, b);
}

static void assert_date_time(const struct gatt_date_time *t, unsigned year, unsigned month,
			     unsigned day, unsigned hours, unsigned minutes, unsigned seconds)
{
	assert_int_equal(t->year, year);
	assert_int_equal(t->month, month);
	assert_int_equal(t->day, day);
	assert_int_equal(t->hours, hours);
	assert_int_equal(t->minutes, minutes);
	assert_int_equal(t->seconds, seconds);
}

static void assert_error_names(const struct gatt_error *err, const char *uuid)
{
	size_t n = strlen(uuid);

	assert_memory_equal(err->message, uuid, n);
	assert_int_equal(err->message[n], ':');
}

/* Real A&D UC-352BLE capture. */
static const uint8_t AND_UC352[] = {
	0x02,       /* flags: SI, time stamp */
	0x54, 0x33, /* weight 0x3354 = 13140 x 0.005 kg = 65.70 kg */
	0xea, 0x07, /* year 2026 */
	0x08,       /* August */
	0x16,       /* 22nd */
	0x08,       /* 8 h */
	0x2a,       /* 42 min */
	0x24,       /* 36 s */
};

static void test_and_capture(void **state)
{
	struct weight_measurement m;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(weight_measurement_parse(AND_UC352, sizeof(AND_UC352), &m, &err), 0);
	assert_int_equal(m.flags, 0x02);
	assert_false(m.imperial);
	assert_int_equal(m.weight_raw, 13140);
	assert_near(weight_measurement_weight(&m), 65.70);
	assert_true(m.has_timestamp);
	assert_date_time(&m.timestamp, 2026, 8, 22, 8, 42, 36);
	assert_false(m.has_user_id);
	assert_false(m.has_bmi_height);

	assert_int_equal(weight_measurement_parse(AND_UC352, 9, &m, &err), -EBADMSG);
	assert_string_equal(err.message, "2A9D: flags 0x02 need 10 octets, got 9");
}

/* 2A9D: flags, weight, [Time Stamp b1], [User ID b2], [BMI, Height b3]. */
static size_t build(unsigned flags, uint8_t *v)
{
	static const uint8_t ts[] = {
		0xe9, 0x07, 0x02, 0x1c, 0x06, 0x05, 0x04, /* 2025-02-28 06:05:04 */
	};
	size_t n = 0;

	v[n++] = (uint8_t)flags;
	v[n++] = 0x10; /* weight 0x2710 = 10000: 50 kg or 100 lb */
	v[n++] = 0x27;
	if (flags & 0x02) {
		memcpy(v + n, ts, sizeof(ts));
		n += sizeof(ts);
	}
	if (flags & 0x04)
		v[n++] = 0x03; /* user 3 */
	if (flags & 0x08) {
		v[n++] = 0xf5; /* BMI 0x00F5 = 245 -> 24.5 */
		v[n++] = 0x00;
		v[n++] = 0xb8; /* height 0x06B8 = 1720: 1.720 m or 172.0 in */
		v[n++] = 0x06;
	}
	return n;
}

static void check(unsigned flags, const struct weight_measurement *m)
{
	assert_int_equal(m->flags, flags);
	assert_int_equal(m->imperial, !!(flags & 0x01));
	assert_int_equal(m->weight_raw, 10000);
	assert_near(weight_measurement_weight(m), flags & 0x01 ? 100.0 : 50.0);
	assert_int_equal(m->has_timestamp, !!(flags & 0x02));
	if (m->has_timestamp)
		assert_date_time(&m->timestamp, 2025, 2, 28, 6, 5, 4);
	assert_int_equal(m->has_user_id, !!(flags & 0x04));
	assert_int_equal(m->user_id, flags & 0x04 ? 3 : 0);
	assert_int_equal(m->has_bmi_height, !!(flags & 0x08));
	assert_int_equal(m->bmi_raw, flags & 0x08 ? 245 : 0);
	assert_int_equal(m->height_raw, flags & 0x08 ? 1720 : 0);
	if (m->has_bmi_height) {
		assert_near(weight_measurement_bmi(m), 24.5);
		assert_near(weight_measurement_height(m), flags & 0x01 ? 172.0 : 1.720);
	}
}

static void test_every_flag_combination(void **state)
{
	(void)state;
	for (unsigned flags = 0; flags <= 0xff; flags++) {
		struct weight_measurement m;
		struct gatt_error err = { { 0 } };
		uint8_t v[32] = { 0 };
		size_t need = build(flags, v);
		uint8_t *p;

		/* Bits 4-7 are RFU: no field, no rejection. */
		assert_int_equal(need, 3 + (flags & 0x02 ? 7 : 0) + (flags & 0x04 ? 1 : 0) +
					       (flags & 0x08 ? 4 : 0));
		memset(&m, 0xa5, sizeof(m));
		p = exact(v, need);
		assert_int_equal(weight_measurement_parse(p, need, &m, &err), 0);
		free(p);
		check(flags, &m);

		v[need] = 0xee; /* surplus octets are tolerated */
		v[need + 1] = 0xee;
		v[need + 2] = 0xee;
		memset(&m, 0xa5, sizeof(m));
		assert_int_equal(weight_measurement_parse(v, need + 3, &m, &err), 0);
		check(flags, &m);

		for (size_t len = 0; len < need; len++) {
			memset(&err, 0, sizeof(err));
			p = exact(v, len);
			assert_int_equal(weight_measurement_parse(p, len, &m, &err), -EBADMSG);
			free(p);
			assert_error_names(&err, "2A9D");
		}
	}
}

static void test_empty(void **state)
{
	struct weight_measurement m;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(weight_measurement_parse(AND_UC352, 0, &m, &err), -EBADMSG);
	assert_string_equal(err.message, "2A9D: empty value");
	assert_int_equal(weight_measurement_parse(NULL, 0, &m, NULL), -EBADMSG);
}

static void test_imperial(void **state)
{
	static const uint8_t v[] = {
		0x09,       /* flags: imperial, BMI and height */
		0x30, 0x39, /* weight 0x3930 = 14640 x 0.01 lb = 146.40 lb */
		0xf7, 0x00, /* BMI 0x00F7 = 247 x 0.1 = 24.7 */
		0xa5, 0x02, /* height 0x02A5 = 677 x 0.1 in = 67.7 in */
	};
	struct weight_measurement m;
	struct gatt_error err;

	(void)state;
	assert_int_equal(weight_measurement_parse(v, sizeof(v), &m, &err), 0);
	assert_true(m.imperial);
	assert_int_equal(m.weight_raw, 14640);
	assert_near(weight_measurement_weight(&m), 146.40);
	assert_true(m.has_bmi_height);
	assert_near(weight_measurement_bmi(&m), 24.7);
	assert_near(weight_measurement_height(&m), 67.7);
}

static void test_si_bmi_height(void **state)
{
	static const uint8_t v[] = {
		0x0c,       /* flags: SI, user ID, BMI and height */
		0x54, 0x33, /* weight 13140 -> 65.70 kg */
		0xff,       /* user 255: unknown */
		0xde, 0x00, /* BMI 0x00DE = 222 -> 22.2 */
		0xb8, 0x06, /* height 0x06B8 = 1720 x 0.001 m = 1.720 m */
	};
	struct weight_measurement m;
	struct gatt_error err;

	(void)state;
	assert_int_equal(weight_measurement_parse(v, sizeof(v), &m, &err), 0);
	assert_false(m.imperial);
	assert_true(m.has_user_id);
	assert_int_equal(m.user_id, 255);
	assert_near(weight_measurement_weight(&m), 65.70);
	assert_int_equal(m.bmi_raw, 222);
	assert_near(weight_measurement_bmi(&m), 22.2);
	assert_int_equal(m.height_raw, 1720);
	assert_near(weight_measurement_height(&m), 1.720);
}

/* 0xFFFF means "measurement unsuccessful": no weight, in either unit. */
static void test_unsuccessful(void **state)
{
	static const uint8_t si[] = {
		0x00,       /* flags: SI */
		0xff, 0xff, /* weight 0xFFFF: unsuccessful */
	};
	static const uint8_t imperial[] = {
		0x01,       /* flags: imperial */
		0xff, 0xff, /* weight 0xFFFF: unsuccessful */
	};
	static const uint8_t heaviest[] = {
		0x00,       /* flags: SI */
		0xfe, 0xff, /* weight 0xFFFE = 65534 x 0.005 kg = 327.67 kg, still a weight */
	};
	struct weight_measurement m;
	struct gatt_error err;

	(void)state;
	assert_int_equal(weight_measurement_parse(si, sizeof(si), &m, &err), 0);
	assert_int_equal(m.weight_raw, WEIGHT_UNSUCCESSFUL);
	assert_true(isnan(weight_measurement_weight(&m)));
	assert_int_equal(weight_measurement_parse(imperial, sizeof(imperial), &m, &err), 0);
	assert_true(isnan(weight_measurement_weight(&m)));
	assert_int_equal(weight_measurement_parse(heaviest, sizeof(heaviest), &m, &err), 0);
	assert_near(weight_measurement_weight(&m), 327.67);
}

/* Xiaomi scales set RFU bits 5 and 7: ignored, the value is decoded as the defined bits say. */
static void test_xiaomi_rfu_bits(void **state)
{
	static const uint8_t v[] = {
		0xa2,                                     /* flags: b7, b5 (RFU), time stamp */
		0x54, 0x33,                               /* 65.70 kg */
		0xea, 0x07, 0x08, 0x16, 0x08, 0x2a, 0x24, /* 2026-08-22 08:42:36 */
	};
	struct weight_measurement m;
	struct gatt_error err;

	(void)state;
	assert_int_equal(weight_measurement_parse(v, sizeof(v), &m, &err), 0);
	assert_int_equal(m.flags, 0xa2);
	assert_false(m.imperial);
	assert_near(weight_measurement_weight(&m), 65.70);
	assert_true(m.has_timestamp);
	assert_date_time(&m.timestamp, 2026, 8, 22, 8, 42, 36);
	assert_false(m.has_user_id);
	assert_false(m.has_bmi_height);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_and_capture),
		cmocka_unit_test(test_every_flag_combination),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_imperial),
		cmocka_unit_test(test_si_bmi_height),
		cmocka_unit_test(test_unsuccessful),
		cmocka_unit_test(test_xiaomi_rfu_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
