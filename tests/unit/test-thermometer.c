// SPDX-License-Identifier: MIT
/*
 * Health Thermometer decoder, Temperature Measurement 2A1C: the Nordic
 * reference vector, every flag combination built from its flags, every
 * truncation, the unit flag, the FLOAT special values and the Temperature
 * Type names.
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

#include "thermometer.h"

/* A heap copy of the first @len octets, so that ASan reports any read past them. */
static uint8_t *exact(const uint8_t *v, size_t len)
{
	uint8_t *p = malloc(len);

	assert_true(p || len == 0);
	if (len > 0)
		memcpy(p, v, len);
	return p;
}

static void assert_number(struct ieee11073_number n, int32_t mantissa, int exponent)
{
	assert_int_equal(n.special, IEEE11073_NUMBER);
	assert_int_equal(n.mantissa, mantissa);
	assert_int_equal(n.exponent, exponent);
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

/* The reference example (Nordic thermometer test). */
static const uint8_t NORDIC[] = {
	0x06,                   /* flags: Celsius, time stamp, temperature type */
	0xb0, 0x0e, 0x00, 0xfe, /* FLOAT 0xFE000EB0: exp -2, mantissa 3760 -> 37.60 */
	0xdc, 0x07,             /* year 2012 */
	0x0c,                   /* December */
	0x05,                   /* 5th */
	0x0b,                   /* 11 h */
	0x32,                   /* 50 min */
	0x1b,                   /* 27 s */
	0x04,                   /* type 4: finger */
};

static void test_reference_example(void **state)
{
	struct thermo_measurement m;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(thermo_measurement_parse(NORDIC, sizeof(NORDIC), &m, &err), 0);
	assert_int_equal(m.flags, 0x06);
	assert_false(m.fahrenheit);
	assert_number(m.temperature, 3760, -2);
	assert_true(fabs(ieee11073_to_double(m.temperature) - 37.60) < 1e-9);
	assert_true(m.has_timestamp);
	assert_date_time(&m.timestamp, 2012, 12, 5, 11, 50, 27);
	assert_true(m.has_type);
	assert_int_equal(m.type, THERMO_TYPE_FINGER);
	assert_string_equal(thermo_type_to_string(m.type), "finger");

	/* Dropping the last octet (the type) makes the frame malformed. */
	assert_int_equal(thermo_measurement_parse(NORDIC, sizeof(NORDIC) - 1, &m, &err), -EBADMSG);
	assert_string_equal(err.message, "2A1C: flags 0x06 need 13 octets, got 12");
}

/* 2A1C: flags, FLOAT temperature, [Time Stamp b1], [Temperature Type b2]. */
static size_t build(unsigned flags, uint8_t *v)
{
	static const uint8_t temp[] = { 0x6d, 0x01, 0x00, 0xff }; /* 0xFF00016D: 365e-1 -> 36.5 */
	static const uint8_t ts[] = {
		0xea, 0x07, 0x01, 0x1f, 0x17, 0x3b, 0x3a, /* 2026-01-31 23:59:58 */
	};
	size_t n = 0;

	v[n++] = (uint8_t)flags;
	memcpy(v + n, temp, sizeof(temp));
	n += sizeof(temp);
	if (flags & 0x02) {
		memcpy(v + n, ts, sizeof(ts));
		n += sizeof(ts);
	}
	if (flags & 0x04)
		v[n++] = 0x06; /* type 6: mouth */
	return n;
}

static void check(unsigned flags, const struct thermo_measurement *m)
{
	assert_int_equal(m->flags, flags);
	assert_int_equal(m->fahrenheit, !!(flags & 0x01));
	assert_number(m->temperature, 365, -1);
	assert_int_equal(m->has_timestamp, !!(flags & 0x02));
	if (m->has_timestamp)
		assert_date_time(&m->timestamp, 2026, 1, 31, 23, 59, 58);
	assert_int_equal(m->has_type, !!(flags & 0x04));
	assert_int_equal(m->type, flags & 0x04 ? THERMO_TYPE_MOUTH : 0);
}

static void test_every_flag_combination(void **state)
{
	(void)state;
	for (unsigned flags = 0; flags <= 0xff; flags++) {
		struct thermo_measurement m;
		struct gatt_error err = { { 0 } };
		uint8_t v[32] = { 0 };
		size_t need = build(flags, v);
		uint8_t *p;

		/* Bits 3-7 are RFU: no field, no rejection. */
		assert_int_equal(need, 5 + (flags & 0x02 ? 7 : 0) + (flags & 0x04 ? 1 : 0));
		memset(&m, 0xa5, sizeof(m));
		p = exact(v, need);
		assert_int_equal(thermo_measurement_parse(p, need, &m, &err), 0);
		free(p);
		check(flags, &m);

		v[need] = 0xee; /* surplus octets are tolerated */
		v[need + 1] = 0xee;
		memset(&m, 0xa5, sizeof(m));
		assert_int_equal(thermo_measurement_parse(v, need + 2, &m, &err), 0);
		check(flags, &m);

		for (size_t len = 0; len < need; len++) {
			memset(&err, 0, sizeof(err));
			p = exact(v, len);
			assert_int_equal(thermo_measurement_parse(p, len, &m, &err), -EBADMSG);
			free(p);
			assert_error_names(&err, "2A1C");
		}
	}
}

static void test_empty(void **state)
{
	struct thermo_measurement m;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(thermo_measurement_parse(NORDIC, 0, &m, &err), -EBADMSG);
	assert_string_equal(err.message, "2A1C: empty value");
	assert_int_equal(thermo_measurement_parse(NULL, 0, &m, NULL), -EBADMSG);
}

static void test_fahrenheit(void **state)
{
	static const uint8_t v[] = {
		0x01,                   /* flags: Fahrenheit */
		0xda, 0x03, 0x00, 0xff, /* FLOAT 0xFF0003DA: exp -1, mantissa 986 -> 98.6 */
	};
	struct thermo_measurement m;
	struct gatt_error err;

	(void)state;
	assert_int_equal(thermo_measurement_parse(v, sizeof(v), &m, &err), 0);
	assert_true(m.fahrenheit);
	/* The decoder keeps the device's unit: no conversion here. */
	assert_number(m.temperature, 986, -1);
	assert_true(fabs(ieee11073_to_double(m.temperature) - 98.6) < 1e-9);
	assert_false(m.has_timestamp);
	assert_false(m.has_type);
}

static void test_float_specials(void **state)
{
	static const struct {
		uint8_t octets[4];
		enum ieee11073_special special;
	} specials[] = {
		{ { 0xff, 0xff, 0x7f, 0x00 }, IEEE11073_NAN },       /* 0x007FFFFF */
		{ { 0x00, 0x00, 0x80, 0x00 }, IEEE11073_NRES },      /* 0x00800000 */
		{ { 0xfe, 0xff, 0x7f, 0x00 }, IEEE11073_PLUS_INF },  /* 0x007FFFFE */
		{ { 0x02, 0x00, 0x80, 0x00 }, IEEE11073_MINUS_INF }, /* 0x00800002 */
		{ { 0x01, 0x00, 0x80, 0x00 }, IEEE11073_RESERVED },  /* 0x00800001 */
	};
	struct thermo_measurement m;
	struct gatt_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		uint8_t v[5] = { 0x00 /* flags: Celsius */ };

		memcpy(v + 1, specials[i].octets, 4);
		assert_int_equal(thermo_measurement_parse(v, sizeof(v), &m, &err), 0);
		assert_int_equal(m.temperature.special, specials[i].special);
		assert_false(ieee11073_is_number(m.temperature));
	}
}

