// SPDX-License-Identifier: MIT
/*
 * JSON codec for wire records, through cJSON. Decoding walks each object once:
 * every member must be a known field of that kind (an unknown or repeated
 * member is an error), then each field is read with its type and range, and
 * finally the whole record goes through record_validate().
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "macro.h"
#include "record.h"
#include "record-internal.h"
#include "json-util.h"

/* ---- reading ---- */

enum {
	RV_QUANTITY,
	RV_VALUE,
	RV_UNIT,
	RV_RAW,
	RV_RAW_UNIT,
	_RV_MAX
};
static const struct field value_fields[_RV_MAX] = {
	[RV_QUANTITY] = { "quantity", true }, [RV_VALUE] = { "value", true },
	[RV_UNIT] = { "unit", true },         [RV_RAW] = { "raw", true },
	[RV_RAW_UNIT] = { "raw_unit", true },
};

static int parse_value(const cJSON *obj, size_t i, struct reading_value *v,
		       struct record_error *err)
{
	const cJSON *s[_RV_MAX];
	char path[64], unit[16];
	int q, r;

	snprintf(path, sizeof(path), "values[%zu]", i);
	r = json_collect(obj, path, value_fields, _RV_MAX, s, err);
	if (r < 0)
		return r;
	r = json_get_enum(s[RV_QUANTITY], path, "quantity", quantity_from_string, &q, err);
	if (r < 0)
		return r;
	v->quantity = (enum quantity)q;
	r = json_get_double(s[RV_VALUE], path, "value", &v->value, err);
	if (r < 0)
		return r;
	r = json_get_string(s[RV_UNIT], path, "unit", unit, sizeof(unit), err);
	if (r < 0)
		return r;
	if (strcmp(unit, quantity_unit(v->quantity)) != 0) {
		char f[96];

		snprintf(f, sizeof(f), "%s.unit", path);
		return record_fail(err, f, "'%s' is not the unit of %s, which is '%s'", unit,
				   quantity_to_string(v->quantity), quantity_unit(v->quantity));
	}
	r = json_get_double(s[RV_RAW], path, "raw", &v->raw, err);
	if (r < 0)
		return r;
	return json_get_string(s[RV_RAW_UNIT], path, "raw_unit", v->raw_unit, sizeof(v->raw_unit),
			       err);
}

enum {
	RD_DEVICE,
	RD_MEASUREMENT,
	RD_MODE,
	RD_DEVICE_TIME,
	RD_DEVICE_RECORD,
	RD_MEAL,
	RD_VALUES,
	RD_FLAGS,
	_RD_MAX,
};

static int parse_reading(const cJSON *const *s, struct reading *rd, struct record_error *err)
{
	long long n;
	size_t count;
	int v, r;

	r = json_get_string(s[RD_DEVICE], "", "device", rd->device, sizeof(rd->device), err);
	if (r < 0)
		return r;
	r = json_get_enum(s[RD_MEASUREMENT], "", "measurement", measurement_from_string, &v, err);
	if (r < 0)
		return r;
	rd->measurement = (enum measurement)v;
	rd->mode = READING_MODE_SPOT;
	if (s[RD_MODE]) {
		r = json_get_enum(s[RD_MODE], "", "mode", reading_mode_from_string, &v, err);
		if (r < 0)
			return r;
		rd->mode = (enum reading_mode)v;
	}
	if (s[RD_DEVICE_TIME]) {
		r = json_get_string(s[RD_DEVICE_TIME], "", "device_time", rd->device_time,
				    sizeof(rd->device_time), err);
		if (r < 0)
			return r;
		rd->has_device_time = true;
	}
	if (s[RD_DEVICE_RECORD]) {
		r = json_get_int(s[RD_DEVICE_RECORD], "", "device_record", 0, UINT32_MAX, &n, err);
		if (r < 0)
			return r;
		rd->has_device_record = true;
		rd->device_record = (uint32_t)n;
	}
	if (s[RD_MEAL]) {
		r = json_get_enum(s[RD_MEAL], "", "meal", meal_from_string, &v, err);
		if (r < 0)
			return r;
		rd->meal = (enum meal)v;
	}
	r = json_get_array(s[RD_VALUES], "values", RECORD_VALUES_MAX, &count, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < count; i++) {
		r = parse_value(cJSON_GetArrayItem(s[RD_VALUES], (int)i), i, &rd->values[i], err);
		if (r < 0)
			return r;
	}
	rd->n_values = count;
	if (s[RD_FLAGS]) {
		r = json_get_array(s[RD_FLAGS], "flags", _READING_FLAG_MAX, &count, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < count; i++) {
			char path[64];

			snprintf(path, sizeof(path), "flags[%zu]", i);
			r = json_get_enum(cJSON_GetArrayItem(s[RD_FLAGS], (int)i), "", path,
					  reading_flag_from_string, &v, err);
			if (r < 0)
				return r;
			if (rd->flags & (UINT64_C(1) << v))
				return record_fail(err, path, "'%s' appears twice",
						   reading_flag_to_string((enum reading_flag)v));
			rd->flags |= UINT64_C(1) << v;
		}
	}
	return 0;
}

