// SPDX-License-Identifier: MIT
/*
 * Validation of wire records. It works on the structs, so the gateway checks
 * a record before it is stored and the cloud after it is parsed, with the same
 * rules (the JSON decoder reports type and syntax problems itself, first).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "record.h"
#include "record-internal.h"

int record_fail(struct record_error *err, const char *field, const char *format, ...)
{
	va_list ap;
	char text[160];

	if (!err)
		return -EBADMSG;
	va_start(ap, format);
	vsnprintf(text, sizeof(text), format, ap);
	va_end(ap);
	snprintf(err->field, sizeof(err->field), "%s", field);
	if (field[0])
		snprintf(err->message, sizeof(err->message), "%s: %s", field, text);
	else
		snprintf(err->message, sizeof(err->message), "%s", text);
	return -EBADMSG;
}

bool record_name_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > RECORD_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* Well-formed UTF-8 without control characters (RFC 3629 ranges). */
bool record_text_is_valid(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	if (n > max)
		return false;
	for (size_t i = 0; i < n;) {
		unsigned c = p[i], len, cp;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07;
		else
			return false;
		if (i + len > n)
			return false;
		for (unsigned k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/* "YYYY-MM-DDTHH:MM:SS" naming a real calendar second. */
bool record_device_time_is_valid(const char *s)
{
	static const uint8_t mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, se;
	int n = -1;

	if (strlen(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':')
		return false;
	for (int i = 0; i < 19; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (s[i] < '0' || s[i] > '9'))
			return false;
	if (sscanf(s, "%4u-%2u-%2uT%2u:%2u:%2u%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || n != 19)
		return false;
	if (y < 1582 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    se > 59)
		return false;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

bool json_has_nul_escape(const char *json, size_t len)
{
	for (size_t i = 0; i + 5 < len; i++)
		if (json[i] == '\\' && json[i + 1] == 'u' && json[i + 2] == '0' &&
		    json[i + 3] == '0' && json[i + 4] == '0' && json[i + 5] == '0')
			return true;
	return false;
}

int reading_add_value(struct reading *rd, enum quantity q, double value, double raw,
		      const char *raw_unit)
{
	struct reading_value *v;

	if (rd->n_values >= RECORD_VALUES_MAX)
		return -ENOBUFS;
	v = &rd->values[rd->n_values++];
	v->quantity = q;
	v->value = value;
	v->raw = raw;
	snprintf(v->raw_unit, sizeof(v->raw_unit), "%s", raw_unit);
	return 0;
}

const struct reading_value *reading_get_value(const struct reading *rd, enum quantity q)
{
	for (size_t i = 0; i < rd->n_values; i++)
		if (rd->values[i].quantity == q)
			return &rd->values[i];
	return NULL;
}

static bool raw_unit_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(((struct reading_value *)0)->raw_unit))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

/* Quantities a measurement must carry. */
static const enum quantity required_quantities[_MEASUREMENT_MAX][2] = {
	[MEASUREMENT_BLOOD_PRESSURE] = { QUANTITY_SYSTOLIC, QUANTITY_DIASTOLIC },
	[MEASUREMENT_GLUCOSE] = { QUANTITY_GLUCOSE, QUANTITY_GLUCOSE },
	[MEASUREMENT_PULSE_OXIMETRY] = { QUANTITY_SPO2, QUANTITY_SPO2 },
	[MEASUREMENT_BODY_TEMPERATURE] = { QUANTITY_BODY_TEMPERATURE, QUANTITY_BODY_TEMPERATURE },
	[MEASUREMENT_BODY_WEIGHT] = { QUANTITY_WEIGHT, QUANTITY_WEIGHT },
	[MEASUREMENT_BEDSIDE] = { _QUANTITY_MAX, _QUANTITY_MAX },
};

static int validate_value(const struct reading_value *v, size_t i, struct record_error *err)
{
	char path[64];
	double min, max;

	snprintf(path, sizeof(path), "values[%zu]", i);
	if (!quantity_to_string(v->quantity))
		return record_fail(err, path, "unknown quantity %d", (int)v->quantity);
	snprintf(path, sizeof(path), "values[%zu].value", i);
	quantity_range(v->quantity, &min, &max);
	if (!isfinite(v->value))
		return record_fail(err, path, "not a finite number");
	if (v->value < min || v->value > max)
		return record_fail(err, path, "%g is outside %g..%g %s for %s", v->value, min, max,
				   quantity_unit(v->quantity), quantity_to_string(v->quantity));
	if (quantity_decimals(v->quantity) == 0 && v->value != floor(v->value))
		return record_fail(err, path, "%g must be a whole number for %s", v->value,
				   quantity_to_string(v->quantity));
	snprintf(path, sizeof(path), "values[%zu].raw", i);
	if (!isfinite(v->raw))
		return record_fail(err, path, "not a finite number");
	snprintf(path, sizeof(path), "values[%zu].raw_unit", i);
	if (!raw_unit_is_valid(v->raw_unit))
		return record_fail(err, path, "must be 1..%zu printable characters without spaces",
				   sizeof(v->raw_unit) - 1);
	return 0;
}

static int validate_reading(const struct reading *rd, struct record_error *err)
{
	uint32_t seen = 0;
	int r;

	if (!record_name_is_valid(rd->device))
		return record_fail(err, "device", "must be 1..%d characters of A-Z a-z 0-9 _ - .",
				   RECORD_NAME_MAX);
	if (!measurement_to_string(rd->measurement))
		return record_fail(err, "measurement", "unknown measurement %d",
				   (int)rd->measurement);
	if (!reading_mode_to_string(rd->mode))
		return record_fail(err, "mode", "unknown mode %d", (int)rd->mode);
	if (rd->has_device_time && !record_device_time_is_valid(rd->device_time))
		return record_fail(err, "device_time", "'%s' is not a valid YYYY-MM-DDTHH:MM:SS",
				   rd->device_time);
	if ((unsigned)rd->meal >= _MEAL_MAX)
		return record_fail(err, "meal", "unknown meal %d", (int)rd->meal);
	if (rd->meal != MEAL_NONE && rd->measurement != MEASUREMENT_GLUCOSE)
		return record_fail(err, "meal", "only glucose readings carry a meal");
	if (rd->n_values == 0 || rd->n_values > RECORD_VALUES_MAX)
		return record_fail(err, "values", "must hold 1..%d values, has %zu",
				   RECORD_VALUES_MAX, rd->n_values);
	for (size_t i = 0; i < rd->n_values; i++) {
		r = validate_value(&rd->values[i], i, err);
		if (r < 0)
			return r;
		if (seen & 1u << rd->values[i].quantity) {
			char path[64];

			snprintf(path, sizeof(path), "values[%zu].quantity", i);
			return record_fail(err, path, "%s appears twice",
					   quantity_to_string(rd->values[i].quantity));
		}
		seen |= 1u << rd->values[i].quantity;
	}
	for (size_t k = 0; k < 2; k++) {
		enum quantity q = required_quantities[rd->measurement][k];

		if (q != _QUANTITY_MAX && !(seen & 1u << q))
			return record_fail(err, "values", "a %s reading needs a %s value",
					   measurement_to_string(rd->measurement),
					   quantity_to_string(q));
	}
	if (rd->flags >> _READING_FLAG_MAX)
		return record_fail(err, "flags", "unknown flag bits 0x%llx",
				   (unsigned long long)(rd->flags >> _READING_FLAG_MAX));
	return 0;
}

static bool rule_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > RECORD_NAME_MAX || s[0] < 'A' || s[0] > 'Z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* Lower-case identifiers: threshold names and event detail keys. */
bool record_key_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > RECORD_NAME_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static int validate_alert(const struct alert *a, struct record_error *err)
{
	char path[64];

	if (a->alert_id < 1 || a->alert_id > (uint64_t)RECORD_INT_MAX)
		return record_fail(err, "alert_id", "must be 1..%lld", RECORD_INT_MAX);
	if (!rule_is_valid(a->rule))
		return record_fail(err, "rule",
				   "must be 1..%d characters of A-Z a-z 0-9 _, starting with A-Z",
				   RECORD_NAME_MAX);
	if (!severity_to_string(a->severity))
		return record_fail(err, "severity", "unknown severity %d", (int)a->severity);
	if (!alert_state_to_string(a->state))
		return record_fail(err, "state", "unknown state %d", (int)a->state);
	if (!confirmation_to_string(a->confirmation))
		return record_fail(err, "confirmation", "unknown confirmation %d",
				   (int)a->confirmation);
	if (a->n_readings > RECORD_READINGS_MAX)
		return record_fail(err, "readings", "at most %d readings", RECORD_READINGS_MAX);
	for (size_t i = 0; i < a->n_readings; i++)
		if (a->readings[i] < 1 || a->readings[i] > (uint64_t)RECORD_INT_MAX) {
			snprintf(path, sizeof(path), "readings[%zu]", i);
			return record_fail(err, path, "must be a seq 1..%lld", RECORD_INT_MAX);
		}
	if (a->n_thresholds > RECORD_THRESHOLDS_MAX)
		return record_fail(err, "thresholds", "at most %d thresholds",
				   RECORD_THRESHOLDS_MAX);
	for (size_t i = 0; i < a->n_thresholds; i++) {
		const struct threshold *t = &a->thresholds[i];

		snprintf(path, sizeof(path), "thresholds.%.20s", t->name);
		if (!record_key_is_valid(t->name))
			return record_fail(err, "thresholds",
					   "name '%.40s' must be a-z 0-9 _, starting with a letter",
					   t->name);
		if (!isfinite(t->value))
			return record_fail(err, path, "not a finite number");
		for (size_t k = 0; k < i; k++)
			if (strcmp(a->thresholds[k].name, t->name) == 0)
				return record_fail(err, path, "appears twice");
	}
	if (!record_text_is_valid(a->message, RECORD_TEXT_MAX))
		return record_fail(
			err, "message",
			"must be UTF-8 text of at most %d bytes without control characters",
			RECORD_TEXT_MAX);
	return 0;
}

static int validate_event(const struct event *e, struct record_error *err)
{
	char path[64];

	if (!event_type_to_string(e->type))
		return record_fail(err, "event", "unknown event %d", (int)e->type);
	if (e->device[0] && !record_name_is_valid(e->device))
		return record_fail(err, "device", "must be 1..%d characters of A-Z a-z 0-9 _ - .",
				   RECORD_NAME_MAX);
	if (e->n_details > RECORD_DETAILS_MAX)
		return record_fail(err, "detail", "at most %d entries", RECORD_DETAILS_MAX);
	for (size_t i = 0; i < e->n_details; i++) {
		const struct event_detail *d = &e->details[i];

		if (!record_key_is_valid(d->key))
			return record_fail(err, "detail",
					   "key '%.40s' must be a-z 0-9 _, starting with a letter",
					   d->key);
		snprintf(path, sizeof(path), "detail.%s", d->key);
		if (!record_text_is_valid(d->value, RECORD_TEXT_MAX))
			return record_fail(
				err, path,
				"must be UTF-8 text of at most %d bytes without control characters",
				RECORD_TEXT_MAX);
		for (size_t k = 0; k < i; k++)
			if (strcmp(e->details[k].key, d->key) == 0)
				return record_fail(err, path, "appears twice");
	}
	if (!record_text_is_valid(e->message, RECORD_TEXT_MAX))
		return record_fail(
			err, "message",
			"must be UTF-8 text of at most %d bytes without control characters",
			RECORD_TEXT_MAX);
	return 0;
}

static int validate_device_status(const struct device_status *d, size_t i, struct record_error *err)
{
	char path[64];

	snprintf(path, sizeof(path), "devices[%zu].name", i);
	if (!record_name_is_valid(d->name))
		return record_fail(err, path, "must be 1..%d characters of A-Z a-z 0-9 _ - .",
				   RECORD_NAME_MAX);
	snprintf(path, sizeof(path), "devices[%zu].address", i);
	if (d->address[0] == '\0' || !record_text_is_valid(d->address, sizeof(d->address) - 1))
		return record_fail(err, path, "must be 1..%zu bytes of text",
				   sizeof(d->address) - 1);
	snprintf(path, sizeof(path), "devices[%zu].profile", i);
	if (!record_key_is_valid(d->profile))
		return record_fail(err, path, "must be a-z 0-9 _, starting with a letter");
	snprintf(path, sizeof(path), "devices[%zu].last_reading_ts", i);
	if (d->has_last_reading_ts &&
	    (d->last_reading_ts < 0 || d->last_reading_ts > RECORD_INT_MAX))
		return record_fail(err, path, "must be 0..%lld", RECORD_INT_MAX);
	snprintf(path, sizeof(path), "devices[%zu].battery", i);
	if (d->has_battery && d->battery > 100)
		return record_fail(err, path, "%u is outside 0..100 %%", d->battery);
	snprintf(path, sizeof(path), "devices[%zu].rssi", i);
	if (d->has_rssi && (d->rssi < -127 || d->rssi > 20))
		return record_fail(err, path, "%d is outside -127..20 dBm", d->rssi);
	snprintf(path, sizeof(path), "devices[%zu].clock_offset_s", i);
	if (d->has_clock_offset && (d->clock_offset_s < -RECORD_INT_MAX / 1000 ||
				    d->clock_offset_s > RECORD_INT_MAX / 1000))
		return record_fail(err, path, "out of range");
	return 0;
}

static int validate_status(const struct status *s, struct record_error *err)
{
	int r;

	if (!gateway_state_to_string(s->state))
		return record_fail(err, "state", "unknown state %d", (int)s->state);
	if (s->version[0] == '\0' || !record_text_is_valid(s->version, RECORD_NAME_MAX))
		return record_fail(err, "version", "must be 1..%d bytes of text", RECORD_NAME_MAX);
	if (s->outbox_depth > (uint64_t)RECORD_INT_MAX)
		return record_fail(err, "outbox_depth", "must be 0..%lld", RECORD_INT_MAX);
	if (s->n_devices > RECORD_DEVICES_MAX)
		return record_fail(err, "devices", "at most %d devices", RECORD_DEVICES_MAX);
	for (size_t i = 0; i < s->n_devices; i++) {
		r = validate_device_status(&s->devices[i], i, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int record_validate(const struct record *r, struct record_error *err)
{
	if (!record_kind_to_string(r->kind))
		return record_fail(err, "kind", "unknown kind %d", (int)r->kind);
	if (r->kind == RECORD_STATUS) {
		if (r->seq != 0)
			return record_fail(err, "seq", "a status record has no seq");
	} else if (r->seq < 1 || r->seq > (uint64_t)RECORD_INT_MAX) {
		return record_fail(err, "seq", "%llu is outside 1..%lld",
				   (unsigned long long)r->seq, RECORD_INT_MAX);
	}
	if (r->ts < 0 || r->ts > RECORD_INT_MAX)
		return record_fail(err, "ts", "must be 0..%lld ms since the epoch", RECORD_INT_MAX);

	switch (r->kind) {
	case RECORD_READING:
		return validate_reading(&r->reading, err);
	case RECORD_ALERT:
		return validate_alert(&r->alert, err);
	case RECORD_EVENT:
		return validate_event(&r->event, err);
	case RECORD_STATUS:
		return validate_status(&r->status, err);
	default:
		return record_fail(err, "kind", "unknown kind %d", (int)r->kind);
	}
}
