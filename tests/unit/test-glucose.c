// SPDX-License-Identifier: MIT
/*
 * Glucose Service: 2A18 measurement and 2A34 context for every flag
 * combination and every truncation, the user-facing time (Base Time plus a
 * signed Time Offset) across day, month and leap-day boundaries, and the
 * 2A51 feature bits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "glucose.h"
#include "macro.h"

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

static void expect_message(char *buf, size_t size, const char *uuid, uint8_t flags, size_t need,
			   size_t have)
{
	if (have == 0)
		snprintf(buf, size, "%s: empty value", uuid);
	else
		snprintf(buf, size, "%s: flags 0x%02x need %zu octets, got %zu", uuid, flags, need,
			 have);
}

/* 2A18 field values for the flag sweep; low and high octets differ so byte order shows. */
#define M_SEQ           0x1234
#define M_OFFSET        0xfffb /* -5 minutes */
#define M_CONCENTRATION 0xb078 /* exponent -5, mantissa 120: 120 mg/dL as kg/L */
#define M_TYPE_LOCATION 0x12   /* type 2 capillary plasma (low), location 1 finger (high) */
#define M_STATUS        0x0801 /* time fault, battery low */
/* Base Time 2024-06-15T11:10:30 */
static const uint8_t m_base_time[] = { 0xe8, 0x07, 0x06, 0x0f, 0x0b, 0x0a, 0x1e };

static size_t build_measurement(uint8_t flags, uint8_t *out)
{
	size_t n = 0;

	out[n++] = flags;
	put_le16(out + n, M_SEQ);
	n += 2;
	memcpy(out + n, m_base_time, sizeof(m_base_time));
	n += sizeof(m_base_time);
	if (flags & 0x01) {
		put_le16(out + n, M_OFFSET);
		n += 2;
	}
	if (flags & 0x02) {
		put_le16(out + n, M_CONCENTRATION);
		n += 2;
		out[n++] = M_TYPE_LOCATION;
	}
	if (flags & 0x08) {
		put_le16(out + n, M_STATUS);
		n += 2;
	}
	return n;
}

static void assert_measurement_fields(const struct glucose_measurement *m, uint8_t flags)
{
	struct gatt_date_time when;

	assert_int_equal(m->flags, flags);
	assert_int_equal(m->seq, M_SEQ);
	assert_dt(&m->base_time, 2024, 6, 15, 11, 10, 30);
	assert_int_equal(m->has_time_offset, !!(flags & 0x01));
	if (flags & 0x01)
		assert_int_equal(m->time_offset, -5);
	assert_int_equal(m->has_concentration, !!(flags & 0x02));
	if (flags & 0x02) {
		assert_number(m->concentration, 120, -5);
		assert_int_equal(m->type, 2);
		assert_int_equal(m->location, 1);
	}
	assert_int_equal(m->mol_per_l, !!(flags & 0x04));
	assert_int_equal(m->has_status, !!(flags & 0x08));
	if (flags & 0x08)
		assert_int_equal(m->status, M_STATUS);
	assert_int_equal(m->context_follows, !!(flags & 0x10));

	assert_int_equal(glucose_measurement_time(m, &when), 0);
	assert_dt(&when, 2024, 6, 15, 11, flags & 0x01 ? 5 : 10, 30);
}

