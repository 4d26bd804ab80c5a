// SPDX-License-Identifier: MIT
/*
 * The gateway's alert rules: every boundary of every rule, confirmation,
 * persistence, hysteresis, latching, baselines, the bed, device silence, the
 * call button, device errors, saved state, and the thresholds file (which must
 * equal the built-in defaults). Every alert record the engine emits is also
 * checked against the wire protocol's validator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "record.h"
#include "rules.h"

#define S_MS   1000LL
#define MIN_MS 60000LL
#define H_MS   3600000LL
#define DAY_MS 86400000LL

/* 2026-01-05T00:00:00Z, 08:00 at the default utc_offset_min of +480. */
#define T0 1767571200000LL
/* Local wall-clock time on 2026-01-05. */
#define LOCAL(h, m) (T0 - 8 * H_MS + (h)*H_MS + (m)*MIN_MS)

static const char *prompt_text(const char *key)
{
	static char text[RECORD_TEXT_MAX + 1];
	struct rules_config *c;

	assert_int_equal(rules_config_new(&c), 0);
	assert_int_equal(rules_config_get(c, "prompts", key, text, sizeof(text)), 0);
	rules_config_free(c);
	return text;
}

static bool said(const struct rules_output *out, const char *key)
{
	const char *text = prompt_text(key);

	for (size_t i = 0; i < out->n_prompts; i++)
		if (strcmp(out->prompts[i], text) == 0)
			return true;
	return false;
}

/* Every record the engine asks to store must be a valid wire record. */
static void check_output(const struct rules_output *out)
{
	assert_true(out->n_alerts <= RULES_OUTPUT_ALERTS_MAX);
	for (size_t i = 0; i < out->n_alerts; i++) {
		struct record r = { .kind = RECORD_ALERT, .seq = 1, .ts = T0 };
		struct record_error err = { 0 };

		r.alert = out->alerts[i];
		if (record_validate(&r, &err) != 0)
			fail_msg("alert %zu invalid: %s (%s)", i, err.message, r.alert.message);
	}
}

static struct rules_engine *engine_with(const char *section, const char *key, const char *value)
{
	struct rules_config *c;
	struct rules_engine *e;
	char why[256];

	assert_int_equal(rules_config_new(&c), 0);
	if (section)
		assert_int_equal(rules_config_set(c, section, key, value, why, sizeof(why)), 0);
	assert_int_equal(rules_config_validate(c, why, sizeof(why)), 0);
	assert_int_equal(rules_engine_new(c, &e), 0);
	rules_config_free(c);
	return e;
}

static struct rules_engine *engine(void)
{
	return engine_with(NULL, NULL, NULL);
}

static struct reading make(const char *device, enum measurement m, enum reading_mode mode)
{
	struct reading rd;

	memset(&rd, 0, sizeof(rd));
	snprintf(rd.device, sizeof(rd.device), "%s", device);
	rd.measurement = m;
	rd.mode = mode;
	return rd;
}

static void add(struct reading *rd, enum quantity q, double v)
{
	assert_int_equal(reading_add_value(rd, q, v, v, quantity_unit(q)), 0);
}

static void feed(struct rules_engine *e, uint64_t seq, int64_t t, const struct reading *rd,
		 struct rules_output *out)
{
	assert_int_equal(rules_engine_reading(e, seq, t, rd, out), 0);
	check_output(out);
}

static void bp(struct rules_engine *e, uint64_t seq, int64_t t, int sys, int dia,
	       struct rules_output *out)
{
	struct reading rd = make("bpm", MEASUREMENT_BLOOD_PRESSURE, READING_MODE_SPOT);

	add(&rd, QUANTITY_SYSTOLIC, sys);
	add(&rd, QUANTITY_DIASTOLIC, dia);
	feed(e, seq, t, &rd, out);
}

static void glucose(struct rules_engine *e, uint64_t seq, int64_t t, double g,
		    struct rules_output *out)
{
	struct reading rd = make("glucometer", MEASUREMENT_GLUCOSE, READING_MODE_SPOT);

	add(&rd, QUANTITY_GLUCOSE, g);
	feed(e, seq, t, &rd, out);
}

static void oximeter(struct rules_engine *e, uint64_t seq, int64_t t, int spo2, int pulse,
		     enum reading_mode mode, struct rules_output *out)
{
	struct reading rd = make("oximeter", MEASUREMENT_PULSE_OXIMETRY, mode);

	add(&rd, QUANTITY_SPO2, spo2);
	add(&rd, QUANTITY_PULSE_RATE, pulse);
	feed(e, seq, t, &rd, out);
}

static void thermometer(struct rules_engine *e, uint64_t seq, int64_t t, double c,
			struct rules_output *out)
{
	struct reading rd = make("thermometer", MEASUREMENT_BODY_TEMPERATURE, READING_MODE_SPOT);

	add(&rd, QUANTITY_BODY_TEMPERATURE, c);
	feed(e, seq, t, &rd, out);
}

static void bedside(struct rules_engine *e, uint64_t seq, int64_t t, int occupied, int resp,
		    enum reading_mode mode, struct rules_output *out)
{
	struct reading rd = make("bed", MEASUREMENT_BEDSIDE, mode);

	add(&rd, QUANTITY_BED_OCCUPANCY, occupied);
	if (resp >= 0)
		add(&rd, QUANTITY_RESPIRATION_RATE, resp);
	feed(e, seq, t, &rd, out);
}

static void tick(struct rules_engine *e, int64_t t, struct rules_output *out, int64_t *next)
{
	int64_t ignored;

	assert_int_equal(rules_engine_tick(e, t, out, next ? next : &ignored), 0);
	check_output(out);
}

static const struct alert *find(const struct rules_output *out, const char *rule)
{
	for (size_t i = 0; i < out->n_alerts; i++)
		if (strcmp(out->alerts[i].rule, rule) == 0)
			return &out->alerts[i];
	return NULL;
}

static double threshold(const struct alert *a, const char *name)
{
	for (size_t i = 0; i < a->n_thresholds; i++)
		if (strcmp(a->thresholds[i].name, name) == 0)
			return a->thresholds[i].value;
	fail_msg("alert %s has no threshold '%s'", a->rule, name);
	return 0;
}

static void assert_readings(const struct alert *a, size_t n, ...)
{
	va_list ap;

	assert_int_equal(a->n_readings, n);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(a->readings[i], va_arg(ap, int));
	va_end(ap);
}

/* ---- boundaries: each limit on both sides, exactly ---- */

enum kind {
	BP,
	GLUCOSE,
	SPO2,
	PULSE,
	TEMPERATURE,
	RESPIRATION
};
#define NONE -1

#define ROW(label, kind, a, b, rule, severity, n)                      \
	{                                                              \
		label, kind, a, b, rule, severity, n, NULL, NULL, NULL \
	}
#define ROW_SET(label, kind, a, b, rule, severity, n, section, key, value) \
	{                                                                  \
		label, kind, a, b, rule, severity, n, section, key, value  \
	}

