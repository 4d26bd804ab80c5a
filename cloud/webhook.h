/* SPDX-License-Identifier: MIT */
/*
 * The alert webhook: an HTTP POST of one JSON body per alert event, sent by a
 * worker thread of its own so that a slow or dead receiver never holds up
 * ingest. Each post is retried with backoff (1 s, 2 s, 4 s... capped at 30 s)
 * until a 2xx answer or the configured number of retries is spent; then it is
 * logged and dropped — the alert itself is in the store and on the console.
 * Bodies come in three formats: plain JSON, or a WeCom / DingTalk group-robot
 * message (webhook_body(), pure, for tests).
 */
#pragma once

#include "cloud-config.h"
#include "macro.h"

struct webhook;

/* Most posts waiting for the worker; more are dropped with a warning. */
#define WEBHOOK_QUEUE_MAX 256

/*
 * Starts the worker for @url. @retries is how many times a failed post is
 * tried again, @timeout_s bounds each attempt. -ENOMEM, or -EIO when libcurl
 * or the thread cannot start.
 */
int webhook_new(const char *url, enum webhook_format format, unsigned retries, unsigned timeout_s,
		struct webhook **ret);

/*
 * Lets the worker finish what is queued (retries included), then stops it.
 * NULL-safe; returns NULL.
 */
struct webhook *webhook_free(struct webhook *w);
DEFINE_FREE_FUNC(struct webhook, webhook_free);

/*
 * Queues an alert event ("alert.raised", "alert.escalated"...) with the
 * alert's JSON object (@alert_json, copied). Thread-safe. -ENOBUFS when the
 * queue is full, -ENOMEM.
 */
int webhook_post(struct webhook *w, const char *event, const char *alert_json);

/*
 * The body posted for @event and @alert_json in @format: for JSON
 * {"event":E,"alert":{...}}; for WeCom {"msgtype":"markdown","markdown":
 * {"content":...}}; for DingTalk {"msgtype":"text","text":{"content":...}}.
 * *ret is malloc'd. -EINVAL when @alert_json is not an object, -ENOMEM.
 */
int webhook_body(enum webhook_format format, const char *event, const char *alert_json, char **ret);

/* Posts delivered and posts given up since the start, for /metrics. */
void webhook_counters(struct webhook *w, unsigned long long *delivered, unsigned long long *failed);
