// SPDX-License-Identifier: MIT
/*
 * `bedlink-sim modbus`: frames requests itself (MBAP over TCP, length and
 * CRC over RTU) so that one sd-event loop serves several clients, holds the
 * requests of a stalled unit, and lets libmodbus build every answer
 * (modbus_reply, modbus_reply_exception) from one register mapping per unit.
 * Everything notable is printed as one line on stdout for tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <modbus/modbus.h>
#include <systemd/sd-event.h>

#include "log.h"
#include "macro.h"
#include "modbus-decode.h"
#include "modbus-profile.h"
#include "modbus-scenario.h"
#include "modbus-sim.h"
#include "modbus.h"

#define UNITS_MAX       32
#define CLIENTS_MAX     8
#define HELD_MAX        64
#define EVENTS_MAX      10000
#define RTU_IDLE_MS     50 /* a partial frame older than this is line noise */
#define MBAP_HEADER_LEN 7

struct unit {
	int id;
	modbus_mapping_t *map;
	bool stalled;
	bool stall_late;
	uint64_t stall_until_ms;
	uint8_t exception;
	uint32_t exception_left; /* 0 = until "exception off" */
};

struct client {
	struct modbus_sim *sim;
	int fd;
	uint64_t serial;
	sd_event_source *source;
	char peer[64];
	size_t len;
	uint8_t buf[MODBUS_TCP_MAX_ADU_LENGTH];
};

struct held {
	uint64_t client; /* serial of the TCP client, 0 on RTU */
	int unit;
	int len;
	uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
};

struct modbus_sim {
	sd_event *event;
	struct modbus_profile profile;
	const char *profile_path;
	bool rtu;
	char listen_host[256];
	uint16_t listen_port;
	struct modbus_bus_config serial;
	bool verbose;
	bool use_stdin;
	modbus_t *ctx; /* builds and sends the answers */
	int listen_fd;
	sd_event_source *listen_source;
	uint64_t refuse_until_ms; /* 0 = listening */
	sd_event_source *rtu_source;
	uint8_t rtu_buf[2 * MODBUS_RTU_MAX_ADU_LENGTH];
	size_t rtu_len;
	uint64_t rtu_last_ms;
	struct client *clients[CLIENTS_MAX];
	uint64_t next_serial;
	size_t n_units;
	struct unit units[UNITS_MAX];
	size_t n_held;
	struct held held[HELD_MAX];
	struct modbus_scenario_event *events;
	size_t n_events, next_event;
	uint64_t start_ms;
	sd_event_source *timer;
	sd_event_source *stdin_source;
	bool stdin_done;
	unsigned stdin_line;
	size_t stdin_len;
	char stdin_buf[MODBUS_SCENARIO_LINE_MAX + 2];
};

static void print(const char *format, ...) _printf_(1, 2);

