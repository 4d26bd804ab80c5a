// SPDX-License-Identifier: MIT
/*
 * Pulse Oximeter decoders: PLX Spot-check Measurement 2A5E, PLX Continuous
 * Measurement 2A5F and PLX Features 2A60. Every flag combination is built
 * from its flags and checked field by field, every truncation is rejected,
 * and the two measurements' different flag numbering is pinned down.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plx.h"

/* A value under construction, octet by octet. */
struct value {
	uint8_t buf[32];
	size_t len;
};

static void put8(struct value *v, uint8_t b)
{
	assert_true(v->len < sizeof(v->buf));
	v->buf[v->len++] = b;
}

static void put_bytes(struct value *v, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(v, p[i]);
}

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

/* The error a decoder reports names the characteristic first. */
static void assert_error_names(const struct gatt_error *err, const char *uuid)
{
	size_t n = strlen(uuid);

	assert_memory_equal(err->message, uuid, n);
	assert_int_equal(err->message[n], ':');
}

/* Field octets shared by the loops; each value differs so a misplaced field shows. */
static const uint8_t SPO2_963[] = { 0xc3, 0xf3 }; /* 0xF3C3: exp -1, mantissa 963 -> 96.3 % */
static const uint8_t PR_72[] = { 0x48, 0x00 };    /* 0x0048: exp 0, mantissa 72 -> 72 bpm */
static const uint8_t SPO2_95[] = { 0x5f, 0x00 };  /* 95 % */
static const uint8_t PR_75[] = { 0x4b, 0x00 };    /* 75 bpm */
static const uint8_t SPO2_94[] = { 0x5e, 0x00 };  /* 94 % */
static const uint8_t PR_78[] = { 0x4e, 0x00 };    /* 78 bpm */
static const uint8_t TIMESTAMP[] = {
	0xe8, 0x07, /* year 2024 */
	0x03,       /* March */
	0x0f,       /* 15th */
	0x0a,       /* 10 h */
	0x1e,       /* 30 min */
	0x2d,       /* 45 s */
};
static const uint8_t MEAS_STATUS[] = { 0x20, 0x84 };     /* 0x8420: invalid, demo, ongoing */
static const uint8_t DS_STATUS[] = { 0x21, 0x43, 0x05 }; /* 24-bit LE 0x054321 */
static const uint8_t PAI_210[] = { 0xd2, 0xe0 }; /* 0xE0D2: exp -2, mantissa 210 -> 2.10 % */

/* 2A5E: flags, SpO2, PR, [Timestamp b0], [Measurement Status b1], [Device and Sensor Status b2],
 * [PAI b3]. */
static size_t build_spot(unsigned flags, struct value *v)
{
	memset(v, 0, sizeof(*v));
	put8(v, (uint8_t)flags);
	put_bytes(v, SPO2_963, 2);
	put_bytes(v, PR_72, 2);
	if (flags & 0x01)
		put_bytes(v, TIMESTAMP, sizeof(TIMESTAMP));
	if (flags & 0x02)
		put_bytes(v, MEAS_STATUS, 2);
	if (flags & 0x04)
		put_bytes(v, DS_STATUS, 3);
	if (flags & 0x08)
		put_bytes(v, PAI_210, 2);
	return v->len;
}

static void check_spot(unsigned flags, const struct plx_spot_check *m)
{
	assert_int_equal(m->flags, flags);
	assert_number(m->spo2, 963, -1);
	assert_number(m->pr, 72, 0);
	assert_int_equal(m->has_timestamp, !!(flags & 0x01));
	if (m->has_timestamp)
		assert_date_time(&m->timestamp, 2024, 3, 15, 10, 30, 45);
	assert_int_equal(m->has_measurement_status, !!(flags & 0x02));
	assert_int_equal(m->measurement_status, flags & 0x02 ? 0x8420 : 0);
	assert_int_equal(m->has_device_sensor_status, !!(flags & 0x04));
	assert_int_equal(m->device_sensor_status, flags & 0x04 ? 0x054321 : 0);
	assert_int_equal(m->has_pai, !!(flags & 0x08));
	if (m->has_pai)
		assert_number(m->pai, 210, -2);
	assert_int_equal(m->clock_not_set, !!(flags & 0x10));
}

