// SPDX-License-Identifier: MIT
/*
 * Blood Pressure Service: 2A35 measurement and 2A36 cuff pressure for every
 * flag combination and every truncation, real captures (derdilla, Beurer BM85
 * with and without its quirks), and the 2A49 feature bits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bpm.h"
#include "quirks.h"

static void assert_number(struct ieee11073_number n, int32_t mantissa, int exponent)
{
	assert_int_equal(n.special, IEEE11073_NUMBER);
	assert_int_equal(n.mantissa, mantissa);
	assert_int_equal(n.exponent, exponent);
}

static void assert_dt(const struct gatt_date_time *t, unsigned year, unsigned month, unsigned day,
		      unsigned hours, unsigned minutes, unsigned seconds)
{
	assert_int_equal(t->year, year);
	assert_int_equal(t->month, month);
	assert_int_equal(t->day, day);
	assert_int_equal(t->hours, hours);
	assert_int_equal(t->minutes, minutes);
	assert_int_equal(t->seconds, seconds);
}

/*
 * Field values for the flag sweep, each distinct so a field read from the wrong
 * offset shows. Multi-octet fields have different low and high octets so a
 * byte-order mistake shows too.
 */
#define SWEEP_SYSTOLIC  0xf4b3 /* exponent -1, mantissa 1203: 120.3 */
#define SWEEP_DIASTOLIC 0x0050 /* 80 */
#define SWEEP_MAP       0xf36b /* exponent -1, mantissa 875: 87.5 */
#define SWEEP_PULSE     0xf2d0 /* exponent -1, mantissa 720: 72.0 */
#define SWEEP_USER_ID   0x07
#define SWEEP_STATUS    0x0132 /* RFU bit 8, pulse below range, cuff loose */
/* 2024-06-15T17:17:27 */
static const uint8_t sweep_time[GATT_DATE_TIME_SIZE] = { 0xe8, 0x07, 0x06, 0x0f, 0x11, 0x11, 0x1b };

static void put16(uint8_t *p, unsigned v, bool big_endian)
{
	p[big_endian ? 1 : 0] = v & 0xff;
	p[big_endian ? 0 : 1] = (v >> 8) & 0xff;
}

/* Builds a 2A35/2A36 value from @flags as a device with @quirks would send it; returns its length.
 */
static size_t build(uint8_t flags, unsigned quirks, uint8_t *out)
{
	bool be = quirks & BLE_QUIRK_BPM_BIG_ENDIAN_PULSE_STATUS;
	size_t n = 0;

	out[n++] = flags;
	put16(out + n, SWEEP_SYSTOLIC, false);
	n += 2;
	put16(out + n, SWEEP_DIASTOLIC, false);
	n += 2;
	put16(out + n, SWEEP_MAP, false);
	n += 2;
	if (flags & BPM_FLAG_TIMESTAMP) {
		memcpy(out + n, sweep_time, sizeof(sweep_time));
		n += sizeof(sweep_time);
	}
	if (flags & BPM_FLAG_PULSE) {
		put16(out + n, SWEEP_PULSE, be);
		n += 2;
	}
	if ((flags & BPM_FLAG_USER_ID) || (quirks & BLE_QUIRK_BPM_ALWAYS_USER_ID))
		out[n++] = SWEEP_USER_ID;
	if (flags & BPM_FLAG_STATUS) {
		put16(out + n, SWEEP_STATUS, be);
		n += 2;
	}
	return n;
}

/* The length the layout gives for @flags: 7 + 7 (time) + 2 (pulse) + 1 (user) + 2 (status). */
static size_t required_length(uint8_t flags, unsigned quirks)
{
	return 7 + (flags & 0x02 ? 7 : 0) + (flags & 0x04 ? 2 : 0) +
	       ((flags & 0x08) || (quirks & BLE_QUIRK_BPM_ALWAYS_USER_ID) ? 1 : 0) +
	       (flags & 0x10 ? 2 : 0);
}