/* ---- alert ---- */

enum {
	AL_ALERT_ID,
	AL_RULE,
	AL_SEVERITY,
	AL_STATE,
	AL_CONFIRMATION,
	AL_READINGS,
	AL_THRESHOLDS,
	AL_MESSAGE,
	_AL_MAX,
};

static int parse_alert(const cJSON *const *s, struct alert *a, struct record_error *err)
{
	long long n;
	size_t count;
	int v, r;

	r = json_get_int(s[AL_ALERT_ID], "", "alert_id", 1, RECORD_INT_MAX, &n, err);
	if (r < 0)
		return r;
	a->alert_id = (uint64_t)n;
	r = json_get_string(s[AL_RULE], "", "rule", a->rule, sizeof(a->rule), err);
	if (r < 0)
		return r;
	r = json_get_enum(s[AL_SEVERITY], "", "severity", severity_from_string, &v, err);
	if (r < 0)
		return r;
	a->severity = (enum severity)v;
	r = json_get_enum(s[AL_STATE], "", "state", alert_state_from_string, &v, err);
	if (r < 0)
		return r;
	a->state = (enum alert_state)v;
	r = json_get_enum(s[AL_CONFIRMATION], "", "confirmation", confirmation_from_string, &v,
			  err);
	if (r < 0)
		return r;
	a->confirmation = (enum confirmation)v;
	r = json_get_array(s[AL_READINGS], "readings", RECORD_READINGS_MAX, &count, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < count; i++) {
		char path[64];

		snprintf(path, sizeof(path), "readings[%zu]", i);
		r = json_get_int(cJSON_GetArrayItem(s[AL_READINGS], (int)i), "", path, 1,
				 RECORD_INT_MAX, &n, err);
		if (r < 0)
			return r;
		a->readings[i] = (uint64_t)n;
	}
	a->n_readings = count;
	if (s[AL_THRESHOLDS]) {
		const cJSON *t;

		if (!cJSON_IsObject(s[AL_THRESHOLDS]))
			return record_fail(err, "thresholds", "must be an object");
		cJSON_ArrayForEach(t, s[AL_THRESHOLDS])
		{
			struct threshold *th;

			if (a->n_thresholds >= RECORD_THRESHOLDS_MAX)
				return record_fail(err, "thresholds", "at most %d thresholds",
						   RECORD_THRESHOLDS_MAX);
			th = &a->thresholds[a->n_thresholds];
			if (strlen(t->string) >= sizeof(th->name))
				return record_fail(err, "thresholds", "name longer than %d bytes",
						   RECORD_NAME_MAX);
			memcpy(th->name, t->string, strlen(t->string) + 1);
			r = json_get_double(t, "thresholds", th->name, &th->value, err);
			if (r < 0)
				return r;
			a->n_thresholds++;
		}
	}
	if (s[AL_MESSAGE])
		return json_get_string(s[AL_MESSAGE], "", "message", a->message, sizeof(a->message),
				       err);
	return 0;
}

