// SPDX-License-Identifier: MIT
/*
 * Record Access Control Point 2A52: the exact request octets the gateway
 * writes, and the strict parsing of the server's responses (op codes 0x05 and
 * 0x06 only, operator 0x00, exactly four octets).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "racp.h"

/* Checks a builder's output against @expect, then that every smaller buffer gives -ENOBUFS. */
static void check_request(int (*build)(uint8_t *buf, size_t size), const uint8_t *expect,
			  size_t len)
{
	uint8_t buf[RACP_REQUEST_MAX + 4];

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(build(buf, sizeof(buf)), (int)len);
	assert_memory_equal(buf, expect, len);
	assert_int_equal(buf[len], 0xee); /* nothing written past the request */

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(build(buf, len), (int)len);
	assert_memory_equal(buf, expect, len);

	for (size_t size = 0; size < len; size++) {
		memset(buf, 0xee, sizeof(buf));
		assert_int_equal(build(buf, size), -ENOBUFS);
		for (size_t i = 0; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0xee);
	}
	assert_true(len <= RACP_REQUEST_MAX);
}

static int report_from_2(uint8_t *buf, size_t size)
{
	return racp_build_report_from(2, buf, size);
}

static int report_from_0x1234(uint8_t *buf, size_t size)
{
	return racp_build_report_from(0x1234, buf, size);
}

static int report_range_3_0x0102(uint8_t *buf, size_t size)
{
	return racp_build_report_range(3, 0x0102, buf, size);
}

static int count_from_0xabcd(uint8_t *buf, size_t size)
{
	return racp_build_count_from(0xabcd, buf, size);
}

static int count_from_1(uint8_t *buf, size_t size)
{
	return racp_build_count_from(1, buf, size);
}

static void test_build_report_all(void **state)
{
	(void)state;
	/* 01: report stored records; 01: all records */
	const uint8_t expect[] = { 0x01, 0x01 };

	check_request(racp_build_report_all, expect, sizeof(expect));
}

static void test_build_report_from(void **state)
{
	(void)state;
	/* 01: report; 03: >=; 01: filter sequence number; 02 00: N = 2 */
	const uint8_t two[] = { 0x01, 0x03, 0x01, 0x02, 0x00 };
	/* 01: report; 03: >=; 01: sequence number; 34 12: N = 0x1234, little-endian */
	const uint8_t big[] = { 0x01, 0x03, 0x01, 0x34, 0x12 };

	check_request(report_from_2, two, sizeof(two));
	check_request(report_from_0x1234, big, sizeof(big));
}

static void test_build_report_range(void **state)
{
	(void)state;
	/* 01: report; 04: within range; 01: sequence number; 03 00: from 3; 02 01: to 0x0102 */
	const uint8_t expect[] = { 0x01, 0x04, 0x01, 0x03, 0x00, 0x02, 0x01 };

	check_request(report_range_3_0x0102, expect, sizeof(expect));
}

static void test_build_count_all(void **state)
{
	(void)state;
	/* 04: report number of stored records; 01: all records */
	const uint8_t expect[] = { 0x04, 0x01 };

	check_request(racp_build_count_all, expect, sizeof(expect));
}

static void test_build_count_from(void **state)
{
	(void)state;
	/* 04: report number; 03: >=; 01: sequence number; 01 00: N = 1 */
	const uint8_t one[] = { 0x04, 0x03, 0x01, 0x01, 0x00 };
	/* 04: report number; 03: >=; 01: sequence number; cd ab: N = 0xabcd */
	const uint8_t big[] = { 0x04, 0x03, 0x01, 0xcd, 0xab };

	check_request(count_from_1, one, sizeof(one));
	check_request(count_from_0xabcd, big, sizeof(big));
}

static void test_build_abort(void **state)
{
	(void)state;
	/* 03: abort operation; 00: null operator */
	const uint8_t expect[] = { 0x03, 0x00 };

	check_request(racp_build_abort, expect, sizeof(expect));
}

static void test_response_success(void **state)
{
	(void)state;
	/* 06: response code; 00: null operator; 01: to "report stored records"; 01: success */
	const uint8_t v[] = { 0x06, 0x00, 0x01, 0x01 };
	struct racp_response r;
	struct gatt_error err;

	assert_int_equal(racp_response_parse(v, sizeof(v), &r, &err), 0);
	assert_int_equal(r.opcode, RACP_OP_RESPONSE_CODE);
	assert_int_equal(r.operator, RACP_OPERATOR_NULL);
	assert_int_equal(r.request_opcode, RACP_OP_REPORT);
	assert_int_equal(r.response_code, RACP_RESPONSE_SUCCESS);
	assert_true(racp_response_is_success(&r));
}