static void assert_sweep_fields(const struct bpm_measurement *m, uint8_t flags, unsigned quirks)
{
	bool user = (flags & 0x08) || (quirks & BLE_QUIRK_BPM_ALWAYS_USER_ID);

	assert_int_equal(m->flags, flags); /* as sent, RFU bits included */
	assert_int_equal(m->kpa, !!(flags & 0x01));
	assert_number(m->systolic, 1203, -1);
	assert_number(m->diastolic, 80, 0);
	assert_number(m->map, 875, -1);

	assert_int_equal(m->has_timestamp, !!(flags & 0x02));
	if (flags & 0x02)
		assert_dt(&m->timestamp, 2024, 6, 15, 17, 17, 27);
	assert_int_equal(m->has_pulse, !!(flags & 0x04));
	if (flags & 0x04)
		assert_number(m->pulse, 720, -1);
	assert_int_equal(m->has_user_id, user);
	if (user)
		assert_int_equal(m->user_id, SWEEP_USER_ID);
	assert_int_equal(m->has_status, !!(flags & 0x10));
	if (flags & 0x10)
		assert_int_equal(m->status, SWEEP_STATUS);
}

/* Every flag value (RFU bits 5-7 included) with every quirk combination, for 2A35 or 2A36. */
static void sweep(const char *uuid,
		  int (*parse)(const uint8_t *buf, size_t len, unsigned quirks,
			       struct bpm_measurement *ret, struct gatt_error *err))
{
	for (unsigned quirks = 0; quirks <= _BLE_QUIRK_ALL; quirks++) {
		for (unsigned f = 0; f <= 0xff; f++) {
			uint8_t buf[32];
			uint8_t flags = (uint8_t)f;
			size_t len = build(flags, quirks, buf);
			struct bpm_measurement m;
			struct gatt_error err;

			assert_int_equal(len, required_length(flags, quirks));

			/* Exactly the required length. */
			memset(&m, 0xa5, sizeof(m));
			assert_int_equal(parse(buf, len, quirks, &m, &err), 0);
			assert_sweep_fields(&m, flags, quirks);

			/* Trailing octets are tolerated and change nothing. */
			memset(buf + len, 0xee, 3);
			memset(&m, 0xa5, sizeof(m));
			assert_int_equal(parse(buf, len + 3, quirks, &m, &err), 0);
			assert_sweep_fields(&m, flags, quirks);

			/* Every shorter length is malformed, and the message names the
			 * characteristic. */
			for (size_t cut = 0; cut < len; cut++) {
				char expect[160];

				memset(&err, 0, sizeof(err));
				assert_int_equal(parse(buf, cut, quirks, &m, &err), -EBADMSG);
				if (cut == 0)
					snprintf(expect, sizeof(expect), "%s: empty value", uuid);
				else
					snprintf(expect, sizeof(expect),
						 "%s: flags 0x%02x need %zu octets, got %zu", uuid,
						 flags, len, cut);
				assert_string_equal(err.message, expect);
			}
		}
	}
}

static void test_measurement_all_flags(void **state)
{
	(void)state;
	sweep("2A35", bpm_measurement_parse);
}

static void test_cuff_pressure_all_flags(void **state)
{
	(void)state;
	sweep("2A36", bpm_cuff_pressure_parse);
}

/* The layout's own example of a short value. */
static void test_measurement_short_message(void **state)
{
	(void)state;
	/* flags 0x1e: time stamp, pulse, user id, status -> 19 octets; only 12 sent */
	const uint8_t v[] = {
		0x1e, 0x78, 0x00, 0x50, 0x00, 0x5a, 0x00, 0xe8, 0x07, 0x06, 0x0f, 0x11
	};
	struct bpm_measurement m;
	struct gatt_error err;

	assert_int_equal(bpm_measurement_parse(v, sizeof(v), 0, &m, &err), -EBADMSG);
	assert_string_equal(err.message, "2A35: flags 0x1e need 19 octets, got 12");
	/* No error buffer is fine too. */
	assert_int_equal(bpm_measurement_parse(v, sizeof(v), 0, &m, NULL), -EBADMSG);
}

static void test_measurement_empty(void **state)
{
	(void)state;
	const uint8_t v[] = { 0x00 };
	struct bpm_measurement m;
	struct gatt_error err = { { 0 } };

	assert_int_equal(bpm_measurement_parse(v, 0, 0, &m, &err), -EBADMSG);
	assert_non_null(strstr(err.message, "2A35"));
	assert_int_equal(bpm_measurement_parse(NULL, 0, 0, &m, &err), -EBADMSG);
	assert_int_equal(bpm_cuff_pressure_parse(NULL, 0, 0, &m, &err), -EBADMSG);
	assert_non_null(strstr(err.message, "2A36"));
}

