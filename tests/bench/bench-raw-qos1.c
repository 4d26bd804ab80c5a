// SPDX-License-Identifier: MIT
/*
 * The yardstick for the gateway's drain: how many QoS 1 messages of a given
 * size the broker moves from a libmosquitto publisher (MQTT 5, TCP_NODELAY, a
 * window of W unacknowledged publishes, as the gateway) to a QoS 1 subscriber
 * in another process. Also, with --listen, a passive counter of the records a
 * gateway publishes, for bench-drain.sh. Prints figures, asserts nothing.
 * Usage: bench-raw-qos1 --port P [--count N] [--size B] [--window W] [--runs R]
 *        bench-raw-qos1 --listen --port P   (prints its figures on SIGTERM)
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#define RUNS_MAX 15
#define SEQ_MAX  (1u << 24) /* seqs the listener can tell apart */

struct options {
	const char *host;
	int port;
	long count;
	long size;
	long window;
	long runs;
	bool listen;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static bool parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*ret = v;
	return true;
}

/* A connected v5 client (CONNACK not awaited: the first loop call gets it). */
static struct mosquitto *client_new(const struct options *o, const char *role, bool nodelay,
				    void *userdata)
{
	char id[64];
	struct mosquitto *mosq;

	snprintf(id, sizeof(id), "bench-%s-%ld", role, (long)getpid());
	mosq = mosquitto_new(id, true, userdata);
	if (!mosq)
		return NULL;
	mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	if (nodelay)
		mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
	if (mosquitto_connect(mosq, o->host, o->port, 60) != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "bench-raw-qos1: %s cannot connect to %s:%d\n", role, o->host,
			o->port);
		mosquitto_destroy(mosq);
		return NULL;
	}
	return mosq;
}

/* The userdata of every subscribing client starts with this flag. */
static void on_subscribe(struct mosquitto *mosq, void *userdata, int mid, int qos_count,
			 const int *granted)
{
	bool *subscribed = userdata;

	(void)mosq;
	(void)mid;
	*subscribed = qos_count == 1 && granted[0] == 1;
}

/* Subscribes at QoS 1 and runs the loop until the SUBACK granted it (5 s at most). */
static bool subscribe_wait(struct mosquitto *mosq, const char *topic, const bool *subscribed)
{
	mosquitto_subscribe_callback_set(mosq, on_subscribe);
	if (mosquitto_subscribe(mosq, NULL, topic, 1) != MOSQ_ERR_SUCCESS)
		return false;
	for (int i = 0; i < 500 && !*subscribed; i++)
		mosquitto_loop(mosq, 10, 1);
	if (!*subscribed)
		fprintf(stderr, "bench-raw-qos1: the broker did not grant '%s' at QoS 1\n", topic);
	return *subscribed;
}

/* ---- the baseline: one run = N messages through the broker ---- */

struct receiver {
	bool subscribed;
	long count, received;
	double done_at;
};

static void on_raw_message(struct mosquitto *mosq, void *userdata,
			   const struct mosquitto_message *m)
{
	struct receiver *r = userdata;

	(void)mosq;
	(void)m;
	if (++r->received == r->count)
		r->done_at = now_s();
}

/*
 * The subscriber, in a child process so that it has a core of its own as the
 * gateway's acknowledger has. Says "ready" on @out, then the monotonic time of
 * the last of @count messages.
 */
static int run_subscriber(const struct options *o, const char *topic, int out)
{
	struct receiver r = { .count = o->count };
	struct mosquitto *mosq;
	double t;

	mosquitto_lib_init();
	mosq = client_new(o, "sub", false, &r);
	if (!mosq)
		return EXIT_FAILURE;
	mosquitto_message_callback_set(mosq, on_raw_message);
	if (!subscribe_wait(mosq, topic, &r.subscribed))
		return EXIT_FAILURE;
	if (write(out, "r", 1) != 1)
		return EXIT_FAILURE;
	while (r.received < r.count && !stop)
		if (mosquitto_loop(mosq, 100, 1) != MOSQ_ERR_SUCCESS)
			return EXIT_FAILURE;
	t = r.done_at;
	if (write(out, &t, sizeof(t)) != (ssize_t)sizeof(t))
		return EXIT_FAILURE;
	mosquitto_disconnect(mosq);
	mosquitto_destroy(mosq);
	mosquitto_lib_cleanup();
	return EXIT_SUCCESS;
}

struct sender {
	struct mosquitto *mosq;
	const char *topic;
	const char *payload;
	long count, size, window;
	long sent, acked;
	double acked_at;
	bool connected;
};

