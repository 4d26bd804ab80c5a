/* SPDX-License-Identifier: MIT */
/*
 * The API's parsers of outside bytes, pure and separate from the HTTP code
 * so that they can be fuzzed: request bodies (one JSON object, UTF-8,
 * matched strictly against a field table: an unknown field, a wrong type or
 * a value out of range is an error naming the field) and query values.
 * Internal to the API and its tests.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "civil-date.h"
#include "planner.h"
#include "record.h"
#include "store.h"

/* Longest password accepted at login, in bytes. */
#define API_PASSWORD_MAX 256

/* Largest id or time the API reads: 2^53 - 1, exact in JSON numbers. */
#define API_INT_MAX 9007199254740991LL

struct api_login_request {
	char user[STORE_LOGIN_MAX + 1];
	char password[API_PASSWORD_MAX + 1];
};

struct api_acknowledge_request {
	char note[STORE_TEXT_MAX + 1]; /* "" when absent */
};

struct api_resolve_request {
	enum store_alert_outcome outcome; /* ACTION_TAKEN or NO_ACTION */
	char note[STORE_TEXT_MAX + 1];
};

struct api_visit_request {
	int64_t patient;
	int64_t at; /* Unix ms */
	char service[STORE_WORD_MAX + 1];
	enum store_visit_mode mode;
	enum followup_programme programme;  /* NONE when absent */
	enum followup_class classification; /* NONE when absent; only with HTN or T2DM */
	uint32_t flags;                     /* STORE_VISIT_* */
	int64_t episode;                    /* 0 when absent */
	char task[FOLLOWUP_KEY_MAX];        /* the open task it fulfils; "" when none */
	char notes[STORE_TEXT_MAX + 1];
};

struct api_episode_open_request {
	int64_t patient;
	char bed_number[STORE_WORD_MAX + 1];
	int32_t opened, planned_end; /* day numbers */
	char reason[STORE_TEXT_MAX + 1];
	int64_t nurse; /* 0 when absent */
};

struct api_episode_close_request {
	char outcome[STORE_WORD_MAX + 1];
	char summary[STORE_TEXT_MAX + 1];
	int32_t closed; /* STORE_NO_DATE when absent: today */
};

/*
 * Parses @len bytes as one JSON object: not empty, no NUL bytes, valid
 * UTF-8, valid JSON, an object. Returns the tree (the caller deletes it), or
 * NULL with *ret = -EBADMSG (@err says why) or -ENOMEM.
 */
cJSON *api_body_parse(const char *body, size_t len, struct record_error *err, int *ret);

/* Each returns 0 with *ret filled, -EBADMSG with @err naming the field, or -ENOMEM. */
int api_parse_login(const char *body, size_t len, struct api_login_request *ret,
		    struct record_error *err);
int api_parse_acknowledge(const char *body, size_t len, struct api_acknowledge_request *ret,
			  struct record_error *err);
int api_parse_resolve(const char *body, size_t len, struct api_resolve_request *ret,
		      struct record_error *err);
int api_parse_visit(const char *body, size_t len, struct api_visit_request *ret,
		    struct record_error *err);
int api_parse_episode_open(const char *body, size_t len, struct api_episode_open_request *ret,
			   struct record_error *err);
int api_parse_episode_close(const char *body, size_t len, struct api_episode_close_request *ret,
			    struct record_error *err);

/* True when @s is valid UTF-8 of @len bytes (no overlongs, no surrogates). */
bool api_utf8_is_valid(const char *s, size_t len);

/* A decimal integer in @min..@max, nothing else: 0 or -EINVAL. */
int api_parse_int(const char *s, long long min, long long max, long long *ret);

/* "YYYY-MM-DD", a valid planner date: 0 with the day number, or -EINVAL. */
int api_parse_date(const char *s, int32_t *ret);

/* Writes day number @days as "YYYY-MM-DD". */
void api_format_date(int32_t days, char buf[static CIVIL_DATE_STRING_MAX]);
