// SPDX-License-Identifier: MIT
/*
 * The Modbus register decoder under libFuzzer: the registers a device sends
 * are outside bytes. The input's first octet says which blocks answered, the
 * rest fills them, decoded by a profile that uses every type and word order.
 * Every reading passes record validation, with each value inside its range.
 * Then the same bytes describe one free-standing value (function, type, word
 * order, bit, scale and offset from the input) decoded from the following
 * words: the result is always one of the documented ones.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modbus-decode.h"
#include "modbus-profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static const char profile_text[] =
	"[profile]\n"
	"name = every-type\n"
	"word_order = little\n"
	"[value.u16]\nfunction = input\naddress = 0\ntype = u16\n"
	"quantity = respiration_rate\nabsent = 0xFFFF\nmax = 60\n"
	"[value.s16]\nfunction = input\naddress = 1\ntype = s16\n"
	"quantity = room_temperature\nscale = 0.1\nunit = 0.1C\n"
	"[value.u32]\nfunction = input\naddress = 2\ntype = u32\n"
	"quantity = device_fault\nword_order = big\n"
	"[value.s32]\nfunction = holding\naddress = 10\ntype = s32\n"
	"quantity = heart_rate\nscale = 0.01\nunit = 0.01/min\n"
	"[value.f1]\nfunction = holding\naddress = 12\ntype = float32\n"
	"quantity = oxygen_flow\nword_order = big\nmax = 10\n"
	"[value.f2]\nfunction = holding\naddress = 14\ntype = float32\n"
	"quantity = oxygen_purity\noffset = -0.5\nunit = %\n"
	"[value.bit]\nfunction = input\naddress = 4\ntype = bit\nbit = 15\n"
	"quantity = bed_occupancy\n"
	"[value.coil]\nfunction = discrete\naddress = 7\ntype = bit\n"
	"quantity = room_humidity\nscale = 100\nunit = 100%\n";

static void check_profile_decode(const struct modbus_profile *p, const uint8_t *data, size_t size)
{
	struct modbus_image img = { 0 };
	struct modbus_bad bad;
	struct record rec = { .kind = RECORD_READING, .seq = 1, .ts = 1 };
	struct record_error err;
	size_t at = 1, n;

	for (size_t b = 0; b < p->n_blocks; b++) {
		img.ok[b] = size > 0 && (data[0] >> b & 1);
		for (size_t i = 0; i < p->blocks[b].count && at + 1 < size; i++, at += 2)
			img.words[b][i] = (uint16_t)(data[at] << 8 | data[at + 1]);
	}
	n = modbus_profile_decode(p, &img, "fuzz", &rec.reading, &bad);
	require(n == rec.reading.n_values && n + bad.n <= p->n_values);
	for (size_t i = 0; i < n; i++) {
		const struct reading_value *v = &rec.reading.values[i];

		for (size_t k = 0; k < p->n_values; k++)
			if (p->values[k].quantity == v->quantity)
				require(v->value >= p->values[k].min &&
					v->value <= p->values[k].max);
	}
	for (size_t i = 0; i < bad.n; i++)
		require(bad.items[i].message[0] != '\0' &&
			(bad.items[i].error == -ERANGE || bad.items[i].error == -EDOM));
	if (n > 0)
		require(record_validate(&rec, &err) == 0);
}

static void check_one_value(const uint8_t *data, size_t size)
{
	struct modbus_value v = { .name = "v" };
	uint16_t words[2] = { 0 };
	double raw, value, scale, offset;
	char why[RECORD_TEXT_MAX + 1];
	int r;

	if (size < 22)
		return;
	v.function = (enum modbus_function)(data[0] % _MODBUS_FUNCTION_MAX);
	v.type = modbus_function_is_bit(v.function)
			 ? MODBUS_TYPE_BIT
			 : (enum modbus_type)(data[1] % _MODBUS_TYPE_MAX);
	v.word_order = (enum modbus_word_order)(data[2] & 1);
	v.bit = v.type == MODBUS_TYPE_BIT && !modbus_function_is_bit(v.function) ? data[3] % 16
										 : -1;
	v.quantity = (enum quantity)(data[4] % _QUANTITY_MAX);
	memcpy(&scale, data + 5, sizeof(scale));
	memcpy(&offset, data + 13, sizeof(offset));
	v.scale = isfinite(scale) && scale != 0 ? scale : 1;
	v.offset = isfinite(offset) ? offset : 0;
	quantity_range(v.quantity, &v.min, &v.max);
	v.has_absent = data[21] & 1;
	v.absent = data[21] >> 1;
	for (size_t i = 0; i < 2 && 22 + 2 * i + 1 < size; i++)
		words[i] = (uint16_t)(data[22 + 2 * i] << 8 | data[23 + 2 * i]);
	r = modbus_value_decode(&v, words, 2, &raw, &value, why, sizeof(why));
	require(r == 1 || r == 0 || r == -EDOM || r == -ERANGE);
	if (r == 1)
		require(isfinite(raw) && isfinite(value) && value >= v.min && value <= v.max);
	if (r < 0)
		require(why[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct modbus_profile profile;
	static bool loaded;
	struct config_error err;

	if (!loaded) {
		require(modbus_profile_parse(profile_text, strlen(profile_text), "every-type.conf",
					     &profile, &err) == 0);
		loaded = true;
	}
	check_profile_decode(&profile, data, size);
	check_one_value(data, size);
	return 0;
}