/* ---- event ---- */

enum {
	EV_EVENT,
	EV_DEVICE,
	EV_DETAIL,
	EV_MESSAGE,
	_EV_MAX
};

static int parse_event(const cJSON *const *s, struct event *e, struct record_error *err)
{
	int v, r;

	r = json_get_enum(s[EV_EVENT], "", "event", event_type_from_string, &v, err);
	if (r < 0)
		return r;
	e->type = (enum event_type)v;
	if (s[EV_DEVICE]) {
		r = json_get_string(s[EV_DEVICE], "", "device", e->device, sizeof(e->device), err);
		if (r < 0)
			return r;
		if (e->device[0] == '\0')
			return record_fail(err, "device",
					   "must not be empty; leave it out or null");
	}
	if (s[EV_DETAIL]) {
		const cJSON *d;

		if (!cJSON_IsObject(s[EV_DETAIL]))
			return record_fail(err, "detail", "must be an object");
		cJSON_ArrayForEach(d, s[EV_DETAIL])
		{
			struct event_detail *ed;

			if (e->n_details >= RECORD_DETAILS_MAX)
				return record_fail(err, "detail", "at most %d entries",
						   RECORD_DETAILS_MAX);
			ed = &e->details[e->n_details];
			if (strlen(d->string) >= sizeof(ed->key))
				return record_fail(err, "detail", "key longer than %d bytes",
						   RECORD_NAME_MAX);
			memcpy(ed->key, d->string, strlen(d->string) + 1);
			r = json_get_string(d, "detail", ed->key, ed->value, sizeof(ed->value),
					    err);
			if (r < 0)
				return r;
			e->n_details++;
		}
	}
	if (s[EV_MESSAGE])
		return json_get_string(s[EV_MESSAGE], "", "message", e->message, sizeof(e->message),
				       err);
	return 0;
}

/* ---- status ---- */

enum {
	DS_NAME,
	DS_ADDRESS,
	DS_PROFILE,
	DS_CONNECTED,
	DS_LAST_READING_TS,
	DS_BATTERY,
	DS_RSSI,
	DS_CLOCK_OFFSET,
	_DS_MAX,
};
static const struct field device_fields[_DS_MAX] = {
	[DS_NAME] = { "name", true },
	[DS_ADDRESS] = { "address", true },
	[DS_PROFILE] = { "profile", true },
	[DS_CONNECTED] = { "connected", true },
	[DS_LAST_READING_TS] = { "last_reading_ts", false },
	[DS_BATTERY] = { "battery", false },
	[DS_RSSI] = { "rssi", false },
	[DS_CLOCK_OFFSET] = { "clock_offset_s", false },
};

static int parse_device_status(const cJSON *obj, size_t i, struct device_status *d,
			       struct record_error *err)
{
	const cJSON *s[_DS_MAX];
	char path[64];
	long long n = 0;
	int r;

	snprintf(path, sizeof(path), "devices[%zu]", i);
	r = json_collect(obj, path, device_fields, _DS_MAX, s, err);
	if (r < 0)
		return r;
	r = json_get_string(s[DS_NAME], path, "name", d->name, sizeof(d->name), err);
	if (r >= 0)
		r = json_get_string(s[DS_ADDRESS], path, "address", d->address, sizeof(d->address),
				    err);
	if (r >= 0)
		r = json_get_string(s[DS_PROFILE], path, "profile", d->profile, sizeof(d->profile),
				    err);
	if (r >= 0)
		r = json_get_bool(s[DS_CONNECTED], path, "connected", &d->connected, err);
	if (r >= 0 && s[DS_LAST_READING_TS]) {
		r = json_get_int(s[DS_LAST_READING_TS], path, "last_reading_ts", 0, RECORD_INT_MAX,
				 &n, err);
		d->has_last_reading_ts = true;
		d->last_reading_ts = n;
	}
	if (r >= 0 && s[DS_BATTERY]) {
		r = json_get_int(s[DS_BATTERY], path, "battery", 0, 100, &n, err);
		d->has_battery = true;
		d->battery = (uint8_t)n;
	}
	if (r >= 0 && s[DS_RSSI]) {
		r = json_get_int(s[DS_RSSI], path, "rssi", -127, 20, &n, err);
		d->has_rssi = true;
		d->rssi = (int8_t)n;
	}
	if (r >= 0 && s[DS_CLOCK_OFFSET]) {
		r = json_get_int(s[DS_CLOCK_OFFSET], path, "clock_offset_s", -RECORD_INT_MAX / 1000,
				 RECORD_INT_MAX / 1000, &n, err);
		d->has_clock_offset = true;
		d->clock_offset_s = n;
	}
	return r;
}

