/* SPDX-License-Identifier: MIT */
/*
 * What rules-config.c, rules.c and rules-state.c share: the config struct that
 * holds every number of the alert rules (as scaled integers: mmHg, 0.1 mmol/L,
 * whole %, 0.1 °C, /min, minutes), and the engine's state. Nothing outside
 * these three files includes it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "rules.h"

/* The voice prompts of [prompts], in the order the file lists them. */
enum prompt {
	PROMPT_BP_CONFIRM,
	PROMPT_GLUCOSE_CONFIRM,
	PROMPT_SPO2_CONFIRM,
	PROMPT_TEMPERATURE_CONFIRM,
	PROMPT_HYPO_TREAT,
	PROMPT_ALERT_CRITICAL,
	PROMPT_SYMPTOMS_CALL_120,
	PROMPT_CALL_RECEIVED,
	PROMPT_CALL_CANCELLED,
	PROMPT_MONITORING_PAUSED,
	PROMPT_MONITORING_RESUMED,
	_PROMPT_MAX,
};

/*
 * The knobs many rules share. A rule without a "confirm_within_min" key has no
 * confirmation stage (0 here), one without "persist_s" no persistence (0), one
 * without "enabled" is never evaluated by the engine.
 */
struct rule_settings {
	bool enabled;
	bool confirm;
	long long confirm_within_min;
	long long persist_s;
	long long clear_margin; /* in the rule's scaled unit */
};

struct rules_config {
	struct {
		bool diabetic;
		long long spo2_scale;
		bool age_80_or_frail;
	} patient;
	struct {
		long long utc_offset_min;
		long long stale_min;
		long long clear_readings;
		long long stream_gap_s;
		long long baseline_every_min;
	} general;
	struct rules_plausibility {
		long long systolic_min, systolic_max;
		long long diastolic_min, diastolic_max;
		long long pulse_min, pulse_max;
		long long spo2_min, spo2_max;
		long long glucose_min, glucose_max;         /* 0.1 mmol/L */
		long long temperature_min, temperature_max; /* 0.1 °C */
		long long respiration_min, respiration_max;
	} plausibility;
	struct rule_settings rule[_RULE_MAX];
	struct {
		long long systolic_at_least, diastolic_at_least;
	} bp1;
	struct {
		long long systolic_below, diastolic_below, systolic_below_p1;
	} bp5;
	struct {
		long long glucose_at_least;
	} bg1;
	struct {
		long long glucose_below, retests_to_escalate, retest_within_min;
	} bg3;
	struct {
		long long glucose_below;
	} bg4;
	struct {
		long long glucose_above, repeat_within_h;
	} bg6;
	struct {
		long long spo2_at_most;
	} ox1, ox2;
	struct {
		long long drop_at_least, baseline_days, baseline_min_readings;
	} ox3;
	struct {
		long long spo2_below, spo2_at_most_p1;
	} ox4;
	struct {
		long long pulse_at_most, pulse_at_least;
	} hr1, hr2;
	struct {
		long long pulse_above, apart_at_least_min, apart_at_most_min;
	} hr3;
	struct {
		long long temperature_above;
	} t1;
	struct {
		long long single_at_least, repeated_at_least, repeat_within_h, rise_at_least;
		long long baseline_days, baseline_min_readings;
	} t2;
	struct {
		long long temperature_at_most;
	} t4;
	struct {
		long long respiration_at_most, respiration_at_least;
	} rr1;
	struct {
		long long respiration_at_least;
	} rr2;
	struct {
		long long night_start, night_end; /* minutes after local midnight */
		long long no_return_min;
	} bed1;
	struct {
		long long silence_min;
	} tech1;
	struct {
		long long grace_min;
	} adh1;
	struct {
		long long family_after_missed, doctor_after_days, doctor_below_percent;
	} adh2;
	struct {
		long long grace_min;
	} visit1;
	char prompts[_PROMPT_MAX][RECORD_TEXT_MAX + 1];
};

/* Fills @t with the limits of @rule's section that alert records cite; returns the count. */
size_t rules_config_thresholds(const struct rules_config *c, enum rule_id rule, struct threshold *t,
			       size_t max);

#define RULES_OPEN_MAX     256 /* open alerts: one per rule, plus unacknowledged calls */
#define RULES_BASELINE_MAX 256 /* readings a personal baseline keeps */
#define RULES_WHAT_MAX     64  /* "BP 186/95 mmHg" */

struct open_alert {
	uint64_t id;
	enum rule_id rule;
	enum severity severity;
	enum confirmation confirmation;
	size_t n_readings;
	uint64_t readings[RECORD_READINGS_MAX];
	bool silent;            /* raised only from stale stored readings: no local alarm */
	bool acknowledged;      /* a doctor acknowledged it */
	bool condition_cleared; /* P1 back within limits, open until acknowledged */
	unsigned clear_count;   /* consecutive readings back inside by the margin */
	bool has_baseline;      /* OX3, T2: the baseline the last judgement used */
	long long baseline2;    /* twice the median, in the rule's scaled unit */
	unsigned retests;       /* BG3: low re-tests since it was raised */
	int64_t retest_due_ms;  /* BG3: 0, or when a missing re-test raises it to P1 */
	char message[RECORD_TEXT_MAX + 1];
};

/* A first breaching spot reading waiting for its re-test. */
struct pending {
	bool active;
	uint64_t seq;
	int64_t since_ms;
	enum severity severity;
	enum measurement measurement;
	char what[RULES_WHAT_MAX];
};

/* A breach in a continuous stream, not yet long enough. */
struct persistence {
	bool active;
	uint64_t first_seq;
	int64_t since_ms, last_ms;
	enum severity severity; /* the least urgent level seen since since_ms */
};

/* One earlier reading a rule remembers (HR3's run, BG6's last high, T2's last warm). */
struct mark {
	bool active;
	uint64_t seq;
	int64_t ms;
	int64_t last_ms; /* HR3: the run's latest reading */
};

struct baseline {
	size_t n; /* oldest first */
	int64_t ms[RULES_BASELINE_MAX];
	long long value[RULES_BASELINE_MAX];
	int64_t last_continuous_ms; /* continuous samples join at most every baseline_every_min */
};

struct watched_device {
	char name[RECORD_NAME_MAX + 1];
	bool seen; /* false after a restart until the first tick starts its clock */
	int64_t last_seen_ms;
	bool silent;
};

struct rules_engine {
	struct rules_config *config;
	uint64_t next_alert_id;
	size_t n_open;
	struct open_alert *open; /* RULES_OPEN_MAX of them */
	struct pending pending[_RULE_MAX];
	struct persistence persist[_RULE_MAX];
	struct mark hr3_run, bg6_high, t2_warm;
	struct baseline spo2, temperature;
	int bed_occupancy; /* -1 unknown, 0 out of bed, 1 in bed */
	struct mark bed_exit;
	size_t n_devices;
	struct watched_device devices[RECORD_DEVICES_MAX];
	bool devices_changed; /* a silent device spoke, or one was forgotten */
	/* Per call, not saved: */
	enum alarm_level alarm; /* the level the last output reported */
	bool dirty;
	bool critical; /* a P1 was raised or reached locally during this call */
};

/* Empties the engine's state (keeps its config). */
void rules_engine_reset(struct rules_engine *e);
