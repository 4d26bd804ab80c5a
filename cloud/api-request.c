// SPDX-License-Identifier: MIT
/*
 * Request bodies and query values of the JSON API, read strictly: every
 * member of a body must be a known field of the right type and range, and an
 * error names the field, so that a client sees exactly what it got wrong.
 * Pure: no I/O, no clock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-request.h"
#include "json-util.h"

static int fail(struct record_error *err, const char *field, const char *message)
{
	snprintf(err->field, sizeof(err->field), "%s", field);
	if (field[0])
		snprintf(err->message, sizeof(err->message), "%s: %s", field, message);
	else
		snprintf(err->message, sizeof(err->message), "%s", message);
	return -EBADMSG;
}

bool api_utf8_is_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t n;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

cJSON *api_body_parse(const char *body, size_t len, struct record_error *err, int *ret)
{
	_cleanup_free_ char *copy = NULL;
	const char *end = NULL;
	cJSON *root;

	*ret = -EBADMSG;
	if (len == 0) {
		fail(err, "", "the request needs a JSON object as body");
		return NULL;
	}
	if (memchr(body, '\0', len) || memmem(body, len, "\\u0000", 6)) {
		fail(err, "", "the body contains a NUL character");
		return NULL;
	}
	if (!api_utf8_is_valid(body, len)) {
		fail(err, "", "the body is not valid UTF-8");
		return NULL;
	}
	copy = malloc(len + 1);
	if (!copy) {
		*ret = -ENOMEM;
		return NULL;
	}
	memcpy(copy, body, len);
	copy[len] = '\0';
	root = cJSON_ParseWithOpts(copy, &end, true);
	if (!root) {
		char message[80];

		snprintf(message, sizeof(message), "the body is not valid JSON (at byte %zu)",
			 end && end >= copy ? (size_t)(end - copy) : (size_t)0);
		fail(err, "", message);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		fail(err, "", "the body must be a JSON object");
		return NULL;
	}
	*ret = 0;
	return root;
}

/* A string field that is a word: 1.. bytes of A-Z a-z 0-9 _ - . */
static int get_word(const cJSON *item, const char *name, char *buf, size_t size,
		    struct record_error *err)
{
	int r = json_get_string(item, "", name, buf, size, err);

	if (r < 0)
		return r;
	if (!buf[0])
		return fail(err, name, "must not be empty");
	for (const char *p = buf; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return fail(err, name, "may hold only letters, digits, '_', '-' and '.'");
	return 0;
}

/* Free text: any UTF-8 (the body was checked) without control characters but line breaks. */
static int get_text(const cJSON *item, const char *name, char *buf, size_t size,
		    struct record_error *err)
{
	int r = json_get_string(item, "", name, buf, size, err);

