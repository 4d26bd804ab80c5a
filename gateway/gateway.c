// SPDX-License-Identifier: MIT
/*
 * bedlink-gateway: the bedside daemon. One sd-event loop wires the BLE driver
 * (readings in), the outbox (durable first: every record is committed before
 * anything is published) and the MQTT uplink (records out, acknowledgements
 * in), plus the control socket for bedlinkctl. Readings arriving in the same
 * loop iteration are committed together (group commit); calls and alerts go
 * out ahead of bulk readings. Exit codes: 0, 1 runtime error, 2 usage/config.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include <cjson/cJSON.h>

#include "bluez.h"
#include "control.h"
#include "gateway-config.h"
#include "log.h"
#include "modbus.h"
#include "macro.h"
#include "outbox.h"
#include "quirks.h"
#include "safety.h"
#include "uplink.h"

#define QUEUE_MAX       10000 /* records waiting for a commit (disk full) */
#define SENT_MAX        1000  /* published, not yet acknowledged by the cloud */
#define RESEND_AFTER_MS 30000 /* a published record not acknowledged by then is sent again */
#define PRUNE_EVERY_S   600
#define STATUS_EVERY_S  60
#define RETRY_COMMIT_S  5

/* A record waiting for a commit; evaluated once the rules have seen it (a retried batch
 * keeps the alerts derived from it right behind it). */
struct queued {
	struct record rec;
	bool evaluated;
};

/* Records the rules may derive from one stored record. */
#define DERIVED_MAX 12

struct sent {
	uint64_t seq;
	int64_t at_ms;
};

struct manager {
	sd_event *event;
	struct gateway_config config;
	struct outbox *outbox;
	struct bluez *bluez;
	struct modbus_poller *modbus; /* NULL without Modbus devices */
	struct uplink *uplink;
	struct control *control;
	struct safety *safety;

	sd_event_source *commit_defer;
	sd_event_source *pump_defer;
	sd_event_source *retry_timer;
	sd_event_source *prune_timer;
	sd_event_source *status_timer;
	sd_event_source *resend_timer;

	struct queued *queue; /* waiting for a commit, in arrival order */
	size_t n_queue, queue_cap;
	uint64_t dropped; /* readings dropped because the queue was full while storage failed */

	struct sent sent[SENT_MAX]; /* sorted by seq */
	size_t n_sent;

	bool storage_ok;
	uint64_t bad_values;
	/* Which configured devices were connected, so that only real changes become events. */
	bool connected[GATEWAY_DEVICES_MAX];
};

static int64_t now_ms(struct manager *m)
{
	uint64_t usec = 0;

	sd_event_now(m->event, CLOCK_REALTIME, &usec);
	return (int64_t)(usec / 1000);
}

/* The kernel's view: false while NTP (or chrony, or timesyncd) has not synchronised the clock. */
static bool clock_synced(void)
{
	struct timex tx = { 0 };
	int state = adjtimex(&tx);

	/* An error reading the clock state counts as not synchronised. */
	return state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

/* ---- committing ---- */

/*
 * Commits at the end of this loop iteration. While storage is failing only
 * urgent records (calls, P1 alerts) try at once; the rest wait for the retry
 * timer, so a full disk is not hammered (and the journal not flooded).
 */
static void schedule_commit(struct manager *m, bool urgent)
{
	if (m->storage_ok || urgent)
		sd_event_source_set_enabled(m->commit_defer, SD_EVENT_ONESHOT);
}

/* Makes room for one more queued record; the queue grows as needed. */
static int queue_reserve(struct manager *m)
{
	struct queued *q;
	size_t cap;

	if (m->n_queue < m->queue_cap)
		return 0;
	cap = m->queue_cap ? m->queue_cap * 2 : 64;
	q = realloc(m->queue, cap * sizeof(*q));
	if (!q)
		return log_oom();
	m->queue = q;
	m->queue_cap = cap;
	return 0;
}

/*
 * Drops queued record @i. A failed commit already gave the queue tentative
 * seqs, which the retry gives out again in the same order: later records move
 * down by one, and alerts citing them are corrected to match.
 */
static void queue_drop(struct manager *m, size_t i)
{
	uint64_t gone = m->queue[i].rec.seq;

	memmove(&m->queue[i], &m->queue[i + 1], (m->n_queue - i - 1) * sizeof(*m->queue));
	m->n_queue--;
	if (!gone)
		return;
	for (size_t k = 0; k < m->n_queue; k++) {
		struct alert *a = &m->queue[k].rec.alert;
		size_t w = 0;

		if (m->queue[k].rec.kind != RECORD_ALERT)
			continue;
		for (size_t j = 0; j < a->n_readings; j++)
			if (a->readings[j] != gone)
				a->readings[w++] = a->readings[j] - (a->readings[j] > gone);
		a->n_readings = w;
	}
}

/*
 * Queues a record for the next commit. When storage has been failing long
 * enough for QUEUE_MAX records to wait, the oldest reading no alert cites
 * makes room; alerts and events (calls) are never dropped.
 */
static void enqueue(struct manager *m, const struct record *r)
{
	if (m->n_queue >= QUEUE_MAX) {
		size_t i;

		for (i = 0; i < m->n_queue && m->queue[i].rec.kind != RECORD_READING; i++)
			;
		if (i < m->n_queue) {
			queue_drop(m, i);
			m->dropped++;
		} else if (r->kind == RECORD_READING) {
			m->dropped++;
			return;
		}
	}
	if (queue_reserve(m) < 0)
		return;
	m->queue[m->n_queue++] = (struct queued){ .rec = *r };
	schedule_commit(m, outbox_priority_of(r) == OUTBOX_PRIORITY_URGENT);
}

static void on_safety_enqueue(void *userdata, const struct record *r)
{
	enqueue(userdata, r);
}

/*
 * Runs the rules on queued record @i, which just got its seq, and inserts what
 * they derive (alerts, device errors) right behind it, to be stored in the same
 * transaction.
 */
static int evaluate(struct manager *m, size_t i, int64_t now)
{
	struct record derived[DERIVED_MAX];
	size_t n;
	int r;

	m->queue[i].evaluated = true;
	if (!m->safety || !safety_wants(&m->queue[i].rec))
		return 0;
	n = safety_evaluate(m->safety, &m->queue[i].rec, now, derived, DERIVED_MAX);
	for (size_t k = 0; k < n; k++) {
		r = queue_reserve(m);
		if (r < 0)
			return r;
		memmove(&m->queue[i + 2 + k], &m->queue[i + 1 + k],
			(m->n_queue - i - 1 - k) * sizeof(*m->queue));
		m->queue[i + 1 + k] = (struct queued){ .rec = derived[k], .evaluated = true };
		m->n_queue++;
	}
	return 0;
}

static void request_pump(struct manager *m);
static void publish_status(struct manager *m);
static int prune(struct manager *m);

static int commit_queue(struct manager *m)
{
	int64_t now = now_ms(m);
	int r;

	if (m->n_queue == 0)
		return 0;
	r = outbox_begin(m->outbox);
	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n_queue; i++) {
		r = outbox_add(m->outbox, &m->queue[i].rec, now);
		/* An invalid record is a bug here; it is logged by the outbox and skipped. */
		if (r < 0 && r != -EBADMSG) {
			outbox_rollback(m->outbox);
			return r;
		}
		if (r >= 0 && !m->queue[i].evaluated) {
			r = evaluate(m, i, now);
			if (r < 0) {
				outbox_rollback(m->outbox);
				return r;
			}
		}
	}
	if (m->safety)
		safety_save_state(m->safety, now);
	r = outbox_commit(m->outbox);
	if (r < 0)
		return r;
	m->n_queue = 0;
	/* After an outage the queue may have grown large: give the memory back. */
	if (m->queue_cap > 256) {
		free(m->queue);
		m->queue = NULL;
		m->queue_cap = 0;
	}
	return 0;
}