static const struct boundary {
	const char *label;
	enum kind kind;
	double a, b; /* BP: systolic, diastolic; otherwise the value */
	const char *rule;
	int severity;                      /* NONE: no alert of the rule */
	int readings;                      /* 2 for rules that wait for a confirming re-test */
	const char *section, *key, *value; /* a config change, or NULL */
} boundaries[] = {
	ROW("BP1 systolic 179", BP, 179, 80, "BP1", NONE, 2),
	ROW("BP1 systolic 180", BP, 180, 80, "BP1", SEVERITY_P1, 2),
	ROW("BP1 diastolic 109", BP, 150, 109, "BP1", NONE, 2),
	ROW("BP1 diastolic 110", BP, 150, 110, "BP1", SEVERITY_P1, 2),
	ROW("BP5 systolic 90", BP, 90, 70, "BP5", NONE, 2),
	ROW("BP5 systolic 89", BP, 89, 70, "BP5", SEVERITY_P2, 2),
	ROW("BP5 diastolic 60", BP, 120, 60, "BP5", NONE, 2),
	ROW("BP5 diastolic 59", BP, 120, 59, "BP5", SEVERITY_P2, 2),
	ROW("BP5 systolic 80", BP, 80, 55, "BP5", SEVERITY_P2, 2),
	ROW("BP5 systolic 79", BP, 79, 55, "BP5", SEVERITY_P1, 2),
	ROW("BG1 16.6", GLUCOSE, 16.6, 0, "BG1", NONE, 2),
	ROW("BG1 16.7", GLUCOSE, 16.7, 0, "BG1", SEVERITY_P1, 2),
	ROW("BG3 3.9", GLUCOSE, 3.9, 0, "BG3", NONE, 1),
	ROW("BG3 3.8", GLUCOSE, 3.8, 0, "BG3", SEVERITY_P2, 1),
	ROW("BG3 3.0", GLUCOSE, 3.0, 0, "BG3", SEVERITY_P2, 1),
	ROW("BG3 2.9 is BG4's", GLUCOSE, 2.9, 0, "BG3", NONE, 1),
	ROW("BG4 3.0", GLUCOSE, 3.0, 0, "BG4", NONE, 1),
	ROW("BG4 2.9", GLUCOSE, 2.9, 0, "BG4", SEVERITY_P1, 1),
	ROW("BG6 13.9", GLUCOSE, 13.9, 0, "BG6", NONE, 1),
	ROW("BG6 14.0", GLUCOSE, 14.0, 0, "BG6", SEVERITY_P3, 1),
	ROW("OX1 93", SPO2, 93, 0, "OX1", NONE, 2),
	ROW("OX1 92", SPO2, 92, 0, "OX1", SEVERITY_P1, 2),
	ROW("OX2 95", SPO2, 95, 0, "OX2", NONE, 2),
	ROW("OX2 94", SPO2, 94, 0, "OX2", SEVERITY_P2, 2),
	ROW("OX2 93", SPO2, 93, 0, "OX2", SEVERITY_P2, 2),
	ROW("OX2 92 is OX1's", SPO2, 92, 0, "OX2", NONE, 2),
	ROW_SET("OX1 off on scale 2", SPO2, 90, 0, "OX1", NONE, 2, "patient", "spo2_scale", "2"),
	ROW_SET("OX4 88", SPO2, 88, 0, "OX4", NONE, 2, "patient", "spo2_scale", "2"),
	ROW_SET("OX4 87", SPO2, 87, 0, "OX4", SEVERITY_P2, 2, "patient", "spo2_scale", "2"),
	ROW_SET("OX4 84", SPO2, 84, 0, "OX4", SEVERITY_P2, 2, "patient", "spo2_scale", "2"),
	ROW_SET("OX4 83", SPO2, 83, 0, "OX4", SEVERITY_P1, 2, "patient", "spo2_scale", "2"),
	ROW("OX4 off on scale 1", SPO2, 80, 0, "OX4", NONE, 2),
	ROW("HR1 40", PULSE, 40, 0, "HR1", SEVERITY_P1, 2),
	ROW("HR1 41", PULSE, 41, 0, "HR1", NONE, 2),
	ROW("HR1 130", PULSE, 130, 0, "HR1", NONE, 2),
	ROW("HR1 131", PULSE, 131, 0, "HR1", SEVERITY_P1, 2),
	ROW("HR2 40 is HR1's", PULSE, 40, 0, "HR2", NONE, 2),
	ROW("HR2 41", PULSE, 41, 0, "HR2", SEVERITY_P2, 2),
	ROW("HR2 50", PULSE, 50, 0, "HR2", SEVERITY_P2, 2),
	ROW("HR2 51", PULSE, 51, 0, "HR2", NONE, 2),
	ROW("HR2 110", PULSE, 110, 0, "HR2", NONE, 2),
	ROW("HR2 111", PULSE, 111, 0, "HR2", SEVERITY_P2, 2),
	ROW("HR2 130", PULSE, 130, 0, "HR2", SEVERITY_P2, 2),
	ROW("HR2 131 is HR1's", PULSE, 131, 0, "HR2", NONE, 2),
	ROW("T1 39.0", TEMPERATURE, 39.0, 0, "T1", NONE, 2),
	ROW("T1 39.1", TEMPERATURE, 39.1, 0, "T1", SEVERITY_P2, 2),
	ROW_SET("T1 39.1 diabetic", TEMPERATURE, 39.1, 0, "T1", SEVERITY_P1, 2, "patient",
		"diabetic", "yes"),
	ROW("T2 37.7", TEMPERATURE, 37.7, 0, "T2", NONE, 1),
	ROW("T2 37.8", TEMPERATURE, 37.8, 0, "T2", SEVERITY_P3, 1),
	ROW("T4 35.1", TEMPERATURE, 35.1, 0, "T4", NONE, 2),
	ROW("T4 35.0", TEMPERATURE, 35.0, 0, "T4", SEVERITY_P1, 2),
	ROW("RR1 9", RESPIRATION, 9, 0, "RR1", NONE, 2),
	ROW("RR1 8", RESPIRATION, 8, 0, "RR1", SEVERITY_P1, 2),
	ROW("RR1 24", RESPIRATION, 24, 0, "RR1", NONE, 2),
	ROW("RR1 25", RESPIRATION, 25, 0, "RR1", SEVERITY_P1, 2),
	ROW("RR2 20", RESPIRATION, 20, 0, "RR2", NONE, 2),
	ROW("RR2 21", RESPIRATION, 21, 0, "RR2", SEVERITY_P2, 2),
	ROW("RR2 24", RESPIRATION, 24, 0, "RR2", SEVERITY_P2, 2),
	ROW("RR2 25 is RR1's", RESPIRATION, 25, 0, "RR2", NONE, 2),
	ROW_SET("BP1 at 170 for this patient", BP, 172, 80, "BP1", SEVERITY_P1, 2, "BP1",
		"systolic_at_least", "170"),
};

static void feed_boundary(struct rules_engine *e, const struct boundary *b, uint64_t seq, int64_t t,
			  struct rules_output *out)
{
	switch (b->kind) {
	case BP:
		bp(e, seq, t, (int)b->a, (int)b->b, out);
		break;
	case GLUCOSE:
		glucose(e, seq, t, b->a, out);
		break;
	case SPO2:
		oximeter(e, seq, t, (int)b->a, 80, READING_MODE_SPOT, out);
		break;
	case PULSE:
		oximeter(e, seq, t, 98, (int)b->a, READING_MODE_SPOT, out);
		break;
	case TEMPERATURE:
		thermometer(e, seq, t, b->a, out);
		break;
	case RESPIRATION:
		bedside(e, seq, t, 1, (int)b->a, READING_MODE_SPOT, out);
		break;
	}
}

static void test_boundaries(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(boundaries) / sizeof(boundaries[0]); i++) {
		const struct boundary *b = &boundaries[i];
		struct rules_engine *e = engine_with(b->section, b->key, b->value);
		const struct alert *raised = NULL;
		struct rules_output out;

		for (int k = 0; k < b->readings && !raised; k++) {
			feed_boundary(e, b, (uint64_t)k + 1, T0 + k * MIN_MS, &out);
			raised = find(&out, b->rule);
		}
		if (b->severity == NONE && raised)
			fail_msg("%s: raised %s %s", b->label, raised->rule,
				 severity_to_string(raised->severity));
		if (b->severity != NONE && !raised)
			fail_msg("%s: no %s alert", b->label, b->rule);
		if (raised && (int)raised->severity != b->severity)
			fail_msg("%s: %s instead of %s", b->label,
				 severity_to_string(raised->severity),
				 severity_to_string((enum severity)b->severity));
		if (raised)
			assert_int_equal(raised->state, ALERT_RAISED);
		rules_engine_free(e);
	}
}

/* ---- confirmation ---- */

static void test_confirmed(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	const struct alert *a;

	(void)state;
	bp(e, 1, T0, 186, 95, &out);
	assert_int_equal(out.n_alerts, 0);
	assert_true(said(&out, "bp_confirm"));
	assert_int_equal(out.alarm, ALARM_NONE);
	assert_true(out.state_changed);

	bp(e, 2, T0 + 5 * MIN_MS, 184, 96, &out);
	assert_int_equal(out.n_alerts, 1);
	a = &out.alerts[0];
	assert_string_equal(a->rule, "BP1");
	assert_int_equal(a->severity, SEVERITY_P1);
	assert_int_equal(a->state, ALERT_RAISED);
	assert_int_equal(a->confirmation, CONFIRMATION_CONFIRMED);
	assert_readings(a, 2, 1, 2);
	assert_true(threshold(a, "systolic_at_least") == 180);
	assert_true(threshold(a, "diastolic_at_least") == 110);
	assert_non_null(strstr(a->message, "184/96"));
	assert_non_null(strstr(a->message, "186/95"));
	assert_int_equal(out.alarm, ALARM_CRITICAL);
	assert_true(out.alarm_changed);
	assert_true(said(&out, "alert_critical"));
	rules_engine_free(e);
}

static void test_normal_retest_drops(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	int64_t next;

	(void)state;
	bp(e, 1, T0, 186, 95, &out);
	tick(e, T0 + MIN_MS, &out, &next);
	assert_int_equal(next, T0 + 15 * MIN_MS);
	bp(e, 2, T0 + 5 * MIN_MS, 150, 90, &out);
	assert_int_equal(out.n_alerts, 0);
	tick(e, T0 + 20 * MIN_MS, &out, &next);
	assert_int_equal(out.n_alerts, 0);
	assert_int_equal(next, INT64_MAX);
	/* The next high reading starts a new confirmation rather than confirming the old one. */
	bp(e, 3, T0 + 30 * MIN_MS, 186, 95, &out);
	assert_int_equal(out.n_alerts, 0);
	assert_true(said(&out, "bp_confirm"));
	rules_engine_free(e);
}

