// SPDX-License-Identifier: MIT
/*
 * Device memory as a ring of records allocated on first use, and the RACP
 * request rules of the Glucose Service for the operators the gateway uses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ble-memory.h"
#include "macro.h"
#include "racp.h"

struct sim_memory {
	struct sim_record *records; /* SIM_MEMORY_MAX, allocated on the first push */
	size_t head, count;
};

int sim_memory_new(struct sim_memory **ret)
{
	struct sim_memory *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	*ret = m;
	return 0;
}

struct sim_memory *sim_memory_free(struct sim_memory *m)
{
	if (!m)
		return NULL;
	free(m->records);
	free(m);
	return NULL;
}

int sim_memory_push(struct sim_memory *m, const struct sim_record *r)
{
	int dropped = 0;

	if (!m->records) {
		m->records = calloc(SIM_MEMORY_MAX, sizeof(*m->records));
		if (!m->records)
			return -ENOMEM;
	}
	if (m->count == SIM_MEMORY_MAX) {
		m->head = (m->head + 1) % SIM_MEMORY_MAX;
		m->count--;
		dropped = 1;
	}
	m->records[(m->head + m->count) % SIM_MEMORY_MAX] = *r;
	m->count++;
	return dropped;
}

size_t sim_memory_count(const struct sim_memory *m)
{
	return m->count;
}

const struct sim_record *sim_memory_get(const struct sim_memory *m, size_t i)
{
	if (i >= m->count)
		return NULL;
	return &m->records[(m->head + i) % SIM_MEMORY_MAX];
}

void sim_memory_remove(struct sim_memory *m, size_t i)
{
	if (i >= m->count)
		return;
	/* Close the gap from the newer side; memory is small and this is rare. */
	for (size_t j = i; j + 1 < m->count; j++)
		m->records[(m->head + j) % SIM_MEMORY_MAX] =
			m->records[(m->head + j + 1) % SIM_MEMORY_MAX];
	m->count--;
}

int sim_memory_find_uuid(const struct sim_memory *m, uint16_t uuid)
{
	for (size_t i = 0; i < m->count; i++)
		if (sim_memory_get(m, i)->uuid == uuid)
			return (int)i;
	return -ENOENT;
}

static int reject(struct sim_racp_request *ret, uint8_t opcode, uint8_t code)
{
	*ret = (struct sim_racp_request){
		.action = SIM_RACP_REJECT,
		.opcode = opcode,
		.response_code = code,
	};
	return 0;
}

/* The operand of <=, >= and range: filter type 0x01 (sequence number) and one or two uint16. */
static int parse_filter(const uint8_t *operand, size_t len, size_t values,
			struct sim_racp_request *ret)
{
	if (len < 1)
		return reject(ret, ret->opcode, RACP_RESPONSE_INVALID_OPERAND);
	if (operand[0] != RACP_FILTER_SEQUENCE_NUMBER)
		/* User-facing time (0x02) and anything newer are not supported here. */
		return reject(ret, ret->opcode, RACP_RESPONSE_OPERAND_NOT_SUPPORTED);
	if (len != 1 + 2 * values)
		return reject(ret, ret->opcode, RACP_RESPONSE_INVALID_OPERAND);
	ret->min = (uint16_t)get_le16(operand + 1);
	ret->max = values == 2 ? (uint16_t)get_le16(operand + 3) : ret->min;
	if (ret->min > ret->max)
		return reject(ret, ret->opcode, RACP_RESPONSE_INVALID_OPERAND);
	return 0;
}

int sim_racp_parse(const uint8_t *buf, size_t len, struct sim_racp_request *ret)
{
	struct sim_racp_request r = { 0 };
	const uint8_t *operand = buf + 2;
	size_t operand_len = len > 2 ? len - 2 : 0;

	if (len == 0)
		return -EMSGSIZE;
	r.opcode = buf[0];
	switch (r.opcode) {
	case RACP_OP_REPORT:
		r.action = SIM_RACP_REPORT;
		break;
	case RACP_OP_DELETE:
		r.action = SIM_RACP_DELETE;
		break;
	case RACP_OP_REPORT_COUNT:
		r.action = SIM_RACP_COUNT;
		break;
	case RACP_OP_ABORT:
		r.action = SIM_RACP_ABORT;
		break;
	default:
		return reject(ret, r.opcode, RACP_RESPONSE_OPCODE_NOT_SUPPORTED);
	}
	if (len < 2)
		return reject(ret, r.opcode, RACP_RESPONSE_INVALID_OPERATOR);
	r.operator= buf[1];

	if (r.action == SIM_RACP_ABORT) {
		if (r.operator!= RACP_OPERATOR_NULL)
			return reject(ret, r.opcode, RACP_RESPONSE_INVALID_OPERATOR);
		if (operand_len)
			return reject(ret, r.opcode, RACP_RESPONSE_INVALID_OPERAND);
		*ret = r;
		return 0;
	}
	switch (r.operator) {
	case RACP_OPERATOR_ALL:
	case RACP_OPERATOR_FIRST:
	case RACP_OPERATOR_LAST:
		if (operand_len)
			return reject(ret, r.opcode, RACP_RESPONSE_INVALID_OPERAND);
		break;
	case RACP_OPERATOR_LE:
	case RACP_OPERATOR_GE:
	case RACP_OPERATOR_RANGE:
		*ret = r;
		return parse_filter(operand, operand_len, r.operator== RACP_OPERATOR_RANGE ? 2 : 1,
				    ret);
	default:
		return reject(ret, r.opcode, RACP_RESPONSE_INVALID_OPERATOR);
	}
	*ret = r;
	return 0;
}

bool sim_racp_selects(const struct sim_racp_request *r, uint16_t seq, size_t index, size_t count)
{
	switch (r->operator) {
	case RACP_OPERATOR_ALL:
		return true;
	case RACP_OPERATOR_LE:
		return seq <= r->max;
	case RACP_OPERATOR_GE:
		return seq >= r->min;
	case RACP_OPERATOR_RANGE:
		return seq >= r->min && seq <= r->max;
	case RACP_OPERATOR_FIRST:
		return index == 0;
	case RACP_OPERATOR_LAST:
		return count > 0 && index == count - 1;
	default:
		return false;
	}
}

void sim_racp_response(uint8_t opcode, uint8_t code, uint8_t out[4])
{
	out[0] = RACP_OP_RESPONSE_CODE;
	out[1] = RACP_OPERATOR_NULL;
	out[2] = opcode;
	out[3] = code;
}

void sim_racp_count(uint16_t n, uint8_t out[4])
{
	out[0] = RACP_OP_COUNT_RESPONSE;
	out[1] = RACP_OPERATOR_NULL;
	put_le16(out + 2, n);
}
