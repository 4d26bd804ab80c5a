// SPDX-License-Identifier: MIT
/*
 * Decoded BLE measurements to canonical readings: units converted (kPa,
 * kg/L, mol/L, F, lb, in) with the device's own value kept beside, device
 * status bits turned into reading flags, device time and record number, the
 * errors for values a reading cannot carry, and the UUID dispatch. Every
 * reading produced must pass record_validate() once the gateway fills in
 * the device name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ble-reading.h"
#include "quirks.h"

#define FLAG(f) (UINT64_C(1) << (f))

static void assert_near(double a, double b)
{
	if (!(fabs(a - b) < 1e-9))
		fail_msg("%.12g is not %.12g", a, b);
}

/*
 * The value of @q: @exact is the device's value converted to the canonical unit,
 * which the reading carries rounded to the quantity's decimals (the record
 * module's policy), beside the device's own @raw and @raw_unit.
 */
static void assert_value(const struct reading *rd, enum quantity q, double exact, double raw,
			 const char *raw_unit)
{
	const struct reading_value *v = reading_get_value(rd, q);

	if (!v)
		fail_msg("no %s value", quantity_to_string(q));
	assert_near(v->value, round_to(exact, quantity_decimals(q)));
	assert_near(v->raw, raw);
	assert_string_equal(v->raw_unit, raw_unit);
}

/* What the gateway does before storing: fill in the rest and validate. */
static void assert_valid_record(const struct reading *rd)
{
	struct record rec = { .kind = RECORD_READING, .seq = 1, .ts = 0 };
	struct record_error err = { { 0 }, { 0 } };
	int r;

	rec.reading = *rd;
	snprintf(rec.reading.device, sizeof(rec.reading.device), "%s", "dev1");
	r = record_validate(&rec, &err);
	if (r != 0)
		fail_msg("record_validate: %s (%s)", err.message, err.field);
}

static void assert_error_mentions(const struct gatt_error *err, const char *a, const char *b)
{
	if (!strstr(err->message, a) || (b && !strstr(err->message, b)))
		fail_msg("'%s' does not mention '%s'%s%s", err->message, a, b ? " and " : "",
			 b ? b : "");
}

static int bpm_reading(const uint8_t *v, size_t len, unsigned quirks, struct reading *rd,
		       struct gatt_error *err)
{
	struct bpm_measurement m;

	assert_int_equal(bpm_measurement_parse(v, len, quirks, &m, err), 0);
	return ble_reading_from_bpm(&m, rd, err);
}

/* Blood pressure */