enum {
	ST_STATE,
	ST_VERSION,
	ST_OUTBOX_DEPTH,
	ST_CLOCK_SYNCED,
	ST_STORAGE_OK,
	ST_DEVICES,
	_ST_MAX
};

static int parse_status(const cJSON *const *s, struct status *st, struct record_error *err)
{
	long long n;
	size_t count;
	int v, r;

	r = json_get_enum(s[ST_STATE], "", "state", gateway_state_from_string, &v, err);
	if (r < 0)
		return r;
	st->state = (enum gateway_state)v;
	r = json_get_string(s[ST_VERSION], "", "version", st->version, sizeof(st->version), err);
	if (r < 0)
		return r;
	r = json_get_int(s[ST_OUTBOX_DEPTH], "", "outbox_depth", 0, RECORD_INT_MAX, &n, err);
	if (r < 0)
		return r;
	st->outbox_depth = (uint64_t)n;
	r = json_get_bool(s[ST_CLOCK_SYNCED], "", "clock_synced", &st->clock_synced, err);
	if (r < 0)
		return r;
	r = json_get_bool(s[ST_STORAGE_OK], "", "storage_ok", &st->storage_ok, err);
	if (r < 0)
		return r;
	r = json_get_array(s[ST_DEVICES], "devices", RECORD_DEVICES_MAX, &count, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < count; i++) {
		r = parse_device_status(cJSON_GetArrayItem(s[ST_DEVICES], (int)i), i,
					&st->devices[i], err);
		if (r < 0)
			return r;
	}
	st->n_devices = count;
	return 0;
}

/* ---- top level ---- */

/* Fields every record has, then the fields of its kind, in one table per kind. */
enum {
	CM_V,
	CM_KIND,
	CM_SEQ,
	CM_TS,
	_CM_MAX
};

static const struct field kind_fields[_RECORD_KIND_MAX][_CM_MAX + FIELDS_MAX] = {
	[RECORD_READING] = {
		{ "v", true }, { "kind", true }, { "seq", true }, { "ts", true },
		[_CM_MAX + RD_DEVICE] = { "device", true },
		[_CM_MAX + RD_MEASUREMENT] = { "measurement", true },
		[_CM_MAX + RD_MODE] = { "mode", false },
		[_CM_MAX + RD_DEVICE_TIME] = { "device_time", false },
		[_CM_MAX + RD_DEVICE_RECORD] = { "device_record", false },
		[_CM_MAX + RD_MEAL] = { "meal", false },
		[_CM_MAX + RD_VALUES] = { "values", true },
		[_CM_MAX + RD_FLAGS] = { "flags", false },
	},
	[RECORD_ALERT] = {
		{ "v", true }, { "kind", true }, { "seq", true }, { "ts", true },
		[_CM_MAX + AL_ALERT_ID] = { "alert_id", true },
		[_CM_MAX + AL_RULE] = { "rule", true },
		[_CM_MAX + AL_SEVERITY] = { "severity", true },
		[_CM_MAX + AL_STATE] = { "state", true },
		[_CM_MAX + AL_CONFIRMATION] = { "confirmation", true },
		[_CM_MAX + AL_READINGS] = { "readings", true },
		[_CM_MAX + AL_THRESHOLDS] = { "thresholds", false },
		[_CM_MAX + AL_MESSAGE] = { "message", false },
	},
	[RECORD_EVENT] = {
		{ "v", true }, { "kind", true }, { "seq", true }, { "ts", true },
		[_CM_MAX + EV_EVENT] = { "event", true },
		[_CM_MAX + EV_DEVICE] = { "device", false },
		[_CM_MAX + EV_DETAIL] = { "detail", false },
		[_CM_MAX + EV_MESSAGE] = { "message", false },
	},
	[RECORD_STATUS] = {
		{ "v", true }, { "kind", true }, { "seq", false }, { "ts", true },
		[_CM_MAX + ST_STATE] = { "state", true },
		[_CM_MAX + ST_VERSION] = { "version", true },
		[_CM_MAX + ST_OUTBOX_DEPTH] = { "outbox_depth", true },
		[_CM_MAX + ST_CLOCK_SYNCED] = { "clock_synced", true },
		[_CM_MAX + ST_STORAGE_OK] = { "storage_ok", true },
		[_CM_MAX + ST_DEVICES] = { "devices", true },
	},
};