static void print(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vfprintf(stdout, format, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct unit *unit_find(struct modbus_sim *s, int id)
{
	for (size_t i = 0; i < s->n_units; i++)
		if (s->units[i].id == id)
			return &s->units[i];
	return NULL;
}

static void rearm(struct modbus_sim *s);

/* ---- Answers ------------------------------------------------------------------------- */

/* The PDU's fields; TCP requests carry the 7-byte MBAP header in front, RTU one unit byte. */
struct request {
	int unit, function, address, count;
};

static struct request request_fields(const struct modbus_sim *s, const uint8_t *req)
{
	const uint8_t *pdu = req + (s->rtu ? 1 : MBAP_HEADER_LEN);

	return (struct request){
		.unit = pdu[-1],
		.function = pdu[0],
		.address = pdu[1] << 8 | pdu[2],
		.count = pdu[3] << 8 | pdu[4],
	};
}

/* Quantities libmodbus would refuse by sleeping and flushing the line: we refuse them first. */
static bool quantity_ok(const struct request *q)
{
	switch (q->function) {
	case MODBUS_FC_READ_COILS:
	case MODBUS_FC_READ_DISCRETE_INPUTS:
		return q->count >= 1 && q->count <= MODBUS_MAX_READ_BITS;
	case MODBUS_FC_READ_HOLDING_REGISTERS:
	case MODBUS_FC_READ_INPUT_REGISTERS:
		return q->count >= 1 && q->count <= MODBUS_MAX_READ_REGISTERS;
	case MODBUS_FC_WRITE_MULTIPLE_COILS:
		return q->count >= 1 && q->count <= MODBUS_MAX_WRITE_BITS;
	case MODBUS_FC_WRITE_MULTIPLE_REGISTERS:
		return q->count >= 1 && q->count <= MODBUS_MAX_WRITE_REGISTERS;
	default:
		return true;
	}
}

static bool select_client(struct modbus_sim *s, uint64_t serial)
{
	if (s->rtu)
		return true;
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		if (s->clients[i] && s->clients[i]->serial == serial) {
			modbus_set_socket(s->ctx, s->clients[i]->fd);
			return true;
		}
	return false;
}

static void answer(struct modbus_sim *s, struct unit *u, const uint8_t *req, int len)
{
	struct request q = request_fields(s, req);

	if (u->exception) {
		modbus_reply_exception(s->ctx, req, u->exception);
		print("answered-exception %d %d %d 0x%02x", q.unit, q.function, q.address,
		      u->exception);
		if (u->exception_left && --u->exception_left == 0) {
			u->exception = 0;
			print("exception %d off", u->id);
		}
		return;
	}
	if (!quantity_ok(&q)) {
		modbus_reply_exception(s->ctx, req, MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
		return;
	}
	if (modbus_reply(s->ctx, req, len, u->map) < 0)
		log_debug("bedlink-sim: cannot answer unit %d: %s", q.unit, modbus_strerror(errno));
	if (q.function == MODBUS_FC_WRITE_SINGLE_COIL ||
	    q.function == MODBUS_FC_WRITE_SINGLE_REGISTER ||
	    q.function == MODBUS_FC_WRITE_MULTIPLE_COILS ||
	    q.function == MODBUS_FC_WRITE_MULTIPLE_REGISTERS)
		print("written %d %d %d", q.unit, q.function, q.address);
}

static void hold(struct modbus_sim *s, uint64_t client, int unit, const uint8_t *req, int len)
{
	if (s->n_held == HELD_MAX) {
		memmove(&s->held[0], &s->held[1], (HELD_MAX - 1) * sizeof(s->held[0]));
		s->n_held--;
	}
	s->held[s->n_held] = (struct held){ .client = client, .unit = unit, .len = len };
	memcpy(s->held[s->n_held].req, req, (size_t)len);
	s->n_held++;
}

static void handle_request(struct modbus_sim *s, struct client *c, const uint8_t *req, int len)
{
	struct request q = request_fields(s, req);
	struct unit *u = unit_find(s, q.unit);

	if (s->verbose)
		print("request %d %d %d %d", q.unit, q.function, q.address, q.count);
	if (!u) {
		/* A TCP gateway says so; on a serial line an absent unit is silent. */
		if (!s->rtu)
			modbus_reply_exception(s->ctx, req, MODBUS_EXCEPTION_GATEWAY_TARGET);
		print("unknown-unit %d", q.unit);
		return;
	}
	if (u->stalled) {
		if (u->stall_late)
			hold(s, c ? c->serial : 0, q.unit, req, len);
		return;
	}
	answer(s, u, req, len);
}

static void end_stalls(struct modbus_sim *s, uint64_t now)
{
	for (size_t i = 0; i < s->n_units; i++) {
		struct unit *u = &s->units[i];
		size_t kept = 0;

		if (!u->stalled || now < u->stall_until_ms)
			continue;
		u->stalled = false;
		print("stall-end %d", u->id);
		for (size_t k = 0; k < s->n_held; k++) {
			struct held *h = &s->held[k];

			if (h->unit != u->id) {
				s->held[kept++] = *h;
				continue;
			}
			if (!select_client(s, h->client))
				continue;
			{
				struct request q = request_fields(s, h->req);

				print("late-reply %d %d %d %d", q.unit, q.function, q.address,
				      q.count);
			}
			answer(s, u, h->req, h->len);
		}
		s->n_held = kept;
	}
}

/* ---- Scenario events ------------------------------------------------------------------- */

static uint16_t *value_words(struct unit *u, const struct modbus_value *v, uint16_t *bit_word)
{
	modbus_mapping_t *m = u->map;

	switch (v->function) {
	case MODBUS_FUNCTION_HOLDING:
		return m->tab_registers + (v->address - m->start_registers);
	case MODBUS_FUNCTION_INPUT:
		return m->tab_input_registers + (v->address - m->start_input_registers);
	case MODBUS_FUNCTION_COIL:
		*bit_word = m->tab_bits[v->address - m->start_bits];
		return bit_word;
	default:
		*bit_word = m->tab_input_bits[v->address - m->start_input_bits];
		return bit_word;
	}
}

static void store_bit(struct unit *u, const struct modbus_value *v, uint16_t word)
{
	modbus_mapping_t *m = u->map;

	if (v->function == MODBUS_FUNCTION_COIL)
		m->tab_bits[v->address - m->start_bits] = word != 0;
	else if (v->function == MODBUS_FUNCTION_DISCRETE)
		m->tab_input_bits[v->address - m->start_input_bits] = word != 0;
}

static void apply_set(struct modbus_sim *s, struct unit *u, const struct modbus_scenario_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct modbus_value *v = &s->profile.values[set->items[i].value];
		uint16_t bit_word = 0, *words = value_words(u, v, &bit_word);
		char why[160];
		double raw = v->absent;

		if (set->items[i].absent)
			modbus_value_encode_absent(v, words);
		else if (modbus_value_encode(v, set->items[i].number, words, &raw, why,
					     sizeof(why)) < 0) {
			log_warning("bedlink-sim: %s", why);
			continue;
		}
		store_bit(u, v, *words);
		if (set->items[i].absent)
			print("set %d %s absent raw=%g", u->id, v->name, raw);
		else
			print("set %d %s %g raw=%g", u->id, v->name, set->items[i].number, raw);
	}
}

static void apply_raw(struct modbus_sim *s, struct unit *u, const struct modbus_scenario_raw *raw)
{
	modbus_mapping_t *m = u->map;

	(void)s;
	for (size_t i = 0; i < raw->n; i++) {
		unsigned a = raw->address + (unsigned)i;

		switch (raw->function) {
		case MODBUS_FUNCTION_HOLDING:
			m->tab_registers[a - (unsigned)m->start_registers] = raw->words[i];
			break;
		case MODBUS_FUNCTION_INPUT:
			m->tab_input_registers[a - (unsigned)m->start_input_registers] =
				raw->words[i];
			break;
		case MODBUS_FUNCTION_COIL:
			m->tab_bits[a - (unsigned)m->start_bits] = (uint8_t)raw->words[i];
			break;
		default:
			m->tab_input_bits[a - (unsigned)m->start_input_bits] =
				(uint8_t)raw->words[i];
			break;
		}
	}
	print("raw %d %s %u %zu", u->id, modbus_function_to_string(raw->function), raw->address,
	      raw->n);
}

static void client_close(struct client *c);
static int listen_open(struct modbus_sim *s);
static void listen_close(struct modbus_sim *s);

static void apply_drop(struct modbus_sim *s, uint32_t ms)
{
	size_t n = 0;

	if (s->rtu) {
		log_warning("bedlink-sim: drop: a serial line has no connection to drop");
		return;
	}
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		if (s->clients[i]) {
			client_close(s->clients[i]);
			n++;
		}
	print("dropped %zu", n);
	if (ms > 0) {
		listen_close(s);
		s->refuse_until_ms = now_ms() + ms;
		print("refusing %.3f", ms / 1000.0);
	}
}

static void apply_to_unit(struct modbus_sim *s, struct unit *u,
			  const struct modbus_scenario_event *ev)
{
	switch (ev->kind) {
	case MODBUS_SCENARIO_SET:
		apply_set(s, u, &ev->u.set);
		break;
	case MODBUS_SCENARIO_RAW:
		apply_raw(s, u, &ev->u.raw);
		break;
	case MODBUS_SCENARIO_STALL:
		u->stalled = true;
		u->stall_late = ev->u.stall.late;
		u->stall_until_ms = now_ms() + ev->u.stall.ms;
		print("stall %d %.3f", u->id, ev->u.stall.ms / 1000.0);
		break;
	case MODBUS_SCENARIO_EXCEPTION:
		u->exception = ev->u.exception.code;
		u->exception_left = ev->u.exception.count;
		if (u->exception)
			print("exception %d 0x%02x", u->id, u->exception);
		else
			print("exception %d off", u->id);
		break;
	default:
		break;
	}
}

static void apply(struct modbus_sim *s, const struct modbus_scenario_event *ev)
{
	if (ev->kind == MODBUS_SCENARIO_DROP) {
		apply_drop(s, ev->u.drop_ms);
		return;
	}
	for (size_t i = 0; i < s->n_units; i++)
		if (ev->target == MODBUS_SCENARIO_ALL || ev->target == s->units[i].id)
			apply_to_unit(s, &s->units[i], ev);
}

/* A parsed line for a unit the simulator does not serve is refused like a bad line. */
static int check_target(const struct modbus_sim *s, const struct modbus_scenario_event *ev,
			char *why, size_t why_size)
{
	if (ev->target == MODBUS_SCENARIO_ALL || ev->kind == MODBUS_SCENARIO_DROP)
		return 0;
	for (size_t i = 0; i < s->n_units; i++)
		if (s->units[i].id == ev->target)
			return 0;
	snprintf(why, why_size, "line %u: unit %d is not served here (see --unit)", ev->line,
		 ev->target);
	return -EINVAL;
}

/* ---- The timer: scenario events, stall ends, the end of a refusal, RTU line noise ----- */

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
	struct modbus_sim *s = userdata;
	uint64_t now = now_ms();

	(void)source;
	(void)usec;
	while (s->next_event < s->n_events && s->start_ms + s->events[s->next_event].at_ms <= now)
		apply(s, &s->events[s->next_event++]);
	end_stalls(s, now);
	if (s->refuse_until_ms && now >= s->refuse_until_ms) {
		s->refuse_until_ms = 0;
		if (listen_open(s) == 0)
			print("listening");
	}
	if (s->rtu_len && now - s->rtu_last_ms >= RTU_IDLE_MS) {
		log_debug("bedlink-sim: %zu bytes of line noise dropped", s->rtu_len);
		s->rtu_len = 0;
	}
	rearm(s);
	return 0;
}

static bool finished(const struct modbus_sim *s)
{
	/* With --no-stdin only a signal ends the simulator. */
	if (!s->use_stdin || !s->stdin_done || s->next_event < s->n_events || s->n_held)
		return false;
	for (size_t i = 0; i < s->n_units; i++)
		if (s->units[i].stalled)
			return false;
	return true;
}

static void rearm(struct modbus_sim *s)
{
	uint64_t next = UINT64_MAX;
	int r;

	if (s->next_event < s->n_events)
		next = s->start_ms + s->events[s->next_event].at_ms;
	for (size_t i = 0; i < s->n_units; i++)
		if (s->units[i].stalled && s->units[i].stall_until_ms < next)
			next = s->units[i].stall_until_ms;
	if (s->refuse_until_ms && s->refuse_until_ms < next)
		next = s->refuse_until_ms;
	if (s->rtu_len && s->rtu_last_ms + RTU_IDLE_MS < next)
		next = s->rtu_last_ms + RTU_IDLE_MS;
	if (next == UINT64_MAX) {
		sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
		if (finished(s))
			sd_event_exit(s->event, 0);
		return;
	}
	r = sd_event_source_set_time(s->timer, next * 1000);
	if (r >= 0)
		r = sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
	if (r < 0)
		log_error_errno(r, "bedlink-sim: cannot arm the timer: %m");
}

/* ---- TCP ---------------------------------------------------------------------------------- */

static void client_close(struct client *c)
{
	struct modbus_sim *s = c->sim;

	for (size_t i = 0; i < CLIENTS_MAX; i++)
		if (s->clients[i] == c)
			s->clients[i] = NULL;
	print("disconnected %s", c->peer);
	sd_event_source_disable_unref(c->source);
	close(c->fd);
	free(c);
}

static int on_client(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
	struct client *c = userdata;
	struct modbus_sim *s = c->sim;
	ssize_t n;

	(void)source;
	(void)revents;
	n = recv(fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		client_close(c);
		return 0;
	}
	c->len += (size_t)n;
	/* MBAP: transaction id, protocol id 0, length of what follows (unit id + PDU). */
	while (c->len >= MBAP_HEADER_LEN + 1) {
		size_t follows = (size_t)c->buf[4] << 8 | c->buf[5], total = 6 + follows;

		if (c->buf[2] != 0 || c->buf[3] != 0 || follows < 2 || total > sizeof(c->buf)) {
			log_warning("bedlink-sim: %s sent a frame that is not Modbus TCP; closing",
				    c->peer);
			client_close(c);
			return 0;
		}
		if (c->len < total)
			break;
		if (total < MBAP_HEADER_LEN + 5) {
			/* Too short for any read or write: libmodbus would read past it. */
			modbus_set_socket(s->ctx, c->fd);
			modbus_reply_exception(s->ctx, c->buf, MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
		} else {
			modbus_set_socket(s->ctx, c->fd);
			handle_request(s, c, c->buf, (int)total);
		}
		memmove(c->buf, c->buf + total, c->len - total);
		c->len -= total;
	}
	rearm(s);
	return 0;
}

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
	struct modbus_sim *s = userdata;
	struct sockaddr_storage addr;
	socklen_t addr_len = sizeof(addr);
	char host[INET6_ADDRSTRLEN], port[8];
	struct client *c;
	size_t slot = CLIENTS_MAX;
	int cfd, r;

	(void)source;
	(void)revents;
	cfd = accept4(fd, (struct sockaddr *)&addr, &addr_len, SOCK_CLOEXEC);
	if (cfd < 0)
		return 0;
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		if (!s->clients[i]) {
			slot = i;
			break;
		}
	c = slot < CLIENTS_MAX ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		log_warning("bedlink-sim: refusing a client: %d connected already", CLIENTS_MAX);
		close(cfd);
		return 0;
	}
	*c = (struct client){ .sim = s, .fd = cfd, .serial = ++s->next_serial };
	if (getnameinfo((struct sockaddr *)&addr, addr_len, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(c->peer, sizeof(c->peer), "%s:%s", host, port);
	else
		snprintf(c->peer, sizeof(c->peer), "client-%llu", (unsigned long long)c->serial);
	r = sd_event_add_io(s->event, &c->source, cfd, EPOLLIN, on_client, c);
	if (r < 0) {
		log_error_errno(r, "bedlink-sim: cannot watch a client: %m");
		close(cfd);
		free(c);
		return 0;
	}
	s->clients[slot] = c;
	print("connected %s", c->peer);
	return 0;
}

static int listen_open(struct modbus_sim *s)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	char port[8];
	int fd = -EBADF, one = 1, r;

	snprintf(port, sizeof(port), "%u", s->listen_port);
	r = getaddrinfo(s->listen_host, port, &hints, &ai);
	if (r != 0)
		return log_error_errno(-EINVAL, "bedlink-sim: cannot resolve '%s': %s",
				       s->listen_host, gai_strerror(r));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 8) < 0) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return log_error_errno(r, "bedlink-sim: cannot listen on %s:%u: %m", s->listen_host,
				       s->listen_port);
	}
	freeaddrinfo(ai);
	r = sd_event_add_io(s->event, &s->listen_source, fd, EPOLLIN, on_accept, s);
	if (r < 0) {
		close(fd);
		return log_error_errno(r, "bedlink-sim: cannot watch the listening socket: %m");
	}
	s->listen_fd = fd;
	return 0;
}

