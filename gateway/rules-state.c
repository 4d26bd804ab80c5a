// SPDX-License-Identifier: MIT
/*
 * The rules engine's state as JSON, for the outbox's state table: open alerts
 * (with their latches), pending confirmations, the readings baselines and
 * multi-reading rules remember, the bed and the watched devices. Loading is
 * strict: anything out of range or inconsistent rejects the whole text.
 * Persistence windows of streams are not kept; they restart with the stream.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "macro.h"
#include "record.h"
#include "rules-internal.h"
#include "rules.h"

#define STATE_VERSION 1
#define VALUE_MAX     100000 /* any scaled vital sign is far below this */

static inline void cjson_deletep(cJSON **p)
{
	cJSON_Delete(*p);
}
#define _cleanup_cjson_ _cleanup_(cjson_deletep)

/* Saving: every add is checked; the first failure makes the whole save -ENOMEM. */

static bool add_number(cJSON *o, const char *key, double v)
{
	return cJSON_AddNumberToObject(o, key, v) != NULL;
}

static bool add_string(cJSON *o, const char *key, const char *s)
{
	return cJSON_AddStringToObject(o, key, s) != NULL;
}

static bool add_bool(cJSON *o, const char *key, bool b)
{
	return cJSON_AddBoolToObject(o, key, b) != NULL;
}

static bool add_mark(cJSON *o, const char *key, const struct mark *m)
{
	cJSON *j;

	if (!m->active)
		return cJSON_AddNullToObject(o, key) != NULL;
	j = cJSON_AddObjectToObject(o, key);
	return j && add_number(j, "seq", (double)m->seq) && add_number(j, "ms", (double)m->ms) &&
	       add_number(j, "last_ms", (double)m->last_ms);
}

static bool add_alert(cJSON *array, const struct open_alert *a)
{
	cJSON *j = cJSON_CreateObject(), *readings;
	bool ok;

	if (!j || !cJSON_AddItemToArray(array, j)) {
		cJSON_Delete(j);
		return false;
	}
	readings = cJSON_AddArrayToObject(j, "readings");
	ok = readings && add_number(j, "id", (double)a->id) &&
	     add_string(j, "rule", rule_id_to_string(a->rule)) &&
	     add_string(j, "severity", severity_to_string(a->severity)) &&
	     add_string(j, "confirmation", confirmation_to_string(a->confirmation)) &&
	     add_bool(j, "silent", a->silent) && add_bool(j, "acknowledged", a->acknowledged) &&
	     add_bool(j, "condition_cleared", a->condition_cleared) &&
	     add_number(j, "clear_count", a->clear_count) && add_number(j, "retests", a->retests) &&
	     add_number(j, "retest_due_ms", (double)a->retest_due_ms) &&
	     add_string(j, "message", a->message);
	for (size_t i = 0; ok && i < a->n_readings; i++) {
		cJSON *n = cJSON_CreateNumber((double)a->readings[i]);

		ok = n && cJSON_AddItemToArray(readings, n);
	}
	if (ok && a->has_baseline)
		ok = add_number(j, "baseline2", (double)a->baseline2);
	return ok;
}

static bool add_pending(cJSON *array, enum rule_id r, const struct pending *p)
{
	cJSON *j = cJSON_CreateObject();

	if (!j || !cJSON_AddItemToArray(array, j)) {
		cJSON_Delete(j);
		return false;
	}
	return add_string(j, "rule", rule_id_to_string(r)) &&
	       add_number(j, "seq", (double)p->seq) &&
	       add_number(j, "since_ms", (double)p->since_ms) &&
	       add_string(j, "severity", severity_to_string(p->severity)) &&
	       add_string(j, "measurement", measurement_to_string(p->measurement)) &&
	       add_string(j, "what", p->what);
}

static bool add_baseline(cJSON *o, const char *key, const struct baseline *b)
{
	cJSON *j = cJSON_AddObjectToObject(o, key), *entries;
	bool ok;

	if (!j)
		return false;
	entries = cJSON_AddArrayToObject(j, "entries");
	ok = entries && add_number(j, "last_continuous_ms", (double)b->last_continuous_ms);
	for (size_t i = 0; ok && i < b->n; i++) {
		double pair[2] = { (double)b->ms[i], (double)b->value[i] };
		cJSON *n = cJSON_CreateDoubleArray(pair, 2);

		ok = n && cJSON_AddItemToArray(entries, n);
	}
	return ok;
}