static void test_timeout_raises_unconfirmed(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	const struct alert *a;
	int64_t next;

	(void)state;
	bp(e, 1, T0, 186, 95, &out);
	tick(e, T0 + 15 * MIN_MS - 1, &out, &next);
	assert_int_equal(out.n_alerts, 0);
	assert_int_equal(next, T0 + 15 * MIN_MS);
	tick(e, T0 + 15 * MIN_MS, &out, &next);
	assert_int_equal(out.n_alerts, 1);
	a = &out.alerts[0];
	assert_string_equal(a->rule, "BP1");
	assert_int_equal(a->severity, SEVERITY_P1);
	assert_int_equal(a->confirmation, CONFIRMATION_PENDING);
	assert_readings(a, 1, 1);
	assert_non_null(strstr(a->message, "not re-tested within 15 min"));
	assert_int_equal(out.alarm, ALARM_CRITICAL);

	/* A late re-test that still breaches confirms it. */
	bp(e, 2, T0 + 20 * MIN_MS, 185, 95, &out);
	assert_int_equal(out.n_alerts, 1);
	assert_int_equal(out.alerts[0].state, ALERT_UPDATED);
	assert_int_equal(out.alerts[0].confirmation, CONFIRMATION_CONFIRMED);
	assert_readings(&out.alerts[0], 2, 1, 2);
	rules_engine_free(e);
}

static void test_skipped_by_symptoms(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;

	(void)state;
	bp(e, 1, T0, 186, 95, &out);
	assert_int_equal(rules_engine_symptoms(e, T0 + MIN_MS, false, &out), 0);
	assert_int_equal(out.n_alerts, 0);
	assert_int_equal(rules_engine_symptoms(e, T0 + MIN_MS, true, &out), 0);
	check_output(&out);
	assert_int_equal(out.n_alerts, 1);
	assert_string_equal(out.alerts[0].rule, "BP1");
	assert_int_equal(out.alerts[0].severity, SEVERITY_P1);
	assert_int_equal(out.alerts[0].confirmation, CONFIRMATION_SKIPPED);
	assert_readings(&out.alerts[0], 1, 1);
	assert_true(said(&out, "symptoms_call_120"));
	rules_engine_free(e);

	/* Low BP with symptoms is P1 (BP5: "P1 if SBP <= 90 with dizziness"). */
	e = engine();
	bp(e, 1, T0, 85, 70, &out);
	assert_int_equal(rules_engine_symptoms(e, T0 + MIN_MS, true, &out), 0);
	assert_int_equal(out.n_alerts, 1);
	assert_string_equal(out.alerts[0].rule, "BP5");
	assert_int_equal(out.alerts[0].severity, SEVERITY_P1);
	assert_int_equal(out.alerts[0].confirmation, CONFIRMATION_SKIPPED);

	/* Open vital-sign alerts below P1 are raised to P1 too. */
	glucose(e, 2, T0 + 2 * MIN_MS, 14.5, &out);
	assert_int_equal(find(&out, "BG6")->severity, SEVERITY_P3);
	assert_int_equal(rules_engine_symptoms(e, T0 + 3 * MIN_MS, true, &out), 0);
	assert_non_null(find(&out, "BG6"));
	assert_int_equal(find(&out, "BG6")->state, ALERT_UPDATED);
	assert_int_equal(find(&out, "BG6")->severity, SEVERITY_P1);
	rules_engine_free(e);
}

static void test_skipped_by_call(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;

	(void)state;
	bp(e, 1, T0, 186, 95, &out);
	assert_int_equal(rules_engine_call(e, 2, T0 + MIN_MS, false, &out), 0);
	check_output(&out);
	assert_int_equal(out.n_alerts, 2);
	assert_string_equal(out.alerts[0].rule, "CALL");
	assert_int_equal(out.alerts[0].severity, SEVERITY_P1);
	assert_string_equal(out.alerts[1].rule, "BP1");
	assert_int_equal(out.alerts[1].severity, SEVERITY_P1);
	assert_int_equal(out.alerts[1].confirmation, CONFIRMATION_SKIPPED);
	assert_true(said(&out, "call_received"));
	rules_engine_free(e);
}

/* ---- hysteresis, latching, one alert per rule ---- */

static void test_hysteresis(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	uint64_t id;

	(void)state;
	bp(e, 1, T0, 85, 70, &out);
	bp(e, 2, T0 + 5 * MIN_MS, 85, 70, &out);
	assert_int_equal(find(&out, "BP5")->severity, SEVERITY_P2);
	id = find(&out, "BP5")->alert_id;
	assert_int_equal(out.alarm, ALARM_URGENT);
	/* 92 no longer breaches but is not 5 mmHg inside 90: the alert stays. */
	bp(e, 3, T0 + 10 * MIN_MS, 92, 70, &out);
	assert_int_equal(out.n_alerts, 0);
	bp(e, 4, T0 + 15 * MIN_MS, 95, 70, &out);
	assert_int_equal(out.n_alerts, 0);
	/* Not two in a row. */
	bp(e, 5, T0 + 20 * MIN_MS, 93, 70, &out);
	assert_int_equal(out.n_alerts, 0);
	bp(e, 6, T0 + 25 * MIN_MS, 95, 70, &out);
	assert_int_equal(out.n_alerts, 0);
	bp(e, 7, T0 + 30 * MIN_MS, 100, 70, &out);
	assert_int_equal(out.n_alerts, 1);
	assert_int_equal(out.alerts[0].alert_id, id);
	assert_int_equal(out.alerts[0].state, ALERT_CLEARED);
	assert_int_equal(out.alerts[0].readings[out.alerts[0].n_readings - 1], 7);
	assert_int_equal(out.alarm, ALARM_NONE);
	assert_true(out.alarm_changed);
	rules_engine_free(e);
}

static uint64_t raise_bp1(struct rules_engine *e, struct rules_output *out)
{
	bp(e, 1, T0, 190, 100, out);
	bp(e, 2, T0 + 5 * MIN_MS, 190, 100, out);
	assert_non_null(find(out, "BP1"));
	return find(out, "BP1")->alert_id;
}

static void test_latching(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	uint64_t id = raise_bp1(e, &out);

	(void)state;
	/* 175 is 5 below 180 but not inside by 5 (the clear point is 174). */
	bp(e, 3, T0 + 10 * MIN_MS, 175, 100, &out);
	bp(e, 4, T0 + 11 * MIN_MS, 175, 100, &out);
	assert_int_equal(out.n_alerts, 0);
	bp(e, 5, T0 + 12 * MIN_MS, 174, 100, &out);
	assert_int_equal(out.n_alerts, 0);
	bp(e, 6, T0 + 13 * MIN_MS, 174, 100, &out);
	assert_int_equal(out.n_alerts, 1);
	assert_int_equal(out.alerts[0].state, ALERT_UPDATED);
	assert_int_equal(out.alerts[0].alert_id, id);
	assert_non_null(strstr(out.alerts[0].message, "until a doctor acknowledges"));
	assert_int_equal(out.alarm, ALARM_CRITICAL);
	assert_false(out.alarm_changed);
	bp(e, 7, T0 + 14 * MIN_MS, 130, 80, &out);
	assert_int_equal(out.n_alerts, 0);
	assert_int_equal(rules_engine_acknowledged(e, id, T0 + 20 * MIN_MS, &out), 0);
	check_output(&out);
	assert_int_equal(out.n_alerts, 1);
	assert_int_equal(out.alerts[0].state, ALERT_CLEARED);
	assert_int_equal(out.alarm, ALARM_NONE);
	assert_true(out.alarm_changed);
	assert_int_equal(rules_engine_acknowledged(e, id, T0 + 21 * MIN_MS, &out), -ENOENT);
	rules_engine_free(e);

	/* Acknowledged first: it clears as soon as the value is back. */
	e = engine();
	id = raise_bp1(e, &out);
	assert_int_equal(rules_engine_acknowledged(e, id, T0 + 6 * MIN_MS, &out), 0);
	assert_int_equal(out.n_alerts, 0);
	assert_int_equal(out.alarm, ALARM_CRITICAL);
	bp(e, 3, T0 + 10 * MIN_MS, 130, 80, &out);
	bp(e, 4, T0 + 11 * MIN_MS, 130, 80, &out);
	assert_int_equal(out.n_alerts, 1);
	assert_int_equal(out.alerts[0].state, ALERT_CLEARED);
	rules_engine_free(e);
}

static void test_one_alert_per_rule(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	uint64_t id = raise_bp1(e, &out), low;
	int64_t t = T0 + 10 * MIN_MS;

	(void)state;
	bp(e, 3, t, 195, 100, &out);
	assert_int_equal(out.n_alerts, 1);
	assert_int_equal(out.alerts[0].alert_id, id);
	assert_int_equal(out.alerts[0].state, ALERT_UPDATED);
	assert_readings(&out.alerts[0], 3, 1, 2, 3);
	/* At most 16 readings: the first and the latest stay. */
	for (uint64_t seq = 4; seq < 30; seq++)
		bp(e, seq, t + (int64_t)seq * MIN_MS, 190, 100, &out);
	assert_int_equal(out.alerts[0].n_readings, RECORD_READINGS_MAX);
	assert_int_equal(out.alerts[0].readings[0], 1);
	assert_int_equal(out.alerts[0].readings[RECORD_READINGS_MAX - 1], 29);
	assert_int_equal(out.alerts[0].alert_id, id);
	rules_engine_free(e);

	/* Severity goes up within the same alert, never silently down. */
	e = engine();
	bp(e, 1, T0, 85, 70, &out);
	bp(e, 2, T0 + MIN_MS, 85, 70, &out);
	low = find(&out, "BP5")->alert_id;
	bp(e, 3, T0 + 2 * MIN_MS, 78, 60, &out);
	assert_int_equal(out.alerts[0].alert_id, low);
	assert_int_equal(out.alerts[0].state, ALERT_UPDATED);
	assert_int_equal(out.alerts[0].severity, SEVERITY_P1);
	bp(e, 4, T0 + 3 * MIN_MS, 85, 70, &out);
	assert_int_equal(out.alerts[0].alert_id, low);
	assert_int_equal(out.alerts[0].severity, SEVERITY_P1);
	rules_engine_free(e);
}

