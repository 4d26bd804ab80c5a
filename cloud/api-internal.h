/* SPDX-License-Identifier: MIT */
/*
 * What the API's resource files share: the daemon's state, one request as
 * the handlers see it (the caller, the ids taken from the path, the body,
 * the reply being built) and the helpers that build replies, check who may
 * see a patient and write audit entries. Internal to cloud/api*.c.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "api.h"
#include "sse.h"
#include "store.h"

/* The clinic's calendar when api_config sets none (China, UTC+8). */
#define API_UTC_OFFSET_S 28800

/* Password checks (64 MiB each) running at once; more logins get 503. */
#define API_LOGINS_MAX 4

/* Open event streams; more get 503. */
#define API_SSE_CLIENTS_MAX 64

#define API_HTTP_STATUS_MAX 600

struct api {
	struct api_config config;
	struct api_hooks hooks;
	void *userdata;
	struct MHD_Daemon *daemon;
	int port;

	pthread_mutex_t store_lock; /* guards store */
	struct store *store;

	struct sse *sse;
	char dummy_hash[STORE_SECRET_HASH_MAX + 1]; /* verified for unknown users */
	atomic_uint logins_running;

	atomic_ulong replies[API_HTTP_STATUS_MAX]; /* by status code */
};

/* One request as a handler sees it. */
struct api_call {
	struct api *api;
	struct MHD_Connection *connection;
	const char *method;
	int64_t ids[2]; /* the numbers in the path, in order */
	const char *body;
	size_t body_len;

	/* The session, when the route needs one. */
	bool logged_in;
	struct store_user user;
	struct store_session session;

	/* The reply. */
	unsigned status;
	cJSON *json;                   /* owned; sent when set */
	struct MHD_Response *response; /* owned; sent as is when set (streams, text) */
	char set_cookie[512];
	int64_t acknowledged_alert; /* set after a committed acknowledgement: runs the hook */
};

typedef void (*api_handler_fn)(struct api_call *call);

/* Current time, Unix milliseconds. */
int64_t api_now_ms(void);

/* The clinic's local day today (api_config's calendar). */
int32_t api_today(const struct api *a);

/* Sets an error reply {"error": "..."} with @status. */
void api_fail(struct api_call *call, unsigned status, const char *format, ...) _printf_(3, 4);

/* Sets the reply to the store error @r (503 busy, 500 otherwise), logged with @what. */
void api_fail_store(struct api_call *call, int r, const char *what);

/* Sets a JSON reply; takes @json (NULL: out of memory, 500). */
void api_reply(struct api_call *call, unsigned status, cJSON *json);

/* A query argument, or NULL. */
const char *api_query(struct api_call *call, const char *name);

/*
 * Reads query argument @name as an integer in @min..@max into *ret (left
 * alone when absent). Returns 1 when present, 0 when absent, or -EINVAL
 * after setting a 400 reply.
 */
int api_query_int(struct api_call *call, const char *name, long long min, long long max,
		  long long *ret);

/* True when the caller may see patients of @team_id in @institution_id. */
bool api_may_see_team(const struct api_call *call, int64_t team_id, int64_t institution_id);

/*
 * Loads patient @id for the caller, with the store locked: 0, or a negative
 * errno after setting the reply (404 unknown, 403 another team's: that
 * refusal is audited).
 */
int api_patient_load(struct api_call *call, int64_t id, struct store_patient *ret);

/* Appends an audit entry by the caller with the store locked. */
int api_audit(struct api_call *call, const char *action, const char *object, const char *detail);

/* Runs a read and its audit entry in one transaction: commits, or rolls back and fails. */
int api_commit(struct api_call *call, const char *what);

cJSON *api_user_to_json(const struct store_user *u);

/* Handlers, one per route (api-session.c, api-alerts.c, api-patients.c, api-care.c). */
void api_on_login(struct api_call *call);
void api_on_logout(struct api_call *call);
void api_on_session(struct api_call *call);
void api_on_events(struct api_call *call);
void api_on_alerts(struct api_call *call);
void api_on_alert_acknowledge(struct api_call *call);
void api_on_alert_resolve(struct api_call *call);
void api_on_patients(struct api_call *call);
void api_on_patient(struct api_call *call);
void api_on_readings(struct api_call *call);
void api_on_gateways(struct api_call *call);
void api_on_tasks(struct api_call *call);
void api_on_visit(struct api_call *call);
void api_on_episode_open(struct api_call *call);
void api_on_episode_close(struct api_call *call);
