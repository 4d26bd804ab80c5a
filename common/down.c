// SPDX-License-Identifier: MIT
/*
 * down/config and down/notice codecs (docs/protocol.md §2.2, §2.3), through
 * the strict helpers of json-util.h, plus the schedule time and day parsers
 * the gateway's INI reminders share with down/config.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "down.h"
#include "json-util.h"
#include "record-internal.h"

static const char *const schedule_kind_names[_SCHEDULE_KIND_MAX] = {
	[SCHEDULE_MEASUREMENT] = "measurement",
	[SCHEDULE_MEDICATION] = "medication",
};

static const char *const notice_type_names[_NOTICE_TYPE_MAX] = {
	[NOTICE_ALERT_ACKNOWLEDGED] = "alert_acknowledged",
	[NOTICE_VISIT] = "visit",
	[NOTICE_MESSAGE] = "message",
};

static const char *const day_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

const char *schedule_kind_to_string(enum schedule_kind k)
{
	return k >= 0 && k < _SCHEDULE_KIND_MAX ? schedule_kind_names[k] : NULL;
}

int schedule_kind_from_string(const char *s)
{
	for (int i = 0; i < _SCHEDULE_KIND_MAX; i++)
		if (strcmp(s, schedule_kind_names[i]) == 0)
			return i;
	return -EINVAL;
}

const char *notice_type_to_string(enum notice_type t)
{
	return t >= 0 && t < _NOTICE_TYPE_MAX ? notice_type_names[t] : NULL;
}

int notice_type_from_string(const char *s)
{
	for (int i = 0; i < _NOTICE_TYPE_MAX; i++)
		if (strcmp(s, notice_type_names[i]) == 0)
			return i;
	return -EINVAL;
}

/* "HH:MM" of exactly five characters, 00:00..23:59. */
static int parse_hhmm(const char *s, size_t len, uint16_t *ret)
{
	if (len != 5 || s[2] != ':')
		return -EINVAL;
	for (size_t i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -EINVAL;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');

	if (h > 23 || m > 59)
		return -EINVAL;
	*ret = (uint16_t)(h * 60 + m);
	return 0;
}

int schedule_parse_times(const char *s, uint16_t *times, size_t max, char *why, size_t why_size)
{
	size_t n = 0;

	while (*s) {
		size_t len = strcspn(s, ",");
		uint16_t t;

		while (len && *s == ' ')
			s++, len--;
		while (len && s[len - 1] == ' ')
			len--;
		if (parse_hhmm(s, len, &t) < 0) {
			snprintf(why, why_size, "'%.*s' is not a time HH:MM (00:00..23:59)",
				 (int)(len > 16 ? 16 : len), s);
			return -EINVAL;
		}
		if (n == max) {
			snprintf(why, why_size, "at most %zu times", max);
			return -EINVAL;
		}
		if (n && t <= times[n - 1]) {
			snprintf(why, why_size, "times must be ascending and distinct");
			return -EINVAL;
		}
		times[n++] = t;
		s += strcspn(s, ",");
		if (*s == ',' && !*++s) {
			snprintf(why, why_size, "a time is missing after the last ','");
			return -EINVAL;
		}
	}
	if (n == 0) {
		snprintf(why, why_size, "at least one time HH:MM is needed");
		return -EINVAL;
	}
	return (int)n;
}

int schedule_parse_days(const char *s, uint8_t *days, char *why, size_t why_size)
{
	uint8_t d = 0;

	if (strcmp(s, "daily") == 0) {
		*days = 0x7f;
		return 0;
	}
	if (strcmp(s, "weekdays") == 0) {
		*days = 0x1f;
		return 0;
	}
	while (*s) {
		size_t len = strcspn(s, ","), i;

		for (i = 0; i < 7; i++)
			if (len == 3 && strncasecmp(s, day_names[i], 3) == 0)
				break;
		if (i == 7) {
			snprintf(why, why_size,
				 "'%.*s' is not a day: use daily, weekdays or mon,tue,...,sun",
				 (int)(len > 16 ? 16 : len), s);
			return -EINVAL;
		}
		d |= (uint8_t)(1u << i);
		s += len;
		if (*s == ',')
			s++;
	}
	if (!d) {
		snprintf(why, why_size, "no day given");
		return -EINVAL;
	}
	*days = d;
	return 0;
}

/* ---- down/config ---- */

enum {
	DC_V,
	DC_VERSION,
	DC_PATIENT,
	DC_THRESHOLDS,
	DC_SCHEDULES,
	DC_VISITS,
	_DC_MAX
};
static const struct field config_fields[_DC_MAX] = {
	[DC_V] = { "v", true },
	[DC_VERSION] = { "version", true },
	[DC_PATIENT] = { "patient", true },
	[DC_THRESHOLDS] = { "thresholds", false },
	[DC_SCHEDULES] = { "schedules", false },
	[DC_VISITS] = { "visits", false },
};

enum {
	VI_DATE,
	VI_SERVICE,
	_VI_MAX
};
static const struct field visit_fields[_VI_MAX] = {
	[VI_DATE] = { "date", true },
	[VI_SERVICE] = { "service", true },
};

enum {
	SC_NAME,
	SC_KIND,
	SC_MEASUREMENT,
	SC_TIMES,
	SC_DAYS,
	SC_GRACE,
	SC_TEXT,
	_SC_MAX
};
static const struct field schedule_fields[_SC_MAX] = {
	[SC_NAME] = { "name", true },
	[SC_KIND] = { "kind", true },
	[SC_MEASUREMENT] = { "measurement", false },
	[SC_TIMES] = { "times", true },
	[SC_DAYS] = { "days", false },
	[SC_GRACE] = { "grace_min", false },
	[SC_TEXT] = { "text", false },
};

/* Default grace before a planned measurement counts as missed (clinical-defaults ADH1). */
#define SCHEDULE_GRACE_DEFAULT_MIN 120

static int check_version(const cJSON *v, struct record_error *err)
{
	long long version;
	int r = json_get_int(v, "", "v", 0, RECORD_INT_MAX, &version, err);

	if (r < 0)
		return r;
	if (version != RECORD_VERSION)
		return record_fail(err, "v", "unsupported version %lld, this side speaks %d",
				   version, RECORD_VERSION);
	return 0;
}

/* One override value as text: a string as is, a number in its shortest exact form, a bool. */
static int override_value(const cJSON *item, const char *path, char *buf, size_t size,
			  struct record_error *err)
{
	int n;

	if (cJSON_IsString(item)) {
		int r = json_get_string(item, "", path, buf, size, err);

		if (r >= 0 && (!buf[0] || !record_text_is_valid(buf, size - 1)))
			return record_fail(err, path, "must be non-empty printable UTF-8 text");
		return r;
	}
	if (cJSON_IsBool(item)) {
		snprintf(buf, size, "%s", cJSON_IsTrue(item) ? "yes" : "no");
		return 0;
	}
	if (!cJSON_IsNumber(item))
		return record_fail(err, path, "must be a number, a string or true/false");
	n = snprintf(buf, size, "%.15g", item->valuedouble);
	if (n < 0 || (size_t)n >= size)
		return record_fail(err, path, "number too long");
	return 0;
}

static int parse_thresholds(const cJSON *obj, struct down_config *c, struct record_error *err)
{
	const cJSON *sec, *item;
	char path[96];
	int r;

	if (!cJSON_IsObject(obj))
		return record_fail(err, "thresholds", "must be an object of sections");
	cJSON_ArrayForEach(sec, obj)
	{
		snprintf(path, sizeof(path), "thresholds.%.40s", sec->string);
		if (!record_name_is_valid(sec->string))
			return record_fail(err, path, "not a section name");
		if (!cJSON_IsObject(sec))
			return record_fail(err, path, "must be an object of key: value");
		for (const cJSON *o = obj->child; o != sec; o = o->next)
			if (strcmp(o->string, sec->string) == 0)
				return record_fail(err, path, "appears twice");
		cJSON_ArrayForEach(item, sec)
		{
			struct down_override *o;

			snprintf(path, sizeof(path), "thresholds.%.32s.%.40s", sec->string,
				 item->string);
			if (!record_name_is_valid(item->string))
				return record_fail(err, path, "not a key name");
			if (c->n_overrides == DOWN_OVERRIDES_MAX)
				return record_fail(err, path, "more than %d overrides",
						   DOWN_OVERRIDES_MAX);
			o = &c->overrides[c->n_overrides];
			for (size_t i = 0; i < c->n_overrides; i++)
				if (strcmp(c->overrides[i].section, sec->string) == 0 &&
				    strcmp(c->overrides[i].key, item->string) == 0)
					return record_fail(err, path, "appears twice");
			snprintf(o->section, sizeof(o->section), "%s", sec->string);
			snprintf(o->key, sizeof(o->key), "%s", item->string);
			r = override_value(item, path, o->value, sizeof(o->value), err);
			if (r < 0)
				return r;
			c->n_overrides++;
		}
	}
	return 0;
}

static int parse_schedule(const cJSON *obj, size_t idx, struct schedule *s,
			  struct record_error *err)
{
	const cJSON *f[_SC_MAX], *t;
	char path[64], tpath[96], why[128], buf[8];
	long long grace = SCHEDULE_GRACE_DEFAULT_MIN;
	int r, v;

	snprintf(path, sizeof(path), "schedules[%zu]", idx);
	r = json_collect(obj, path, schedule_fields, _SC_MAX, f, err);
	if (r < 0)
		return r;
	r = json_get_string(f[SC_NAME], path, "name", s->name, sizeof(s->name), err);
	if (r < 0)
		return r;
	json_join(tpath, sizeof(tpath), path, "name");
	if (!record_name_is_valid(s->name))
		return record_fail(err, tpath, "must be 1..%d characters of A-Z a-z 0-9 _ - .",
				   RECORD_NAME_MAX);
	r = json_get_enum(f[SC_KIND], path, "kind", schedule_kind_from_string, &v, err);
	if (r < 0)
		return r;
	s->kind = (enum schedule_kind)v;
	if (s->kind == SCHEDULE_MEASUREMENT) {
		json_join(tpath, sizeof(tpath), path, "measurement");
		if (!f[SC_MEASUREMENT])
			return record_fail(err, tpath,
					   "missing (a measurement schedule says what)");
		r = json_get_enum(f[SC_MEASUREMENT], path, "measurement", measurement_from_string,
				  &v, err);
		if (r < 0)
			return r;
		s->measurement = (enum measurement)v;
	} else if (f[SC_MEASUREMENT]) {
		json_join(tpath, sizeof(tpath), path, "measurement");
		return record_fail(err, tpath, "only for kind measurement");
	}
	r = json_get_array(f[SC_TIMES], path, DOWN_TIMES_MAX, &s->n_times, err);
	if (r < 0)
		return r;
	if (s->n_times == 0)
		return record_fail(err, path, "times: at least one time is needed");
	v = 0;
	cJSON_ArrayForEach(t, f[SC_TIMES])
	{
		snprintf(tpath, sizeof(tpath), "%s.times[%d]", path, v);
		r = json_get_string(t, "", tpath, buf, sizeof(buf), err);
		if (r < 0)
			return r;
		if (parse_hhmm(buf, strlen(buf), &s->times[v]) < 0)
			return record_fail(err, tpath, "'%s' is not a time HH:MM", buf);
		if (v && s->times[v] <= s->times[v - 1])
			return record_fail(err, tpath, "times must be ascending and distinct");
		v++;
	}
	s->days = 0x7f;
	if (f[SC_DAYS]) {
		char days[64];

		r = json_get_string(f[SC_DAYS], path, "days", days, sizeof(days), err);
		if (r < 0)
			return r;
		json_join(tpath, sizeof(tpath), path, "days");
		if (schedule_parse_days(days, &s->days, why, sizeof(why)) < 0)
			return record_fail(err, tpath, "%s", why);
	}
	if (f[SC_GRACE]) {
		r = json_get_int(f[SC_GRACE], path, "grace_min", 1, 1440, &grace, err);
		if (r < 0)
			return r;
	}
	s->grace_min = (uint32_t)grace;
	if (f[SC_TEXT]) {
		r = json_get_string(f[SC_TEXT], path, "text", s->text, sizeof(s->text), err);
		if (r < 0)
			return r;
		json_join(tpath, sizeof(tpath), path, "text");
		if (!record_text_is_valid(s->text, RECORD_TEXT_MAX))
			return record_fail(err, tpath, "must be printable UTF-8 text");
	}
	return 0;
}

/* "YYYY-MM-DD" with a month 01..12 and a day that month has (Gregorian). */
static bool date_is_valid(const char *s)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y = 0, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	for (int i = 0; i < 4; i++)
		y = y * 10 + (unsigned)(s[i] - '0');
	m = (unsigned)(s[5] - '0') * 10 + (unsigned)(s[6] - '0');
	d = (unsigned)(s[8] - '0') * 10 + (unsigned)(s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	return !(m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)));
}