/* derdilla capture from a conformant monitor. */
static void test_measurement_derdilla_strict(void **state)
{
	(void)state;
	const uint8_t v[] = {
		0x16,       /* flags: time stamp, pulse, status; mmHg */
		0x7c, 0x00, /* systolic 124 */
		0x56, 0x00, /* diastolic 86 */
		0x61, 0x00, /* MAP 97 */
		0xe8, 0x07, /* year 2024 */
		0x06,       /* June */
		0x0f,       /* 15 */
		0x11,       /* 17 h */
		0x11,       /* 17 min */
		0x1b,       /* 27 s */
		0x33, 0x00, /* pulse 51 */
		0x00, 0x00, /* status: nothing */
	};
	struct bpm_measurement m;
	struct gatt_error err;
	char when[32];

	assert_int_equal(bpm_measurement_parse(v, sizeof(v), 0, &m, &err), 0);
	assert_false(m.kpa);
	assert_number(m.systolic, 124, 0);
	assert_number(m.diastolic, 86, 0);
	assert_number(m.map, 97, 0);
	assert_true(m.has_timestamp);
	gatt_date_time_format(&m.timestamp, when, sizeof(when));
	assert_string_equal(when, "2024-06-15T17:17:27");
	assert_true(m.has_pulse);
	assert_number(m.pulse, 51, 0);
	assert_false(m.has_user_id);
	assert_true(m.has_status);
	assert_int_equal(m.status, 0);
}

