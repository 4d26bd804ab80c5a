/* SPDX-License-Identifier: MIT */
/*
 * The gateway's MQTT uplink (libmosquitto, MQTT 5), driven from the gateway's
 * sd-event loop: its socket is watched by sd-event and its housekeeping runs
 * on a timer, so no thread is involved. It publishes records at QoS 1 to
 * bedlink/v1/<gw>/up/record, the retained status to up/status (with an
 * "offline" last will), and hands down/ack, down/config and down/notice
 * messages to the gateway. It reconnects by itself with backoff. It keeps no
 * records: the outbox does, and the gateway decides what to send.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "ack.h"

struct uplink_config {
	char gateway_id[33];
	char host[256];
	int port;
	char username[33];
	char password[256]; /* "" for none */
	char tls_ca[256];   /* "" for a plain connection */
	char tls_cert[256];
	char tls_key[256];
	int keepalive_s;
	int inflight; /* QoS 1 publishes awaiting PUBACK at most */
	uint64_t reconnect_min_ms, reconnect_max_ms;
};

struct uplink_callbacks {
	/* Connected (true) or lost (false). On connect the gateway re-sends what is not
	 * acknowledged. */
	void (*connection)(void *userdata, bool connected);
	/* A publish completed (PUBACK) and a window slot is free. */
	void (*window)(void *userdata);
	/* down/ack: @n ranges the cloud committed. */
	void (*ack)(void *userdata, const struct ack_range *ranges, size_t n);
	/* down/config and down/notice payloads, as received (validated by the gateway). */
	void (*config)(void *userdata, const char *payload, size_t len);
	void (*notice)(void *userdata, const char *payload, size_t len);
};

struct uplink;

/*
 * Creates the client; @offline_status_json is the retained status the broker
 * publishes as our last will. Nothing connects until uplink_start().
 */
int uplink_new(sd_event *event, const struct uplink_config *config, const char *offline_status_json,
	       const struct uplink_callbacks *callbacks, void *userdata, struct uplink **ret);
struct uplink *uplink_free(struct uplink *u);

/* Starts connecting; failures are retried with backoff, so only setup errors return -errno. */
int uplink_start(struct uplink *u);

bool uplink_connected(const struct uplink *u);

/* Free slots in the QoS 1 window (0 when disconnected). */
size_t uplink_window(const struct uplink *u);

/*
 * Publishes one record at QoS 1. Returns 0, -ENOTCONN when disconnected,
 * -EAGAIN when the window is full, or another -errno.
 */
int uplink_publish_record(struct uplink *u, const char *json, size_t len);

/* Publishes the retained status. Returns 0 or -ENOTCONN / -errno. */
int uplink_publish_status(struct uplink *u, const char *json, size_t len);

/* Counters for `bedlinkctl status`. */
struct uplink_stats {
	uint64_t connects;
	uint64_t published;
	uint64_t acks_received;
	uint64_t bad_messages; /* down/ messages that could not be parsed */
	char last_error[128];  /* why the last connection failed or ended; "" while connected */
};
void uplink_get_stats(const struct uplink *u, struct uplink_stats *ret);