static int parse_visit(const cJSON *obj, size_t idx, struct down_visit *v, struct record_error *err)
{
	const cJSON *f[_VI_MAX];
	char path[64], tpath[96];
	int r;

	snprintf(path, sizeof(path), "visits[%zu]", idx);
	r = json_collect(obj, path, visit_fields, _VI_MAX, f, err);
	if (r < 0)
		return r;
	r = json_get_string(f[VI_DATE], path, "date", v->date, sizeof(v->date), err);
	if (r < 0)
		return r;
	json_join(tpath, sizeof(tpath), path, "date");
	if (!date_is_valid(v->date))
		return record_fail(err, tpath, "'%s' is not a date YYYY-MM-DD", v->date);
	r = json_get_string(f[VI_SERVICE], path, "service", v->service, sizeof(v->service), err);
	if (r < 0)
		return r;
	json_join(tpath, sizeof(tpath), path, "service");
	if (!record_name_is_valid(v->service))
		return record_fail(err, tpath, "must be 1..%d characters of A-Z a-z 0-9 _ - .",
				   RECORD_NAME_MAX);
	return 0;
}

int down_config_from_json(const char *json, size_t len, struct down_config *ret,
			  struct record_error *err)
{
	_cleanup_cjson_ cJSON *root = NULL;
	_cleanup_free_ struct down_config *c = NULL;
	const cJSON *f[_DC_MAX], *item;
	long long version;
	int r;

