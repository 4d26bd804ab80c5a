/* SPDX-License-Identifier: MIT */
/*
 * INI configuration through one table. Each program describes its keys once,
 * as {section, key, parser, offset}; config_load() reads the main file and
 * then every *.conf of its drop-in directory ("<file>.d/", in name order), so
 * a later file overrides an earlier one key by key. Any problem is reported
 * with the file, line, section and key, and nothing is half-applied: the
 * caller's struct is only touched by parsers of keys that were valid.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct config_item;

/*
 * Parses @value into @field. Returns 0, or a negative errno with @why (of
 * @why_size bytes) saying what was expected.
 */
typedef int (*config_parse_fn)(const char *value, void *field, const struct config_item *item,
			       char *why, size_t why_size);

struct config_item {
	/* A section name, or a prefix ending in ".*" ("device.*") for named instances. */
	const char *section;
	const char *key;
	config_parse_fn parse;
	size_t offset;   /* of the field in the struct the section resolves to */
	size_t size;     /* of the field: the buffer size for strings */
	double min, max; /* for numbers; both 0 means no bounds */
};

/*
 * Returns the struct that keys of @section are stored in: the program's
 * config for plain sections, a new or existing instance for "device.NAME".
 * NULL with @why set refuses the section (too many instances, a bad name).
 */
typedef void *(*config_section_fn)(void *userdata, const char *section, char *why, size_t why_size);

struct config_table {
	const struct config_item *items;
	size_t n_items;
	config_section_fn section;
};

struct config_error {
	char file[256];
	unsigned line;
	char section[64];
	char key[64];
	char message[512]; /* "FILE:LINE: [section] key: why", ready to print */
};

/*
 * Loads @path and its drop-ins. Returns 0; -ENOENT when @path does not exist;
 * -EINVAL for a syntax error, an unknown section or key, or a bad value;
 * another negative errno when a file cannot be read. @err is filled on every
 * failure.
 */
int config_load(const char *path, const struct config_table *table, void *userdata,
		struct config_error *err);

/* Parses one in-memory INI text, for tests and fuzzing; @name stands for the file name. */
int config_load_string(const char *text, const char *name, const struct config_table *table,
		       void *userdata, struct config_error *err);

/* Parsers for common field types. */
int config_parse_string(const char *value, void *field, const struct config_item *item, char *why,
			size_t why_size); /* char[item->size], non-empty */
int config_parse_int(const char *value, void *field, const struct config_item *item, char *why,
		     size_t why_size); /* long long within [min, max] */
int config_parse_double(const char *value, void *field, const struct config_item *item, char *why,
			size_t why_size); /* finite double within [min, max] */
int config_parse_bool(const char *value, void *field, const struct config_item *item, char *why,
		      size_t why_size); /* yes/no, true/false, on/off, 1/0 */
