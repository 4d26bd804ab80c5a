/* SPDX-License-Identifier: MIT */
/*
 * Server-Sent Events fan-out: a hub of live-stream clients, each with the
 * team and institution it may see and a bounded queue of pending events.
 * Publishing never blocks on a client; a client whose queue is full loses
 * its stream (and reconnects) rather than holding memory or the publisher.
 * Readers block in sse_client_read() on their own thread (libmicrohttpd's
 * thread per connection) and get a comment line as heartbeat when idle.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

struct sse;
struct sse_client;

/* Events one client may have queued before its stream is ended. */
#define SSE_QUEUE_MAX 256

/*
 * A hub for at most @max_clients streams, each sent a heartbeat comment after
 * @heartbeat_ms without events. Returns 0, -ENOMEM.
 */
int sse_new(size_t max_clients, int64_t heartbeat_ms, struct sse **ret);

/* Frees the hub; every client must be freed already. NULL-safe; returns NULL. */
struct sse *sse_free(struct sse *s);
DEFINE_FREE_FUNC(struct sse, sse_free);

/* Wakes every reader and makes every stream end: for shutting down. */
void sse_stop(struct sse *s);

/*
 * Adds a client that sees events of @team_id in @institution_id, or of every
 * team of @institution_id when @all_teams. Its stream starts with a comment
 * line. -EBUSY when the hub has max_clients already, -ENOMEM.
 */
int sse_client_new(struct sse *s, int64_t team_id, int64_t institution_id, bool all_teams,
		   struct sse_client **ret);

/* Removes the client from its hub and frees it. NULL-safe. */
void sse_client_free(struct sse_client *c);

/*
 * Copies up to @max bytes of the client's stream into @buf, waiting for an
 * event or the heartbeat when nothing is pending. Returns the number of
 * bytes (> 0), or -EPIPE when the stream is over (hub stopped, queue
 * overflowed).
 */
ssize_t sse_client_read(struct sse_client *c, char *buf, size_t max);

/*
 * Queues "event: @event" with @json as data for every client that may see
 * @team_id of @institution_id. @event must be a word without line breaks.
 */
void sse_publish(struct sse *s, const char *event, const char *json, int64_t team_id,
		 int64_t institution_id);

/* Clients connected now. */
size_t sse_n_clients(struct sse *s);
