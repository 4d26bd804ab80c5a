/* SPDX-License-Identifier: MIT */
/*
 * The alert lifecycle around the store: telling people about alerts that
 * ingest created or changed (the live event stream, the webhook, then
 * raised -> notified), escalating P1 alerts nobody acknowledged (to the
 * team's backup team, then to the institution's duty line) and, when a
 * doctor acknowledges a call or a P1 alert, a down/notice to its gateway so
 * the bedside hears that help has seen it. Every function runs on the loop
 * thread except alerts_queue_acknowledged(). Time is always an argument.
 */
#pragma once

#include <stdint.h>

#include <systemd/sd-event.h>

#include "macro.h"
#include "store.h"

struct alerts;
struct webhook;

/* Where notifications go; every member may be NULL. */
struct alert_sink {
	/* The live event stream: api_publish() in the daemon. @json is the alert object. */
	void (*publish)(void *userdata, const char *event, const char *json, int64_t team_id,
			int64_t institution_id);
	/* Sends @json as down/notice to @gateway_id (QoS 1). Returns 0 or -errno. */
	int (*notice)(void *userdata, const char *gateway_id, const char *json);
	void *userdata;
};

struct alerts_config {
	int64_t p1_backup_ms; /* after reception: to the team's backup team */
	int64_t p1_duty_ms;   /* after reception: to the institution's duty line */
};

/*
 * @s, @sink's userdata and @webhook (NULL: none) are borrowed and must
 * outlive the alerts. Sets the store's escalation delays from @c.
 */
int alerts_new(struct store *s, const struct alerts_config *c, const struct alert_sink *sink,
	       struct webhook *webhook, struct alerts **ret);
struct alerts *alerts_free(struct alerts *a);
DEFINE_FREE_FUNC(struct alerts, alerts_free);

/*
 * Notifies every alert of @res (created or changed), at once and one by one
 * — P1 alerts and calls are never merged or held back — and marks the new
 * ones notified. Failures are logged; the alert stays "raised" in the store.
 */
void alerts_on_ingest(struct alerts *a, const struct store_ingest_result *res, int64_t now);

/*
 * Escalates every alert due at @now under the "escalation" job lock (so
 * that one process among several does it), each with an audit entry in the
 * same transaction, then notifies again naming the new target. Returns how
 * many were escalated (0 also when another process holds the lock), or an
 * error of the store.
 */
int alerts_escalate_due(struct alerts *a, int64_t now);

/*
 * Acknowledges alert @alert_id for @user_id with @note, with its audit entry
 * in one transaction, then does what alerts_acknowledged() does. -ENOENT,
 * -EALREADY (already acknowledged or resolved) and store errors.
 */
int alerts_acknowledge(struct alerts *a, int64_t alert_id, int64_t user_id, const char *note,
		       int64_t now);

/*
 * After an acknowledgement was committed: when the alert is a call or P1,
 * publishes down/notice {"type":"alert_acknowledged","alert_id":<the
 * gateway's id>,"rule":...} to its gateway. Returns 1 when a notice was
 * sent, 0 when none was due, or -errno.
 */
int alerts_acknowledged(struct alerts *a, int64_t alert_id);

/*
 * Lets another thread (the API's) report an acknowledgement it committed:
 * queued, and handled by alerts_acknowledged() on the loop of @e, attached
 * with alerts_attach_event(). Bounded: -ENOBUFS when full. Thread-safe.
 */
int alerts_queue_acknowledged(struct alerts *a, int64_t alert_id);
int alerts_attach_event(struct alerts *a, sd_event *e);

/* The alert object of the event stream and the webhook, as JSON; *ret is malloc'd. */
int alerts_to_json(struct alerts *a, const struct store_alert *alert, const char *escalated_to,
		   char **ret);