static int on_commit(sd_event_source *s, void *userdata)
{
	struct manager *m = userdata;
	bool was_ok = m->storage_ok;
	int r;

	(void)s;
	r = commit_queue(m);
	if (r == -ENOSPC && prune(m) >= 0)
		/* Acknowledged copies went first (then the oldest readings): try once more. */
		r = commit_queue(m);
	/* The alarm sounds even when the disk is full: the patient comes first. */
	if (m->safety)
		safety_flush_actions(m->safety);
	if (r < 0) {
		if (was_ok)
			log_error_errno(r,
					"gateway: cannot store %zu records, keeping them in memory "
					"and retrying every %d s: %m",
					m->n_queue, RETRY_COMMIT_S);
		m->storage_ok = false;
		sd_event_source_set_enabled(m->retry_timer, SD_EVENT_ONESHOT);
		sd_event_source_set_time_relative(m->retry_timer, RETRY_COMMIT_S * 1000000ULL);
		if (was_ok)
			publish_status(m);
		return 0;
	}
	if (!was_ok) {
		log_notice("gateway: storage works again");
		m->storage_ok = true;
		if (m->dropped)
			log_error("gateway: %llu readings were dropped while storage failed",
				  (unsigned long long)m->dropped);
		publish_status(m);
	}
	request_pump(m);
	return 0;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	sd_event_source_set_enabled(((struct manager *)userdata)->commit_defer, SD_EVENT_ONESHOT);
	return 0;
}

/* ---- records from the driver ---- */

static void add_event(struct manager *m, enum event_type type, const char *device,
		      const char *message)
{
	struct record r = { .kind = RECORD_EVENT, .ts = now_ms(m) };

	r.event.type = type;
	if (device)
		snprintf(r.event.device, sizeof(r.event.device), "%s", device);
	if (message)
		snprintf(r.event.message, sizeof(r.event.message), "%s", message);
	enqueue(m, &r);
}

static void on_reading(void *userdata, const char *device, const struct reading *rd)
{
	struct manager *m = userdata;
	struct record r = { .kind = RECORD_READING, .ts = now_ms(m) };

	(void)device;
	r.reading = *rd;
	if (!clock_synced())
		r.reading.flags |= UINT64_C(1) << READING_FLAG_GATEWAY_CLOCK_UNSYNC;
	enqueue(m, &r);
}

static void on_bad_value(void *userdata, const char *device, const char *message)
{
	struct manager *m = userdata;

	m->bad_values++;
	log_warning("gateway: device '%s' sent a value that cannot be used: %s", device, message);
	add_event(m, EVENT_DEVICE_ERROR, device, message);
}

static void on_device_state(void *userdata, const char *device, enum ble_device_state state)
{
	struct manager *m = userdata;

	bool now = state == BLE_DEVICE_CONNECTED;

	log_info("gateway: device '%s' is %s", device, ble_device_state_to_string(state));
	for (size_t i = 0; i < m->config.n_devices; i++) {
		if (strcmp(m->config.devices[i].name, device) != 0 || m->connected[i] == now)
			continue;
		m->connected[i] = now;
		if (now && m->safety)
			safety_device_seen(m->safety, device);
		add_event(m, now ? EVENT_DEVICE_CONNECTED : EVENT_DEVICE_DISCONNECTED, device,
			  NULL);
		publish_status(m);
	}
}

/* ---- Modbus devices ---- */

static void on_modbus_reading(void *userdata, const char *device, const struct reading *rd)
{
	struct manager *m = userdata;
	struct record r = { .kind = RECORD_READING, .ts = now_ms(m) };
	int64_t answered;

	/* The time the device answered, not when the loop got round to it. */
	if (modbus_poller_event_time(m->modbus, &answered, NULL, NULL) >= 0 && answered > 0)
		r.ts = answered;
	(void)device;
	r.reading = *rd;
	if (!clock_synced())
		r.reading.flags |= UINT64_C(1) << READING_FLAG_GATEWAY_CLOCK_UNSYNC;
	enqueue(m, &r);
}