/* ---- rules with memory ---- */

static void test_bg3_treat_and_retest(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	int64_t next;

	(void)state;
	glucose(e, 1, T0, 3.5, &out);
	assert_int_equal(out.n_alerts, 1);
	assert_string_equal(out.alerts[0].rule, "BG3");
	assert_int_equal(out.alerts[0].severity, SEVERITY_P2);
	assert_int_equal(out.alerts[0].confirmation, CONFIRMATION_NOT_REQUIRED);
	assert_true(said(&out, "hypo_treat"));
	assert_int_equal(out.alarm, ALARM_URGENT);
	glucose(e, 2, T0 + 15 * MIN_MS, 3.6, &out);
	assert_int_equal(out.alerts[0].state, ALERT_UPDATED);
	assert_int_equal(out.alerts[0].severity, SEVERITY_P2);
	assert_true(said(&out, "hypo_treat"));
	glucose(e, 3, T0 + 30 * MIN_MS, 3.7, &out);
	assert_int_equal(out.alerts[0].severity, SEVERITY_P1);
	assert_readings(&out.alerts[0], 3, 1, 2, 3);
	assert_int_equal(out.alarm, ALARM_CRITICAL);
	assert_true(said(&out, "alert_critical"));
	rules_engine_free(e);

	/* No re-test: P1 when the window ends. */
	e = engine();
	glucose(e, 1, T0, 3.5, &out);
	tick(e, T0 + 29 * MIN_MS, &out, &next);
	assert_int_equal(out.n_alerts, 0);
	assert_int_equal(next, T0 + 30 * MIN_MS);
	tick(e, T0 + 30 * MIN_MS, &out, &next);
	assert_int_equal(out.n_alerts, 1);
	assert_int_equal(out.alerts[0].severity, SEVERITY_P1);
	assert_non_null(strstr(out.alerts[0].message, "no glucose re-test"));
	rules_engine_free(e);

	/* A normal re-test stops the clock; two clear it. */
	e = engine();
	glucose(e, 1, T0, 3.5, &out);
	glucose(e, 2, T0 + 15 * MIN_MS, 4.5, &out);
	assert_int_equal(out.n_alerts, 0);
	tick(e, T0 + 31 * MIN_MS, &out, &next);
	assert_int_equal(out.n_alerts, 0);
	glucose(e, 3, T0 + 32 * MIN_MS, 4.2, &out);
	assert_int_equal(out.alerts[0].state, ALERT_CLEARED);
	rules_engine_free(e);
}

static void test_bg4_at_once(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;

	(void)state;
	glucose(e, 1, T0, 2.5, &out);
	assert_int_equal(out.n_alerts, 1);
	assert_string_equal(out.alerts[0].rule, "BG4");
	assert_int_equal(out.alerts[0].severity, SEVERITY_P1);
	assert_int_equal(out.alerts[0].confirmation, CONFIRMATION_NOT_REQUIRED);
	assert_int_equal(out.n_prompts, 2);
	assert_string_equal(out.prompts[0], prompt_text("hypo_treat"));
	assert_string_equal(out.prompts[1], prompt_text("alert_critical"));
	rules_engine_free(e);
}

static void test_bg6_repeat(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;

	(void)state;
	glucose(e, 1, T0, 14.0, &out);
	assert_int_equal(find(&out, "BG6")->severity, SEVERITY_P3);
	assert_int_equal(out.alarm, ALARM_ADVISORY);
	glucose(e, 2, T0 + 5 * H_MS, 14.5, &out);
	assert_int_equal(find(&out, "BG6")->state, ALERT_UPDATED);
	assert_int_equal(find(&out, "BG6")->severity, SEVERITY_P2);
	assert_readings(find(&out, "BG6"), 2, 1, 2);
	rules_engine_free(e);

	/* Cleared in between, the second high within 24 h still makes it P2. */
	e = engine();
	glucose(e, 1, T0, 14.0, &out);
	glucose(e, 2, T0 + H_MS, 13.0, &out);
	glucose(e, 3, T0 + 2 * H_MS, 13.6, &out);
	assert_int_equal(find(&out, "BG6")->state, ALERT_CLEARED);
	glucose(e, 4, T0 + 20 * H_MS, 14.2, &out);
	assert_int_equal(find(&out, "BG6")->state, ALERT_RAISED);
	assert_int_equal(find(&out, "BG6")->severity, SEVERITY_P2);
	assert_readings(find(&out, "BG6"), 2, 1, 4);
	rules_engine_free(e);

	e = engine();
	glucose(e, 1, T0, 14.0, &out);
	glucose(e, 2, T0 + H_MS, 13.0, &out);
	glucose(e, 3, T0 + 2 * H_MS, 13.6, &out);
	glucose(e, 4, T0 + 25 * H_MS, 14.2, &out);
	assert_int_equal(find(&out, "BG6")->severity, SEVERITY_P3);
	rules_engine_free(e);
}

static void test_hr3(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;

	(void)state;
	oximeter(e, 1, T0, 98, 105, READING_MODE_SPOT, &out);
	oximeter(e, 2, T0 + 14 * MIN_MS, 98, 106, READING_MODE_SPOT, &out);
	assert_null(find(&out, "HR3"));
	oximeter(e, 3, T0 + 15 * MIN_MS, 98, 107, READING_MODE_SPOT, &out);
	assert_non_null(find(&out, "HR3"));
	assert_int_equal(find(&out, "HR3")->severity, SEVERITY_P2);
	assert_readings(find(&out, "HR3"), 2, 1, 3);
	rules_engine_free(e);

	e = engine_with("patient", "diabetic", "yes");
	oximeter(e, 1, T0, 98, 101, READING_MODE_SPOT, &out);
	oximeter(e, 2, T0 + 15 * MIN_MS, 98, 101, READING_MODE_SPOT, &out);
	assert_int_equal(find(&out, "HR3")->severity, SEVERITY_P1);
	rules_engine_free(e);

	/* 100 is not above 100; a normal reading between breaks the run. */
	e = engine();
	oximeter(e, 1, T0, 98, 100, READING_MODE_SPOT, &out);
	oximeter(e, 2, T0 + 15 * MIN_MS, 98, 100, READING_MODE_SPOT, &out);
	assert_null(find(&out, "HR3"));
	oximeter(e, 3, T0 + 20 * MIN_MS, 98, 105, READING_MODE_SPOT, &out);
	oximeter(e, 4, T0 + 25 * MIN_MS, 98, 95, READING_MODE_SPOT, &out);
	oximeter(e, 5, T0 + 40 * MIN_MS, 98, 105, READING_MODE_SPOT, &out);
	assert_null(find(&out, "HR3"));
	rules_engine_free(e);
}

static void test_ox3_baseline(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	const struct alert *a;
	uint64_t seq = 1;

	(void)state;
	for (int day = 0; day < 4; day++)
		oximeter(e, seq++, T0 + day * DAY_MS, 99, 70, READING_MODE_SPOT, &out);
	/* Four readings are too few for a baseline. */
	oximeter(e, seq++, T0 + 4 * DAY_MS, 96, 70, READING_MODE_SPOT, &out);
	assert_int_equal(out.n_alerts, 0);
	assert_false(said(&out, "spo2_confirm"));
	oximeter(e, seq++, T0 + 4 * DAY_MS + H_MS, 99, 70, READING_MODE_SPOT, &out);
	/* 97 is 2 below the median 99. */
	oximeter(e, seq++, T0 + 4 * DAY_MS + 2 * H_MS, 97, 70, READING_MODE_SPOT, &out);
	assert_false(said(&out, "spo2_confirm"));
	oximeter(e, seq++, T0 + 4 * DAY_MS + 3 * H_MS, 96, 70, READING_MODE_SPOT, &out);
	assert_int_equal(out.n_alerts, 0);
	assert_true(said(&out, "spo2_confirm"));
	oximeter(e, seq, T0 + 4 * DAY_MS + 3 * H_MS + MIN_MS, 96, 70, READING_MODE_SPOT, &out);
	a = find(&out, "OX3");
	assert_non_null(a);
	assert_int_equal(a->severity, SEVERITY_P2);
	assert_int_equal(a->confirmation, CONFIRMATION_CONFIRMED);
	assert_true(threshold(a, "baseline_median") == 99);
	assert_true(threshold(a, "drop_at_least") == 3);
	assert_null(find(&out, "OX2"));
	rules_engine_free(e);

	/* Readings older than the 7-day window no longer count. */
	e = engine();
	for (int day = 0; day < 5; day++)
		oximeter(e, (uint64_t)day + 1, T0 + day * DAY_MS, 99, 70, READING_MODE_SPOT, &out);
	oximeter(e, 6, T0 + 12 * DAY_MS, 96, 70, READING_MODE_SPOT, &out);
	assert_false(said(&out, "spo2_confirm"));
	rules_engine_free(e);
}