static void test_bpm_mmhg_full(void **state)
{
	static const uint8_t v[] = {
		0x1e,       /* flags: mmHg, time, pulse, user, status */
		0x79, 0x00, /* systolic 121 */
		0x51, 0x00, /* diastolic 81 */
		0x6a, 0x00, /* MAP 106 */
		0xe4, 0x07, 0x01, 0x1e, 0x07, 0x0f, 0x00, /* 2020-01-30 07:15:00 */
		0x48, 0x00,                               /* pulse 72 */
		0x01,                                     /* user 1 */
		0x04, 0x00,                               /* status 0x0004: irregular pulse */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(bpm_reading(v, sizeof(v), 0, &rd, &err), 0);
	assert_int_equal(rd.measurement, MEASUREMENT_BLOOD_PRESSURE);
	assert_int_equal(rd.mode, READING_MODE_SPOT);
	assert_int_equal(rd.n_values, 4);
	assert_value(&rd, QUANTITY_SYSTOLIC, 121, 121, "mmHg");
	assert_value(&rd, QUANTITY_DIASTOLIC, 81, 81, "mmHg");
	assert_value(&rd, QUANTITY_MEAN_ARTERIAL, 106, 106, "mmHg");
	assert_value(&rd, QUANTITY_PULSE_RATE, 72, 72, "/min");
	assert_true(rd.has_device_time);
	assert_string_equal(rd.device_time, "2020-01-30T07:15:00");
	assert_false(rd.has_device_record);
	assert_int_equal(rd.meal, MEAL_NONE);
	assert_int_equal(rd.flags, FLAG(READING_FLAG_IRREGULAR_PULSE));
	assert_string_equal(rd.device, "");
	assert_valid_record(&rd);
}

/* 16.0 kPa is 120.0 mmHg canonical; the device's 16.0 kPa is kept as raw. MAP 0 is left out. */
static void test_bpm_kpa(void **state)
{
	static const uint8_t v[] = {
		0x01,       /* flags: kPa */
		0xa0, 0xf0, /* systolic 0xF0A0: 160e-1 = 16.0 kPa */
		0x6b, 0xf0, /* diastolic 0xF06B: 107e-1 = 10.7 kPa */
		0x00, 0x00, /* MAP 0: not measured */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(bpm_reading(v, sizeof(v), 0, &rd, &err), 0);
	assert_int_equal(rd.n_values, 2);
	assert_value(&rd, QUANTITY_SYSTOLIC, 16.0 * 7.50062, 16.0, "kPa");
	assert_near(reading_get_value(&rd, QUANTITY_SYSTOLIC)->value, 120.0);
	assert_value(&rd, QUANTITY_DIASTOLIC, 10.7 * 7.50062, 10.7, "kPa");
	assert_null(reading_get_value(&rd, QUANTITY_MEAN_ARTERIAL));
	assert_false(rd.has_device_time);
	assert_int_equal(rd.flags, 0);
	assert_valid_record(&rd);
}

static void test_bpm_nan_pulse_left_out(void **state)
{
	static const uint8_t v[] = {
		0x04,       /* flags: mmHg, pulse */
		0x82, 0x00, /* systolic 130 */
		0x55, 0x00, /* diastolic 85 */
		0x64, 0x00, /* MAP 100 */
		0xff, 0x07, /* pulse NaN */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(bpm_reading(v, sizeof(v), 0, &rd, &err), 0);
	assert_int_equal(rd.n_values, 3);
	assert_value(&rd, QUANTITY_SYSTOLIC, 130, 130, "mmHg");
	assert_value(&rd, QUANTITY_MEAN_ARTERIAL, 100, 100, "mmHg");
	assert_null(reading_get_value(&rd, QUANTITY_PULSE_RATE));
	assert_valid_record(&rd);
}

static void test_bpm_nan_systolic(void **state)
{
	static const uint8_t v[] = {
		0x00,       /* flags: mmHg */
		0xff, 0x07, /* systolic NaN */
		0x51, 0x00, /* diastolic 81 */
		0x6a, 0x00, /* MAP 106 */
	};
	struct reading rd;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(bpm_reading(v, sizeof(v), 0, &rd, &err), -EBADMSG);
	assert_string_equal(err.message, "2A35: systolic is NaN, not a number");
}

static void test_bpm_nan_diastolic(void **state)
{
	static const uint8_t v[] = {
		0x00,       /* flags: mmHg */
		0x79, 0x00, /* systolic 121 */
		0x02, 0x08, /* diastolic -INF */
		0x6a, 0x00, /* MAP 106 */
	};
	struct reading rd;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(bpm_reading(v, sizeof(v), 0, &rd, &err), -EBADMSG);
	assert_error_mentions(&err, "2A35", "diastolic");
}

static void test_bpm_out_of_range(void **state)
{
	static const uint8_t v[] = {
		0x00,       /* flags: mmHg */
		0x90, 0x01, /* systolic 0x0190 = 400 mmHg: no cuff reads that */
		0x51, 0x00, /* diastolic 81 */
		0x6a, 0x00, /* MAP 106 */
	};
	static const uint8_t negative[] = {
		0x00,       /* flags: mmHg */
		0x79, 0x00, /* systolic 121 */
		0xff, 0x0f, /* diastolic 0x0FFF = -1 */
		0x6a, 0x00, /* MAP 106 */
	};
	static const uint8_t kpa[] = {
		0x01,       /* flags: kPa */
		0x90, 0x01, /* systolic 400 kPa = 3000 mmHg */
		0x6b, 0xf0, /* diastolic 10.7 kPa */
		0x00, 0x00, /* MAP 0 */
	};
	struct reading rd;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(bpm_reading(v, sizeof(v), 0, &rd, &err), -EBADMSG);
	assert_error_mentions(&err, "2A35: systolic 400 mmHg", "0..300 mmHg");
	assert_int_equal(bpm_reading(negative, sizeof(negative), 0, &rd, &err), -EBADMSG);
	assert_error_mentions(&err, "2A35: diastolic -1 mmHg", "0..300 mmHg");
	assert_int_equal(bpm_reading(kpa, sizeof(kpa), 0, &rd, &err), -EBADMSG);
	assert_error_mentions(&err, "2A35: systolic 400 kPa", "0..300 mmHg");
}

/* Measurement Status bit by bit, and the 2-bit pulse-range field. */
static void test_bpm_status_flags(void **state)
{
	static const struct {
		uint16_t status;
		uint64_t flags;
	} cases[] = {
		{ 0x0000, 0 },
		{ 0x0001, FLAG(READING_FLAG_BODY_MOVEMENT) },
		{ 0x0002, FLAG(READING_FLAG_CUFF_LOOSE) },
		{ 0x0004, FLAG(READING_FLAG_IRREGULAR_PULSE) },
		{ 0x0008, FLAG(READING_FLAG_PULSE_ABOVE_RANGE) }, /* range 1: above upper limit */
		{ 0x0010, FLAG(READING_FLAG_PULSE_BELOW_RANGE) }, /* range 2: below lower limit */
		{ 0x0018, 0 },                                    /* range 3: reserved */
		{ 0x0020, FLAG(READING_FLAG_IMPROPER_POSITION) },
		{ 0x0027, FLAG(READING_FLAG_BODY_MOVEMENT) | FLAG(READING_FLAG_CUFF_LOOSE) |
				  FLAG(READING_FLAG_IRREGULAR_PULSE) |
				  FLAG(READING_FLAG_IMPROPER_POSITION) },
		{ 0x0012, FLAG(READING_FLAG_CUFF_LOOSE) | FLAG(READING_FLAG_PULSE_BELOW_RANGE) },
		{ 0xffc0, 0 }, /* bits 6-15 RFU */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t v[] = {
			0x10, /* flags: mmHg, status */
			0x79,
			0x00, /* systolic 121 */
			0x51,
			0x00, /* diastolic 81 */
			0x6a,
			0x00, /* MAP 106 */
			(uint8_t)cases[i].status,
			(uint8_t)(cases[i].status >> 8),
		};
		struct reading rd;
		struct gatt_error err;

		assert_int_equal(bpm_reading(v, sizeof(v), 0, &rd, &err), 0);
		if (rd.flags != cases[i].flags)
			fail_msg("status 0x%04x: flags 0x%llx, expected 0x%llx", cases[i].status,
				 (unsigned long long)rd.flags, (unsigned long long)cases[i].flags);
		assert_valid_record(&rd);
	}
}

/* Nordic's vector has year 0: the time is not used and the clock is flagged. */
static void test_bpm_year_zero(void **state)
{
	static const uint8_t v[] = {
		0x02,                                     /* flags: mmHg, time stamp */
		0x79, 0x00,                               /* systolic 121 */
		0x51, 0x00,                               /* diastolic 81 */
		0x6a, 0x00,                               /* MAP 106 */
		0x00, 0x00, 0x04, 0x11, 0x14, 0x29, 0x3b, /* 0000-04-17 20:41:59 */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(bpm_reading(v, sizeof(v), 0, &rd, &err), 0);
	assert_false(rd.has_device_time);
	assert_int_equal(rd.flags, FLAG(READING_FLAG_DEVICE_CLOCK_UNSET));
	assert_valid_record(&rd);
}

/* Glucose */

static int glucose_reading(const uint8_t *v, size_t len, const uint8_t *ctx, size_t ctx_len,
			   struct reading *rd, struct gatt_error *err)
{
	struct glucose_measurement m;
	struct glucose_context c;

	assert_int_equal(glucose_measurement_parse(v, len, &m, err), 0);
	if (!ctx)
		return ble_reading_from_glucose(&m, NULL, rd, err);
	assert_int_equal(glucose_context_parse(ctx, ctx_len, &c, err), 0);
	return ble_reading_from_glucose(&m, &c, rd, err);
}

/* 120e-5 kg/L = 120 mg/dL = 6.666... mmol/L at 18.0 mg/dL per mmol/L. */
static void test_glucose_kg_per_l(void **state)
{
	static const uint8_t v[] = {
		0x02,                                     /* flags: concentration in kg/L */
		0x05, 0x00,                               /* seq 5 */
		0xe4, 0x07, 0x05, 0x14, 0x08, 0x1e, 0x00, /* base time 2020-05-20 08:30:00 */
		0x78, 0xb0,                               /* 0xB078: exp -5, mantissa 120 */
		0x11,                                     /* type 1 capillary whole blood, finger */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_true(GLUCOSE_MGDL_PER_MMOLL == 18.0);
	assert_int_equal(glucose_reading(v, sizeof(v), NULL, 0, &rd, &err), 0);
	assert_int_equal(rd.measurement, MEASUREMENT_GLUCOSE);
	assert_int_equal(rd.n_values, 1);
	assert_value(&rd, QUANTITY_GLUCOSE, 120e-5 * 1e5 / 18.0, 120e-5, "kg/L");
	assert_true(rd.has_device_record);
	assert_int_equal(rd.device_record, 5);
	assert_true(rd.has_device_time);
	assert_string_equal(rd.device_time, "2020-05-20T08:30:00");
	assert_int_equal(rd.flags, 0);
	assert_int_equal(rd.meal, MEAL_NONE);
	assert_valid_record(&rd);
}

/* 119.8 mg/dL is 6.6556 mmol/L at 18.0 (6.6496 at 18.016): the factor shows after rounding. */
static void test_glucose_factor(void **state)
{
	static const uint8_t v[] = {
		0x02,                                     /* flags: concentration in kg/L */
		0x06, 0x00,                               /* seq 6 */
		0xe4, 0x07, 0x05, 0x14, 0x08, 0x1e, 0x00, /* base time 2020-05-20 08:30:00 */
		0xae, 0xa4,                               /* 0xA4AE: exp -6, mantissa 1198 */
		0x11,                                     /* type 1 capillary whole blood, finger */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(glucose_reading(v, sizeof(v), NULL, 0, &rd, &err), 0);
	assert_value(&rd, QUANTITY_GLUCOSE, 1198e-6 * 1e5 / 18.0, 1198e-6, "kg/L");
	assert_valid_record(&rd);
}

/* 5.5e-3 mol/L = 5.5 mmol/L. */
static void test_glucose_mol_per_l(void **state)
{
	static const uint8_t v[] = {
		0x06,                                     /* flags: concentration in mol/L */
		0x34, 0x12,                               /* seq 0x1234 = 4660 */
		0xe4, 0x07, 0x05, 0x14, 0x08, 0x1e, 0x00, /* 2020-05-20 08:30:00 */
		0x37, 0xc0,                               /* 0xC037: exp -4, mantissa 55 */
		0x12,                                     /* type 2 capillary plasma, finger */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(glucose_reading(v, sizeof(v), NULL, 0, &rd, &err), 0);
	assert_value(&rd, QUANTITY_GLUCOSE, 5.5, 5.5e-3, "mol/L");
	assert_int_equal(rd.device_record, 4660);
	assert_valid_record(&rd);
}

/* The user-facing time is Base Time + Time Offset (gls-nordic-full: 11:10:30 - 5 min). */
static void test_glucose_time_offset(void **state)
{
	static const uint8_t back[] = {
		0x03,                                     /* flags: time offset, kg/L */
		0x01, 0x00,                               /* seq 1 */
		0xe4, 0x07, 0x05, 0x14, 0x0b, 0x0a, 0x1e, /* 2020-05-20 11:10:30 */
		0xfb, 0xff,                               /* offset -5 min */
		0x78, 0xb0,                               /* 120e-5 kg/L */
		0x11,                                     /* capillary whole blood, finger */
	};
	static const uint8_t over_year[] = {
		0x03,                                     /* flags: time offset, kg/L */
		0x02, 0x00,                               /* seq 2 */
		0xe4, 0x07, 0x0c, 0x1f, 0x17, 0x3a, 0x00, /* 2020-12-31 23:58:00 */
		0x05, 0x00,                               /* offset +5 min */
		0x78, 0xb0,                               /* 120e-5 kg/L */
		0x11,                                     /* capillary whole blood, finger */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(glucose_reading(back, sizeof(back), NULL, 0, &rd, &err), 0);
	assert_string_equal(rd.device_time, "2020-05-20T11:05:30");
	assert_int_equal(rd.flags, 0);
	assert_valid_record(&rd);
	assert_int_equal(glucose_reading(over_year, sizeof(over_year), NULL, 0, &rd, &err), 0);
	assert_string_equal(rd.device_time, "2021-01-01T00:03:00");
	assert_valid_record(&rd);
}

static void test_glucose_invalid_base_time(void **state)
{
	static const uint8_t v[] = {
		0x03,                                     /* flags: time offset, kg/L */
		0x07, 0x00,                               /* seq 7 */
		0xe4, 0x07, 0x0d, 0x01, 0x08, 0x00, 0x00, /* month 13: not a date */
		0x0a, 0x00,                               /* offset +10 min */
		0x78, 0xb0,                               /* 120e-5 kg/L */
		0x11,                                     /* capillary whole blood, finger */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(glucose_reading(v, sizeof(v), NULL, 0, &rd, &err), 0);
	assert_false(rd.has_device_time);
	assert_int_equal(rd.flags, FLAG(READING_FLAG_DEVICE_CLOCK_UNSET));
	assert_int_equal(rd.device_record, 7);
	assert_valid_record(&rd);
}

static void test_glucose_control_solution(void **state)
{
	static const uint8_t tl[] = {
		0x1a, /* type 10 control solution, location 1 finger */
		0x41, /* type 1 capillary whole blood, location 4 control solution */
		0x4a, /* both */
		0x11, /* type 1, finger: the patient */
		0xf9, /* type 9 interstitial fluid, location 15 not available: the patient */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(tl); i++) {
		uint8_t v[] = {
			0x02,                                      /* flags: kg/L */
			0x01,  0x00,                               /* seq 1 */
			0xe4,  0x07, 0x05, 0x14, 0x08, 0x1e, 0x00, /* 2020-05-20 08:30:00 */
			0x78,  0xb0,                               /* 120e-5 kg/L */
			tl[i],                                     /* type / location */
		};
		struct reading rd;
		struct gatt_error err;

		assert_int_equal(glucose_reading(v, sizeof(v), NULL, 0, &rd, &err), 0);
		assert_int_equal(rd.flags, i < 3 ? FLAG(READING_FLAG_CONTROL_SOLUTION) : 0);
		assert_valid_record(&rd);
	}
}

/* Sensor Status Annunciation, bit by bit (bits 12-15 RFU). */
static void test_glucose_status_flags(void **state)
{
	static const enum reading_flag expect[12] = {
		READING_FLAG_BATTERY_LOW,
		READING_FLAG_SENSOR_MALFUNCTION,
		READING_FLAG_SAMPLE_SIZE_INSUFFICIENT,
		READING_FLAG_STRIP_INSERTION_ERROR,
		READING_FLAG_STRIP_TYPE_INCORRECT,
		READING_FLAG_RESULT_TOO_HIGH,
		READING_FLAG_RESULT_TOO_LOW,
		READING_FLAG_TEMPERATURE_TOO_HIGH,
		READING_FLAG_TEMPERATURE_TOO_LOW,
		READING_FLAG_READ_INTERRUPTED,
		READING_FLAG_DEVICE_FAULT,
		READING_FLAG_DEVICE_CLOCK_UNSET,
	};

	(void)state;
	for (unsigned bit = 0; bit < 16; bit++) {
		uint8_t v[] = {
			0x0a, /* flags: kg/L, status */
			0x01,
			0x00, /* seq 1 */
			0xe4,
			0x07,
			0x05,
			0x14,
			0x08,
			0x1e,
			0x00, /* 2020-05-20 08:30:00 */
			0x78,
			0xb0, /* 120e-5 kg/L */
			0x11, /* capillary whole blood, finger */
			(uint8_t)(1u << bit),
			(uint8_t)(1u << bit >> 8), /* status */
		};
		struct reading rd;
		struct gatt_error err;

		assert_int_equal(glucose_reading(v, sizeof(v), NULL, 0, &rd, &err), 0);
		assert_int_equal(rd.flags, bit < 12 ? FLAG(expect[bit]) : 0);
		assert_valid_record(&rd);
	}
}

static const uint8_t GLUCOSE_SEQ5[] = {
	0x12,                                     /* flags: kg/L, context follows */
	0x05, 0x00,                               /* seq 5 */
	0xe4, 0x07, 0x05, 0x14, 0x08, 0x1e, 0x00, /* 2020-05-20 08:30:00 */
	0x78, 0xb0,                               /* 120e-5 kg/L */
	0x11,                                     /* capillary whole blood, finger */
};

static void test_glucose_context_meal(void **state)
{
	static const uint8_t fasting[] = {
		0x02,       /* flags: meal */
		0x05, 0x00, /* seq 5 */
		0x03,       /* meal 3: fasting */
	};
	static const uint8_t bedtime[] = {
		0x06,       /* flags: meal, tester-health */
		0x05, 0x00, /* seq 5 */
		0x05,       /* meal 5: bedtime */
		0x51,       /* tester 1 self, health 5 none */
	};
	static const uint8_t no_meal[] = {
		0x04,       /* flags: tester-health */
		0x05, 0x00, /* seq 5 */
		0x51,       /* tester 1 self, health 5 none */
	};
	static const uint8_t reserved_meal[] = {
		0x02,       /* flags: meal */
		0x05, 0x00, /* seq 5 */
		0x06,       /* meal 6: reserved */
	};
	static const uint8_t zero_meal[] = {
		0x02,       /* flags: meal */
		0x05, 0x00, /* seq 5 */
		0x00,       /* meal 0: reserved */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(glucose_reading(GLUCOSE_SEQ5, sizeof(GLUCOSE_SEQ5), fasting,
					 sizeof(fasting), &rd, &err),
			 0);
	assert_int_equal(rd.meal, MEAL_FASTING);
	assert_value(&rd, QUANTITY_GLUCOSE, 120e-5 * 1e5 / 18.0, 120e-5, "kg/L");
	assert_valid_record(&rd);

	assert_int_equal(glucose_reading(GLUCOSE_SEQ5, sizeof(GLUCOSE_SEQ5), bedtime,
					 sizeof(bedtime), &rd, &err),
			 0);
	assert_int_equal(rd.meal, MEAL_BEDTIME);
	assert_valid_record(&rd);

	assert_int_equal(glucose_reading(GLUCOSE_SEQ5, sizeof(GLUCOSE_SEQ5), no_meal,
					 sizeof(no_meal), &rd, &err),
			 0);
	assert_int_equal(rd.meal, MEAL_NONE);

	/* A reserved meal value is not a meal the wire protocol knows. */
	assert_int_equal(glucose_reading(GLUCOSE_SEQ5, sizeof(GLUCOSE_SEQ5), reserved_meal,
					 sizeof(reserved_meal), &rd, &err),
			 0);
	assert_int_equal(rd.meal, MEAL_NONE);
	assert_valid_record(&rd);
	assert_int_equal(glucose_reading(GLUCOSE_SEQ5, sizeof(GLUCOSE_SEQ5), zero_meal,
					 sizeof(zero_meal), &rd, &err),
			 0);
	assert_int_equal(rd.meal, MEAL_NONE);
}

/* A context is paired by sequence number: another record's context is an error. */
static void test_glucose_context_mismatch(void **state)
{
	static const uint8_t ctx6[] = {
		0x02,       /* flags: meal */
		0x06, 0x00, /* seq 6 */
		0x03,       /* fasting */
	};
	struct reading rd;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(
		glucose_reading(GLUCOSE_SEQ5, sizeof(GLUCOSE_SEQ5), ctx6, sizeof(ctx6), &rd, &err),
		-EBADMSG);
	assert_error_mentions(&err, "2A34", "6");
	assert_error_mentions(&err, "5", NULL);
}

static void test_glucose_no_concentration(void **state)
{
	static const uint8_t v[] = {
		0x00,                                     /* flags: no concentration */
		0x09, 0x00,                               /* seq 9 */
		0xe4, 0x07, 0x05, 0x14, 0x08, 0x1e, 0x00, /* 2020-05-20 08:30:00 */
	};
	struct reading rd;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(glucose_reading(v, sizeof(v), NULL, 0, &rd, &err), -EBADMSG);
	assert_error_mentions(&err, "2A18", "concentration");
}

static void test_glucose_special_and_range(void **state)
{
	static const uint8_t nan[] = {
		0x02,                                     /* flags: kg/L */
		0x01, 0x00,                               /* seq 1 */
		0xe4, 0x07, 0x05, 0x14, 0x08, 0x1e, 0x00, /* 2020-05-20 08:30:00 */
		0xff, 0x07,                               /* NaN */
		0x11,                                     /* capillary whole blood, finger */
	};
	static const uint8_t high[] = {
		0x06,                                     /* flags: mol/L */
		0x01, 0x00,                               /* seq 1 */
		0xe4, 0x07, 0x05, 0x14, 0x08, 0x1e, 0x00, /* 2020-05-20 08:30:00 */
		0x3d, 0xd0,                               /* 0xD03D: 61e-3 mol/L = 61 mmol/L */
		0x11,                                     /* capillary whole blood, finger */
	};
	struct reading rd;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(glucose_reading(nan, sizeof(nan), NULL, 0, &rd, &err), -EBADMSG);
	assert_string_equal(err.message, "2A18: glucose is NaN, not a number");
	assert_int_equal(glucose_reading(high, sizeof(high), NULL, 0, &rd, &err), -EBADMSG);
	assert_error_mentions(&err, "2A18: glucose", "0..60 mmol/L");
}

/* Pulse oximetry */

static void test_plx_spot(void **state)
{
	static const uint8_t v[] = {
		0x09,                                     /* flags: timestamp, PAI */
		0x61, 0x00,                               /* SpO2 97 % */
		0x48, 0x00,                               /* PR 72 bpm */
		0xe9, 0x07, 0x0b, 0x02, 0x11, 0x05, 0x00, /* 2025-11-02 17:05:00 */
		0xd2, 0xe0,                               /* PAI 0xE0D2: 210e-2 = 2.10 % */
	};
	struct plx_spot_check m;
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(plx_spot_check_parse(v, sizeof(v), &m, &err), 0);
	assert_int_equal(ble_reading_from_plx_spot(&m, &rd, &err), 0);
	assert_int_equal(rd.measurement, MEASUREMENT_PULSE_OXIMETRY);
	assert_int_equal(rd.mode, READING_MODE_SPOT);
	assert_int_equal(rd.n_values, 3);
	assert_value(&rd, QUANTITY_SPO2, 97, 97, "%");
	assert_value(&rd, QUANTITY_PULSE_RATE, 72, 72, "/min");
	assert_value(&rd, QUANTITY_PERFUSION_INDEX, 2.1, 2.1, "%");
	assert_true(rd.has_device_time);
	assert_string_equal(rd.device_time, "2025-11-02T17:05:00");
	assert_int_equal(rd.flags, 0);
	assert_valid_record(&rd);
}

/* SpO2 with exponent -1: 1000e-1 is 100 %. */
static void test_plx_spot_exponent(void **state)
{
	static const uint8_t v[] = {
		0x00,       /* flags */
		0xe8, 0xf3, /* SpO2 0xF3E8: 1000e-1 = 100.0 % */
		0xd5, 0xf2, /* PR 0xF2D5: 725e-1 = 72.5 bpm */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(ble_reading_from_value(0x2A5E, v, sizeof(v), 0, &rd, &err), 0);
	assert_value(&rd, QUANTITY_SPO2, 100.0, 100.0, "%");
	assert_value(&rd, QUANTITY_PULSE_RATE, 72.5, 72.5, "/min");
	assert_false(rd.has_device_time);
	assert_valid_record(&rd);
}

static void test_plx_spot_clock_not_set(void **state)
{
	static const uint8_t v[] = {
		0x11,       /* flags: timestamp, device clock not set */
		0x61, 0x00, /* SpO2 97 % */
		0x48, 0x00, /* PR 72 bpm */
		0xd0, 0x07, 0x01, 0x01, 0x00, 0x00, 0x05, /* 2000-01-01 00:00:05: a reset clock */
	};
	static const uint8_t no_ts[] = {
		0x10,       /* flags: device clock not set */
		0x61, 0x00, /* SpO2 97 % */
		0x48, 0x00, /* PR 72 bpm */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(ble_reading_from_value(0x2A5E, v, sizeof(v), 0, &rd, &err), 0);
	assert_false(rd.has_device_time);
	assert_int_equal(rd.flags, FLAG(READING_FLAG_DEVICE_CLOCK_UNSET));
	assert_valid_record(&rd);
	assert_int_equal(ble_reading_from_value(0x2A5E, no_ts, sizeof(no_ts), 0, &rd, &err), 0);
	assert_false(rd.has_device_time);
	assert_int_equal(rd.flags, FLAG(READING_FLAG_DEVICE_CLOCK_UNSET));
	assert_valid_record(&rd);
}

/* Measurement Status and Device and Sensor Status bits to reading flags. */
static const struct {
	uint16_t ms;
	uint32_t ds;
	uint64_t flags;
} plx_status_cases[] = {
	{ 0x8000, 0, FLAG(READING_FLAG_INVALID) },              /* invalid measurement */
	{ 0x2000, 0, FLAG(READING_FLAG_INVALID) },              /* measurement unavailable */
	{ 0x0400, 0, FLAG(READING_FLAG_DEMO_DATA) },            /* demonstration data */
	{ 0x0800, 0, FLAG(READING_FLAG_TEST_DATA) },            /* testing data */
	{ 0x0020, 0, FLAG(READING_FLAG_MEASUREMENT_ONGOING) },  /* measurement ongoing */
	{ 0x0040, 0, FLAG(READING_FLAG_EARLY_ESTIMATE) },       /* early estimated data */
	{ 0x4000, 0, FLAG(READING_FLAG_QUESTIONABLE) },         /* questionable measurement */
	{ 0x0380, 0, 0 },                                       /* validated, qualified, stored */
	{ 0x001f, 0, 0 },                                       /* bits 0-4 RFU */
	{ 0, 0x000020, FLAG(READING_FLAG_LOW_PERFUSION) },      /* low perfusion */
	{ 0, 0x000002, FLAG(READING_FLAG_SENSOR_MALFUNCTION) }, /* equipment malfunction */
	{ 0, 0x004000, FLAG(READING_FLAG_SENSOR_MALFUNCTION) }, /* sensor malfunctioning */
	{ 0, 0x000010, FLAG(READING_FLAG_POOR_SIGNAL) },        /* poor signal */
	{ 0, 0x000008, FLAG(READING_FLAG_POOR_SIGNAL) },        /* inadequate signal */
	{ 0, 0x002000, FLAG(READING_FLAG_SENSOR_DISPLACED) },   /* sensor displaced */
	{ 0, 0x008000, FLAG(READING_FLAG_SENSOR_DISPLACED) },   /* sensor disconnected */
	{ 0, 0x000100, FLAG(READING_FLAG_QUESTIONABLE) },       /* questionable pulse */
	{ 0x1000, 0, 0 },                                       /* calibration ongoing */
	{ 0, 0x000044, FLAG(READING_FLAG_POOR_SIGNAL) },        /* irregular, erratic */
	{ 0, 0x000480, FLAG(READING_FLAG_POOR_SIGNAL) },        /* non-pulsatile, interference */
	{ 0, 0x000800, FLAG(READING_FLAG_SENSOR_DISPLACED) },   /* sensor unconnected */
	{ 0, 0x001201, 0 }, /* display, analysis, unknown sensor */
	{ 0, 0xff0000, 0 }, /* bits 16-23 RFU */
	{ 0x8c00, 0x000020,
	  FLAG(READING_FLAG_INVALID) | FLAG(READING_FLAG_DEMO_DATA) | FLAG(READING_FLAG_TEST_DATA) |
		  FLAG(READING_FLAG_LOW_PERFUSION) },
};

static void test_plx_spot_status_flags(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(plx_status_cases) / sizeof(plx_status_cases[0]); i++) {
		uint16_t ms = plx_status_cases[i].ms;
		uint32_t ds = plx_status_cases[i].ds;
		uint8_t v[] = {
			0x06, /* flags: measurement status, device and sensor status */
			0x61,
			0x00, /* SpO2 97 % */
			0x48,
			0x00, /* PR 72 bpm */
			(uint8_t)ms,
			(uint8_t)(ms >> 8), /* measurement status */
			(uint8_t)ds,
			(uint8_t)(ds >> 8),
			(uint8_t)(ds >> 16), /* device status */
		};
		struct reading rd;
		struct gatt_error err;

		assert_int_equal(ble_reading_from_value(0x2A5E, v, sizeof(v), 0, &rd, &err), 0);
		if (rd.flags != plx_status_cases[i].flags)
			fail_msg("ms 0x%04x ds 0x%06x: flags 0x%llx, expected 0x%llx", ms, ds,
				 (unsigned long long)rd.flags,
				 (unsigned long long)plx_status_cases[i].flags);
		assert_valid_record(&rd);
	}
}

static void test_plx_spot_nan(void **state)
{
	static const uint8_t nan_spo2[] = {
		0x00,       /* flags */
		0xff, 0x07, /* SpO2 NaN */
		0x48, 0x00, /* PR 72 bpm */
	};
	static const uint8_t nan_pr[] = {
		0x00,       /* flags */
		0x61, 0x00, /* SpO2 97 % */
		0xff, 0x07, /* PR NaN: left out */
	};
	struct reading rd;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(ble_reading_from_value(0x2A5E, nan_spo2, 5, 0, &rd, &err), -EBADMSG);
	assert_string_equal(err.message, "2A5E: spo2 is NaN, not a number");
	assert_int_equal(ble_reading_from_value(0x2A5E, nan_pr, 5, 0, &rd, &err), 0);
	assert_int_equal(rd.n_values, 1);
	assert_null(reading_get_value(&rd, QUANTITY_PULSE_RATE));
	assert_valid_record(&rd);
}

static void test_plx_continuous(void **state)
{
	static const uint8_t v[] = {
		0x1f,             /* flags: fast, slow, measurement status, device status, PAI */
		0x62, 0x00,       /* SpO2 98 % */
		0x3c, 0x00,       /* PR 60 bpm */
		0x61, 0x00,       /* SpO2 fast 97 % */
		0x3d, 0x00,       /* PR fast 61 bpm */
		0x60, 0x00,       /* SpO2 slow 96 % */
		0x3e, 0x00,       /* PR slow 62 bpm */
		0x00, 0x04,       /* measurement status 0x0400: demonstration data */
		0x20, 0x00, 0x00, /* device and sensor status 0x000020: low perfusion */
		0x2c, 0xf0,       /* PAI 0xF02C: 44e-1 = 4.4 % */
	};
	struct plx_continuous m;
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(plx_continuous_parse(v, sizeof(v), &m, &err), 0);
	assert_int_equal(ble_reading_from_plx_continuous(&m, &rd, &err), 0);
	assert_int_equal(rd.measurement, MEASUREMENT_PULSE_OXIMETRY);
	assert_int_equal(rd.mode, READING_MODE_CONTINUOUS);
	/* The Normal pair is the reading; Fast and Slow are not. */
	assert_int_equal(rd.n_values, 3);
	assert_value(&rd, QUANTITY_SPO2, 98, 98, "%");
	assert_value(&rd, QUANTITY_PULSE_RATE, 60, 60, "/min");
	assert_value(&rd, QUANTITY_PERFUSION_INDEX, 4.4, 4.4, "%");
	assert_false(rd.has_device_time);
	assert_int_equal(rd.flags, FLAG(READING_FLAG_DEMO_DATA) | FLAG(READING_FLAG_LOW_PERFUSION));
	assert_valid_record(&rd);
}

static void test_plx_continuous_status_flags(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(plx_status_cases) / sizeof(plx_status_cases[0]); i++) {
		uint16_t ms = plx_status_cases[i].ms;
		uint32_t ds = plx_status_cases[i].ds;
		uint8_t v[] = {
			0x0c, /* flags: measurement status, device and sensor status */
			0x61,
			0x00, /* SpO2 97 % */
			0x48,
			0x00, /* PR 72 bpm */
			(uint8_t)ms,
			(uint8_t)(ms >> 8), /* measurement status */
			(uint8_t)ds,
			(uint8_t)(ds >> 8),
			(uint8_t)(ds >> 16), /* device status */
		};
		struct reading rd;
		struct gatt_error err;

		assert_int_equal(ble_reading_from_value(0x2A5F, v, sizeof(v), 0, &rd, &err), 0);
		assert_int_equal(rd.mode, READING_MODE_CONTINUOUS);
		if (rd.flags != plx_status_cases[i].flags)
			fail_msg("ms 0x%04x ds 0x%06x: flags 0x%llx, expected 0x%llx", ms, ds,
				 (unsigned long long)rd.flags,
				 (unsigned long long)plx_status_cases[i].flags);
		assert_valid_record(&rd);
	}
}

static void test_plx_continuous_nan_spo2(void **state)
{
	static const uint8_t v[] = {
		0x00,       /* flags */
		0x00, 0x08, /* SpO2 NRes */
		0x48, 0x00, /* PR 72 bpm */
	};
	struct reading rd;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(ble_reading_from_value(0x2A5F, v, sizeof(v), 0, &rd, &err), -EBADMSG);
	assert_string_equal(err.message, "2A5F: spo2 is NRes, not a number");
}

/* Thermometer */

static void test_thermo_celsius(void **state)
{
	static const uint8_t v[] = {
		0x06,                                     /* flags: Celsius, time stamp, type */
		0xb0, 0x0e, 0x00, 0xfe,                   /* 3760e-2 = 37.60 C */
		0xdc, 0x07, 0x0c, 0x05, 0x0b, 0x32, 0x1b, /* 2012-12-05 11:50:27 */
		0x04,                                     /* finger */
	};
	struct thermo_measurement m;
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(thermo_measurement_parse(v, sizeof(v), &m, &err), 0);
	assert_int_equal(ble_reading_from_thermo(&m, &rd, &err), 0);
	assert_int_equal(rd.measurement, MEASUREMENT_BODY_TEMPERATURE);
	assert_int_equal(rd.n_values, 1);
	assert_value(&rd, QUANTITY_BODY_TEMPERATURE, 37.6, 37.6, "C");
	assert_true(rd.has_device_time);
	assert_string_equal(rd.device_time, "2012-12-05T11:50:27");
	assert_int_equal(rd.flags, 0);
	assert_valid_record(&rd);
}

static void test_thermo_fahrenheit(void **state)
{
	static const uint8_t v[] = {
		0x01,                   /* flags: Fahrenheit */
		0xda, 0x03, 0x00, 0xff, /* 986e-1 = 98.6 F */
	};
	static const uint8_t v2[] = {
		0x01,                   /* flags: Fahrenheit */
		0x0e, 0x04, 0x00, 0xff, /* 1038e-1 = 103.8 F = 39.888... C */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(ble_reading_from_value(0x2A1C, v, sizeof(v), 0, &rd, &err), 0);
	assert_value(&rd, QUANTITY_BODY_TEMPERATURE, (98.6 - 32) * 5 / 9, 98.6, "F");
	assert_near(reading_get_value(&rd, QUANTITY_BODY_TEMPERATURE)->value, 37.0);
	assert_false(rd.has_device_time);
	assert_valid_record(&rd);
	assert_int_equal(ble_reading_from_value(0x2A1C, v2, sizeof(v2), 0, &rd, &err), 0);
	assert_value(&rd, QUANTITY_BODY_TEMPERATURE, (103.8 - 32) * 5 / 9, 103.8, "F");
	assert_valid_record(&rd);
}

static void test_thermo_errors(void **state)
{
	static const uint8_t nan[] = {
		0x00,                   /* flags: Celsius */
		0xff, 0xff, 0x7f, 0x00, /* NaN */
	};
	static const uint8_t cold[] = {
		0x00,                   /* flags: Celsius */
		0x96, 0x00, 0x00, 0xff, /* 150e-1 = 15.0 C: room air, not a body */
	};
	struct reading rd;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(ble_reading_from_value(0x2A1C, nan, sizeof(nan), 0, &rd, &err), -EBADMSG);
	assert_string_equal(err.message, "2A1C: body_temperature is NaN, not a number");
	assert_int_equal(ble_reading_from_value(0x2A1C, cold, sizeof(cold), 0, &rd, &err),
			 -EBADMSG);
	assert_error_mentions(&err, "2A1C: body_temperature 15 C", "25..45 C");
}

/* Intermediate Temperature 2A1E converts like 2A1C, and its errors name 2A1E. */
static void test_thermo_intermediate(void **state)
{
	static const uint8_t v[] = {
		0x00,                   /* flags: Celsius */
		0x6d, 0x01, 0x00, 0xff, /* 365e-1 = 36.5 C */
	};
	static const uint8_t nan[] = {
		0x00,                   /* flags: Celsius */
		0x00, 0x00, 0x80, 0x00, /* NRes */
	};
	static const uint8_t truncated[] = {
		0x02,                   /* flags: time stamp */
		0x6d, 0x01, 0x00, 0xff, /* 36.5 C, then no time stamp */
	};
	struct reading rd;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(ble_reading_from_value(0x2A1E, v, sizeof(v), 0, &rd, &err), 0);
	assert_int_equal(rd.measurement, MEASUREMENT_BODY_TEMPERATURE);
	assert_value(&rd, QUANTITY_BODY_TEMPERATURE, 36.5, 36.5, "C");
	assert_valid_record(&rd);
	assert_int_equal(ble_reading_from_value(0x2A1E, nan, sizeof(nan), 0, &rd, &err), -EBADMSG);
	assert_string_equal(err.message, "2A1E: body_temperature is NRes, not a number");
	assert_int_equal(ble_reading_from_value(0x2A1E, truncated, sizeof(truncated), 0, &rd, &err),
			 -EBADMSG);
	assert_string_equal(err.message, "2A1E: flags 0x02 need 12 octets, got 5");
	assert_int_equal(ble_reading_from_value(0x2A1E, v, 0, 0, &rd, &err), -EBADMSG);
	assert_string_equal(err.message, "2A1E: empty value");
}

/* Weight */

static void test_weight_kg(void **state)
{
	static const uint8_t v[] = {
		0x02,                                     /* flags: SI, time stamp */
		0x54, 0x33,                               /* 13140 x 0.005 = 65.70 kg */
		0xea, 0x07, 0x08, 0x16, 0x08, 0x2a, 0x24, /* 2026-08-22 08:42:36 */
	};
	struct weight_measurement m;
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(weight_measurement_parse(v, sizeof(v), &m, &err), 0);
	assert_int_equal(ble_reading_from_weight(&m, &rd, &err), 0);
	assert_int_equal(rd.measurement, MEASUREMENT_BODY_WEIGHT);
	assert_int_equal(rd.n_values, 1);
	assert_value(&rd, QUANTITY_WEIGHT, 65.7, 65.7, "kg");
	assert_true(rd.has_device_time);
	assert_string_equal(rd.device_time, "2026-08-22T08:42:36");
	assert_valid_record(&rd);
}

static void test_weight_lb(void **state)
{
	static const uint8_t v[] = {
		0x09,       /* flags: imperial, BMI and height */
		0x30, 0x39, /* 14640 x 0.01 = 146.40 lb */
		0xf7, 0x00, /* BMI 24.7 */
		0xbc, 0x02, /* height 0x02BC = 700 x 0.1 = 70.0 in */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(ble_reading_from_value(0x2A9D, v, sizeof(v), 0, &rd, &err), 0);
	assert_int_equal(rd.n_values, 3);
	assert_value(&rd, QUANTITY_WEIGHT, 146.4 * 0.45359237, 146.4, "lb");
	assert_value(&rd, QUANTITY_BMI, 24.7, 24.7, "kg/m2");
	assert_value(&rd, QUANTITY_HEIGHT, 70.0 * 0.0254, 70.0, "in");
	assert_false(rd.has_device_time);
	assert_valid_record(&rd);
}

static void test_weight_bmi_height_si(void **state)
{
	static const uint8_t v[] = {
		0x0c,       /* flags: SI, user ID, BMI and height */
		0x54, 0x33, /* 65.70 kg */
		0x01,       /* user 1 */
		0xde, 0x00, /* BMI 22.2 */
		0xb8, 0x06, /* height 1720 x 0.001 = 1.720 m */
	};
	static const uint8_t zeros[] = {
		0x08,       /* flags: SI, BMI and height */
		0x54, 0x33, /* 65.70 kg */
		0x00, 0x00, /* BMI 0: not computed */
		0x00, 0x00, /* height 0: not known */
	};
	struct reading rd;
	struct gatt_error err;

	(void)state;
	assert_int_equal(ble_reading_from_value(0x2A9D, v, sizeof(v), 0, &rd, &err), 0);
	assert_int_equal(rd.n_values, 3);
	assert_value(&rd, QUANTITY_WEIGHT, 65.7, 65.7, "kg");
	assert_value(&rd, QUANTITY_BMI, 22.2, 22.2, "kg/m2");
	assert_value(&rd, QUANTITY_HEIGHT, 1.72, 1.72, "m");
	assert_valid_record(&rd);

	assert_int_equal(ble_reading_from_value(0x2A9D, zeros, sizeof(zeros), 0, &rd, &err), 0);
	assert_int_equal(rd.n_values, 1);
	assert_null(reading_get_value(&rd, QUANTITY_BMI));
	assert_null(reading_get_value(&rd, QUANTITY_HEIGHT));
	assert_valid_record(&rd);
}

static void test_weight_unsuccessful(void **state)
{
	static const uint8_t v[] = {
		0x00,       /* flags: SI */
		0xff, 0xff, /* 0xFFFF: measurement unsuccessful */
	};
	struct reading rd;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(ble_reading_from_value(0x2A9D, v, sizeof(v), 0, &rd, &err), -EBADMSG);
	assert_error_mentions(&err, "2A9D", "unsuccessful");
}

/* Dispatch by UUID */

static void test_value_dispatch(void **state)
{
	static const uint8_t bpm[] = {
		0x00, 0x79, 0x00, 0x51, 0x00, 0x6a, 0x00, /* mmHg 121/81, MAP 106 */
	};
	static const uint8_t glucose[] = {
		0x02, 0x05, 0x00,                         /* kg/L, seq 5 */
		0xe4, 0x07, 0x05, 0x14, 0x08, 0x1e, 0x00, /* 2020-05-20 08:30:00 */
		0x78, 0xb0, 0x11,                         /* 120e-5 kg/L, capillary, finger */
	};
	static const uint8_t plx[] = { 0x00, 0x61, 0x00, 0x48, 0x00 };    /* 97 %, 72 bpm */
	static const uint8_t thermo[] = { 0x00, 0x70, 0x01, 0x00, 0xff }; /* 36.8 C */
	static const uint8_t weight[] = { 0x00, 0x54, 0x33 };             /* 65.70 kg */
	static const struct {
		uint16_t uuid;
		const uint8_t *v;
		size_t len;
		enum measurement measurement;
		enum reading_mode mode;
		enum quantity q;
		double value;
	} cases[] = {
		{ 0x2A35, bpm, sizeof(bpm), MEASUREMENT_BLOOD_PRESSURE, READING_MODE_SPOT,
		  QUANTITY_SYSTOLIC, 121 },
		{ 0x2A18, glucose, sizeof(glucose), MEASUREMENT_GLUCOSE, READING_MODE_SPOT,
		  QUANTITY_GLUCOSE, 120e-5 * 1e5 / 18.0 },
		{ 0x2A5E, plx, sizeof(plx), MEASUREMENT_PULSE_OXIMETRY, READING_MODE_SPOT,
		  QUANTITY_SPO2, 97 },
		{ 0x2A5F, plx, sizeof(plx), MEASUREMENT_PULSE_OXIMETRY, READING_MODE_CONTINUOUS,
		  QUANTITY_SPO2, 97 },
		{ 0x2A1C, thermo, sizeof(thermo), MEASUREMENT_BODY_TEMPERATURE, READING_MODE_SPOT,
		  QUANTITY_BODY_TEMPERATURE, 36.8 },
		{ 0x2A9D, weight, sizeof(weight), MEASUREMENT_BODY_WEIGHT, READING_MODE_SPOT,
		  QUANTITY_WEIGHT, 65.7 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reading rd;
		struct gatt_error err = { { 0 } };
		char name[8];

		assert_int_equal(ble_reading_from_value(cases[i].uuid, cases[i].v, cases[i].len, 0,
							&rd, &err),
				 0);
		assert_int_equal(rd.measurement, cases[i].measurement);
		assert_int_equal(rd.mode, cases[i].mode);
		assert_near(reading_get_value(&rd, cases[i].q)->value,
			    round_to(cases[i].value, quantity_decimals(cases[i].q)));
		assert_valid_record(&rd);

		/* A truncated value is the decoder's error, naming the characteristic. */
		assert_int_equal(ble_reading_from_value(cases[i].uuid, cases[i].v, cases[i].len - 1,
							0, &rd, &err),
				 -EBADMSG);
		snprintf(name, sizeof(name), "%04X", cases[i].uuid);
		assert_error_mentions(&err, name, NULL);
		assert_int_equal(ble_reading_from_value(cases[i].uuid, cases[i].v, 0, 0, &rd, &err),
				 -EBADMSG);
	}
}

static void test_value_not_a_measurement(void **state)
{
	static const uint8_t feature[] = { 0x3f, 0x00 }; /* 2A49 BP Feature */
	static const uint8_t cuff[] = {
		0x00, 0x96, 0x00, 0x00, 0x00, 0x00, 0x00, /* 2A36 cuff pressure 150 mmHg */
	};
	struct reading rd;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(ble_reading_from_value(0x2A49, feature, sizeof(feature), 0, &rd, &err),
			 -EOPNOTSUPP);
	assert_error_mentions(&err, "2A49", NULL);
	/* Cuff pressure while inflating is progress, not a blood pressure reading. */
	assert_int_equal(ble_reading_from_value(0x2A36, cuff, sizeof(cuff), 0, &rd, &err),
			 -EOPNOTSUPP);
	assert_int_equal(ble_reading_from_value(0x2A60, feature, sizeof(feature), 0, &rd, &err),
			 -EOPNOTSUPP);
	assert_int_equal(ble_reading_from_value(0x0000, feature, sizeof(feature), 0, &rd, &err),
			 -EOPNOTSUPP);
}

/* The Beurer BM85 frame decodes only with its quirks; strictly its pulse is nonsense. */
static void test_value_quirks(void **state)
{
	static const uint8_t bm85[] = {
		0x54,       /* flags: mmHg, pulse, status, RFU bit 6 (user ID bit 3 clear) */
		0x79, 0x00, /* systolic 121 */
		0x51, 0x00, /* diastolic 81 */
		0x00, 0x00, /* MAP 0 */
		0x00, 0x48, /* pulse, big-endian: 0x0048 = 72 */
		0x01,       /* user ID, sent although flag bit 3 is clear */
		0x00, 0x04, /* status, big-endian: 0x0004 irregular pulse */
	};
	struct reading rd;
	struct gatt_error err = { { 0 } };

	(void)state;
	assert_int_equal(ble_reading_from_value(0x2A35, bm85, sizeof(bm85),
						ble_quirks_for_model("BM85"), &rd, &err),
			 0);
	assert_int_equal(rd.n_values, 3);
	assert_value(&rd, QUANTITY_SYSTOLIC, 121, 121, "mmHg");
	assert_value(&rd, QUANTITY_DIASTOLIC, 81, 81, "mmHg");
	assert_value(&rd, QUANTITY_PULSE_RATE, 72, 72, "/min");
	assert_int_equal(rd.flags, FLAG(READING_FLAG_IRREGULAR_PULSE));
	assert_valid_record(&rd);

	/* Strict: pulse 0x4800 is -2048e4, far outside 0..300 /min. */
	assert_int_equal(ble_reading_from_value(0x2A35, bm85, sizeof(bm85), 0, &rd, &err),
			 -EBADMSG);
	assert_error_mentions(&err, "2A35: pulse_rate", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bpm_mmhg_full),
		cmocka_unit_test(test_bpm_kpa),
		cmocka_unit_test(test_bpm_nan_pulse_left_out),
		cmocka_unit_test(test_bpm_nan_systolic),
		cmocka_unit_test(test_bpm_nan_diastolic),
		cmocka_unit_test(test_bpm_out_of_range),
		cmocka_unit_test(test_bpm_status_flags),
		cmocka_unit_test(test_bpm_year_zero),
		cmocka_unit_test(test_glucose_kg_per_l),
		cmocka_unit_test(test_glucose_factor),
		cmocka_unit_test(test_glucose_mol_per_l),
		cmocka_unit_test(test_glucose_time_offset),
		cmocka_unit_test(test_glucose_invalid_base_time),
		cmocka_unit_test(test_glucose_control_solution),
		cmocka_unit_test(test_glucose_status_flags),
		cmocka_unit_test(test_glucose_context_meal),
		cmocka_unit_test(test_glucose_context_mismatch),
		cmocka_unit_test(test_glucose_no_concentration),
		cmocka_unit_test(test_glucose_special_and_range),
		cmocka_unit_test(test_plx_spot),
		cmocka_unit_test(test_plx_spot_exponent),
		cmocka_unit_test(test_plx_spot_clock_not_set),
		cmocka_unit_test(test_plx_spot_status_flags),
		cmocka_unit_test(test_plx_spot_nan),
		cmocka_unit_test(test_plx_continuous),
		cmocka_unit_test(test_plx_continuous_status_flags),
		cmocka_unit_test(test_plx_continuous_nan_spo2),
		cmocka_unit_test(test_thermo_celsius),
		cmocka_unit_test(test_thermo_fahrenheit),
		cmocka_unit_test(test_thermo_errors),
		cmocka_unit_test(test_thermo_intermediate),
		cmocka_unit_test(test_weight_kg),
		cmocka_unit_test(test_weight_lb),
		cmocka_unit_test(test_weight_bmi_height_si),
		cmocka_unit_test(test_weight_unsuccessful),
		cmocka_unit_test(test_value_dispatch),
		cmocka_unit_test(test_value_not_a_measurement),
		cmocka_unit_test(test_value_quirks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