static void test_spot_every_flag_combination(void **state)
{
	(void)state;
	for (unsigned flags = 0; flags <= 0xff; flags++) {
		struct plx_spot_check m;
		struct gatt_error err = { { 0 } };
		struct value v;
		size_t need = build_spot(flags, &v);
		uint8_t *p;

		/* Bits 5-7 are RFU: they add no field and do not make the value invalid. */
		memset(&m, 0xa5, sizeof(m));
		p = exact(v.buf, need);
		assert_int_equal(plx_spot_check_parse(p, need, &m, &err), 0);
		free(p);
		check_spot(flags, &m);

		/* Surplus octets (a newer spec version, padding) are tolerated. */
		v.buf[need] = 0xee;
		v.buf[need + 1] = 0xee;
		v.buf[need + 2] = 0xee;
		memset(&m, 0xa5, sizeof(m));
		assert_int_equal(plx_spot_check_parse(v.buf, need + 3, &m, &err), 0);
		check_spot(flags, &m);

		for (size_t len = 0; len < need; len++) {
			memset(&err, 0, sizeof(err));
			p = exact(v.buf, len);
			assert_int_equal(plx_spot_check_parse(p, len, &m, &err), -EBADMSG);
			free(p);
			assert_error_names(&err, "2A5E");
		}
	}
}

static void test_spot_minimal_and_full(void **state)
{
	/* The shortest value: 5 octets. */
	static const uint8_t minimal[] = {
		0x00,       /* flags: nothing optional */
		0x64, 0x00, /* SpO2 0x0064: exp 0, mantissa 100 -> 100 % */
		0x48, 0x00, /* PR 72 bpm */
	};
	/* The longest value: 19 octets. */
	static const uint8_t full[] = {
		0x1f,       /* flags: all fields, clock not set */
		0xe8, 0xf3, /* SpO2 0xF3E8: exp -1, mantissa 1000 -> 100.0 % */
		0xd5, 0xf2, /* PR 0xF2D5: exp -1, mantissa 725 -> 72.5 bpm */
		0xe8, 0x07, 0x03, 0x0f, 0x0a, 0x1e, 0x2d, /* 2024-03-15 10:30:45 */
		0x80, 0x00,                               /* measurement status 0x0080: validated */
		0x20, 0x00, 0x00, /* device and sensor status 0x000020: low perfusion */
		0x0f, 0x00,       /* PAI 15 % */
	};
	struct plx_spot_check m;
	struct gatt_error err;

	(void)state;
	assert_int_equal(plx_spot_check_parse(minimal, sizeof(minimal), &m, &err), 0);
	assert_number(m.spo2, 100, 0);
	assert_true(ieee11073_to_double(m.spo2) == 100.0);
	assert_number(m.pr, 72, 0);
	assert_false(m.has_timestamp);
	assert_false(m.has_measurement_status);
	assert_false(m.has_device_sensor_status);
	assert_false(m.has_pai);
	assert_false(m.clock_not_set);

	assert_int_equal(sizeof(full), 19);
	assert_int_equal(plx_spot_check_parse(full, sizeof(full), &m, &err), 0);
	/* Exponent -1: 1000 x 10^-1 is exactly 100. */
	assert_number(m.spo2, 1000, -1);
	assert_true(ieee11073_to_double(m.spo2) == 100.0);
	assert_number(m.pr, 725, -1);
	assert_true(m.has_timestamp);
	assert_date_time(&m.timestamp, 2024, 3, 15, 10, 30, 45);
	assert_int_equal(m.measurement_status, PLX_MS_VALIDATED);
	assert_int_equal(m.device_sensor_status, PLX_DS_LOW_PERFUSION);
	assert_number(m.pai, 15, 0);
	assert_true(m.clock_not_set);

	/* A NULL error is allowed. */
	assert_int_equal(plx_spot_check_parse(full, 18, &m, NULL), -EBADMSG);
}