static void test_t2(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;

	(void)state;
	thermometer(e, 1, T0, 37.2, &out);
	assert_int_equal(out.n_alerts, 0);
	thermometer(e, 2, T0 + 2 * H_MS, 37.3, &out);
	assert_int_equal(find(&out, "T2")->severity, SEVERITY_P3);
	assert_readings(find(&out, "T2"), 2, 1, 2);
	rules_engine_free(e);

	e = engine();
	thermometer(e, 1, T0, 37.2, &out);
	thermometer(e, 2, T0 + 25 * H_MS, 37.2, &out);
	assert_null(find(&out, "T2"));
	rules_engine_free(e);

	/* A rise of 1.1 over the own baseline, below every fixed limit. */
	e = engine();
	for (int day = 0; day < 3; day++)
		thermometer(e, (uint64_t)day + 1, T0 + day * DAY_MS, 36.0, &out);
	thermometer(e, 4, T0 + 3 * DAY_MS, 37.0, &out);
	assert_null(find(&out, "T2"));
	thermometer(e, 5, T0 + 3 * DAY_MS + H_MS, 37.1, &out);
	assert_non_null(find(&out, "T2"));
	assert_true(threshold(find(&out, "T2"), "baseline_median") == 36.0);
	assert_true(threshold(find(&out, "T2"), "rise_at_least") == 1.1);
	rules_engine_free(e);

	/* With another abnormal vital sign it is P2. */
	e = engine();
	glucose(e, 1, T0, 14.0, &out);
	thermometer(e, 2, T0 + MIN_MS, 37.9, &out);
	assert_int_equal(find(&out, "T2")->severity, SEVERITY_P2);
	rules_engine_free(e);
}

/* ---- continuous streams ---- */

static void test_persistence(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	const struct alert *a;
	uint64_t seq = 1;

	(void)state;
	/* 89 % for 29 s: nothing; at 30 s: P1, citing the first and last samples. */
	for (int s = 0; s <= 29; s++) {
		oximeter(e, seq++, T0 + s * S_MS, 89, 80, READING_MODE_CONTINUOUS, &out);
		assert_int_equal(out.n_alerts, 0);
		assert_int_equal(out.n_prompts, 0);
	}
	oximeter(e, seq, T0 + 30 * S_MS, 89, 80, READING_MODE_CONTINUOUS, &out);
	a = find(&out, "OX1");
	assert_non_null(a);
	assert_int_equal(a->severity, SEVERITY_P1);
	assert_readings(a, 2, 1, 31);
	/* The stream goes on: no record per sample. */
	for (int s = 31; s < 60; s++) {
		oximeter(e, ++seq, T0 + s * S_MS, 89, 80, READING_MODE_CONTINUOUS, &out);
		assert_int_equal(out.n_alerts, 0);
	}
	rules_engine_free(e);

	/* Single blips, or breaches shorter than the window, raise nothing. */
	e = engine();
	seq = 1;
	for (int s = 0; s < 120; s++) {
		int spo2 = (s == 10 || (s >= 40 && s < 60) || (s >= 61 && s < 85)) ? 89 : 97;

		oximeter(e, seq++, T0 + s * S_MS, spo2, 80, READING_MODE_CONTINUOUS, &out);
		assert_int_equal(out.n_alerts, 0);
	}
	rules_engine_free(e);

	/* Respiration must last 5 minutes. */
	e = engine();
	seq = 1;
	for (int s = 0; s < 300; s += 10) {
		bedside(e, seq++, T0 + s * S_MS, 1, 26, READING_MODE_CONTINUOUS, &out);
		assert_null(find(&out, "RR1"));
	}
	bedside(e, seq, T0 + 300 * S_MS, 1, 26, READING_MODE_CONTINUOUS, &out);
	assert_int_equal(find(&out, "RR1")->severity, SEVERITY_P1);
	rules_engine_free(e);
}

/* ---- the bed ---- */

static void test_bed1_night(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	const struct alert *a;
	int64_t next;

	(void)state;
	bedside(e, 1, LOCAL(22, 30), 1, -1, READING_MODE_CONTINUOUS, &out);
	bedside(e, 2, LOCAL(23, 0), 0, -1, READING_MODE_CONTINUOUS, &out);
	assert_int_equal(out.n_alerts, 0);
	tick(e, LOCAL(23, 20) - 1, &out, &next);
	assert_int_equal(out.n_alerts, 0);
	assert_int_equal(next, LOCAL(23, 20));
	tick(e, LOCAL(23, 20), &out, &next);
	a = find(&out, "BED1");
	assert_non_null(a);
	assert_int_equal(a->severity, SEVERITY_P2);
	assert_readings(a, 1, 2);
	assert_non_null(strstr(a->message, "routed to the family"));
	assert_non_null(strstr(a->message, "23:00"));
	assert_true(threshold(a, "no_return_min") == 20);
	assert_int_equal(out.alarm, ALARM_URGENT);
	bedside(e, 3, LOCAL(23, 30), 1, -1, READING_MODE_CONTINUOUS, &out);
	assert_int_equal(find(&out, "BED1")->state, ALERT_CLEARED);
	rules_engine_free(e);

	/* Back within 20 minutes: nothing. */
	e = engine();
	bedside(e, 1, LOCAL(22, 30), 1, -1, READING_MODE_CONTINUOUS, &out);
	bedside(e, 2, LOCAL(23, 0), 0, -1, READING_MODE_CONTINUOUS, &out);
	bedside(e, 3, LOCAL(23, 10), 1, -1, READING_MODE_CONTINUOUS, &out);
	tick(e, LOCAL(23, 30), &out, NULL);
	assert_null(find(&out, "BED1"));
	rules_engine_free(e);

	/* The exit's time decides: 05:50 is night even if the wait ends after 06:00. */
	e = engine();
	bedside(e, 1, LOCAL(5, 0), 1, -1, READING_MODE_CONTINUOUS, &out);
	bedside(e, 2, LOCAL(5, 50), 0, -1, READING_MODE_CONTINUOUS, &out);
	tick(e, LOCAL(6, 10), &out, NULL);
	assert_non_null(find(&out, "BED1"));
	rules_engine_free(e);

	/* Never seen in bed: an empty bed at night is no exit. */
	e = engine();
	bedside(e, 1, LOCAL(23, 0), 0, -1, READING_MODE_CONTINUOUS, &out);
	tick(e, LOCAL(23, 40), &out, NULL);
	assert_null(find(&out, "BED1"));
	rules_engine_free(e);
}

static void test_bed1_day(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;

	(void)state;
	bedside(e, 1, LOCAL(13, 0), 1, -1, READING_MODE_CONTINUOUS, &out);
	bedside(e, 2, LOCAL(14, 0), 0, -1, READING_MODE_CONTINUOUS, &out);
	bedside(e, 3, LOCAL(14, 25), 0, -1, READING_MODE_CONTINUOUS, &out);
	tick(e, LOCAL(14, 30), &out, NULL);
	assert_null(find(&out, "BED1"));
	/* Out at 21:59 is a day exit, even when the wait runs into the night. */
	bedside(e, 4, LOCAL(21, 50), 1, -1, READING_MODE_CONTINUOUS, &out);
	bedside(e, 5, LOCAL(21, 59), 0, -1, READING_MODE_CONTINUOUS, &out);
	tick(e, LOCAL(22, 30), &out, NULL);
	assert_null(find(&out, "BED1"));
	rules_engine_free(e);
}

/* ---- device silence ---- */

static void test_tech1(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	const struct alert *a;
	int64_t next;

	(void)state;
	bedside(e, 1, T0, 1, 16, READING_MODE_CONTINUOUS, &out);
	tick(e, T0 + 29 * MIN_MS, &out, &next);
	assert_int_equal(out.n_alerts, 0);
	assert_int_equal(next, T0 + 30 * MIN_MS);
	tick(e, T0 + 30 * MIN_MS, &out, &next);
	a = find(&out, "TECH1");
	assert_non_null(a);
	assert_int_equal(a->severity, SEVERITY_P4);
	assert_non_null(strstr(a->message, "Monitoring paused"));
	assert_non_null(strstr(a->message, "bed"));
	assert_true(said(&out, "monitoring_paused"));
	assert_int_equal(out.alarm, ALARM_ADVISORY);
	tick(e, T0 + 31 * MIN_MS, &out, &next);
	assert_int_equal(out.n_alerts, 0);
	rules_engine_device_seen(e, "bed", T0 + 32 * MIN_MS);
	tick(e, T0 + 32 * MIN_MS, &out, &next);
	assert_int_equal(find(&out, "TECH1")->state, ALERT_CLEARED);
	assert_true(said(&out, "monitoring_resumed"));
	assert_int_equal(out.alarm, ALARM_NONE);
	assert_int_equal(next, T0 + 62 * MIN_MS);

	/* Unbinding a silent device clears its silence. */
	tick(e, T0 + 62 * MIN_MS, &out, &next);
	assert_non_null(find(&out, "TECH1"));
	rules_engine_forget_device(e, "bed");
	tick(e, T0 + 63 * MIN_MS, &out, &next);
	assert_int_equal(find(&out, "TECH1")->state, ALERT_CLEARED);
	assert_int_equal(next, INT64_MAX);
	rules_engine_free(e);

	/* A cuff used twice a day is not a silent device. */
	e = engine();
	rules_engine_device_seen(e, "bpm", T0);
	bp(e, 1, T0, 120, 80, &out);
	tick(e, T0 + 12 * H_MS, &out, &next);
	assert_int_equal(out.n_alerts, 0);
	assert_int_equal(next, INT64_MAX);
	rules_engine_free(e);
}

