// SPDX-License-Identifier: MIT
/*
 * Ingest: paho's threads queue messages, the loop validates, group-commits
 * and acknowledges them. Nothing is acknowledged before its commit.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <MQTTAsync.h>
#include <cjson/cJSON.h>

#include "ack.h"
#include "ingest.h"
#include "log.h"
#include "mqtt-common.h"

#define SUBSCRIPTION     "$share/bedlink/bedlink/v1/+/up/#"
#define TOPIC_PREFIX     "bedlink/v1/"
#define RETRY_CONNECT_US (2 * 1000000ULL)
#define QUEUE_SIZE       (INGEST_QUEUE_MAX + INGEST_QUEUE_SLACK)
/*
 * down/ack messages published and not yet confirmed by the broker. paho
 * sends a queued message only when its send thread wakes: on a new call, or
 * a second later. Past the broker's receive maximum (Mosquitto: 20) a
 * message waits in paho's queue for that second, so we stay below it and
 * keep the rest to fold into the next ack of the same gateway.
 */
#define ACK_WINDOW 8
/*
 * QoS 1 messages the broker may send us before our PUBACKs: Mosquitto's
 * default is 20, and then a PUBACK that our TCP stack holds back for a
 * moment (Nagle's algorithm against the broker's delayed ACK: up to 40 ms)
 * stops all delivery to us, a call included. paho PUBACKs what it has read,
 * so this bounds only what is on the wire; our queue is the back-pressure.
 */
#define RECEIVE_MAXIMUM 1024

struct message {
	char *topic;
	char *payload;
	size_t len;
	int64_t received;
};

/* A FIFO of messages; both rings of struct ingest together hold at most QUEUE_SIZE. */
struct ring {
	struct message m[QUEUE_SIZE];
	size_t head, n;
};

/* Counters, written on the loop (and paho's thread for received), read by /metrics. */
struct ingest_counters {
	uint64_t received, stored, duplicates, quarantined, status, batches, batch_failures,
		acks_published, ack_failures, ignored, deferred;
};

struct ingest {
	sd_event *event; /* borrowed */
	struct store *store;
	ingest_batch_fn batch;
	void *userdata;
	struct cloud_config config;
	char password[256];
	MQTTAsync_SSLOptions ssl;     /* referenced by the connect options */
	MQTTProperties connect_props; /* likewise: our receive maximum */
	MQTTAsync client;
	bool client_created;
	int fd; /* eventfd: messages or a state change are waiting */
	sd_event_source *queue_source, *retry_timer;
	void (*ready_fn)(void *userdata);
	void *ready_userdata;

	pthread_mutex_t lock; /* guards what follows, down to the loop-only part */
	pthread_cond_t space;
	/*
	 * Calls and alerts go to the urgent ring, the rest to bulk: the loop
	 * takes urgent messages first, in a batch of their own, so that a call
	 * never waits behind a backlog of readings.
	 */
	struct ring urgent, bulk;
	size_t n; /* urgent.n + bulk.n */
	/*
	 * Threads of ours inside a paho call that may wait for paho's own
	 * mutex. paho holds that mutex while it runs on_message_arrived(), so
	 * the callback must not wait for queue space while one of them waits
	 * for it: it queues into the slack instead.
	 */
	unsigned in_paho;
	bool stopping, subscribed, ready_pending, connect_failed;

	/* Loop-only scratch for one batch (large: on the heap once). */
	struct message taken[STORE_INGEST_MAX];
	struct store_incoming items[STORE_INGEST_MAX];
	struct record records[STORE_INGEST_MAX];
	struct record_error errors[STORE_INGEST_MAX];
	char gateways[STORE_INGEST_MAX][STORE_GATEWAY_ID_MAX + 1];
	struct store_ingest_result result;

