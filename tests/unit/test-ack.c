// SPDX-License-Identifier: MIT
/* down/ack: strict decoding, exact encoding, and folding seqs into ranges. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"

static void test_decode(void **state)
{
	const char *json = "{\"seqs\":[[1,5],[7,7],[9007199254740991,9007199254740991]]}";
	struct ack_range r[ACK_RANGES_MAX];

	(void)state;
	assert_int_equal(ack_from_json(json, strlen(json), r, NULL), 3);
	assert_true(r[0].from == 1 && r[0].to == 5);
	assert_true(r[1].from == 7 && r[1].to == 7);
	assert_true(r[2].from == 9007199254740991ULL && r[2].to == 9007199254740991ULL);
	assert_int_equal(ack_from_json("{\"seqs\":[]}", 11, r, NULL), 0);
}

static const struct {
	const char *json;
	const char *message;
} bad[] = {
	{ "", "empty ack" },
	{ "[]", "must be a JSON object" },
	{ "{}", "seqs: missing" },
	{ "{\"seqs\":[[1,2]],\"extra\":1}", "extra: unknown field" },
	{ "{\"seqs\":{}}", "seqs: must be an array" },
	{ "{\"seqs\":[[1]]}", "seqs[0]: must be [from, to]" },
	{ "{\"seqs\":[[1,2,3]]}", "seqs[0]: must be [from, to]" },
	{ "{\"seqs\":[[0,2]]}", "seqs[0]: must be an integer 1.." },
	{ "{\"seqs\":[[1.5,2]]}", "seqs[0]: must be an integer 1.." },
	{ "{\"seqs\":[[\"1\",2]]}", "seqs[0]: must be a number" },
	{ "{\"seqs\":[[5,4]]}", "seqs[0]: from 5 is after to 4" },
	{ "{\"seqs\":[[1,9007199254740992]]}", "seqs[0]: must be an integer 1.." },
};

static void test_decode_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ack_range r[ACK_RANGES_MAX];
		struct record_error err = { "", "" };
		int n = ack_from_json(bad[i].json, strlen(bad[i].json), r, &err);

		if (n != -EBADMSG || !strstr(err.message, bad[i].message)) {
			print_error("case %zu '%s': got %d '%s', want '%s'\n", i, bad[i].json, n,
				    err.message, bad[i].message);
			fail();
		}
	}
}

static void test_too_many_ranges(void **state)
{
	struct ack_range r[ACK_RANGES_MAX];
	char json[8192];
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(json + n, sizeof(json) - n, "{\"seqs\":[");
	for (int i = 0; i <= ACK_RANGES_MAX; i++)
		n += (size_t)snprintf(json + n, sizeof(json) - n, "%s[%d,%d]", i ? "," : "",
				      2 * i + 1, 2 * i + 1);
	n += (size_t)snprintf(json + n, sizeof(json) - n, "]}");
	assert_int_equal(ack_from_json(json, n, r, NULL), -EBADMSG);
}

static void test_encode(void **state)
{
	struct ack_range r[2] = { { 1, 5 }, { 9007199254740990ULL, 9007199254740991ULL } };
	char *json = NULL;

	(void)state;
	assert_int_equal(ack_to_json(r, 2, &json), 0);
	assert_string_equal(json, "{\"seqs\":[[1,5],[9007199254740990,9007199254740991]]}");
	free(json);
	r[0].from = 6;
	assert_int_equal(ack_to_json(r, 2, &json), -EINVAL);
	r[0].from = 0;
	assert_int_equal(ack_to_json(r, 1, &json), -EINVAL);
}

static void test_ranges_from_seqs(void **state)
{
	uint64_t seqs[] = { 9, 3, 4, 1, 5, 4, 12, 10, 11 };
	struct ack_range r[4];
	size_t n;

	(void)state;
	n = ack_ranges_from_seqs(seqs, sizeof(seqs) / sizeof(seqs[0]), r, 4);
	assert_int_equal(n, 3);
	assert_true(r[0].from == 1 && r[0].to == 1);
	assert_true(r[1].from == 3 && r[1].to == 5);
	assert_true(r[2].from == 9 && r[2].to == 12);
	/* Room for one range: the rest wait for the next ack. */
	assert_int_equal(ack_ranges_from_seqs(seqs, sizeof(seqs) / sizeof(seqs[0]), r, 1), 1);
	assert_true(r[0].from == 1 && r[0].to == 1);
	assert_int_equal(ack_ranges_from_seqs(seqs, 0, r, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),           cmocka_unit_test(test_decode_bad),
		cmocka_unit_test(test_too_many_ranges),  cmocka_unit_test(test_encode),
		cmocka_unit_test(test_ranges_from_seqs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