static void test_spot_clock_not_set(void **state)
{
	/* Bit 4 alone: the device says its clock is not set; no timestamp follows. */
	static const uint8_t no_clock[] = {
		0x10,       /* flags: device clock not set */
		0x61, 0x00, /* SpO2 97 % */
		0x48, 0x00, /* PR 72 bpm */
	};
	/* Bits 0 and 4: the timestamp is there and still parsed, though unreliable. */
	static const uint8_t stale[] = {
		0x11,                                     /* flags: timestamp, clock not set */
		0x61, 0x00,                               /* SpO2 97 % */
		0x48, 0x00,                               /* PR 72 bpm */
		0xd0, 0x07, 0x01, 0x01, 0x00, 0x00, 0x05, /* 2000-01-01 00:00:05 */
	};
	struct plx_spot_check m;
	struct gatt_error err;

	(void)state;
	assert_int_equal(plx_spot_check_parse(no_clock, sizeof(no_clock), &m, &err), 0);
	assert_true(m.clock_not_set);
	assert_false(m.has_timestamp);

	assert_int_equal(plx_spot_check_parse(stale, sizeof(stale), &m, &err), 0);
	assert_true(m.clock_not_set);
	assert_true(m.has_timestamp);
	assert_date_time(&m.timestamp, 2000, 1, 1, 0, 0, 5);
}

static void test_spot_device_sensor_status_is_24_bit(void **state)
{
	static const uint8_t v[] = {
		0x04,       /* flags: device and sensor status */
		0x61, 0x00, /* SpO2 97 % */
		0x48, 0x00, /* PR 72 bpm */
		0x01, 0x80,
		0xff, /* 0xFF8001: extended display (b0), sensor disconnected (b15), RFU b16-23 */
		0x99, /* surplus octet: not part of the status */
	};
	struct plx_spot_check m;
	struct gatt_error err;

	(void)state;
	assert_int_equal(plx_spot_check_parse(v, sizeof(v), &m, &err), 0);
	assert_true(m.has_device_sensor_status);
	assert_int_equal(m.device_sensor_status, 0xff8001);
	assert_true(m.device_sensor_status & PLX_DS_EXTENDED_DISPLAY);
	assert_true(m.device_sensor_status & PLX_DS_DISCONNECTED);

	/* Two status octets are not enough. */
	assert_int_equal(plx_spot_check_parse(v, 7, &m, &err), -EBADMSG);
	assert_error_names(&err, "2A5E");
}

static void test_spot_specials(void **state)
{
	static const uint8_t v[] = {
		0x08,       /* flags: PAI */
		0xff, 0x07, /* SpO2 NaN */
		0x00, 0x08, /* PR NRes */
		0xfe, 0x07, /* PAI +INF */
	};
	struct plx_spot_check m;
	struct gatt_error err;

	(void)state;
	assert_int_equal(plx_spot_check_parse(v, sizeof(v), &m, &err), 0);
	assert_int_equal(m.spo2.special, IEEE11073_NAN);
	assert_int_equal(m.pr.special, IEEE11073_NRES);
	assert_int_equal(m.pai.special, IEEE11073_PLUS_INF);
}

static void test_spot_empty(void **state)
{
	static const uint8_t v[] = { 0x00 };
	struct plx_spot_check m;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(plx_spot_check_parse(v, 0, &m, &err), -EBADMSG);
	assert_string_equal(err.message, "2A5E: empty value");
	assert_int_equal(plx_spot_check_parse(NULL, 0, &m, &err), -EBADMSG);
}

/* 2A5F: flags, SpO2, PR, [Fast b0], [Slow b1], [Measurement Status b2], [Device and Sensor Status
 * b3], [PAI b4]. */