static void on_modbus_state(void *userdata, const char *device, bool responding, const char *why)
{
	struct manager *m = userdata;

	if (responding)
		log_info("gateway: Modbus device '%s' answers", device);
	else
		log_warning("gateway: Modbus device '%s' does not answer: %s", device, why);
	for (size_t i = 0; i < m->config.n_devices; i++) {
		if (strcmp(m->config.devices[i].name, device) != 0 || m->connected[i] == responding)
			continue;
		m->connected[i] = responding;
		if (responding && m->safety)
			safety_device_seen(m->safety, device);
		add_event(m, responding ? EVENT_DEVICE_CONNECTED : EVENT_DEVICE_DISCONNECTED,
			  device, responding ? NULL : why);
		publish_status(m);
	}
}

static int setup_modbus(struct manager *m)
{
	static const struct modbus_callbacks cb = {
		.reading = on_modbus_reading,
		.bad_value = on_bad_value,
		.device_state = on_modbus_state,
	};
	size_t n = 0;
	int r;

	for (size_t i = 0; i < m->config.n_devices; i++)
		n += gateway_device_is_modbus(&m->config.devices[i]);
	if (n == 0)
		return 0;
	/* The poller's threads log too: decide the log prefix before they start. */
	log_set_prefix(!isatty(STDERR_FILENO));
	r = modbus_poller_new(m->event, &cb, m, &m->modbus);
	if (r < 0)
		return log_error_errno(r, "gateway: cannot create the Modbus poller: %m");
	for (size_t i = 0; i < m->config.n_buses; i++) {
		r = modbus_poller_add_bus(m->modbus, &m->config.buses[i]);
		if (r < 0)
			return log_error_errno(r, "gateway: cannot add Modbus bus '%s': %m",
					       m->config.buses[i].name);
	}
	for (size_t i = 0; i < m->config.n_devices; i++) {
		_cleanup_free_ struct modbus_profile *profile = NULL;
		struct modbus_device_config d;
		struct config_error err = { 0 };
		char path[512];

		if (!gateway_device_is_modbus(&m->config.devices[i]))
			continue;
		gateway_config_modbus_device(&m->config, &m->config.devices[i], &d, path,
					     sizeof(path));
		profile = malloc(sizeof(*profile));
		if (!profile)
			return log_oom();
		r = modbus_profile_load(path, profile, &err);
		if (r < 0)
			return log_error_errno(r, "gateway: %s", err.message);
		r = modbus_poller_add_device(m->modbus, &d, profile);
		if (r < 0)
			return log_error_errno(r, "gateway: cannot add Modbus device '%s': %m",
					       d.name);
	}
	return modbus_poller_start(m->modbus);
}

static int state_key(char *buf, size_t size, const char *device, const char *key)
{
	int n = snprintf(buf, size, "device.%s.%s", device, key);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int on_state_get(void *userdata, const char *device, const char *key, char *buf, size_t size)
{
	struct manager *m = userdata;
	char k[128];
	int r = state_key(k, sizeof(k), device, key);

	return r < 0 ? r : outbox_state_get(m->outbox, k, buf, size);
}

static int on_state_set(void *userdata, const char *device, const char *key, const char *value)
{
	struct manager *m = userdata;
	char k[128];
	int r = state_key(k, sizeof(k), device, key);

	return r < 0 ? r : outbox_state_set(m->outbox, k, value);
}

/* ---- uplink ---- */

static int cmp_sent(const void *a, const void *b)
{
	uint64_t x = ((const struct sent *)a)->seq, y = ((const struct sent *)b)->seq;

	return x < y ? -1 : x > y;
}

/* Publishes what is not yet acknowledged, urgent first, within the window. */
static void pump(struct manager *m)
{
	_cleanup_free_ uint64_t *exclude = NULL;
	struct outbox_entry *entries = NULL;
	size_t n = 0, room;
	int r;

	room = uplink_window(m->uplink);
	if (room > SENT_MAX - m->n_sent)
		room = SENT_MAX - m->n_sent;
	if (room == 0)
		return;
	exclude = malloc((m->n_sent + 1) * sizeof(*exclude));
	if (!exclude) {
		log_oom();
		return;
	}
	for (size_t i = 0; i < m->n_sent; i++)
		exclude[i] = m->sent[i].seq;
	r = outbox_pending(m->outbox, exclude, m->n_sent, room, &entries, &n);
	if (r < 0) {
		log_error_errno(r, "gateway: cannot read the outbox: %m");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		r = uplink_publish_record(m->uplink, entries[i].json, strlen(entries[i].json));
		if (r < 0)
			break;
		m->sent[m->n_sent++] = (struct sent){ entries[i].seq, now_ms(m) };
	}
	qsort(m->sent, m->n_sent, sizeof(*m->sent), cmp_sent);
	outbox_entries_free(entries, n);
}

static int on_pump(sd_event_source *s, void *userdata)
{
	(void)s;
	pump(userdata);
	return 0;
}

/*
 * Publishing runs once at the end of the loop iteration, however many
 * PUBACKs, acks or commits asked for it: each pump reads the outbox once.
 */
static void request_pump(struct manager *m)
{
	sd_event_source_set_enabled(m->pump_defer, SD_EVENT_ONESHOT);
}

static void on_connection(void *userdata, bool connected)
{
	struct manager *m = userdata;

	/* Whatever was published and not acknowledged is sent again on the new connection. */
	m->n_sent = 0;
	if (connected) {
		publish_status(m);
		request_pump(m);
	}
	(void)sd_notifyf(false, "STATUS=%s",
			 connected ? "connected to the broker" : "waiting for the broker");
}

static void on_window(void *userdata)
{
	struct manager *m = userdata;

	/* Refill in batches: a quarter of the window free, or nothing left in flight. */
	if (uplink_window(m->uplink) * 4 >= (size_t)m->config.mqtt_inflight ||
	    uplink_window(m->uplink) == (size_t)m->config.mqtt_inflight)
		request_pump(m);
}

static void on_ack(void *userdata, const struct ack_range *ranges, size_t n)
{
	struct manager *m = userdata;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		int r = outbox_ack(m->outbox, ranges[i].from, ranges[i].to, now_ms(m));

		if (r < 0)
			log_error_errno(r, "gateway: cannot mark %llu..%llu acknowledged: %m",
					(unsigned long long)ranges[i].from,
					(unsigned long long)ranges[i].to);
	}
	for (size_t i = 0; i < m->n_sent; i++) {
		bool acked = false;

		for (size_t j = 0; j < n && !acked; j++)
			acked = m->sent[i].seq >= ranges[j].from && m->sent[i].seq <= ranges[j].to;
		if (!acked)
			m->sent[k++] = m->sent[i];
	}
	m->n_sent = k;
	request_pump(m);
}