	if (r < 0)
		return r;
	for (const unsigned char *p = (const unsigned char *)buf; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			return fail(err, name, "contains a control character");
	return 0;
}

static int get_id(const cJSON *item, const char *name, int64_t *ret, struct record_error *err)
{
	long long v;
	int r = json_get_int(item, "", name, 1, API_INT_MAX, &v, err);

	if (r >= 0)
		*ret = v;
	return r;
}

static int get_date(const cJSON *item, const char *name, int32_t *ret, struct record_error *err)
{
	if (!cJSON_IsString(item))
		return fail(err, name, "must be a date string \"YYYY-MM-DD\"");
	if (api_parse_date(item->valuestring, ret) < 0)
		return fail(err, name, "is not a valid date \"YYYY-MM-DD\"");
	return 0;
}

/* Parses @body and matches its members against @fields into @slots. */
static cJSON *parse_fields(const char *body, size_t len, const struct field *fields, size_t n,
			   const cJSON **slots, struct record_error *err, int *ret)
{
	cJSON *root = api_body_parse(body, len, err, ret);

	if (!root)
		return NULL;
	*ret = json_collect(root, "", fields, n, slots, err);
	if (*ret < 0) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int api_parse_login(const char *body, size_t len, struct api_login_request *ret,
		    struct record_error *err)
{
	static const struct field fields[] = { { "user", true }, { "password", true } };
	const cJSON *v[ELEMENTSOF(fields)];
	_cleanup_cjson_ cJSON *root = NULL;
	int r;

	*ret = (struct api_login_request){ 0 };
	root = parse_fields(body, len, fields, ELEMENTSOF(fields), v, err, &r);
	if (!root)
		return r;
	if ((r = json_get_string(v[0], "", "user", ret->user, sizeof(ret->user), err)) < 0 ||
	    (r = json_get_string(v[1], "", "password", ret->password, sizeof(ret->password), err)) <
		    0)
		return r;
	return 0;
}

int api_parse_acknowledge(const char *body, size_t len, struct api_acknowledge_request *ret,
			  struct record_error *err)
{
	static const struct field fields[] = { { "note", false } };
	const cJSON *v[ELEMENTSOF(fields)];
	_cleanup_cjson_ cJSON *root = NULL;
	int r;

	*ret = (struct api_acknowledge_request){ 0 };
	root = parse_fields(body, len, fields, ELEMENTSOF(fields), v, err, &r);
	if (!root)
		return r;
	if (v[0] && (r = get_text(v[0], "note", ret->note, sizeof(ret->note), err)) < 0)
		return r;
	return 0;
}

int api_parse_resolve(const char *body, size_t len, struct api_resolve_request *ret,
		      struct record_error *err)
{
	static const struct field fields[] = { { "outcome", true }, { "note", false } };
	const cJSON *v[ELEMENTSOF(fields)];
	_cleanup_cjson_ cJSON *root = NULL;
	int r;

	*ret = (struct api_resolve_request){ 0 };
	root = parse_fields(body, len, fields, ELEMENTSOF(fields), v, err, &r);
	if (!root)
		return r;
	if (!cJSON_IsString(v[0]))
		return fail(err, "outcome", "must be \"action_taken\" or \"no_action\"");
	if (strcmp(v[0]->valuestring, "action_taken") == 0)
		ret->outcome = STORE_OUTCOME_ACTION_TAKEN;
	else if (strcmp(v[0]->valuestring, "no_action") == 0)
		ret->outcome = STORE_OUTCOME_NO_ACTION;
	else
		return fail(err, "outcome", "must be \"action_taken\" or \"no_action\"");
	if (v[1] && (r = get_text(v[1], "note", ret->note, sizeof(ret->note), err)) < 0)
		return r;
	return 0;
}

static int get_visit_flags(const cJSON *item, uint32_t *ret, struct record_error *err)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} names[] = {
		{ "referred", STORE_VISIT_REFERRED },
		{ "adr_hard_to_control", STORE_VISIT_ADR_HARD_TO_CONTROL },
		{ "complication_new_or_worse", STORE_VISIT_COMPLICATION_NEW_OR_WORSE },
	};
	const cJSON *m;
	size_t n;
	int r;

	if ((r = json_get_array(item, "flags", ELEMENTSOF(names), &n, err)) < 0)
		return r;
	*ret = 0;
	cJSON_ArrayForEach(m, item)
	{
		size_t i;

		if (!cJSON_IsString(m))
			return fail(err, "flags", "must be an array of strings");
		for (i = 0; i < ELEMENTSOF(names); i++)
			if (strcmp(m->valuestring, names[i].name) == 0)
				break;
		if (i == ELEMENTSOF(names))
			return fail(err, "flags", "holds an unknown flag");
		*ret |= names[i].bit;
	}
	return 0;
}

static int visit_check(struct api_visit_request *ret, struct record_error *err)
{
	if (ret->classification != FOLLOWUP_CLASS_NONE &&
	    ret->programme != FOLLOWUP_PROGRAMME_HTN && ret->programme != FOLLOWUP_PROGRAMME_T2DM)
		return fail(err, "classification", "needs programme \"htn\" or \"t2dm\"");
	return 0;
}

int api_parse_visit(const char *body, size_t len, struct api_visit_request *ret,
		    struct record_error *err)
{
	static const struct field fields[] = {
		{ "patient", true }, { "at", true },         { "service", true },
		{ "mode", true },    { "programme", false }, { "classification", false },
		{ "flags", false },  { "episode", false },   { "task", false },
		{ "notes", false },
	};
	const cJSON *v[ELEMENTSOF(fields)];
	_cleanup_cjson_ cJSON *root = NULL;
	long long at;
	int r, e;