/* Every flag value, RFU bits 5-7 included: each field where the layout puts it. */
static void test_measurement_all_flags(void **state)
{
	(void)state;
	for (unsigned f = 0; f <= 0xff; f++) {
		uint8_t buf[32];
		uint8_t flags = (uint8_t)f;
		size_t len = build_measurement(flags, buf);
		size_t need = 10 + (f & 0x01 ? 2 : 0) + (f & 0x02 ? 3 : 0) + (f & 0x08 ? 2 : 0);
		struct glucose_measurement m;
		struct gatt_error err;

		assert_int_equal(len, need);
		memset(&m, 0xa5, sizeof(m));
		assert_int_equal(glucose_measurement_parse(buf, len, &m, &err), 0);
		assert_measurement_fields(&m, flags);

		memset(buf + len, 0xee, 4);
		memset(&m, 0xa5, sizeof(m));
		assert_int_equal(glucose_measurement_parse(buf, len + 4, &m, &err), 0);
		assert_measurement_fields(&m, flags);

		for (size_t cut = 0; cut < len; cut++) {
			char expect[160];

			memset(&err, 0, sizeof(err));
			assert_int_equal(glucose_measurement_parse(buf, cut, &m, &err), -EBADMSG);
			expect_message(expect, sizeof(expect), "2A18", flags, len, cut);
			assert_string_equal(err.message, expect);
		}
	}
}

static void test_measurement_minimal(void **state)
{
	(void)state;
	const uint8_t v[] = {
		0x00,                   /* flags: nothing optional, kg/L */
		0x01, 0x00,             /* sequence number 1 */
		0xe8, 0x07, 0x06, 0x0f, /* 2024-06-15 */
		0x0b, 0x0a, 0x1e,       /* 11:10:30 */
	};
	struct glucose_measurement m;
	struct gatt_date_time when;
	struct gatt_error err;

	assert_int_equal(glucose_measurement_parse(v, sizeof(v), &m, &err), 0);
	assert_int_equal(m.seq, 1);
	assert_false(m.has_time_offset);
	assert_false(m.has_concentration);
	assert_false(m.has_status);
	assert_false(m.context_follows);
	assert_int_equal(glucose_measurement_time(&m, &when), 0);
	assert_dt(&when, 2024, 6, 15, 11, 10, 30);

	assert_int_equal(glucose_measurement_parse(v, 0, &m, &err), -EBADMSG);
	assert_non_null(strstr(err.message, "2A18"));
	assert_int_equal(glucose_measurement_parse(NULL, 0, &m, NULL), -EBADMSG);
}

/* Nordic's full glucose vector shape: 11:10:30 with Time Offset -5 reads 11:05:30. */
static void test_measurement_full(void **state)
{
	(void)state;
	const uint8_t v[] = {
		0x1b,       /* flags: offset, concentration, status, context follows; kg/L */
		0x2a, 0x00, /* sequence number 42 */
		0xe8, 0x07, 0x06, 0x0f, /* 2024-06-15 */
		0x0b, 0x0a, 0x1e,       /* 11:10:30 */
		0xfb, 0xff,             /* time offset -5 minutes (sint16) */
		0x78, 0xb0,             /* concentration 120e-5 kg/L (120 mg/dL) */
		0x41,       /* type 1 capillary whole blood, location 4 control solution */
		0x00, 0x08, /* status 0x0800: time fault */
	};
	struct glucose_measurement m;
	struct gatt_date_time when;
	char buf[32];

	assert_int_equal(glucose_measurement_parse(v, sizeof(v), &m, NULL), 0);
	assert_int_equal(m.seq, 42);
	assert_true(m.has_time_offset);
	assert_int_equal(m.time_offset, -5);
	assert_true(m.has_concentration);
	assert_false(m.mol_per_l);
	assert_number(m.concentration, 120, -5);
	assert_int_equal(m.type, 1);
	assert_int_equal(m.location, 4);
	assert_true(m.has_status);
	assert_int_equal(m.status, GLUCOSE_STATUS_TIME_FAULT);
	assert_true(m.context_follows);

	assert_int_equal(glucose_measurement_time(&m, &when), 0);
	gatt_date_time_format(&when, buf, sizeof(buf));
	assert_string_equal(buf, "2024-06-15T11:05:30");
	/* The raw base time is kept as sent. */
	assert_dt(&m.base_time, 2024, 6, 15, 11, 10, 30);
}

