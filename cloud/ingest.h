/* SPDX-License-Identifier: MIT */
/*
 * Ingest: the cloud's MQTT side. A paho MQTTAsync (MQTT 5) client on the
 * shared subscription $share/bedlink/bedlink/v1/+/up/# hands each message to
 * the sd-event loop through a bounded queue and an eventfd (paho's thread
 * waits when the queue is full, which is the back-pressure — except while a
 * thread of ours waits inside a paho call: paho holds its own mutex around
 * the callback, so waiting then would deadlock). Alerts and calls take an
 * urgent lane: the loop takes them first, in a batch of their own, so that
 * they never wait behind a backlog of readings. The loop takes what arrived
 * — at most STORE_INGEST_MAX messages — validates it with the record codec
 * (an invalid record goes to quarantine, with its seq when one can be read),
 * stores it with ONE store_ingest() call, tells the batch function (alerts),
 * and only after that commit publishes down/ack with the committed seq
 * ranges to each gateway: at most a few down/acks unconfirmed by the broker
 * at a time, the rest folded into one message a gateway once one is
 * confirmed. A redelivered record is acknowledged again and stores nothing
 * new.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "cloud-config.h"
#include "macro.h"
#include "store.h"

struct ingest;

/* Most messages waiting between paho's thread and the loop before paho's thread waits. */
#define INGEST_QUEUE_MAX 4096
/*
 * Room past INGEST_QUEUE_MAX for what paho delivers while the loop itself
 * waits inside a paho call (to publish an ack) and so cannot drain.
 */
#define INGEST_QUEUE_SLACK 1024

/* Committed seqs waiting for their down/ack; past it the gateways send them again. */
#define INGEST_ACKS_PENDING_MAX 65536

/* Called on the loop after each committed batch, before its acks, e.g. to notify alerts. */
typedef void (*ingest_batch_fn)(void *userdata, const struct store_ingest_result *res, int64_t now);

/*
 * Creates the client for @c's broker (tcp://, or ssl:// when tls_ca is set)
 * on loop @e, storing into @s (borrowed). Nothing connects before
 * ingest_start(). -ENOMEM, -EINVAL for settings paho refuses, -EIO.
 */
int ingest_new(sd_event *e, struct store *s, const struct cloud_config *c, ingest_batch_fn batch,
	       void *userdata, struct ingest **ret);

/*
 * Disconnects (what was received but not stored is not acknowledged, so its
 * gateway sends it again) and frees. NULL-safe; returns NULL.
 */
struct ingest *ingest_free(struct ingest *in);

/*
 * Stops taking messages, first thing at shutdown: paho's thread never waits
 * for the loop again (it holds paho's process-wide mutex while it waits, so
 * any other thread's paho call would wait for the loop too). What arrives
 * from now on is not stored; its gateway sends it again. NULL-safe.
 */
void ingest_stop(struct ingest *in);
DEFINE_FREE_FUNC(struct ingest, ingest_free);

/* Connects, retrying every few seconds until the broker answers; subscribes on every connect. */
int ingest_start(struct ingest *in);

/* True once the broker confirmed the subscription (sd_notify READY follows it). */
bool ingest_is_subscribed(struct ingest *in);

/* Sets the function called once when the first subscription is confirmed. */
void ingest_on_ready(struct ingest *in, void (*fn)(void *userdata), void *userdata);

/*
 * Publishes @payload to bedlink/v1/@gateway_id/@subtopic at QoS 1 (a
 * "down/notice", "down/config"...). Thread-safe. -ENOTCONN when offline.
 */
int ingest_publish(struct ingest *in, const char *gateway_id, const char *subtopic,
		   const char *payload, bool retained);

/* struct alert_sink.notice for the daemon: @userdata is the struct ingest. */
int ingest_notice(void *userdata, const char *gateway_id, const char *json);

/*
 * Counters in Prometheus text format (bedlink_ingest_*), malloc'd into
 * *ret. Thread-safe.
 */
int ingest_metrics(struct ingest *in, char **ret);

/*
 * Connects once with @c's credentials, publishes one message at QoS 1 to
 * bedlink/v1/@gateway_id/@subtopic, waits for the PUBACK and disconnects:
 * for `bedlink-cloud admin`, which has no loop. Bounded by 10 s; -ETIMEDOUT,
 * -ECONNREFUSED, -EIO.
 */
int ingest_publish_once(const struct cloud_config *c, const char *gateway_id, const char *subtopic,
			const char *payload);

/* "bedlink/v1/<gw>/up/record" -> <gw> in @gw and the kind of topic; -EINVAL for others. */
enum ingest_topic {
	INGEST_TOPIC_RECORD,
	INGEST_TOPIC_STATUS,
	_INGEST_TOPIC_MAX,
};
int ingest_parse_topic(const char *topic, char *gw, size_t size);

/*
 * The seq of a record that failed validation, when its JSON still carries a
 * usable one (1..2^53-1, integral), so that it can be acknowledged; 0 when
 * there is none.
 */
uint64_t ingest_salvage_seq(const void *payload, size_t len);
