// SPDX-License-Identifier: MIT
/*
 * Ingest's parsers of outside bytes: the input is an MQTT topic for
 * ingest_parse_topic() (a topic a gateway could publish on) and a payload for
 * ingest_salvage_seq(). An accepted topic is exactly "bedlink/v1/<gw>/up/record"
 * or ".../up/status" with a valid id that fits the buffer; a salvaged seq is
 * within 1..2^53-1 and equal to the seq of the same bytes when they are a
 * valid record.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_topic(const uint8_t *data, size_t size)
{
	/* The first octet picks the size of the caller's buffer (1..33 octets and more). */
	size_t bufsize = size > 0 ? (size_t)data[0] % (STORE_GATEWAY_ID_MAX + 4) + 1 : 1;
	char *topic = malloc(size + 1), *gw = malloc(bufsize), expect[128];
	int r;

	if (!topic || !gw)
		__builtin_trap();
	/* A topic is a C string: cut at the first NUL, as paho hands it over. */
	memcpy(topic, data, size);
	topic[size] = '\0';
	r = ingest_parse_topic(size > 0 ? topic + 1 : topic, gw, bufsize);
	if (r >= 0) {
		if (r >= _INGEST_TOPIC_MAX || strnlen(gw, bufsize) >= bufsize ||
		    !store_gateway_id_is_valid(gw))
			__builtin_trap();
		snprintf(expect, sizeof(expect), "bedlink/v1/%s/up/%s", gw,
			 r == INGEST_TOPIC_RECORD ? "record" : "status");
		if (strcmp(expect, size > 0 ? topic + 1 : topic) != 0)
			__builtin_trap();
	} else if (r != -EINVAL) {
		__builtin_trap();
	}
	free(topic);
	free(gw);
}

static void check_salvage(const uint8_t *data, size_t size)
{
	uint64_t seq = ingest_salvage_seq(data, size);
	struct record rec;

	if (seq > (uint64_t)RECORD_INT_MAX)
		__builtin_trap();
	if (record_from_json((const char *)data, size, &rec, NULL) >= 0 &&
	    rec.kind != RECORD_STATUS && rec.seq != seq)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_topic(data, size);
	check_salvage(data, size);
	return 0;
}