	root = json_parse_bounded(json, len, "config", err, &r);
	if (!root)
		return r;
	if (!cJSON_IsObject(root))
		return record_fail(err, "", "a config must be a JSON object");
	/* The version decides how everything else is read: check it first. */
	r = check_version(cJSON_GetObjectItemCaseSensitive(root, "v"), err);
	if (r < 0)
		return r;
	r = json_collect(root, "", config_fields, _DC_MAX, f, err);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = json_get_int(f[DC_VERSION], "", "version", 1, RECORD_INT_MAX, &version, err);
	if (r < 0)
		return r;
	c->version = (uint64_t)version;
	r = json_get_string(f[DC_PATIENT], "", "patient", c->patient, sizeof(c->patient), err);
	if (r < 0)
		return r;
	if (!record_name_is_valid(c->patient))
		return record_fail(err, "patient",
				   "must be a pseudonym of 1..%d characters of A-Z a-z 0-9 _ - .",
				   RECORD_NAME_MAX);
	if (f[DC_THRESHOLDS]) {
		r = parse_thresholds(f[DC_THRESHOLDS], c, err);
		if (r < 0)
			return r;
	}
	if (f[DC_SCHEDULES]) {
		size_t i = 0;

		r = json_get_array(f[DC_SCHEDULES], "schedules", DOWN_SCHEDULES_MAX,
				   &c->n_schedules, err);
		if (r < 0)
			return r;
		cJSON_ArrayForEach(item, f[DC_SCHEDULES])
		{
			r = parse_schedule(item, i, &c->schedules[i], err);
			if (r < 0)
				return r;
			for (size_t j = 0; j < i; j++)
				if (strcmp(c->schedules[j].name, c->schedules[i].name) == 0)
					return record_fail(err, "schedules",
							   "name '%s' appears twice",
							   c->schedules[i].name);
			i++;
		}
	}
	if (f[DC_VISITS]) {
		size_t i = 0;

		r = json_get_array(f[DC_VISITS], "visits", DOWN_VISITS_MAX, &c->n_visits, err);
		if (r < 0)
			return r;
		cJSON_ArrayForEach(item, f[DC_VISITS])
		{
			r = parse_visit(item, i, &c->visits[i], err);
			if (r < 0)
				return r;
			/* ISO dates compare as text. */
			if (i && strcmp(c->visits[i].date, c->visits[i - 1].date) < 0)
				return record_fail(err, "visits", "dates must be in order");
			i++;
		}
	}
	*ret = *c;
	return 0;
}