	/*
	 * Committed, not yet acknowledged (loop-only): the acks of several
	 * batches wait here while ACK_WINDOW of ours are unconfirmed, and then
	 * go out as one message a gateway.
	 */
	struct store_ack pending[INGEST_ACKS_PENDING_MAX];
	size_t n_pending;
	uint64_t seqs[INGEST_ACKS_PENDING_MAX];
	char acked_last[STORE_GATEWAY_ID_MAX + 1]; /* where the next flush starts */
	unsigned acks_in_flight;                   /* atomic: paho's thread confirms them */
	struct ingest_counters counters;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void count(uint64_t *counter, uint64_t n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

int ingest_parse_topic(const char *topic, char *gw, size_t size)
{
	const char *p, *slash;
	size_t len;

	if (strncmp(topic, TOPIC_PREFIX, strlen(TOPIC_PREFIX)) != 0)
		return -EINVAL;
	p = topic + strlen(TOPIC_PREFIX);
	slash = strchr(p, '/');
	if (!slash)
		return -EINVAL;
	len = (size_t)(slash - p);
	if (len == 0 || len >= size)
		return -EINVAL;
	memcpy(gw, p, len);
	gw[len] = '\0';
	if (!store_gateway_id_is_valid(gw))
		return -EINVAL;
	if (strcmp(slash, "/up/record") == 0)
		return INGEST_TOPIC_RECORD;
	if (strcmp(slash, "/up/status") == 0)
		return INGEST_TOPIC_STATUS;
	return -EINVAL;
}

uint64_t ingest_salvage_seq(const void *payload, size_t len)
{
	const cJSON *seq;
	uint64_t ret = 0;
	cJSON *root;

	root = cJSON_ParseWithLength(payload, len);
	seq = cJSON_GetObjectItemCaseSensitive(root, "seq");
	if (cJSON_IsNumber(seq) && seq->valuedouble >= 1 &&
	    seq->valuedouble <= (double)RECORD_INT_MAX &&
	    seq->valuedouble == (double)(uint64_t)seq->valuedouble)
		ret = (uint64_t)seq->valuedouble;
	cJSON_Delete(root);
	return ret;
}

static void ring_push(struct ring *r, struct message m)
{
	r->m[(r->head + r->n) % QUEUE_SIZE] = m;
	r->n++;
}

/* Moves up to @max messages from the head of @r to @out; returns how many. */
static size_t ring_take(struct ring *r, struct message *out, size_t max)
{
	size_t k = r->n < max ? r->n : max;

	for (size_t i = 0; i < k; i++)
		out[i] = r->m[(r->head + i) % QUEUE_SIZE];
	r->head = (r->head + k) % QUEUE_SIZE;
	r->n -= k;
	return k;
}

static void ring_clear(struct ring *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->m[(r->head + i) % QUEUE_SIZE].topic);
		free(r->m[(r->head + i) % QUEUE_SIZE].payload);
	}
	r->n = 0;
}

/*
 * A cheap look for the urgent lane, before any parsing: an alert record or
 * a call event names "alert" or "call" as a string; readings and status do
 * not. A wrong guess only changes the order in which messages are stored.
 */
static bool looks_urgent(const char *payload, size_t len)
{
	return memmem(payload, len, "\"alert\"", 7) || memmem(payload, len, "\"call\"", 6);
}

static void wake_loop(struct ingest *in)
{
	(void)eventfd_write(in->fd, 1);
}

/*
 * Around every paho call from a thread of ours: lets paho's thread out of
 * on_message_arrived(), where it holds paho's mutex, before we wait for it.
 */
static void paho_enter(struct ingest *in)
{
	pthread_mutex_lock(&in->lock);
	in->in_paho++;
	pthread_cond_broadcast(&in->space);
	pthread_mutex_unlock(&in->lock);
}

static void paho_leave(struct ingest *in)
{
	pthread_mutex_lock(&in->lock);
	in->in_paho--;
	pthread_mutex_unlock(&in->lock);
}

/* ---- paho's threads ---- */

/*
 * Queues one message for the loop. Back-pressure: while the queue is full
 * this thread waits, paho stops reading the socket and the broker holds the
 * rest. Never while one of our threads waits for paho's mutex, which paho
 * holds around this callback: then the message goes into the slack, and
 * only when that is full too does paho keep it and offer it again later.
 */