/* The derdilla capture again with the status variants of its tests. */
static void test_measurement_status_bits(void **state)
{
	(void)state;
	const struct {
		uint8_t lo, hi; /* status octets, little-endian */
		bool movement, loose, irregular, position;
		unsigned range;
	} cases[] = {
		{ 0x00, 0x00, false, false, false, false, 0 },
		/* 0x0027: movement, cuff loose, irregular pulse, in range, improper position */
		{ 0x27, 0x00, true, true, true, true, 0 },
		/* 0x0008: pulse above the upper limit */
		{ 0x08, 0x00, false, false, false, false, 1 },
		/* 0x0010: pulse below the lower limit */
		{ 0x10, 0x00, false, false, false, false, 2 },
		/* 0x0012: cuff loose, below the lower limit */
		{ 0x12, 0x00, false, true, false, false, 2 },
		/* 0x0018: reserved range value */
		{ 0x18, 0x00, false, false, false, false, 3 },
		/* 0xffc0: only RFU bits */
		{ 0xc0, 0xff, false, false, false, false, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t v[] = { 0x16, 0x7c, 0x00, 0x56, 0x00, 0x61, 0x00, 0xe8, 0x07,
				0x06, 0x0f, 0x11, 0x11, 0x1b, 0x33, 0x00, 0x00, 0x00 };
		struct bpm_measurement m;
		unsigned status = cases[i].lo | cases[i].hi << 8;

		v[16] = cases[i].lo;
		v[17] = cases[i].hi;
		assert_int_equal(bpm_measurement_parse(v, sizeof(v), 0, &m, NULL), 0);
		assert_true(m.has_status);
		assert_int_equal(m.status, status);
		assert_int_equal(!!(m.status & BPM_STATUS_BODY_MOVEMENT), cases[i].movement);
		assert_int_equal(!!(m.status & BPM_STATUS_CUFF_LOOSE), cases[i].loose);
		assert_int_equal(!!(m.status & BPM_STATUS_IRREGULAR_PULSE), cases[i].irregular);
		assert_int_equal(!!(m.status & BPM_STATUS_IMPROPER_POSITION), cases[i].position);
		assert_int_equal((m.status & BPM_STATUS_PULSE_RANGE_MASK) >>
					 BPM_STATUS_PULSE_RANGE_SHIFT,
				 cases[i].range);
		assert_number(m.pulse, 51, 0);
	}
}

/* Beurer BM85 captures: 19 octets although flags 0x56 ask for 18. */
static const uint8_t bm85_1[] = {
	0x56,             /* flags: time stamp, pulse, status, RFU bit 6; no user id flag */
	0x6a, 0x00,       /* systolic 106 */
	0x47, 0x00,       /* diastolic 71 */
	0x00, 0x00,       /* MAP 0 */
	0xea, 0x07, 0x08, /* 2026, August */
	0x0b, 0x12, 0x1f, /* 11th, 18 h, 31 min */
	0x00,             /* 0 s */
	0x00, 0x3f,       /* pulse 63, big-endian */
	0x00,             /* user id 0, sent although flag bit 3 is clear */
	0x00, 0x00,       /* status 0, big-endian */
};
static const uint8_t bm85_2[] = {
	0x56, 0x71, 0x00, /* flags; systolic 113 */
	0x49, 0x00,       /* diastolic 73 */
	0x00, 0x00,       /* MAP 0 */
	0xea, 0x07, 0x08, /* 2026, August */
	0x0b, 0x14, 0x38, /* 11th, 20 h, 56 min */
	0x00,             /* 0 s */
	0x00, 0x41,       /* pulse 65, big-endian */
	0x01,             /* user id 1 */
	0x00, 0x00,       /* status 0 */
};
static const uint8_t bm85_3[] = {
	0x56, 0x76, 0x00, /* flags; systolic 118 */
	0x50, 0x00,       /* diastolic 80 */
	0x00, 0x00,       /* MAP 0 */
	0xea, 0x07, 0x08, /* 2026, August */
	0x0b, 0x14, 0x1b, /* 11th, 20 h, 27 min */
	0x00,             /* 0 s */
	0x00, 0x3c,       /* pulse 60, big-endian */
	0x00,             /* user id 0 */
	0x00, 0x04,       /* status 0x0004 big-endian: irregular pulse */
};

static void test_measurement_bm85_quirks(void **state)
{
	(void)state;
	unsigned quirks = ble_quirks_for_model("BM85");
	struct bpm_measurement m;
	struct gatt_error err;

	assert_int_equal(quirks,
			 BLE_QUIRK_BPM_BIG_ENDIAN_PULSE_STATUS | BLE_QUIRK_BPM_ALWAYS_USER_ID);

	assert_int_equal(bpm_measurement_parse(bm85_1, sizeof(bm85_1), quirks, &m, &err), 0);
	assert_int_equal(m.flags, 0x56);
	assert_false(m.kpa);
	assert_number(m.systolic, 106, 0);
	assert_number(m.diastolic, 71, 0);
	assert_number(m.map, 0, 0);
	assert_true(m.has_timestamp);
	assert_dt(&m.timestamp, 2026, 8, 11, 18, 31, 0);
	assert_true(m.has_pulse);
	assert_number(m.pulse, 63, 0);
	assert_true(m.has_user_id);
	assert_int_equal(m.user_id, 0);
	assert_true(m.has_status);
	assert_int_equal(m.status, 0);

	assert_int_equal(bpm_measurement_parse(bm85_2, sizeof(bm85_2), quirks, &m, &err), 0);
	assert_number(m.systolic, 113, 0);
	assert_number(m.diastolic, 73, 0);
	assert_dt(&m.timestamp, 2026, 8, 11, 20, 56, 0);
	assert_number(m.pulse, 65, 0);
	assert_true(m.has_user_id);
	assert_int_equal(m.user_id, 1);
	assert_int_equal(m.status, 0);

	assert_int_equal(bpm_measurement_parse(bm85_3, sizeof(bm85_3), quirks, &m, &err), 0);
	assert_number(m.systolic, 118, 0);
	assert_number(m.diastolic, 80, 0);
	assert_dt(&m.timestamp, 2026, 8, 11, 20, 27, 0);
	assert_number(m.pulse, 60, 0);
	assert_int_equal(m.user_id, 0);
	assert_int_equal(m.status, BPM_STATUS_IRREGULAR_PULSE);

	/* With the quirk the extra octet is required: 18 octets are one short. */
	assert_int_equal(bpm_measurement_parse(bm85_1, 18, quirks, &m, &err), -EBADMSG);
	assert_string_equal(err.message, "2A35: flags 0x56 need 19 octets, got 18");
}

/* The same bytes read by the strict specification: what a gateway without the quirk stores. */
static void test_measurement_bm85_strict(void **state)
{
	(void)state;
	struct bpm_measurement m;

	assert_int_equal(bpm_measurement_parse(bm85_1, sizeof(bm85_1), 0, &m, NULL), 0);
	assert_number(m.systolic, 106, 0);
	assert_dt(&m.timestamp, 2026, 8, 11, 18, 31, 0);
	/* 00 3f little-endian is 0x3F00: exponent 3, mantissa 0xF00 = -256 -> -256000 */
	assert_number(m.pulse, -256, 3);
	assert_true(ieee11073_to_double(m.pulse) == -256000.0);
	assert_false(m.has_user_id);
	assert_true(m.has_status);
	assert_int_equal(m.status, 0); /* octets 16-17: user id 00 and status 00 */

	assert_int_equal(bpm_measurement_parse(bm85_2, sizeof(bm85_2), 0, &m, NULL), 0);
	/* 00 41 -> 0x4100: exponent 4, mantissa 0x100 = 256 */
	assert_number(m.pulse, 256, 4);
	assert_false(m.has_user_id);
	assert_int_equal(m.status, 0x0001); /* 01 00: the user id read as "body movement" */

	assert_int_equal(bpm_measurement_parse(bm85_3, sizeof(bm85_3), 0, &m, NULL), 0);
	/* 00 3c -> 0x3C00: exponent 3, mantissa 0xC00 = -1024 */
	assert_number(m.pulse, -1024, 3);
	assert_int_equal(m.status, 0); /* the irregular-pulse octet is the surplus one */

	/* A single quirk at a time, to show each one does its own part. */
	assert_int_equal(bpm_measurement_parse(bm85_1, sizeof(bm85_1), BLE_QUIRK_BPM_ALWAYS_USER_ID,
					       &m, NULL),
			 0);
	assert_number(m.pulse, -256, 3);
	assert_true(m.has_user_id);
	assert_int_equal(m.user_id, 0);
	assert_int_equal(bpm_measurement_parse(bm85_3, sizeof(bm85_3),
					       BLE_QUIRK_BPM_BIG_ENDIAN_PULSE_STATUS, &m, NULL),
			 0);
	assert_number(m.pulse, 60, 0);
	assert_false(m.has_user_id);
	assert_int_equal(m.status, 0x0000); /* big-endian 00 00 from octets 16-17 */
}

static void test_measurement_kpa(void **state)
{
	(void)state;
	const uint8_t v[] = {
		0x01,       /* flags: kPa, nothing optional */
		0xa0, 0xf0, /* systolic 160e-1 = 16.0 kPa */
		0x6b, 0xf0, /* diastolic 107e-1 = 10.7 kPa */
		0x7d, 0xf0, /* MAP 125e-1 = 12.5 kPa */
	};
	struct bpm_measurement m;

	assert_int_equal(bpm_measurement_parse(v, sizeof(v), 0, &m, NULL), 0);
	assert_true(m.kpa);
	assert_number(m.systolic, 160, -1);
	assert_number(m.diastolic, 107, -1);
	assert_number(m.map, 125, -1);
	assert_true(ieee11073_to_double(m.diastolic) == 10.7);
	assert_false(m.has_timestamp);
	assert_false(m.has_pulse);
	assert_false(m.has_user_id);
	assert_false(m.has_status);
}

/* Special values are reported as specials, not numbers and not errors. */
static void test_measurement_specials(void **state)
{
	(void)state;
	const uint8_t v[] = {
		0x0c,       /* flags: pulse, user id */
		0xff, 0x07, /* systolic NaN */
		0xfe, 0x07, /* diastolic +INF */
		0x00, 0x08, /* MAP NRes */
		0x02, 0x08, /* pulse -INF */
		0xff,       /* user id 255: unknown user */
	};
	struct bpm_measurement m;

	assert_int_equal(bpm_measurement_parse(v, sizeof(v), 0, &m, NULL), 0);
	assert_int_equal(m.systolic.special, IEEE11073_NAN);
	assert_int_equal(m.diastolic.special, IEEE11073_PLUS_INF);
	assert_int_equal(m.map.special, IEEE11073_NRES);
	assert_int_equal(m.pulse.special, IEEE11073_MINUS_INF);
	assert_int_equal(m.user_id, BPM_USER_ID_UNKNOWN);
}

static void test_cuff_pressure(void **state)
{
	(void)state;
	/* Unused slots as NaN. */
	const uint8_t nan_slots[] = {
		0x00,       /* flags: mmHg, nothing optional */
		0x96, 0x00, /* cuff pressure 150 */
		0xff, 0x07, /* unused: NaN */
		0xff, 0x07, /* unused: NaN */
	};
	/* Unused slots as zero, with a user id and status, in kPa. */
	const uint8_t zero_slots[] = {
		0x19,       /* flags: kPa, user id, status */
		0x2c, 0xf0, /* cuff pressure 44e-1 = 4.4 kPa */
		0x00, 0x00, /* unused */
		0x00, 0x00, /* unused */
		0x02,       /* user id 2 */
		0x01, 0x00, /* status: body movement */
	};
	struct bpm_measurement m;
	struct gatt_error err;

	assert_int_equal(bpm_cuff_pressure_parse(nan_slots, sizeof(nan_slots), 0, &m, &err), 0);
	assert_false(m.kpa);
	assert_number(m.systolic, 150, 0);
	assert_int_equal(m.diastolic.special, IEEE11073_NAN);
	assert_int_equal(m.map.special, IEEE11073_NAN);

	assert_int_equal(bpm_cuff_pressure_parse(zero_slots, sizeof(zero_slots), 0, &m, &err), 0);
	assert_true(m.kpa);
	assert_number(m.systolic, 44, -1);
	assert_true(m.has_user_id);
	assert_int_equal(m.user_id, 2);
	assert_int_equal(m.status, BPM_STATUS_BODY_MOVEMENT);

	assert_int_equal(bpm_cuff_pressure_parse(zero_slots, 9, 0, &m, &err), -EBADMSG);
	assert_string_equal(err.message, "2A36: flags 0x19 need 10 octets, got 9");
}

static void test_feature(void **state)
{
	(void)state;
	/* 0x0027: body movement, cuff fit, irregular pulse, multiple bonds */
	const uint8_t v27[] = { 0x27, 0x00 };
	/* 0x0110: measurement position and BLS 1.1 bit 8, read little-endian */
	const uint8_t v110[] = { 0x10, 0x01 };
	/* 0x003f and one surplus octet */
	const uint8_t v3f[] = { 0x3f, 0x00, 0xff };
	uint16_t f = 0;
	struct gatt_error err;

	assert_int_equal(bpm_feature_parse(v27, sizeof(v27), &f, &err), 0);
	assert_int_equal(f, BPM_FEATURE_BODY_MOVEMENT | BPM_FEATURE_CUFF_FIT |
				    BPM_FEATURE_IRREGULAR_PULSE | BPM_FEATURE_MULTIPLE_BOND);
	assert_int_equal(bpm_feature_parse(v110, sizeof(v110), &f, &err), 0);
	assert_int_equal(f, 0x0110);
	assert_true(f & BPM_FEATURE_POSITION);
	assert_false(f & BPM_FEATURE_MULTIPLE_BOND);
	assert_false(f & BPM_FEATURE_PULSE_RANGE);
	assert_int_equal(bpm_feature_parse(v3f, sizeof(v3f), &f, &err), 0);
	assert_int_equal(f, 0x003f);

	for (size_t len = 0; len < 2; len++) {
		f = 0x5555;
		memset(&err, 0, sizeof(err));
		assert_int_equal(bpm_feature_parse(v27, len, &f, &err), -EBADMSG);
		assert_non_null(strstr(err.message, "2A49"));
		assert_int_equal(f, 0x5555);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_measurement_all_flags),
		cmocka_unit_test(test_cuff_pressure_all_flags),
		cmocka_unit_test(test_measurement_short_message),
		cmocka_unit_test(test_measurement_empty),
		cmocka_unit_test(test_measurement_derdilla_strict),
		cmocka_unit_test(test_measurement_status_bits),
		cmocka_unit_test(test_measurement_bm85_quirks),
		cmocka_unit_test(test_measurement_bm85_strict),
		cmocka_unit_test(test_measurement_kpa),
		cmocka_unit_test(test_measurement_specials),
		cmocka_unit_test(test_cuff_pressure),
		cmocka_unit_test(test_feature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
