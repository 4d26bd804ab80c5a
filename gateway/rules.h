/* SPDX-License-Identifier: MIT */
/*
 * The gateway's local alert rules (docs/alerts.md): pure code, no I/O, no
 * clock reads — time is an argument. The engine is fed readings (after they
 * got their outbox seq), call presses, symptom answers, cloud acknowledgements
 * and clock ticks, and answers with alert records to store and local actions
 * (alarm level, voice prompts) to perform. Every number comes from a
 * struct rules_config, loaded from config/thresholds/default.conf (each
 * number cites its source) and overridden per patient by down/config.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "record.h"

/* The rules the gateway evaluates; names are the ids of clinical-defaults §1. */
enum rule_id {
	RULE_BP1,
	RULE_BP5,
	RULE_BG1,
	RULE_BG3,
	RULE_BG4,
	RULE_BG6,
	RULE_OX1,
	RULE_OX2,
	RULE_OX3,
	RULE_HR1,
	RULE_HR2,
	RULE_HR3,
	RULE_T1,
	RULE_T2,
	RULE_T4,
	RULE_RR1,
	RULE_RR2,
	RULE_BED1,
	RULE_CALL,
	RULE_ADH1,
	RULE_ADH2,
	RULE_TECH1,
	RULE_VISIT1, /* staff safety: a home visit ran past its expected duration plus grace */
	RULE_OX4,    /* SpO2 on scale 2 (hypercapnic risk): only when [patient] spo2_scale = 2 */
	_RULE_MAX,
};

const char *rule_id_to_string(enum rule_id r); /* "BP1" */
int rule_id_from_string(const char *s);

struct rules_config; /* opaque; holds every threshold, window, margin and prompt text */

/* A config with every built-in default of clinical-defaults.md (the same numbers as
 * config/thresholds/default.conf, which is what the gateway loads). */
int rules_config_new(struct rules_config **ret);
struct rules_config *rules_config_free(struct rules_config *c);
int rules_config_copy(const struct rules_config *c, struct rules_config **ret);

/*
 * Loads a thresholds file (INI: one [RULE] section per rule, plus [patient]
 * and [prompts]) over @c. Errors name file, line, section and key.
 */
int rules_config_load(struct rules_config *c, const char *path, struct config_error *err);
int rules_config_load_string(struct rules_config *c, const char *text, const char *name,
			     struct config_error *err);

/*
 * Sets one key as down/config's per-patient overrides do
 * ({"thresholds": {"BP1": {"systolic_at_least": 170}}}): @section is a rule id,
 * "patient", "general", "plausibility" or "prompts", @value the text form
 * ("170", "16.7", "yes", "22:00", a prompt's text). Returns 0, or -EINVAL with
 * @why ("[BP1] systolic_at_least: 'high': expected a whole number"). Checks the
 * key alone: call rules_config_validate() after the last override.
 */
int rules_config_set(struct rules_config *c, const char *section, const char *key,
		     const char *value, char *why, size_t why_size);

/*
 * The text form of one key, as rules_config_set() accepts it and as the
 * thresholds file writes it. Returns 0, -ENOENT for an unknown key, or
 * -ENOBUFS when @value_size is too small.
 */
int rules_config_get(const struct rules_config *c, const char *section, const char *key,
		     char *value, size_t value_size);

/*
 * A numeric key in its natural unit (16.7 for a glucose limit, 1320 minutes
 * for "22:00", 1 for yes). This is how the gateway reads the numbers kept
 * here for rules it evaluates itself: [ADH1] grace_min, [ADH2] ...,
 * [VISIT1] grace_min. Returns 0, -ENOENT, or -EINVAL for a text key.
 */
int rules_config_get_number(const struct rules_config *c, const char *section, const char *key,
			    double *ret);

/* The @i-th known key (0, 1, ...): false past the last one. For listings and tests. */
bool rules_config_key(size_t i, const char **section, const char **key);

/* Checks cross-key consistency (clear margins inside limits, P1 ≥ P2 bands ordered...). */
int rules_config_validate(const struct rules_config *c, char *why, size_t why_size);

/* Local alarm levels, loudest last. */
enum alarm_level {
	ALARM_NONE,
	ALARM_ADVISORY, /* LED blinks slowly, no sound (P3/P4) */
	ALARM_URGENT,   /* LED blinks, short beeps (P2) */
	ALARM_CRITICAL, /* LED fast, continuous buzzer pattern, voice (P1, calls) */
	_ALARM_LEVEL_MAX,
};

/* Every rule can emit at most two records for one input (a confirmation
 * timeout, then what the input itself does), so outputs never drop one. */
#define RULES_OUTPUT_ALERTS_MAX  (2 * _RULE_MAX)
#define RULES_OUTPUT_PROMPTS_MAX 4
#define RULES_OUTPUT_ERRORS_MAX  4

/* What the engine wants done after one input. Every rules_engine_* call that takes
 * one resets it first. */
