// SPDX-License-Identifier: MIT
/*
 * libmosquitto on sd-event. The socket is watched for input always and for
 * output while libmosquitto has bytes queued; mosquitto_loop_misc() runs on a
 * one-second timer for keepalives. A lost connection tears the watch down and
 * a backoff timer reconnects (1 s doubling to the configured maximum).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <mosquitto.h>

#include "log.h"
#include "macro.h"
#include "uplink.h"

struct uplink {
	sd_event *event;
	struct uplink_config config;
	struct uplink_callbacks callbacks;
	void *userdata;
	struct mosquitto *mosq;
	sd_event_source *io;
	sd_event_source *misc_timer;
	sd_event_source *reconnect_timer;
	bool connected;
	bool started_once;
	bool closing; /* uplink_free() is running: a lost connection is expected */
	size_t inflight;
	uint64_t backoff_ms;
	char topic_record[96];
	char topic_status[96];
	char topic_down[96];
	size_t down_prefix_len;
	struct uplink_stats stats;
};

/* libmosquitto's result codes as -errno, at one place. */
static int mosq_errno(int rc)
{
	switch (rc) {
	case MOSQ_ERR_SUCCESS:
		return 0;
	case MOSQ_ERR_NOMEM:
		return -ENOMEM;
	case MOSQ_ERR_INVAL:
	case MOSQ_ERR_MALFORMED_UTF8:
	case MOSQ_ERR_PAYLOAD_SIZE:
		return -EINVAL;
	case MOSQ_ERR_NO_CONN:
	case MOSQ_ERR_CONN_LOST:
		return -ENOTCONN;
	case MOSQ_ERR_CONN_REFUSED:
		return -ECONNREFUSED;
	case MOSQ_ERR_AUTH:
	case MOSQ_ERR_ACL_DENIED:
		return -EACCES;
	case MOSQ_ERR_ERRNO:
		return errno > 0 ? -errno : -EIO;
	case MOSQ_ERR_EAI:
		return -EHOSTUNREACH;
	case MOSQ_ERR_TLS:
		return -EPROTO;
	default:
		return -EIO;
	}
}

static void schedule_reconnect(struct uplink *u);

static void set_last_error(struct uplink *u, const char *text)
{
	snprintf(u->stats.last_error, sizeof(u->stats.last_error), "%s", text);
}

static void drop_connection(struct uplink *u, const char *why)
{
	bool was = u->connected;

	u->io = sd_event_source_disable_unref(u->io);
	u->connected = false;
	u->inflight = 0;
	if (u->closing)
		return;
	set_last_error(u, why);
	if (was) {
		log_warning("uplink: connection to %s:%d lost (%s), reconnecting", u->config.host,
			    u->config.port, why);
		if (u->callbacks.connection)
			u->callbacks.connection(u->userdata, false);
	}
	schedule_reconnect(u);
}

static void update_io_events(struct uplink *u)
{
	uint32_t events = EPOLLIN | (mosquitto_want_write(u->mosq) ? EPOLLOUT : 0);

	if (u->io)
		sd_event_source_set_io_events(u->io, events);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct uplink *u = userdata;
	int rc = MOSQ_ERR_SUCCESS;

	(void)s;
	(void)fd;
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		rc = mosquitto_loop_read(u->mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && (revents & EPOLLOUT))
		rc = mosquitto_loop_write(u->mosq, 1);
	if (rc != MOSQ_ERR_SUCCESS) {
		drop_connection(u, mosquitto_strerror(rc));
		return 0;
	}
	update_io_events(u);
	return 0;
}

static int on_misc(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct uplink *u = userdata;
	int rc;

	sd_event_source_set_time(s, usec + 1000000);
	if (!u->io)
		return 0;
	rc = mosquitto_loop_misc(u->mosq);
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
		drop_connection(u, mosquitto_strerror(rc));
		return 0;
	}
	update_io_events(u);
	return 0;
}

static int watch_socket(struct uplink *u)
{
	int fd = mosquitto_socket(u->mosq), r;

	if (fd < 0)
		return -ENOTCONN;
	u->io = sd_event_source_disable_unref(u->io);
	r = sd_event_add_io(u->event, &u->io, fd, EPOLLIN | EPOLLOUT, on_io, u);
	if (r < 0)
		return log_error_errno(r, "uplink: cannot watch the MQTT socket: %m");
	sd_event_source_set_description(u->io, "uplink-mqtt");
	return 0;
}

static int try_connect(struct uplink *u)
{
	int rc;

	if (!u->started_once) {
		rc = mosquitto_connect_async(u->mosq, u->config.host, u->config.port,
					     u->config.keepalive_s);
		if (rc == MOSQ_ERR_SUCCESS)
			u->started_once = true;
	} else {
		rc = mosquitto_reconnect_async(u->mosq);
	}
	if (rc != MOSQ_ERR_SUCCESS) {
		int r = mosq_errno(rc);

		log_warning_errno(r, "uplink: cannot connect to %s:%d: %s", u->config.host,
				  u->config.port, mosquitto_strerror(rc));
		set_last_error(u, mosquitto_strerror(rc));
		return r;
	}
	return watch_socket(u);
}

