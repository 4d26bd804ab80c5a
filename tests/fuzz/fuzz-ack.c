// SPDX-License-Identifier: MIT
/*
 * down/ack parser: arbitrary bytes never crash it; a payload it accepts
 * re-encodes to one it accepts again with the same ranges.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ack_range a[ACK_RANGES_MAX], b[ACK_RANGES_MAX];
	char *json = NULL;
	int n, m;

	n = ack_from_json((const char *)data, size, a, NULL);
	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++)
		if (a[i].from < 1 || a[i].from > a[i].to)
			__builtin_trap();
	if (ack_to_json(a, (size_t)n, &json) < 0)
		__builtin_trap();
	m = ack_from_json(json, strlen(json), b, NULL);
	/* The encoding of 256 huge ranges may exceed the decoder's size bound: nothing else may
	 * fail. */
	if (m < 0 && strlen(json) <= RECORD_JSON_MAX)
		__builtin_trap();
	if (m >= 0 && (m != n || memcmp(a, b, (size_t)n * sizeof(*a)) != 0))
		__builtin_trap();
	free(json);
	return 0;
}