static int on_message_arrived(void *context, char *topic, int topic_len, MQTTAsync_message *m)
{
	struct ingest *in = context;
	struct message msg = { .received = now_ms() };
	bool stopping, urgent;

	pthread_mutex_lock(&in->lock);
	while (in->n >= INGEST_QUEUE_MAX && in->in_paho == 0 && !in->stopping)
		pthread_cond_wait(&in->space, &in->lock);
	stopping = in->stopping;
	if (!stopping && in->n == QUEUE_SIZE) {
		pthread_mutex_unlock(&in->lock);
		count(&in->counters.deferred, 1);
		return 0;
	}
	pthread_mutex_unlock(&in->lock);

	if (!stopping) {
		msg.topic = topic_len > 0 ? strndup(topic, (size_t)topic_len) : strdup(topic);
		msg.len = m->payloadlen > 0 ? (size_t)m->payloadlen : 0;
		msg.payload = malloc(msg.len + 1);
		if (msg.topic && msg.payload) {
			memcpy(msg.payload, m->payload, msg.len);
			msg.payload[msg.len] = '\0';
		}
	}
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	if (stopping || !msg.topic || !msg.payload) {
		/* Not acknowledged: the gateway sends it again. */
		free(msg.topic);
		free(msg.payload);
		if (!stopping)
			log_oom();
		return 1;
	}
	count(&in->counters.received, 1);
	/* Only this thread adds: the room seen above is still there. */
	urgent = looks_urgent(msg.payload, msg.len);
	pthread_mutex_lock(&in->lock);
	ring_push(urgent ? &in->urgent : &in->bulk, msg);
	in->n++;
	pthread_mutex_unlock(&in->lock);
	wake_loop(in);
	return 1;
}

static void on_subscribe_success(void *context, MQTTAsync_successData5 *response)
{
	struct ingest *in = context;

	if (response && response->reasonCode >= 0x80) {
		log_error("ingest: the broker refused the subscription to '%s' (reason %d)",
			  SUBSCRIPTION, response->reasonCode);
		return;
	}
	pthread_mutex_lock(&in->lock);
	in->ready_pending = !in->subscribed;
	in->subscribed = true;
	pthread_mutex_unlock(&in->lock);
	log_info("ingest: subscribed to '%s'", SUBSCRIPTION);
	wake_loop(in);
}

static void on_subscribe_failure(void *context, MQTTAsync_failureData5 *response)
{
	(void)context;
	log_error("ingest: the broker refused the subscription to '%s' (reason %d)", SUBSCRIPTION,
		  response ? (int)response->reasonCode : -1);
}

/* Called after the first connect and after every automatic reconnect. */
static void on_connected(void *context, char *cause)
{
	struct ingest *in = context;
	MQTTAsync_responseOptions o = MQTTAsync_responseOptions_initializer;
	int rc;

	(void)cause;
	log_info("ingest: connected to %s:%lld", in->config.mqtt_host, in->config.mqtt_port);
	/* A new session: whatever was unconfirmed is gone, the gateways send it again. */
	__atomic_store_n(&in->acks_in_flight, 0, __ATOMIC_RELAXED);
	o.onSuccess5 = on_subscribe_success;
	o.onFailure5 = on_subscribe_failure;
	o.context = in;
	rc = MQTTAsync_subscribe(in->client, SUBSCRIPTION, 1, &o);
	if (rc != MQTTASYNC_SUCCESS)
		log_error_errno(cloud_mqtt_errno(rc), "ingest: cannot subscribe: %m");
}

static void on_connection_lost(void *context, char *cause)
{
	struct ingest *in = context;

	log_warning("ingest: lost the broker%s%s; reconnecting", cause ? ": " : "",
		    cause ? cause : "");
	pthread_mutex_lock(&in->lock);
	in->subscribed = false;
	pthread_mutex_unlock(&in->lock);
}

static void on_connect_failure(void *context, MQTTAsync_failureData5 *response)
{
	struct ingest *in = context;

	log_warning("ingest: cannot connect to %s:%lld: %s (reason %d); retrying",
		    in->config.mqtt_host, in->config.mqtt_port,
		    response && response->message ? response->message : "no answer",
		    response ? (int)response->reasonCode : -1);
	pthread_mutex_lock(&in->lock);
	in->connect_failed = true;
	pthread_mutex_unlock(&in->lock);
	wake_loop(in);
}

/* ---- the loop ---- */

/* paho's thread: the broker has (or has not) taken one of our down/ack messages. */
static void on_ack_sent(void *context, MQTTAsync_successData5 *response)
{
	struct ingest *in = context;

	(void)response;
	__atomic_sub_fetch(&in->acks_in_flight, 1, __ATOMIC_RELAXED);
	wake_loop(in);
}

