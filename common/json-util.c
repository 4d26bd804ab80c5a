// SPDX-License-Identifier: MIT
/*
 * Strict JSON reading helpers over cJSON, shared by the wire codecs (records,
 * down/config, down/notice): each member must be a known field, read with its
 * type and range, and every error names the field.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "record-internal.h"

void json_deletep(cJSON **p)
{
	if (*p)
		cJSON_Delete(*p);
}

/*
 * Matches the members of @obj against @fields, filling @slots (same index as
 * @fields). A member that is null counts as absent. @path prefixes field names
 * in errors ("values[2]").
 */
int json_collect(const cJSON *obj, const char *path, const struct field *fields, size_t n,
		 const cJSON **slots, struct record_error *err)
{
	char name[96];
	const cJSON *m;

	if (!cJSON_IsObject(obj))
		return record_fail(err, path, "must be an object");
	for (size_t i = 0; i < n; i++)
		slots[i] = NULL;
	cJSON_ArrayForEach(m, obj)
	{
		size_t i;

		for (i = 0; i < n; i++)
			if (strcmp(m->string, fields[i].name) == 0)
				break;
		if (i < n && !slots[i]) {
			slots[i] = m;
			continue;
		}
		/* The path is formatted on failure only: ingest reads thousands of fields a second.
		 */
		snprintf(name, sizeof(name), "%s%s%.40s", path, path[0] ? "." : "", m->string);
		return record_fail(err, name, i == n ? "unknown field" : "appears twice");
	}
	for (size_t i = 0; i < n; i++) {
		if (slots[i] && cJSON_IsNull(slots[i]))
			slots[i] = NULL;
		if (!slots[i] && fields[i].required) {
			snprintf(name, sizeof(name), "%s%s%s", path, path[0] ? "." : "",
				 fields[i].name);
			return record_fail(err, name, "missing");
		}
	}
	return 0;
}

void json_join(char *buf, size_t size, const char *path, const char *name)
{
	snprintf(buf, size, "%s%s%s", path, path[0] ? "." : "", name);
}

/* record_fail() for the field "@path.@name", joined only when something failed. */
_printf_(4, 5) static int fail_at(struct record_error *err, const char *path, const char *name,
				  const char *format, ...)
{
	char f[96], text[160];
	va_list ap;

	va_start(ap, format);
	vsnprintf(text, sizeof(text), format, ap);
	va_end(ap);
	json_join(f, sizeof(f), path, name);
	return record_fail(err, f, "%s", text);
}

int json_get_int(const cJSON *item, const char *path, const char *name, long long min,
		 long long max, long long *ret, struct record_error *err)
{
	double d;

	if (!cJSON_IsNumber(item))
		return fail_at(err, path, name, "must be a number");
	d = item->valuedouble;
	if (!isfinite(d) || d != floor(d))
		return fail_at(err, path, name, "must be an integer");
	if (d < (double)min || d > (double)max)
		return fail_at(err, path, name, "%.17g is outside %lld..%lld", d, min, max);
	*ret = (long long)d;
	return 0;
}

int json_get_double(const cJSON *item, const char *path, const char *name, double *ret,
		    struct record_error *err)
{

	if (!cJSON_IsNumber(item))
		return fail_at(err, path, name, "must be a number");
	if (!isfinite(item->valuedouble))
		return fail_at(err, path, name, "must be a finite number");
	*ret = item->valuedouble;
	return 0;
}

int json_get_bool(const cJSON *item, const char *path, const char *name, bool *ret,
		  struct record_error *err)
{

	if (!cJSON_IsBool(item))
		return fail_at(err, path, name, "must be true or false");
	*ret = cJSON_IsTrue(item);
	return 0;
}

/* Copies a string of at most @size - 1 bytes; content rules are record_validate()'s. */
int json_get_string(const cJSON *item, const char *path, const char *name, char *buf, size_t size,
		    struct record_error *err)
{

	if (!cJSON_IsString(item))
		return fail_at(err, path, name, "must be a string");
	if (strlen(item->valuestring) >= size)
		return fail_at(err, path, name, "longer than %zu bytes", size - 1);
	memcpy(buf, item->valuestring, strlen(item->valuestring) + 1);
	return 0;
}

int json_get_enum(const cJSON *item, const char *path, const char *name,
		  int (*from_string)(const char *), int *ret, struct record_error *err)
{
	int v;

	if (!cJSON_IsString(item))
		return fail_at(err, path, name, "must be a string");
	v = from_string(item->valuestring);
	if (v < 0)
		return fail_at(err, path, name, "unknown value '%.40s'", item->valuestring);
	*ret = v;
	return 0;
}

int json_get_array(const cJSON *item, const char *name, size_t max, size_t *ret,
		   struct record_error *err)
{
	int n;

	if (!cJSON_IsArray(item))
		return record_fail(err, name, "must be an array");
	n = cJSON_GetArraySize(item);
	if ((size_t)n > max)
		return record_fail(err, name, "has %d entries, at most %zu allowed", n, max);
	*ret = (size_t)n;
	return 0;
}

cJSON *json_parse_bounded(const char *json, size_t len, const char *what, struct record_error *err,
			  int *ret)
{
	_cleanup_free_ char *copy = NULL;
	const char *end = NULL;
	cJSON *root;

	*ret = 0;
	if (len > RECORD_JSON_MAX) {
		*ret = record_fail(err, "", "%s of %zu bytes is larger than %d", what, len,
				   RECORD_JSON_MAX);
		return NULL;
	}
	if (memchr(json, '\0', len) || json_has_nul_escape(json, len)) {
		*ret = record_fail(err, "", "%s contains a NUL byte", what);
		return NULL;
	}
	copy = malloc(len + 1);
	if (!copy) {
		*ret = -ENOMEM;
		return NULL;
	}
	memcpy(copy, json, len);
	copy[len] = '\0';
	root = cJSON_ParseWithOpts(copy, &end, true);
	if (!root) {
		size_t at = end && end >= copy ? (size_t)(end - copy) : 0;

		*ret = len == 0 ? record_fail(err, "", "empty %s", what)
				: record_fail(err, "", "not valid JSON (at byte %zu)", at);
	}
	return root;
}

cJSON *json_create_integer(long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", v);
	return cJSON_CreateRaw(buf);
}

bool json_add_integer(cJSON *obj, const char *name, long long v)
{
	cJSON *n = json_create_integer(v);

	if (n && cJSON_AddItemToObject(obj, name, n))
		return true;
	cJSON_Delete(n);
	return false;
}