/* ---- the call button ---- */

static void test_call_never_suppressed(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	struct alert open[128];
	uint64_t ids[100];

	(void)state;
	for (int i = 0; i < 100; i++) {
		assert_int_equal(rules_engine_call(e, (uint64_t)i + 1, T0 + i * 10, false, &out),
				 0);
		check_output(&out);
		assert_int_equal(out.n_alerts, 1);
		assert_string_equal(out.alerts[0].rule, "CALL");
		assert_int_equal(out.alerts[0].severity, SEVERITY_P1);
		assert_int_equal(out.alerts[0].state, ALERT_RAISED);
		assert_int_equal(out.alarm, ALARM_CRITICAL);
		ids[i] = out.alerts[0].alert_id;
		for (int k = 0; k < i; k++)
			assert_true(ids[k] != ids[i]);
	}
	assert_int_equal(rules_engine_open_alerts(e, open, 128), 100);
	assert_int_equal(rules_engine_call(e, 101, T0 + S_MS, true, &out), 0);
	assert_int_equal(out.n_alerts, 1);
	assert_int_equal(out.alerts[0].state, ALERT_CANCELLED);
	assert_int_equal(out.alerts[0].alert_id, ids[99]);
	assert_true(said(&out, "call_cancelled"));
	assert_int_equal(rules_engine_open_alerts(e, open, 128), 99);
	assert_int_equal(rules_engine_acknowledged(e, ids[0], T0 + 2 * S_MS, &out), 0);
	assert_int_equal(out.alerts[0].state, ALERT_CLEARED);
	assert_int_equal(out.alerts[0].alert_id, ids[0]);
	assert_int_equal(rules_engine_open_alerts(e, open, 128), 98);
	rules_engine_free(e);
}

/* ---- readings that must raise nothing ---- */

static void test_device_errors(void **state)
{
	static const struct {
		enum quantity q;
		double v;
	} bad[] = {
		{ QUANTITY_SYSTOLIC, 301 },
		{ QUANTITY_SYSTOLIC, 39 },
		{ QUANTITY_DIASTOLIC, 201 },
		{ QUANTITY_DIASTOLIC, 19 },
		{ QUANTITY_SPO2, 49 },
		{ QUANTITY_SPO2, 101 },
		{ QUANTITY_PULSE_RATE, 19 },
		{ QUANTITY_HEART_RATE, 301 },
		{ QUANTITY_GLUCOSE, 0.5 },
		{ QUANTITY_GLUCOSE, 33.4 },
		{ QUANTITY_BODY_TEMPERATURE, 24.9 },
		{ QUANTITY_BODY_TEMPERATURE, 45.1 },
		{ QUANTITY_RESPIRATION_RATE, 2 },
		{ QUANTITY_RESPIRATION_RATE, 61 },
		{ QUANTITY_BED_OCCUPANCY, 0.5 },
	};
	struct rules_engine *e = engine();
	struct rules_output out;

	(void)state;
	bp(e, 1, T0, 186, 95, &out);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct reading rd = make("dev", MEASUREMENT_BLOOD_PRESSURE, READING_MODE_SPOT);

		/* An impossible value spoils the whole reading, even a breaching systolic. */
		add(&rd, QUANTITY_SYSTOLIC, bad[i].q == QUANTITY_SYSTOLIC ? bad[i].v : 190);
		add(&rd, bad[i].q, bad[i].v);
		feed(e, 10 + i, T0 + MIN_MS, &rd, &out);
		assert_int_equal(out.n_alerts, 0);
		assert_int_equal(out.n_prompts, 0);
		assert_true(out.n_device_errors >= 1);
		assert_non_null(strstr(out.device_errors[0], "dev:"));
	}
	bp(e, 2, T0 + 2 * MIN_MS, 120, 130, &out);
	assert_int_equal(out.n_device_errors, 1);
	assert_non_null(strstr(out.device_errors[0], "diastolic 130 mmHg is not below systolic"));
	/* The pending confirmation was neither confirmed nor dropped by them. */
	tick(e, T0 + 15 * MIN_MS, &out, NULL);
	assert_int_equal(find(&out, "BP1")->confirmation, CONFIRMATION_PENDING);
	rules_engine_free(e);
}

static void test_flags_ignored(void **state)
{
	static const enum reading_flag flags[] = {
		READING_FLAG_CONTROL_SOLUTION,
		READING_FLAG_DEMO_DATA,
		READING_FLAG_TEST_DATA,
		READING_FLAG_INVALID,
	};
	struct rules_engine *e = engine();
	struct rules_output out;

	(void)state;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct reading rd = make("glucometer", MEASUREMENT_GLUCOSE, READING_MODE_SPOT);

		add(&rd, QUANTITY_GLUCOSE, 1.5);
		rd.flags = 1ULL << flags[i];
		feed(e, i + 1, T0 + (int64_t)i * MIN_MS, &rd, &out);
		assert_int_equal(out.n_alerts, 0);
		assert_int_equal(out.n_prompts, 0);
		assert_int_equal(out.n_device_errors, 0);
	}
	glucose(e, 9, T0 + 10 * MIN_MS, 1.5, &out);
	assert_non_null(find(&out, "BG4"));
	rules_engine_free(e);
}

static void stored(struct reading *rd, int64_t taken_ms)
{
	time_t t = (time_t)(taken_ms / 1000 + 8 * 3600); /* the device clock shows local time */
	struct tm tm;

	gmtime_r(&t, &tm);
	rd->mode = READING_MODE_STORED;
	rd->has_device_time = true;
	strftime(rd->device_time, sizeof(rd->device_time), "%Y-%m-%dT%H:%M:%S", &tm);
}

static void test_stale_stored(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	struct reading rd = make("glucometer", MEASUREMENT_GLUCOSE, READING_MODE_STORED);
	const struct alert *a;

	(void)state;
	add(&rd, QUANTITY_GLUCOSE, 2.5);
	stored(&rd, T0 - 2 * H_MS);
	feed(e, 1, T0, &rd, &out);
	a = find(&out, "BG4");
	assert_non_null(a);
	assert_int_equal(a->severity, SEVERITY_P1);
	assert_non_null(strstr(a->message, "stored reading"));
	assert_int_equal(out.n_prompts, 0);
	assert_int_equal(out.alarm, ALARM_NONE);

	rd = make("bpm", MEASUREMENT_BLOOD_PRESSURE, READING_MODE_STORED);
	add(&rd, QUANTITY_SYSTOLIC, 190);
	add(&rd, QUANTITY_DIASTOLIC, 100);
	stored(&rd, T0 - 2 * H_MS);
	feed(e, 2, T0, &rd, &out);
	a = find(&out, "BP1");
	assert_int_equal(a->confirmation, CONFIRMATION_PENDING);
	assert_int_equal(out.n_prompts, 0);
	assert_int_equal(out.alarm, ALARM_NONE);
	/* A live re-test confirms it and now rings. */
	bp(e, 3, T0 + MIN_MS, 188, 100, &out);
	assert_int_equal(find(&out, "BP1")->confirmation, CONFIRMATION_CONFIRMED);
	assert_int_equal(out.alarm, ALARM_CRITICAL);
	rules_engine_free(e);

	/* Stored, but minutes old: treated as live. Unknown age: stale. */
	e = engine();
	rd = make("bpm", MEASUREMENT_BLOOD_PRESSURE, READING_MODE_STORED);
	add(&rd, QUANTITY_SYSTOLIC, 190);
	add(&rd, QUANTITY_DIASTOLIC, 100);
	stored(&rd, T0 - 5 * MIN_MS);
	feed(e, 1, T0, &rd, &out);
	assert_int_equal(out.n_alerts, 0);
	assert_true(said(&out, "bp_confirm"));
	rules_engine_free(e);
	e = engine();
	rd.has_device_time = false;
	feed(e, 1, T0, &rd, &out);
	assert_non_null(find(&out, "BP1"));
	assert_int_equal(out.n_prompts, 0);
	rules_engine_free(e);
}