static void listen_close(struct modbus_sim *s)
{
	s->listen_source = sd_event_source_disable_unref(s->listen_source);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->listen_fd = -EBADF;
}

/* ---- RTU ---------------------------------------------------------------------------------- */

static uint16_t crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xFFFF;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = crc & 1 ? (uint16_t)(crc >> 1 ^ 0xA001) : (uint16_t)(crc >> 1);
	}
	return crc;
}

/* The length of the RTU request at the start of @buf: 0 when more bytes are needed, -1 unknown. */
static int rtu_frame_len(const uint8_t *buf, size_t len)
{
	if (len < 2)
		return 0;
	switch (buf[1]) {
	case MODBUS_FC_READ_COILS:
	case MODBUS_FC_READ_DISCRETE_INPUTS:
	case MODBUS_FC_READ_HOLDING_REGISTERS:
	case MODBUS_FC_READ_INPUT_REGISTERS:
	case MODBUS_FC_WRITE_SINGLE_COIL:
	case MODBUS_FC_WRITE_SINGLE_REGISTER:
		return 8;
	case MODBUS_FC_WRITE_MULTIPLE_COILS:
	case MODBUS_FC_WRITE_MULTIPLE_REGISTERS:
		return len < 7 ? 0 : 9 + buf[6];
	default:
		return -1;
	}
}

