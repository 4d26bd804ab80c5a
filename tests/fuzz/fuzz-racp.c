// SPDX-License-Identifier: MIT
/*
 * Record Access Control Point 2A52 under libFuzzer. The input is a server
 * indication: a parse that succeeds must be a count (0x05) or response code
 * (0x06), operator 0, exactly four octets. The input also feeds the request
 * builders, whose output must fit the given buffer and never parse as a
 * response.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "racp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_response(const uint8_t *data, size_t size)
{
	struct racp_response resp;
	struct gatt_error err = { .message = "" };
	const char *text;

	(void)racp_opcode_to_string(size > 0 ? data[0] : 0);
	if (racp_response_parse(data, size, &resp, &err) < 0) {
		require(err.message[0] != '\0');
		return;
	}
	require(resp.opcode == RACP_OP_COUNT_RESPONSE || resp.opcode == RACP_OP_RESPONSE_CODE);
	require(resp.operator== RACP_OPERATOR_NULL);
	require(size == 4 && resp.opcode == data[0] && data[1] == 0);
	if (resp.opcode == RACP_OP_COUNT_RESPONSE) {
		require(resp.count == (data[2] | data[3] << 8));
		require(!racp_response_is_success(&resp));
		return;
	}
	require(resp.request_opcode == data[2] && resp.response_code == data[3]);
	text = racp_response_code_to_string(resp.response_code);
	require((text != NULL) == (resp.response_code >= RACP_RESPONSE_SUCCESS &&
				   resp.response_code <= RACP_RESPONSE_OPERAND_NOT_SUPPORTED));
	require(racp_response_is_success(&resp) ==
		(resp.response_code == RACP_RESPONSE_SUCCESS ||
		 resp.response_code == RACP_RESPONSE_NO_RECORDS));
}

/* A request is written whole or not at all, and is never mistaken for a response. */
static void check_request(int n, size_t size, const uint8_t *buf)
{
	struct racp_response resp;

	if (n < 0) {
		require(n == -ENOBUFS);
		return;
	}
	require(n >= 2 && (size_t)n <= size && n <= RACP_REQUEST_MAX);
	require(racp_response_parse(buf, (size_t)n, &resp, NULL) < 0);
}

static void check_requests(const uint8_t *data, size_t size)
{
	uint8_t buf[RACP_REQUEST_MAX];
	size_t cap = size % (RACP_REQUEST_MAX + 1);
	uint16_t a = size >= 2 ? (uint16_t)(data[0] | data[1] << 8) : 0;
	uint16_t b = size >= 4 ? (uint16_t)(data[2] | data[3] << 8) : 0;

	check_request(racp_build_report_all(buf, cap), cap, buf);
	check_request(racp_build_report_from(a, buf, cap), cap, buf);
	check_request(racp_build_report_range(a, b, buf, cap), cap, buf);
	check_request(racp_build_count_all(buf, cap), cap, buf);
	check_request(racp_build_count_from(b, buf, cap), cap, buf);
	check_request(racp_build_abort(buf, cap), cap, buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_response(data, size);
	check_requests(data, size);
	return 0;
}
