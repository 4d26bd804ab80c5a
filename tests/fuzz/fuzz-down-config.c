// SPDX-License-Identifier: MIT
/*
 * down/config parser: arbitrary bytes never crash it; a config it accepts
 * re-encodes to one it accepts again, equal to the first.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "down.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct down_config a, b;
	char *json = NULL;

	if (down_config_from_json((const char *)data, size, &a, NULL) < 0)
		return 0;
	if (down_config_to_json(&a, &json) < 0)
		__builtin_trap();
	/* The canonical encoding may outgrow the size bound: nothing else may fail. */
	if (down_config_from_json(json, strlen(json), &b, NULL) < 0) {
		if (strlen(json) <= RECORD_JSON_MAX)
			__builtin_trap();
	} else if (memcmp(&a, &b, sizeof(a)) != 0) {
		__builtin_trap();
	}
	free(json);
	return 0;
}