static int on_rtu(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
	struct modbus_sim *s = userdata;
	ssize_t n;

	(void)source;
	(void)revents;
	n = read(fd, s->rtu_buf + s->rtu_len, sizeof(s->rtu_buf) - s->rtu_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		log_error("bedlink-sim: the serial line closed");
		return sd_event_exit(s->event, 1);
	}
	s->rtu_len += (size_t)n;
	s->rtu_last_ms = now_ms();
	for (;;) {
		int len = rtu_frame_len(s->rtu_buf, s->rtu_len);
		size_t used;
		uint16_t crc;

		/* 0: more bytes to come; < 0: an unknown function, which the idle gap ends. */
		if (len <= 0 || (size_t)len > s->rtu_len)
			break;
		used = (size_t)len;
		crc = crc16(s->rtu_buf, used - 2);
		if (s->rtu_buf[used - 2] == (crc & 0xff) && s->rtu_buf[used - 1] == crc >> 8)
			handle_request(s, NULL, s->rtu_buf, len);
		else
			used = 1; /* resynchronise one byte on */
		memmove(s->rtu_buf, s->rtu_buf + used, s->rtu_len - used);
		s->rtu_len -= used;
	}
	if (s->rtu_len == sizeof(s->rtu_buf))
		s->rtu_len = 0;
	rearm(s);
	return 0;
}

