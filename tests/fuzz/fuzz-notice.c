// SPDX-License-Identifier: MIT
/*
 * down/notice parser: arbitrary bytes never crash it; a notice it accepts
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
	struct notice a, b;
	char *json = NULL;

	if (notice_from_json((const char *)data, size, &a, NULL) < 0)
		return 0;
	if (notice_to_json(&a, &json) < 0)
		__builtin_trap();
	if (notice_from_json(json, strlen(json), &b, NULL) < 0 || memcmp(&a, &b, sizeof(a)) != 0)
		__builtin_trap();
	free(json);
	return 0;
}