static cJSON *schedule_json(const struct schedule *s)
{
	cJSON *o = cJSON_CreateObject(), *times;
	char days[32] = "";

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "kind", schedule_kind_to_string(s->kind));
	if (s->kind == SCHEDULE_MEASUREMENT)
		cJSON_AddStringToObject(o, "measurement", measurement_to_string(s->measurement));
	times = cJSON_AddArrayToObject(o, "times");
	for (size_t i = 0; times && i < s->n_times; i++) {
		char t[8];

		snprintf(t, sizeof(t), "%02u:%02u", (unsigned)(s->times[i] / 60) % 100,
			 (unsigned)(s->times[i] % 60));
		cJSON_AddItemToArray(times, cJSON_CreateString(t));
	}
	if (s->days == 0x7f)
		snprintf(days, sizeof(days), "daily");
	else
		for (int i = 0; i < 7; i++)
			if (s->days & (1u << i)) {
				size_t l = strlen(days);

				snprintf(days + l, sizeof(days) - l, "%s%s", l ? "," : "",
					 day_names[i]);
			}
	cJSON_AddStringToObject(o, "days", days);
	cJSON_AddNumberToObject(o, "grace_min", s->grace_min);
	if (s->text[0])
		cJSON_AddStringToObject(o, "text", s->text);
	return o;
}

