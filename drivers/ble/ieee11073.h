/* SPDX-License-Identifier: MIT */
/*
 * IEEE 11073-20601 numbers as BLE health profiles send them: the 16-bit SFLOAT
 * (4-bit exponent, 12-bit mantissa) and the 32-bit FLOAT (8-bit exponent,
 * 24-bit mantissa), both two's complement, value = mantissa * 10^exponent.
 * Numbers stay (mantissa, exponent) integers so comparisons are exact; the
 * five reserved bit patterns are reported as specials, never as numbers.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum ieee11073_special {
	IEEE11073_NUMBER, /* an ordinary finite value */
	IEEE11073_NAN,
	IEEE11073_NRES,
	IEEE11073_PLUS_INF,
	IEEE11073_MINUS_INF,
	IEEE11073_RESERVED,
	_IEEE11073_SPECIAL_MAX,
};

struct ieee11073_number {
	enum ieee11073_special special;
	int32_t mantissa; /* meaningful when special == IEEE11073_NUMBER */
	int8_t exponent;
};

/* Decodes a raw SFLOAT (already assembled from its two little-endian octets). */
struct ieee11073_number ieee11073_sfloat(uint16_t raw);

/* Decodes a raw FLOAT (already assembled from its four little-endian octets). */
struct ieee11073_number ieee11073_float(uint32_t raw);

/*
 * Builds a raw SFLOAT from @mantissa * 10^@exponent. Returns -ERANGE when the
 * mantissa does not fit in -2048..2047 minus the reserved patterns, or the
 * exponent in -8..7.
 */
int ieee11073_sfloat_encode(int32_t mantissa, int exponent, uint16_t *ret);

/* The same for a 32-bit FLOAT: mantissa in 24 bits, exponent in -128..127. */
int ieee11073_float_encode(int32_t mantissa, int exponent, uint32_t *ret);

/* True for an ordinary number. */
static inline bool ieee11073_is_number(struct ieee11073_number n)
{
	return n.special == IEEE11073_NUMBER;
}

/* The value as a double; NaN or +-inf for the specials. */
double ieee11073_to_double(struct ieee11073_number n);

/* "NaN", "NRes", "+INF", "-INF", "reserved", or NULL for an ordinary number. */
const char *ieee11073_special_to_string(enum ieee11073_special s);
