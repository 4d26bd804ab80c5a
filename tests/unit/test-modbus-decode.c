// SPDX-License-Identifier: MIT
/*
 * The register decoder: every data type in both word orders, scale and
 * offset with the protocol's rounding, the believable range, "absent"
 * markers, whole profiles into readings that pass record validation, and
 * the simulator's encoder as the decoder's exact inverse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modbus-decode.h"
#include "modbus-profile.h"

static struct modbus_value value(enum modbus_function f, enum modbus_type t,
				 enum modbus_word_order o, enum quantity q)
{
	struct modbus_value v = {
		.name = "v",
		.function = f,
		.type = t,
		.bit = -1,
		.word_order = o,
		.scale = 1,
		.quantity = q,
	};

	quantity_range(q, &v.min, &v.max);
	snprintf(v.unit, sizeof(v.unit), "%s", quantity_unit(q));
	return v;
}

static double decode_ok(const struct modbus_value *v, uint16_t w0, uint16_t w1, double *raw)
{
	const uint16_t words[2] = { w0, w1 };
	char why[200] = "";
	double value = NAN, r = NAN;

	if (modbus_value_decode(v, words, 2, &r, &value, why, sizeof(why)) != 1) {
		print_error("decode failed: %s\n", why);
		fail();
	}
	if (raw)
		*raw = r;
	return value;
}

static void test_u16_s16(void **state)
{
	struct modbus_value v = value(MODBUS_FUNCTION_HOLDING, MODBUS_TYPE_U16,
				      MODBUS_WORD_ORDER_BIG, QUANTITY_DEVICE_FAULT);
	double raw;

	(void)state;
	assert_true(decode_ok(&v, 0xFFFF, 0, &raw) == 65535);
	assert_true(raw == 65535);
	assert_true(decode_ok(&v, 0x0102, 0, NULL) == 258);

	v = value(MODBUS_FUNCTION_INPUT, MODBUS_TYPE_S16, MODBUS_WORD_ORDER_BIG,
		  QUANTITY_ROOM_TEMPERATURE);
	v.scale = 0.1;
	assert_true(decode_ok(&v, 0xFFC9, 0, &raw) == -5.5); /* -55 x 0.1 */
	assert_true(raw == -55);
	assert_true(decode_ok(&v, 235, 0, NULL) == 23.5);
}

static void test_32_bit_word_orders(void **state)
{
	struct modbus_value v = value(MODBUS_FUNCTION_HOLDING, MODBUS_TYPE_U32,
				      MODBUS_WORD_ORDER_BIG, QUANTITY_DEVICE_FAULT);
	double raw;

	(void)state;
	/* 0x0000FFFE: big = high word first, little = low word first. */
	assert_true(decode_ok(&v, 0x0000, 0xFFFE, &raw) == 65534);
	v.word_order = MODBUS_WORD_ORDER_LITTLE;
	assert_true(decode_ok(&v, 0xFFFE, 0x0000, &raw) == 65534);

	/* u32 beyond 16 bits, scaled down into range: 0x00010000 = 65536 x 0.01 = 655.36. */
	v = value(MODBUS_FUNCTION_HOLDING, MODBUS_TYPE_U32, MODBUS_WORD_ORDER_BIG, QUANTITY_WEIGHT);
	v.scale = 0.001;
	assert_true(decode_ok(&v, 0x0001, 0x0000, &raw) == 65.536);
	assert_true(raw == 65536);

	/* s32 -2 = 0xFFFFFFFE in both orders; -70000 = 0xFFFEEE90. */
	v = value(MODBUS_FUNCTION_INPUT, MODBUS_TYPE_S32, MODBUS_WORD_ORDER_BIG,
		  QUANTITY_ROOM_TEMPERATURE);
	v.scale = 0.0001;
	assert_true(decode_ok(&v, 0xFFFE, 0xEE90, &raw) == -7);
	assert_true(raw == -70000);
	v.word_order = MODBUS_WORD_ORDER_LITTLE;
	assert_true(decode_ok(&v, 0xEE90, 0xFFFE, &raw) == -7);

	/* float32 2.5 = 0x40200000; 93.5 = 0x42BB0000. */
	v = value(MODBUS_FUNCTION_HOLDING, MODBUS_TYPE_FLOAT32, MODBUS_WORD_ORDER_BIG,
		  QUANTITY_OXYGEN_FLOW);
	assert_true(decode_ok(&v, 0x4020, 0x0000, &raw) == 2.5);
	v.word_order = MODBUS_WORD_ORDER_LITTLE;
	assert_true(decode_ok(&v, 0x0000, 0x4020, &raw) == 2.5);
	/* The same words in the other order are 0x00004020, a tiny denormal: 0.00 L/min. */
	v.word_order = MODBUS_WORD_ORDER_BIG;
	assert_true(decode_ok(&v, 0x0000, 0x4020, &raw) == 0);
	/* float 0.1 is 0.100000001...: the canonical value is rounded to 2 places. */
	assert_true(decode_ok(&v, 0x3DCC, 0xCCCD, &raw) == 0.1);
	assert_true(raw != 0.1 && fabs(raw - 0.1) < 1e-7);
}

