// SPDX-License-Identifier: MIT
/*
 * IEEE 11073-20601 SFLOAT / FLOAT. Specials are whole bit patterns with the
 * exponent zero (NaN 0x07FF, NRes 0x0800, +INF 0x07FE, -INF 0x0802, reserved
 * 0x0801, and the 24-bit equivalents), compared before any arithmetic.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>

#include "ieee11073.h"

static const char *const special_names[_IEEE11073_SPECIAL_MAX] = {
	[IEEE11073_NUMBER] = NULL,      [IEEE11073_NAN] = "NaN",
	[IEEE11073_NRES] = "NRes",      [IEEE11073_PLUS_INF] = "+INF",
	[IEEE11073_MINUS_INF] = "-INF", [IEEE11073_RESERVED] = "reserved",
};

const char *ieee11073_special_to_string(enum ieee11073_special s)
{
	if ((unsigned)s >= _IEEE11073_SPECIAL_MAX)
		return NULL;
	return special_names[s];
}

/* Maps a mantissa field of @bits bits (exponent already 0) to its special, if any. */
static enum ieee11073_special special_of(uint32_t mantissa_field, unsigned bits)
{
	uint32_t nan = (1u << (bits - 1)) - 1; /* 0x7FF / 0x7FFFFF */

	if (mantissa_field == nan)
		return IEEE11073_NAN;
	if (mantissa_field == nan + 1)
		return IEEE11073_NRES;
	if (mantissa_field == nan - 1)
		return IEEE11073_PLUS_INF;
	if (mantissa_field == nan + 3)
		return IEEE11073_MINUS_INF;
	if (mantissa_field == nan + 2)
		return IEEE11073_RESERVED;
	return IEEE11073_NUMBER;
}

static int32_t sign_extend(uint32_t v, unsigned bits)
{
	uint32_t m = 1u << (bits - 1);

	v &= (1u << bits) - 1;
	return (int32_t)(v ^ m) - (int32_t)m;
}

struct ieee11073_number ieee11073_sfloat(uint16_t raw)
{
	struct ieee11073_number n = { 0 };
	uint32_t mant = raw & 0x0fff;
	int exp = sign_extend(raw >> 12, 4);

	if (exp == 0)
		n.special = special_of(mant, 12);
	if (n.special == IEEE11073_NUMBER) {
		n.mantissa = sign_extend(mant, 12);
		n.exponent = (int8_t)exp;
	}
	return n;
}

struct ieee11073_number ieee11073_float(uint32_t raw)
{
	struct ieee11073_number n = { 0 };
	uint32_t mant = raw & 0x00ffffff;
	int exp = sign_extend(raw >> 24, 8);

	if (exp == 0)
		n.special = special_of(mant, 24);
	if (n.special == IEEE11073_NUMBER) {
		n.mantissa = sign_extend(mant, 24);
		n.exponent = (int8_t)exp;
	}
	return n;
}

static int encode(int32_t mantissa, int exponent, unsigned mbits, unsigned ebits, uint32_t *ret)
{
	int32_t mmax = (1 << (mbits - 1)) - 1;
	int emax = (1 << (ebits - 1)) - 1;

	if (exponent < -emax - 1 || exponent > emax)
		return -ERANGE;
	if (mantissa < -mmax - 1 || mantissa > mmax)
		return -ERANGE;
	/* With exponent 0, +-(max-1) and beyond are the special patterns. */
	if (exponent == 0 && (mantissa >= mmax - 1 || mantissa <= -(mmax - 1)))
		return -ERANGE;
	*ret = ((uint32_t)exponent & ((1u << ebits) - 1)) << mbits |
	       ((uint32_t)mantissa & ((1u << mbits) - 1));
	return 0;
}

int ieee11073_sfloat_encode(int32_t mantissa, int exponent, uint16_t *ret)
{
	uint32_t v;
	int r = encode(mantissa, exponent, 12, 4, &v);

	if (r < 0)
		return r;
	*ret = (uint16_t)v;
	return 0;
}

int ieee11073_float_encode(int32_t mantissa, int exponent, uint32_t *ret)
{
	return encode(mantissa, exponent, 24, 8, ret);
}

double ieee11073_to_double(struct ieee11073_number n)
{
	switch (n.special) {
	case IEEE11073_NUMBER:
		break;
	case IEEE11073_PLUS_INF:
		return INFINITY;
	case IEEE11073_MINUS_INF:
		return -INFINITY;
	default:
		return NAN;
	}
	/*
	 * Divide for negative exponents: 365 / 10 is exactly the double nearest
	 * 36.5, whereas 365 * 0.1 is not always.
	 */
	if (n.exponent >= 0)
		return (double)n.mantissa * pow(10.0, n.exponent);
	return (double)n.mantissa / pow(10.0, -n.exponent);
}
