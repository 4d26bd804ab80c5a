// SPDX-License-Identifier: MIT
/*
 * IEEE 11073-20601 SFLOAT and FLOAT: decoding of numbers and of the five
 * special bit patterns, conversion to double, and the encoders. Vectors are
 * the octets as they arrive on air (little-endian), assembled here the same
 * way the profile decoders do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <math.h>

#include "ieee11073.h"

/* Assembles an SFLOAT from its two on-air octets. */
static struct ieee11073_number sfloat_of(const uint8_t b[2])
{
	return ieee11073_sfloat((uint16_t)(b[0] | b[1] << 8));
}

/* Assembles a FLOAT from its four on-air octets. */
static struct ieee11073_number float_of(const uint8_t b[4])
{
	return ieee11073_float((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			       (uint32_t)b[3] << 24);
}

static void assert_number(struct ieee11073_number n, int32_t mantissa, int exponent)
{
	assert_int_equal(n.special, IEEE11073_NUMBER);
	assert_true(ieee11073_is_number(n));
	assert_int_equal(n.mantissa, mantissa);
	assert_int_equal(n.exponent, exponent);
}

static void assert_special(struct ieee11073_number n, enum ieee11073_special s)
{
	assert_int_equal(n.special, s);
	assert_false(ieee11073_is_number(n));
}

/* The examples of the reference, §2.1. */
static void test_sfloat_reference_examples(void **state)
{
	(void)state;
	/* 0xF065: exponent 0xF = -1, mantissa 0x065 = 101 -> 10.1 */
	const uint8_t v10_1[] = { 0x65, 0xf0 };
	/* 0xF16D: exponent -1, mantissa 0x16D = 365 -> 36.5 */
	const uint8_t v36_5[] = { 0x6d, 0xf1 };
	/* 0xFE01: exponent -1, mantissa 0xE01 = -511 -> -51.1 */
	const uint8_t vm51_1[] = { 0x01, 0xfe };
	/* 0x0FFF: exponent 0, mantissa 0xFFF = -1 -> -1 */
	const uint8_t vm1[] = { 0xff, 0x0f };
	/* 0x43E8: exponent 4, mantissa 0x3E8 = 1000 -> 1000e4 */
	const uint8_t v1000e4[] = { 0xe8, 0x43 };
	/* 0xC4D2: exponent 0xC = -4, mantissa 0x4D2 = 1234 -> 1234e-4 */
	const uint8_t v1234em4[] = { 0xd2, 0xc4 };

	assert_number(sfloat_of(v10_1), 101, -1);
	assert_number(sfloat_of(v36_5), 365, -1);
	assert_number(sfloat_of(vm51_1), -511, -1);
	assert_number(sfloat_of(vm1), -1, 0);
	assert_number(sfloat_of(v1000e4), 1000, 4);
	assert_number(sfloat_of(v1234em4), 1234, -4);
}

/* Each sign of mantissa and exponent, and the extremes of both fields. */
static void test_sfloat_signs_and_limits(void **state)
{
	(void)state;
	assert_number(ieee11073_sfloat(0x0000), 0, 0);     /* zero */
	assert_number(ieee11073_sfloat(0x0078), 120, 0);   /* +mantissa, exponent 0 */
	assert_number(ieee11073_sfloat(0x2078), 120, 2);   /* +mantissa, +exponent */
	assert_number(ieee11073_sfloat(0xe078), 120, -2);  /* +mantissa, -exponent */
	assert_number(ieee11073_sfloat(0x2f88), -120, 2);  /* -mantissa, +exponent */
	assert_number(ieee11073_sfloat(0xef88), -120, -2); /* -mantissa, -exponent */
	assert_number(ieee11073_sfloat(0x7001), 1, 7);     /* largest exponent */
	assert_number(ieee11073_sfloat(0x8001), 1, -8);    /* smallest exponent */
	assert_number(ieee11073_sfloat(0x07fd), 2045, 0);  /* largest plain mantissa */
	assert_number(ieee11073_sfloat(0x0803), -2045, 0); /* smallest plain mantissa */
	assert_number(ieee11073_sfloat(0x1800), -2048, 1); /* -2048 needs exponent != 0 */
	/* The high byte is the exponent: 0x8078 is 120e-8, not 120 (the biased-exponent pitfall).
	 */
	assert_number(ieee11073_sfloat(0x8078), 120, -8);
}

static void test_sfloat_specials(void **state)
{
	(void)state;
	const struct {
		uint8_t octets[2];
		enum ieee11073_special special;
	} cases[] = {
		{ { 0xff, 0x07 }, IEEE11073_NAN },       /* 0x07FF */
		{ { 0x00, 0x08 }, IEEE11073_NRES },      /* 0x0800 */
		{ { 0xfe, 0x07 }, IEEE11073_PLUS_INF },  /* 0x07FE */
		{ { 0x02, 0x08 }, IEEE11073_MINUS_INF }, /* 0x0802 */
		{ { 0x01, 0x08 }, IEEE11073_RESERVED },  /* 0x0801 */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_special(sfloat_of(cases[i].octets), cases[i].special);
}

/* The special patterns only exist with exponent 0; elsewhere they are numbers. */
static void test_sfloat_special_mantissas_with_exponent_are_numbers(void **state)
{
	(void)state;
	assert_number(ieee11073_sfloat(0x17ff), 2047, 1);   /* NaN mantissa, exponent 1 */
	assert_number(ieee11073_sfloat(0xf7ff), 2047, -1);  /* NaN mantissa, exponent -1 */
	assert_number(ieee11073_sfloat(0x27fe), 2046, 2);   /* +INF mantissa */
	assert_number(ieee11073_sfloat(0xf800), -2048, -1); /* NRes mantissa */
	assert_number(ieee11073_sfloat(0x3801), -2047, 3);  /* reserved mantissa */
	assert_number(ieee11073_sfloat(0x8802), -2046, -8); /* -INF mantissa */
}

/* Exactly five of the 65536 SFLOAT patterns are specials. */
static void test_sfloat_exhaustive_specials(void **state)
{
	(void)state;
	unsigned specials = 0;

	for (uint32_t raw = 0; raw <= 0xffff; raw++) {
		struct ieee11073_number n = ieee11073_sfloat((uint16_t)raw);

		if (!ieee11073_is_number(n)) {
			specials++;
			assert_true(raw >= 0x07fe && raw <= 0x0802);
		}
	}
	assert_int_equal(specials, 5);
}

static void test_float_numbers(void **state)
{
	(void)state;
	/* 0xFE000EB0: exponent 0xFE = -2, mantissa 0x000EB0 = 3760 -> 37.60 */
	const uint8_t v37_60[] = { 0xb0, 0x0e, 0x00, 0xfe };
	/* 0x03000078: exponent 3, mantissa 120 -> 120e3 */
	const uint8_t v120e3[] = { 0x78, 0x00, 0x00, 0x03 };
	/* 0x02FFFF88: exponent 2, mantissa 0xFFFF88 = -120 -> -120e2 */
	const uint8_t vm120e2[] = { 0x88, 0xff, 0xff, 0x02 };
	/* 0xFDFFFF88: exponent -3, mantissa -120 -> -0.120 */
	const uint8_t vm0_120[] = { 0x88, 0xff, 0xff, 0xfd };
	/* 0x00FFFFFF: exponent 0, mantissa -1 */
	const uint8_t vm1[] = { 0xff, 0xff, 0xff, 0x00 };
	/* 0x7F000001: largest exponent 127 */
	const uint8_t vmax_exp[] = { 0x01, 0x00, 0x00, 0x7f };
	/* 0x80000001: smallest exponent -128 */
	const uint8_t vmin_exp[] = { 0x01, 0x00, 0x00, 0x80 };
	/* 0x007FFFFD: largest plain mantissa 8388605 */
	const uint8_t vmax_mant[] = { 0xfd, 0xff, 0x7f, 0x00 };
	/* 0x00800003: smallest plain mantissa -8388605 */
	const uint8_t vmin_mant[] = { 0x03, 0x00, 0x80, 0x00 };

	assert_number(float_of(v37_60), 3760, -2);
	assert_number(float_of(v120e3), 120, 3);
	assert_number(float_of(vm120e2), -120, 2);
	assert_number(float_of(vm0_120), -120, -3);
	assert_number(float_of(vm1), -1, 0);
	assert_number(float_of(vmax_exp), 1, 127);
	assert_number(float_of(vmin_exp), 1, -128);
	assert_number(float_of(vmax_mant), 8388605, 0);
	assert_number(float_of(vmin_mant), -8388605, 0);
}

static void test_float_specials(void **state)
{
	(void)state;
	const struct {
		uint8_t octets[4];
		enum ieee11073_special special;
	} cases[] = {
		{ { 0xff, 0xff, 0x7f, 0x00 }, IEEE11073_NAN },       /* 0x007FFFFF */
		{ { 0x00, 0x00, 0x80, 0x00 }, IEEE11073_NRES },      /* 0x00800000 */
		{ { 0xfe, 0xff, 0x7f, 0x00 }, IEEE11073_PLUS_INF },  /* 0x007FFFFE */
		{ { 0x02, 0x00, 0x80, 0x00 }, IEEE11073_MINUS_INF }, /* 0x00800002 */
		{ { 0x01, 0x00, 0x80, 0x00 }, IEEE11073_RESERVED },  /* 0x00800001 */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_special(float_of(cases[i].octets), cases[i].special);
}

static void test_float_special_mantissas_with_exponent_are_numbers(void **state)
{
	(void)state;
	/* 0x017FFFFF: NaN mantissa with exponent 1 is 8388607e1 */
	const uint8_t nan_e1[] = { 0xff, 0xff, 0x7f, 0x01 };
	/* 0xFF800000: NRes mantissa with exponent -1 is -8388608e-1 */
	const uint8_t nres_em1[] = { 0x00, 0x00, 0x80, 0xff };
	/* 0x027FFFFE: +INF mantissa with exponent 2 */
	const uint8_t pinf_e2[] = { 0xfe, 0xff, 0x7f, 0x02 };
	/* 0x80800002: -INF mantissa with exponent -128 */
	const uint8_t minf_em128[] = { 0x02, 0x00, 0x80, 0x80 };
	/* 0x05800001: reserved mantissa with exponent 5 */
	const uint8_t res_e5[] = { 0x01, 0x00, 0x80, 0x05 };

	assert_number(float_of(nan_e1), 8388607, 1);
	assert_number(float_of(nres_em1), -8388608, -1);
	assert_number(float_of(pinf_e2), 8388606, 2);
	assert_number(float_of(minf_em128), -8388606, -128);
	assert_number(float_of(res_e5), -8388607, 5);
}

static void test_to_double_exact(void **state)
{
	(void)state;
	/* Exact equality: decimal scaling by division gives the double nearest the decimal. */
	assert_true(ieee11073_to_double(ieee11073_sfloat(0xf16d)) == 365 / 10.0);
	assert_true(ieee11073_to_double(ieee11073_sfloat(0xf16d)) == 36.5);
	assert_true(ieee11073_to_double(ieee11073_sfloat(0xf065)) == 101 / 10.0);
	assert_true(ieee11073_to_double(ieee11073_sfloat(0xf065)) == 10.1);
	assert_true(ieee11073_to_double(ieee11073_sfloat(0xfe01)) == -511 / 10.0);
	assert_true(ieee11073_to_double(ieee11073_sfloat(0xfe01)) == -51.1);
	assert_true(ieee11073_to_double(ieee11073_sfloat(0x0fff)) == -1.0);
	assert_true(ieee11073_to_double(ieee11073_sfloat(0x43e8)) == 10000000.0);
	assert_true(ieee11073_to_double(ieee11073_sfloat(0xc4d2)) == 1234 / 10000.0);
	assert_true(ieee11073_to_double(ieee11073_sfloat(0xc4d2)) == 0.1234);
	assert_true(ieee11073_to_double(ieee11073_sfloat(0x0000)) == 0.0);
	assert_true(ieee11073_to_double(ieee11073_sfloat(0x17ff)) == 20470.0);
	assert_true(ieee11073_to_double(ieee11073_float(0xfe000eb0)) == 3760 / 100.0);
	assert_true(ieee11073_to_double(ieee11073_float(0xfe000eb0)) == 37.6);
	assert_true(ieee11073_to_double(ieee11073_float(0xfdffff88)) == -0.12);
	/* A typical glucose value: 120e-5 kg/L. */
	assert_true(fabs(ieee11073_to_double(ieee11073_sfloat(0xb078)) - 0.0012) < 1e-15);
}

static void test_to_double_specials(void **state)
{
	(void)state;
	double v;

	assert_true(isnan(ieee11073_to_double(ieee11073_sfloat(0x07ff))));
	assert_true(isnan(ieee11073_to_double(ieee11073_sfloat(0x0800))));
	assert_true(isnan(ieee11073_to_double(ieee11073_sfloat(0x0801))));
	v = ieee11073_to_double(ieee11073_sfloat(0x07fe));
	assert_true(isinf(v) && v > 0);
	v = ieee11073_to_double(ieee11073_sfloat(0x0802));
	assert_true(isinf(v) && v < 0);

	assert_true(isnan(ieee11073_to_double(ieee11073_float(0x007fffff))));
	assert_true(isnan(ieee11073_to_double(ieee11073_float(0x00800000))));
	assert_true(isnan(ieee11073_to_double(ieee11073_float(0x00800001))));
	v = ieee11073_to_double(ieee11073_float(0x007ffffe));
	assert_true(isinf(v) && v > 0);
	v = ieee11073_to_double(ieee11073_float(0x00800002));
	assert_true(isinf(v) && v < 0);
}

static void test_special_to_string(void **state)
{
	(void)state;
	assert_null(ieee11073_special_to_string(IEEE11073_NUMBER));
	assert_string_equal(ieee11073_special_to_string(IEEE11073_NAN), "NaN");
	assert_string_equal(ieee11073_special_to_string(IEEE11073_NRES), "NRes");
	assert_string_equal(ieee11073_special_to_string(IEEE11073_PLUS_INF), "+INF");
	assert_string_equal(ieee11073_special_to_string(IEEE11073_MINUS_INF), "-INF");
	assert_string_equal(ieee11073_special_to_string(IEEE11073_RESERVED), "reserved");
	assert_null(ieee11073_special_to_string(_IEEE11073_SPECIAL_MAX));
}

static void test_sfloat_encode_values(void **state)
{
	(void)state;
	uint16_t raw = 0;

	assert_int_equal(ieee11073_sfloat_encode(365, -1, &raw), 0);
	assert_int_equal(raw, 0xf16d);
	assert_int_equal(ieee11073_sfloat_encode(-511, -1, &raw), 0);
	assert_int_equal(raw, 0xfe01);
	assert_int_equal(ieee11073_sfloat_encode(-1, 0, &raw), 0);
	assert_int_equal(raw, 0x0fff);
	assert_int_equal(ieee11073_sfloat_encode(1000, 4, &raw), 0);
	assert_int_equal(raw, 0x43e8);
	assert_int_equal(ieee11073_sfloat_encode(1234, -4, &raw), 0);
	assert_int_equal(raw, 0xc4d2);
	assert_int_equal(ieee11073_sfloat_encode(0, 0, &raw), 0);
	assert_int_equal(raw, 0x0000);
	/* Edges that stay numbers. */
	assert_int_equal(ieee11073_sfloat_encode(2045, 0, &raw), 0);
	assert_int_equal(raw, 0x07fd);
	assert_int_equal(ieee11073_sfloat_encode(-2045, 0, &raw), 0);
	assert_int_equal(raw, 0x0803);
	assert_int_equal(ieee11073_sfloat_encode(2047, 7, &raw), 0);
	assert_int_equal(raw, 0x77ff);
	assert_int_equal(ieee11073_sfloat_encode(-2048, -8, &raw), 0);
	assert_int_equal(raw, 0x8800);
}

static void test_sfloat_encode_rejects(void **state)
{
	(void)state;
	const struct {
		int32_t mantissa;
		int exponent;
	} bad[] = {
		{ 2048, 1 },  /* mantissa beyond 12 bits */
		{ -2049, 1 }, /* mantissa beyond 12 bits */
		{ 1, 8 },     /* exponent beyond 4 bits */
		{ 1, -9 },    /* exponent beyond 4 bits */
		{ 2046, 0 },  /* would be +INF */
		{ 2047, 0 },  /* would be NaN */
		{ -2048, 0 }, /* would be NRes */
		{ -2047, 0 }, /* would be reserved */
		{ -2046, 0 }, /* would be -INF */
		{ 100000, 0 }, { INT32_MIN, 0 }, { INT32_MAX, 0 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t raw = 0xabcd;

		assert_int_equal(ieee11073_sfloat_encode(bad[i].mantissa, bad[i].exponent, &raw),
				 -ERANGE);
		assert_int_equal(raw, 0xabcd); /* untouched */
	}
}

/* Every (mantissa, exponent) pair either round-trips or is one of the rejected ones. */
static void test_sfloat_encode_round_trip_all(void **state)
{
	(void)state;
	unsigned rejected = 0;

	for (int e = -8; e <= 7; e++) {
		for (int32_t m = -2048; m <= 2047; m++) {
			uint16_t raw;
			int r = ieee11073_sfloat_encode(m, e, &raw);

			if (r < 0) {
				assert_int_equal(r, -ERANGE);
				assert_int_equal(e, 0);
				rejected++;
				continue;
			}
			assert_number(ieee11073_sfloat(raw), m, e);
		}
	}
	assert_int_equal(rejected, 5);
}

/* And every raw number pattern encodes back to itself. */
static void test_sfloat_decode_encode_all(void **state)
{
	(void)state;
	for (uint32_t raw = 0; raw <= 0xffff; raw++) {
		struct ieee11073_number n = ieee11073_sfloat((uint16_t)raw);
		uint16_t back;

		if (!ieee11073_is_number(n))
			continue;
		assert_int_equal(ieee11073_sfloat_encode(n.mantissa, n.exponent, &back), 0);
		assert_int_equal(back, raw);
	}
}

static void test_float_encode(void **state)
{
	(void)state;
	uint32_t raw = 0;
	const int32_t mantissas[] = { 0,       1,        -1,      3760,     -120,
				      8388605, -8388605, 8388607, -8388608, 4660 };
	const int exponents[] = { -128, -2, -1, 0, 1, 3, 127 };

	assert_int_equal(ieee11073_float_encode(3760, -2, &raw), 0);
	assert_int_equal(raw, 0xfe000eb0);
	assert_int_equal(ieee11073_float_encode(-120, 2, &raw), 0);
	assert_int_equal(raw, 0x02ffff88);

	for (size_t i = 0; i < sizeof(mantissas) / sizeof(mantissas[0]); i++) {
		for (size_t j = 0; j < sizeof(exponents) / sizeof(exponents[0]); j++) {
			int32_t m = mantissas[i];
			int e = exponents[j];
			bool special = e == 0 && (m >= 8388606 || m <= -8388606);
			int r = ieee11073_float_encode(m, e, &raw);

			if (special) {
				assert_int_equal(r, -ERANGE);
				continue;
			}
			assert_int_equal(r, 0);
			assert_number(ieee11073_float(raw), m, e);
		}
	}
}

static void test_float_encode_rejects(void **state)
{
	(void)state;
	const struct {
		int32_t mantissa;
		int exponent;
	} bad[] = {
		{ 8388608, 1 },  /* beyond 24 bits */
		{ -8388609, 1 }, /* beyond 24 bits */
		{ 1, 128 },      /* beyond 8 bits */
		{ 1, -129 },     /* beyond 8 bits */
		{ 8388606, 0 },  /* +INF */
		{ 8388607, 0 },  /* NaN */
		{ -8388608, 0 }, /* NRes */
		{ -8388607, 0 }, /* reserved */
		{ -8388606, 0 }, /* -INF */
		{ INT32_MAX, 0 }, { INT32_MIN, 0 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t raw = 0xdeadbeef;

		assert_int_equal(ieee11073_float_encode(bad[i].mantissa, bad[i].exponent, &raw),
				 -ERANGE);
		assert_int_equal(raw, 0xdeadbeef);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sfloat_reference_examples),
		cmocka_unit_test(test_sfloat_signs_and_limits),
		cmocka_unit_test(test_sfloat_specials),
		cmocka_unit_test(test_sfloat_special_mantissas_with_exponent_are_numbers),
		cmocka_unit_test(test_sfloat_exhaustive_specials),
		cmocka_unit_test(test_float_numbers),
		cmocka_unit_test(test_float_specials),
		cmocka_unit_test(test_float_special_mantissas_with_exponent_are_numbers),
		cmocka_unit_test(test_to_double_exact),
		cmocka_unit_test(test_to_double_specials),
		cmocka_unit_test(test_special_to_string),
		cmocka_unit_test(test_sfloat_encode_values),
		cmocka_unit_test(test_sfloat_encode_rejects),
		cmocka_unit_test(test_sfloat_encode_round_trip_all),
		cmocka_unit_test(test_sfloat_decode_encode_all),
		cmocka_unit_test(test_float_encode),
		cmocka_unit_test(test_float_encode_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
