/* SPDX-License-Identifier: MIT */
/*
 * Modbus device profiles: an INI file per device model says which registers
 * (or coils) hold which reading value, how to turn them into a number in the
 * canonical unit, and what range is believable. Loading is strict: every
 * error names the file, the line, the section and the key. A loaded profile
 * is a plain struct with bounded arrays (copy it freely) and carries its read
 * plan: the few requests that fetch every mapped value.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "record.h"

/* One poll makes one reading, and a reading carries at most RECORD_VALUES_MAX values. */
#define MODBUS_PROFILE_VALUES_MAX RECORD_VALUES_MAX
#define MODBUS_PROFILE_BLOCKS_MAX MODBUS_PROFILE_VALUES_MAX
/* Registers (or bits) in one read request: the protocol allows 125 registers. */
#define MODBUS_BLOCK_MAX 125
/* Longest profile file accepted. */
#define MODBUS_PROFILE_FILE_MAX (64 * 1024)
#define MODBUS_PROFILE_TEXT_MAX 200

/* The read functions: function codes 01, 02, 03 and 04. */
enum modbus_function {
	MODBUS_FUNCTION_COIL,     /* 01 Read Coils: one bit each */
	MODBUS_FUNCTION_DISCRETE, /* 02 Read Discrete Inputs: one bit each */
	MODBUS_FUNCTION_HOLDING,  /* 03 Read Holding Registers: 16 bits each */
	MODBUS_FUNCTION_INPUT,    /* 04 Read Input Registers: 16 bits each */
	_MODBUS_FUNCTION_MAX,
};

enum modbus_type {
	MODBUS_TYPE_U16,
	MODBUS_TYPE_S16,
	MODBUS_TYPE_U32,
	MODBUS_TYPE_S32,
	MODBUS_TYPE_FLOAT32, /* IEEE 754 single precision */
	MODBUS_TYPE_BIT,     /* a coil, a discrete input, or one bit of a register */
	_MODBUS_TYPE_MAX,
};

/* Which register of a 32-bit value comes first. Bytes within a register are always big-endian. */
enum modbus_word_order {
	MODBUS_WORD_ORDER_BIG,    /* high word first ("ABCD"), as the Modbus spec orders bytes */
	MODBUS_WORD_ORDER_LITTLE, /* low word first ("CDAB") */
	_MODBUS_WORD_ORDER_MAX,
};

struct modbus_value {
	char name[RECORD_NAME_MAX + 1]; /* [value.NAME] */
	enum modbus_function function;
	uint16_t address; /* 0-based protocol (PDU) address of the first register or bit */
	enum modbus_type type;
	int bit; /* MODBUS_TYPE_BIT in a register: 0 (least significant)..15; else -1 */
	enum modbus_word_order word_order;
	double scale; /* canonical = raw * scale + offset */
	double offset;
	char unit[12];          /* the unit of the raw number, kept as raw_unit: "0.1C", "/min" */
	enum quantity quantity; /* what it measures */
	double min, max;        /* believable canonical values; outside is a bad value */
	bool has_absent;
	double absent; /* the raw number a device sends for "nothing measured now" */
};

/* One read request of the plan. */
struct modbus_block {
	enum modbus_function function;
	uint16_t address;
	uint16_t count; /* registers or bits, 1..MODBUS_BLOCK_MAX */
};

struct modbus_profile {
	char name[RECORD_NAME_MAX + 1];
	char description[MODBUS_PROFILE_TEXT_MAX + 1];
	char vendor[RECORD_NAME_MAX + 1]; /* "" when not given */
	char model[RECORD_NAME_MAX + 1];  /* "" when not given */
	size_t n_values;
	struct modbus_value values[MODBUS_PROFILE_VALUES_MAX]; /* in file order */
	size_t n_blocks;
	struct modbus_block blocks[MODBUS_PROFILE_BLOCKS_MAX]; /* by function, then address */
};

/*
 * Loads the profile at @path into @ret. Returns 0; -ENOENT when the file does
 * not exist; -EINVAL for a syntax error, an unknown section or key, a bad or
 * missing value, or values that contradict each other; -EFBIG for a file over
 * MODBUS_PROFILE_FILE_MAX; another negative errno when it cannot be read.
 * @err is filled on every failure: "FILE:LINE: [section] key: why".
 * Profiles have no drop-in directory.
 */
int modbus_profile_load(const char *path, struct modbus_profile *ret, struct config_error *err);

/*
 * The same for a profile text of @len bytes (no NUL needed; a NUL inside is
 * refused); @name stands for the file name in messages. Pure: no I/O. For
 * tests and fuzzing.
 */
int modbus_profile_parse(const char *text, size_t len, const char *name, struct modbus_profile *ret,
			 struct config_error *err);

/*
 * Where the profile @spec lives: a @spec containing '/' is a path and is
 * returned as it is; otherwise it is a profile name and becomes
 * "@dir/@spec.conf". Returns 0, -EINVAL for a name that is not 1..32 of
 * A-Z a-z 0-9 _ - ., or -ENAMETOOLONG when @size is too small.
 */
int modbus_profile_path(const char *spec, const char *dir, char *ret, size_t size);

/* The value mapped to @name (a value name, or failing that a quantity name), or NULL. */
const struct modbus_value *modbus_profile_find_value(const struct modbus_profile *p,
						     const char *name);

/* Registers or bits a value occupies: 2 for 32-bit types, else 1. */
unsigned modbus_type_count(enum modbus_type t);

/* The block of @p that holds @v (its index), or -ENOENT. */
int modbus_profile_block_of(const struct modbus_profile *p, const struct modbus_value *v);

/* Name tables; from_string returns -EINVAL for an unknown name. */
const char *modbus_function_to_string(enum modbus_function f); /* "coil", ..., "input" */
int modbus_function_from_string(const char *s);
unsigned modbus_function_code(enum modbus_function f); /* 1..4 */
/* "coils", "discrete inputs", "holding registers", "input registers": for messages. */
const char *modbus_function_describe(enum modbus_function f);
bool modbus_function_is_bit(enum modbus_function f);
const char *modbus_type_to_string(enum modbus_type t); /* "u16", ..., "bit" */
int modbus_type_from_string(const char *s);
const char *modbus_word_order_to_string(enum modbus_word_order o); /* "big", "little" */
int modbus_word_order_from_string(const char *s);
