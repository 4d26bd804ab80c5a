// SPDX-License-Identifier: MIT
/*
 * The cross-process event topic: a small MQTT client of its own, so that an
 * event never waits behind ingest's acknowledgements, and a strict codec.
 * Publishing goes through a queue and a sender thread: paho's mutex is one for
 * the whole process, and ingest's message callback may hold it while it waits
 * for the daemon's loop, so the loop itself must never call into paho for us.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <MQTTAsync.h>
#include <cjson/cJSON.h>

#include "fanout.h"
#include "json-util.h"
#include "log.h"
#include "mqtt-common.h"

struct fanout {
	struct cloud_config config;
	char password[256];
	char client_id[FANOUT_ORIGIN_MAX];
	MQTTAsync_SSLOptions ssl;
	MQTTAsync client;
	bool client_created;
	fanout_deliver_fn deliver;
	void *userdata;
	uint64_t received, delivered, malformed, published, publish_failures; /* atomic */

	/* The sender: encoded events waiting for paho, oldest at head. */
	pthread_t sender;
	bool sender_started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	char *queue[FANOUT_QUEUE_MAX];
	size_t head, n;
	bool stopping;
};

static bool event_name_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= FANOUT_EVENT_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '.' || *s == '-'))
			return false;
	return true;
}

int fanout_encode(const char *origin, const char *event, const char *json, int64_t team_id,
		  int64_t institution_id, char **ret)
{
	_cleanup_cjson_ cJSON *root = NULL;
	cJSON *data;
	char *text;

	if (!event_name_is_valid(event) || !origin[0] || strlen(origin) >= FANOUT_ORIGIN_MAX ||
	    team_id < 0 || institution_id < 0 || team_id > RECORD_INT_MAX ||
	    institution_id > RECORD_INT_MAX)
		return -EINVAL;
	data = cJSON_Parse(json);
	if (!cJSON_IsObject(data)) {
		cJSON_Delete(data);
		return -EINVAL;
	}
	root = cJSON_CreateObject();
	if (!root) {
		cJSON_Delete(data);
		return -ENOMEM;
	}
	if (!cJSON_AddItemToObject(root, "data", data)) {
		cJSON_Delete(data);
		return -ENOMEM;
	}
	if (!json_add_integer(root, "v", 1) || !cJSON_AddStringToObject(root, "origin", origin) ||
	    !cJSON_AddStringToObject(root, "event", event) ||
	    !json_add_integer(root, "team", team_id) ||
	    !json_add_integer(root, "institution", institution_id))
		return -ENOMEM;
	text = cJSON_PrintUnformatted(root);
	if (!text)
		return -ENOMEM;
	if (strlen(text) > RECORD_JSON_MAX) {
		free(text);
		return -EMSGSIZE;
	}
	*ret = text;
	return 0;
}

int fanout_decode(const void *payload, size_t len, struct fanout_event *ev,
		  struct record_error *err)
{
	static const struct field fields[] = {
		{ "v", true },    { "origin", true },      { "event", true },
		{ "team", true }, { "institution", true }, { "data", true },
	};
	const cJSON *slot[ELEMENTSOF(fields)];
	_cleanup_cjson_ cJSON *root = NULL;
	long long v, team, institution;
	int r;

	*ev = (struct fanout_event){ 0 };
	*err = (struct record_error){ 0 };
	root = json_parse_bounded(payload, len, "event", err, &r);
	if (!root)
		return r;
	if (!cJSON_IsObject(root)) {
		snprintf(err->message, sizeof(err->message), "an event must be a JSON object");
		return -EBADMSG;
	}
	r = json_collect(root, "", fields, ELEMENTSOF(fields), slot, err);
	if (r < 0)
		return r;
	r = json_get_int(slot[0], "", "v", 1, 1, &v, err);
	if (r >= 0)
		r = json_get_string(slot[1], "", "origin", ev->origin, sizeof(ev->origin), err);
	if (r >= 0)
		r = json_get_string(slot[2], "", "event", ev->event, sizeof(ev->event), err);
	if (r >= 0)
		r = json_get_int(slot[3], "", "team", 0, RECORD_INT_MAX, &team, err);
	if (r >= 0)
		r = json_get_int(slot[4], "", "institution", 0, RECORD_INT_MAX, &institution, err);
	if (r < 0)
		return r;
	if (!ev->origin[0] || !event_name_is_valid(ev->event)) {
		snprintf(err->field, sizeof(err->field), "%s", ev->origin[0] ? "event" : "origin");
		snprintf(err->message, sizeof(err->message), "%s: not a valid name", err->field);
		return -EBADMSG;
	}
	if (!cJSON_IsObject(slot[5])) {
		snprintf(err->field, sizeof(err->field), "data");
		snprintf(err->message, sizeof(err->message), "data: must be an object");
		return -EBADMSG;
	}
	ev->data = cJSON_PrintUnformatted(slot[5]);
	if (!ev->data)
		return -ENOMEM;
	ev->team_id = team;
	ev->institution_id = institution;
	return 0;
}