static void on_down_config(void *userdata, const char *payload, size_t len)
{
	struct manager *m = userdata;

	log_info("gateway: received down/config (%zu bytes)", len);
	safety_down_config(m->safety, payload, len);
}

static void on_notice(void *userdata, const char *payload, size_t len)
{
	struct manager *m = userdata;

	log_info("gateway: received down/notice (%zu bytes)", len);
	safety_notice(m->safety, payload, len);
}

static int on_resend(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;
	int64_t now = now_ms(m);
	size_t k = 0;

	sd_event_source_set_time(s, usec + 10 * 1000000ULL);
	for (size_t i = 0; i < m->n_sent; i++)
		if (now - m->sent[i].at_ms < RESEND_AFTER_MS)
			m->sent[k++] = m->sent[i];
	if (k != m->n_sent)
		log_notice("gateway: %zu records not acknowledged within %d s, sending again",
			   m->n_sent - k, RESEND_AFTER_MS / 1000);
	m->n_sent = k;
	request_pump(m);
	return 0;
}

/* ---- status ---- */

static void build_status(struct manager *m, struct record *r, bool online)
{
	struct outbox_stats st = { 0 };

	memset(r, 0, sizeof(*r));
	r->kind = RECORD_STATUS;
	r->ts = now_ms(m);
	r->status.state = online ? GATEWAY_ONLINE : GATEWAY_OFFLINE;
	snprintf(r->status.version, sizeof(r->status.version), "%s", BEDLINK_VERSION);
	if (m->outbox && outbox_stats(m->outbox, &st) >= 0)
		r->status.outbox_depth = st.pending;
	r->status.outbox_depth += m->n_queue;
	r->status.clock_synced = clock_synced();
	r->status.storage_ok = m->storage_ok;
	for (size_t i = 0; m->bluez && i < bluez_device_count(m->bluez) && i < RECORD_DEVICES_MAX;
	     i++) {
		struct ble_device_status ds;
		struct device_status *d = &r->status.devices[r->status.n_devices];

		if (bluez_device_status(m->bluez, i, &ds) < 0)
			continue;
		snprintf(d->name, sizeof(d->name), "%s", ds.config.name);
		snprintf(d->address, sizeof(d->address), "%s", ds.config.address);
		snprintf(d->profile, sizeof(d->profile), "%s",
			 ble_profile_to_string(ds.config.profile));
		d->connected = ds.state == BLE_DEVICE_CONNECTED;
		d->has_last_reading_ts = ds.has_last_reading;
		d->last_reading_ts = ds.last_reading_ms;
		d->has_battery = ds.has_battery && ds.battery <= 100;
		d->battery = ds.battery;
		d->has_rssi = ds.has_rssi && ds.rssi >= -127 && ds.rssi <= 20;
		d->rssi = (int8_t)ds.rssi;
		d->has_clock_offset = ds.has_clock_offset;
		d->clock_offset_s = ds.clock_offset_s;
		r->status.n_devices++;
	}
	for (size_t i = 0; m->modbus && i < modbus_poller_device_count(m->modbus) &&
			   r->status.n_devices < RECORD_DEVICES_MAX;
	     i++) {
		struct modbus_device_stats ms;
		struct device_status *d = &r->status.devices[r->status.n_devices];

		if (modbus_poller_device_stats(m->modbus, i, &ms) < 0)
			continue;
		snprintf(d->name, sizeof(d->name), "%s", ms.name);
		snprintf(d->address, sizeof(d->address), "%.8s/%u", ms.bus, ms.slave);
		snprintf(d->profile, sizeof(d->profile), "%s", ms.profile);
		d->connected = ms.has_state && ms.responding;
		d->has_last_reading_ts = ms.has_last_ok;
		d->last_reading_ts = ms.last_ok_ms;
		r->status.n_devices++;
	}
}

static void publish_status(struct manager *m)
{
	_cleanup_free_ char *json = NULL;
	struct record r;

	if (!m->uplink || !uplink_connected(m->uplink))
		return;
	build_status(m, &r, true);
	if (record_to_json(&r, &json, NULL) < 0)
		return;
	(void)uplink_publish_status(m->uplink, json, strlen(json));
}

static int on_status_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	sd_event_source_set_time(s, usec + STATUS_EVERY_S * 1000000ULL);
	publish_status(userdata);
	return 0;
}

