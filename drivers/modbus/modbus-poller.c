// SPDX-License-Identifier: MIT
/*
 * The poller: one thread per bus polls its devices in turn, each at its own
 * interval, and puts what it learnt (readings, bad values, state changes)
 * on a bounded queue; an eventfd wakes the sd-event loop, which drains the
 * queue and runs the callbacks. The threads own their links and schedules;
 * the queue and the counters are shared under one mutex.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "modbus-decode.h"
#include "modbus-link.h"
#include "modbus.h"

/* Results waiting for the loop; readings are refused beyond READINGS_MAX, so state changes fit. */
#define QUEUE_MAX          256
#define QUEUE_READINGS_MAX 192
#define BACKOFF_MIN_MS     1000
#define BACKOFF_MAX_MS     10000

enum result_kind {
	RESULT_READING,
	RESULT_BAD_VALUE,
	RESULT_STATE,
};

struct result {
	enum result_kind kind;
	size_t device;
	bool responding;
	int64_t realtime_ms;
	uint64_t started_usec, answered_usec;
	char message[RECORD_TEXT_MAX + 1];
	struct reading reading;
};

struct device {
	struct modbus_device_config config;
	struct modbus_profile profile;
	size_t bus;
	/* Owned by the bus thread. */
	uint64_t next_usec;
	long long failures; /* polls in a row that got no answer at all */
	int state;          /* -1 not yet known, 0 not responding, 1 responding */
	int reported[MODBUS_PROFILE_VALUES_MAX]; /* the fault last reported per value, 0 = none */
	/* Under poller->lock. */
	struct modbus_device_stats stats;
};

struct bus {
	struct modbus_bus_config config;
	struct modbus_poller *poller;
	pthread_t thread;
	bool running;
	/* Owned by the bus thread. */
	struct modbus_link *link;
	uint64_t next_connect_usec;
	uint64_t backoff_ms;
	bool need_flush;
	bool was_connected; /* log connection changes once, not every retry */
	char link_error[RECORD_TEXT_MAX + 1];
};

struct modbus_poller {
	sd_event *event;
	sd_event_source *source;
	int result_fd;
	int stop_fd;
	atomic_bool stopping;
	const struct modbus_callbacks *callbacks;
	void *userdata;
	bool started;
	pthread_mutex_t lock;
	struct result *queue;
	size_t head, count;
	size_t n_buses;
	struct bus buses[MODBUS_BUSES_MAX];
	size_t n_devices;
	struct device devices[MODBUS_DEVICES_MAX];
	/* Set while a callback runs (loop thread). */
	bool in_callback;
	int64_t event_realtime_ms;
	uint64_t event_started_usec, event_answered_usec;
};

