// SPDX-License-Identifier: MIT
/*
 * The register decoder and its inverse. A value's raw number comes from one
 * or two 16-bit words (or one bit); canonical = raw * scale + offset, rounded
 * as docs/protocol.md section 6 says, then held against the profile's range.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "modbus-decode.h"

/* "input register 1", "input registers 4..5", "bit 3 of holding register 0", "coil 7". */
static void describe_place(const struct modbus_value *v, char *buf, size_t size)
{
	static const char *const one[_MODBUS_FUNCTION_MAX] = {
		[MODBUS_FUNCTION_COIL] = "coil",
		[MODBUS_FUNCTION_DISCRETE] = "discrete input",
		[MODBUS_FUNCTION_HOLDING] = "holding register",
		[MODBUS_FUNCTION_INPUT] = "input register",
	};

	if (v->bit >= 0)
		snprintf(buf, size, "bit %d of %s %u", v->bit, one[v->function], v->address);
	else if (modbus_type_count(v->type) == 2)
		snprintf(buf, size, "%ss %u..%u", one[v->function], v->address, v->address + 1u);
	else
		snprintf(buf, size, "%s %u", one[v->function], v->address);
}

static uint32_t word_pair(const struct modbus_value *v, const uint16_t *words)
{
	uint16_t first = words[0], second = words[1];

	if (v->word_order == MODBUS_WORD_ORDER_LITTLE)
		return (uint32_t)second << 16 | first;
	return (uint32_t)first << 16 | second;
}

static double raw_number(const struct modbus_value *v, const uint16_t *words)
{
	uint32_t u;
	float f;

	switch (v->type) {
	case MODBUS_TYPE_U16:
		return words[0];
	case MODBUS_TYPE_S16:
		return (int16_t)words[0];
	case MODBUS_TYPE_U32:
		return word_pair(v, words);
	case MODBUS_TYPE_S32:
		return (int32_t)word_pair(v, words);
	case MODBUS_TYPE_FLOAT32:
		u = word_pair(v, words);
		memcpy(&f, &u, sizeof(f));
		return f;
	case MODBUS_TYPE_BIT:
		if (v->bit >= 0)
			return (words[0] >> v->bit) & 1;
		return words[0] != 0;
	default:
		return NAN;
	}
}

/* The value's name, and its quantity when the name differs: "rr (respiration_rate)". */
static void describe_value(const struct modbus_value *v, char *buf, size_t size)
{
	const char *q = quantity_to_string(v->quantity);

	if (q && strcmp(q, v->name) != 0)
		snprintf(buf, size, "%s (%s)", v->name, q);
	else
		snprintf(buf, size, "%s", v->name);
}

int modbus_value_decode(const struct modbus_value *v, const uint16_t *words, size_t n, double *raw,
			double *value, char *why, size_t why_size)
{
	const char *unit = quantity_unit(v->quantity);
	char place[64], label[80];
	double r, c;

	describe_place(v, place, sizeof(place));
	describe_value(v, label, sizeof(label));
	if (n < modbus_type_count(v->type)) {
		if (why)
			snprintf(why, why_size, "%s: %s not read", label, place);
		return -EINVAL;
	}
	r = raw_number(v, words);
	if (v->has_absent && r == v->absent)
		return 0;
	if (!isfinite(r)) {
		if (why)
			snprintf(why, why_size, "%s: %s: %s is not a number", label, place,
				 isnan(r) ? "NaN" : "infinity");
		return -EDOM;
	}
	c = round_to(r * v->scale + v->offset, quantity_decimals(v->quantity));
	if (!isfinite(c) || c < v->min || c > v->max) {
		if (why)
			snprintf(why, why_size, "%s %g %s is outside %g..%g %s (%s: raw %g %s)",
				 label, c, unit, v->min, v->max, unit, place, r, v->unit);
		return -ERANGE;
	}
	*raw = r;
	*value = c;
	return 1;
}