/* Prunes the outbox; evicted readings are logged and recorded as an event. */
static int prune(struct manager *m)
{
	char msg[RECORD_TEXT_MAX + 1];
	int r;

	r = outbox_prune(m->outbox, now_ms(m));
	if (r < 0)
		return log_error_errno(r, "gateway: cannot prune the outbox: %m");
	if (r > 0) {
		snprintf(
			msg, sizeof(msg),
			"%d unacknowledged readings were evicted to keep the outbox within its bound",
			r);
		log_error("gateway: %s", msg);
		add_event(m, EVENT_STORAGE_ERROR, NULL, msg);
	}
	return r;
}

static int on_prune(sd_event_source *s, uint64_t usec, void *userdata)
{
	sd_event_source_set_time(s, usec + PRUNE_EVERY_S * 1000000ULL);
	(void)prune(userdata);
	return 0;
}

/* ---- control socket ---- */

static char *print_and_free(cJSON *o)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return s;
}

static cJSON *outbox_json(struct manager *m)
{
	struct outbox_stats st = { 0 };
	cJSON *o = cJSON_CreateObject();

	if (!o || outbox_stats(m->outbox, &st) < 0)
		return o;
	cJSON_AddNumberToObject(o, "pending", (double)st.pending);
	cJSON_AddNumberToObject(o, "pending_urgent", (double)st.pending_urgent);
	cJSON_AddNumberToObject(o, "acked_retained", (double)st.acked_retained);
	cJSON_AddNumberToObject(o, "bytes", (double)st.bytes);
	cJSON_AddNumberToObject(o, "next_seq", (double)st.next_seq);
	cJSON_AddNumberToObject(o, "evicted_total", (double)st.evicted_total);
	cJSON_AddNumberToObject(o, "oldest_pending_ms", (double)st.oldest_pending_ms);
	cJSON_AddNumberToObject(o, "waiting_in_memory", (double)m->n_queue);
	cJSON_AddNumberToObject(o, "published_unacknowledged", (double)m->n_sent);
	return o;
}

static cJSON *devices_json(struct manager *m)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < bluez_device_count(m->bluez); i++) {
		struct ble_device_status ds;
		cJSON *d;

		if (bluez_device_status(m->bluez, i, &ds) < 0)
			continue;
		d = cJSON_CreateObject();
		if (!d || !cJSON_AddItemToArray(a, d))
			break;
		cJSON_AddStringToObject(d, "name", ds.config.name);
		cJSON_AddStringToObject(d, "address", ds.config.address);
		cJSON_AddStringToObject(d, "profile", ble_profile_to_string(ds.config.profile));
		cJSON_AddStringToObject(d, "state", ble_device_state_to_string(ds.state));
		cJSON_AddBoolToObject(d, "paired", ds.paired);
		cJSON_AddStringToObject(d, "model", ds.model);
		if (ds.has_rssi)
			cJSON_AddNumberToObject(d, "rssi", ds.rssi);
		else
			cJSON_AddNullToObject(d, "rssi");
		if (ds.has_battery)
			cJSON_AddNumberToObject(d, "battery", ds.battery);
		else
			cJSON_AddNullToObject(d, "battery");
		if (ds.has_clock_offset)
			cJSON_AddNumberToObject(d, "clock_offset_s", (double)ds.clock_offset_s);
		else
			cJSON_AddNullToObject(d, "clock_offset_s");
		if (ds.has_last_reading)
			cJSON_AddNumberToObject(d, "last_reading_ms", (double)ds.last_reading_ms);
		else
			cJSON_AddNullToObject(d, "last_reading_ms");
		cJSON_AddNumberToObject(d, "readings", (double)ds.readings);
		cJSON_AddNumberToObject(d, "bad_values", (double)ds.bad_values);
	}
	for (size_t i = 0; a && m->modbus && i < modbus_poller_device_count(m->modbus); i++) {
		struct modbus_device_stats ms;
		char address[48];
		cJSON *d;

		if (modbus_poller_device_stats(m->modbus, i, &ms) < 0)
			continue;
		d = cJSON_CreateObject();
		if (!d || !cJSON_AddItemToArray(a, d))
			break;
		snprintf(address, sizeof(address), "%s/%u", ms.bus, ms.slave);
		cJSON_AddStringToObject(d, "name", ms.name);
		cJSON_AddStringToObject(d, "address", address);
		cJSON_AddStringToObject(d, "profile", ms.profile);
		cJSON_AddStringToObject(d, "transport", "modbus");
		cJSON_AddStringToObject(d, "state",
					!ms.has_state   ? "connecting"
					: ms.responding ? "connected"
							: "not_responding");
		cJSON_AddNullToObject(d, "rssi");
		cJSON_AddNullToObject(d, "battery");
		cJSON_AddNullToObject(d, "clock_offset_s");
		if (ms.has_last_ok)
			cJSON_AddNumberToObject(d, "last_reading_ms", (double)ms.last_ok_ms);
		else
			cJSON_AddNullToObject(d, "last_reading_ms");
		cJSON_AddNumberToObject(d, "readings", (double)ms.readings);
		cJSON_AddNumberToObject(d, "bad_values", (double)ms.bad_values);
		cJSON_AddNumberToObject(d, "polls", (double)ms.polls);
		cJSON_AddNumberToObject(d, "timeouts", (double)ms.timeouts);
		cJSON_AddNumberToObject(d, "exceptions", (double)ms.exceptions);
		cJSON_AddStringToObject(d, "last_error", ms.last_error);
	}
	return a;
}