static int on_reconnect(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct uplink *u = userdata;

	(void)s;
	(void)usec;
	if (try_connect(u) < 0)
		schedule_reconnect(u);
	return 0;
}

static void schedule_reconnect(struct uplink *u)
{
	uint64_t now;
	int enabled = SD_EVENT_OFF, r;

	/* Already waiting to reconnect: a second report of the same loss changes nothing. */
	if (u->reconnect_timer && sd_event_source_get_enabled(u->reconnect_timer, &enabled) >= 0 &&
	    enabled != SD_EVENT_OFF)
		return;
	if (u->backoff_ms == 0)
		u->backoff_ms = u->config.reconnect_min_ms;
	sd_event_now(u->event, CLOCK_MONOTONIC, &now);
	if (!u->reconnect_timer) {
		r = sd_event_add_time(u->event, &u->reconnect_timer, CLOCK_MONOTONIC,
				      now + u->backoff_ms * 1000, 100000, on_reconnect, u);
		/* The loop is finishing (shutdown): there is nothing to reconnect for. */
		if (r == -ESTALE)
			return;
		if (r < 0) {
			log_error_errno(r, "uplink: cannot arm the reconnect timer: %m");
			return;
		}
		sd_event_source_set_description(u->reconnect_timer, "uplink-reconnect");
	} else {
		sd_event_source_set_time(u->reconnect_timer, now + u->backoff_ms * 1000);
	}
	sd_event_source_set_enabled(u->reconnect_timer, SD_EVENT_ONESHOT);
	u->backoff_ms *= 2;
	if (u->backoff_ms > u->config.reconnect_max_ms)
		u->backoff_ms = u->config.reconnect_max_ms;
}

static void on_connect(struct mosquitto *mosq, void *userdata, int rc, int flags,
		       const mosquitto_property *props)
{
	struct uplink *u = userdata;

	(void)flags;
	(void)props;
	if (rc != 0) {
		log_error("uplink: broker %s:%d refused the connection: %s", u->config.host,
			  u->config.port, mosquitto_reason_string(rc));
		set_last_error(u, mosquitto_reason_string(rc));
		/* Keep the socket watch: libmosquitto reports the close next. */
		return;
	}
	u->connected = true;
	u->inflight = 0;
	u->backoff_ms = 0;
	u->stats.connects++;
	set_last_error(u, "");
	log_info("uplink: connected to %s:%d as '%s'", u->config.host, u->config.port,
		 u->config.username);
	rc = mosquitto_subscribe_v5(mosq, NULL, u->topic_down, 1, 0, NULL);
	if (rc != MOSQ_ERR_SUCCESS)
		log_error("uplink: cannot subscribe to '%s': %s", u->topic_down,
			  mosquitto_strerror(rc));
	if (u->callbacks.connection)
		u->callbacks.connection(u->userdata, true);
}

static void on_disconnect(struct mosquitto *mosq, void *userdata, int rc,
			  const mosquitto_property *props)
{
	struct uplink *u = userdata;

	(void)mosq;
	(void)props;
	/* libmosquitto has closed the socket; the fd must not be watched any more. */
	drop_connection(u, rc == 0 ? "closed" : mosquitto_reason_string(rc));
}

static void on_publish(struct mosquitto *mosq, void *userdata, int mid, int reason,
		       const mosquitto_property *props)
{
	struct uplink *u = userdata;

	(void)mosq;
	(void)mid;
	(void)props;
	if (u->inflight > 0)
		u->inflight--;
	/* 0x10 "no matching subscribers" is a success; >= 0x80 is a refusal. */
	if (reason >= 0x80)
		log_warning("uplink: broker refused a publish: %s (0x%02x)",
			    mosquitto_reason_string(reason), reason);
	if (u->callbacks.window)
		u->callbacks.window(u->userdata);
}

static void on_message(struct mosquitto *mosq, void *userdata, const struct mosquitto_message *m,
		       const mosquitto_property *props)
{
	struct uplink *u = userdata;
	const char *what;

	(void)mosq;
	(void)props;
	if (strncmp(m->topic, u->topic_down, u->down_prefix_len) != 0)
		return;
	what = m->topic + u->down_prefix_len;
	if (strcmp(what, "ack") == 0) {
		struct ack_range ranges[ACK_RANGES_MAX];
		struct record_error err = { "", "" };
		int n = ack_from_json(m->payload, (size_t)m->payloadlen, ranges, &err);

		if (n < 0) {
			u->stats.bad_messages++;
			log_warning("uplink: ignoring a bad down/ack: %s", err.message);
			return;
		}
		u->stats.acks_received++;
		if (u->callbacks.ack)
			u->callbacks.ack(u->userdata, ranges, (size_t)n);
	} else if (strcmp(what, "config") == 0) {
		if (u->callbacks.config)
			u->callbacks.config(u->userdata, m->payload, (size_t)m->payloadlen);
	} else if (strcmp(what, "notice") == 0) {
		if (u->callbacks.notice)
			u->callbacks.notice(u->userdata, m->payload, (size_t)m->payloadlen);
	} else {
		u->stats.bad_messages++;
		log_warning("uplink: ignoring a message on unknown topic '%s'", m->topic);
	}
}