static void test_response_no_records(void **state)
{
	(void)state;
	/* 06: response code; 00; 01: to "report"; 06: no records found */
	const uint8_t v[] = { 0x06, 0x00, 0x01, 0x06 };
	struct racp_response r;

	assert_int_equal(racp_response_parse(v, sizeof(v), &r, NULL), 0);
	assert_int_equal(r.opcode, RACP_OP_RESPONSE_CODE);
	assert_int_equal(r.request_opcode, RACP_OP_REPORT);
	assert_int_equal(r.response_code, RACP_RESPONSE_NO_RECORDS);
	assert_true(racp_response_is_success(&r));
}

static void test_response_abort_ok(void **state)
{
	(void)state;
	/* 06: response code; 00; 03: to "abort"; 01: success */
	const uint8_t v[] = { 0x06, 0x00, 0x03, 0x01 };
	struct racp_response r;

	assert_int_equal(racp_response_parse(v, sizeof(v), &r, NULL), 0);
	assert_int_equal(r.request_opcode, RACP_OP_ABORT);
	assert_int_equal(r.response_code, RACP_RESPONSE_SUCCESS);
	assert_true(racp_response_is_success(&r));
}

/* Every other response code parses, and is not a success. */
static void test_response_failures(void **state)
{
	(void)state;
	for (unsigned code = 0; code <= 0xff; code++) {
		/* 06: response code; 00; 04: to "report number"; code */
		const uint8_t v[] = { 0x06, 0x00, 0x04, (uint8_t)code };
		struct racp_response r;

		assert_int_equal(racp_response_parse(v, sizeof(v), &r, NULL), 0);
		assert_int_equal(r.request_opcode, RACP_OP_REPORT_COUNT);
		assert_int_equal(r.response_code, code);
		assert_int_equal(racp_response_is_success(&r),
				 code == RACP_RESPONSE_SUCCESS || code == RACP_RESPONSE_NO_RECORDS);
	}
}

static void test_response_count(void **state)
{
	(void)state;
	/* 05: number of stored records; 00; 2a 00: 42 */
	const uint8_t v42[] = { 0x05, 0x00, 0x2a, 0x00 };
	/* 05; 00; 34 12: 0x1234, little-endian */
	const uint8_t v1234[] = { 0x05, 0x00, 0x34, 0x12 };
	/* 05; 00; 00 00: none */
	const uint8_t v0[] = { 0x05, 0x00, 0x00, 0x00 };
	struct racp_response r;

	assert_int_equal(racp_response_parse(v42, sizeof(v42), &r, NULL), 0);
	assert_int_equal(r.opcode, RACP_OP_COUNT_RESPONSE);
	assert_int_equal(r.operator, RACP_OPERATOR_NULL);
	assert_int_equal(r.count, 42);
	/* A count ends the count procedure but is not a response code. */
	assert_false(racp_response_is_success(&r));

	assert_int_equal(racp_response_parse(v1234, sizeof(v1234), &r, NULL), 0);
	assert_int_equal(r.count, 0x1234);
	assert_int_equal(racp_response_parse(v0, sizeof(v0), &r, NULL), 0);
	assert_int_equal(r.count, 0);
}

/* Rejects @v, leaving @ret untouched, with a message that contains @needle. */
static void check_rejected(const uint8_t *v, size_t len, const char *needle)
{
	struct racp_response r = { .opcode = 0x77, .count = 0x7777 };
	struct gatt_error err = { { 0 } };

	assert_int_equal(racp_response_parse(v, len, &r, &err), -EBADMSG);
	assert_non_null(strstr(err.message, "2A52"));
	if (!strstr(err.message, needle))
		fail_msg("message '%s' does not contain '%s'", err.message, needle);
	assert_int_equal(r.opcode, 0x77);
	assert_int_equal(r.count, 0x7777);
	assert_int_equal(racp_response_parse(v, len, &r, NULL), -EBADMSG);
}

static void test_response_rejects_requests(void **state)
{
	(void)state;
	/* report all, as the gateway writes it */
	const uint8_t report_all[] = { 0x01, 0x01 };
	/* report seq >= 2 */
	const uint8_t report_from[] = { 0x01, 0x03, 0x01, 0x02, 0x00 };
	/* delete all */
	const uint8_t delete_all[] = { 0x02, 0x01 };
	/* abort, 4 octets long to show length is not what rejects it */
	const uint8_t abort_req[] = { 0x03, 0x00, 0x00, 0x00 };
	/* count all */
	const uint8_t count_all[] = { 0x04, 0x01 };

	check_rejected(report_all, sizeof(report_all), "request");
	check_rejected(report_from, sizeof(report_from), "request");
	check_rejected(delete_all, sizeof(delete_all), "request");
	check_rejected(abort_req, sizeof(abort_req), "request");
	check_rejected(count_all, sizeof(count_all), "request");
	check_rejected(report_all, sizeof(report_all), "report stored records");
}