static void on_connected(struct mosquitto *mosq, void *userdata, int rc)
{
	struct sender *s = userdata;

	(void)mosq;
	s->connected = rc == 0;
}

/* Tops the window up: at most @window publishes wait for their PUBACK. */
static void top_up(struct sender *s)
{
	while (s->sent < s->count && s->sent - s->acked < s->window) {
		if (mosquitto_publish_v5(s->mosq, NULL, s->topic, (int)s->size, s->payload, 1,
					 false, NULL) != MOSQ_ERR_SUCCESS)
			return;
		s->sent++;
	}
}

static void on_puback(struct mosquitto *mosq, void *userdata, int mid)
{
	struct sender *s = userdata;

	(void)mosq;
	(void)mid;
	if (++s->acked == s->count)
		s->acked_at = now_s();
	top_up(s);
}

/* One run: returns 0 and the publish->receive and publish->PUBACK rates. */
static int run_once(const struct options *o, const char *payload, double *recv_rate,
		    double *ack_rate)
{
	struct sender s = {
		.payload = payload, .count = o->count, .size = o->size, .window = o->window
	};
	char topic[64], ready;
	int fds[2], status;
	double start, done = 0;
	pid_t child;

	snprintf(topic, sizeof(topic), "bench/raw/%ld", (long)getpid());
	if (pipe(fds) < 0)
		return -errno;
	child = fork();
	if (child < 0)
		return -errno;
	if (child == 0) {
		close(fds[0]);
		_exit(run_subscriber(o, topic, fds[1]));
	}
	close(fds[1]);
	if (read(fds[0], &ready, 1) != 1) {
		close(fds[0]);
		waitpid(child, &status, 0);
		return -EIO;
	}

	s.topic = topic;
	s.mosq = client_new(o, "pub", true, &s);
	if (!s.mosq) {
		kill(child, SIGTERM);
		waitpid(child, &status, 0);
		return -EIO;
	}
	mosquitto_max_inflight_messages_set(s.mosq, (unsigned)o->window);
	mosquitto_publish_callback_set(s.mosq, on_puback);
	mosquitto_connect_callback_set(s.mosq, on_connected);
	for (int i = 0; i < 500 && !s.connected; i++)
		mosquitto_loop(s.mosq, 10, 1);
	start = now_s();
	top_up(&s);
	while (s.acked < s.count && !stop)
		if (mosquitto_loop(s.mosq, 100, 1) != MOSQ_ERR_SUCCESS)
			break;
	if (read(fds[0], &done, sizeof(done)) != (ssize_t)sizeof(done))
		done = 0;
	close(fds[0]);
	waitpid(child, &status, 0);
	mosquitto_disconnect(s.mosq);
	mosquitto_destroy(s.mosq);
	if (s.acked < s.count || done <= start)
		return -EIO;
	*recv_rate = (double)o->count / (done - start);
	*ack_rate = (double)o->count / (s.acked_at - start);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int run_baseline(const struct options *o)
{
	double recv[RUNS_MAX], ack[RUNS_MAX];
	char *payload = malloc((size_t)o->size);

	if (!payload)
		return EXIT_FAILURE;
	/* JSON-looking bytes of the record's size; the broker does not look inside. */
	memset(payload, 'x', (size_t)o->size);
	payload[0] = '{';
	payload[o->size - 1] = '}';
	for (long i = 0; i < o->runs; i++)
		if (run_once(o, payload, &recv[i], &ack[i]) < 0) {
			fprintf(stderr, "bench-raw-qos1: run %ld failed\n", i + 1);
			free(payload);
			return EXIT_FAILURE;
		}
	free(payload);
	qsort(recv, (size_t)o->runs, sizeof(double), cmp_double);
	qsort(ack, (size_t)o->runs, sizeof(double), cmp_double);
	printf("raw-qos1 window=%ld size=%ld count=%ld runs=%ld recv_per_s=%.0f puback_per_s=%.0f"
	       " recv_min=%.0f recv_max=%.0f\n",
	       o->window, o->size, o->count, o->runs, recv[o->runs / 2], ack[o->runs / 2], recv[0],
	       recv[o->runs - 1]);
	return EXIT_SUCCESS;
}

/* ---- --listen: counts what a gateway publishes ---- */

struct listener {
	bool subscribed;
	uint8_t *seen; /* one bit a seq */
	long messages, distinct, unreadable;
	double first, last; /* CLOCK_REALTIME, as `date +%s.%N` in the script */
};

static bool payload_seq(const struct mosquitto_message *m, uint64_t *seq)
{
	static const char key[] = "\"seq\":";
	const char *p = memmem(m->payload, (size_t)m->payloadlen, key, sizeof(key) - 1);
	char buf[24];
	size_t n;

	if (!p)
		return false;
	p += sizeof(key) - 1;
	n = (size_t)((const char *)m->payload + m->payloadlen - p);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	*seq = strtoull(buf, NULL, 10);
	return *seq > 0;
}

static void on_record(struct mosquitto *mosq, void *userdata, const struct mosquitto_message *m)
{
	struct listener *l = userdata;
	double t = clock_s(CLOCK_REALTIME);
	uint64_t seq;

	(void)mosq;
	l->messages++;
	if (!payload_seq(m, &seq) || seq >= SEQ_MAX) {
		l->unreadable++;
		return;
	}
	if (l->seen[seq / 8] & (1u << (seq % 8)))
		return;
	l->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
	l->distinct++;
	if (l->distinct == 1)
		l->first = t;
	l->last = t;
}

static int run_listener(const struct options *o)
{
	struct listener l = { 0 };
	struct mosquitto *mosq;

	l.seen = calloc(SEQ_MAX / 8, 1);
	if (!l.seen)
		return EXIT_FAILURE;
	mosquitto_lib_init();
	mosq = client_new(o, "listen", false, &l);
	if (!mosq)
		return EXIT_FAILURE;
	mosquitto_message_callback_set(mosq, on_record);
	if (!subscribe_wait(mosq, "bedlink/v1/+/up/record", &l.subscribed))
		return EXIT_FAILURE;
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		if (mosquitto_loop(mosq, 100, 1) != MOSQ_ERR_SUCCESS && !stop) {
			fprintf(stderr, "bench-raw-qos1: lost the broker\n");
			break;
		}
	printf("listened messages=%ld distinct=%ld duplicates=%ld unreadable=%ld first=%.6f "
	       "last=%.6f\n",
	       l.messages, l.distinct, l.messages - l.distinct - l.unreadable, l.unreadable,
	       l.first, l.last);
	mosquitto_destroy(mosq);
	mosquitto_lib_cleanup();
	free(l.seen);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	static const char usage[] =
		"Usage: bench-raw-qos1 --port P [--host H] [--count N] [--size BYTES]\n"
		"                      [--window W] [--runs R]\n"
		"       bench-raw-qos1 --listen --port P [--host H]\n"
		"Publishes N QoS 1 messages through the broker to a subscriber and prints\n"
		"msg/s (median of R runs); or, with --listen, counts the records gateways\n"
		"publish and prints the figures on SIGTERM.\n";
	static const struct option longopts[] = { { "host", required_argument, NULL, 'H' },
						  { "port", required_argument, NULL, 'p' },
						  { "count", required_argument, NULL, 'n' },
						  { "size", required_argument, NULL, 's' },
						  { "window", required_argument, NULL, 'w' },
						  { "runs", required_argument, NULL, 'r' },
						  { "listen", no_argument, NULL, 'l' },
						  { "help", no_argument, NULL, 'h' },
						  {} };
	struct options o = {
		.host = "127.0.0.1", .count = 20000, .size = 300, .window = 100, .runs = 3
	};
	long port = 0;
	bool ok = true;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
		switch (c) {
		case 'H':
			o.host = optarg;
			break;
		case 'p':
			ok = ok && parse_long(optarg, 1, 65535, &port);
			break;
		case 'n':
			ok = ok && parse_long(optarg, 1, 100000000, &o.count);
			break;
		case 's':
			ok = ok && parse_long(optarg, 2, 256 * 1024, &o.size);
			break;
		case 'w':
			ok = ok && parse_long(optarg, 1, 65535, &o.window);
			break;
		case 'r':
			ok = ok && parse_long(optarg, 1, RUNS_MAX, &o.runs);
			break;
		case 'l':
			o.listen = true;
			break;
		case 'h':
			printf("%s", usage);
			return EXIT_SUCCESS;
		default:
			fprintf(stderr, "%s", usage);
			return 2;
		}
	}
	if (!ok || port == 0 || optind != argc) {
		fprintf(stderr, "%s", usage);
		return 2;
	}
	o.port = (int)port;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (o.listen)
		return run_listener(&o);
	mosquitto_lib_init();
	c = run_baseline(&o);
	mosquitto_lib_cleanup();
	return c;
}