static void test_bits(void **state)
{
	struct modbus_value v = value(MODBUS_FUNCTION_COIL, MODBUS_TYPE_BIT, MODBUS_WORD_ORDER_BIG,
				      QUANTITY_BED_OCCUPANCY);

	(void)state;
	assert_true(decode_ok(&v, 0, 0, NULL) == 0);
	assert_true(decode_ok(&v, 1, 0, NULL) == 1);
	v.function = MODBUS_FUNCTION_INPUT;
	v.bit = 3;
	assert_true(decode_ok(&v, 0x0008, 0, NULL) == 1);
	assert_true(decode_ok(&v, 0xFFF7, 0, NULL) == 0);
	v.bit = 15;
	assert_true(decode_ok(&v, 0x8000, 0, NULL) == 1);
}

static void test_scale_offset_rounding(void **state)
{
	struct modbus_value v = value(MODBUS_FUNCTION_INPUT, MODBUS_TYPE_U16, MODBUS_WORD_ORDER_BIG,
				      QUANTITY_ROOM_TEMPERATURE);
	double raw;

	(void)state;
	/* A sensor in 0.1 degF: (74.3 F - 32) x 5/9 = 23.5 C, to one place. */
	v.scale = 0.1 * 5.0 / 9.0;
	v.offset = -32 * 5.0 / 9.0;
	assert_true(decode_ok(&v, 743, 0, &raw) == 23.5);
	assert_true(raw == 743);

	/* Whole-number quantities round half away from zero: 16.5 /min -> 17. */
	v = value(MODBUS_FUNCTION_INPUT, MODBUS_TYPE_U16, MODBUS_WORD_ORDER_BIG,
		  QUANTITY_RESPIRATION_RATE);
	v.scale = 0.1;
	assert_true(decode_ok(&v, 165, 0, NULL) == 17);
	assert_true(decode_ok(&v, 164, 0, NULL) == 16);

	/* Oxygen flow keeps two places: 1234 x 0.001 = 1.234 -> 1.23. */
	v = value(MODBUS_FUNCTION_HOLDING, MODBUS_TYPE_U16, MODBUS_WORD_ORDER_BIG,
		  QUANTITY_OXYGEN_FLOW);
	v.scale = 0.001;
	assert_true(decode_ok(&v, 1234, 0, NULL) == 1.23);
}

static void test_range_absent_nan(void **state)
{
	struct modbus_value v = value(MODBUS_FUNCTION_INPUT, MODBUS_TYPE_U16, MODBUS_WORD_ORDER_BIG,
				      QUANTITY_RESPIRATION_RATE);
	uint16_t words[2] = { 61, 0 };
	char why[200];
	double raw, val;

	(void)state;
	snprintf(v.name, sizeof(v.name), "respiration_rate");
	v.address = 1;
	v.min = 0;
	v.max = 60;
	v.has_absent = true;
	v.absent = 0xFFFF;
	assert_int_equal(modbus_value_decode(&v, words, 1, &raw, &val, why, sizeof(why)), -ERANGE);
	assert_string_equal(why,
			    "respiration_rate 61 /min is outside 0..60 /min (input register 1: "
			    "raw 61 /min)");
	words[0] = 60;
	assert_int_equal(modbus_value_decode(&v, words, 1, &raw, &val, why, sizeof(why)), 1);
	assert_true(val == 60);
	words[0] = 0;
	assert_int_equal(modbus_value_decode(&v, words, 1, &raw, &val, why, sizeof(why)), 1);
	words[0] = 0xFFFF;
	assert_int_equal(modbus_value_decode(&v, words, 1, &raw, &val, why, sizeof(why)), 0);
	/* Too few words: the register was not read. */
	assert_int_equal(modbus_value_decode(&v, words, 0, &raw, &val, why, sizeof(why)), -EINVAL);

	/* Below min after scaling and offset. */
	v.offset = -10;
	words[0] = 5;
	assert_int_equal(modbus_value_decode(&v, words, 1, &raw, &val, NULL, 0), -ERANGE);

	v = value(MODBUS_FUNCTION_HOLDING, MODBUS_TYPE_FLOAT32, MODBUS_WORD_ORDER_BIG,
		  QUANTITY_OXYGEN_FLOW);
	v.address = 4;
	words[0] = 0x7FC0; /* quiet NaN */
	words[1] = 0;
	assert_int_equal(modbus_value_decode(&v, words, 2, &raw, &val, why, sizeof(why)), -EDOM);
	assert_string_equal(why, "v (oxygen_flow): holding registers 4..5: NaN is not a number");
	words[0] = 0x7F80; /* +infinity */
	assert_int_equal(modbus_value_decode(&v, words, 2, &raw, &val, why, sizeof(why)), -EDOM);
	assert_non_null(strstr(why, "infinity"));
	/* A huge float scaled past every range is out of range, not a crash. */
	words[0] = 0x7F7F;
	words[1] = 0xFFFF;
	v.scale = 1e300;
	assert_int_equal(modbus_value_decode(&v, words, 2, &raw, &val, why, sizeof(why)), -ERANGE);
}

