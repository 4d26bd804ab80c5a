/* SPDX-License-Identifier: MIT */
/*
 * Live events across cloud processes. Each bedlink-cloud process serves the
 * event streams (GET /api/events) of the consoles connected to it, but the
 * alert behind an event may have been ingested, escalated or acknowledged by
 * another process sharing the store. So every process publishes the events it
 * makes to FANOUT_TOPIC (QoS 1) on a client of its own, and subscribes to that
 * topic with MQTT 5 "no local": it hears every other process's events, never
 * its own (which it already delivered directly, without the broker's hop).
 * With one process nothing changes but one idle subscription.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cloud-config.h"
#include "macro.h"
#include "record.h"

#define FANOUT_TOPIC      "bedlink/cloud/v1/events"
#define FANOUT_EVENT_MAX  32 /* event name, NUL included: [a-z0-9_.-]{1,31} */
#define FANOUT_ORIGIN_MAX 96
#define FANOUT_QUEUE_MAX  1024 /* events waiting for the sender thread */

struct fanout;

/* Called on a paho thread for each event another process made. Must be thread-safe. */
typedef void (*fanout_deliver_fn)(void *userdata, const char *event, const char *json,
				  int64_t team_id, int64_t institution_id);

/*
 * Creates the client (id "<[mqtt] client_id or bedlink-cloud-PID>-events")
 * for @c's broker; nothing connects before fanout_start(). -ENOMEM, -EINVAL,
 * -EIO, or the error reading the password file.
 */
int fanout_new(const struct cloud_config *c, fanout_deliver_fn deliver, void *userdata,
	       struct fanout **ret);
/*
 * Sends what is queued, then disconnects: no event is delivered or sent after
 * it returns, while fanout_publish() and fanout_metrics() stay safe to call
 * (publishing is refused). For shutdown, before the API's threads stop.
 * NULL-safe, idempotent.
 */
void fanout_stop(struct fanout *f);
struct fanout *fanout_free(struct fanout *f);
DEFINE_FREE_FUNC(struct fanout, fanout_free);

/* Connects, reconnecting by itself, and subscribes on every connect. */
int fanout_start(struct fanout *f);

/*
 * Queues one event for the other processes; a thread of the fanout's sends
 * it. Thread-safe, never waits for paho or the broker. -ENOBUFS when
 * FANOUT_QUEUE_MAX events wait already (the event reached this process's
 * streams anyway; the other consoles catch up with GET /api/alerts),
 * -EMSGSIZE, -EINVAL. A send that fails later is logged and counted.
 */
int fanout_publish(struct fanout *f, const char *event, const char *json, int64_t team_id,
		   int64_t institution_id);

/* Events received from others and dropped as malformed, for /metrics (Prometheus text). */
int fanout_metrics(struct fanout *f, char **ret);

/* ---- the wire form, pure (tests and the fuzz target) ---- */

/*
 * {"v":1,"origin":O,"event":E,"team":T,"institution":I,"data":<@json>} in a
 * malloc'd *ret. -EINVAL for a bad event name or origin, @json that is not a
 * JSON object, or negative ids; -EMSGSIZE beyond RECORD_JSON_MAX; -ENOMEM.
 */
int fanout_encode(const char *origin, const char *event, const char *json, int64_t team_id,
		  int64_t institution_id, char **ret);

struct fanout_event {
	char origin[FANOUT_ORIGIN_MAX];
	char event[FANOUT_EVENT_MAX];
	int64_t team_id, institution_id;
	char *data; /* malloc'd, unformatted JSON object */
};

/*
 * Decodes @len bytes strictly (unknown or missing members, wrong types, a bad
 * event name: -EBADMSG with @err naming the member); ev->data is malloc'd,
 * free it with fanout_event_done(). -ENOMEM.
 */
int fanout_decode(const void *payload, size_t len, struct fanout_event *ev,
		  struct record_error *err);
void fanout_event_done(struct fanout_event *ev);
