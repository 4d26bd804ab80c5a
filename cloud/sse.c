// SPDX-License-Identifier: MIT
/*
 * The live-event hub behind GET /api/events: one mutex and one condition
 * variable for all clients (a console has tens of them, not thousands), a
 * list of clients and per client a FIFO of formatted event texts.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sse.h"

struct sse_event {
	struct sse_event *next;
	size_t len;
	char text[];
};

struct sse_client {
	struct sse *hub;
	struct sse_client *prev, *next;
	int64_t team_id, institution_id;
	bool all_teams;
	bool overflowed;
	struct sse_event *head, *tail;
	size_t n_queued;
	size_t sent; /* bytes of head already read */
};

struct sse {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct sse_client *clients;
	size_t n_clients, max_clients;
	int64_t heartbeat_ms;
	bool stopping;
};

static const char hello[] = ": bedlink events\n\n";
static const char heartbeat[] = ": heartbeat\n\n";

int sse_new(size_t max_clients, int64_t heartbeat_ms, struct sse **ret)
{
	struct sse *s = calloc(1, sizeof(*s));
	pthread_condattr_t attr;

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &attr);
	pthread_condattr_destroy(&attr);
	s->max_clients = max_clients;
	s->heartbeat_ms = heartbeat_ms;
	*ret = s;
	return 0;
}

struct sse *sse_free(struct sse *s)
{
	if (!s)
		return NULL;
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return NULL;
}

void sse_stop(struct sse *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

/* Appends an event text to a client's queue; called with the hub locked. */
static void client_push(struct sse_client *c, struct sse_event *e)
{
	e->next = NULL;
	if (c->tail)
		c->tail->next = e;
	else
		c->head = e;
	c->tail = e;
	c->n_queued++;
}

static struct sse_event *event_new(const char *text, size_t len)
{
	struct sse_event *e = malloc(sizeof(*e) + len + 1);

	if (!e)
		return NULL;
	memcpy(e->text, text, len);
	e->text[len] = '\0';
	e->len = len;
	return e;
}

int sse_client_new(struct sse *s, int64_t team_id, int64_t institution_id, bool all_teams,
		   struct sse_client **ret)
{
	struct sse_client *c = calloc(1, sizeof(*c));
	struct sse_event *first = event_new(hello, sizeof(hello) - 1);

	if (!c || !first) {
		free(c);
		free(first);
		return -ENOMEM;
	}
	c->hub = s;
	c->team_id = team_id;
	c->institution_id = institution_id;
	c->all_teams = all_teams;
	client_push(c, first);
	pthread_mutex_lock(&s->lock);
	if (s->n_clients >= s->max_clients || s->stopping) {
		pthread_mutex_unlock(&s->lock);
		free(first);
		free(c);
		return -EBUSY;
	}
	c->next = s->clients;
	if (s->clients)
		s->clients->prev = c;
	s->clients = c;
	s->n_clients++;
	pthread_mutex_unlock(&s->lock);
	*ret = c;
	return 0;
}

void sse_client_free(struct sse_client *c)
{
	struct sse *s;

	if (!c)
		return;
	s = c->hub;
	pthread_mutex_lock(&s->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_clients--;
	pthread_mutex_unlock(&s->lock);
	while (c->head) {
		struct sse_event *e = c->head;

		c->head = e->next;
		free(e);
	}
	free(c);
}

static void deadline_after(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

ssize_t sse_client_read(struct sse_client *c, char *buf, size_t max)
{
	struct sse *s = c->hub;
	struct timespec deadline;
	ssize_t n = -EPIPE;

	deadline_after(&deadline, s->heartbeat_ms);
	pthread_mutex_lock(&s->lock);
	while (!c->head && !s->stopping && !c->overflowed) {
		if (pthread_cond_timedwait(&s->wake, &s->lock, &deadline) == ETIMEDOUT)
			break;
	}
	if (s->stopping || c->overflowed) {
		n = -EPIPE;
	} else if (c->head) {
		struct sse_event *e = c->head;
		size_t left = e->len - c->sent;

		n = (ssize_t)(left < max ? left : max);
		memcpy(buf, e->text + c->sent, (size_t)n);
		c->sent += (size_t)n;
		if (c->sent == e->len) {
			c->head = e->next;
			if (!c->head)
				c->tail = NULL;
			c->n_queued--;
			c->sent = 0;
			free(e);
		}
	} else {
		n = (ssize_t)(sizeof(heartbeat) - 1 < max ? sizeof(heartbeat) - 1 : max);
		memcpy(buf, heartbeat, (size_t)n);
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* "event: NAME\ndata: LINE\n...\n": each line of @json becomes a data line. */
static char *format_event(const char *event, const char *json, size_t *len)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	const char *line = json;

	if (!f)
		return NULL;
	fprintf(f, "event: %s\n", event);
	for (;;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);

		fprintf(f, "data: %.*s\n", (int)n, line);
		if (!end)
			break;
		line = end + 1;
	}
	fputc('\n', f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	*len = size;
	return text;
}

static bool client_sees(const struct sse_client *c, int64_t team_id, int64_t institution_id)
{
	if (c->institution_id != institution_id)
		return false;
	return c->all_teams || (team_id != 0 && c->team_id == team_id);
}

void sse_publish(struct sse *s, const char *event, const char *json, int64_t team_id,
		 int64_t institution_id)
{
	size_t len;
	char *text;

	if (strpbrk(event, "\r\n") || !event[0])
		return;
	text = format_event(event, json, &len);
	if (!text)
		return;
	pthread_mutex_lock(&s->lock);
	for (struct sse_client *c = s->clients; c; c = c->next) {
		struct sse_event *e;

		if (!client_sees(c, team_id, institution_id) || c->overflowed)
			continue;
		if (c->n_queued >= SSE_QUEUE_MAX) {
			c->overflowed = true;
			continue;
		}
		e = event_new(text, len);
		if (!e) {
			c->overflowed = true;
			continue;
		}
		client_push(c, e);
	}
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
	free(text);
}

size_t sse_n_clients(struct sse *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->n_clients;
	pthread_mutex_unlock(&s->lock);
	return n;
}