/* ---- Standard input: live scenario lines ---------------------------------------------------- */

static void stdin_line(struct modbus_sim *s, const char *line, size_t len)
{
	struct modbus_scenario_event ev;
	struct modbus_scenario_error err = { "" };
	char why[200];
	int r;

	r = modbus_scenario_parse_line(line, len, ++s->stdin_line, &s->profile, &ev, &err);
	if (r < 0) {
		log_warning("bedlink-sim: stdin %s", err.message);
		return;
	}
	if (r == 0)
		return;
	if (check_target(s, &ev, why, sizeof(why)) < 0) {
		log_warning("bedlink-sim: stdin %s", why);
		return;
	}
	apply(s, &ev);
}

static int on_stdin(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
	struct modbus_sim *s = userdata;
	ssize_t n;
	char *nl;

	(void)revents;
	n = read(fd, s->stdin_buf + s->stdin_len, sizeof(s->stdin_buf) - 1 - s->stdin_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		if (s->stdin_len)
			stdin_line(s, s->stdin_buf, s->stdin_len);
		s->stdin_len = 0;
		s->stdin_done = true;
		sd_event_source_set_enabled(source, SD_EVENT_OFF);
		rearm(s);
		return 0;
	}
	s->stdin_len += (size_t)n;
	s->stdin_buf[s->stdin_len] = '\0';
	while ((nl = memchr(s->stdin_buf, '\n', s->stdin_len))) {
		size_t len = (size_t)(nl - s->stdin_buf) + 1;

		stdin_line(s, s->stdin_buf, len);
		memmove(s->stdin_buf, s->stdin_buf + len, s->stdin_len - len);
		s->stdin_len -= len;
	}
	if (s->stdin_len == sizeof(s->stdin_buf) - 1) {
		log_warning("bedlink-sim: stdin line %u is longer than %d bytes; skipped",
			    ++s->stdin_line, MODBUS_SCENARIO_LINE_MAX);
		s->stdin_len = 0;
	}
	rearm(s);
	return 0;
}

