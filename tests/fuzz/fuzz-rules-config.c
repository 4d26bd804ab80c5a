// SPDX-License-Identifier: MIT
/*
 * The alert rules' config under libFuzzer. The input, NUL-terminated, is read
 * twice: as a thresholds file (rules_config_load_string), and line by line as
 * down/config overrides "SECTION.KEY=VALUE" (rules_config_set). A failed load
 * must name the file and change nothing; every key must read back as it is
 * set; a config that validates must drive an engine whose alert records are
 * all valid wire records.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
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

/* Two configs agree on every key. */
static bool same(const struct rules_config *a, const struct rules_config *b)
{
	const char *section, *key;

	for (size_t i = 0; rules_config_key(i, &section, &key); i++) {
		char x[RECORD_TEXT_MAX + 1], y[RECORD_TEXT_MAX + 1];

		require(rules_config_get(a, section, key, x, sizeof(x)) == 0);
		require(rules_config_get(b, section, key, y, sizeof(y)) == 0);
		if (strcmp(x, y) != 0)
			return false;
	}
	return true;
}

/* What get() writes, set() takes back unchanged. */
static void check_round_trip(struct rules_config *c)
{
	const char *section, *key;

	for (size_t i = 0; rules_config_key(i, &section, &key); i++) {
		char value[RECORD_TEXT_MAX + 1], again[RECORD_TEXT_MAX + 1], why[256];

		require(rules_config_get(c, section, key, value, sizeof(value)) == 0);
		require(rules_config_set(c, section, key, value, why, sizeof(why)) == 0);
		require(rules_config_get(c, section, key, again, sizeof(again)) == 0);
		require(strcmp(value, again) == 0);
	}
}

static void check_output(const struct rules_output *out)
{
	require(out->n_alerts <= RULES_OUTPUT_ALERTS_MAX);
	require(out->n_prompts <= RULES_OUTPUT_PROMPTS_MAX);
	for (size_t i = 0; i < out->n_alerts; i++) {
		struct record r = { .kind = RECORD_ALERT, .seq = 1, .ts = T0 };
		struct record_error err;

		r.alert = out->alerts[i];
		require(record_validate(&r, &err) == 0);
	}
}

static void feed(struct rules_engine *e, uint64_t seq, int64_t t, enum measurement m,
		 enum reading_mode mode, enum quantity q1, double v1, enum quantity q2, double v2)
{
	struct reading rd;
	struct rules_output out;

	memset(&rd, 0, sizeof(rd));
	snprintf(rd.device, sizeof(rd.device), "dev%d", (int)m);
	rd.measurement = m;
	rd.mode = mode;
	reading_add_value(&rd, q1, v1, v1, quantity_unit(q1));
	reading_add_value(&rd, q2, v2, v2, quantity_unit(q2));
	require(rules_engine_reading(e, seq, t, &rd, &out) == 0);
	check_output(&out);
}

/* A short day at the bedside under a config that validated. */
static void drive(const struct rules_config *c)
{
	_cleanup_(rules_engine_freep) struct rules_engine *e = NULL;
	struct rules_output out;
	int64_t next, t = T0;
	uint64_t seq = 1;

	require(rules_engine_new(c, &e) == 0);
	for (int i = 0; i < 2; i++) {
		feed(e, seq++, t += 60000, MEASUREMENT_BLOOD_PRESSURE, READING_MODE_SPOT,
		     QUANTITY_SYSTOLIC, 185 - 100 * i, QUANTITY_DIASTOLIC, 55);
		feed(e, seq++, t += 60000, MEASUREMENT_GLUCOSE, READING_MODE_SPOT, QUANTITY_GLUCOSE,
		     2.9 + 14 * i, QUANTITY_GLUCOSE, 3.5);
		feed(e, seq++, t += 60000, MEASUREMENT_BODY_TEMPERATURE, READING_MODE_SPOT,
		     QUANTITY_BODY_TEMPERATURE, 37.3 + i, QUANTITY_BODY_TEMPERATURE, 35.0);
	}
	for (int s = 0; s < 400; s += 5)
		feed(e, seq++, t += 5000, MEASUREMENT_PULSE_OXIMETRY, READING_MODE_CONTINUOUS,
		     QUANTITY_SPO2, 88 + (s / 100), QUANTITY_PULSE_RATE, 120 + s / 10);
	for (int s = 0; s < 400; s += 30)
		feed(e, seq++, t += 30000, MEASUREMENT_BEDSIDE, READING_MODE_CONTINUOUS,
		     QUANTITY_BED_OCCUPANCY, s < 200, QUANTITY_RESPIRATION_RATE, 7 + s / 20);
	require(rules_engine_symptoms(e, t, true, &out) == 0);
	check_output(&out);
	require(rules_engine_call(e, seq++, t, false, &out) == 0);
	check_output(&out);
	for (int i = 0; i < 8; i++) {
		require(rules_engine_tick(e, t += 7 * 60000, &out, &next) == 0);
		check_output(&out);
		require(next > t);
		rules_engine_acknowledged(e, (uint64_t)i + 1, t, &out);
		check_output(&out);
	}
}

/* Each line "SECTION.KEY=VALUE", as down/config's thresholds object flattens. */
static void apply_lines(struct rules_config *c, char *text)
{
	char *line = text;

	while (line && *line) {
		char *end = strchr(line, '\n'), *dot, *eq, why[256] = "";
		int r;

		if (end)
			*end = '\0';
		dot = strchr(line, '.');
		eq = dot ? strchr(dot, '=') : NULL;
		if (dot && eq) {
			*dot = '\0';
			*eq = '\0';
			r = rules_config_set(c, line, dot + 1, eq + 1, why, sizeof(why));
			require(r == 0 || (r == -EINVAL && why[0] != '\0'));
		}
		line = end ? end + 1 : NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(rules_config_freep) struct rules_config *c = NULL, *defaults = NULL;
	_cleanup_free_ char *text = malloc(size + 1);
	struct config_error err;
	char why[256];
	int r;

	if (!text || size > 65536)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	require(rules_config_new(&c) == 0);
	require(rules_config_new(&defaults) == 0);

	r = rules_config_load_string(c, text, "fuzz.conf", &err);
	if (r == 0) {
		require(rules_config_validate(c, why, sizeof(why)) == 0);
	} else {
		require(r == -EINVAL || r == -ERANGE || r == -ENOMEM);
		require(err.message[0] != '\0' && strcmp(err.file, "fuzz.conf") == 0);
		require(strncmp(err.message, "fuzz.conf", 9) == 0);
		require(same(c, defaults));
	}
	check_round_trip(c);

	rules_config_free(c);
	require(rules_config_new(&c) == 0);
	apply_lines(c, text);
	check_round_trip(c);
	r = rules_config_validate(c, why, sizeof(why));
	require(r == 0 || (r == -EINVAL && why[0] == '['));
	if (r == 0)
		drive(c);
	return 0;
}