static void on_ack_failed(void *context, MQTTAsync_failureData5 *response)
{
	struct ingest *in = context;

	(void)response;
	/* The gateway sends those records again and they are acknowledged again. */
	count(&in->counters.ack_failures, 1);
	__atomic_sub_fetch(&in->acks_in_flight, 1, __ATOMIC_RELAXED);
	wake_loop(in);
}

static int send_message(struct ingest *in, MQTTAsync client, const char *gateway_id,
			const char *subtopic, const char *payload, bool retained,
			MQTTAsync_token *token);

/* Publishes the acks of one gateway's committed seqs, in as many messages as needed. */
static void publish_acks(struct ingest *in, const char *gw, uint64_t *seqs, size_t n)
{
	struct ack_range ranges[ACK_RANGES_MAX];

	while (n > 0) {
		_cleanup_free_ char *json = NULL;
		size_t k, used = 0;
		int r;

		k = ack_ranges_from_seqs(seqs, n, ranges, ACK_RANGES_MAX);
		if (k == 0)
			return;
		while (used < n && seqs[used] <= ranges[k - 1].to)
			used++;
		r = ack_to_json(ranges, k, &json);
		if (r >= 0) {
			__atomic_add_fetch(&in->acks_in_flight, 1, __ATOMIC_RELAXED);
			r = send_message(in, in->client, gw, "down/ack", json, false, NULL);
			if (r < 0)
				__atomic_sub_fetch(&in->acks_in_flight, 1, __ATOMIC_RELAXED);
		}
		if (r < 0) {
			count(&in->counters.ack_failures, 1);
			log_warning_errno(r, "ingest: cannot acknowledge %zu records of '%s': %m",
					  used, gw);
		} else {
			count(&in->counters.acks_published, 1);
		}
		seqs += used;
		n -= used;
	}
}