static void load_radar(struct modbus_profile *p)
{
	struct config_error err = { 0 };
	char path[512];

	snprintf(path, sizeof(path), "%s/config/modbus/bed-radar.conf", SOURCE_DIR);
	assert_int_equal(modbus_profile_load(path, p, &err), 0);
}

static void test_profile_decode(void **state)
{
	struct modbus_profile p;
	struct modbus_image img = { 0 };
	struct modbus_bad bad;
	struct reading rd;
	struct record rec = { .kind = RECORD_READING, .seq = 1, .ts = 1767254405123 };
	struct record_error rerr;
	const struct reading_value *rv;
	char *json = NULL;

	(void)state;
	load_radar(&p);
	img.ok[0] = true;
	img.words[0][0] = 0x0003; /* in bed, moving */
	img.words[0][1] = 16;
	img.words[0][2] = 72;
	img.words[0][3] = 0;
	assert_int_equal(modbus_profile_decode(&p, &img, "radar-1", &rd, &bad), 4);
	assert_int_equal(bad.n, 0);
	assert_string_equal(rd.device, "radar-1");
	assert_int_equal(rd.measurement, MEASUREMENT_BEDSIDE);
	assert_int_equal(rd.mode, READING_MODE_CONTINUOUS);
	rv = reading_get_value(&rd, QUANTITY_BED_OCCUPANCY);
	assert_non_null(rv);
	assert_true(rv->value == 1);
	rv = reading_get_value(&rd, QUANTITY_RESPIRATION_RATE);
	assert_true(rv->value == 16 && rv->raw == 16);
	assert_string_equal(rv->raw_unit, "/min");
	rec.reading = rd;
	assert_int_equal(record_validate(&rec, &rerr), 0);
	assert_int_equal(record_to_json(&rec, &json, &rerr), 0);
	assert_non_null(strstr(json, "\"respiration_rate\""));
	free(json);

	/* Bed empty: no rates (absent), occupancy 0 and the fault code remain. */
	img.words[0][0] = 0;
	img.words[0][1] = 0xFFFF;
	img.words[0][2] = 0xFFFF;
	assert_int_equal(modbus_profile_decode(&p, &img, "radar-1", &rd, &bad), 2);
	assert_int_equal(bad.n, 0);
	assert_null(reading_get_value(&rd, QUANTITY_HEART_RATE));

	/* A heart rate of 10 is bad; the good values next to it still make the reading. */
	img.words[0][0] = 1;
	img.words[0][1] = 7;
	img.words[0][2] = 10;
	assert_int_equal(modbus_profile_decode(&p, &img, "radar-1", &rd, &bad), 3);
	assert_int_equal(bad.n, 1);
	assert_int_equal(bad.items[0].value, 2);
	assert_int_equal(bad.items[0].error, -ERANGE);
	assert_string_equal(
		bad.items[0].message,
		"heart_rate 10 /min is outside 20..200 /min (input register 2: raw 10 /min)");
	assert_true(reading_get_value(&rd, QUANTITY_RESPIRATION_RATE)->value == 7);

	/* A block that was not read gives neither values nor bad values. */
	img.ok[0] = false;
	assert_int_equal(modbus_profile_decode(&p, &img, "radar-1", &rd, &bad), 0);
	assert_int_equal(bad.n, 0);
}

