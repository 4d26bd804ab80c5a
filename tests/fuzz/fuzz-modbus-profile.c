// SPDX-License-Identifier: MIT
/*
 * The Modbus profile parser under libFuzzer. The input is a profile text of
 * any bytes. A refused text gets a message naming the file; an accepted one
 * keeps every promise of modbus-profile.h: 1..8 values with unique
 * quantities, ranges inside the quantity's, a read plan that covers every
 * value in requests of at most 125 units. Decoding any registers with it
 * then gives readings that pass record validation.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "modbus-decode.h"
#include "modbus-profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_profile(const struct modbus_profile *p)
{
	require(record_name_is_valid(p->name));
	require(p->n_values >= 1 && p->n_values <= MODBUS_PROFILE_VALUES_MAX);
	require(p->n_blocks >= 1 && p->n_blocks <= p->n_values);
	for (size_t i = 0; i < p->n_blocks; i++)
		require(p->blocks[i].count >= 1 && p->blocks[i].count <= MODBUS_BLOCK_MAX &&
			(unsigned)p->blocks[i].address + p->blocks[i].count <= 65536);
	for (size_t i = 0; i < p->n_values; i++) {
		const struct modbus_value *v = &p->values[i];
		double qmin, qmax;

		require(modbus_profile_block_of(p, v) >= 0);
		require(modbus_function_is_bit(v->function)
				? v->type == MODBUS_TYPE_BIT && v->bit < 0
				: v->bit < 16);
		quantity_range(v->quantity, &qmin, &qmax);
		require(v->min >= qmin && v->max <= qmax && v->min <= v->max);
		require(isfinite(v->scale) && v->scale != 0 && isfinite(v->offset));
		for (size_t k = 0; k < i; k++)
			require(p->values[k].quantity != v->quantity);
	}
}

/* The registers filled from the text's own bytes: any pattern will do. */
static void check_decode(const struct modbus_profile *p, const uint8_t *data, size_t size)
{
	struct modbus_image img = { 0 };
	struct modbus_bad bad;
	struct record rec = { .kind = RECORD_READING, .seq = 1, .ts = 1 };
	struct record_error err;
	size_t at = 0, n;

	for (size_t b = 0; b < p->n_blocks; b++) {
		img.ok[b] = true;
		for (size_t i = 0; i < p->blocks[b].count; i++, at += 2)
			img.words[b][i] =
				size ? (uint16_t)(data[at % size] << 8 | data[(at + 1) % size]) : 0;
	}
	n = modbus_profile_decode(p, &img, "fuzz", &rec.reading, &bad);
	require(n + bad.n <= p->n_values);
	if (n > 0)
		require(record_validate(&rec, &err) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modbus_profile p;
	struct config_error err;
	int r;

	if (size > MODBUS_PROFILE_FILE_MAX)
		return 0;
	r = modbus_profile_parse((const char *)data, size, "fuzz.conf", &p, &err);
	if (r == 0) {
		check_profile(&p);
		check_decode(&p, data, size);
		return 0;
	}
	require(r == -EINVAL || r == -ERANGE || r == -ENOMEM);
	require(strncmp(err.message, "fuzz.conf", 9) == 0 && strcmp(err.file, "fuzz.conf") == 0);
	return 0;
}