/* ---- Set-up -------------------------------------------------------------------------------- */

static int compare_events(const void *a, const void *b)
{
	const struct modbus_scenario_event *x = a, *y = b;

	if (x->at_ms != y->at_ms)
		return x->at_ms < y->at_ms ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Reads and checks the whole scenario before anything starts. Returns 0 or -EINVAL (logged). */
static int scenario_load(struct modbus_sim *s, const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[MODBUS_SCENARIO_LINE_MAX + 2], why[200];
	unsigned lineno = 0;

	if (!f)
		return log_error_errno(-errno, "bedlink-sim: cannot open scenario '%s': %m", path);
	s->events = calloc(EVENTS_MAX, sizeof(*s->events));
	if (!s->events)
		return log_oom(); /* cppcheck-suppress resourceLeak ; _cleanup_ closes f */
	while (fgets(line, sizeof(line), f)) {
		struct modbus_scenario_event *ev = &s->events[s->n_events];
		struct modbus_scenario_error err = { "" };
		size_t len = strlen(line);
		int r;

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n')
			return log_error_errno(-EINVAL,
					       "bedlink-sim: %s: line %u: longer than %d "
					       "bytes",
					       path, lineno, MODBUS_SCENARIO_LINE_MAX);
		if (s->n_events == EVENTS_MAX)
			return log_error_errno(-EINVAL, "bedlink-sim: %s: more than %d events",
					       path, EVENTS_MAX);
		r = modbus_scenario_parse_line(line, len, lineno, &s->profile, ev, &err);
		if (r < 0)
			return log_error_errno(-EINVAL, "bedlink-sim: %s: %s", path, err.message);
		if (r == 0)
			continue;
		if (check_target(s, ev, why, sizeof(why)) < 0)
			return log_error_errno(-EINVAL, "bedlink-sim: %s: %s", path, why);
		s->n_events++;
	}
	qsort(s->events, s->n_events, sizeof(*s->events), compare_events);
	return 0;
}

/* "1", "1-10", "1,3,5-7": the unit ids served. */
static int units_parse(struct modbus_sim *s, const char *list)
{
	const char *item = list;

	for (;;) {
		const char *comma = strchr(item, ',');
		size_t len = comma ? (size_t)(comma - item) : strlen(item);
		char buf[16], *dash, *end;
		long lo, hi;

		if (len == 0 || len >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, item, len);
		buf[len] = '\0';
		dash = strchr(buf, '-');
		errno = 0;
		lo = strtol(buf, &end, 10);
		if (errno || end == buf || end != (dash ? dash : buf + len))
			return -EINVAL;
		hi = lo;
		if (dash) {
			hi = strtol(dash + 1, &end, 10);
			if (errno || end == dash + 1 || *end != '\0')
				return -EINVAL;
		}
		if (lo < 0 || hi > 255 || lo > hi)
			return -EINVAL;
		for (long id = lo; id <= hi; id++) {
			if (unit_find(s, (int)id))
				continue;
			if (s->n_units == UNITS_MAX)
				return -E2BIG;
			s->units[s->n_units++] = (struct unit){ .id = (int)id };
		}
		if (!comma)
			return 0;
		item = comma + 1;
	}
}

/* One mapping per unit over the profile's span; values with an "absent" marker start absent. */
static int units_create(struct modbus_sim *s)
{
	uint16_t start[_MODBUS_FUNCTION_MAX];
	uint32_t count[_MODBUS_FUNCTION_MAX];

	for (int f = 0; f < _MODBUS_FUNCTION_MAX; f++)
		modbus_scenario_span(&s->profile, (enum modbus_function)f, &start[f], &count[f]);
	for (size_t i = 0; i < s->n_units; i++) {
		struct unit *u = &s->units[i];

		u->map = modbus_mapping_new_start_address(
			start[MODBUS_FUNCTION_COIL], count[MODBUS_FUNCTION_COIL],
			start[MODBUS_FUNCTION_DISCRETE], count[MODBUS_FUNCTION_DISCRETE],
			start[MODBUS_FUNCTION_HOLDING], count[MODBUS_FUNCTION_HOLDING],
			start[MODBUS_FUNCTION_INPUT], count[MODBUS_FUNCTION_INPUT]);
		if (!u->map)
			return log_oom();
		for (size_t k = 0; k < s->profile.n_values; k++) {
			const struct modbus_value *v = &s->profile.values[k];
			uint16_t bit_word = 0, *words = value_words(u, v, &bit_word);

			if (modbus_value_encode_absent(v, words) == 0)
				store_bit(u, v, *words);
		}
	}
	return 0;
}

static int serial_open(struct modbus_sim *s)
{
	static const char parity[] = { 'N', 'E', 'O' };
	int r;

	s->ctx = modbus_new_rtu(s->serial.address, (int)s->serial.baud, parity[s->serial.parity],
				(int)s->serial.data_bits, (int)s->serial.stop_bits);
	if (!s->ctx || modbus_connect(s->ctx) < 0)
		return log_error_errno(-errno, "bedlink-sim: cannot open '%s': %m",
				       s->serial.address);
	r = sd_event_add_io(s->event, &s->rtu_source, modbus_get_socket(s->ctx), EPOLLIN, on_rtu,
			    s);
	if (r < 0)
		return log_error_errno(r, "bedlink-sim: cannot watch '%s': %m", s->serial.address);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: bedlink-sim modbus (--listen HOST:PORT | --rtu TTY) --profile FILE\n"
		"                          [--scenario FILE] [--unit LIST] [--baud N] [--parity P]\n"
		"                          [--data-bits N] [--stop-bits N] [--no-stdin] [--verbose]\n"
		"                          [--log-level LEVEL]\n\n"
		"A Modbus device simulator serving a device profile's registers.\n\n"
		"  --listen HOST:PORT  Modbus TCP server on this address\n"
		"  --rtu TTY           Modbus RTU on this serial device (a pty from socat in tests)\n"
		"  --profile FILE      the device profile (config/modbus/*.conf)\n"
		"  --scenario FILE     events to play: [SECONDS] UNIT|* KIND ARGS...\n"
		"  --unit LIST         unit ids served: 1, 1-10, 1,3,5 (default 1)\n"
		"  --baud N            RTU speed (default 9600)\n"
		"  --parity P          none, even or odd (default none)\n"
		"  --data-bits N       7 or 8 (default 8)\n"
		"  --stop-bits N       1 or 2 (default 1)\n"
		"  --no-stdin          ignore standard input; run until SIGTERM/SIGINT\n"
		"  --verbose           print every request\n"
		"  --log-level LEVEL   err, warning, notice, info (default) or debug\n"
		"\nSee docs/simulator.md.\n");
}

