// SPDX-License-Identifier: MIT
/*
 * The cross-process event decoder (cloud/fanout.h): arbitrary bytes never
 * crash it; an event it accepts re-encodes (unless cJSON prints it longer
 * than the limit) to one it decodes to the same.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fanout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fanout_event a, b;
	struct record_error err;
	char *json = NULL;
	int r;

	if (fanout_decode(data, size, &a, &err) < 0) {
		if (a.data)
			__builtin_trap();
		return 0;
	}
	r = fanout_encode(a.origin, a.event, a.data, a.team_id, a.institution_id, &json);
	if (r == -EMSGSIZE) { /* cJSON may print a number longer than it was written ("1e9") */
		fanout_event_done(&a);
		return 0;
	}
	if (r < 0)
		__builtin_trap();
	if (fanout_decode(json, strlen(json), &b, &err) < 0 || strcmp(a.origin, b.origin) != 0 ||
	    strcmp(a.event, b.event) != 0 || strcmp(a.data, b.data) != 0 ||
	    a.team_id != b.team_id || a.institution_id != b.institution_id)
		__builtin_trap();
	fanout_event_done(&a);
	fanout_event_done(&b);
	free(json);
	return 0;
}