int rules_engine_save(const struct rules_engine *e, char **ret)
{
	_cleanup_cjson_ cJSON *root = cJSON_CreateObject();
	cJSON *alerts, *pending, *devices;
	bool ok;
	char *text;

	if (!e || !ret)
		return -EINVAL;
	if (!root)
		return -ENOMEM;
	alerts = cJSON_AddArrayToObject(root, "alerts");
	pending = cJSON_AddArrayToObject(root, "pending");
	devices = cJSON_AddArrayToObject(root, "devices");
	ok = alerts && pending && devices && add_number(root, "version", STATE_VERSION) &&
	     add_number(root, "next_alert_id", (double)e->next_alert_id) &&
	     add_mark(root, "hr3_run", &e->hr3_run) && add_mark(root, "bg6_high", &e->bg6_high) &&
	     add_mark(root, "t2_warm", &e->t2_warm) && add_mark(root, "bed_exit", &e->bed_exit) &&
	     add_number(root, "bed_occupancy", e->bed_occupancy) &&
	     add_baseline(root, "spo2", &e->spo2) &&
	     add_baseline(root, "temperature", &e->temperature);
	for (size_t i = 0; ok && i < e->n_open; i++)
		ok = add_alert(alerts, &e->open[i]);
	for (int r = 0; ok && r < _RULE_MAX; r++)
		if (e->pending[r].active)
			ok = add_pending(pending, (enum rule_id)r, &e->pending[r]);
	for (size_t i = 0; ok && i < e->n_devices; i++) {
		cJSON *d = cJSON_CreateObject();

		ok = d && cJSON_AddItemToArray(devices, d);
		if (!ok)
			cJSON_Delete(d);
		ok = ok && add_string(d, "name", e->devices[i].name) &&
		     add_bool(d, "silent", e->devices[i].silent);
	}
	if (!ok)
		return -ENOMEM;
	text = cJSON_PrintUnformatted(root);
	if (!text)
		return -ENOMEM;
	*ret = text;
	return 0;
}

/* Loading: each getter returns false for a missing, mistyped or out-of-range member. */

static bool get_integer(const cJSON *o, const char *key, double min, double max, double *ret)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble) ||
	    j->valuedouble != floor(j->valuedouble) || j->valuedouble < min || j->valuedouble > max)
		return false;
	*ret = j->valuedouble;
	return true;
}

static bool get_u64(const cJSON *o, const char *key, uint64_t min, uint64_t *ret)
{
	double v;

	if (!get_integer(o, key, (double)min, (double)RECORD_INT_MAX, &v))
		return false;
	*ret = (uint64_t)v;
	return true;
}

static bool get_ms(const cJSON *o, const char *key, int64_t *ret)
{
	double v;

	if (!get_integer(o, key, 0, (double)RECORD_INT_MAX, &v))
		return false;
	*ret = (int64_t)v;
	return true;
}

static bool get_bool(const cJSON *o, const char *key, bool *ret)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsBool(j))
		return false;
	*ret = cJSON_IsTrue(j);
	return true;
}

static bool get_string(const cJSON *o, const char *key, char *buf, size_t size)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(j) || !j->valuestring || strlen(j->valuestring) >= size)
		return false;
	memcpy(buf, j->valuestring, strlen(j->valuestring) + 1);
	return true;
}

static bool get_enum(const cJSON *o, const char *key, int (*from_string)(const char *), int *ret)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
	int v;

	if (!cJSON_IsString(j) || !j->valuestring)
		return false;
	v = from_string(j->valuestring);
	if (v < 0)
		return false;
	*ret = v;
	return true;
}

/* Text that ends up in alert messages must be valid there. */
static bool valid_message(const char *text)
{
	struct record r = { .kind = RECORD_ALERT, .seq = 1, .ts = 0 };
	struct record_error err;

	r.alert.alert_id = 1;
	snprintf(r.alert.rule, sizeof(r.alert.rule), "CALL");
	snprintf(r.alert.message, sizeof(r.alert.message), "%s", text);
	return strlen(text) <= RECORD_TEXT_MAX && record_validate(&r, &err) == 0;
}