void fanout_event_done(struct fanout_event *ev)
{
	free(ev->data);
	ev->data = NULL;
}

/* ---- paho's threads ---- */

static int on_message_arrived(void *context, char *topic, int topic_len, MQTTAsync_message *m)
{
	struct fanout *f = context;
	struct fanout_event ev;
	struct record_error err;
	int r;

	(void)topic_len;
	__atomic_add_fetch(&f->received, 1, __ATOMIC_RELAXED);
	r = fanout_decode(m->payload, (size_t)m->payloadlen, &ev, &err);
	if (r < 0) {
		__atomic_add_fetch(&f->malformed, 1, __ATOMIC_RELAXED);
		log_warning("fanout: dropping a malformed event on %s: %s", FANOUT_TOPIC,
			    r == -EBADMSG ? err.message : strerror(-r));
	} else if (strcmp(ev.origin, f->client_id) != 0) {
		/* "No local" already keeps our own away; the check covers brokers that ignore it.
		 */
		f->deliver(f->userdata, ev.event, ev.data, ev.team_id, ev.institution_id);
		__atomic_add_fetch(&f->delivered, 1, __ATOMIC_RELAXED);
	}
	fanout_event_done(&ev);
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	return 1;
}

static void on_subscribe_failure(void *context, MQTTAsync_failureData5 *response)
{
	(void)context;
	log_error("fanout: the broker refused the subscription to %s (code %d): other processes' "
		  "events will not reach this process's consoles",
		  FANOUT_TOPIC, response ? response->reasonCode : 0);
}

static void on_connected(void *context, char *cause)
{
	struct fanout *f = context;
	MQTTAsync_responseOptions o = MQTTAsync_responseOptions_initializer;
	int rc;

	(void)cause;
	o.subscribeOptions.noLocal = 1;
	o.onFailure5 = on_subscribe_failure;
	o.context = f;
	rc = MQTTAsync_subscribe(f->client, FANOUT_TOPIC, 1, &o);
	if (rc != MQTTASYNC_SUCCESS)
		log_error("fanout: cannot subscribe to %s: %s", FANOUT_TOPIC,
			  strerror(-cloud_mqtt_errno(rc)));
}

static void on_connection_lost(void *context, char *cause)
{
	(void)context;
	log_warning("fanout: lost the broker (%s), reconnecting",
		    cause ? cause : "no reason given");
}

/* ---- the sender thread ---- */

static void send_one(struct fanout *f, char *text)
{
	MQTTAsync_message m = MQTTAsync_message_initializer;
	MQTTAsync_responseOptions o = MQTTAsync_responseOptions_initializer;
	int r;

	m.payload = text;
	m.payloadlen = (int)strlen(text);
	m.qos = 1;
	r = cloud_mqtt_errno(MQTTAsync_sendMessage(f->client, FANOUT_TOPIC, &m, &o));
	if (r < 0) {
		__atomic_add_fetch(&f->publish_failures, 1, __ATOMIC_RELAXED);
		log_warning_errno(r, "fanout: an event was not sent to the other processes: %m");
	} else
		__atomic_add_fetch(&f->published, 1, __ATOMIC_RELAXED);
}

static void *sender_main(void *userdata)
{
	struct fanout *f = userdata;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		char *text;

		while (f->n == 0 && !f->stopping)
			pthread_cond_wait(&f->wake, &f->lock);
		if (f->n == 0)
			break; /* stopping, and everything queued was sent */
		text = f->queue[f->head];
		f->head = (f->head + 1) % FANOUT_QUEUE_MAX;
		f->n--;
		pthread_mutex_unlock(&f->lock);
		send_one(f, text);
		free(text);
		pthread_mutex_lock(&f->lock);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* ---- setup ---- */

int fanout_new(const struct cloud_config *c, fanout_deliver_fn deliver, void *userdata,
	       struct fanout **ret)
{
	struct fanout *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return log_oom();
	f->config = *c;
	f->deliver = deliver;
	f->userdata = userdata;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->wake, NULL);
	r = cloud_config_read_secret(c->mqtt_password_file, f->password, sizeof(f->password));
	if (r < 0)
		goto fail;
	if (c->mqtt_client_id[0])
		snprintf(f->client_id, sizeof(f->client_id), "%s-events", c->mqtt_client_id);
	else
		snprintf(f->client_id, sizeof(f->client_id), "bedlink-cloud-%ld-events",
			 (long)getpid());
	/* An event made while the broker is away waits in paho and goes out on reconnection. */
	r = cloud_mqtt_create(c, f->client_id, true, &f->client);
	if (r < 0) {
		log_error_errno(r, "fanout: cannot create the MQTT client: %m");
		goto fail;
	}
	f->client_created = true;
	r = cloud_mqtt_errno(
		MQTTAsync_setCallbacks(f->client, f, on_connection_lost, on_message_arrived, NULL));
	if (r >= 0)
		r = cloud_mqtt_errno(MQTTAsync_setConnected(f->client, f, on_connected));
	if (r < 0) {
		log_error_errno(r, "fanout: cannot set the MQTT callbacks: %m");
		goto fail;
	}
	r = -pthread_create(&f->sender, NULL, sender_main, f);
	if (r < 0) {
		log_error_errno(r, "fanout: cannot start the sender thread: %m");
		goto fail;
	}
	f->sender_started = true;
	*ret = f;
	return 0;
fail:
	fanout_free(f);
	return r;
}