static const size_t kind_nfields[_RECORD_KIND_MAX] = {
	[RECORD_READING] = _CM_MAX + _RD_MAX,
	[RECORD_ALERT] = _CM_MAX + _AL_MAX,
	[RECORD_EVENT] = _CM_MAX + _EV_MAX,
	[RECORD_STATUS] = _CM_MAX + _ST_MAX,
};

static int parse_record(const cJSON *root, struct record *rec, struct record_error *err)
{
	const cJSON *s[_CM_MAX + FIELDS_MAX];
	const cJSON *kind;
	long long n;
	int k, r;

	if (!cJSON_IsObject(root))
		return record_fail(err, "", "a record must be a JSON object");
	/* The version decides everything else, the kind which fields exist: read them first. */
	if (!cJSON_GetObjectItemCaseSensitive(root, "v"))
		return record_fail(err, "v", "missing");
	r = json_get_int(cJSON_GetObjectItemCaseSensitive(root, "v"), "", "v", 0, RECORD_INT_MAX,
			 &n, err);
	if (r < 0)
		return r;
	if (n != RECORD_VERSION)
		return record_fail(err, "v", "unsupported version %lld, this side speaks %d", n,
				   RECORD_VERSION);
	kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
	if (!kind)
		return record_fail(err, "kind", "missing");
	r = json_get_enum(kind, "", "kind", record_kind_from_string, &k, err);
	if (r < 0)
		return r;
	rec->kind = (enum record_kind)k;
	r = json_collect(root, "", kind_fields[k], kind_nfields[k], s, err);
	if (r < 0)
		return r;
	if (s[CM_SEQ]) {
		if (rec->kind == RECORD_STATUS)
			return record_fail(err, "seq", "a status record has no seq");
		r = json_get_int(s[CM_SEQ], "", "seq", 1, RECORD_INT_MAX, &n, err);
		if (r < 0)
			return r;
		rec->seq = (uint64_t)n;
	}
	r = json_get_int(s[CM_TS], "", "ts", 0, RECORD_INT_MAX, &n, err);
	if (r < 0)
		return r;
	rec->ts = n;

	switch (rec->kind) {
	case RECORD_READING:
		return parse_reading(s + _CM_MAX, &rec->reading, err);
	case RECORD_ALERT:
		return parse_alert(s + _CM_MAX, &rec->alert, err);
	case RECORD_EVENT:
		return parse_event(s + _CM_MAX, &rec->event, err);
	case RECORD_STATUS:
		return parse_status(s + _CM_MAX, &rec->status, err);
	default:
		return record_fail(err, "kind", "unknown kind");
	}
}

