/* SPDX-License-Identifier: MIT */
/*
 * The cloud's JSON API over HTTP (libmicrohttpd): login with Argon2id
 * passwords and session cookies with a CSRF token, alerts, patients and
 * their readings, follow-up tasks, visits, family-sick-bed episodes,
 * gateways, a Server-Sent Events stream of live events and /metrics.
 * docs/api.md describes every endpoint; every read of patient data and
 * every change goes to the store's hash-chained audit log.
 *
 * Threads: libmicrohttpd serves each connection on a thread of its own
 * (thread per connection, bounded), so that an SSE stream can block while
 * it waits for events. All requests share one store connection of their
 * own, opened from store_url and used under a mutex: the console's load is
 * small next to ingest, and one connection keeps the API's transactions
 * simple on both SQLite and PostgreSQL. Password checks run outside that
 * mutex, at most a few at a time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

struct api;
struct store;

struct api_config {
	char listen[64];         /* "127.0.0.1:8080", "[::1]:8080"; port 0 picks a free one */
	char store_url[512];     /* as store_open() takes it; the schema must be migrated */
	long long session_ttl_s; /* lifetime of a session; <= 0: 12 hours */
	size_t max_body;         /* largest request body; 0: 64 KiB */
	bool cookie_secure;      /* mark the session cookie Secure (behind TLS) */
	/* The clinic's calendar for "today" (agenda, closing a bed); false: UTC+8, China. */
	bool has_utc_offset;
	int32_t utc_offset_s;
};

/* What a replan after a change did, for the reply (docs/api.md). */
struct api_replan {
	unsigned created, updated, fulfilled, withdrawn;
};

struct api_hooks {
	/* Called on an API thread after an acknowledgement committed. May be NULL. */
	void (*alert_acknowledged)(void *userdata, int64_t alert_id);
	/*
	 * Extra Prometheus lines for /metrics: sets *text to a malloc'd string the
	 * API frees, or returns a negative errno. May be NULL.
	 */
	int (*metrics)(void *userdata, char **text);
	/*
	 * Called on an API thread, with the API's store connection (locked, outside
	 * any transaction), after a visit was recorded or a sick bed opened or
	 * closed for @patient_id and committed: replans the patient's follow-up
	 * tasks at @now_ms (cloud/followup.h) and fills @ret. Returns >= 0, or a
	 * negative errno (the change stays committed; the daily sweep replans
	 * later). May be NULL.
	 */
	int (*patient_changed)(void *userdata, struct store *s, int64_t patient_id, int64_t now_ms,
			       struct api_replan *ret);
	/*
	 * Called on an API thread with each live event the API itself made (an
	 * alert it acknowledged or resolved), after its own streams got it: the
	 * daemon tells its other processes (cloud/fanout.h). May be NULL.
	 */
	void (*event_published)(void *userdata, const char *event, const char *json,
				int64_t team_id, int64_t institution_id);
};

/*
 * Opens the API's store connection and starts serving on c->listen. @hooks
 * may be NULL; it is copied, @userdata is borrowed for the hooks. Returns 0
 * with *ret set, -EINVAL for a listen address that is not "HOST:PORT" with
 * a numeric host, the store's error when it cannot be opened, -EADDRINUSE
 * or -EIO when the daemon cannot start.
 */
int api_new(const struct api_config *c, const struct api_hooks *hooks, void *userdata,
	    struct api **ret);

/* The TCP port the API listens on (useful after asking for port 0). */
int api_get_port(const struct api *a);

/*
 * Sends an event to the live stream (GET /api/events) of every session that
 * may see @team_id of @institution_id: that team's doctors and nurses and the
 * institution's admins. @event is the SSE event name ("alert"), @json its
 * data (one JSON value). Thread-safe; never blocks on a client: a client that
 * falls too far behind loses its stream and reconnects.
 */
void api_publish(struct api *a, const char *event, const char *json, int64_t team_id,
		 int64_t institution_id);

/* Stops serving (ending open event streams) and frees everything. NULL-safe; returns NULL. */
struct api *api_free(struct api *a);
DEFINE_FREE_FUNC(struct api, api_free);
