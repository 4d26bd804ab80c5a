/* SPDX-License-Identifier: MIT */
/*
 * Record Access Control Point 2A52 (Glucose, Pulse Oximeter storage). The
 * gateway builds requests (report all, report sequence >= N, count, abort)
 * and parses the server's responses strictly: only op codes 0x05 (number of
 * stored records) and 0x06 (response code), operator 0x00, four octets.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gatt-value.h"

enum racp_opcode {
	RACP_OP_REPORT = 0x01,
	RACP_OP_DELETE = 0x02,
	RACP_OP_ABORT = 0x03,
	RACP_OP_REPORT_COUNT = 0x04,
	RACP_OP_COUNT_RESPONSE = 0x05,
	RACP_OP_RESPONSE_CODE = 0x06,
};

enum racp_operator {
	RACP_OPERATOR_NULL = 0x00,
	RACP_OPERATOR_ALL = 0x01,
	RACP_OPERATOR_LE = 0x02,
	RACP_OPERATOR_GE = 0x03,
	RACP_OPERATOR_RANGE = 0x04,
	RACP_OPERATOR_FIRST = 0x05,
	RACP_OPERATOR_LAST = 0x06,
};

#define RACP_FILTER_SEQUENCE_NUMBER  0x01
#define RACP_FILTER_USER_FACING_TIME 0x02

enum racp_response_code {
	RACP_RESPONSE_SUCCESS = 0x01,
	RACP_RESPONSE_OPCODE_NOT_SUPPORTED = 0x02,
	RACP_RESPONSE_INVALID_OPERATOR = 0x03,
	RACP_RESPONSE_OPERATOR_NOT_SUPPORTED = 0x04,
	RACP_RESPONSE_INVALID_OPERAND = 0x05,
	RACP_RESPONSE_NO_RECORDS = 0x06,
	RACP_RESPONSE_ABORT_UNSUCCESSFUL = 0x07,
	RACP_RESPONSE_NOT_COMPLETED = 0x08,
	RACP_RESPONSE_OPERAND_NOT_SUPPORTED = 0x09,
};

/* The longest request built here: op, operator, filter type, two uint16. */
#define RACP_REQUEST_MAX 7

/*
 * Request builders. Each writes at most RACP_REQUEST_MAX octets into @buf
 * (which holds @size) and returns the length written, or -ENOBUFS.
 */
int racp_build_report_all(uint8_t *buf, size_t size);
int racp_build_report_from(uint16_t first_seq, uint8_t *buf, size_t size); /* seq >= first_seq */
int racp_build_report_range(uint16_t from, uint16_t to, uint8_t *buf, size_t size);
int racp_build_count_all(uint8_t *buf, size_t size);
int racp_build_count_from(uint16_t first_seq, uint8_t *buf, size_t size);
int racp_build_abort(uint8_t *buf, size_t size);

struct racp_response {
	uint8_t opcode; /* RACP_OP_COUNT_RESPONSE or RACP_OP_RESPONSE_CODE */
	uint8_t operator;
	uint16_t count;         /* for RACP_OP_COUNT_RESPONSE */
	uint8_t request_opcode; /* for RACP_OP_RESPONSE_CODE */
	uint8_t response_code;  /* for RACP_OP_RESPONSE_CODE */
};

/* Parses an indication from the server. Returns 0 or -EBADMSG with @err set. */
int racp_response_parse(const uint8_t *buf, size_t len, struct racp_response *ret,
			struct gatt_error *err);

/*
 * True when the response ends a procedure well: "success", or "no records
 * found" (the normal answer to a report when nothing is new).
 */
bool racp_response_is_success(const struct racp_response *r);

/* "success", "no records found", ...; NULL for reserved codes. */
const char *racp_response_code_to_string(uint8_t code);

/* "report stored records", ...; NULL for unknown op codes. */
const char *racp_opcode_to_string(uint8_t opcode);