static int compare_acks(const void *a, const void *b)
{
	const struct store_ack *x = a, *y = b;
	int c = strcmp(x->gateway_id, y->gateway_id);

	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Publishes what is pending, one gateway after the other while the window
 * has room, starting after the gateway served last so that none waits for
 * ever behind busier ones; the rest stays pending for the next confirmation.
 */
static void flush_acks(struct ingest *in)
{
	size_t start = 0, kept = 0;

	if (in->n_pending == 0 ||
	    __atomic_load_n(&in->acks_in_flight, __ATOMIC_RELAXED) >= ACK_WINDOW)
		return;
	qsort(in->pending, in->n_pending, sizeof(*in->pending), compare_acks);
	while (start < in->n_pending && strcmp(in->pending[start].gateway_id, in->acked_last) <= 0)
		start++;
	for (size_t done = 0, i = start; done < in->n_pending;) {
		const char *gw = in->pending[i % in->n_pending].gateway_id;
		size_t n = 0;

		if (__atomic_load_n(&in->acks_in_flight, __ATOMIC_RELAXED) >= ACK_WINDOW)
			break;
		for (; done < in->n_pending &&
		       strcmp(in->pending[i % in->n_pending].gateway_id, gw) == 0;
		     i++, done++) {
			struct store_ack *a = &in->pending[i % in->n_pending];

			if (n == 0 || in->seqs[n - 1] != a->seq)
				in->seqs[n++] = a->seq;
			a->seq = 0; /* sent: no record has seq 0 */
		}
		publish_acks(in, gw, in->seqs, n);
		snprintf(in->acked_last, sizeof(in->acked_last), "%s", gw);
	}
	for (size_t i = 0; i < in->n_pending; i++)
		if (in->pending[i].seq != 0)
			in->pending[kept++] = in->pending[i];
	in->n_pending = kept;
}

/* Queues the acks of a committed batch and sends what the window allows. */
static void acknowledge(struct ingest *in, const struct store_ingest_result *res)
{
	size_t room = INGEST_ACKS_PENDING_MAX - in->n_pending;

	if (res->n_acks > room) {
		/* Only when the broker takes nothing for long: those gateways send again. */
		count(&in->counters.ack_failures, 1);
		log_warning("ingest: %zu acknowledgements waiting already, dropping %zu; their "
			    "gateways will send those records again",
			    in->n_pending, res->n_acks - room);
	}
	memcpy(&in->pending[in->n_pending], res->acks,
	       (res->n_acks < room ? res->n_acks : room) * sizeof(*res->acks));
	in->n_pending += res->n_acks < room ? res->n_acks : room;
	flush_acks(in);
}

/* Fills item @k from message @m; false when the message is not for the store. */
static bool prepare(struct ingest *in, size_t k, const struct message *m)
{
	struct store_incoming *it = &in->items[k];
	struct record_error *err = &in->errors[k];
	int topic, r;

	topic = ingest_parse_topic(m->topic, in->gateways[k], sizeof(in->gateways[k]));
	if (topic < 0 || (topic == INGEST_TOPIC_STATUS && m->len == 0)) {
		log_debug("ingest: ignoring a message on '%s'", m->topic);
		count(&in->counters.ignored, 1);
		return false;
	}
	memset(it, 0, sizeof(*it));
	it->gateway_id = in->gateways[k];
	it->received = m->received;
	it->payload = m->payload;
	it->payload_len = m->len;
	err->field[0] = err->message[0] = '\0';
	r = record_from_json(m->payload, m->len, &in->records[k], err);
	if (r >= 0 && (in->records[k].kind == RECORD_STATUS) == (topic == INGEST_TOPIC_STATUS)) {
		it->record = &in->records[k];
		return true;
	}
	if (r >= 0)
		snprintf(err->message, sizeof(err->message), "%s",
			 topic == INGEST_TOPIC_STATUS ? "a record that is not a status on up/status"
						      : "a status record on up/record");
	else if (!err->message[0])
		snprintf(err->message, sizeof(err->message), "unreadable: %s", strerror(-r));
	it->reason = err->message;
	it->seq = ingest_salvage_seq(m->payload, m->len);
	log_warning("ingest: invalid record from '%s' (seq %" PRIu64 "): %s; quarantined",
		    it->gateway_id, it->seq, err->message);
	return true;
}

static void process_batch(struct ingest *in)
{
	struct store_ingest_result *res = &in->result;
	size_t n_taken, n = 0;
	bool more;
	int r;

	pthread_mutex_lock(&in->lock);
	/* Urgent messages alone when there are any: their commit is small and quick. */
	n_taken = ring_take(&in->urgent, in->taken, STORE_INGEST_MAX);
	if (n_taken == 0)
		n_taken = ring_take(&in->bulk, in->taken, STORE_INGEST_MAX);
	in->n -= n_taken;
	more = in->n > 0;
	pthread_cond_broadcast(&in->space);
	pthread_mutex_unlock(&in->lock);

	for (size_t i = 0; i < n_taken; i++)
		if (prepare(in, n, &in->taken[i]))
			n++;
	if (n > 0) {
		r = store_ingest(in->store, in->items, n, res);
		if (r < 0) {
			/* Nothing committed, nothing acknowledged: the gateways send it again. */
			count(&in->counters.batch_failures, 1);
			log_error_errno(r, "ingest: a batch of %zu messages was not stored: %m", n);
		} else {
			count(&in->counters.batches, 1);
			count(&in->counters.stored, res->n_stored);
			count(&in->counters.duplicates, res->n_duplicates);
			count(&in->counters.quarantined, res->n_quarantined);
			count(&in->counters.status, res->n_status);
			log_debug(
				"ingest: batch of %zu: %zu stored, %zu duplicates, %zu quarantined, "
				"%zu status, %zu alerts",
				n, res->n_stored, res->n_duplicates, res->n_quarantined,
				res->n_status, res->n_alerts);
			/* Alerts before acks: a gateway can wait, a doctor should not. */
			if (in->batch)
				in->batch(in->userdata, res, now_ms());
			acknowledge(in, res);
		}
	}
	for (size_t i = 0; i < n_taken; i++) {
		free(in->taken[i].topic);
		free(in->taken[i].payload);
	}
	if (more)
		wake_loop(in);
}

static int connect_now(struct ingest *in);

static int on_retry_connect(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	(void)connect_now(userdata);
	return 0;
}

static int on_queue(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct ingest *in = userdata;
	bool ready, failed;
	eventfd_t v;

	(void)s;
	(void)revents;
	(void)eventfd_read(fd, &v);
	pthread_mutex_lock(&in->lock);
	ready = in->ready_pending;
	failed = in->connect_failed;
	in->ready_pending = in->connect_failed = false;
	pthread_mutex_unlock(&in->lock);
	if (failed) {
		sd_event_source_disable_unref(in->retry_timer);
		in->retry_timer = NULL;
		if (sd_event_add_time_relative(in->event, &in->retry_timer, CLOCK_MONOTONIC,
					       RETRY_CONNECT_US, 0, on_retry_connect, in) < 0)
			log_error("ingest: cannot arm the reconnect timer");
	}
	if (ready && in->ready_fn) {
		in->ready_fn(in->ready_userdata);
		in->ready_fn = NULL;
	}
	process_batch(in);
	flush_acks(in);
	return 0;
}

/* ---- setup ---- */

static int connect_now(struct ingest *in)
{
	MQTTAsync_connectOptions o;
	int rc;

	cloud_mqtt_connect_options(&in->config, in->password, &o, &in->ssl);
	if (in->connect_props.count == 0) {
		MQTTProperty p = { .identifier = MQTTPROPERTY_CODE_RECEIVE_MAXIMUM };

		p.value.integer2 = RECEIVE_MAXIMUM;
		if (MQTTProperties_add(&in->connect_props, &p) != 0)
			return log_oom();
	}
	o.connectProperties = &in->connect_props;
	o.automaticReconnect = 1;
	o.minRetryInterval = 1;
	o.maxRetryInterval = 30;
	o.onFailure5 = on_connect_failure;
	o.context = in;
	paho_enter(in);
	rc = MQTTAsync_connect(in->client, &o);
	paho_leave(in);
	if (rc != MQTTASYNC_SUCCESS)
		return log_error_errno(cloud_mqtt_errno(rc), "ingest: cannot start connecting: %m");
	return 0;
}

int ingest_new(sd_event *e, struct store *s, const struct cloud_config *c, ingest_batch_fn batch,
	       void *userdata, struct ingest **ret)
{
	_cleanup_(ingest_freep) struct ingest *in = NULL;
	char client_id[96];
	int r;

	in = calloc(1, sizeof(*in));
	if (!in)
		return log_oom();
	in->fd = -EBADF;
	in->event = e;
	in->store = s;
	in->batch = batch;
	in->userdata = userdata;
	in->config = *c;
	pthread_mutex_init(&in->lock, NULL);
	pthread_cond_init(&in->space, NULL);
	r = cloud_config_read_secret(c->mqtt_password_file, in->password, sizeof(in->password));
	if (r < 0)
		return r;
	in->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (in->fd < 0)
		return log_error_errno(-errno, "ingest: cannot make an eventfd: %m");
	r = sd_event_add_io(e, &in->queue_source, in->fd, EPOLLIN, on_queue, in);
	if (r < 0)
		return log_error_errno(r, "ingest: cannot watch the queue: %m");
	if (c->mqtt_client_id[0])
		snprintf(client_id, sizeof(client_id), "%s", c->mqtt_client_id);
	else
		snprintf(client_id, sizeof(client_id), "bedlink-cloud-%ld", (long)getpid());
	r = cloud_mqtt_create(c, client_id, false, &in->client);
	if (r < 0)
		return log_error_errno(r, "ingest: cannot create the MQTT client: %m");
	in->client_created = true;
	r = cloud_mqtt_errno(MQTTAsync_setCallbacks(in->client, in, on_connection_lost,
						    on_message_arrived, NULL));
	if (r >= 0)
		r = cloud_mqtt_errno(MQTTAsync_setConnected(in->client, in, on_connected));
	if (r < 0)
		return log_error_errno(r, "ingest: cannot set the MQTT callbacks: %m");
	*ret = TAKE_PTR(in);
	return 0;
}

void ingest_stop(struct ingest *in)
{
	if (!in)
		return;
	pthread_mutex_lock(&in->lock);
	in->stopping = true;
	pthread_cond_broadcast(&in->space);
	pthread_mutex_unlock(&in->lock);
}

struct ingest *ingest_free(struct ingest *in)
{
	if (!in)
		return NULL;
	ingest_stop(in);
	if (in->client_created) {
		MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer5;

		d.timeout = 1000;
		(void)MQTTAsync_disconnect(in->client, &d);
		MQTTAsync_destroy(&in->client);
	}
	ring_clear(&in->urgent);
	ring_clear(&in->bulk);
	in->n = 0;
	sd_event_source_disable_unref(in->queue_source);
	sd_event_source_disable_unref(in->retry_timer);
	if (in->fd >= 0)
		close(in->fd);
	MQTTProperties_free(&in->connect_props);
	pthread_cond_destroy(&in->space);
	pthread_mutex_destroy(&in->lock);
	free(in);
	return NULL;
}

int ingest_start(struct ingest *in)
{
	return connect_now(in);
}

bool ingest_is_subscribed(struct ingest *in)
{
	bool r;

	pthread_mutex_lock(&in->lock);
	r = in->subscribed;
	pthread_mutex_unlock(&in->lock);
	return r;
}

void ingest_on_ready(struct ingest *in, void (*fn)(void *userdata), void *userdata)
{
	in->ready_fn = fn;
	in->ready_userdata = userdata;
}

/*
 * Publishes at QoS 1 on @client. @in set: the daemon's client, called from
 * a thread of ours (paho_enter()); a down/ack reports to on_ack_sent().
 */
static int send_message(struct ingest *in, MQTTAsync client, const char *gateway_id,
			const char *subtopic, const char *payload, bool retained,
			MQTTAsync_token *token)
{
	MQTTAsync_message m = MQTTAsync_message_initializer;
	MQTTAsync_responseOptions o = MQTTAsync_responseOptions_initializer;
	char topic[128];
	int rc;

	if (!store_gateway_id_is_valid(gateway_id))
		return -EINVAL;
	snprintf(topic, sizeof(topic), TOPIC_PREFIX "%s/%s", gateway_id, subtopic);
	m.payload = (void *)payload;
	m.payloadlen = (int)strlen(payload);
	m.qos = 1;
	m.retained = retained;
	if (in && strcmp(subtopic, "down/ack") == 0) {
		o.onSuccess5 = on_ack_sent;
		o.onFailure5 = on_ack_failed;
		o.context = in;
	}
	if (in)
		paho_enter(in);
	rc = MQTTAsync_sendMessage(client, topic, &m, &o);
	if (in)
		paho_leave(in);
	if (token)
		*token = o.token;
	return cloud_mqtt_errno(rc);
}

int ingest_publish(struct ingest *in, const char *gateway_id, const char *subtopic,
		   const char *payload, bool retained)
{
	return send_message(in, in->client, gateway_id, subtopic, payload, retained, NULL);
}

int ingest_notice(void *userdata, const char *gateway_id, const char *json)
{
	return ingest_publish(userdata, gateway_id, "down/notice", json, false);
}

int ingest_metrics(struct ingest *in, char **ret)
{
	struct ingest_counters c;
	char *text = NULL;

	c.received = __atomic_load_n(&in->counters.received, __ATOMIC_RELAXED);
	c.stored = __atomic_load_n(&in->counters.stored, __ATOMIC_RELAXED);
	c.duplicates = __atomic_load_n(&in->counters.duplicates, __ATOMIC_RELAXED);
	c.quarantined = __atomic_load_n(&in->counters.quarantined, __ATOMIC_RELAXED);
	c.status = __atomic_load_n(&in->counters.status, __ATOMIC_RELAXED);
	c.batches = __atomic_load_n(&in->counters.batches, __ATOMIC_RELAXED);
	c.batch_failures = __atomic_load_n(&in->counters.batch_failures, __ATOMIC_RELAXED);
	c.acks_published = __atomic_load_n(&in->counters.acks_published, __ATOMIC_RELAXED);
	c.ack_failures = __atomic_load_n(&in->counters.ack_failures, __ATOMIC_RELAXED);
	c.ignored = __atomic_load_n(&in->counters.ignored, __ATOMIC_RELAXED);
	c.deferred = __atomic_load_n(&in->counters.deferred, __ATOMIC_RELAXED);
	if (asprintf(&text,
		     "# TYPE bedlink_ingest_messages_total counter\n"
		     "bedlink_ingest_messages_total %" PRIu64 "\n"
		     "# TYPE bedlink_ingest_records_stored_total counter\n"
		     "bedlink_ingest_records_stored_total %" PRIu64 "\n"
		     "# TYPE bedlink_ingest_duplicates_total counter\n"
		     "bedlink_ingest_duplicates_total %" PRIu64 "\n"
		     "# TYPE bedlink_ingest_quarantined_total counter\n"
		     "bedlink_ingest_quarantined_total %" PRIu64 "\n"
		     "# TYPE bedlink_ingest_status_total counter\n"
		     "bedlink_ingest_status_total %" PRIu64 "\n"
		     "# TYPE bedlink_ingest_batches_total counter\n"
		     "bedlink_ingest_batches_total %" PRIu64 "\n"
		     "# TYPE bedlink_ingest_batch_failures_total counter\n"
		     "bedlink_ingest_batch_failures_total %" PRIu64 "\n"
		     "# TYPE bedlink_ingest_acks_published_total counter\n"
		     "bedlink_ingest_acks_published_total %" PRIu64 "\n"
		     "# TYPE bedlink_ingest_ack_failures_total counter\n"
		     "bedlink_ingest_ack_failures_total %" PRIu64 "\n"
		     "# TYPE bedlink_ingest_ignored_total counter\n"
		     "bedlink_ingest_ignored_total %" PRIu64 "\n"
		     "# TYPE bedlink_ingest_deferred_total counter\n"
		     "bedlink_ingest_deferred_total %" PRIu64 "\n",
		     c.received, c.stored, c.duplicates, c.quarantined, c.status, c.batches,
		     c.batch_failures, c.acks_published, c.ack_failures, c.ignored, c.deferred) < 0)
		return -ENOMEM;
	*ret = text;
	return 0;
}

/* ---- one-shot publish for the admin tool ---- */

struct once {
	int state; /* 0 connecting, 1 connected, -1 failed; atomic */
};

static void on_once_connected(void *context, MQTTAsync_successData5 *response)
{
	(void)response;
	__atomic_store_n(&((struct once *)context)->state, 1, __ATOMIC_RELEASE);
}

static void on_once_failed(void *context, MQTTAsync_failureData5 *response)
{
	(void)response;
	__atomic_store_n(&((struct once *)context)->state, -1, __ATOMIC_RELEASE);
}

int ingest_publish_once(const struct cloud_config *c, const char *gateway_id, const char *subtopic,
			const char *payload)
{
	MQTTAsync_connectOptions o;
	MQTTAsync_SSLOptions ssl;
	MQTTAsync_token token = 0;
	MQTTAsync client;
	struct once once = { 0 };
	char password[256], client_id[64];
	int r, state = 0;

	r = cloud_config_read_secret(c->mqtt_password_file, password, sizeof(password));
	if (r < 0)
		return r;
	snprintf(client_id, sizeof(client_id), "bedlink-admin-%ld", (long)getpid());
	r = cloud_mqtt_create(c, client_id, false, &client);
	if (r < 0)
		return log_error_errno(r, "admin: cannot create an MQTT client: %m");
	cloud_mqtt_connect_options(c, password, &o, &ssl);
	o.onSuccess5 = on_once_connected;
	o.onFailure5 = on_once_failed;
	o.context = &once;
	r = cloud_mqtt_errno(MQTTAsync_connect(client, &o));
	for (int i = 0; r >= 0 && i < 1000; i++) {
		state = __atomic_load_n(&once.state, __ATOMIC_ACQUIRE);
		if (state != 0)
			break;
		nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
	}
	if (r >= 0 && state != 1)
		r = state < 0 ? -ECONNREFUSED : -ETIMEDOUT;
	if (r >= 0)
		r = send_message(NULL, client, gateway_id, subtopic, payload, false, &token);
	if (r >= 0)
		r = cloud_mqtt_errno(MQTTAsync_waitForCompletion(client, token, 10000));
	if (state == 1) {
		MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer5;

		d.timeout = 1000;
		(void)MQTTAsync_disconnect(client, &d);
	}
	MQTTAsync_destroy(&client);
	if (r < 0)
		return log_error_errno(r, "admin: cannot publish to %s:%lld: %m", c->mqtt_host,
				       c->mqtt_port);
	return 0;
}