void fanout_stop(struct fanout *f)
{
	if (!f)
		return;
	if (f->sender_started) {
		pthread_mutex_lock(&f->lock);
		f->stopping = true;
		pthread_cond_signal(&f->wake);
		pthread_mutex_unlock(&f->lock);
		(void)pthread_join(f->sender, NULL);
		f->sender_started = false;
	}
	if (f->client_created) {
		MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer5;

		d.timeout = 1000;
		(void)MQTTAsync_disconnect(f->client, &d);
		MQTTAsync_destroy(&f->client);
		f->client_created = false;
	}
}

struct fanout *fanout_free(struct fanout *f)
{
	if (!f)
		return NULL;
	pthread_mutex_lock(&f->lock);
	f->stopping = true;
	pthread_mutex_unlock(&f->lock);
	fanout_stop(f);
	for (size_t i = 0; i < f->n; i++)
		free(f->queue[(f->head + i) % FANOUT_QUEUE_MAX]);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	free(f);
	return NULL;
}

int fanout_start(struct fanout *f)
{
	MQTTAsync_connectOptions o;
	int rc;

	cloud_mqtt_connect_options(&f->config, f->password, &o, &f->ssl);
	o.automaticReconnect = 1;
	o.minRetryInterval = 1;
	o.maxRetryInterval = 30;
	rc = MQTTAsync_connect(f->client, &o);
	if (rc != MQTTASYNC_SUCCESS)
		return log_error_errno(cloud_mqtt_errno(rc), "fanout: cannot start connecting: %m");
	return 0;
}

int fanout_publish(struct fanout *f, const char *event, const char *json, int64_t team_id,
		   int64_t institution_id)
{
	char *text = NULL;
	int r;

	r = fanout_encode(f->client_id, event, json, team_id, institution_id, &text);
	if (r >= 0) {
		pthread_mutex_lock(&f->lock);
		if (f->n < FANOUT_QUEUE_MAX && !f->stopping) {
			f->queue[(f->head + f->n) % FANOUT_QUEUE_MAX] = text;
			f->n++;
			text = NULL;
			pthread_cond_signal(&f->wake);
		} else
			r = -ENOBUFS;
		pthread_mutex_unlock(&f->lock);
		free(text);
	}
	if (r < 0) {
		__atomic_add_fetch(&f->publish_failures, 1, __ATOMIC_RELAXED);
		return log_warning_errno(
			r, "fanout: '%s' of team %" PRId64 " not sent to the other processes: %m",
			event, team_id);
	}
	return 0;
}

int fanout_metrics(struct fanout *f, char **ret)
{
	char *text = NULL;

	if (asprintf(&text,
		     "# TYPE bedlink_fanout_published_total counter\n"
		     "bedlink_fanout_published_total %" PRIu64 "\n"
		     "# TYPE bedlink_fanout_publish_failures_total counter\n"
		     "bedlink_fanout_publish_failures_total %" PRIu64 "\n"
		     "# TYPE bedlink_fanout_received_total counter\n"
		     "bedlink_fanout_received_total %" PRIu64 "\n"
		     "# TYPE bedlink_fanout_delivered_total counter\n"
		     "bedlink_fanout_delivered_total %" PRIu64 "\n"
		     "# TYPE bedlink_fanout_malformed_total counter\n"
		     "bedlink_fanout_malformed_total %" PRIu64 "\n",
		     __atomic_load_n(&f->published, __ATOMIC_RELAXED),
		     __atomic_load_n(&f->publish_failures, __ATOMIC_RELAXED),
		     __atomic_load_n(&f->received, __ATOMIC_RELAXED),
		     __atomic_load_n(&f->delivered, __ATOMIC_RELAXED),
		     __atomic_load_n(&f->malformed, __ATOMIC_RELAXED)) < 0)
		return -ENOMEM;
	*ret = text;
	return 0;
}