static size_t build_continuous(unsigned flags, struct value *v)
{
	memset(v, 0, sizeof(*v));
	put8(v, (uint8_t)flags);
	put_bytes(v, SPO2_963, 2);
	put_bytes(v, PR_72, 2);
	if (flags & 0x01) {
		put_bytes(v, SPO2_95, 2);
		put_bytes(v, PR_75, 2);
	}
	if (flags & 0x02) {
		put_bytes(v, SPO2_94, 2);
		put_bytes(v, PR_78, 2);
	}
	if (flags & 0x04)
		put_bytes(v, MEAS_STATUS, 2);
	if (flags & 0x08)
		put_bytes(v, DS_STATUS, 3);
	if (flags & 0x10)
		put_bytes(v, PAI_210, 2);
	return v->len;
}

static void check_continuous(unsigned flags, const struct plx_continuous *m)
{
	assert_int_equal(m->flags, flags);
	assert_number(m->spo2, 963, -1);
	assert_number(m->pr, 72, 0);
	assert_int_equal(m->has_fast, !!(flags & 0x01));
	if (m->has_fast) {
		assert_number(m->spo2_fast, 95, 0);
		assert_number(m->pr_fast, 75, 0);
	}
	assert_int_equal(m->has_slow, !!(flags & 0x02));
	if (m->has_slow) {
		assert_number(m->spo2_slow, 94, 0);
		assert_number(m->pr_slow, 78, 0);
	}
	assert_int_equal(m->has_measurement_status, !!(flags & 0x04));
	assert_int_equal(m->measurement_status, flags & 0x04 ? 0x8420 : 0);
	assert_int_equal(m->has_device_sensor_status, !!(flags & 0x08));
	assert_int_equal(m->device_sensor_status, flags & 0x08 ? 0x054321 : 0);
	assert_int_equal(m->has_pai, !!(flags & 0x10));
	if (m->has_pai)
		assert_number(m->pai, 210, -2);
}

static void test_continuous_every_flag_combination(void **state)
{
	(void)state;
	for (unsigned flags = 0; flags <= 0xff; flags++) {
		struct plx_continuous m;
		struct gatt_error err = { { 0 } };
		struct value v;
		size_t need = build_continuous(flags, &v);
		uint8_t *p;

		memset(&m, 0xa5, sizeof(m));
		p = exact(v.buf, need);
		assert_int_equal(plx_continuous_parse(p, need, &m, &err), 0);
		free(p);
		check_continuous(flags, &m);

		v.buf[need] = 0xee;
		v.buf[need + 1] = 0xee;
		memset(&m, 0xa5, sizeof(m));
		assert_int_equal(plx_continuous_parse(v.buf, need + 2, &m, &err), 0);
		check_continuous(flags, &m);

		for (size_t len = 0; len < need; len++) {
			memset(&err, 0, sizeof(err));
			p = exact(v.buf, len);
			assert_int_equal(plx_continuous_parse(p, len, &m, &err), -EBADMSG);
			free(p);
			assert_error_names(&err, "2A5F");
		}
	}
}

static void test_continuous_longest(void **state)
{
	static const uint8_t v[] = {
		0x1f,             /* flags: fast, slow, measurement status, device status, PAI */
		0x62, 0x00,       /* SpO2 98 % */
		0x3c, 0x00,       /* PR 60 bpm */
		0x61, 0x00,       /* SpO2 fast 97 % */
		0x3d, 0x00,       /* PR fast 61 bpm */
		0x60, 0x00,       /* SpO2 slow 96 % */
		0x3e, 0x00,       /* PR slow 62 bpm */
		0x00, 0x20,       /* measurement status 0x2000: measurement unavailable */
		0x00, 0x08, 0x00, /* device and sensor status 0x000800: sensor unconnected */
		0x05, 0x00,       /* PAI 5 % */
	};
	struct plx_continuous m;
	struct gatt_error err;

	(void)state;
	assert_int_equal(sizeof(v), 20);
	assert_int_equal(plx_continuous_parse(v, sizeof(v), &m, &err), 0);
	assert_number(m.spo2, 98, 0);
	assert_number(m.pr, 60, 0);
	assert_number(m.spo2_fast, 97, 0);
	assert_number(m.pr_fast, 61, 0);
	assert_number(m.spo2_slow, 96, 0);
	assert_number(m.pr_slow, 62, 0);
	assert_int_equal(m.measurement_status, PLX_MS_UNAVAILABLE);
	assert_int_equal(m.device_sensor_status, PLX_DS_UNCONNECTED);
	assert_number(m.pai, 5, 0);
}