static char *answer_status(struct manager *m)
{
	struct uplink_stats us;
	cJSON *o = cJSON_CreateObject(), *u;

	if (!o)
		return NULL;
	uplink_get_stats(m->uplink, &us);
	cJSON_AddStringToObject(o, "gateway", m->config.id);
	cJSON_AddStringToObject(o, "version", BEDLINK_VERSION);
	cJSON_AddBoolToObject(o, "storage_ok", m->storage_ok);
	cJSON_AddBoolToObject(o, "clock_synced", clock_synced());
	cJSON_AddBoolToObject(o, "bluetooth_ready", bluez_adapter_ready(m->bluez));
	u = cJSON_AddObjectToObject(o, "uplink");
	if (u) {
		cJSON_AddBoolToObject(u, "connected", uplink_connected(m->uplink));
		cJSON_AddStringToObject(u, "broker", m->config.mqtt_host);
		cJSON_AddNumberToObject(u, "port", (double)m->config.mqtt_port);
		cJSON_AddNumberToObject(u, "connects", (double)us.connects);
		cJSON_AddNumberToObject(u, "published", (double)us.published);
		cJSON_AddNumberToObject(u, "acks", (double)us.acks_received);
		cJSON_AddNumberToObject(u, "bad_messages", (double)us.bad_messages);
		cJSON_AddStringToObject(u, "last_error", us.last_error);
	}
	cJSON_AddItemToObject(o, "outbox", outbox_json(m));
	cJSON_AddItemToObject(o, "devices", devices_json(m));
	cJSON_AddNumberToObject(o, "bad_values", (double)m->bad_values);
	{
		_cleanup_free_ char *safety = safety_status_json(m->safety);

		if (safety)
			cJSON_AddItemToObject(o, "safety", cJSON_Parse(safety));
	}
	return print_and_free(o);
}

static char *answer_readings(struct manager *m, size_t max, int *error)
{
	struct outbox_entry *entries = NULL;
	size_t n = 0;
	cJSON *a;
	int r;

	r = outbox_recent_readings(m->outbox, max, &entries, &n);
	if (r < 0) {
		*error = r;
		return NULL;
	}
	a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++) {
		cJSON *item = cJSON_Parse(entries[i].json);

		if (item)
			cJSON_AddItemToArray(a, item);
	}
	outbox_entries_free(entries, n);
	return print_and_free(a);
}

static char *answer_discovered(struct manager *m)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < bluez_discovered_count(m->bluez); i++) {
		struct ble_discovered d;
		cJSON *o;

		if (bluez_discovered(m->bluez, i, &d) < 0)
			continue;
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(a, o))
			break;
		cJSON_AddStringToObject(o, "address", d.address);
		cJSON_AddStringToObject(o, "name", d.name);
		if (d.has_rssi)
			cJSON_AddNumberToObject(o, "rssi", d.rssi);
		else
			cJSON_AddNullToObject(o, "rssi");
		cJSON_AddBoolToObject(o, "bound", d.bound);
	}
	return print_and_free(a);
}

static char *answer_ok(const char *key, const char *value)
{
	cJSON *o = cJSON_CreateObject();

	if (o)
		cJSON_AddStringToObject(o, key, value);
	return print_and_free(o);
}

static int on_control(void *userdata, const char *request, char **ret, char *why, size_t why_size)
{
	struct manager *m = userdata;
	char verb[32] = "", arg[64] = "", arg2[64] = "", arg3[16] = "";
	int error = -ENOMEM, r;

	if (sscanf(request, "%31s %63s %63s %15s", verb, arg, arg2, arg3) < 1) {
		snprintf(why, why_size, "empty request");
		return -EINVAL;
	}
	if (strcmp(verb, "status") == 0) {
		*ret = answer_status(m);
	} else if (strcmp(verb, "devices") == 0) {
		*ret = print_and_free(devices_json(m));
	} else if (strcmp(verb, "outbox") == 0) {
		*ret = print_and_free(outbox_json(m));
	} else if (strcmp(verb, "readings") == 0) {
		long n = arg[0] ? strtol(arg, NULL, 10) : 10;

		if (n < 1 || n > 1000) {
			snprintf(why, why_size, "readings takes a count 1..1000");
			return -EINVAL;
		}
		*ret = answer_readings(m, (size_t)n, &error);
	} else if (strcmp(verb, "scan") == 0) {
		long s = arg[0] ? strtol(arg, NULL, 10) : 10;

		if (s < 1 || s > 120) {
			snprintf(why, why_size, "scan takes 1..120 seconds");
			return -EINVAL;
		}
		r = bluez_scan(m->bluez, (uint64_t)s * 1000);
		if (r < 0) {
			snprintf(why, why_size, "cannot start a scan: %s", strerror(-r));
			return r;
		}
		*ret = answer_ok("scanning", arg[0] ? arg : "10");
	} else if (strcmp(verb, "discovered") == 0) {
		*ret = answer_discovered(m);
	} else if (strcmp(verb, "pair") == 0) {
		r = bluez_pair(m->bluez, arg);
		if (r < 0) {
			snprintf(why, why_size, "cannot pair '%s': %s", arg, strerror(-r));
			return r;
		}
		*ret = answer_ok("pairing", arg);
	} else if (strcmp(verb, "press") == 0) {
		/* Durable before the answer: the call is committed with this iteration's batch. */
		safety_press(m->safety, "control", strcmp(arg, "cancel") == 0);
		*ret = answer_ok("call", strcmp(arg, "cancel") == 0 ? "cancelled" : "raised");
	} else if (strcmp(verb, "symptoms") == 0) {
		if (strcmp(arg, "yes") != 0 && strcmp(arg, "no") != 0) {
			snprintf(why, why_size, "symptoms takes yes or no");
			return -EINVAL;
		}
		safety_symptoms(m->safety, strcmp(arg, "yes") == 0);
		*ret = answer_ok("symptoms", arg);
	} else if (strcmp(verb, "visit-start") == 0) {
		long expected = arg3[0] ? strtol(arg3, NULL, 10) : 0;

		r = safety_visit_start(m->safety, arg, arg2, expected, why, why_size);
		if (r < 0)
			return r;
		*ret = answer_ok("visit", "started");
	} else if (strcmp(verb, "visit-end") == 0) {
		r = safety_visit_end(m->safety, why, why_size);
		if (r < 0)
			return r;
		*ret = answer_ok("visit", "ended");
	} else if (strcmp(verb, "safety") == 0) {
		*ret = safety_status_json(m->safety);
	} else {
		snprintf(why, why_size, "unknown request '%s'", verb);
		return -EINVAL;
	}
	return *ret ? 0 : error;
}

