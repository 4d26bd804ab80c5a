// SPDX-License-Identifier: MIT
/*
 * The cross-process event codec (cloud/fanout.h): what one process encodes
 * the others decode to the same event, and every malformed message is refused
 * naming the member that is wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fanout.h"

static void test_round_trip(void **state)
{
	struct fanout_event ev;
	struct record_error err;
	char *text = NULL;

	(void)state;
	assert_int_equal(fanout_encode("bedlink-cloud-1-events", "alert",
				       "{\"id\":17,\"rule\":\"CALL\",\"severity\":\"P1\"}", 3, 1,
				       &text),
			 0);
	assert_int_equal(fanout_decode(text, strlen(text), &ev, &err), 0);
	assert_string_equal(ev.origin, "bedlink-cloud-1-events");
	assert_string_equal(ev.event, "alert");
	assert_int_equal(ev.team_id, 3);
	assert_int_equal(ev.institution_id, 1);
	assert_string_equal(ev.data, "{\"id\":17,\"rule\":\"CALL\",\"severity\":\"P1\"}");
	fanout_event_done(&ev);
	assert_null(ev.data);
	free(text);
}

static void test_encode_refuses(void **state)
{
	char *text = NULL;
	char big[RECORD_JSON_MAX + 64];

	(void)state;
	assert_int_equal(fanout_encode("o", "alert", "[1]", 1, 1, &text), -EINVAL);
	assert_int_equal(fanout_encode("o", "alert", "{", 1, 1, &text), -EINVAL);
	assert_int_equal(fanout_encode("o", "Alert", "{}", 1, 1, &text), -EINVAL);
	assert_int_equal(fanout_encode("o", "al\nert", "{}", 1, 1, &text), -EINVAL);
	assert_int_equal(fanout_encode("o", "", "{}", 1, 1, &text), -EINVAL);
	assert_int_equal(fanout_encode("", "alert", "{}", 1, 1, &text), -EINVAL);
	assert_int_equal(fanout_encode("o", "alert", "{}", -1, 1, &text), -EINVAL);
	memset(big, 'a', sizeof(big));
	memcpy(big, "{\"m\":\"", 6);
	memcpy(big + sizeof(big) - 3, "\"}", 3);
	assert_int_equal(fanout_encode("o", "alert", big, 1, 1, &text), -EMSGSIZE);
	assert_null(text);
}

static void test_decode_refuses(void **state)
{
	static const struct {
		const char *json, *field;
	} rows[] = {
		{ "{\"v\":2,\"origin\":\"o\",\"event\":\"alert\",\"team\":1,\"institution\":1,"
		  "\"data\":{}}",
		  "v" },
		{ "{\"v\":1,\"event\":\"alert\",\"team\":1,\"institution\":1,\"data\":{}}",
		  "origin" },
		{ "{\"v\":1,\"origin\":\"o\",\"event\":\"al ert\",\"team\":1,\"institution\":1,"
		  "\"data\":{}}",
		  "event" },
		{ "{\"v\":1,\"origin\":\"\",\"event\":\"alert\",\"team\":1,\"institution\":1,"
		  "\"data\":{}}",
		  "origin" },
		{ "{\"v\":1,\"origin\":\"o\",\"event\":\"alert\",\"team\":-1,\"institution\":1,"
		  "\"data\":{}}",
		  "team" },
		{ "{\"v\":1,\"origin\":\"o\",\"event\":\"alert\",\"team\":1.5,\"institution\":1,"
		  "\"data\":{}}",
		  "team" },
		{ "{\"v\":1,\"origin\":\"o\",\"event\":\"alert\",\"team\":1,\"institution\":1,"
		  "\"data\":[]}",
		  "data" },
		{ "{\"v\":1,\"origin\":\"o\",\"event\":\"alert\",\"team\":1,\"institution\":1,"
		  "\"data\":{},\"x\":1}",
		  "x" },
		{ "{\"v\":1,\"origin\":\"o\",\"event\":\"alert\",\"team\":1,\"institution\":\"1\","
		  "\"data\":{}}",
		  "institution" },
	};
	struct fanout_event ev;
	struct record_error err;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		int r = fanout_decode(rows[i].json, strlen(rows[i].json), &ev, &err);

		if (r != -EBADMSG || strcmp(err.field, rows[i].field) != 0)
			fail_msg("row %zu: %d, field '%s' (%s), wanted -EBADMSG naming '%s'", i, r,
				 err.field, err.message, rows[i].field);
		assert_null(ev.data);
	}
	assert_int_equal(fanout_decode("[]", 2, &ev, &err), -EBADMSG);
	assert_int_equal(fanout_decode("{\"v\":1", 6, &ev, &err), -EBADMSG);
	assert_int_equal(fanout_decode("", 0, &ev, &err), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_decode_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