/* The same octets mean different things in 2A5E and 2A5F: bit 0 is Timestamp vs SpO2PR-Fast. */
static void test_flag_numbering_differs(void **state)
{
	static const uint8_t v[] = {
		0x01,       /* flags bit 0 */
		0x61, 0x00, /* SpO2 97 % */
		0x48, 0x00, /* PR 72 bpm */
		0x60, 0x00, /* 2A5F: SpO2 fast 96 %; 2A5E: first octets of a timestamp */
		0x49, 0x00, /* 2A5F: PR fast 73 bpm */
	};
	static const uint8_t with_ts[] = {
		0x01,                                     /* flags bit 0 */
		0x61, 0x00,                               /* SpO2 97 % */
		0x48, 0x00,                               /* PR 72 bpm */
		0xe9, 0x07, 0x0b, 0x02, 0x11, 0x05, 0x00, /* 2A5E: 2025-11-02 17:05:00 */
	};
	/* Bit 4 is "device clock not set" in 2A5E and "PAI present" in 2A5F. */
	static const uint8_t bit4[] = {
		0x10,       /* flags bit 4 */
		0x61, 0x00, /* SpO2 97 % */
		0x48, 0x00, /* PR 72 bpm */
		0x07, 0x00, /* 2A5F: PAI 7 % */
	};
	struct plx_spot_check spot;
	struct plx_continuous cont;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(plx_continuous_parse(v, sizeof(v), &cont, &err), 0);
	assert_true(cont.has_fast);
	assert_number(cont.spo2_fast, 96, 0);
	assert_number(cont.pr_fast, 73, 0);
	assert_int_equal(plx_spot_check_parse(v, sizeof(v), &spot, &err), -EBADMSG);
	assert_string_equal(err.message, "2A5E: flags 0x01 need 12 octets, got 9");

	assert_int_equal(plx_spot_check_parse(with_ts, sizeof(with_ts), &spot, &err), 0);
	assert_true(spot.has_timestamp);
	assert_date_time(&spot.timestamp, 2025, 11, 2, 17, 5, 0);

	assert_int_equal(plx_spot_check_parse(bit4, 5, &spot, &err), 0);
	assert_true(spot.clock_not_set);
	assert_false(spot.has_pai);
	assert_int_equal(plx_continuous_parse(bit4, 5, &cont, &err), -EBADMSG);
	assert_error_names(&err, "2A5F");
	assert_int_equal(plx_continuous_parse(bit4, sizeof(bit4), &cont, &err), 0);
	assert_true(cont.has_pai);
	assert_number(cont.pai, 7, 0);
}

static void test_continuous_empty(void **state)
{
	static const uint8_t v[] = { 0x00 };
	struct plx_continuous m;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(plx_continuous_parse(v, 0, &m, &err), -EBADMSG);
	assert_string_equal(err.message, "2A5F: empty value");
}

/* The reference example of PLX Features, and every one of its truncations. */
static void test_features_example(void **state)
{
	static const uint8_t v[] = {
		0xa3, 0x00, /* supported 0x00A3: meas. status, dev. status, slow, bonds */
		0x40, 0x10, /* measurement status support 0x1040: early estimate, calibration */
		0x80, 0x01, 0x00, /* dev. status support 0x000180: non-pulsatile, quest. pulse */
	};
	struct plx_features f;
	struct gatt_error err;
	uint8_t *p;

	(void)state;
	memset(&f, 0xa5, sizeof(f));
	assert_int_equal(plx_features_parse(v, sizeof(v), &f, &err), 0);
	assert_int_equal(f.supported_features, 0x00a3);
	assert_int_equal(f.supported_features,
			 PLX_FEATURE_MEASUREMENT_STATUS | PLX_FEATURE_DEVICE_SENSOR_STATUS |
				 PLX_FEATURE_SLOW | PLX_FEATURE_MULTIPLE_BONDS);
	assert_true(f.has_measurement_status_support);
	assert_int_equal(f.measurement_status_support, 0x1040);
	assert_true(f.has_device_sensor_status_support);
	assert_int_equal(f.device_sensor_status_support, 0x000180);

	for (size_t len = 0; len < sizeof(v); len++) {
		memset(&err, 0, sizeof(err));
		p = exact(v, len);
		assert_int_equal(plx_features_parse(p, len, &f, &err), -EBADMSG);
		free(p);
		assert_error_names(&err, "2A60");
	}
}