struct rules_output {
	/* Alert records (kind RECORD_ALERT, seq and ts left to the caller) to store in the
	 * same transaction as the reading that caused them. */
	size_t n_alerts;
	struct alert alerts[RULES_OUTPUT_ALERTS_MAX];
	/* Voice prompts, in order ("请静坐五分钟后再测一次血压"). */
	size_t n_prompts;
	char prompts[RULES_OUTPUT_PROMPTS_MAX][RECORD_TEXT_MAX + 1];
	/* Readings judged physiologically impossible: store a device_error event, raise nothing. */
	size_t n_device_errors;
	char device_errors[RULES_OUTPUT_ERRORS_MAX][RECORD_TEXT_MAX + 1];
	/* The loudest local alarm any open alert now asks for. */
	enum alarm_level alarm;
	bool alarm_changed;
	/* True when the engine's state changed and should be saved (rules_engine_save). */
	bool state_changed;
};

/*
 * The engine. Times (@now_ms) are gateway ms since the epoch, 0..RECORD_INT_MAX;
 * the calls below return -EINVAL for others, and for a NULL argument.
 */
struct rules_engine;

/* A new engine using a copy of @c; no open alerts, empty history. */
int rules_engine_new(const struct rules_config *c, struct rules_engine **ret);
struct rules_engine *rules_engine_free(struct rules_engine *e);

/*
 * Alert ids continue above @above. An engine whose saved state was lost starts
 * again at 1; the gateway passes its outbox's last seq (every alert took at
 * least one seq), so no id is ever given twice.
 */
void rules_engine_reserve_alert_ids(struct rules_engine *e, uint64_t above);

/* Replaces the config (per-patient overrides arrived); open alerts stay open. */
int rules_engine_set_config(struct rules_engine *e, const struct rules_config *c);

/*
 * State (open alerts, pending confirmations, baselines' history, next alert id)
 * as JSON text for the outbox's state table, so a restart keeps latches and
 * baselines. load returns -EBADMSG for text it does not understand (the
 * engine is then left empty).
 */
int rules_engine_save(const struct rules_engine *e, char **ret);
int rules_engine_load(struct rules_engine *e, const char *json, size_t len);

/*
 * A reading stored as @seq at gateway time @now_ms. Stored readings (RACP
 * history) older than the config's "stale" age raise alert records but no
 * local alarm and no confirmation prompt.
 */
int rules_engine_reading(struct rules_engine *e, uint64_t seq, int64_t now_ms,
			 const struct reading *rd, struct rules_output *out);

/*
 * The call button was pressed (@cancelled false) or a press was cancelled by a
 * long press. A press raises a CALL alert (P1, never merged with an earlier
 * one: each press is its own alert) and skips every pending confirmation,
 * which raises those alerts at once at P1.
 */
int rules_engine_call(struct rules_engine *e, uint64_t event_seq, int64_t now_ms, bool cancelled,
		      struct rules_output *out);

/* The patient answered the symptom question: yes skips pending confirmations and
 * upgrades them to P1. */
int rules_engine_symptoms(struct rules_engine *e, int64_t now_ms, bool present,
			  struct rules_output *out);

/* A doctor acknowledged alert @alert_id in the cloud (down/notice); P1 latches release
 * once the condition has cleared, and a call alert closes. Returns 0, or -ENOENT when
 * no open alert has that id (it closed already). */
int rules_engine_acknowledged(struct rules_engine *e, uint64_t alert_id, int64_t now_ms,
			      struct rules_output *out);

/*
 * Heartbeats: device @device delivered something or connected at @now_ms.
 * TECH1 watches the devices that stream: the first continuous reading from a
 * device starts watching it (up to RECORD_DEVICES_MAX), and from then on
 * silence of silence_min raises TECH1. Spot devices (a cuff used twice a day)
 * are never watched, so calling this for every device is fine. When a silent
 * device speaks again, TECH1's record comes out of the next rules_engine_tick()
 * (or reading).
 */
void rules_engine_device_seen(struct rules_engine *e, const char *device, int64_t now_ms);

/* Stops watching @device (it was unbound from the patient, or streams no more by
 * design). TECH1 forgets its silence at the next tick. */
void rules_engine_forget_device(struct rules_engine *e, const char *device);

/*
 * Time passed: persistence windows, confirmation timeouts, bed-exit timers,
 * device silence. Returns the next time (ms) the engine wants a tick, or
 * INT64_MAX for none, in *next_ms.
 */
int rules_engine_tick(struct rules_engine *e, int64_t now_ms, struct rules_output *out,
		      int64_t *next_ms);

/* Raises (or updates) an alert for a rule evaluated outside the engine — ADH1/ADH2
 * from the reminder schedule, VISIT1 from the visit timer — with the same latching
 * and one-open-alert-per-rule semantics. @clear closes it instead. */
int rules_engine_external(struct rules_engine *e, enum rule_id rule, enum severity severity,
			  bool clear, int64_t now_ms, const char *message,
			  struct rules_output *out);

/* Open alerts, for bedlinkctl status. Fills up to @max, returns the count. */
size_t rules_engine_open_alerts(const struct rules_engine *e, struct alert *alerts, size_t max);
