// SPDX-License-Identifier: MIT
/*
 * Ingest's two parsers of outside bytes (cloud/ingest.h): the topic a message
 * came in on (which gateway, record or status) and the seq salvaged from a
 * record that failed validation, so that it can be acknowledged. Table-driven,
 * with the boundaries of gateway ids and of seq (1..2^53-1).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ingest.h"

#define ID32 "abcdefghijklmnopqrstuvwxyz012345"

static const struct {
	const char *topic;
	int want; /* INGEST_TOPIC_* or -EINVAL */
	const char *gw;
} topics[] = {
	{ "bedlink/v1/gw-a/up/record", INGEST_TOPIC_RECORD, "gw-a" },
	{ "bedlink/v1/gw-a/up/status", INGEST_TOPIC_STATUS, "gw-a" },
	{ "bedlink/v1/G_9-z/up/record", INGEST_TOPIC_RECORD, "G_9-z" },
	{ "bedlink/v1/x/up/status", INGEST_TOPIC_STATUS, "x" },
	{ "bedlink/v1/" ID32 "/up/record", INGEST_TOPIC_RECORD, ID32 },
	/* Over-long, empty and ill-formed gateway ids. */
	{ "bedlink/v1/" ID32 "6/up/record", -EINVAL, NULL },
	{ "bedlink/v1//up/record", -EINVAL, NULL },
	{ "bedlink/v1/gw.a/up/record", -EINVAL, NULL },
	{ "bedlink/v1/gw a/up/record", -EINVAL, NULL },
	{ "bedlink/v1/gw+/up/record", -EINVAL, NULL },
	{ "bedlink/v1/+/up/record", -EINVAL, NULL },
	{ "bedlink/v1/#/up/record", -EINVAL, NULL },
	{ "bedlink/v1/gw\xc3\xa9/up/record", -EINVAL, NULL },
	/* Extra, missing and other levels. */
	{ "bedlink/v1/gw-a/up/record/extra", -EINVAL, NULL },
	{ "bedlink/v1/gw-a/up/record/", -EINVAL, NULL },
	{ "bedlink/v1/gw-a/up/status/x", -EINVAL, NULL },
	{ "bedlink/v1/gw-a/x/up/record", -EINVAL, NULL },
	{ "bedlink/v1/gw-a/up", -EINVAL, NULL },
	{ "bedlink/v1/gw-a/up/", -EINVAL, NULL },
	{ "bedlink/v1/gw-a/", -EINVAL, NULL },
	{ "bedlink/v1/gw-a", -EINVAL, NULL },
	{ "bedlink/v1/gw-a/up/records", -EINVAL, NULL },
	{ "bedlink/v1/gw-a/up/recor", -EINVAL, NULL },
	{ "bedlink/v1/gw-a/up/Record", -EINVAL, NULL },
	{ "bedlink/v1/gw-a/down/ack", -EINVAL, NULL },
	{ "bedlink/v1/gw-a/down/notice", -EINVAL, NULL },
	{ "bedlink/v1/gw-a//record", -EINVAL, NULL },
	/* Wrong or partial prefixes. */
	{ "bedlink/v2/gw-a/up/record", -EINVAL, NULL },
	{ "Bedlink/v1/gw-a/up/record", -EINVAL, NULL },
	{ "/bedlink/v1/gw-a/up/record", -EINVAL, NULL },
	{ "x/bedlink/v1/gw-a/up/record", -EINVAL, NULL },
	{ "$share/bedlink/bedlink/v1/gw-a/up/record", -EINVAL, NULL },
	{ "bedlink/v1", -EINVAL, NULL },
	{ "bedlink/v1/", -EINVAL, NULL },
	{ "bedlink", -EINVAL, NULL },
	{ "", -EINVAL, NULL },
};

static void test_topics(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++) {
		char gw[STORE_GATEWAY_ID_MAX + 1] = "untouched";
		int r = ingest_parse_topic(topics[i].topic, gw, sizeof(gw));

		if (r != topics[i].want || (topics[i].gw && strcmp(gw, topics[i].gw) != 0)) {
			print_error("case %zu '%s': got %d '%s', want %d '%s'\n", i,
				    topics[i].topic, r, r >= 0 ? gw : "", topics[i].want,
				    topics[i].gw ? topics[i].gw : "");
			fail();
		}
	}
}