static bool load_mark(const cJSON *root, const char *key, struct mark *m)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, key);

	*m = (struct mark){ 0 };
	if (cJSON_IsNull(j))
		return true;
	if (!cJSON_IsObject(j))
		return false;
	m->active = true;
	return get_u64(j, "seq", 1, &m->seq) && get_ms(j, "ms", &m->ms) &&
	       get_ms(j, "last_ms", &m->last_ms);
}

static bool load_alert(struct rules_engine *e, const cJSON *j)
{
	struct open_alert *a = &e->open[e->n_open];
	const cJSON *readings = cJSON_GetObjectItemCaseSensitive(j, "readings"), *n;
	int rule, sev, conf;
	double v;

	if (!cJSON_IsObject(j) || e->n_open >= RULES_OPEN_MAX || !cJSON_IsArray(readings))
		return false;
	memset(a, 0, sizeof(*a));
	if (!get_u64(j, "id", 1, &a->id) || a->id >= e->next_alert_id ||
	    !get_enum(j, "rule", rule_id_from_string, &rule) ||
	    !get_enum(j, "severity", severity_from_string, &sev) ||
	    !get_enum(j, "confirmation", confirmation_from_string, &conf) ||
	    !get_bool(j, "silent", &a->silent) || !get_bool(j, "acknowledged", &a->acknowledged) ||
	    !get_bool(j, "condition_cleared", &a->condition_cleared) ||
	    !get_integer(j, "clear_count", 0, 1000, &v))
		return false;
	a->clear_count = (unsigned)v;
	if (!get_integer(j, "retests", 0, 1000, &v))
		return false;
	a->retests = (unsigned)v;
	if (!get_ms(j, "retest_due_ms", &a->retest_due_ms) ||
	    !get_string(j, "message", a->message, sizeof(a->message)) || !valid_message(a->message))
		return false;
	a->rule = (enum rule_id)rule;
	a->severity = (enum severity)sev;
	a->confirmation = (enum confirmation)conf;
	if (a->retest_due_ms && a->rule != RULE_BG3)
		return false;
	if (cJSON_GetObjectItemCaseSensitive(j, "baseline2")) {
		if ((a->rule != RULE_OX3 && a->rule != RULE_T2) ||
		    !get_integer(j, "baseline2", -2 * VALUE_MAX, 2 * VALUE_MAX, &v))
			return false;
		a->has_baseline = true;
		a->baseline2 = (long long)v;
	}
	cJSON_ArrayForEach(n, readings)
	{
		if (a->n_readings == RECORD_READINGS_MAX || !cJSON_IsNumber(n) ||
		    n->valuedouble != floor(n->valuedouble) || n->valuedouble < 1 ||
		    n->valuedouble > (double)RECORD_INT_MAX)
			return false;
		a->readings[a->n_readings++] = (uint64_t)n->valuedouble;
	}
	/* One open alert per rule (calls apart), ids unique, and room left for every rule. */
	for (size_t i = 0; i < e->n_open; i++)
		if (e->open[i].id == a->id || (a->rule != RULE_CALL && e->open[i].rule == a->rule))
			return false;
	if (a->rule == RULE_CALL && e->n_open >= RULES_OPEN_MAX - _RULE_MAX)
		return false;
	e->n_open++;
	return true;
}

static bool load_pending(struct rules_engine *e, const cJSON *j)
{
	struct pending p = { .active = true };
	int rule, sev, m;

	if (!cJSON_IsObject(j) || !get_enum(j, "rule", rule_id_from_string, &rule) ||
	    !get_u64(j, "seq", 1, &p.seq) || !get_ms(j, "since_ms", &p.since_ms) ||
	    !get_enum(j, "severity", severity_from_string, &sev) ||
	    !get_enum(j, "measurement", measurement_from_string, &m) ||
	    !get_string(j, "what", p.what, sizeof(p.what)) || !valid_message(p.what))
		return false;
	/* A pending confirmation exists only while its rule has no open alert. */
	if (e->pending[rule].active)
		return false;
	for (size_t i = 0; i < e->n_open; i++)
		if (e->open[i].rule == (enum rule_id)rule)
			return false;
	p.severity = (enum severity)sev;
	p.measurement = (enum measurement)m;
	e->pending[rule] = p;
	return true;
}