size_t modbus_profile_decode(const struct modbus_profile *p, const struct modbus_image *img,
			     const char *device, struct reading *rd, struct modbus_bad *bad)
{
	*rd = (struct reading){
		.measurement = MEASUREMENT_BEDSIDE,
		.mode = READING_MODE_CONTINUOUS,
	};
	snprintf(rd->device, sizeof(rd->device), "%s", device);
	if (bad)
		bad->n = 0;
	for (size_t i = 0; i < p->n_values; i++) {
		const struct modbus_value *v = &p->values[i];
		int b = modbus_profile_block_of(p, v);
		char why[RECORD_TEXT_MAX + 1];
		double raw, value;
		size_t at;
		int r;

		if (b < 0 || !img->ok[b])
			continue;
		at = v->address - p->blocks[b].address;
		r = modbus_value_decode(v, img->words[b] + at, p->blocks[b].count - at, &raw,
					&value, why, sizeof(why));
		if (r > 0) {
			reading_add_value(rd, v->quantity, value, raw, v->unit);
		} else if (r < 0 && bad) {
			bad->items[bad->n].value = i;
			bad->items[bad->n].error = r;
			snprintf(bad->items[bad->n].message, sizeof(bad->items[0].message), "%s",
				 why);
			bad->n++;
		}
	}
	return rd->n_values;
}

static void put_pair(const struct modbus_value *v, uint32_t u, uint16_t *words)
{
	uint16_t hi = (uint16_t)(u >> 16), lo = (uint16_t)u;

	words[0] = v->word_order == MODBUS_WORD_ORDER_LITTLE ? lo : hi;
	words[1] = v->word_order == MODBUS_WORD_ORDER_LITTLE ? hi : lo;
}

static void put_raw(const struct modbus_value *v, double r, uint16_t *words)
{
	float f;
	uint32_t u;

	switch (v->type) {
	case MODBUS_TYPE_U16:
		words[0] = (uint16_t)r;
		break;
	case MODBUS_TYPE_S16:
		words[0] = (uint16_t)(int16_t)r;
		break;
	case MODBUS_TYPE_U32:
		put_pair(v, (uint32_t)r, words);
		break;
	case MODBUS_TYPE_S32:
		put_pair(v, (uint32_t)(int32_t)r, words);
		break;
	case MODBUS_TYPE_FLOAT32:
		f = (float)r;
		memcpy(&u, &f, sizeof(u));
		put_pair(v, u, words);
		break;
	case MODBUS_TYPE_BIT:
		if (v->bit < 0)
			words[0] = r != 0;
		else if (r != 0)
			words[0] = (uint16_t)(words[0] | 1u << v->bit);
		else
			words[0] = (uint16_t)(words[0] & ~(1u << v->bit));
		break;
	default:
		break;
	}
}

static bool raw_fits(enum modbus_type t, double r)
{
	switch (t) {
	case MODBUS_TYPE_U16:
		return r >= 0 && r <= 65535;
	case MODBUS_TYPE_S16:
		return r >= -32768 && r <= 32767;
	case MODBUS_TYPE_U32:
		return r >= 0 && r <= 4294967295.0;
	case MODBUS_TYPE_S32:
		return r >= -2147483648.0 && r <= 2147483647.0;
	case MODBUS_TYPE_BIT:
		return r == 0 || r == 1;
	case MODBUS_TYPE_FLOAT32:
		return isfinite(r) && fabs(r) <= FLT_MAX;
	default:
		return false;
	}
}

int modbus_value_encode(const struct modbus_value *v, double value, uint16_t *words, double *raw,
			char *why, size_t why_size)
{
	double r = (value - v->offset) / v->scale;

	if (v->type != MODBUS_TYPE_FLOAT32)
		r = round(r);
	if (!isfinite(value) || !raw_fits(v->type, r)) {
		if (why)
			snprintf(why, why_size, "%s=%g does not fit a %s (raw %g %s)", v->name,
				 value, modbus_type_to_string(v->type), r, v->unit);
		return -ERANGE;
	}
	put_raw(v, r, words);
	*raw = v->type == MODBUS_TYPE_FLOAT32 ? (double)(float)r : r;
	return 0;
}

int modbus_value_encode_absent(const struct modbus_value *v, uint16_t *words)
{
	if (!v->has_absent)
		return -ENOENT;
	put_raw(v, v->absent, words);
	return 0;
}
