// SPDX-License-Identifier: MIT
/*
 * Alert latency through bedlink-cloud: a doctor logged in on the live event
 * stream (GET /api/events), a gateway bound to one of the doctor's patients
 * publishing P1 call alerts, and time from each publish to its "alert" event
 * on the stream: p50, p99, max. Meanwhile LOAD publishers send readings at
 * RATE records/s in all (0: none), so that alerts meet a busy ingest.
 * bench-alert-latency.sh sets the daemon up, measures capacity and runs this.
 * Prints figures, asserts nothing.
 * Usage: bench-alert-latency --port P --http-port H --user U --password-file F
 *        --gateway GW [--alerts N] [--interval-ms I] [--rate R] [--load L]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#define LOAD_MAX   16
#define ALERTS_MAX 100000
#define MARKER     "bench alert "

struct options {
	int port, http_port;
	const char *user, *password_file, *gateway;
	long alerts, interval_ms, load;
	double rate;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int http_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t k = send(fd, buf, len, MSG_NOSIGNAL);

		if (k <= 0)
			return -1;
		buf += k;
		len -= (size_t)k;
	}
	return 0;
}

/* POST /api/login over HTTP/1.0; the session cookie's value into @cookie. */
static int login(const struct options *o, const char *password, char *cookie, size_t size)
{
	char body[512], req[1024], resp[8192];
	const char *c, *end;
	size_t n = 0;
	ssize_t k;
	int fd, len;

	len = snprintf(body, sizeof(body), "{\"user\":\"%s\",\"password\":\"%s\"}", o->user,
		       password);
	snprintf(req, sizeof(req),
		 "POST /api/login HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
		 "Content-Length: %d\r\n\r\n%s",
		 len, body);
	fd = http_connect(o->http_port);
	if (fd < 0 || send_all(fd, req, strlen(req)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (n < sizeof(resp) - 1 && (k = recv(fd, resp + n, sizeof(resp) - 1 - n, 0)) > 0)
		n += (size_t)k;
	close(fd);
	resp[n] = '\0';
	c = strstr(resp, "bedlink_session=");
	if (strncmp(resp, "HTTP/1.1 200", 12) != 0 && strncmp(resp, "HTTP/1.0 200", 12) != 0)
		return -1;
	if (!c)
		return -1;
	c += strlen("bedlink_session=");
	end = strpbrk(c, ";\r\n");
	if (!end || (size_t)(end - c) >= size)
		return -1;
	memcpy(cookie, c, (size_t)(end - c));
	cookie[end - c] = '\0';
	return 0;
}

/* GET /api/events over HTTP/1.0 (no chunking): the socket once the headers are read. */
static int open_stream(const struct options *o, const char *cookie)
{
	char req[512], head[4096];
	size_t n = 0;
	int fd = http_connect(o->http_port);

	if (fd < 0)
		return -1;
	snprintf(req, sizeof(req),
		 "GET /api/events HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
		 "Cookie: bedlink_session=%s\r\n\r\n",
		 cookie);
	if (send_all(fd, req, strlen(req)) < 0)
		goto fail;
	/* Byte by byte up to the blank line, so that no event is read with the headers. */
	while (n < sizeof(head) - 1) {
		if (recv(fd, head + n, 1, 0) != 1)
			goto fail;
		n++;
		head[n] = '\0';
		if (n >= 4 && strcmp(head + n - 4, "\r\n\r\n") == 0)
			break;
	}
	if (strncmp(head, "HTTP/1.1 200", 12) != 0 && strncmp(head, "HTTP/1.0 200", 12) != 0) {
		fprintf(stderr, "bench-alert-latency: the event stream answered: %.40s\n", head);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

struct client {
	struct mosquitto *mosq;
	char gw[40];
	char topic[96];
	uint64_t seq;
	double *echo; /* the echo client: when the broker handed each alert to it */
	long n_echo;
};

/* The echo client's subscription to the alerts: the broker's share of the latency. */
static void on_echo(struct mosquitto *m, void *userdata, const struct mosquitto_message *msg)
{
	struct client *c = userdata;
	const char *p = msg->payloadlen > 0 ? memmem(msg->payload, (size_t)msg->payloadlen, MARKER,
						     strlen(MARKER))
					    : NULL;
	long i;

	(void)m;
	if (!p)
		return;
	i = strtol(p + strlen(MARKER), NULL, 10);
	if (i >= 0 && i < c->n_echo && c->echo[i] == 0)
		c->echo[i] = now_s();
}

static int client_start(struct client *c, const char *gw, int port, uint64_t first_seq)
{
	snprintf(c->gw, sizeof(c->gw), "%s", gw);
	snprintf(c->topic, sizeof(c->topic), "bedlink/v1/%s/up/record", gw);
	c->seq = first_seq;
	c->mosq = mosquitto_new(NULL, true, c);
	if (!c->mosq)
		return -1;
	mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_int_option(c->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	if (mosquitto_connect(c->mosq, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS)
		return -1;
	if (c->echo) {
		/* Driven by run()'s poll, not a thread of its own: no wake-up delay in the way. */
		mosquitto_message_callback_set(c->mosq, on_echo);
		if (mosquitto_subscribe(c->mosq, NULL, c->topic, 0) != MOSQ_ERR_SUCCESS)
			return -1;
		for (int i = 0; i < 20; i++)
			mosquitto_loop(c->mosq, 10, 1);
		return 0;
	}
	return mosquitto_loop_start(c->mosq) == MOSQ_ERR_SUCCESS ? 0 : -1;
}

static void client_stop(struct client *c)
{
	if (!c->mosq)
		return;
	mosquitto_disconnect(c->mosq);
	if (!c->echo)
		mosquitto_loop_stop(c->mosq, false);
	mosquitto_destroy(c->mosq);
	c->mosq = NULL;
}

static void publish_reading(struct client *c)
{
	char payload[512];
	uint64_t seq = c->seq++;
	int len = snprintf(payload, sizeof(payload),
			   "{\"v\":1,\"kind\":\"reading\",\"seq\":%llu,\"ts\":%lld,"
			   "\"device\":\"bpm-1\",\"measurement\":\"blood_pressure\","
			   "\"values\":[{\"quantity\":\"systolic\",\"value\":%d,"
			   "\"unit\":\"mmHg\",\"raw\":%d,\"raw_unit\":\"mmHg\"},"
			   "{\"quantity\":\"diastolic\",\"value\":80,\"unit\":"
			   "\"mmHg\",\"raw\":80,\"raw_unit\":\"mmHg\"}]}",
			   (unsigned long long)seq, (long long)wall_ms(), 100 + (int)(seq % 80),
			   100 + (int)(seq % 80));

	mosquitto_publish(c->mosq, NULL, c->topic, len, payload, 1, false);
}

static void publish_alert(struct client *c, long k)
{
	char payload[512];
	uint64_t seq = c->seq++;
	int len =
		snprintf(payload, sizeof(payload),
			 "{\"v\":1,\"kind\":\"alert\",\"seq\":%llu,\"ts\":%lld,\"alert_id\":%llu,"
			 "\"rule\":\"CALL\",\"severity\":\"P1\",\"state\":\"raised\","
			 "\"confirmation\":\"not_required\",\"readings\":[],"
			 "\"message\":\"" MARKER "%ld\"}",
			 (unsigned long long)seq, (long long)wall_ms(), (unsigned long long)seq, k);

	mosquitto_publish(c->mosq, NULL, c->topic, len, payload, 1, false);
}

/* Reads what the stream has; notes the arrival of each marked alert. */
static int read_stream(int fd, char *buf, size_t *used, size_t size, const double *sent,
		       double *got, long n_alerts, long *n_got)
{
	ssize_t k = recv(fd, buf + *used, size - 1 - *used, MSG_DONTWAIT);
	double t = now_s();
	char *p, *nl;

	if (k == 0)
		return -1;
	if (k < 0)
		return errno == EAGAIN ? 0 : -1;
	*used += (size_t)k;
	buf[*used] = '\0';
	p = buf;
	while ((nl = strchr(p, '\n'))) {
		char *m;

		*nl = '\0';
		m = strncmp(p, "data: ", 6) == 0 ? strstr(p, MARKER) : NULL;
		if (m) {
			long i = strtol(m + strlen(MARKER), NULL, 10);

			if (i >= 0 && i < n_alerts && sent[i] > 0 && got[i] == 0) {
				got[i] = t;
				(*n_got)++;
			}
		}
		p = nl + 1;
	}
	*used -= (size_t)(p - buf);
	memmove(buf, p, *used);
	if (*used == size - 1) /* a line longer than the buffer: not ours */
		*used = 0;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts the latencies (ms) of what arrived; prints "p50 A ms, p99 B ms, max C ms". */
static long summary(const double *sent, const double *got, long n_alerts, double *lat, char *buf,
		    size_t size)
{
	long n = 0;

	for (long i = 0; i < n_alerts; i++)
		if (got[i] > 0 && sent[i] > 0)
			lat[n++] = (got[i] - sent[i]) * 1000;
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	if (n > 0)
		snprintf(buf, size, "p50 %.1f ms, p99 %.1f ms, max %.1f ms", lat[n / 2],
			 lat[(n * 99) / 100], lat[n - 1]);
	else
		snprintf(buf, size, "nothing arrived");
	return n;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option options[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "http-port", required_argument, NULL, 'h' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'f' },
		{ "gateway", required_argument, NULL, 'g' },
		{ "alerts", required_argument, NULL, 'n' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "rate", required_argument, NULL, 'r' },
		{ "load", required_argument, NULL, 'l' },
		{},
	};
	int c;

	*o = (struct options){ .alerts = 500, .interval_ms = 20, .load = 4 };
	while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		switch (c) {
		case 'p':
			o->port = (int)strtol(optarg, NULL, 10);
			break;
		case 'h':
			o->http_port = (int)strtol(optarg, NULL, 10);
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'f':
			o->password_file = optarg;
			break;
		case 'g':
			o->gateway = optarg;
			break;
		case 'n':
			o->alerts = strtol(optarg, NULL, 10);
			break;
		case 'i':
			o->interval_ms = strtol(optarg, NULL, 10);
			break;
		case 'r':
			o->rate = strtod(optarg, NULL);
			break;
		case 'l':
			o->load = strtol(optarg, NULL, 10);
			break;
		default:
			return -1;
		}
	}
	if (o->port <= 0 || o->port > 65535 || o->http_port <= 0 || o->http_port > 65535 ||
	    !o->user || !o->password_file || !o->gateway || o->alerts < 1 ||
	    o->alerts > ALERTS_MAX || o->interval_ms < 1 || o->rate < 0 || o->load < 1 ||
	    o->load > LOAD_MAX)
		return -1;
	return 0;
}

static int read_password(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int r = -1;

	if (!f)
		return -1;
	if (fgets(buf, (int)size, f)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		r = 0;
	}
	fclose(f);
	return r;
}

/* Publishes alerts and load, reads the stream and the echo; fills sent[] and got[]. */
static void run(const struct options *o, int fd, struct client *alerter, struct client *echo,
		struct client *load, double *sent, double *got, long *n_got)
{
	char buf[65536];
	size_t used = 0;
	double start = now_s(), first_alert = start + 1.0, deadline = 0, load_sent = 0;
	long next_alert = 0, next_load = 0;

	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = mosquitto_socket(echo->mosq), .events = POLLIN } };
		double t = now_s();

		if (o->rate > 0) {
			double due = o->rate * (t - start);

			for (; load_sent < due; load_sent += 1)
				publish_reading(&load[next_load++ % o->load]);
		}
		if (next_alert < o->alerts &&
		    t >= first_alert + (double)next_alert * (double)o->interval_ms / 1000) {
			sent[next_alert] = now_s();
			publish_alert(alerter, next_alert);
			next_alert++;
			if (next_alert == o->alerts)
				deadline = now_s() + 5;
		}
		if (deadline > 0 && (*n_got == o->alerts || t > deadline))
			return;
		if (poll(p, 2, 1) <= 0)
			continue;
		if (p[1].revents)
			mosquitto_loop(echo->mosq, 0, 1);
		if (p[0].revents &&
		    read_stream(fd, buf, &used, sizeof(buf), sent, got, o->alerts, n_got) < 0) {
			fprintf(stderr, "bench-alert-latency: the event stream ended\n");
			return;
		}
	}
}

int main(int argc, char **argv)
{
	struct client alerter = { 0 }, echo_client = { 0 }, load[LOAD_MAX] = { 0 };
	char password[256], cookie[256], line[128], line2[128];
	double *sent, *got, *lat, *echo;
	struct options o;
	long n_got = 0, n;
	uint64_t base = (uint64_t)wall_ms(); /* fresh seqs on every run */
	int fd, status = 1;

	if (parse_options(argc, argv, &o) < 0) {
		fprintf(stderr,
			"Usage: bench-alert-latency --port P --http-port H --user U --password-file F "
			"--gateway GW [--alerts N] [--interval-ms I] [--rate R] [--load L]\n");
		return 2;
	}
	if (read_password(o.password_file, password, sizeof(password)) < 0 ||
	    login(&o, password, cookie, sizeof(cookie)) < 0) {
		fprintf(stderr, "bench-alert-latency: cannot log in as '%s'\n", o.user);
		return 1;
	}
	fd = open_stream(&o, cookie);
	sent = calloc((size_t)o.alerts, sizeof(double));
	got = calloc((size_t)o.alerts, sizeof(double));
	lat = calloc((size_t)o.alerts, sizeof(double));
	echo = calloc((size_t)o.alerts, sizeof(double));
	if (fd < 0 || !sent || !got || !lat || !echo) {
		fprintf(stderr, "bench-alert-latency: cannot open the event stream\n");
		goto out;
	}
	mosquitto_lib_init();
	echo_client.echo = echo;
	echo_client.n_echo = o.alerts;
	if (client_start(&alerter, o.gateway, o.port, base) < 0 ||
	    client_start(&echo_client, o.gateway, o.port, 0) < 0)
		goto out_mqtt;
	for (long i = 0; o.rate > 0 && i < o.load; i++) {
		char gw[32];

		snprintf(gw, sizeof(gw), "load-%ld", i);
		if (client_start(&load[i], gw, o.port, base) < 0)
			goto out_mqtt;
	}
	run(&o, fd, &alerter, &echo_client, load, sent, got, &n_got);
	if (getenv("BENCH_VERBOSE"))
		for (long i = 0; i < o.alerts; i++)
			if (got[i] > 0 && (got[i] - sent[i]) * 1000 > 15)
				fprintf(stderr, "slow alert %ld: %.1f ms (broker %.1f ms)\n", i,
					(got[i] - sent[i]) * 1000,
					echo[i] > 0 ? (echo[i] - sent[i]) * 1000 : -1);
	summary(sent, echo, o.alerts, lat, line, sizeof(line));
	n = summary(sent, got, o.alerts, lat, line2, sizeof(line2));
	printf("alert latency, %ld P1 calls every %ld ms, load %.0f records/s: publish -> event "
	       "stream %s; publish -> broker -> a plain subscriber %s\n",
	       o.alerts, o.interval_ms, o.rate, line2, line);
	if (n < o.alerts)
		printf("alert latency: %ld of %ld alerts never reached the stream\n", o.alerts - n,
		       o.alerts);
	status = n == o.alerts ? 0 : 1;
out_mqtt:
	client_stop(&alerter);
	client_stop(&echo_client);
	for (long i = 0; i < o.load; i++)
		client_stop(&load[i]);
	mosquitto_lib_cleanup();
out:
	if (fd >= 0)
		close(fd);
	free(sent);
	free(got);
	free(lat);
	free(echo);
	return status;
}