static bool load_baseline(const cJSON *root, const char *key, struct baseline *b)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, key), *entries, *pair;

	memset(b, 0, sizeof(*b));
	if (!cJSON_IsObject(j) || !get_ms(j, "last_continuous_ms", &b->last_continuous_ms))
		return false;
	entries = cJSON_GetObjectItemCaseSensitive(j, "entries");
	if (!cJSON_IsArray(entries))
		return false;
	cJSON_ArrayForEach(pair, entries)
	{
		const cJSON *ms = cJSON_GetArrayItem(pair, 0), *value = cJSON_GetArrayItem(pair, 1);

		if (b->n == RULES_BASELINE_MAX || !cJSON_IsArray(pair) ||
		    cJSON_GetArraySize(pair) != 2 || !cJSON_IsNumber(ms) ||
		    !cJSON_IsNumber(value) || ms->valuedouble != floor(ms->valuedouble) ||
		    ms->valuedouble < 0 || ms->valuedouble > (double)RECORD_INT_MAX ||
		    value->valuedouble != floor(value->valuedouble) ||
		    fabs(value->valuedouble) > VALUE_MAX)
			return false;
		b->ms[b->n] = (int64_t)ms->valuedouble;
		b->value[b->n++] = (long long)value->valuedouble;
	}
	return true;
}

static bool load_device(struct rules_engine *e, const cJSON *j)
{
	struct watched_device *d = &e->devices[e->n_devices];

	if (!cJSON_IsObject(j) || e->n_devices >= RECORD_DEVICES_MAX)
		return false;
	memset(d, 0, sizeof(*d));
	if (!get_string(j, "name", d->name, sizeof(d->name)) || !record_name_is_valid(d->name) ||
	    !get_bool(j, "silent", &d->silent))
		return false;
	for (size_t i = 0; i < e->n_devices; i++)
		if (strcmp(e->devices[i].name, d->name) == 0)
			return false;
	e->n_devices++;
	return true;
}

static bool load_state(struct rules_engine *e, const cJSON *root)
{
	const cJSON *item;
	double v;

	if (!cJSON_IsObject(root) ||
	    !get_integer(root, "version", STATE_VERSION, STATE_VERSION, &v) ||
	    !get_u64(root, "next_alert_id", 1, &e->next_alert_id) ||
	    !load_mark(root, "hr3_run", &e->hr3_run) ||
	    !load_mark(root, "bg6_high", &e->bg6_high) ||
	    !load_mark(root, "t2_warm", &e->t2_warm) ||
	    !load_mark(root, "bed_exit", &e->bed_exit) ||
	    !get_integer(root, "bed_occupancy", -1, 1, &v) ||
	    !load_baseline(root, "spo2", &e->spo2) ||
	    !load_baseline(root, "temperature", &e->temperature))
		return false;
	e->bed_occupancy = (int)v;
	item = cJSON_GetObjectItemCaseSensitive(root, "alerts");
	if (!cJSON_IsArray(item))
		return false;
	for (const cJSON *j = item->child; j; j = j->next)
		if (!load_alert(e, j))
			return false;
	item = cJSON_GetObjectItemCaseSensitive(root, "pending");
	if (!cJSON_IsArray(item))
		return false;
	for (const cJSON *j = item->child; j; j = j->next)
		if (!load_pending(e, j))
			return false;
	item = cJSON_GetObjectItemCaseSensitive(root, "devices");
	if (!cJSON_IsArray(item))
		return false;
	for (const cJSON *j = item->child; j; j = j->next)
		if (!load_device(e, j))
			return false;
	return true;
}

int rules_engine_load(struct rules_engine *e, const char *json, size_t len)
{
	_cleanup_cjson_ cJSON *root = NULL;

	if (!e || !json)
		return -EINVAL;
	rules_engine_reset(e);
	if (len > 4 * 1024 * 1024)
		return -EBADMSG;
	root = cJSON_ParseWithLength(json, len);
	if (!root || !load_state(e, root)) {
		rules_engine_reset(e);
		return -EBADMSG;
	}
	e->devices_changed = true; /* the first tick reconciles TECH1 with the devices */
	return 0;
}