int uplink_new(sd_event *event, const struct uplink_config *config, const char *offline_status_json,
	       const struct uplink_callbacks *callbacks, void *userdata, struct uplink **ret)
{
	struct uplink *u;
	int rc, r;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->event = sd_event_ref(event);
	u->config = *config;
	u->callbacks = *callbacks;
	u->userdata = userdata;
	if (u->config.reconnect_min_ms == 0)
		u->config.reconnect_min_ms = 1000;
	if (u->config.reconnect_max_ms < u->config.reconnect_min_ms)
		u->config.reconnect_max_ms = 60000;
	snprintf(u->topic_record, sizeof(u->topic_record), "bedlink/v1/%s/up/record",
		 config->gateway_id);
	snprintf(u->topic_status, sizeof(u->topic_status), "bedlink/v1/%s/up/status",
		 config->gateway_id);
	snprintf(u->topic_down, sizeof(u->topic_down), "bedlink/v1/%s/down/#", config->gateway_id);
	u->down_prefix_len = strlen(u->topic_down) - 1;

	mosquitto_lib_init();
	/* The client id is the gateway id: a second gateway with the same id takes over. */
	u->mosq = mosquitto_new(config->gateway_id, true, u);
	if (!u->mosq) {
		r = errno == ENOMEM ? -ENOMEM : -EINVAL;
		goto fail;
	}
	mosquitto_int_option(u->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_int_option(u->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_max_inflight_messages_set(u->mosq, (unsigned)config->inflight);
	mosquitto_connect_v5_callback_set(u->mosq, on_connect);
	mosquitto_disconnect_v5_callback_set(u->mosq, on_disconnect);
	mosquitto_publish_v5_callback_set(u->mosq, on_publish);
	mosquitto_message_v5_callback_set(u->mosq, on_message);
	rc = mosquitto_username_pw_set(u->mosq, config->username,
				       config->password[0] ? config->password : NULL);
	if (rc == MOSQ_ERR_SUCCESS && config->tls_ca[0])
		rc = mosquitto_tls_set(u->mosq, config->tls_ca, NULL,
				       config->tls_cert[0] ? config->tls_cert : NULL,
				       config->tls_key[0] ? config->tls_key : NULL, NULL);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_will_set_v5(u->mosq, u->topic_status,
					   (int)strlen(offline_status_json), offline_status_json, 1,
					   true, NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		r = mosq_errno(rc);
		log_error_errno(r, "uplink: cannot set up the MQTT client: %s",
				mosquitto_strerror(rc));
		goto fail;
	}
	r = sd_event_add_time_relative(event, &u->misc_timer, CLOCK_MONOTONIC, 1000000, 100000,
				       on_misc, u);
	if (r < 0)
		goto fail;
	sd_event_source_set_enabled(u->misc_timer, SD_EVENT_ON);
	*ret = u;
	return 0;
fail:
	uplink_free(u);
	return r;
}

struct uplink *uplink_free(struct uplink *u)
{
	if (!u)
		return NULL;
	u->closing = true;
	u->io = sd_event_source_disable_unref(u->io);
	u->misc_timer = sd_event_source_disable_unref(u->misc_timer);
	u->reconnect_timer = sd_event_source_disable_unref(u->reconnect_timer);
	if (u->mosq) {
		if (u->connected)
			mosquitto_disconnect_v5(u->mosq, 0, NULL);
		mosquitto_destroy(u->mosq);
	}
	sd_event_unref(u->event);
	free(u);
	return NULL;
}

int uplink_start(struct uplink *u)
{
	if (try_connect(u) < 0)
		schedule_reconnect(u);
	return 0;
}

bool uplink_connected(const struct uplink *u)
{
	return u->connected;
}

size_t uplink_window(const struct uplink *u)
{
	if (!u->connected || u->inflight >= (size_t)u->config.inflight)
		return 0;
	return (size_t)u->config.inflight - u->inflight;
}

static int publish(struct uplink *u, const char *topic, const char *payload, size_t len,
		   bool retain)
{
	int rc;

	if (!u->connected)
		return -ENOTCONN;
	rc = mosquitto_publish_v5(u->mosq, NULL, topic, (int)len, payload, 1, retain, NULL);
	if (rc != MOSQ_ERR_SUCCESS)
		return mosq_errno(rc);
	u->inflight++;
	u->stats.published++;
	update_io_events(u);
	return 0;
}

int uplink_publish_record(struct uplink *u, const char *json, size_t len)
{
	if (u->connected && uplink_window(u) == 0)
		return -EAGAIN;
	return publish(u, u->topic_record, json, len, false);
}

int uplink_publish_status(struct uplink *u, const char *json, size_t len)
{
	return publish(u, u->topic_status, json, len, true);
}

void uplink_get_stats(const struct uplink *u, struct uplink_stats *ret)
{
	*ret = u->stats;
}
