// SPDX-License-Identifier: MIT
/*
 * The rules engine's saved state under libFuzzer: the input is JSON given to
 * rules_engine_load(). Text that loads must save, load and save again to the
 * same text, and the engine it makes must keep working: ticks, readings,
 * calls, symptoms and acknowledgements on it emit only valid alert records.
 * Text that does not load must leave the engine empty.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "record.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

DEFINE_FREE_FUNC(struct rules_config, rules_config_free)
DEFINE_FREE_FUNC(struct rules_engine, rules_engine_free)

#define T0 1767571200000LL

static void check_output(const struct rules_output *out)
{
	require(out->n_alerts <= RULES_OUTPUT_ALERTS_MAX);
	for (size_t i = 0; i < out->n_alerts; i++) {
		struct record r = { .kind = RECORD_ALERT, .seq = 1, .ts = T0 };
		struct record_error err;

		r.alert = out->alerts[i];
		require(record_validate(&r, &err) == 0);
	}
}

static void exercise(struct rules_engine *e)
{
	struct alert open[64];
	struct rules_output out;
	struct reading rd;
	int64_t next, t = T0;
	size_t n;

	require(rules_engine_tick(e, t, &out, &next) == 0);
	check_output(&out);
	memset(&rd, 0, sizeof(rd));
	snprintf(rd.device, sizeof(rd.device), "bed");
	rd.measurement = MEASUREMENT_BEDSIDE;
	rd.mode = READING_MODE_CONTINUOUS;
	reading_add_value(&rd, QUANTITY_BED_OCCUPANCY, 0, 0, "1");
	reading_add_value(&rd, QUANTITY_RESPIRATION_RATE, 30, 30, "/min");
	require(rules_engine_reading(e, 1, t, &rd, &out) == 0);
	check_output(&out);
	memset(&rd, 0, sizeof(rd));
	snprintf(rd.device, sizeof(rd.device), "glucometer");
	rd.measurement = MEASUREMENT_GLUCOSE;
	reading_add_value(&rd, QUANTITY_GLUCOSE, 3.4, 3.4, "mmol/L");
	require(rules_engine_reading(e, 2, t, &rd, &out) == 0);
	check_output(&out);
	require(rules_engine_symptoms(e, t, true, &out) == 0);
	check_output(&out);
	require(rules_engine_call(e, 3, t, false, &out) == 0);
	check_output(&out);
	require(rules_engine_call(e, 4, t, true, &out) == 0);
	check_output(&out);
	n = rules_engine_open_alerts(e, open, 64);
	for (size_t i = 0; i < n; i++) {
		int r = rules_engine_acknowledged(e, open[i].alert_id, t, &out);

		require(r == 0 || r == -ENOENT);
		check_output(&out);
	}
	for (int i = 1; i <= 4; i++) {
		require(rules_engine_tick(e, t += (int64_t)i * 3600000 * i, &out, &next) == 0);
		check_output(&out);
		require(next > t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(rules_config_freep) struct rules_config *c = NULL;
	_cleanup_(rules_engine_freep) struct rules_engine *e = NULL, *again = NULL;
	_cleanup_free_ char *first = NULL, *second = NULL;
	struct alert open[1];
	int r;

	if (size > 1 << 20)
		return 0;
	require(rules_config_new(&c) == 0);
	require(rules_engine_new(c, &e) == 0);
	require(rules_engine_new(c, &again) == 0);
	r = rules_engine_load(e, (const char *)data, size);
	if (r < 0) {
		require(r == -EBADMSG);
		require(rules_engine_open_alerts(e, open, 1) == 0);
		return 0;
	}
	require(rules_engine_save(e, &first) == 0);
	require(rules_engine_load(again, first, strlen(first)) == 0);
	require(rules_engine_save(again, &second) == 0);
	require(strcmp(first, second) == 0);
	exercise(e);
	return 0;
}