int record_from_json(const char *json, size_t len, struct record *ret, struct record_error *err)
{
	_cleanup_cjson_ cJSON *root = NULL;
	struct record rec;
	int r;

	root = json_parse_bounded(json, len, "record", err, &r);
	if (!root)
		return r;

	memset(&rec, 0, sizeof(rec));
	r = parse_record(root, &rec, err);
	if (r < 0)
		return r;
	r = record_validate(&rec, err);
	if (r < 0)
		return r;
	*ret = rec;
	return 0;
}

/* ---- encoding ---- */

static bool add_number(cJSON *obj, const char *name, double v)
{
	return cJSON_AddNumberToObject(obj, name, v) != NULL;
}

static bool add_string_or_null(cJSON *obj, const char *name, const char *s)
{
	if (s && s[0])
		return cJSON_AddStringToObject(obj, name, s) != NULL;
	return cJSON_AddNullToObject(obj, name) != NULL;
}

static bool encode_reading(cJSON *o, const struct reading *rd)
{
	cJSON *values, *flags;
	bool ok = true;

	ok = ok && cJSON_AddStringToObject(o, "device", rd->device);
	ok = ok &&
	     cJSON_AddStringToObject(o, "measurement", measurement_to_string(rd->measurement));
	ok = ok && cJSON_AddStringToObject(o, "mode", reading_mode_to_string(rd->mode));
	ok = ok &&
	     add_string_or_null(o, "device_time", rd->has_device_time ? rd->device_time : NULL);
	if (rd->has_device_record)
		ok = ok && json_add_integer(o, "device_record", rd->device_record);
	else
		ok = ok && cJSON_AddNullToObject(o, "device_record");
	ok = ok && add_string_or_null(o, "meal", meal_to_string(rd->meal));
	values = ok ? cJSON_AddArrayToObject(o, "values") : NULL;
	for (size_t i = 0; values && ok && i < rd->n_values; i++) {
		const struct reading_value *v = &rd->values[i];
		cJSON *e = cJSON_CreateObject();

		ok = e && cJSON_AddItemToArray(values, e);
		ok = ok && cJSON_AddStringToObject(e, "quantity", quantity_to_string(v->quantity));
		ok = ok && add_number(e, "value", v->value);
		ok = ok && cJSON_AddStringToObject(e, "unit", quantity_unit(v->quantity));
		ok = ok && add_number(e, "raw", v->raw);
		ok = ok && cJSON_AddStringToObject(e, "raw_unit", v->raw_unit);
	}
	flags = values && ok ? cJSON_AddArrayToObject(o, "flags") : NULL;
	for (int f = 0; flags && ok && f < _READING_FLAG_MAX; f++)
		if (rd->flags & UINT64_C(1) << f) {
			cJSON *s = cJSON_CreateString(reading_flag_to_string((enum reading_flag)f));

			ok = s && cJSON_AddItemToArray(flags, s);
		}
	return values && flags && ok;
}

static bool encode_alert(cJSON *o, const struct alert *a)
{
	cJSON *readings, *thresholds;
	bool ok = true;

	ok = ok && json_add_integer(o, "alert_id", (long long)a->alert_id);
	ok = ok && cJSON_AddStringToObject(o, "rule", a->rule);
	ok = ok && cJSON_AddStringToObject(o, "severity", severity_to_string(a->severity));
	ok = ok && cJSON_AddStringToObject(o, "state", alert_state_to_string(a->state));
	ok = ok &&
	     cJSON_AddStringToObject(o, "confirmation", confirmation_to_string(a->confirmation));
	readings = ok ? cJSON_AddArrayToObject(o, "readings") : NULL;
	for (size_t i = 0; readings && ok && i < a->n_readings; i++) {
		cJSON *n = json_create_integer((long long)a->readings[i]);

		ok = n && cJSON_AddItemToArray(readings, n);
	}
	thresholds = readings && ok ? cJSON_AddObjectToObject(o, "thresholds") : NULL;
	for (size_t i = 0; thresholds && ok && i < a->n_thresholds; i++)
		ok = add_number(thresholds, a->thresholds[i].name, a->thresholds[i].value);
	ok = ok && add_string_or_null(o, "message", a->message);
	return readings && thresholds && ok;
}

