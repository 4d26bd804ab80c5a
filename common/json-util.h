/* SPDX-License-Identifier: MIT */
/*
 * Strict JSON reading helpers over cJSON for the wire codecs: objects are
 * matched against a field table (an unknown or repeated member is an error),
 * values are read with their type and range, and every error names the field
 * path ("schedules[2].times[0]"). Internal to libbedlink-common and its users.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "macro.h"
#include "record.h"

#define FIELDS_MAX 16

struct field {
	const char *name;
	bool required;
};

void json_deletep(cJSON **p);
#define _cleanup_cjson_ _cleanup_(json_deletep)

/*
 * Matches the members of @obj against @fields, filling @slots (same index as
 * @fields). A member that is null counts as absent. @path prefixes field names
 * in errors. -EBADMSG for an unknown, repeated or missing required member.
 */
int json_collect(const cJSON *obj, const char *path, const struct field *fields, size_t n,
		 const cJSON **slots, struct record_error *err);
/* "path.name", or "name" when @path is empty. */
void json_join(char *buf, size_t size, const char *path, const char *name);
int json_get_int(const cJSON *item, const char *path, const char *name, long long min,
		 long long max, long long *ret, struct record_error *err);
int json_get_double(const cJSON *item, const char *path, const char *name, double *ret,
		    struct record_error *err);
int json_get_bool(const cJSON *item, const char *path, const char *name, bool *ret,
		  struct record_error *err);
/* Copies a string of at most @size - 1 bytes. */
int json_get_string(const cJSON *item, const char *path, const char *name, char *buf, size_t size,
		    struct record_error *err);
int json_get_enum(const cJSON *item, const char *path, const char *name,
		  int (*from_string)(const char *), int *ret, struct record_error *err);
/* An array of at most @max entries; its size in *ret. */
int json_get_array(const cJSON *item, const char *name, size_t max, size_t *ret,
		   struct record_error *err);

/*
 * Parses @len bytes (not NUL-terminated, at most RECORD_JSON_MAX, no NUL
 * bytes or \u0000 escapes) as one JSON value. Returns the tree, or NULL with
 * *ret = -EBADMSG (@err says why, @what names the document) or -ENOMEM.
 */
cJSON *json_parse_bounded(const char *json, size_t len, const char *what, struct record_error *err,
			  int *ret);

/* cJSON prints 15 significant digits: these write integers up to 2^53 - 1 exactly. */
cJSON *json_create_integer(long long v);
bool json_add_integer(cJSON *obj, const char *name, long long v);