int down_config_to_json(const struct down_config *c, char **ret)
{
	_cleanup_cjson_ cJSON *root = cJSON_CreateObject();
	cJSON *th, *sc;

	if (!root)
		return -ENOMEM;
	cJSON_AddNumberToObject(root, "v", RECORD_VERSION);
	json_add_integer(root, "version", (long long)c->version);
	cJSON_AddStringToObject(root, "patient", c->patient);
	th = cJSON_AddObjectToObject(root, "thresholds");
	for (size_t i = 0; th && i < c->n_overrides; i++) {
		cJSON *sec = cJSON_GetObjectItemCaseSensitive(th, c->overrides[i].section);

		if (!sec)
			sec = cJSON_AddObjectToObject(th, c->overrides[i].section);
		if (sec)
			cJSON_AddStringToObject(sec, c->overrides[i].key, c->overrides[i].value);
	}
	sc = cJSON_AddArrayToObject(root, "schedules");
	for (size_t i = 0; sc && i < c->n_schedules; i++)
		cJSON_AddItemToArray(sc, schedule_json(&c->schedules[i]));
	/* Absent when empty, so that a config without visits reads as before. */
	if (c->n_visits) {
		cJSON *vi = cJSON_AddArrayToObject(root, "visits");

		for (size_t i = 0; vi && i < c->n_visits; i++) {
			cJSON *o = cJSON_CreateObject();

			if (!o || !cJSON_AddItemToArray(vi, o)) {
				cJSON_Delete(o);
				return -ENOMEM;
			}
			if (!cJSON_AddStringToObject(o, "date", c->visits[i].date) ||
			    !cJSON_AddStringToObject(o, "service", c->visits[i].service))
				return -ENOMEM;
		}
		if (!vi)
			return -ENOMEM;
	}
	*ret = cJSON_PrintUnformatted(root);
	return *ret ? 0 : -ENOMEM;
}

/* ---- down/notice ---- */

