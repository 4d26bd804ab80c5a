// SPDX-License-Identifier: MIT
/*
 * The `bedlinkctl decode` path under libFuzzer: hex text and 16-bit UUID
 * parsing, then the JSON rendering of the parsed octets. The first octet
 * picks what to decode as (low five bits, from a fixed list) and the quirks
 * (bits 5-6); the rest, NUL-terminated, is the text. A rendering that
 * succeeds must be a JSON object.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gatt-json.h"
#include "macro.h"
#include "quirks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* Every decoder gatt_json_decode() knows, a few spellings, and two it must refuse. */
static const char *const decode_as[] = {
	"2A35",  "2A36",   "2A49", "2A18",  "2A34", "2A51", "2A52", "2A5E",
	"2A5F",  "2A60",   "2A1C", "2A1E",  "2A9D", "2A08", "2A2B", "sfloat",
	"float", "0x2a35", "2a9d", "FLOAT", "180D", "2A37", "zz",
};

/* The octets a hex string can hold: longer than any characteristic value, so surplus is tried. */
#define HEX_MAX 40

static void check_uuid(const char *text)
{
	char again[8];
	uint16_t uuid, back;

	if (gatt_uuid16_parse(text, &uuid) < 0)
		return;
	snprintf(again, sizeof(again), "%04X", uuid);
	require(gatt_uuid16_parse(again, &back) == 0 && back == uuid);
}

static void check_decode(const char *what, const uint8_t *buf, size_t len, unsigned quirks)
{
	_cleanup_free_ char *json = NULL;
	struct gatt_error err = { .message = "" };
	cJSON *o;
	int r;

	r = gatt_json_decode(what, buf, len, quirks, &json, &err);
	if (r < 0) {
		require(r == -EBADMSG || r == -EOPNOTSUPP || r == -ENOMEM);
		require(r == -ENOMEM || err.message[0] != '\0');
		return;
	}
	o = cJSON_Parse(json);
	require(cJSON_IsObject(o));
	cJSON_Delete(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = NULL;
	struct gatt_error err = { .message = "" };
	uint8_t buf[HEX_MAX];
	const char *what;
	unsigned quirks;
	int n;

	if (size < 1)
		return 0;
	what = decode_as[(data[0] & 0x1f) % ELEMENTSOF(decode_as)];
	quirks = (data[0] >> 5) & _BLE_QUIRK_ALL;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	check_uuid(text);
	n = gatt_hex_parse(text, buf, sizeof(buf), &err);
	if (n < 0) {
		require((n == -EINVAL || n == -ENOBUFS) && err.message[0] != '\0');
		return 0;
	}
	require((size_t)n <= sizeof(buf) && (size_t)n * 2 <= strlen(text));
	check_decode(what, buf, (size_t)n, quirks);
	return 0;
}
