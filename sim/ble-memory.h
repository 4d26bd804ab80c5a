/* SPDX-License-Identifier: MIT */
/*
 * A virtual device's memory and its Record Access Control Point answers.
 * The memory keeps what a device holds while nobody listens (a blood-pressure
 * monitor's backlog, a glucose meter's numbered records) as a bounded FIFO
 * that drops the oldest record when full, as real meters do. The RACP part
 * turns a write to 2A52 into what the meter does about it. Pure: no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble-encode.h"

#define SIM_MEMORY_MAX  1000 /* records a device keeps */
#define SIM_CONTEXT_MAX 17   /* the longest 2A34 */

struct sim_record {
	uint16_t uuid; /* the characteristic it goes out on: 2A35, 2A18, 2A5E, ... */
	uint16_t seq;  /* glucose sequence number */
	uint8_t len;
	uint8_t ctx_len; /* a 2A34 that follows the 2A18, or 0 */
	uint8_t value[SIM_VALUE_MAX];
	uint8_t ctx[SIM_CONTEXT_MAX];
};

struct sim_memory;

int sim_memory_new(struct sim_memory **ret);
struct sim_memory *sim_memory_free(struct sim_memory *m);

/* Appends a copy of @r. When the memory is full the oldest record goes: returns 1, else 0. */
int sim_memory_push(struct sim_memory *m, const struct sim_record *r);

size_t sim_memory_count(const struct sim_memory *m);

/* The record at @i, 0 being the oldest; NULL past the end. Valid until the next change. */
const struct sim_record *sim_memory_get(const struct sim_memory *m, size_t i);

/* Removes the record at @i (out of range: nothing). */
void sim_memory_remove(struct sim_memory *m, size_t i);

/* The index of the oldest record going out on @uuid, or -ENOENT. */
int sim_memory_find_uuid(const struct sim_memory *m, uint16_t uuid);

/* ---- Record Access Control Point (server side) ---- */

enum sim_racp_action {
	SIM_RACP_REPORT, /* send the selected records, then a response code */
	SIM_RACP_DELETE,
	SIM_RACP_COUNT,
	SIM_RACP_ABORT,
	SIM_RACP_REJECT, /* send response_code for opcode, nothing else */
};

struct sim_racp_request {
	enum sim_racp_action action;
	uint8_t opcode;
	uint8_t operator;
	uint16_t min, max;     /* inclusive sequence-number bounds for <=, >=, range */
	uint8_t response_code; /* for SIM_RACP_REJECT */
};

/*
 * Reads a write to 2A52. Malformed requests become SIM_RACP_REJECT with the
 * GLS response code (op code not supported, invalid operator, invalid
 * operand, operand not supported). Returns 0, or -EMSGSIZE for an empty
 * write, which a meter refuses at the ATT level (Invalid Attribute Value Length).
 */
int sim_racp_parse(const uint8_t *buf, size_t len, struct sim_racp_request *ret);

/* Whether @r selects the record at @index of @count (oldest first) whose number is @seq. */
bool sim_racp_selects(const struct sim_racp_request *r, uint16_t seq, size_t index, size_t count);

/* The four octets of a response code indication: 06 00 <opcode> <code>. */
void sim_racp_response(uint8_t opcode, uint8_t code, uint8_t out[4]);

/* The four octets of a number-of-records indication: 05 00 <n LE16>. */
void sim_racp_count(uint16_t n, uint8_t out[4]);