/* ---- setup ---- */

static int read_password(const char *path, char *buf, size_t size)
{
	FILE *f;

	buf[0] = '\0';
	if (!path[0])
		return 0;
	f = fopen(path, "re");
	if (!f)
		return log_error_errno(
			-errno, "gateway: cannot read the MQTT password file '%s': %m", path);
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int setup(struct manager *m)
{
	static const struct bluez_callbacks ble_cb = {
		.reading = on_reading,
		.bad_value = on_bad_value,
		.device_state = on_device_state,
		.state_get = on_state_get,
		.state_set = on_state_set,
	};
	static const struct uplink_callbacks up_cb = {
		.connection = on_connection,
		.window = on_window,
		.ack = on_ack,
		.config = on_down_config,
		.notice = on_notice,
	};
	struct outbox_limits limits = {
		.max_bytes = (uint64_t)m->config.outbox_max_mb * 1024 * 1024,
		.max_age_ms = m->config.outbox_max_age_days * 86400000LL,
		.retention_ms = m->config.outbox_retention_days * 86400000LL,
	};
	static const struct safety_host safety_host = {
		.enqueue = on_safety_enqueue,
	};
	struct bluez_config bc;
	struct uplink_config uc = { 0 };
	_cleanup_free_ char *offline = NULL;
	char path[512];
	struct record st;
	int r;

	if (mkdir(m->config.data_dir, 0750) < 0 && errno != EEXIST)
		return log_error_errno(-errno, "gateway: cannot create data_dir '%s': %m",
				       m->config.data_dir);
	snprintf(path, sizeof(path), "%s/outbox.db", m->config.data_dir);
	r = outbox_open(path, &limits, &m->outbox);
	if (r < 0)
		return r;
	r = safety_new(m->event, &m->config, m->outbox, &safety_host, m, &m->safety);
	if (r < 0)
		return log_error_errno(r, "gateway: cannot start the local safety rules: %m");

	bluez_config_defaults(&bc);
	snprintf(bc.bus, sizeof(bc.bus), "%s", m->config.bluez_bus);
	snprintf(bc.adapter, sizeof(bc.adapter), "%s", m->config.bluez_adapter);
	bc.clock_tolerance_s = m->config.bluez_clock_tolerance_s;
	r = bluez_new(m->event, &bc, &ble_cb, m, &m->bluez);
	if (r < 0)
		return log_error_errno(r, "gateway: cannot create the Bluetooth client: %m");
	for (size_t i = 0; i < m->config.n_devices; i++) {
		struct ble_device_config d;

		if (gateway_device_is_modbus(&m->config.devices[i]))
			continue;
		gateway_config_ble_device(&m->config.devices[i], &d);
		r = bluez_add_device(m->bluez, &d);
		if (r < 0)
			return log_error_errno(r, "gateway: cannot bind device '%s': %m", d.name);
	}

	snprintf(uc.gateway_id, sizeof(uc.gateway_id), "%s", m->config.id);
	snprintf(uc.host, sizeof(uc.host), "%s", m->config.mqtt_host);
	uc.port = (int)m->config.mqtt_port;
	snprintf(uc.username, sizeof(uc.username), "%s", m->config.mqtt_username);
	r = read_password(m->config.mqtt_password_file, uc.password, sizeof(uc.password));
	if (r < 0)
		return r;
	snprintf(uc.tls_ca, sizeof(uc.tls_ca), "%s", m->config.mqtt_tls_ca);
	snprintf(uc.tls_cert, sizeof(uc.tls_cert), "%s", m->config.mqtt_tls_cert);
	snprintf(uc.tls_key, sizeof(uc.tls_key), "%s", m->config.mqtt_tls_key);
	uc.keepalive_s = (int)m->config.mqtt_keepalive_s;
	uc.inflight = (int)m->config.mqtt_inflight;
	/* A bedside gateway should be back within half a minute of the network. */
	uc.reconnect_min_ms = 1000;
	uc.reconnect_max_ms = 30000;
	build_status(m, &st, false);
	r = record_to_json(&st, &offline, NULL);
	if (r < 0)
		return r;
	r = uplink_new(m->event, &uc, offline, &up_cb, m, &m->uplink);
	if (r < 0)
		return r;

	r = control_new(m->event, m->config.control_socket, on_control, m, &m->control);
	if (r < 0)
		return r;

	r = sd_event_add_defer(m->event, &m->commit_defer, on_commit, m);
	if (r < 0)
		return r;
	sd_event_source_set_enabled(m->commit_defer, SD_EVENT_OFF);
	r = sd_event_add_defer(m->event, &m->pump_defer, on_pump, m);
	if (r < 0)
		return r;
	sd_event_source_set_enabled(m->pump_defer, SD_EVENT_OFF);
	/* Commit before publishing within one iteration. */
	sd_event_source_set_priority(m->pump_defer, SD_EVENT_PRIORITY_NORMAL + 1);
	r = sd_event_add_time_relative(m->event, &m->retry_timer, CLOCK_MONOTONIC,
				       RETRY_COMMIT_S * 1000000ULL, 0, on_retry, m);
	if (r < 0)
		return r;
	sd_event_source_set_enabled(m->retry_timer, SD_EVENT_OFF);
	r = sd_event_add_time_relative(m->event, &m->prune_timer, CLOCK_MONOTONIC, 1000000, 0,
				       on_prune, m);
	if (r >= 0)
		r = sd_event_source_set_enabled(m->prune_timer, SD_EVENT_ON);
	if (r >= 0)
		r = sd_event_add_time_relative(m->event, &m->status_timer, CLOCK_MONOTONIC,
					       STATUS_EVERY_S * 1000000ULL, 0, on_status_timer, m);
	if (r >= 0)
		r = sd_event_source_set_enabled(m->status_timer, SD_EVENT_ON);
	if (r >= 0)
		r = sd_event_add_time_relative(m->event, &m->resend_timer, CLOCK_MONOTONIC,
					       10 * 1000000ULL, 0, on_resend, m);
	if (r >= 0)
		r = sd_event_source_set_enabled(m->resend_timer, SD_EVENT_ON);
	if (r < 0)
		return r;

	r = setup_modbus(m);
	if (r < 0)
		return r;
	add_event(m, EVENT_GATEWAY_STARTED, NULL, "bedlink-gateway " BEDLINK_VERSION " started");
	r = bluez_start(m->bluez);
	if (r < 0)
		return log_error_errno(r, "gateway: cannot reach D-Bus for Bluetooth: %m");
	return uplink_start(m->uplink);
}

static void manager_free(struct manager *m)
{
	/* Flush what arrived last, then say goodbye with a retained offline status. */
	if (m->outbox && m->n_queue && commit_queue(m) < 0)
		log_error("gateway: %zu records could not be stored at shutdown", m->n_queue);
	if (m->uplink && uplink_connected(m->uplink)) {
		_cleanup_free_ char *json = NULL;
		struct record st;

		build_status(m, &st, false);
		if (record_to_json(&st, &json, NULL) >= 0)
			(void)uplink_publish_status(m->uplink, json, strlen(json));
	}
	sd_event_source_disable_unref(m->commit_defer);
	sd_event_source_disable_unref(m->pump_defer);
	sd_event_source_disable_unref(m->retry_timer);
	sd_event_source_disable_unref(m->prune_timer);
	sd_event_source_disable_unref(m->status_timer);
	sd_event_source_disable_unref(m->resend_timer);
	control_free(m->control);
	/* Joins the poller threads before anything their callbacks touch goes. */
	modbus_poller_free(m->modbus);
	safety_free(m->safety);
	uplink_free(m->uplink);
	bluez_free(m->bluez);
	outbox_free(m->outbox);
	free(m->queue);
	sd_event_unref(m->event);
}

static void help(FILE *f)
{
	fputs("Usage: bedlink-gateway --config PATH [--check-config]\n"
	      "\n"
	      "The bedside gateway: reads the patient's BLE health devices, stores every\n"
	      "reading durably and delivers it to the cloud over MQTT.\n"
	      "\n"
	      "  -c --config PATH   Configuration file (drop-ins in PATH.d/*.conf)\n"
	      "     --check-config  Validate the configuration and exit\n"
	      "  -h --help          Show this help\n"
	      "     --version       Show the version\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option options[] = { { "config", required_argument, NULL, 'c' },
						 { "check-config", no_argument, NULL, 'k' },
						 { "help", no_argument, NULL, 'h' },
						 { "version", no_argument, NULL, 'v' },
						 {} };
	struct manager m = { .storage_ok = true };
	struct config_error err = { 0 };
	const char *config_path = NULL;
	bool check_only = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "c:h", options, NULL)) >= 0) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'k':
			check_only = true;
			break;
		case 'h':
			help(stdout);
			return 0;
		case 'v':
			printf("bedlink-gateway %s\n", BEDLINK_VERSION);
			return 0;
		default:
			return 2;
		}
	}
	if (!config_path || optind != argc) {
		help(stderr);
		return 2;
	}

	gateway_config_defaults(&m.config);
	r = gateway_config_load(config_path, &m.config, &err);
	if (r < 0) {
		fprintf(stderr, "bedlink-gateway: %s\n", err.message);
		return 2;
	}
	{
		char msg[512];

		r = safety_check_thresholds(&m.config, msg, sizeof(msg));
		if (r < 0) {
			fprintf(stderr, "bedlink-gateway: %s\n", msg);
			return 2;
		}
	}
	if (check_only) {
		const struct {
			const char *key, *path;
		} files[] = {
			{ "password_file", m.config.mqtt_password_file },
			{ "tls_ca", m.config.mqtt_tls_ca },
			{ "tls_cert", m.config.mqtt_tls_cert },
			{ "tls_key", m.config.mqtt_tls_key },
		};

		/* Run as the service user (ExecStartPre), this catches unreadable keys early. */
		for (size_t i = 0; i < ELEMENTSOF(files); i++)
			if (files[i].path[0] && access(files[i].path, R_OK) < 0) {
				fprintf(stderr,
					"bedlink-gateway: %s: [mqtt] %s: cannot read '%s': %m\n",
					config_path, files[i].key, files[i].path);
				return 2;
			}
		printf("%s: configuration is valid (%zu device%s)\n", config_path,
		       m.config.n_devices, m.config.n_devices == 1 ? "" : "s");
		return 0;
	}
	log_set_max_level((enum log_level)log_level_from_string(m.config.log_level));

	r = sd_event_default(&m.event);
	if (r < 0)
		return log_error_errno(r, "gateway: cannot create the event loop: %m"), 1;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sd_event_add_signal(m.event, NULL, SIGTERM, NULL, NULL);
	sd_event_add_signal(m.event, NULL, SIGINT, NULL, NULL);
	(void)sd_event_set_watchdog(m.event, true);

	r = setup(&m);
	if (r < 0) {
		manager_free(&m);
		return 1;
	}
	log_info("gateway: '%s' running with %zu devices, control socket %s", m.config.id,
		 m.config.n_devices, m.config.control_socket);
	(void)sd_notify(false, "READY=1\nSTATUS=running");
	r = sd_event_loop(m.event);
	(void)sd_notify(false, "STOPPING=1");
	manager_free(&m);
	if (r < 0)
		return log_error_errno(r, "gateway: event loop failed: %m"), 1;
	return 0;
}