/* encode(v, x) then decode gives x back, for every type and word order. */
static void round_trip(struct modbus_value *v, double x)
{
	uint16_t words[2] = { 0xAAAA, 0xAAAA };
	double raw, back = NAN, raw_back;
	char why[200] = "";

	if (modbus_value_encode(v, x, words, &raw, why, sizeof(why)) < 0) {
		print_error("encode %s %g: %s\n", modbus_type_to_string(v->type), x, why);
		fail();
	}
	assert_int_equal(modbus_value_decode(v, words, 2, &raw_back, &back, why, sizeof(why)), 1);
	if (back != x || raw_back != raw) {
		print_error("%s/%s: %g encoded as %04x %04x decodes to %g\n",
			    modbus_type_to_string(v->type),
			    modbus_word_order_to_string(v->word_order), x, words[0], words[1],
			    back);
		fail();
	}
}

static void test_encode_round_trip(void **state)
{
	static const enum modbus_type types[] = { MODBUS_TYPE_U16, MODBUS_TYPE_S16, MODBUS_TYPE_U32,
						  MODBUS_TYPE_S32, MODBUS_TYPE_FLOAT32 };

	(void)state;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (int o = 0; o < _MODBUS_WORD_ORDER_MAX; o++) {
			struct modbus_value v =
				value(MODBUS_FUNCTION_HOLDING, types[t], (enum modbus_word_order)o,
				      QUANTITY_ROOM_TEMPERATURE);

			v.scale = 0.1;
			snprintf(v.unit, sizeof(v.unit), "0.1C");
			round_trip(&v, 23.5);
			round_trip(&v, 80);
			if (types[t] != MODBUS_TYPE_U16 && types[t] != MODBUS_TYPE_U32)
				round_trip(&v, -12.3);
			v.scale = 1;
			v.offset = -40; /* raw 0 = -40 C */
			round_trip(&v, -40);
			round_trip(&v, 21);
		}
}

static void test_encode_bits_and_limits(void **state)
{
	struct modbus_value v = value(MODBUS_FUNCTION_INPUT, MODBUS_TYPE_BIT, MODBUS_WORD_ORDER_BIG,
				      QUANTITY_BED_OCCUPANCY);
	uint16_t words[2] = { 0x8001, 0 };
	char why[200];
	double raw;

	(void)state;
	/* Bit 3 of a status register: the other bits stay. */
	v.bit = 3;
	assert_int_equal(modbus_value_encode(&v, 1, words, &raw, why, sizeof(why)), 0);
	assert_int_equal(words[0], 0x8009);
	assert_int_equal(modbus_value_encode(&v, 0, words, &raw, why, sizeof(why)), 0);
	assert_int_equal(words[0], 0x8001);
	assert_int_equal(modbus_value_encode(&v, 2, words, &raw, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "v=2 does not fit a bit (raw 2 1)");

	v = value(MODBUS_FUNCTION_HOLDING, MODBUS_TYPE_U16, MODBUS_WORD_ORDER_BIG,
		  QUANTITY_DEVICE_FAULT);
	assert_int_equal(modbus_value_encode(&v, 65536, words, &raw, why, sizeof(why)), -ERANGE);
	assert_int_equal(modbus_value_encode(&v, -1, words, &raw, why, sizeof(why)), -ERANGE);
	assert_int_equal(modbus_value_encode(&v, NAN, words, &raw, why, sizeof(why)), -ERANGE);
	v.type = MODBUS_TYPE_S16;
	assert_int_equal(modbus_value_encode(&v, 32768, words, &raw, why, sizeof(why)), -ERANGE);
	assert_int_equal(modbus_value_encode(&v, -32768, words, &raw, why, sizeof(why)), 0);
	assert_int_equal(words[0], 0x8000);

	/* Absent markers. */
	v.type = MODBUS_TYPE_U16;
	assert_int_equal(modbus_value_encode_absent(&v, words), -ENOENT);
	v.has_absent = true;
	v.absent = 0xFFFF;
	assert_int_equal(modbus_value_encode_absent(&v, words), 0);
	assert_int_equal(words[0], 0xFFFF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u16_s16),
		cmocka_unit_test(test_32_bit_word_orders),
		cmocka_unit_test(test_bits),
		cmocka_unit_test(test_scale_offset_rounding),
		cmocka_unit_test(test_range_absent_nan),
		cmocka_unit_test(test_profile_decode),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_encode_bits_and_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