enum {
	OPT_BAUD = 0x100,
	OPT_PARITY,
	OPT_DATA_BITS,
	OPT_STOP_BITS,
	OPT_NO_STDIN,
	OPT_LOG_LEVEL,
	OPT_VERSION,
};

static int number_arg(const char *name, const char *value, long min, long max, long long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < min || v > max) {
		fprintf(stderr, "bedlink-sim: %s '%s' is not %ld..%ld\n", name, value, min, max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

/* Returns 0 to run, 1 after --help or --version, -EINVAL for a usage error (printed). */
static int parse_args(struct modbus_sim *s, int argc, char **argv, const char **scenario)
{
	static const struct option options[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "rtu", required_argument, NULL, 'r' },
		{ "profile", required_argument, NULL, 'p' },
		{ "scenario", required_argument, NULL, 's' },
		{ "unit", required_argument, NULL, 'u' },
		{ "baud", required_argument, NULL, OPT_BAUD },
		{ "parity", required_argument, NULL, OPT_PARITY },
		{ "data-bits", required_argument, NULL, OPT_DATA_BITS },
		{ "stop-bits", required_argument, NULL, OPT_STOP_BITS },
		{ "no-stdin", no_argument, NULL, OPT_NO_STDIN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{}
	};
	const char *listen = NULL, *rtu = NULL, *units = "1", *key;
	char why[200];
	int c, r;

	modbus_bus_config_defaults(&s->serial);
	optind = 0;
	while ((c = getopt_long(argc, argv, "hv", options, NULL)) >= 0) {
		r = 0;
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'r':
			rtu = optarg;
			break;
		case 'p':
			s->profile_path = optarg;
			break;
		case 's':
			*scenario = optarg;
			break;
		case 'u':
			units = optarg;
			break;
		case OPT_BAUD:
			r = number_arg("--baud", optarg, 1200, 921600, &s->serial.baud);
			break;
		case OPT_PARITY:
			r = modbus_parity_from_string(optarg);
			if (r < 0)
				fprintf(stderr,
					"bedlink-sim: --parity '%s' is not none, even or "
					"odd\n",
					optarg);
			else
				s->serial.parity = (enum modbus_parity)r;
			break;
		case OPT_DATA_BITS:
			r = number_arg("--data-bits", optarg, 7, 8, &s->serial.data_bits);
			break;
		case OPT_STOP_BITS:
			r = number_arg("--stop-bits", optarg, 1, 2, &s->serial.stop_bits);
			break;
		case OPT_NO_STDIN:
			s->use_stdin = false;
			break;
		case 'v':
			s->verbose = true;
			break;
		case OPT_LOG_LEVEL:
			r = log_level_from_string(optarg);
			if (r < 0)
				fprintf(stderr,
					"bedlink-sim: --log-level '%s' is not err, warning, "
					"notice, info or debug\n",
					optarg);
			else
				log_set_max_level((enum log_level)r);
			break;
		case 'h':
			usage(stdout);
			return 1;
		case OPT_VERSION:
			printf("bedlink-sim %s\n", BEDLINK_VERSION);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (r < 0)
			return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "bedlink-sim: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!listen == !rtu) {
		fprintf(stderr, "bedlink-sim: give exactly one of --listen HOST:PORT and --rtu "
				"TTY\n");
		return -EINVAL;
	}
	if (!s->profile_path) {
		fprintf(stderr, "bedlink-sim: --profile FILE is required\n");
		return -EINVAL;
	}
	if (units_parse(s, units) < 0) {
		fprintf(stderr,
			"bedlink-sim: --unit '%s' is not a list of unit ids 0..255 such "
			"as 1, 1-10 or 1,3,5 (at most %d)\n",
			units, UNITS_MAX);
		return -EINVAL;
	}
	s->rtu = rtu != NULL;
	if (rtu) {
		snprintf(s->serial.name, sizeof(s->serial.name), "sim");
		s->serial.transport = MODBUS_TRANSPORT_RTU;
		snprintf(s->serial.address, sizeof(s->serial.address), "%s", rtu);
		if (modbus_bus_config_validate(&s->serial, &key, why, sizeof(why)) < 0) {
			fprintf(stderr, "bedlink-sim: --rtu: %s\n", why);
			return -EINVAL;
		}
	} else if (modbus_tcp_address_parse(listen, s->listen_host, sizeof(s->listen_host),
					    &s->listen_port) < 0 ||
		   !strchr(listen, ':')) {
		fprintf(stderr, "bedlink-sim: --listen '%s' is not HOST:PORT\n", listen);
		return -EINVAL;
	}
	return 0;
}

static void sim_free(struct modbus_sim *s)
{
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		if (s->clients[i])
			client_close(s->clients[i]);
	listen_close(s);
	sd_event_source_disable_unref(s->rtu_source);
	sd_event_source_disable_unref(s->stdin_source);
	sd_event_source_disable_unref(s->timer);
	if (s->ctx) {
		if (s->rtu)
			modbus_close(s->ctx);
		else
			modbus_set_socket(s->ctx, -1);
		modbus_free(s->ctx);
	}
	for (size_t i = 0; i < s->n_units; i++)
		modbus_mapping_free(s->units[i].map);
	free(s->events);
	sd_event_unref(s->event);
	free(s);
}

static int sim_run(struct modbus_sim *s, const char *scenario)
{
	struct config_error err;
	sigset_t mask;
	int r;

	r = modbus_profile_load(s->profile_path, &s->profile, &err);
	if (r < 0) {
		log_error("bedlink-sim: %s", err.message);
		return 2;
	}
	if (scenario && scenario_load(s, scenario) < 0)
		return 2;
	if (units_create(s) < 0)
		return 1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	r = sd_event_default(&s->event);
	if (r >= 0)
		r = sd_event_add_signal(s->event, NULL, SIGTERM, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(s->event, NULL, SIGINT, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_time(s->event, &s->timer, CLOCK_MONOTONIC, 0, 1000, on_timer, s);
	if (r >= 0 && s->use_stdin)
		r = sd_event_add_io(s->event, &s->stdin_source, STDIN_FILENO, EPOLLIN, on_stdin, s);
	if (r == -EPERM && s->use_stdin) {
		/* A regular file or /dev/null cannot be watched: it is at its end at once. */
		s->stdin_done = true;
		r = 0;
	}
	if (r < 0) {
		log_error_errno(r, "bedlink-sim: cannot set up the event loop: %m");
		return 1;
	}
	if (!s->use_stdin)
		s->stdin_done = true;
	sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
	if (s->rtu) {
		if (serial_open(s) < 0)
			return 1;
		print("ready rtu %s", s->serial.address);
	} else {
		s->ctx = modbus_new_tcp("127.0.0.1", 502);
		if (!s->ctx) {
			log_oom();
			return 1;
		}
		if (listen_open(s) < 0)
			return 1;
		print("ready tcp %s:%u", s->listen_host, s->listen_port);
	}
	s->start_ms = now_ms();
	rearm(s);
	r = sd_event_loop(s->event);
	return r < 0 ? 1 : r;
}

int modbus_main(int argc, char **argv)
{
	struct modbus_sim *s = calloc(1, sizeof(*s));
	const char *scenario = NULL;
	int r;

	if (!s) {
		log_oom();
		return 1;
	}
	s->listen_fd = -EBADF;
	s->use_stdin = true;
	r = parse_args(s, argc, argv, &scenario);
	if (r != 0) {
		sim_free(s);
		return r > 0 ? 0 : 2;
	}
	r = sim_run(s, scenario);
	sim_free(s);
	return r;
}