	*ret = (struct api_visit_request){ 0 };
	root = parse_fields(body, len, fields, ELEMENTSOF(fields), v, err, &r);
	if (!root)
		return r;
	if ((r = get_id(v[0], "patient", &ret->patient, err)) < 0 ||
	    (r = json_get_int(v[1], "", "at", 0, API_INT_MAX, &at, err)) < 0 ||
	    (r = get_word(v[2], "service", ret->service, sizeof(ret->service), err)) < 0 ||
	    (r = json_get_enum(v[3], "", "mode", store_visit_mode_from_string, &e, err)) < 0)
		return r;
	ret->at = at;
	ret->mode = e;
	if (v[4]) {
		if ((r = json_get_enum(v[4], "", "programme", followup_programme_from_string, &e,
				       err)) < 0)
			return r;
		ret->programme = e;
	}
	if (v[5]) {
		if ((r = json_get_enum(v[5], "", "classification", followup_class_from_string, &e,
				       err)) < 0)
			return r;
		ret->classification = e;
	}
	if ((v[6] && (r = get_visit_flags(v[6], &ret->flags, err)) < 0) ||
	    (v[7] && (r = get_id(v[7], "episode", &ret->episode, err)) < 0) ||
	    (v[8] && (r = get_text(v[8], "task", ret->task, sizeof(ret->task), err)) < 0) ||
	    (v[9] && (r = get_text(v[9], "notes", ret->notes, sizeof(ret->notes), err)) < 0))
		return r;
	return visit_check(ret, err);
}

int api_parse_episode_open(const char *body, size_t len, struct api_episode_open_request *ret,
			   struct record_error *err)
{
	static const struct field fields[] = {
		{ "patient", true },     { "bed_number", true }, { "opened", true },
		{ "planned_end", true }, { "reason", true },     { "nurse", false },
	};
	const cJSON *v[ELEMENTSOF(fields)];
	_cleanup_cjson_ cJSON *root = NULL;
	int r;

	*ret = (struct api_episode_open_request){ 0 };
	root = parse_fields(body, len, fields, ELEMENTSOF(fields), v, err, &r);
	if (!root)
		return r;
	if ((r = get_id(v[0], "patient", &ret->patient, err)) < 0 ||
	    (r = get_word(v[1], "bed_number", ret->bed_number, sizeof(ret->bed_number), err)) < 0 ||
	    (r = get_date(v[2], "opened", &ret->opened, err)) < 0 ||
	    (r = get_date(v[3], "planned_end", &ret->planned_end, err)) < 0 ||
	    (r = get_text(v[4], "reason", ret->reason, sizeof(ret->reason), err)) < 0 ||
	    (v[5] && (r = get_id(v[5], "nurse", &ret->nurse, err)) < 0))
		return r;
	if (ret->planned_end < ret->opened)
		return fail(err, "planned_end", "is before opened");
	return 0;
}

int api_parse_episode_close(const char *body, size_t len, struct api_episode_close_request *ret,
			    struct record_error *err)
{
	static const struct field fields[] = {
		{ "outcome", true },
		{ "summary", false },
		{ "closed", false },
	};
	const cJSON *v[ELEMENTSOF(fields)];
	_cleanup_cjson_ cJSON *root = NULL;
	int r;

	*ret = (struct api_episode_close_request){ .closed = STORE_NO_DATE };
	root = parse_fields(body, len, fields, ELEMENTSOF(fields), v, err, &r);
	if (!root)
		return r;
	if ((r = get_word(v[0], "outcome", ret->outcome, sizeof(ret->outcome), err)) < 0 ||
	    (v[1] &&
	     (r = get_text(v[1], "summary", ret->summary, sizeof(ret->summary), err)) < 0) ||
	    (v[2] && (r = get_date(v[2], "closed", &ret->closed, err)) < 0))
		return r;
	return 0;
}

int api_parse_int(const char *s, long long min, long long max, long long *ret)
{
	long long v = 0;
	bool negative = false;
	const char *p = s;

	if (*p == '-') {
		negative = true;
		p++;
	}
	if (!*p || strlen(p) > 18)
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (negative)
		v = -v;
	if (v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int api_parse_date(const char *s, int32_t *ret)
{
	long long y, m, d;
	char part[5];

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	memcpy(part, s, 4);
	part[4] = '\0';
	if (api_parse_int(part, 0, 9999, &y) < 0)
		return -EINVAL;
	memcpy(part, s + 5, 2);
	part[2] = '\0';
	if (api_parse_int(part, 0, 99, &m) < 0)
		return -EINVAL;
	memcpy(part, s + 8, 2);
	part[2] = '\0';
	if (api_parse_int(part, 0, 99, &d) < 0)
		return -EINVAL;
	if (!civil_date_is_valid((int)y, (unsigned)m, (unsigned)d))
		return -EINVAL;
	*ret = civil_date_to_days((int)y, (unsigned)m, (unsigned)d);
	return 0;
}

void api_format_date(int32_t days, char buf[static CIVIL_DATE_STRING_MAX])
{
	struct civil_date d;

	civil_date_from_days(days, &d);
	snprintf(buf, CIVIL_DATE_STRING_MAX, "%04u-%02u-%02u", (unsigned)d.year % 10000u,
		 d.month % 100, d.day % 100);
}