static void test_heart_rate_sources(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	struct reading rd = make("monitor", MEASUREMENT_BEDSIDE, READING_MODE_SPOT);

	(void)state;
	/* An ECG heart rate wins over a pulse rate in the same reading. */
	add(&rd, QUANTITY_HEART_RATE, 135);
	add(&rd, QUANTITY_PULSE_RATE, 80);
	feed(e, 1, T0, &rd, &out);
	feed(e, 2, T0 + MIN_MS, &rd, &out);
	assert_non_null(find(&out, "HR1"));
	rules_engine_free(e);
}

/* ---- rules evaluated outside ---- */

static void test_external(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	uint64_t id;

	(void)state;
	assert_int_equal(rules_engine_external(e, RULE_ADH1, SEVERITY_P4, false, T0,
					       "morning BP reading missed", &out),
			 0);
	check_output(&out);
	assert_int_equal(out.alerts[0].state, ALERT_RAISED);
	assert_non_null(strstr(out.alerts[0].message, "morning BP reading missed"));
	assert_int_equal(out.alarm, ALARM_ADVISORY);
	id = out.alerts[0].alert_id;
	assert_int_equal(rules_engine_external(e, RULE_ADH1, SEVERITY_P4, false, T0 + H_MS,
					       "reminded again", &out),
			 0);
	assert_int_equal(out.alerts[0].state, ALERT_UPDATED);
	assert_int_equal(out.alerts[0].alert_id, id);
	assert_int_equal(rules_engine_external(e, RULE_ADH1, SEVERITY_P4, true, T0 + 2 * H_MS,
					       "measurement taken", &out),
			 0);
	assert_int_equal(out.alerts[0].state, ALERT_CLEARED);

	/* A P1 from outside latches too; a staff-safety alert never sounds in the home. */
	assert_int_equal(rules_engine_external(e, RULE_VISIT1, SEVERITY_P1, false, T0,
					       "visit 30 min past its expected end", &out),
			 0);
	id = out.alerts[0].alert_id;
	assert_int_equal(out.alarm, ALARM_NONE);
	assert_int_equal(rules_engine_external(e, RULE_VISIT1, SEVERITY_P1, true, T0 + H_MS,
					       "visit ended", &out),
			 0);
	assert_int_equal(out.alerts[0].state, ALERT_UPDATED);
	assert_int_equal(rules_engine_acknowledged(e, id, T0 + 2 * H_MS, &out), 0);
	assert_int_equal(out.alerts[0].state, ALERT_CLEARED);

	assert_int_equal(rules_engine_external(e, RULE_BP1, SEVERITY_P1, false, T0, "x", &out),
			 -EINVAL);
	assert_int_equal(rules_engine_external(e, RULE_CALL, SEVERITY_P1, false, T0, "x", &out),
			 -EINVAL);
	rules_engine_free(e);
}

/* ---- saved state ---- */

static struct rules_engine *reload(struct rules_engine *old)
{
	struct rules_engine *e = engine();
	char *json = NULL;

	assert_int_equal(rules_engine_save(old, &json), 0);
	rules_engine_free(old);
	assert_int_equal(rules_engine_load(e, json, strlen(json)), 0);
	free(json);
	return e;
}

static void test_save_load(void **state)
{
	struct rules_engine *e = engine();
	struct rules_output out;
	struct alert open[4];
	uint64_t id = raise_bp1(e, &out);
	int64_t next;

	(void)state;
	bp(e, 3, T0 + 10 * MIN_MS, 130, 80, &out);
	bp(e, 4, T0 + 11 * MIN_MS, 130, 80, &out);
	assert_int_equal(out.alerts[0].state, ALERT_UPDATED); /* latched */
	glucose(e, 5, T0 + 12 * MIN_MS, 18.0, &out);          /* BG1 pending, BG6 open */
	e = reload(e);

	assert_int_equal(rules_engine_open_alerts(e, open, 4), 2);
	/* The alarm is reported again after a restart. */
	tick(e, T0 + 13 * MIN_MS, &out, &next);
	assert_int_equal(out.alarm, ALARM_CRITICAL);
	assert_true(out.alarm_changed);
	assert_int_equal(next, T0 + 27 * MIN_MS);
	/* The latch survived. */
	bp(e, 6, T0 + 14 * MIN_MS, 130, 80, &out);
	assert_int_equal(out.n_alerts, 0);
	assert_int_equal(rules_engine_acknowledged(e, id, T0 + 15 * MIN_MS, &out), 0);
	assert_int_equal(out.alerts[0].state, ALERT_CLEARED);
	assert_int_equal(out.alerts[0].alert_id, id);
	/* The pending confirmation survived, and ids go on. */
	tick(e, T0 + 27 * MIN_MS, &out, &next);
	assert_non_null(find(&out, "BG1"));
	assert_int_equal(find(&out, "BG1")->confirmation, CONFIRMATION_PENDING);
	assert_true(find(&out, "BG1")->alert_id > id + 1);
	rules_engine_free(e);

	/* Baselines survive too. */
	e = engine();
	for (int day = 0; day < 5; day++)
		oximeter(e, (uint64_t)day + 1, T0 + day * DAY_MS, 99, 70, READING_MODE_SPOT, &out);
	e = reload(e);
	oximeter(e, 6, T0 + 5 * DAY_MS, 96, 70, READING_MODE_SPOT, &out);
	assert_true(said(&out, "spo2_confirm"));
	rules_engine_free(e);
}

static void test_load_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"[]",
		"{}",
		"{\"version\":2}",
		"{\"version\":1,\"next_alert_id\":5,\"hr3_run\":null,\"bg6_high\":null,"
		"\"t2_warm\":null,\"bed_exit\":null,\"bed_occupancy\":-1,"
		"\"spo2\":{\"last_continuous_ms\":0,\"entries\":[]},"
		"\"temperature\":{\"last_continuous_ms\":0,\"entries\":[]},"
		"\"alerts\":[{\"id\":9,\"rule\":\"BP1\",\"severity\":\"P1\","
		"\"confirmation\":\"confirmed\",\"readings\":[1],\"silent\":false,"
		"\"acknowledged\":false,\"condition_cleared\":false,\"clear_count\":0,"
		"\"retests\":0,\"retest_due_ms\":0,\"message\":\"\"}],"
		"\"pending\":[],\"devices\":[]}",
	};
	struct rules_engine *e = engine();
	struct rules_output out;
	struct alert open[2];
	char *json = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raise_bp1(e, &out);
		assert_int_equal(rules_engine_load(e, bad[i], strlen(bad[i])), -EBADMSG);
		assert_int_equal(rules_engine_open_alerts(e, open, 2), 0);
	}
	/* What an engine saves, it loads. */
	assert_int_equal(rules_engine_save(e, &json), 0);
	assert_int_equal(rules_engine_load(e, json, strlen(json)), 0);
	free(json);
	rules_engine_free(e);
}

/* ---- the config ---- */

static void test_rule_names(void **state)
{
	(void)state;
	for (int r = 0; r < _RULE_MAX; r++) {
		const char *name = rule_id_to_string((enum rule_id)r);

		assert_non_null(name);
		assert_int_equal(rule_id_from_string(name), r);
	}
	assert_string_equal(rule_id_to_string(RULE_BP1), "BP1");
	assert_int_equal(rule_id_from_string("BP2"), -EINVAL);
	assert_null(rule_id_to_string(_RULE_MAX));
}

static int record_key(const char *value, void *field, const struct config_item *item, char *why,
		      size_t why_size)
{
	(void)value, (void)item, (void)why, (void)why_size;
	*(bool *)field = true;
	return 0;
}

static void *whole(void *userdata, const char *section, char *why, size_t why_size)
{
	(void)section, (void)why, (void)why_size;
	return userdata;
}

static void test_file_equals_defaults(void **state)
{
	struct rules_config *builtin, *file;
	struct config_error err = { 0 };
	struct config_item items[512];
	bool seen[512] = { false };
	struct config_table table = { items, 0, whole };
	const char *section, *key;
	size_t n = 0;

	(void)state;
	assert_int_equal(rules_config_new(&builtin), 0);
	assert_int_equal(rules_config_new(&file), 0);
	assert_int_equal(
		rules_config_load(file, SOURCE_DIR "/config/thresholds/default.conf", &err), 0);
	for (; rules_config_key(n, &section, &key); n++) {
		char a[RECORD_TEXT_MAX + 1], b[RECORD_TEXT_MAX + 1];

		assert_true(n < 512);
		assert_int_equal(rules_config_get(builtin, section, key, a, sizeof(a)), 0);
		assert_int_equal(rules_config_get(file, section, key, b, sizeof(b)), 0);
		if (strcmp(a, b) != 0)
			fail_msg("[%s] %s: built in '%s', file '%s'", section, key, a, b);
		items[n] =
			(struct config_item){ section, key, record_key, n * sizeof(bool), 0, 0, 0 };
	}
	assert_true(n > 100);
	/* The file sets every key itself: none is left to the built-in value. */
	table.n_items = n;
	assert_int_equal(
		config_load(SOURCE_DIR "/config/thresholds/default.conf", &table, seen, &err), 0);
	for (size_t i = 0; i < n; i++) {
		rules_config_key(i, &section, &key);
		if (!seen[i])
			fail_msg("default.conf lacks [%s] %s", section, key);
	}
	rules_config_free(builtin);
	rules_config_free(file);
}

