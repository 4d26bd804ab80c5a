// SPDX-License-Identifier: MIT
/*
 * Cloud ingest throughput: N publisher processes, each acting as gateway
 * "bench-K", publish COUNT records of about 200 bytes at QoS 1 and count
 * the seqs that come back in down/ack. Like the gateway, each keeps at most
 * W publishes without PUBACK and S records without down/ack (the gateway's
 * SENT_MAX; 0: no bound). The figure is records stored AND acknowledged per
 * second, from the first publish to the last ack of the slowest publisher.
 * bench-cloud.sh runs it against bedlink-cloud beside bench-raw-qos1; with
 * BENCH_VERBOSE set each publisher tells when it published, and when half
 * and all of its records were acknowledged.
 * Usage: bench-cloud-ingest --port P [--publishers N] [--count C] [--window W]
 *        [--sent-max S] [--run R]
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "ack.h"

struct publisher {
	char gw[32];
	long count, window, sent_max, run;
	long published, pubacked;
	uint8_t *acked; /* by seq - first */
	long n_acked;
	uint64_t first;
	double t0, t_published, t_pubacked, t_half, t_acked;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_publish(struct mosquitto *m, void *userdata, int mid)
{
	(void)m;
	(void)mid;
	((struct publisher *)userdata)->pubacked++;
}

static void on_message(struct mosquitto *m, void *userdata, const struct mosquitto_message *msg)
{
	struct publisher *p = userdata;
	struct ack_range ranges[ACK_RANGES_MAX];
	struct record_error err;
	int n;

	(void)m;
	n = ack_from_json(msg->payload, (size_t)msg->payloadlen, ranges, &err);
	for (int i = 0; i < n; i++)
		for (uint64_t s = ranges[i].from; s <= ranges[i].to; s++)
			if (s >= p->first && s < p->first + (uint64_t)p->count &&
			    !p->acked[s - p->first]) {
				p->acked[s - p->first] = 1;
				p->n_acked++;
				if (p->n_acked == p->count / 2)
					p->t_half = now_s() - p->t0;
				if (p->n_acked == p->count)
					p->t_acked = now_s() - p->t0;
			}
}

/* One publisher; returns 0 when every record was acknowledged within 120 s. */
static int publish_all(const char *host, int port, struct publisher *p)
{
	struct mosquitto *m = mosquitto_new(NULL, true, p);
	char topic[64], sub[64], payload[512];
	double deadline = now_s() + 120;
	int mid;

	if (!m)
		return 1;
	mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_publish_callback_set(m, on_publish);
	mosquitto_message_callback_set(m, on_message);
	if (mosquitto_connect(m, host, port, 30) != MOSQ_ERR_SUCCESS)
		return 1;
	snprintf(topic, sizeof(topic), "bedlink/v1/%s/up/record", p->gw);
	snprintf(sub, sizeof(sub), "bedlink/v1/%s/down/ack", p->gw);
	mosquitto_subscribe(m, NULL, sub, 1);
	for (int i = 0; i < 20; i++)
		mosquitto_loop(m, 10, 1);
	p->t0 = now_s();
	while (p->n_acked < p->count && now_s() < deadline) {
		while (p->published < p->count && p->published - p->pubacked < p->window &&
		       (p->sent_max == 0 || p->published - p->n_acked < p->sent_max)) {
			uint64_t seq = p->first + (uint64_t)p->published;
			int len =
				snprintf(payload, sizeof(payload),
					 "{\"v\":1,\"kind\":\"reading\",\"seq\":%llu,\"ts\":%lld,"
					 "\"device\":\"bpm-1\",\"measurement\":\"blood_pressure\","
					 "\"values\":[{\"quantity\":\"systolic\",\"value\":%d,"
					 "\"unit\":\"mmHg\",\"raw\":%d,\"raw_unit\":\"mmHg\"},"
					 "{\"quantity\":\"diastolic\",\"value\":80,\"unit\":"
					 "\"mmHg\",\"raw\":80,\"raw_unit\":\"mmHg\"}]}",
					 (unsigned long long)seq, 1767254405123LL + (long long)seq,
					 100 + (int)(seq % 80), 100 + (int)(seq % 80));

			mosquitto_publish(m, &mid, topic, len, payload, 1, false);
			p->published++;
			if (p->published == p->count)
				p->t_published = now_s() - p->t0;
		}
		if (p->pubacked == p->count && p->t_pubacked == 0)
			p->t_pubacked = now_s() - p->t0;
		mosquitto_loop(m, 5, 1);
	}
	if (getenv("BENCH_VERBOSE"))
		fprintf(stderr, "%s: published %.2f pubacked %.2f half-acked %.2f acked %.2f\n",
			p->gw, p->t_published, p->t_pubacked, p->t_half, p->t_acked);
	mosquitto_disconnect(m);
	mosquitto_destroy(m);
	return p->n_acked == p->count ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option options[] = { { "port", required_argument, NULL, 'p' },
						 { "publishers", required_argument, NULL, 'n' },
						 { "count", required_argument, NULL, 'c' },
						 { "window", required_argument, NULL, 'w' },
						 { "sent-max", required_argument, NULL, 's' },
						 { "run", required_argument, NULL, 'r' },
						 {} };
	long port = 0, publishers = 4, count = 20000, window = 100, sent_max = 1000, run = 1;
	double start, elapsed;
	int c, failed = 0;

	while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		long v = optarg ? strtol(optarg, NULL, 10) : 0;

		switch (c) {
		case 'p':
			port = v;
			break;
		case 'n':
			publishers = v;
			break;
		case 'c':
			count = v;
			break;
		case 'w':
			window = v;
			break;
		case 's':
			sent_max = v;
			break;
		case 'r':
			run = v;
			break;
		default:
			return 2;
		}
	}
	if (port <= 0 || port > 65535 || publishers < 1 || publishers > 64 || count < 1 ||
	    window < 1 || sent_max < 0 || run < 1) {
		fprintf(stderr, "Usage: bench-cloud-ingest --port P [--publishers N] [--count C] "
				"[--window W] [--sent-max S] [--run R]\n");
		return 2;
	}
	mosquitto_lib_init();
	start = now_s();
	for (long i = 0; i < publishers; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			struct publisher p = {
				.count = count, .window = window, .sent_max = sent_max, .run = run
			};

			snprintf(p.gw, sizeof(p.gw), "bench-%ld", i);
			/* A fresh seq range per run, so that nothing is a duplicate. */
			p.first = (uint64_t)(run - 1) * (uint64_t)count + 1;
			p.acked = calloc((size_t)count, 1);
			_exit(p.acked ? publish_all("127.0.0.1", (int)port, &p) : 1);
		}
	}
	for (long i = 0; i < publishers; i++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	elapsed = now_s() - start;
	printf("cloud ingest: %ld publishers x %ld records (~200 B, window %ld, sent-max %ld): "
	       "%.0f records/s stored and acknowledged (%.2f s)%s\n",
	       publishers, count, window, sent_max, (double)(publishers * count) / elapsed, elapsed,
	       failed ? " -- SOME NOT ACKNOWLEDGED" : "");
	mosquitto_lib_cleanup();
	return failed ? 1 : 0;
}