static void test_measurement_units(void **state)
{
	(void)state;
	const uint8_t mol[] = {
		0x06,                   /* flags: concentration, mol/L */
		0x03, 0x00,             /* sequence number 3 */
		0xe8, 0x07, 0x06, 0x0f, /* 2024-06-15 */
		0x0b, 0x0a, 0x1e,       /* 11:10:30 */
		0x37, 0xc0,             /* concentration 55e-4 mol/L (5.5 mmol/L) */
		0xf8,                   /* type 8 undetermined plasma, location 15 not available */
	};
	const uint8_t kg[] = {
		0x02,                   /* flags: concentration, kg/L */
		0x04, 0x00,             /* sequence number 4 */
		0xe8, 0x07, 0x06, 0x0f, /* 2024-06-15 */
		0x0b, 0x0a, 0x1e,       /* 11:10:30 */
		0x34, 0x11,             /* concentration 0x1134: 308e1 kg/L, decoded as sent */
		0x0a,                   /* type 10 control solution, location 0 reserved */
	};
	struct glucose_measurement m;

	assert_int_equal(glucose_measurement_parse(mol, sizeof(mol), &m, NULL), 0);
	assert_true(m.mol_per_l);
	assert_number(m.concentration, 55, -4);
	assert_true(ieee11073_to_double(m.concentration) == 0.0055);
	assert_int_equal(m.type, 8);
	assert_int_equal(m.location, 15);

	assert_int_equal(glucose_measurement_parse(kg, sizeof(kg), &m, NULL), 0);
	assert_false(m.mol_per_l);
	assert_number(m.concentration, 308, 1);
	assert_int_equal(m.type, 10);
	assert_int_equal(m.location, 0);
}

static void test_measurement_status_bits(void **state)
{
	(void)state;
	uint8_t v[] = {
		0x08,                   /* flags: status */
		0x05, 0x00,             /* sequence number 5 */
		0xe8, 0x07, 0x06, 0x0f, /* 2024-06-15 */
		0x0b, 0x0a, 0x1e,       /* 11:10:30 */
		0x00, 0x00,             /* status, set below */
	};
	const uint16_t bits[] = {
		GLUCOSE_STATUS_BATTERY_LOW,     GLUCOSE_STATUS_SENSOR_MALFUNCTION,
		GLUCOSE_STATUS_SAMPLE_SIZE,     GLUCOSE_STATUS_STRIP_INSERTION,
		GLUCOSE_STATUS_STRIP_TYPE,      GLUCOSE_STATUS_RESULT_HIGH,
		GLUCOSE_STATUS_RESULT_LOW,      GLUCOSE_STATUS_TEMPERATURE_HIGH,
		GLUCOSE_STATUS_TEMPERATURE_LOW, GLUCOSE_STATUS_READ_INTERRUPTED,
		GLUCOSE_STATUS_DEVICE_FAULT,    GLUCOSE_STATUS_TIME_FAULT,
	};
	struct glucose_measurement m;

	/* Bit i of the status is octet 10 bit i (i < 8) or octet 11 bit i - 8. */
	for (unsigned i = 0; i < 16; i++) {
		v[10] = i < 8 ? (uint8_t)(1u << i) : 0;
		v[11] = i < 8 ? 0 : (uint8_t)(1u << (i - 8));
		assert_int_equal(glucose_measurement_parse(v, sizeof(v), &m, NULL), 0);
		assert_int_equal(m.status, 1u << i);
		if (i < 12)
			assert_int_equal(m.status, bits[i]);
	}
}