static void test_response_rejects_lengths(void **state)
{
	(void)state;
	/* 06 00 01: response code without its value */
	const uint8_t code3[] = { 0x06, 0x00, 0x01 };
	/* 06 00 01 01 00: one octet too many */
	const uint8_t code5[] = { 0x06, 0x00, 0x01, 0x01, 0x00 };
	/* 05 00 01: a one-octet count, accepted by Nordic, not by the GLS layout */
	const uint8_t count3[] = { 0x05, 0x00, 0x01 };
	/* 05 00 04 03 02: a three-octet count */
	const uint8_t count5[] = { 0x05, 0x00, 0x04, 0x03, 0x02 };
	/* 05 00 04 03 02 01: a four-octet count */
	const uint8_t count6[] = { 0x05, 0x00, 0x04, 0x03, 0x02, 0x01 };
	/* 06: op code only */
	const uint8_t code1[] = { 0x06 };
	/* 05 00 */
	const uint8_t count2[] = { 0x05, 0x00 };

	check_rejected(code3, sizeof(code3), "got 3");
	check_rejected(code5, sizeof(code5), "got 5");
	check_rejected(count3, sizeof(count3), "got 3");
	check_rejected(count5, sizeof(count5), "got 5");
	check_rejected(count6, sizeof(count6), "got 6");
	check_rejected(code1, sizeof(code1), "got 1");
	check_rejected(count2, sizeof(count2), "got 2");
}

static void test_response_rejects_operator(void **state)
{
	(void)state;
	for (unsigned op = 1; op <= 0xff; op++) {
		/* 06; non-zero operator; 01; 01 */
		const uint8_t code[] = { 0x06, (uint8_t)op, 0x01, 0x01 };
		/* 05; non-zero operator; 2a 00 */
		const uint8_t count[] = { 0x05, (uint8_t)op, 0x2a, 0x00 };

		check_rejected(code, sizeof(code), "operator");
		check_rejected(count, sizeof(count), "operator");
	}
}

static void test_response_rejects_unknown_and_empty(void **state)
{
	(void)state;
	const uint8_t any[] = { 0x00 };

	for (unsigned op = 0; op <= 0xff; op++) {
		/* op code; 00; 01; 01 */
		const uint8_t v[] = { (uint8_t)op, 0x00, 0x01, 0x01 };

		if (op >= RACP_OP_REPORT && op <= RACP_OP_RESPONSE_CODE)
			continue;
		check_rejected(v, sizeof(v), "unknown op code");
	}
	check_rejected(any, 0, "empty");
	check_rejected(NULL, 0, "empty");
}

static void test_response_code_to_string(void **state)
{
	(void)state;
	const char *const names[] = {
		[0x01] = "success",
		[0x02] = "op code not supported",
		[0x03] = "invalid operator",
		[0x04] = "operator not supported",
		[0x05] = "invalid operand",
		[0x06] = "no records found",
		[0x07] = "abort unsuccessful",
		[0x08] = "procedure not completed",
		[0x09] = "operand not supported",
	};

	for (unsigned code = 0; code <= 0xff; code++) {
		const char *s = racp_response_code_to_string((uint8_t)code);

		if (code >= 1 && code <= 9)
			assert_string_equal(s, names[code]);
		else
			assert_null(s);
	}
}

static void test_opcode_to_string(void **state)
{
	(void)state;
	assert_string_equal(racp_opcode_to_string(RACP_OP_REPORT), "report stored records");
	assert_string_equal(racp_opcode_to_string(RACP_OP_DELETE), "delete stored records");
	assert_string_equal(racp_opcode_to_string(RACP_OP_ABORT), "abort operation");
	assert_string_equal(racp_opcode_to_string(RACP_OP_REPORT_COUNT),
			    "report number of stored records");
	assert_string_equal(racp_opcode_to_string(RACP_OP_COUNT_RESPONSE),
			    "number of stored records response");
	assert_string_equal(racp_opcode_to_string(RACP_OP_RESPONSE_CODE), "response code");
	assert_null(racp_opcode_to_string(0x00));
	assert_null(racp_opcode_to_string(0x07));
	assert_null(racp_opcode_to_string(0xff));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_report_all),
		cmocka_unit_test(test_build_report_from),
		cmocka_unit_test(test_build_report_range),
		cmocka_unit_test(test_build_count_all),
		cmocka_unit_test(test_build_count_from),
		cmocka_unit_test(test_build_abort),
		cmocka_unit_test(test_response_success),
		cmocka_unit_test(test_response_no_records),
		cmocka_unit_test(test_response_abort_ok),
		cmocka_unit_test(test_response_failures),
		cmocka_unit_test(test_response_count),
		cmocka_unit_test(test_response_rejects_requests),
		cmocka_unit_test(test_response_rejects_lengths),
		cmocka_unit_test(test_response_rejects_operator),
		cmocka_unit_test(test_response_rejects_unknown_and_empty),
		cmocka_unit_test(test_response_code_to_string),
		cmocka_unit_test(test_opcode_to_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
