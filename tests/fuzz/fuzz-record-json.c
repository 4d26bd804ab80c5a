// SPDX-License-Identifier: MIT
/*
 * Wire records under libFuzzer: the raw input is a JSON record. A record that
 * parses must validate, encode, parse again, and encode to the identical
 * text; the integers JSON promises to carry exactly (seq, ts, ids, counts)
 * must survive the trip unchanged.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "macro.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static bool same_reading(const struct reading *a, const struct reading *b)
{
	return a->has_device_record == b->has_device_record &&
	       a->device_record == b->device_record && a->n_values == b->n_values &&
	       a->flags == b->flags;
}

static bool same_alert(const struct alert *a, const struct alert *b)
{
	if (a->alert_id != b->alert_id || a->n_readings != b->n_readings ||
	    a->n_thresholds != b->n_thresholds)
		return false;
	for (size_t i = 0; i < a->n_readings; i++)
		if (a->readings[i] != b->readings[i])
			return false;
	return true;
}

static bool same_status(const struct status *a, const struct status *b)
{
	if (a->outbox_depth != b->outbox_depth || a->n_devices != b->n_devices)
		return false;
	for (size_t i = 0; i < a->n_devices; i++) {
		const struct device_status *x = &a->devices[i], *y = &b->devices[i];

		if (x->has_last_reading_ts != y->has_last_reading_ts ||
		    (x->has_last_reading_ts && x->last_reading_ts != y->last_reading_ts) ||
		    x->has_clock_offset != y->has_clock_offset ||
		    (x->has_clock_offset && x->clock_offset_s != y->clock_offset_s) ||
		    x->has_battery != y->has_battery || x->has_rssi != y->has_rssi)
			return false;
	}
	return true;
}

static bool same_integers(const struct record *a, const struct record *b)
{
	if (a->kind != b->kind || a->seq != b->seq || a->ts != b->ts)
		return false;
	switch (a->kind) {
	case RECORD_READING:
		return same_reading(&a->reading, &b->reading);
	case RECORD_ALERT:
		return same_alert(&a->alert, &b->alert);
	case RECORD_EVENT:
		return a->event.n_details == b->event.n_details;
	case RECORD_STATUS:
		return same_status(&a->status, &b->status);
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *json = NULL, *again = NULL;
	struct record first, second;
	struct record_error err;

	if (record_from_json((const char *)data, size, &first, &err) < 0)
		return 0;
	require(record_validate(&first, &err) == 0);
	require(record_to_json(&first, &json, &err) == 0);
	require(record_from_json(json, strlen(json), &second, &err) == 0);
	require(same_integers(&first, &second));
	require(record_to_json(&second, &again, &err) == 0);
	require(strcmp(json, again) == 0);
	return 0;
}
