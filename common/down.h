/* SPDX-License-Identifier: MIT */
/*
 * The down/config and down/notice payloads (docs/protocol.md §2.2, §2.3): the
 * cloud encodes them, the gateway decodes them strictly — unknown or
 * duplicate fields, wrong types, out-of-range numbers and over-long strings
 * are errors naming the field. down/config carries the patient's pseudonym,
 * per-patient threshold overrides and reminder schedules; down/notice a
 * message to announce at the bedside (the doctor has seen the call, a visit).
 * down/config also lists the coming face-to-face visits the cloud planned.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define DOWN_OVERRIDES_MAX 64
#define DOWN_SCHEDULES_MAX 16
#define DOWN_TIMES_MAX     8
#define DOWN_VALUE_MAX     63
#define DOWN_VISITS_MAX    8

/* One threshold override: section is a rule id ("BP1"), "patient" or "prompts". */
struct down_override {
	char section[RECORD_NAME_MAX + 1];
	char key[RECORD_NAME_MAX + 1];
	char value[DOWN_VALUE_MAX + 1]; /* text form: "170", "yes", "请…" */
};

enum schedule_kind {
	SCHEDULE_MEASUREMENT,
	SCHEDULE_MEDICATION,
	_SCHEDULE_KIND_MAX,
};

const char *schedule_kind_to_string(enum schedule_kind k);
int schedule_kind_from_string(const char *s);

/* A daily reminder: at each of @times (minutes after local midnight) on the days in @days. */
struct schedule {
	char name[RECORD_NAME_MAX + 1];
	enum schedule_kind kind;
	enum measurement measurement; /* SCHEDULE_MEASUREMENT: what is due */
	size_t n_times;
	uint16_t times[DOWN_TIMES_MAX]; /* 0..1439, ascending, distinct */
	uint8_t days;                   /* bit 0 = Monday .. bit 6 = Sunday; 0x7f = daily */
	uint32_t grace_min;             /* a measurement not taken by then is missed (ADH1) */
	char text[RECORD_TEXT_MAX + 1]; /* the voice prompt; "" = the default for the kind */
};

/*
 * A face-to-face visit the cloud's follow-up planner expects on a day: the
 * service is the gateway's visit word ("followup", "bedside_round",
 * "health_check"). The day is the due day of the task; no time is booked.
 */
struct down_visit {
	char date[11]; /* "YYYY-MM-DD", the clinic's local calendar */
	char service[RECORD_NAME_MAX + 1];
};

struct down_config {
	uint64_t version;                  /* increases with every change the cloud makes */
	char patient[RECORD_NAME_MAX + 1]; /* pseudonym, never a name */
	size_t n_overrides;
	struct down_override overrides[DOWN_OVERRIDES_MAX];
	size_t n_schedules;
	struct schedule schedules[DOWN_SCHEDULES_MAX];
	size_t n_visits; /* coming visits, by date */
	struct down_visit visits[DOWN_VISITS_MAX];
};

enum notice_type {
	NOTICE_ALERT_ACKNOWLEDGED, /* a doctor acknowledged alert_id (a call, a P1 alert) */
	NOTICE_VISIT,              /* a home visit is planned at `at` */
	NOTICE_MESSAGE,            /* free text from the care team */
	_NOTICE_TYPE_MAX,
};

const char *notice_type_to_string(enum notice_type t);
int notice_type_from_string(const char *s);

struct notice {
	enum notice_type type;
	uint64_t alert_id;              /* NOTICE_ALERT_ACKNOWLEDGED */
	char rule[RECORD_NAME_MAX + 1]; /* the acknowledged alert's rule, optional */
	int64_t at_ms;                  /* NOTICE_VISIT: when, ms since the epoch */
	char text[RECORD_TEXT_MAX + 1]; /* to announce; "" = the gateway's default prompt */
};

/*
 * Parses @len bytes (at most RECORD_JSON_MAX) of down/config JSON. Returns 0,
 * -EBADMSG with @err naming the field, or -ENOMEM.
 */
int down_config_from_json(const char *json, size_t len, struct down_config *ret,
			  struct record_error *err);
int down_config_to_json(const struct down_config *c, char **ret);

int notice_from_json(const char *json, size_t len, struct notice *ret, struct record_error *err);
int notice_to_json(const struct notice *n, char **ret);

/*
 * Parses "08:00,20:00" into minutes after midnight, ascending and distinct.
 * Returns the count, or -EINVAL with @why.
 */
int schedule_parse_times(const char *s, uint16_t *times, size_t max, char *why, size_t why_size);
/* Parses "daily", "weekdays", or "mon,wed,fri" into day bits. -EINVAL with @why. */
int schedule_parse_days(const char *s, uint8_t *days, char *why, size_t why_size);
