/* SPDX-License-Identifier: MIT */
/*
 * Registers to reading values and back, per profile. Pure functions: no I/O,
 * no clock. Bits (coils, discrete inputs) travel as one 16-bit word each,
 * 0 or 1, so that one array type carries every block. The encoder is the
 * simulator's half: it writes the registers that decode to a given value.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modbus-profile.h"
#include "record.h"

/* What one poll read: a block's words when it was answered. */
struct modbus_image {
	bool ok[MODBUS_PROFILE_BLOCKS_MAX];
	uint16_t words[MODBUS_PROFILE_BLOCKS_MAX][MODBUS_BLOCK_MAX];
};

/* The values of a poll that could not become reading values, each with one sentence. */
struct modbus_bad {
	size_t n;
	struct {
		size_t value; /* index into the profile's values */
		int error;    /* what modbus_value_decode() returned: -ERANGE, -EDOM */
		char message[RECORD_TEXT_MAX + 1];
	} items[MODBUS_PROFILE_VALUES_MAX];
};

/*
 * Decodes @v from @words (the @n words that start at the value's address).
 * Returns 1 with *@raw (the number as the device sent it, in v->unit) and
 * *@value (canonical, rounded to the quantity's decimals); 0 when the device
 * sent v->absent ("nothing measured now"); -EINVAL when @n is too short;
 * -EDOM for a float that is not a number; -ERANGE for a value outside
 * v->min..v->max. @why (may be NULL) gets a sentence on errors, naming the
 * value, the register and the numbers.
 */
int modbus_value_decode(const struct modbus_value *v, const uint16_t *words, size_t n, double *raw,
			double *value, char *why, size_t why_size);

/*
 * Decodes every value of @p whose block @img holds into @rd: device name
 * @device, measurement bedside, mode continuous, one value per good number.
 * Values that fail are listed in @bad (may be NULL); values in blocks that
 * were not read are skipped. Returns the number of values in @rd (0 means
 * the poll made no reading).
 */
size_t modbus_profile_decode(const struct modbus_profile *p, const struct modbus_image *img,
			     const char *device, struct reading *rd, struct modbus_bad *bad);

/*
 * Writes the registers (or bit words) of @v so that they decode to @value in
 * the canonical unit: raw = (value - offset) / scale, rounded to a whole
 * number for integer types. Only the value's own words (its own bit, for a
 * bit of a register) change. Returns 0 with *@raw set, or -ERANGE (with
 * @why) when the raw number does not fit the type. No range check: the
 * simulator may send what the profile calls bad.
 */
int modbus_value_encode(const struct modbus_value *v, double value, uint16_t *words, double *raw,
			char *why, size_t why_size);

/* Writes v->absent into the value's words. -ENOENT when the value has no absent marker. */
int modbus_value_encode_absent(const struct modbus_value *v, uint16_t *words);