enum {
	NT_V,
	NT_TYPE,
	NT_ALERT_ID,
	NT_RULE,
	NT_AT,
	NT_TEXT,
	_NT_MAX
};
static const struct field notice_fields[_NT_MAX] = {
	[NT_V] = { "v", true },
	[NT_TYPE] = { "type", true },
	[NT_ALERT_ID] = { "alert_id", false },
	[NT_RULE] = { "rule", false },
	[NT_AT] = { "at", false },
	[NT_TEXT] = { "text", false },
};

int notice_from_json(const char *json, size_t len, struct notice *ret, struct record_error *err)
{
	_cleanup_cjson_ cJSON *root = NULL;
	const cJSON *f[_NT_MAX];
	struct notice n = { 0 };
	long long v;
	int r, t;

	root = json_parse_bounded(json, len, "notice", err, &r);
	if (!root)
		return r;
	if (!cJSON_IsObject(root))
		return record_fail(err, "", "a notice must be a JSON object");
	r = check_version(cJSON_GetObjectItemCaseSensitive(root, "v"), err);
	if (r < 0)
		return r;
	r = json_collect(root, "", notice_fields, _NT_MAX, f, err);
	if (r < 0)
		return r;
	r = json_get_enum(f[NT_TYPE], "", "type", notice_type_from_string, &t, err);
	if (r < 0)
		return r;
	n.type = (enum notice_type)t;
	if (n.type == NOTICE_ALERT_ACKNOWLEDGED && !f[NT_ALERT_ID])
		return record_fail(err, "alert_id", "missing (alert_acknowledged names the alert)");
	if (n.type != NOTICE_ALERT_ACKNOWLEDGED && (f[NT_ALERT_ID] || f[NT_RULE]))
		return record_fail(err, f[NT_ALERT_ID] ? "alert_id" : "rule",
				   "only for type alert_acknowledged");
	if (n.type == NOTICE_VISIT && !f[NT_AT])
		return record_fail(err, "at", "missing (a visit notice says when)");
	if (n.type != NOTICE_VISIT && f[NT_AT])
		return record_fail(err, "at", "only for type visit");
	if (n.type == NOTICE_MESSAGE && !f[NT_TEXT])
		return record_fail(err, "text", "missing (a message needs its text)");
	if (f[NT_ALERT_ID]) {
		r = json_get_int(f[NT_ALERT_ID], "", "alert_id", 1, RECORD_INT_MAX, &v, err);
		if (r < 0)
			return r;
		n.alert_id = (uint64_t)v;
	}
	if (f[NT_RULE]) {
		r = json_get_string(f[NT_RULE], "", "rule", n.rule, sizeof(n.rule), err);
		if (r < 0)
			return r;
		if (!record_name_is_valid(n.rule))
			return record_fail(err, "rule", "not a rule id");
	}
	if (f[NT_AT]) {
		r = json_get_int(f[NT_AT], "", "at", 0, RECORD_INT_MAX, &v, err);
		if (r < 0)
			return r;
		n.at_ms = v;
	}
	if (f[NT_TEXT]) {
		r = json_get_string(f[NT_TEXT], "", "text", n.text, sizeof(n.text), err);
		if (r < 0)
			return r;
		if (!n.text[0] || !record_text_is_valid(n.text, RECORD_TEXT_MAX))
			return record_fail(err, "text", "must be non-empty printable UTF-8 text");
	}
	*ret = n;
	return 0;
}

int notice_to_json(const struct notice *n, char **ret)
{
	_cleanup_cjson_ cJSON *root = cJSON_CreateObject();

	if (!root || !notice_type_to_string(n->type))
		return root ? -EINVAL : -ENOMEM;
	cJSON_AddNumberToObject(root, "v", RECORD_VERSION);
	cJSON_AddStringToObject(root, "type", notice_type_to_string(n->type));
	if (n->type == NOTICE_ALERT_ACKNOWLEDGED) {
		json_add_integer(root, "alert_id", (long long)n->alert_id);
		if (n->rule[0])
			cJSON_AddStringToObject(root, "rule", n->rule);
	}
	if (n->type == NOTICE_VISIT)
		json_add_integer(root, "at", n->at_ms);
	if (n->text[0])
		cJSON_AddStringToObject(root, "text", n->text);
	*ret = cJSON_PrintUnformatted(root);
	return *ret ? 0 : -ENOMEM;
}