/* The id must fit the caller's buffer with its NUL; one byte short is refused, not cut. */
static void test_topic_buffer_size(void **state)
{
	char gw[8];

	(void)state;
	memset(gw, 'Z', sizeof(gw));
	assert_int_equal(ingest_parse_topic("bedlink/v1/abcdefg/up/record", gw, 8),
			 INGEST_TOPIC_RECORD);
	assert_string_equal(gw, "abcdefg");
	assert_int_equal(ingest_parse_topic("bedlink/v1/abcdefgh/up/record", gw, 8), -EINVAL);
	assert_int_equal(ingest_parse_topic("bedlink/v1/a/up/record", gw, 1), -EINVAL);
	assert_int_equal(ingest_parse_topic("bedlink/v1/a/up/record", gw, 2), INGEST_TOPIC_RECORD);
	assert_string_equal(gw, "a");
}

static const struct {
	const char *json;
	uint64_t want;
} seqs[] = {
	{ "{\"seq\":1}", 1 },
	{ "{\"seq\":42,\"kind\":\"reading\",\"values\":[{\"value\":999}]}", 42 },
	{ "{\"kind\":\"bogus\",\"seq\":7}", 7 },
	{ "{\"seq\":9007199254740991}", 9007199254740991ULL },
	{ "{\"seq\":9007199254740990}", 9007199254740990ULL },
	{ "{\"seq\":1e3}", 1000 },
	{ "{\"seq\":2.0}", 2 },
	{ " {\"seq\" : 3 } ", 3 },
	/* Out of range: 0, negative, 2^53 and beyond. */
	{ "{\"seq\":0}", 0 },
	{ "{\"seq\":-0}", 0 },
	{ "{\"seq\":-1}", 0 },
	{ "{\"seq\":-9007199254740991}", 0 },
	{ "{\"seq\":9007199254740992}", 0 },
	{ "{\"seq\":9007199254740993}", 0 },
	{ "{\"seq\":18446744073709551615}", 0 },
	{ "{\"seq\":18446744073709551616}", 0 },
	{ "{\"seq\":1e300}", 0 },
	{ "{\"seq\":1e999}", 0 },
	/* Not integral. */
	{ "{\"seq\":1.5}", 0 },
	{ "{\"seq\":0.5}", 0 },
	{ "{\"seq\":1e-3}", 0 },
	/* Not a number, not there, not at the top level. */
	{ "{\"seq\":\"5\"}", 0 },
	{ "{\"seq\":null}", 0 },
	{ "{\"seq\":true}", 0 },
	{ "{\"seq\":[5]}", 0 },
	{ "{\"seq\":{\"seq\":5}}", 0 },
	{ "{\"SEQ\":5}", 0 },
	{ "{\"seqs\":5}", 0 },
	{ "{}", 0 },
	{ "{\"inner\":{\"seq\":5}}", 0 },
	{ "[{\"seq\":5}]", 0 },
	{ "5", 0 },
	{ "", 0 },
	{ "{\"seq\":", 0 },
	{ "{\"seq\":5", 0 },
	{ "not json", 0 },
};

static void test_salvage(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		uint64_t got = ingest_salvage_seq(seqs[i].json, strlen(seqs[i].json));

		if (got != seqs[i].want) {
			print_error("case %zu '%s': got %llu, want %llu\n", i, seqs[i].json,
				    (unsigned long long)got, (unsigned long long)seqs[i].want);
			fail();
		}
	}
}

/* The payload is bytes with a length: nothing past @len is read, no NUL is needed. */
static void test_salvage_length(void **state)
{
	const char json[] = "{\"seq\":12}{\"seq\":34}";
	char unterminated[10];

	(void)state;
	assert_int_equal(ingest_salvage_seq(json, 10), 12);
	assert_int_equal(ingest_salvage_seq(json, 9), 0); /* "{\"seq\":12" */
	assert_int_equal(ingest_salvage_seq(json, 8), 0); /* "{\"seq\":1" */
	assert_int_equal(ingest_salvage_seq(json, 0), 0);
	memcpy(unterminated, "{\"seq\":99}", sizeof(unterminated));
	assert_int_equal(ingest_salvage_seq(unterminated, sizeof(unterminated)), 99);
	assert_int_equal(ingest_salvage_seq("{\"seq\":7}\0{\"seq\":8}", 19), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topics),
		cmocka_unit_test(test_topic_buffer_size),
		cmocka_unit_test(test_salvage),
		cmocka_unit_test(test_salvage_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