/* Base Time + signed Time Offset, across every calendar boundary. */
static void test_measurement_time_offset(void **state)
{
	(void)state;
	const struct {
		struct gatt_date_time base;
		int16_t offset;
		struct gatt_date_time user;
	} cases[] = {
		{ { 2024, 6, 15, 11, 10, 30 }, -5, { 2024, 6, 15, 11, 5, 30 } },
		{ { 2024, 6, 15, 11, 10, 30 }, 5, { 2024, 6, 15, 11, 15, 30 } },
		{ { 2024, 6, 15, 11, 10, 30 }, 0, { 2024, 6, 15, 11, 10, 30 } },
		{ { 2024, 6, 16, 0, 2, 0 }, -5, { 2024, 6, 15, 23, 57, 0 } }, /* midnight */
		{ { 2024, 6, 15, 23, 58, 0 }, 5, { 2024, 6, 16, 0, 3, 0 } },  /* midnight forward */
		{ { 2024, 7, 1, 0, 3, 0 }, -5, { 2024, 6, 30, 23, 58, 0 } },  /* month */
		{ { 2024, 3, 1, 0, 3, 0 }, -5, { 2024, 2, 29, 23, 58, 0 } },  /* leap day */
		{ { 2023, 3, 1, 0, 3, 0 }, -5, { 2023, 2, 28, 23, 58, 0 } },  /* no leap day */
		{ { 2024, 2, 28, 23, 0, 0 }, 90, { 2024, 2, 29, 0, 30, 0 } }, /* into a leap day */
		{ { 2024, 1, 1, 0, 0, 0 }, -1, { 2023, 12, 31, 23, 59, 0 } }, /* year */
		{ { 2024, 6, 15, 11, 10, 30 }, -1440, { 2024, 6, 14, 11, 10, 30 } },
		{ { 2024, 6, 15, 11, 10, 30 }, 32767, { 2024, 7, 8, 5, 17, 30 } },
		{ { 2024, 6, 15, 11, 10, 30 }, -32768, { 2024, 5, 23, 17, 2, 30 } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t v[12] = { 0x01, 0x07, 0x00 }; /* flags: time offset; sequence number 7 */
		struct glucose_measurement m;
		struct gatt_date_time when;

		gatt_date_time_write(&cases[i].base, v + 3);
		put_le16(v + 10, (uint16_t)cases[i].offset);
		assert_int_equal(glucose_measurement_parse(v, sizeof(v), &m, NULL), 0);
		assert_true(m.has_time_offset);
		assert_int_equal(m.time_offset, cases[i].offset);
		assert_int_equal(glucose_measurement_time(&m, &when), 0);
		assert_dt(&when, cases[i].user.year, cases[i].user.month, cases[i].user.day,
			  cases[i].user.hours, cases[i].user.minutes, cases[i].user.seconds);
	}
}

static void test_measurement_time_invalid_base(void **state)
{
	(void)state;
	const uint8_t year0[] = {
		0x01,                   /* flags: time offset */
		0x08, 0x00,             /* sequence number 8 */
		0x00, 0x00, 0x04, 0x11, /* year 0 (unknown), April 17 */
		0x14, 0x29, 0x3b,       /* 20:41:59 */
		0xfb, 0xff,             /* -5 minutes */
	};
	const uint8_t month13[] = {
		0x00,                   /* flags: nothing */
		0x09, 0x00,             /* sequence number 9 */
		0xe8, 0x07, 0x0d, 0x01, /* 2024, month 13, day 1 */
		0x00, 0x00, 0x00,       /* 00:00:00 */
	};
	const uint8_t first[] = {
		0x01,                   /* flags: time offset */
		0x0a, 0x00,             /* sequence number 10 */
		0x2e, 0x06, 0x01, 0x01, /* 1582-01-01, the first valid day */
		0x00, 0x00, 0x00,       /* 00:00:00 */
		0xff, 0xff,             /* -1 minute: before the range */
	};
	struct glucose_measurement m;
	struct gatt_date_time when = { 1, 2, 3, 4, 5, 6 };

	/* Parsing keeps the record; only the user-facing time is refused. */
	assert_int_equal(glucose_measurement_parse(year0, sizeof(year0), &m, NULL), 0);
	assert_dt(&m.base_time, 0, 4, 17, 20, 41, 59);
	assert_int_equal(glucose_measurement_time(&m, &when), -EINVAL);
	assert_dt(&when, 1, 2, 3, 4, 5, 6);

	assert_int_equal(glucose_measurement_parse(month13, sizeof(month13), &m, NULL), 0);
	assert_dt(&m.base_time, 2024, 13, 1, 0, 0, 0);
	assert_int_equal(glucose_measurement_time(&m, &when), -EINVAL);

	assert_int_equal(glucose_measurement_parse(first, sizeof(first), &m, NULL), 0);
	assert_int_equal(glucose_measurement_time(&m, &when), -ERANGE);
	assert_dt(&when, 1, 2, 3, 4, 5, 6);
}

/* 2A34 field values for the flag sweep. */
#define C_SEQ        0x1234
#define C_EXTENDED   0x5a   /* RFU bits, kept as sent */
#define C_CARB_ID    0x01   /* breakfast */
#define C_CARB       0xd032 /* exponent -3, mantissa 50: 0.050 kg */
#define C_MEAL       0x02   /* postprandial */
#define C_TESTER     0x52   /* tester 2 health-care professional (low), health 5 none (high) */
#define C_EXERCISE   0x0e10 /* 3600 s */
#define C_INTENSITY  0x4b   /* 75 % */
#define C_MED_ID     0x03   /* intermediate-acting insulin */
#define C_MEDICATION 0xd019 /* exponent -3, mantissa 25 */
#define C_HBA1C      0xf03b /* exponent -1, mantissa 59: 5.9 % */

static size_t build_context(uint8_t flags, uint8_t *out)
{
	size_t n = 0;

	out[n++] = flags;
	put_le16(out + n, C_SEQ);
	n += 2;
	if (flags & 0x80)
		out[n++] = C_EXTENDED;
	if (flags & 0x01) {
		out[n++] = C_CARB_ID;
		put_le16(out + n, C_CARB);
		n += 2;
	}
	if (flags & 0x02)
		out[n++] = C_MEAL;
	if (flags & 0x04)
		out[n++] = C_TESTER;
	if (flags & 0x08) {
		put_le16(out + n, C_EXERCISE);
		n += 2;
		out[n++] = C_INTENSITY;
	}
	if (flags & 0x10) {
		out[n++] = C_MED_ID;
		put_le16(out + n, C_MEDICATION);
		n += 2;
	}
	if (flags & 0x40) {
		put_le16(out + n, C_HBA1C);
		n += 2;
	}
	return n;
}

static void assert_context_fields(const struct glucose_context *c, uint8_t flags)
{
	assert_int_equal(c->flags, flags);
	assert_int_equal(c->seq, C_SEQ);
	assert_int_equal(c->has_extended_flags, !!(flags & 0x80));
	if (flags & 0x80)
		assert_int_equal(c->extended_flags, C_EXTENDED);
	assert_int_equal(c->has_carbohydrate, !!(flags & 0x01));
	if (flags & 0x01) {
		assert_int_equal(c->carbohydrate_id, C_CARB_ID);
		assert_number(c->carbohydrate, 50, -3);
	}
	assert_int_equal(c->has_meal, !!(flags & 0x02));
	if (flags & 0x02)
		assert_int_equal(c->meal, GLUCOSE_MEAL_POSTPRANDIAL);
	assert_int_equal(c->has_tester_health, !!(flags & 0x04));
	if (flags & 0x04) {
		assert_int_equal(c->tester, 2);
		assert_int_equal(c->health, 5);
	}
	assert_int_equal(c->has_exercise, !!(flags & 0x08));
	if (flags & 0x08) {
		assert_int_equal(c->exercise_duration, 3600);
		assert_int_equal(c->exercise_intensity, 75);
	}
	assert_int_equal(c->has_medication, !!(flags & 0x10));
	if (flags & 0x10) {
		assert_int_equal(c->medication_id, C_MED_ID);
		assert_number(c->medication, 25, -3);
	}
	assert_int_equal(c->medication_litres, !!(flags & 0x20));
	assert_int_equal(c->has_hba1c, !!(flags & 0x40));
	if (flags & 0x40)
		assert_number(c->hba1c, 59, -1);
}

static void test_context_all_flags(void **state)
{
	(void)state;
	for (unsigned f = 0; f <= 0xff; f++) {
		uint8_t buf[32];
		uint8_t flags = (uint8_t)f;
		size_t len = build_context(flags, buf);
		size_t need = 3 + (f & 0x80 ? 1 : 0) + (f & 0x01 ? 3 : 0) + (f & 0x02 ? 1 : 0) +
			      (f & 0x04 ? 1 : 0) + (f & 0x08 ? 3 : 0) + (f & 0x10 ? 3 : 0) +
			      (f & 0x40 ? 2 : 0);
		struct glucose_context c;
		struct gatt_error err;

		assert_int_equal(len, need);
		memset(&c, 0xa5, sizeof(c));
		assert_int_equal(glucose_context_parse(buf, len, &c, &err), 0);
		assert_context_fields(&c, flags);

		memset(buf + len, 0xee, 4);
		memset(&c, 0xa5, sizeof(c));
		assert_int_equal(glucose_context_parse(buf, len + 4, &c, &err), 0);
		assert_context_fields(&c, flags);

		for (size_t cut = 0; cut < len; cut++) {
			char expect[160];

			memset(&err, 0, sizeof(err));
			assert_int_equal(glucose_context_parse(buf, cut, &c, &err), -EBADMSG);
			expect_message(expect, sizeof(expect), "2A34", flags, len, cut);
			assert_string_equal(err.message, expect);
		}
	}
}

/* Each optional field alone, written out. */
static void test_context_each_field(void **state)
{
	(void)state;
	/* 01: carbohydrate; 07 00: seq 7; 03: dinner; 32 d0: 50e-3 kg */
	const uint8_t carb[] = { 0x01, 0x07, 0x00, 0x03, 0x32, 0xd0 };
	/* 02: meal; 07 00: seq 7; 05: bedtime */
	const uint8_t meal[] = { 0x02, 0x07, 0x00, 0x05 };
	/* 04: tester-health; 07 00: seq 7; 0x3f: tester 15 n/a (low), health 3 menses (high) */
	const uint8_t tester[] = { 0x04, 0x07, 0x00, 0x3f };
	/* 08: exercise; 07 00: seq 7; ff ff: 65535 s (overrun); 64: 100 % */
	const uint8_t exercise[] = { 0x08, 0x07, 0x00, 0xff, 0xff, 0x64 };
	/* 10: medication in kg; 07 00: seq 7; 01: rapid-acting; 0a d0: 10e-3 kg */
	const uint8_t med_kg[] = { 0x10, 0x07, 0x00, 0x01, 0x0a, 0xd0 };
	/* 30: medication in litres; 07 00: seq 7; 05: pre-mixed; 0a c0: 10e-4 L */
	const uint8_t med_l[] = { 0x30, 0x07, 0x00, 0x05, 0x0a, 0xc0 };
	/* 40: HbA1c; 07 00: seq 7; 40 f0: 64e-1 % */
	const uint8_t hba1c[] = { 0x40, 0x07, 0x00, 0x40, 0xf0 };
	/* 80: extended flags; 07 00: seq 7; 01: extended flags (RFU) */
	const uint8_t ext[] = { 0x80, 0x07, 0x00, 0x01 };
	struct glucose_context c;

	assert_int_equal(glucose_context_parse(carb, sizeof(carb), &c, NULL), 0);
	assert_int_equal(c.seq, 7);
	assert_true(c.has_carbohydrate);
	assert_int_equal(c.carbohydrate_id, 3);
	assert_number(c.carbohydrate, 50, -3);
	assert_false(c.has_meal || c.has_tester_health || c.has_exercise || c.has_medication ||
		     c.has_hba1c || c.has_extended_flags);

	assert_int_equal(glucose_context_parse(meal, sizeof(meal), &c, NULL), 0);
	assert_true(c.has_meal);
	assert_int_equal(c.meal, GLUCOSE_MEAL_BEDTIME);
	assert_false(c.has_carbohydrate || c.has_tester_health || c.has_exercise ||
		     c.has_medication || c.has_hba1c || c.has_extended_flags);

	assert_int_equal(glucose_context_parse(tester, sizeof(tester), &c, NULL), 0);
	assert_true(c.has_tester_health);
	assert_int_equal(c.tester, 15);
	assert_int_equal(c.health, 3);
	assert_false(c.has_carbohydrate || c.has_meal || c.has_exercise || c.has_medication ||
		     c.has_hba1c || c.has_extended_flags);

	assert_int_equal(glucose_context_parse(exercise, sizeof(exercise), &c, NULL), 0);
	assert_true(c.has_exercise);
	assert_int_equal(c.exercise_duration, 65535);
	assert_int_equal(c.exercise_intensity, 100);
	assert_false(c.has_carbohydrate || c.has_meal || c.has_tester_health || c.has_medication ||
		     c.has_hba1c || c.has_extended_flags);

	assert_int_equal(glucose_context_parse(med_kg, sizeof(med_kg), &c, NULL), 0);
	assert_true(c.has_medication);
	assert_int_equal(c.medication_id, 1);
	assert_number(c.medication, 10, -3);
	assert_false(c.medication_litres);
	assert_false(c.has_carbohydrate || c.has_meal || c.has_tester_health || c.has_exercise ||
		     c.has_hba1c || c.has_extended_flags);

	assert_int_equal(glucose_context_parse(med_l, sizeof(med_l), &c, NULL), 0);
	assert_true(c.has_medication);
	assert_int_equal(c.medication_id, 5);
	assert_number(c.medication, 10, -4);
	assert_true(c.medication_litres);

	assert_int_equal(glucose_context_parse(hba1c, sizeof(hba1c), &c, NULL), 0);
	assert_true(c.has_hba1c);
	assert_number(c.hba1c, 64, -1);
	assert_false(c.has_carbohydrate || c.has_meal || c.has_tester_health || c.has_exercise ||
		     c.has_medication || c.has_extended_flags);

	assert_int_equal(glucose_context_parse(ext, sizeof(ext), &c, NULL), 0);
	assert_true(c.has_extended_flags);
	assert_int_equal(c.extended_flags, 0x01);
	assert_false(c.has_carbohydrate || c.has_meal || c.has_tester_health || c.has_exercise ||
		     c.has_medication || c.has_hba1c);
}

/* Every field at once: the extended flags octet comes first, before the carbohydrate. */
static void test_context_all_fields(void **state)
{
	(void)state;
	const uint8_t v[] = {
		0xff,       /* flags: every field, medication in litres, extended flags */
		0x34, 0x12, /* sequence number 0x1234 */
		0x00,       /* extended flags */
		0x02,       /* carbohydrate id 2 lunch */
		0x4b, 0xd0, /* carbohydrate 75e-3 kg */
		0x01,       /* meal: preprandial */
		0x51,       /* tester 1 self (low), health 5 none (high) */
		0x08, 0x07, /* exercise 0x0708 = 1800 s */
		0x32,       /* intensity 50 % */
		0x04,       /* medication id 4 long-acting */
		0x14, 0xc0, /* medication 20e-4 L */
		0x3b, 0xf0, /* HbA1c 59e-1 % */
	};
	struct glucose_context c;
	struct gatt_error err;

	assert_int_equal(glucose_context_parse(v, sizeof(v), &c, &err), 0);
	assert_int_equal(c.seq, 0x1234);
	assert_true(c.has_extended_flags);
	assert_int_equal(c.extended_flags, 0);
	assert_true(c.has_carbohydrate);
	assert_int_equal(c.carbohydrate_id, 2);
	assert_number(c.carbohydrate, 75, -3);
	assert_true(c.has_meal);
	assert_int_equal(c.meal, GLUCOSE_MEAL_PREPRANDIAL);
	assert_true(c.has_tester_health);
	assert_int_equal(c.tester, 1);
	assert_int_equal(c.health, 5);
	assert_true(c.has_exercise);
	assert_int_equal(c.exercise_duration, 1800);
	assert_int_equal(c.exercise_intensity, 50);
	assert_true(c.has_medication);
	assert_int_equal(c.medication_id, 4);
	assert_number(c.medication, 20, -4);
	assert_true(c.medication_litres);
	assert_true(c.has_hba1c);
	assert_number(c.hba1c, 59, -1);

	assert_int_equal(glucose_context_parse(v, sizeof(v) - 1, &c, &err), -EBADMSG);
	assert_string_equal(err.message, "2A34: flags 0xff need 17 octets, got 16");
	assert_int_equal(glucose_context_parse(v, 0, &c, &err), -EBADMSG);
	assert_string_equal(err.message, "2A34: empty value");
}

static void test_feature(void **state)
{
	(void)state;
	/* 0x07ff: every defined bit */
	const uint8_t all[] = { 0xff, 0x07 };
	/* 0x0400: multiple bonds only, so the second octet is the high one */
	const uint8_t bond[] = { 0x00, 0x04 };
	/* 0x0201: low battery and time fault, plus one surplus octet */
	const uint8_t two[] = { 0x01, 0x02, 0x00 };
	uint16_t f;
	struct gatt_error err;

	assert_int_equal(glucose_feature_parse(all, sizeof(all), &f, &err), 0);
	assert_int_equal(f, GLUCOSE_FEATURE_LOW_BATTERY | GLUCOSE_FEATURE_SENSOR_MALFUNCTION |
				    GLUCOSE_FEATURE_SAMPLE_SIZE | GLUCOSE_FEATURE_STRIP_INSERTION |
				    GLUCOSE_FEATURE_STRIP_TYPE | GLUCOSE_FEATURE_RESULT_HIGH_LOW |
				    GLUCOSE_FEATURE_TEMP_HIGH_LOW | GLUCOSE_FEATURE_READ_INTERRUPT |
				    GLUCOSE_FEATURE_GENERAL_FAULT | GLUCOSE_FEATURE_TIME_FAULT |
				    GLUCOSE_FEATURE_MULTIPLE_BOND);
	assert_int_equal(glucose_feature_parse(bond, sizeof(bond), &f, &err), 0);
	assert_int_equal(f, GLUCOSE_FEATURE_MULTIPLE_BOND);
	assert_int_equal(glucose_feature_parse(two, sizeof(two), &f, &err), 0);
	assert_int_equal(f, GLUCOSE_FEATURE_LOW_BATTERY | GLUCOSE_FEATURE_TIME_FAULT);

	for (size_t len = 0; len < 2; len++) {
		f = 0x5555;
		memset(&err, 0, sizeof(err));
		assert_int_equal(glucose_feature_parse(all, len, &f, &err), -EBADMSG);
		assert_non_null(strstr(err.message, "2A51"));
		assert_int_equal(f, 0x5555);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_measurement_all_flags),
		cmocka_unit_test(test_measurement_minimal),
		cmocka_unit_test(test_measurement_full),
		cmocka_unit_test(test_measurement_units),
		cmocka_unit_test(test_measurement_status_bits),
		cmocka_unit_test(test_measurement_time_offset),
		cmocka_unit_test(test_measurement_time_invalid_base),
		cmocka_unit_test(test_context_all_flags),
		cmocka_unit_test(test_context_each_field),
		cmocka_unit_test(test_context_all_fields),
		cmocka_unit_test(test_feature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
