/* SPDX-License-Identifier: MIT */
/*
 * The Modbus simulator's scenario language, the same line shape as the BLE
 * simulator's: "[<seconds>] <target> <kind> args...", '#' starts a comment.
 * The target is a unit id (0..255) or '*' for every unit the simulator
 * serves. The parser is pure (no I/O, no clock) and checks each line against
 * the device profile, so every accepted line can be carried out: names exist
 * and numbers fit their registers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modbus-profile.h"

#define MODBUS_SCENARIO_LINE_MAX   1024
#define MODBUS_SCENARIO_TOKENS_MAX 24
#define MODBUS_SCENARIO_RAW_MAX    16 /* registers or bits one raw line writes */
#define MODBUS_SCENARIO_TIME_MAX_S (31 * 24 * 3600)
#define MODBUS_SCENARIO_ALL        (-1) /* target '*' */

enum modbus_scenario_kind {
	MODBUS_SCENARIO_SET,       /* values by name, in canonical units */
	MODBUS_SCENARIO_RAW,       /* registers or bits as they are */
	MODBUS_SCENARIO_STALL,     /* stop answering for a while */
	MODBUS_SCENARIO_DROP,      /* close the TCP connections */
	MODBUS_SCENARIO_EXCEPTION, /* answer with a Modbus exception */
	_MODBUS_SCENARIO_KIND_MAX,
};

struct modbus_scenario_set {
	size_t n;
	struct {
		size_t value; /* index into the profile's values */
		bool absent;  /* write the value's "absent" marker */
		double number;
	} items[MODBUS_PROFILE_VALUES_MAX];
};

struct modbus_scenario_raw {
	enum modbus_function function;
	uint16_t address;
	size_t n;
	uint16_t words[MODBUS_SCENARIO_RAW_MAX];
};

struct modbus_scenario_event {
	unsigned line;
	bool has_time;
	uint64_t at_ms;
	int target; /* unit id, or MODBUS_SCENARIO_ALL */
	enum modbus_scenario_kind kind;
	union {
		struct modbus_scenario_set set;
		struct modbus_scenario_raw raw;
		struct {
			uint32_t ms;
			bool late; /* answer the requests held meanwhile when it ends */
		} stall;
		uint32_t drop_ms; /* also refuse connections this long; 0 = only close */
		struct {
			uint8_t code; /* 0 = answer normally again */
			uint32_t
				count; /* answer this many requests so; 0 = until "exception off" */
		} exception;
	} u;
};

struct modbus_scenario_error {
	char message[200]; /* "line 7: set: unknown value 'rr'" */
};

/*
 * Parses one line (@len bytes, no NUL needed; a trailing "\n" or "\r\n" is
 * ignored) against @profile. @lineno is for messages only. Returns 1 with
 * @ret filled, 0 for a blank or comment line, or -EINVAL with @err (may be
 * NULL) naming the line, the kind and what is wrong.
 */
int modbus_scenario_parse_line(const char *line, size_t len, unsigned lineno,
			       const struct modbus_profile *profile,
			       struct modbus_scenario_event *ret,
			       struct modbus_scenario_error *err);

/* "set", "raw", "stall", "drop", "exception"; NULL when out of range. */
const char *modbus_scenario_kind_to_string(enum modbus_scenario_kind k);

/*
 * The registers (or bits) of @function that the simulator serves for
 * @profile: from the lowest mapped address to the highest. *@count is 0 when
 * the profile maps nothing there.
 */
void modbus_scenario_span(const struct modbus_profile *profile, enum modbus_function function,
			  uint16_t *start, uint32_t *count);