static void test_overrides(void **state)
{
	struct rules_config *c;
	char why[256], value[64];
	double v;

	(void)state;
	assert_int_equal(rules_config_new(&c), 0);
	assert_int_equal(rules_config_set(c, "BP1", "systolic_at_least", "170", why, sizeof(why)),
			 0);
	assert_int_equal(rules_config_get(c, "BP1", "systolic_at_least", value, sizeof(value)), 0);
	assert_string_equal(value, "170");
	assert_int_equal(rules_config_set(c, "BG1", "glucose_at_least", "15", why, sizeof(why)), 0);
	assert_int_equal(rules_config_get(c, "BG1", "glucose_at_least", value, sizeof(value)), 0);
	assert_string_equal(value, "15.0");
	assert_int_equal(rules_config_set(c, "BED1", "night_start", "21:30", why, sizeof(why)), 0);
	assert_int_equal(rules_config_get_number(c, "BED1", "night_start", &v), 0);
	assert_true(v == 21 * 60 + 30);
	assert_int_equal(rules_config_get_number(c, "BG3", "glucose_below", &v), 0);
	assert_true(v == 3.9);
	assert_int_equal(rules_config_get_number(c, "ADH1", "grace_min", &v), 0);
	assert_true(v == 120);
	assert_int_equal(rules_config_get_number(c, "prompts", "bp_confirm", &v), -EINVAL);
	assert_int_equal(rules_config_get_number(c, "BP1", "nope", &v), -ENOENT);
	assert_int_equal(
		rules_config_set(c, "prompts", "bp_confirm", "请再测一次血压", why, sizeof(why)),
		0);
	assert_int_equal(rules_config_validate(c, why, sizeof(why)), 0);

	assert_int_equal(rules_config_set(c, "BP1", "systolic_at_least", "high", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "[BP1] systolic_at_least: 'high'"));
	assert_int_equal(rules_config_set(c, "BP1", "systolic_at_least", "350", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "must be 40..300"));
	assert_int_equal(rules_config_set(c, "BG1", "glucose_at_least", "16.75", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "one decimal"));
	assert_int_equal(rules_config_set(c, "BED1", "night_start", "25:00", why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(rules_config_set(c, "BP1", "sistolic", "170", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "[BP1] sistolic: unknown key"));
	assert_int_equal(rules_config_set(c, "BP9", "enabled", "no", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "unknown section"));
	assert_int_equal(rules_config_set(c, "CALL", "enabled", "no", why, sizeof(why)), -EINVAL);
	assert_int_equal(rules_config_get(c, "BP1", "systolic_at_least", value, sizeof(value)), 0);
	assert_string_equal(value, "170");

	/* Each key alone is fine, together they are not. */
	assert_int_equal(rules_config_set(c, "BP5", "systolic_below", "175", why, sizeof(why)), 0);
	assert_int_equal(rules_config_validate(c, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "[BP5] systolic_below: 175 must be below [BP1] "
				    "systolic_at_least (170)"));
	assert_int_equal(rules_config_set(c, "BP5", "systolic_below", "90", why, sizeof(why)), 0);
	assert_int_equal(
		rules_config_set(c, "plausibility", "glucose_max", "14.0", why, sizeof(why)), 0);
	assert_int_equal(rules_config_validate(c, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "[BG1] glucose_at_least: 15.0 is outside the plausible"));
	assert_int_equal(
		rules_config_set(c, "plausibility", "glucose_max", "33.3", why, sizeof(why)), 0);
	assert_int_equal(rules_config_set(c, "HR2", "pulse_at_most", "40", why, sizeof(why)), 0);
	assert_int_equal(rules_config_validate(c, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "[HR2] pulse_at_most"));
	rules_config_free(c);
}

static void test_bad_file(void **state)
{
	static const struct {
		const char *text;
		const char *message;
	} bad[] = {
		{ "[BP1]\nsystolic_at_least = high\n",
		  "test.conf:2: [BP1] systolic_at_least: 'high': expected a whole number" },
		{ "# x\n[BP1]\n\nsystolic_at_least = 400\n",
		  "test.conf:4: [BP1] systolic_at_least: '400': must be 40..300" },
		{ "[BP1]\nsystolic = 170\n", "test.conf:2: [BP1] systolic: unknown key" },
		{ "[BG1]\nglucose_at_least = 16.75\n",
		  "test.conf:2: [BG1] glucose_at_least: '16.75': expected a number with at most one "
		  "decimal place" },
		{ "[OX9]\nspo2_at_most = 90\n", "test.conf:2: [OX9]: unknown section" },
		{ "[BP5]\nsystolic_below = 185\n",
		  "test.conf: [BP5] systolic_below: 185 must be below [BP1] systolic_at_least (180)" },
	};
	struct rules_config *c;
	struct config_error err;
	char value[32], path[] = "/tmp/test-rules-XXXXXX", file[600], dropin[700];
	FILE *f;

	(void)state;
	assert_int_equal(rules_config_new(&c), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(rules_config_load_string(c, bad[i].text, "test.conf", &err) < 0);
		if (strncmp(err.message, bad[i].message, strlen(bad[i].message)) != 0)
			fail_msg("'%s' instead of '%s'", err.message, bad[i].message);
		/* Nothing half-applied. */
		assert_int_equal(
			rules_config_get(c, "BP1", "systolic_at_least", value, sizeof(value)), 0);
		assert_string_equal(value, "180");
	}
	assert_string_equal(err.key, "systolic_below");

	/* A real file with a drop-in directory. */
	assert_non_null(mkdtemp(path));
	snprintf(file, sizeof(file), "%s/thresholds.conf", path);
	snprintf(dropin, sizeof(dropin), "%s.d", file);
	assert_int_equal(mkdir(dropin, 0700), 0);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("[BP1]\nsystolic_at_least = 175\n", f);
	fclose(f);
	snprintf(dropin, sizeof(dropin), "%s.d/10-patient.conf", file);
	f = fopen(dropin, "w");
	assert_non_null(f);
	fputs("[BP1]\nsystolic_at_least = 170\n[patient]\ndiabetic = yes\n", f);
	fclose(f);
	memset(&err, 0, sizeof(err));
	assert_int_equal(rules_config_load(c, file, &err), 0);
	assert_int_equal(rules_config_get(c, "BP1", "systolic_at_least", value, sizeof(value)), 0);
	assert_string_equal(value, "170");
	assert_int_equal(rules_config_get(c, "patient", "diabetic", value, sizeof(value)), 0);
	assert_string_equal(value, "yes");
	f = fopen(dropin, "w");
	assert_non_null(f);
	fputs("[BP1]\nsystolic_at_least = x\n", f);
	fclose(f);
	assert_int_equal(rules_config_load(c, file, &err), -EINVAL);
	assert_non_null(strstr(err.message, "10-patient.conf:2: [BP1] systolic_at_least:"));
	unlink(dropin);
	unlink(file);
	snprintf(dropin, sizeof(dropin), "%s.d", file);
	rmdir(dropin);
	rmdir(path);
	rules_config_free(c);
}

static void test_switched_off(void **state)
{
	struct rules_engine *e = engine();
	struct rules_config *c;
	struct rules_output out;
	char why[128];

	(void)state;
	bp(e, 1, T0, 186, 95, &out);
	assert_int_equal(rules_config_new(&c), 0);
	assert_int_equal(rules_config_set(c, "BP1", "enabled", "no", why, sizeof(why)), 0);
	assert_int_equal(rules_engine_set_config(e, c), 0);
	tick(e, T0 + 20 * MIN_MS, &out, NULL);
	assert_int_equal(out.n_alerts, 0);
	bp(e, 2, T0 + 21 * MIN_MS, 190, 100, &out);
	bp(e, 3, T0 + 22 * MIN_MS, 190, 100, &out);
	assert_null(find(&out, "BP1"));
	rules_config_free(c);
	rules_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_names),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_confirmed),
		cmocka_unit_test(test_normal_retest_drops),
		cmocka_unit_test(test_timeout_raises_unconfirmed),
		cmocka_unit_test(test_skipped_by_symptoms),
		cmocka_unit_test(test_skipped_by_call),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_latching),
		cmocka_unit_test(test_one_alert_per_rule),
		cmocka_unit_test(test_bg3_treat_and_retest),
		cmocka_unit_test(test_bg4_at_once),
		cmocka_unit_test(test_bg6_repeat),
		cmocka_unit_test(test_hr3),
		cmocka_unit_test(test_ox3_baseline),
		cmocka_unit_test(test_t2),
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_bed1_night),
		cmocka_unit_test(test_bed1_day),
		cmocka_unit_test(test_tech1),
		cmocka_unit_test(test_call_never_suppressed),
		cmocka_unit_test(test_device_errors),
		cmocka_unit_test(test_flags_ignored),
		cmocka_unit_test(test_stale_stored),
		cmocka_unit_test(test_heart_rate_sources),
		cmocka_unit_test(test_external),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_load_rejects),
		cmocka_unit_test(test_file_equals_defaults),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_bad_file),
		cmocka_unit_test(test_switched_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
