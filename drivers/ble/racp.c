// SPDX-License-Identifier: MIT
/*
 * RACP request encoding and strict response parsing. Sequence-number filters
 * use filter type 0x01 with little-endian uint16 operands.
 */
#include <errno.h>

#include "racp.h"

static int put(uint8_t *buf, size_t size, const uint8_t *req, size_t len)
{
	if (size < len)
		return -ENOBUFS;
	for (size_t i = 0; i < len; i++)
		buf[i] = req[i];
	return (int)len;
}

int racp_build_report_all(uint8_t *buf, size_t size)
{
	const uint8_t req[] = { RACP_OP_REPORT, RACP_OPERATOR_ALL };

	return put(buf, size, req, sizeof(req));
}

int racp_build_report_from(uint16_t first_seq, uint8_t *buf, size_t size)
{
	uint8_t req[] = { RACP_OP_REPORT, RACP_OPERATOR_GE, RACP_FILTER_SEQUENCE_NUMBER, 0, 0 };

	put_le16(req + 3, first_seq);
	return put(buf, size, req, sizeof(req));
}

int racp_build_report_range(uint16_t from, uint16_t to, uint8_t *buf, size_t size)
{
	uint8_t req[] = {
		RACP_OP_REPORT, RACP_OPERATOR_RANGE, RACP_FILTER_SEQUENCE_NUMBER, 0, 0, 0, 0
	};

	put_le16(req + 3, from);
	put_le16(req + 5, to);
	return put(buf, size, req, sizeof(req));
}

int racp_build_count_all(uint8_t *buf, size_t size)
{
	const uint8_t req[] = { RACP_OP_REPORT_COUNT, RACP_OPERATOR_ALL };

	return put(buf, size, req, sizeof(req));
}

int racp_build_count_from(uint16_t first_seq, uint8_t *buf, size_t size)
{
	uint8_t req[] = { RACP_OP_REPORT_COUNT, RACP_OPERATOR_GE, RACP_FILTER_SEQUENCE_NUMBER, 0,
			  0 };

	put_le16(req + 3, first_seq);
	return put(buf, size, req, sizeof(req));
}

int racp_build_abort(uint8_t *buf, size_t size)
{
	const uint8_t req[] = { RACP_OP_ABORT, RACP_OPERATOR_NULL };

	return put(buf, size, req, sizeof(req));
}

const char *racp_opcode_to_string(uint8_t opcode)
{
	static const char *const names[] = {
		[RACP_OP_REPORT] = "report stored records",
		[RACP_OP_DELETE] = "delete stored records",
		[RACP_OP_ABORT] = "abort operation",
		[RACP_OP_REPORT_COUNT] = "report number of stored records",
		[RACP_OP_COUNT_RESPONSE] = "number of stored records response",
		[RACP_OP_RESPONSE_CODE] = "response code",
	};

	return opcode < ELEMENTSOF(names) ? names[opcode] : NULL;
}

const char *racp_response_code_to_string(uint8_t code)
{
	static const char *const names[] = {
		[RACP_RESPONSE_SUCCESS] = "success",
		[RACP_RESPONSE_OPCODE_NOT_SUPPORTED] = "op code not supported",
		[RACP_RESPONSE_INVALID_OPERATOR] = "invalid operator",
		[RACP_RESPONSE_OPERATOR_NOT_SUPPORTED] = "operator not supported",
		[RACP_RESPONSE_INVALID_OPERAND] = "invalid operand",
		[RACP_RESPONSE_NO_RECORDS] = "no records found",
		[RACP_RESPONSE_ABORT_UNSUCCESSFUL] = "abort unsuccessful",
		[RACP_RESPONSE_NOT_COMPLETED] = "procedure not completed",
		[RACP_RESPONSE_OPERAND_NOT_SUPPORTED] = "operand not supported",
	};

	return code < ELEMENTSOF(names) ? names[code] : NULL;
}

int racp_response_parse(const uint8_t *buf, size_t len, struct racp_response *ret,
			struct gatt_error *err)
{
	struct racp_response r = { 0 };

	if (len < 1)
		return gatt_error_set(err, "2A52: empty value");
	r.opcode = buf[0];
	if (r.opcode != RACP_OP_COUNT_RESPONSE && r.opcode != RACP_OP_RESPONSE_CODE) {
		const char *name = racp_opcode_to_string(r.opcode);

		if (name)
			return gatt_error_set(
				err, "2A52: op code 0x%02x (%s) is a request, not a response",
				r.opcode, name);
		return gatt_error_set(err, "2A52: unknown op code 0x%02x", r.opcode);
	}
	if (len != 4)
		return gatt_error_set(err, "2A52: op code 0x%02x needs exactly 4 octets, got %zu",
				      r.opcode, len);
	r.operator= buf[1];
	if (r.operator!= RACP_OPERATOR_NULL)
		return gatt_error_set(err, "2A52: operator 0x%02x in a response, expected 0x00",
				      r.operator);
	if (r.opcode == RACP_OP_COUNT_RESPONSE) {
		r.count = (uint16_t)get_le16(buf + 2);
	} else {
		r.request_opcode = buf[2];
		r.response_code = buf[3];
	}
	*ret = r;
	return 0;
}

bool racp_response_is_success(const struct racp_response *r)
{
	return r->opcode == RACP_OP_RESPONSE_CODE && (r->response_code == RACP_RESPONSE_SUCCESS ||
						      r->response_code == RACP_RESPONSE_NO_RECORDS);
}