static uint64_t now_usec(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- The queue: bus threads put, the loop takes ----------------------------------------- */

static void enqueue(struct modbus_poller *p, const struct result *r)
{
	struct device *d = &p->devices[r->device];
	uint64_t one = 1;
	bool full;

	pthread_mutex_lock(&p->lock);
	full = p->count == QUEUE_MAX ||
	       (r->kind == RESULT_READING && p->count >= QUEUE_READINGS_MAX);
	if (full) {
		d->stats.dropped++;
	} else {
		p->queue[(p->head + p->count) % QUEUE_MAX] = *r;
		p->count++;
	}
	pthread_mutex_unlock(&p->lock);
	if (!full && write(p->result_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warning_errno(-errno, "modbus: cannot wake the event loop: %m");
}

static void dispatch(struct modbus_poller *p, const struct result *r)
{
	const struct modbus_callbacks *cb = p->callbacks;
	const char *name = p->devices[r->device].config.name;

	p->in_callback = true;
	p->event_realtime_ms = r->realtime_ms;
	p->event_started_usec = r->started_usec;
	p->event_answered_usec = r->answered_usec;
	switch (r->kind) {
	case RESULT_READING:
		if (cb->reading)
			cb->reading(p->userdata, name, &r->reading);
		break;
	case RESULT_BAD_VALUE:
		if (cb->bad_value)
			cb->bad_value(p->userdata, name, r->message);
		break;
	case RESULT_STATE:
		if (cb->device_state)
			cb->device_state(p->userdata, name, r->responding, r->message);
		break;
	}
	p->in_callback = false;
}

static int on_results(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct modbus_poller *p = userdata;
	struct result *r = malloc(sizeof(*r));
	uint64_t n;
	bool more;

	(void)s;
	(void)revents;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warning_errno(-errno, "modbus: cannot read the wake-up counter: %m");
	if (!r)
		return log_oom();
	/* At most one queue's worth per wake-up, so other sources get their turn. */
	for (size_t i = 0; i < QUEUE_MAX; i++) {
		pthread_mutex_lock(&p->lock);
		if (p->count == 0) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		*r = p->queue[p->head];
		p->head = (p->head + 1) % QUEUE_MAX;
		p->count--;
		pthread_mutex_unlock(&p->lock);
		dispatch(p, r);
	}
	free(r);
	pthread_mutex_lock(&p->lock);
	more = p->count > 0;
	pthread_mutex_unlock(&p->lock);
	n = 1;
	if (more && write(p->result_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warning_errno(-errno, "modbus: cannot wake the event loop: %m");
	return 0;
}

/* ---- One poll of one device (bus thread) ------------------------------------------------ */

struct poll_outcome {
	struct modbus_image image;
	bool answered; /* at least one block read: the device is responding */
	bool complete; /* every block read */
	uint8_t exception[MODBUS_PROFILE_BLOCKS_MAX]; /* per block, 0 = none */
	char block_error[MODBUS_PROFILE_BLOCKS_MAX][RECORD_TEXT_MAX + 1];
	char why[RECORD_TEXT_MAX + 1]; /* the first failure */
	uint64_t started_usec;
	uint64_t timeouts, exceptions, garbled, flushes, flushed_bytes, reconnects;
};

static void stats_update(struct modbus_poller *p, struct device *d,
			 void (*update)(struct device *d, const void *arg), const void *arg)
{
	pthread_mutex_lock(&p->lock);
	update(d, arg);
	pthread_mutex_unlock(&p->lock);
}

static void count_reconnect(struct device *d, const void *arg)
{
	(void)arg;
	d->stats.reconnects++;
}

/* Connects when the backoff allows. Returns 0 with the link open, or -errno with @why. */
static int bus_ready(struct bus *b, char *why, size_t why_size)
{
	struct modbus_poller *p = b->poller;
	uint64_t now = now_usec(CLOCK_MONOTONIC);
	int r;

	if (modbus_link_is_open(b->link))
		return 0;
	if (now < b->next_connect_usec) {
		snprintf(why, why_size, "%s", b->link_error);
		return -ENOTCONN;
	}
	r = modbus_link_connect(b->link, b->link_error, sizeof(b->link_error));
	if (r < 0) {
		b->backoff_ms = b->backoff_ms ? b->backoff_ms * 2 : BACKOFF_MIN_MS;
		if (b->backoff_ms > BACKOFF_MAX_MS)
			b->backoff_ms = BACKOFF_MAX_MS;
		b->next_connect_usec = now + b->backoff_ms * 1000;
		if (b->was_connected)
			log_warning("modbus: bus '%s': %s; retrying every %u s at most",
				    b->config.name, b->link_error, BACKOFF_MAX_MS / 1000);
		b->was_connected = false;
		snprintf(why, why_size, "%s", b->link_error);
		return r;
	}
	log_info("modbus: bus '%s' %s %s", b->config.name,
		 b->config.transport == MODBUS_TRANSPORT_TCP ? "connected to" : "opened",
		 b->config.address);
	b->backoff_ms = 0;
	b->need_flush = false;
	b->was_connected = true;
	for (size_t i = 0; i < p->n_devices; i++)
		if (p->devices[i].bus == (size_t)(b - p->buses))
			stats_update(p, &p->devices[i], count_reconnect, NULL);
	return 0;
}

static void read_blocks(struct bus *b, struct device *d, struct poll_outcome *o)
{
	char why[RECORD_TEXT_MAX + 1];
	int r;

	if (b->need_flush) {
		r = modbus_link_flush(b->link);
		o->flushes++;
		o->flushed_bytes += r > 0 ? (uint64_t)r : 0;
		b->need_flush = false;
	}
	for (size_t i = 0; i < d->profile.n_blocks; i++) {
		r = modbus_link_read(b->link, (unsigned)d->config.slave, &d->profile.blocks[i],
				     o->image.words[i], &o->exception[i], why, sizeof(why));
		if (r == 0) {
			o->image.ok[i] = true;
			o->answered = true;
			continue;
		}
		if (!o->why[0])
			snprintf(o->why, sizeof(o->why), "%s", why);
		if (r == -EREMOTEIO) {
			/* Alive, but this block gives nothing: it does not count as answered. */
			o->exceptions++;
			snprintf(o->block_error[i], sizeof(o->block_error[i]), "%s", why);
			continue;
		}
		/* Anything else ends the cycle: the line is silent, garbled or gone. */
		if (r == -ETIMEDOUT)
			o->timeouts++;
		if (r == -EBADMSG)
			o->garbled++;
		if (r == -ETIMEDOUT || r == -EBADMSG)
			b->need_flush = true;
		else if (!modbus_link_is_open(b->link)) {
			snprintf(b->link_error, sizeof(b->link_error), "%s", why);
			b->next_connect_usec = 0; /* reconnect at the next poll */
			log_warning("modbus: bus '%s': %s", b->config.name, why);
		}
		break;
	}
	o->complete = true;
	for (size_t i = 0; i < d->profile.n_blocks; i++)
		o->complete = o->complete && o->image.ok[i];
}

struct stats_delta {
	const struct poll_outcome *outcome;
	size_t n_values, n_bad;
	int64_t realtime_ms;
};

static void count_poll(struct device *d, const void *arg)
{
	const struct stats_delta *delta = arg;
	const struct poll_outcome *o = delta->outcome;
	struct modbus_device_stats *s = &d->stats;

	s->polls++;
	s->failed += !o->complete;
	s->timeouts += o->timeouts;
	s->exceptions += o->exceptions;
	s->garbled += o->garbled;
	s->flushes += o->flushes;
	s->flushed_bytes += o->flushed_bytes;
	s->readings += delta->n_values > 0;
	s->bad_values += delta->n_bad;
	if (o->answered) {
		s->has_last_ok = true;
		s->last_ok_ms = delta->realtime_ms;
	}
	if (o->why[0])
		snprintf(s->last_error, sizeof(s->last_error), "%s", o->why);
	s->has_state = d->state >= 0;
	s->responding = d->state == 1;
}

/* The fault kinds a bad value is reported by, so a drifting number is not news every poll. */
static int fault_kind(int r, uint8_t exception)
{
	return r == -EREMOTEIO ? 0x100 | exception : -r;
}

static void report_bad(struct modbus_poller *p, struct device *d, size_t value, int kind,
		       const char *message, struct result *res)
{
	if (d->reported[value] == kind)
		return;
	d->reported[value] = kind;
	res->kind = RESULT_BAD_VALUE;
	snprintf(res->message, sizeof(res->message), "%s", message);
	enqueue(p, res);
}

/* State changes, then the reading, then bad values: the order the gateway wants them in. */
static void deliver(struct bus *b, struct device *d, struct poll_outcome *o)
{
	struct modbus_poller *p = b->poller;
	_cleanup_free_ struct result *res = calloc(1, sizeof(*res));
	struct modbus_bad bad;
	struct stats_delta delta = { .outcome = o };
	bool fine[MODBUS_PROFILE_VALUES_MAX];

	if (!res) {
		log_oom();
		return;
	}
	res->device = (size_t)(d - p->devices);
	res->realtime_ms = delta.realtime_ms = (int64_t)(now_usec(CLOCK_REALTIME) / 1000);
	res->started_usec = o->started_usec;
	res->answered_usec = now_usec(CLOCK_MONOTONIC);
	if (o->answered) {
		d->failures = 0;
		if (d->state != 1) {
			d->state = 1;
			res->kind = RESULT_STATE;
			res->responding = true;
			snprintf(res->message, sizeof(res->message), "answering");
			enqueue(p, res);
		}
	} else if (++d->failures >= d->config.offline_after && d->state != 0) {
		d->state = 0;
		res->kind = RESULT_STATE;
		res->responding = false;
		snprintf(res->message, sizeof(res->message), "%s", o->why);
		enqueue(p, res);
	}

	delta.n_values =
		modbus_profile_decode(&d->profile, &o->image, d->config.name, &res->reading, &bad);
	if (delta.n_values > 0) {
		res->kind = RESULT_READING;
		enqueue(p, res);
	}
	for (size_t i = 0; i < d->profile.n_values; i++) {
		int blk = modbus_profile_block_of(&d->profile, &d->profile.values[i]);

		fine[i] = blk >= 0 && o->image.ok[blk];
	}
	for (size_t i = 0; i < bad.n; i++) {
		fine[bad.items[i].value] = false;
		report_bad(p, d, bad.items[i].value, fault_kind(bad.items[i].error, 0),
			   bad.items[i].message, res);
	}
	delta.n_bad = bad.n;
	for (size_t i = 0; i < d->profile.n_values; i++) {
		const struct modbus_value *v = &d->profile.values[i];
		int blk = modbus_profile_block_of(&d->profile, v);
		char message[RECORD_TEXT_MAX + 1];

		if (fine[i]) {
			d->reported[i] = 0;
			continue;
		}
		if (blk < 0 || o->image.ok[blk] || !o->block_error[blk][0])
			continue; /* bad above, or never asked: the cycle ended before its block */
		snprintf(message, sizeof(message), "%s: %s", v->name, o->block_error[blk]);
		report_bad(p, d, i, fault_kind(-EREMOTEIO, o->exception[blk]), message, res);
		delta.n_bad++;
	}
	stats_update(p, d, count_poll, &delta);
}

static void poll_device(struct bus *b, struct device *d)
{
	struct poll_outcome *o = calloc(1, sizeof(*o));

	if (!o) {
		log_oom();
		return;
	}
	o->started_usec = now_usec(CLOCK_MONOTONIC);
	if (bus_ready(b, o->why, sizeof(o->why)) == 0)
		read_blocks(b, d, o);
	deliver(b, d, o);
	free(o);
}

/* ---- The bus thread --------------------------------------------------------------------- */

/* Sleeps until @deadline (CLOCK_MONOTONIC µs) or a stop. Returns true when stopping. */
static bool sleep_until(struct modbus_poller *p, uint64_t deadline)
{
	for (;;) {
		uint64_t now = now_usec(CLOCK_MONOTONIC);
		struct pollfd pfd = { .fd = p->stop_fd, .events = POLLIN };
		struct timespec ts;

		if (atomic_load(&p->stopping))
			return true;
		if (now >= deadline)
			return false;
		ts.tv_sec = (time_t)((deadline - now) / 1000000u);
		ts.tv_nsec = (long)((deadline - now) % 1000000u * 1000u);
		if (ppoll(&pfd, 1, &ts, NULL) > 0)
			return true;
	}
}

static void *bus_thread(void *arg)
{
	struct bus *b = arg;
	struct modbus_poller *p = b->poller;
	size_t me = (size_t)(b - p->buses);
	uint64_t start = now_usec(CLOCK_MONOTONIC);

	for (size_t i = 0; i < p->n_devices; i++)
		if (p->devices[i].bus == me)
			p->devices[i].next_usec = start;
	for (;;) {
		struct device *next = NULL;

		for (size_t i = 0; i < p->n_devices; i++) {
			struct device *d = &p->devices[i];

			if (d->bus == me && (!next || d->next_usec < next->next_usec))
				next = d;
		}
		if (!next || sleep_until(p, next->next_usec))
			break;
		poll_device(b, next);
		next->next_usec += (uint64_t)next->config.poll_interval_ms * 1000;
		/* A poll that overran its interval starts the next one later, not in a burst. */
		if (next->next_usec < now_usec(CLOCK_MONOTONIC))
			next->next_usec = now_usec(CLOCK_MONOTONIC) +
					  (uint64_t)next->config.poll_interval_ms * 1000;
	}
	modbus_link_close(b->link);
	return NULL;
}

/* ---- Lifecycle -------------------------------------------------------------------------- */

int modbus_poller_new(sd_event *event, const struct modbus_callbacks *callbacks, void *userdata,
		      struct modbus_poller **ret)
{
	struct modbus_poller *p;
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->result_fd = p->stop_fd = -EBADF;
	p->callbacks = callbacks;
	p->userdata = userdata;
	p->event = sd_event_ref(event);
	atomic_init(&p->stopping, false);
	pthread_mutex_init(&p->lock, NULL);
	p->queue = calloc(QUEUE_MAX, sizeof(*p->queue));
	if (!p->queue) {
		modbus_poller_free(p);
		return -ENOMEM;
	}
	p->result_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->result_fd < 0 || p->stop_fd < 0) {
		r = -errno;
		modbus_poller_free(p);
		return r;
	}
	r = sd_event_add_io(event, &p->source, p->result_fd, EPOLLIN, on_results, p);
	if (r < 0) {
		modbus_poller_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

struct modbus_poller *modbus_poller_free(struct modbus_poller *p)
{
	if (!p)
		return NULL;
	modbus_poller_stop(p);
	for (size_t i = 0; i < p->n_buses; i++)
		modbus_link_free(p->buses[i].link);
	sd_event_source_disable_unref(p->source);
	sd_event_unref(p->event);
	if (p->result_fd >= 0)
		close(p->result_fd);
	if (p->stop_fd >= 0)
		close(p->stop_fd);
	pthread_mutex_destroy(&p->lock);
	free(p->queue);
	free(p);
	return NULL;
}

int modbus_poller_add_bus(struct modbus_poller *p, const struct modbus_bus_config *config)
{
	struct bus *b;
	const char *key;
	char why[200];
	int r;

	if (p->started)
		return -EBUSY;
	if (modbus_bus_config_validate(config, &key, why, sizeof(why)) < 0)
		return log_error_errno(-EINVAL, "modbus: [modbus.%s] %s: %s", config->name, key,
				       why);
	for (size_t i = 0; i < p->n_buses; i++)
		if (strcmp(p->buses[i].config.name, config->name) == 0)
			return -EEXIST;
	if (p->n_buses == MODBUS_BUSES_MAX)
		return -E2BIG;
	b = &p->buses[p->n_buses];
	*b = (struct bus){ .config = *config, .poller = p };
	r = modbus_link_new(config, &b->link);
	if (r < 0)
		return r;
	p->n_buses++;
	return 0;
}

int modbus_poller_add_device(struct modbus_poller *p, const struct modbus_device_config *config,
			     const struct modbus_profile *profile)
{
	struct device *d;
	const char *key;
	char why[200];
	size_t bus = p->n_buses;

	if (p->started)
		return -EBUSY;
	for (size_t i = 0; i < p->n_buses; i++)
		if (strcmp(p->buses[i].config.name, config->bus) == 0)
			bus = i;
	if (bus == p->n_buses)
		return -ENOENT;
	if (modbus_device_config_validate(config, &p->buses[bus].config, &key, why, sizeof(why)) <
	    0)
		return log_error_errno(-EINVAL, "modbus: [device.%s] %s: %s", config->name, key,
				       why);
	for (size_t i = 0; i < p->n_devices; i++)
		if (strcmp(p->devices[i].config.name, config->name) == 0 ||
		    (p->devices[i].bus == bus && p->devices[i].config.slave == config->slave))
			return -EEXIST;
	if (p->n_devices == MODBUS_DEVICES_MAX)
		return -E2BIG;
	d = &p->devices[p->n_devices++];
	*d = (struct device){ .config = *config, .profile = *profile, .bus = bus, .state = -1 };
	snprintf(d->stats.name, sizeof(d->stats.name), "%s", config->name);
	snprintf(d->stats.bus, sizeof(d->stats.bus), "%s", config->bus);
	snprintf(d->stats.profile, sizeof(d->stats.profile), "%s", profile->name);
	d->stats.slave = (unsigned)config->slave;
	return 0;
}

static bool bus_has_devices(const struct modbus_poller *p, size_t bus)
{
	for (size_t i = 0; i < p->n_devices; i++)
		if (p->devices[i].bus == bus)
			return true;
	return false;
}

int modbus_poller_start(struct modbus_poller *p)
{
	sigset_t all, old;
	int r = 0;

	if (p->started)
		return -EBUSY;
	atomic_store(&p->stopping, false);
	p->started = true;
	/* The threads take no signals: those belong to the loop's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (size_t i = 0; i < p->n_buses && r == 0; i++) {
		struct bus *b = &p->buses[i];
		char name[16];

		if (!bus_has_devices(p, i))
			continue;
		r = -pthread_create(&b->thread, NULL, bus_thread, b);
		if (r < 0)
			break;
		b->running = true;
		snprintf(name, sizeof(name), "mb-%s", b->config.name);
		pthread_setname_np(b->thread, name);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		modbus_poller_stop(p);
		return log_error_errno(r, "modbus: cannot start a bus thread: %m");
	}
	return 0;
}

void modbus_poller_stop(struct modbus_poller *p)
{
	uint64_t one = 1;

	if (!p->started)
		return;
	atomic_store(&p->stopping, true);
	if (write(p->stop_fd, &one, sizeof(one)) < 0)
		log_warning_errno(-errno, "modbus: cannot signal the bus threads: %m");
	for (size_t i = 0; i < p->n_buses; i++) {
		if (!p->buses[i].running)
			continue;
		pthread_join(p->buses[i].thread, NULL);
		p->buses[i].running = false;
	}
	if (read(p->stop_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warning_errno(-errno, "modbus: cannot reset the stop signal: %m");
	pthread_mutex_lock(&p->lock);
	p->head = p->count = 0;
	pthread_mutex_unlock(&p->lock);
	p->started = false;
}

size_t modbus_poller_device_count(const struct modbus_poller *p)
{
	return p->n_devices;
}

int modbus_poller_device_stats(struct modbus_poller *p, size_t i, struct modbus_device_stats *ret)
{
	if (i >= p->n_devices)
		return -ENOENT;
	pthread_mutex_lock(&p->lock);
	*ret = p->devices[i].stats;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int modbus_poller_event_time(const struct modbus_poller *p, int64_t *ret_realtime_ms,
			     uint64_t *ret_started_usec, uint64_t *ret_answered_usec)
{
	if (!p->in_callback)
		return -ENODATA;
	if (ret_realtime_ms)
		*ret_realtime_ms = p->event_realtime_ms;
	if (ret_started_usec)
		*ret_started_usec = p->event_started_usec;
	if (ret_answered_usec)
		*ret_answered_usec = p->event_answered_usec;
	return 0;
}
