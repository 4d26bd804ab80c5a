/* SPDX-License-Identifier: MIT */
/*
 * Reminders, pure: the patient's measurement and medication schedules (from
 * the gateway config and down/config) turned into voice prompts at the due
 * time, and measurement windows that passed without a reading turned into
 * misses (ADH1 for one, ADH2 from the second in a row). No clock reads: the
 * caller passes the time and the local UTC offset. State (what was already
 * prompted, consecutive misses, the last reading of each kind) survives a
 * restart through reminders_save()/reminders_load().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "down.h"
#include "record.h"

#define REMINDERS_MAX        (2 * DOWN_SCHEDULES_MAX)
#define REMINDERS_OUTPUT_MAX 16

struct reminder_prompt {
	char schedule[RECORD_NAME_MAX + 1];
	enum schedule_kind kind;
	bool repeat; /* the re-reminder after a missed window */
	char text[RECORD_TEXT_MAX + 1];
};

struct reminder_miss {
	char schedule[RECORD_NAME_MAX + 1];
	enum measurement measurement;
	int64_t due_ms;       /* the planned time of the missed measurement */
	unsigned consecutive; /* windows of this schedule missed in a row, 1.. */
};

struct reminders_output {
	size_t n_prompts;
	struct reminder_prompt prompts[REMINDERS_OUTPUT_MAX];
	size_t n_misses;
	struct reminder_miss misses[REMINDERS_OUTPUT_MAX];
};

struct reminders;

/*
 * A reminder set where a measurement up to @early_min before its planned time
 * counts for it. Starts with no schedules; *ret is freed with reminders_free().
 */
int reminders_new(uint32_t early_min, struct reminders **ret);
struct reminders *reminders_free(struct reminders *r);

/*
 * Replaces the schedules (the config's, then down/config's). Consecutive-miss
 * counts are kept for schedules whose name stays. -EINVAL for more than
 * REMINDERS_MAX or a duplicate name.
 */
int reminders_set(struct reminders *r, const struct schedule *schedules, size_t n);
size_t reminders_count(const struct reminders *r);
const struct schedule *reminders_get(const struct reminders *r, size_t i);

/*
 * A reading of @m arrived at @now_ms. Returns true when this ended every
 * outstanding miss (the caller clears ADH1/ADH2).
 */
bool reminders_reading(struct reminders *r, enum measurement m, int64_t now_ms);

/* Misses outstanding over all schedules: the largest consecutive count, 0 for none. */
unsigned reminders_missed(const struct reminders *r);

/*
 * Everything due in (last tick, @now_ms]: prompts at planned times (skipped
 * when the measurement was already taken in the early window) and misses at
 * planned time + grace (with one re-reminder). @utc_offset_s is local time
 * minus UTC. The first tick after reminders_new() only sets the cursor. The
 * next time anything is due is in *next_ms (INT64_MAX for never).
 */
void reminders_tick(struct reminders *r, int64_t now_ms, int32_t utc_offset_s,
		    struct reminders_output *out, int64_t *next_ms);

/* The state as JSON (cursor, last readings, consecutive misses), and back. */
int reminders_save(const struct reminders *r, char **ret);
int reminders_load(struct reminders *r, const char *json, size_t len);

/* The default voice prompt for a schedule without text of its own. */
const char *reminders_default_text(enum schedule_kind kind, enum measurement m);