static void check_features(unsigned bits, const struct plx_features *f)
{
	assert_int_equal(f->supported_features, bits);
	assert_int_equal(f->has_measurement_status_support, !!(bits & 0x01));
	assert_int_equal(f->measurement_status_support, bits & 0x01 ? 0x1234 : 0);
	assert_int_equal(f->has_device_sensor_status_support, !!(bits & 0x02));
	assert_int_equal(f->device_sensor_status_support, bits & 0x02 ? 0x123456 : 0);
}

/* Supported Features is 16 bits: bits 0 and 1 add fields, all others (RFU included) add none. */
static void test_features_every_bit_combination(void **state)
{
	(void)state;
	for (unsigned bits = 0; bits <= 0xffff; bits++) {
		struct plx_features f;
		struct gatt_error err = { { 0 } };
		uint8_t v[16] = { (uint8_t)bits, (uint8_t)(bits >> 8) };
		size_t need = 2, pos = 2;
		uint8_t *p;

		if (bits & 0x01) {
			v[pos++] = 0x34; /* measurement status support 0x1234 */
			v[pos++] = 0x12;
			need += 2;
		}
		if (bits & 0x02) {
			v[pos++] = 0x56; /* device and sensor status support 0x123456 */
			v[pos++] = 0x34;
			v[pos++] = 0x12;
			need += 3;
		}
		v[pos++] = 0xee; /* surplus octets */
		v[pos++] = 0xee;

		p = exact(v, need);
		assert_int_equal(plx_features_parse(p, need, &f, &err), 0);
		free(p);
		check_features(bits, &f);
		assert_int_equal(plx_features_parse(v, need + 2, &f, &err), 0);
		check_features(bits, &f);
		for (size_t len = 0; len < need; len++) {
			memset(&err, 0, sizeof(err));
			p = exact(v, len);
			assert_int_equal(plx_features_parse(p, len, &f, &err), -EBADMSG);
			free(p);
			assert_error_names(&err, "2A60");
		}
	}
}

static void test_features_plain(void **state)
{
	static const uint8_t v[] = {
		0x1c,
		0x00, /* supported 0x001C: storage, timestamp, fast; no support fields follow */
	};
	struct plx_features f;
	struct gatt_error err;

	(void)state;
	assert_int_equal(plx_features_parse(v, sizeof(v), &f, &err), 0);
	assert_int_equal(f.supported_features,
			 PLX_FEATURE_STORAGE | PLX_FEATURE_TIMESTAMP | PLX_FEATURE_FAST);
	assert_false(f.has_measurement_status_support);
	assert_false(f.has_device_sensor_status_support);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spot_every_flag_combination),
		cmocka_unit_test(test_spot_minimal_and_full),
		cmocka_unit_test(test_spot_clock_not_set),
		cmocka_unit_test(test_spot_device_sensor_status_is_24_bit),
		cmocka_unit_test(test_spot_specials),
		cmocka_unit_test(test_spot_empty),
		cmocka_unit_test(test_continuous_every_flag_combination),
		cmocka_unit_test(test_continuous_longest),
		cmocka_unit_test(test_flag_numbering_differs),
		cmocka_unit_test(test_continuous_empty),
		cmocka_unit_test(test_features_example),
		cmocka_unit_test(test_features_every_bit_combination),
		cmocka_unit_test(test_features_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