static bool encode_event(cJSON *o, const struct event *e)
{
	cJSON *detail;
	bool ok = true;

	ok = ok && cJSON_AddStringToObject(o, "event", event_type_to_string(e->type));
	ok = ok && add_string_or_null(o, "device", e->device);
	detail = ok ? cJSON_AddObjectToObject(o, "detail") : NULL;
	for (size_t i = 0; detail && ok && i < e->n_details; i++)
		ok = cJSON_AddStringToObject(detail, e->details[i].key, e->details[i].value) !=
		     NULL;
	ok = ok && add_string_or_null(o, "message", e->message);
	return detail && ok;
}

static bool encode_status(cJSON *o, const struct status *s)
{
	cJSON *devices;
	bool ok = true;

	ok = ok && cJSON_AddStringToObject(o, "state", gateway_state_to_string(s->state));
	ok = ok && cJSON_AddStringToObject(o, "version", s->version);
	ok = ok && json_add_integer(o, "outbox_depth", (long long)s->outbox_depth);
	ok = ok && cJSON_AddBoolToObject(o, "clock_synced", s->clock_synced);
	ok = ok && cJSON_AddBoolToObject(o, "storage_ok", s->storage_ok);
	devices = ok ? cJSON_AddArrayToObject(o, "devices") : NULL;
	for (size_t i = 0; devices && ok && i < s->n_devices; i++) {
		const struct device_status *d = &s->devices[i];
		cJSON *e = cJSON_CreateObject();

		ok = e && cJSON_AddItemToArray(devices, e);
		ok = ok && cJSON_AddStringToObject(e, "name", d->name);
		ok = ok && cJSON_AddStringToObject(e, "address", d->address);
		ok = ok && cJSON_AddStringToObject(e, "profile", d->profile);
		ok = ok && cJSON_AddBoolToObject(e, "connected", d->connected);
		ok = ok && (d->has_last_reading_ts
				    ? json_add_integer(e, "last_reading_ts", d->last_reading_ts)
				    : cJSON_AddNullToObject(e, "last_reading_ts") != NULL);
		ok = ok && (d->has_battery ? add_number(e, "battery", d->battery)
					   : cJSON_AddNullToObject(e, "battery") != NULL);
		ok = ok && (d->has_rssi ? add_number(e, "rssi", d->rssi)
					: cJSON_AddNullToObject(e, "rssi") != NULL);
		ok = ok &&
		     (d->has_clock_offset ? json_add_integer(e, "clock_offset_s", d->clock_offset_s)
					  : cJSON_AddNullToObject(e, "clock_offset_s") != NULL);
	}
	return devices && ok;
}

int record_to_json(const struct record *r, char **ret, struct record_error *err)
{
	_cleanup_cjson_ cJSON *o = NULL;
	bool ok;
	char *s;
	int k;

	k = record_validate(r, err);
	if (k < 0)
		return k;
	o = cJSON_CreateObject();
	if (!o)
		return -ENOMEM;
	ok = add_number(o, "v", RECORD_VERSION) &&
	     cJSON_AddStringToObject(o, "kind", record_kind_to_string(r->kind)) &&
	     (r->kind == RECORD_STATUS || json_add_integer(o, "seq", (long long)r->seq)) &&
	     json_add_integer(o, "ts", r->ts);
	switch (r->kind) {
	case RECORD_READING:
		ok = ok && encode_reading(o, &r->reading);
		break;
	case RECORD_ALERT:
		ok = ok && encode_alert(o, &r->alert);
		break;
	case RECORD_EVENT:
		ok = ok && encode_event(o, &r->event);
		break;
	case RECORD_STATUS:
		ok = ok && encode_status(o, &r->status);
		break;
	default:
		ok = false;
	}
	if (!ok)
		return -ENOMEM;
	s = cJSON_PrintUnformatted(o);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}