/* Specials are whole patterns with exponent 0; the same mantissa with another exponent is a number.
 */
static void test_float_numbers_near_specials(void **state)
{
	static const uint8_t nan_mantissa[] = {
		0x00,                   /* flags */
		0xff, 0xff, 0x7f, 0xff, /* 0xFF7FFFFF: exp -1, mantissa 8388607 */
	};
	static const uint8_t negative[] = {
		0x00,                   /* flags */
		0x9c, 0xff, 0xff, 0xff, /* 0xFFFFFF9C: exp -1, mantissa -100 -> -10.0 */
	};
	struct thermo_measurement m;
	struct gatt_error err;

	(void)state;
	assert_int_equal(thermo_measurement_parse(nan_mantissa, 5, &m, &err), 0);
	assert_number(m.temperature, 8388607, -1);
	assert_int_equal(thermo_measurement_parse(negative, 5, &m, &err), 0);
	assert_number(m.temperature, -100, -1);
	assert_true(ieee11073_to_double(m.temperature) == -10.0);
}

static void test_type_names(void **state)
{
	static const char *const names[] = {
		NULL,       "armpit", "body",   "ear", "finger",
		"gi_tract", "mouth",  "rectum", "toe", "tympanum",
	};

	(void)state;
	for (unsigned t = 0; t <= 0xff; t++) {
		const char *s = thermo_type_to_string((uint8_t)t);

		if (t < sizeof(names) / sizeof(names[0]) && names[t])
			assert_string_equal(s, names[t]);
		else
			assert_null(s);
	}
	assert_string_equal(thermo_type_to_string(THERMO_TYPE_ARMPIT), "armpit");
	assert_string_equal(thermo_type_to_string(THERMO_TYPE_TYMPANUM), "tympanum");
}

/* A reserved type value is passed through as a number, not an error. */
static void test_reserved_type_passed_through(void **state)
{
	static const uint8_t v[] = {
		0x04,                   /* flags: temperature type */
		0x70, 0x01, 0x00, 0xff, /* 36.8 */
		0x0a,                   /* type 10: reserved */
	};
	struct thermo_measurement m;
	struct gatt_error err;

	(void)state;
	assert_int_equal(thermo_measurement_parse(v, sizeof(v), &m, &err), 0);
	assert_true(m.has_type);
	assert_int_equal(m.type, 10);
	assert_null(thermo_type_to_string(m.type));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_example),
		cmocka_unit_test(test_every_flag_combination),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_fahrenheit),
		cmocka_unit_test(test_float_specials),
		cmocka_unit_test(test_float_numbers_near_specials),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_reserved_type_passed_through),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
