// SPDX-License-Identifier: MIT
/*
 * bedlink-ack: the reference acknowledger, standing in for the cloud's ingest
 * until the cloud exists. It does what docs/protocol.md says the cloud does:
 * subscribes to bedlink/v1/+/up/record at QoS 1, validates each record with
 * the common codec, commits a batch to SQLite with (gateway, seq) unique (a
 * redelivery stores nothing new), and only then publishes down/ack with the
 * committed seq ranges to each gateway. An invalid record is kept in a
 * quarantine table and acknowledged, so it cannot block its gateway.
 * Usage: bedlink-ack --db PATH [--host H] [--port P] [--batch-ms N]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <mosquitto.h>
#include <sqlite3.h>

#include "ack.h"
#include "macro.h"
#include "record.h"

#define BATCH_MAX    1000
#define GATEWAYS_MAX 64

struct pending {
	char gateway[RECORD_NAME_MAX + 1];
	uint64_t seq; /* 0 when the record was unreadable and only quarantined */
};

struct acker {
	sqlite3 *db;
	sqlite3_stmt *insert, *quarantine;
	struct mosquitto *mosq;
	struct pending batch[BATCH_MAX];
	size_t n_batch;
	uint64_t stored, duplicates, invalid;
	bool subscribed;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "bedlink/v1/<gw>/up/record" -> <gw>; false for anything else. */
static bool topic_gateway(const char *topic, char *gw, size_t size)
{
	const char *p = topic + strlen("bedlink/v1/"), *slash;

	if (strncmp(topic, "bedlink/v1/", 11) != 0)
		return false;
	slash = strchr(p, '/');
	if (!slash || strcmp(slash, "/up/record") != 0 || (size_t)(slash - p) >= size || slash == p)
		return false;
	memcpy(gw, p, (size_t)(slash - p));
	gw[slash - p] = '\0';
	return true;
}

/*
 * The seq of a record that failed validation, when its JSON still carries a
 * usable one, so that it can be acknowledged; 0 when there is none.
 */
static uint64_t salvage_seq(const void *payload, int len)
{
	char *copy = malloc((size_t)len + 1);
	const cJSON *seq;
	uint64_t ret = 0;
	cJSON *root;

	if (!copy)
		return 0;
	memcpy(copy, payload, (size_t)len);
	copy[len] = '\0';
	root = cJSON_Parse(copy);
	seq = cJSON_GetObjectItemCaseSensitive(root, "seq");
	if (cJSON_IsNumber(seq) && seq->valuedouble >= 1 &&
	    seq->valuedouble <= (double)RECORD_INT_MAX &&
	    seq->valuedouble == (double)(uint64_t)seq->valuedouble)
		ret = (uint64_t)seq->valuedouble;
	cJSON_Delete(root);
	free(copy);
	return ret;
}

static void on_message(struct mosquitto *mosq, void *userdata, const struct mosquitto_message *m)
{
	struct acker *a = userdata;
	struct record_error err = { "", "" };
	struct record r;
	struct pending *p;

	(void)mosq;
	if (a->n_batch == BATCH_MAX)
		return; /* not acknowledged: the gateway sends it again */
	p = &a->batch[a->n_batch];
	if (!topic_gateway(m->topic, p->gateway, sizeof(p->gateway)))
		return;
	if (record_from_json(m->payload, (size_t)m->payloadlen, &r, &err) < 0 ||
	    r.kind == RECORD_STATUS) {
		a->invalid++;
		fprintf(stderr, "bedlink-ack: invalid record from '%s': %s\n", p->gateway,
			err.message[0] ? err.message : "status on up/record");
		sqlite3_reset(a->quarantine);
		sqlite3_bind_text(a->quarantine, 1, p->gateway, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(a->quarantine, 2, m->payload, m->payloadlen, SQLITE_TRANSIENT);
		sqlite3_bind_text(a->quarantine, 3, err.message, -1, SQLITE_TRANSIENT);
		sqlite3_step(a->quarantine);
		/* A record we cannot read still carries a seq we can acknowledge, if any. */
		p->seq = salvage_seq(m->payload, m->payloadlen);
		a->n_batch++;
		return;
	}
	sqlite3_reset(a->insert);
	sqlite3_bind_text(a->insert, 1, p->gateway, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(a->insert, 2, (sqlite3_int64)r.seq);
	sqlite3_bind_text(a->insert, 3, record_kind_to_string(r.kind), -1, SQLITE_STATIC);
	sqlite3_bind_int64(a->insert, 4, r.ts);
	sqlite3_bind_blob(a->insert, 5, m->payload, m->payloadlen, SQLITE_TRANSIENT);
	if (sqlite3_step(a->insert) != SQLITE_DONE) {
		fprintf(stderr, "bedlink-ack: cannot store: %s\n", sqlite3_errmsg(a->db));
		return;
	}
	if (sqlite3_changes(a->db) == 0)
		a->duplicates++;
	else
		a->stored++;
	p->seq = r.seq;
	a->n_batch++;
}

static void on_connect(struct mosquitto *mosq, void *userdata, int rc)
{
	(void)userdata;
	if (rc == 0)
		mosquitto_subscribe(mosq, NULL, "bedlink/v1/+/up/record", 1);
}

static void on_subscribe(struct mosquitto *mosq, void *userdata, int mid, int qos_count,
			 const int *granted)
{
	struct acker *a = userdata;

	(void)mosq;
	(void)mid;
	a->subscribed = qos_count == 1 && granted[0] <= 2;
}

/* Commits the batch, then acknowledges it gateway by gateway. */
static int flush(struct acker *a)
{
	char *errmsg = NULL;

	if (a->n_batch == 0)
		return 0;
	if (sqlite3_exec(a->db, "COMMIT; BEGIN", NULL, NULL, &errmsg) != SQLITE_OK) {
		fprintf(stderr, "bedlink-ack: commit failed: %s\n", errmsg);
		sqlite3_free(errmsg);
		return -EIO;
	}
	for (size_t i = 0; i < a->n_batch; i++) {
		uint64_t seqs[BATCH_MAX];
		struct ack_range ranges[ACK_RANGES_MAX];
		char topic[128];
		size_t n = 0, k;
		char *json = NULL;

		if (a->batch[i].gateway[0] == '\0')
			continue;
		for (size_t j = i; j < a->n_batch; j++)
			if (strcmp(a->batch[j].gateway, a->batch[i].gateway) == 0 && j != i) {
				if (a->batch[j].seq)
					seqs[n++] = a->batch[j].seq;
				a->batch[j].gateway[0] = '\0';
			}
		if (a->batch[i].seq)
			seqs[n++] = a->batch[i].seq;
		k = ack_ranges_from_seqs(seqs, n, ranges, ACK_RANGES_MAX);
		if (k > 0 && ack_to_json(ranges, k, &json) == 0) {
			snprintf(topic, sizeof(topic), "bedlink/v1/%s/down/ack",
				 a->batch[i].gateway);
			mosquitto_publish(a->mosq, NULL, topic, (int)strlen(json), json, 1, false);
			free(json);
		}
		a->batch[i].gateway[0] = '\0';
	}
	a->n_batch = 0;
	return 0;
}

static int open_db(struct acker *a, const char *path)
{
	static const char schema[] =
		"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		"CREATE TABLE IF NOT EXISTS records(gateway TEXT NOT NULL, seq INTEGER NOT NULL,"
		" kind TEXT NOT NULL, ts INTEGER NOT NULL, json TEXT NOT NULL,"
		" PRIMARY KEY(gateway, seq));"
		"CREATE TABLE IF NOT EXISTS quarantine(id INTEGER PRIMARY KEY, gateway TEXT,"
		" payload BLOB, reason TEXT);"
		"BEGIN";

	if (sqlite3_open(path, &a->db) != SQLITE_OK ||
	    sqlite3_exec(a->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
		    a->db,
		    "INSERT INTO records(gateway, seq, kind, ts, json) VALUES (?,?,?,?,?)"
		    " ON CONFLICT(gateway, seq) DO NOTHING",
		    -1, &a->insert, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(a->db,
			       "INSERT INTO quarantine(gateway, payload, reason) VALUES (?,?,?)",
			       -1, &a->quarantine, NULL) != SQLITE_OK) {
		fprintf(stderr, "bedlink-ack: cannot open '%s': %s\n", path,
			a->db ? sqlite3_errmsg(a->db) : "out of memory");
		return -EIO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = { { "db", required_argument, NULL, 'd' },
						 { "host", required_argument, NULL, 'H' },
						 { "port", required_argument, NULL, 'p' },
						 { "batch-ms", required_argument, NULL, 'b' },
						 { "help", no_argument, NULL, 'h' },
						 {} };
	const char *db = NULL, *host = "127.0.0.1";
	int port = 1883, batch_ms = 20, c, rc;
	struct acker a = { 0 };
	int64_t batch_start = 0;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'H':
			host = optarg;
			break;
		case 'p':
			port = (int)strtol(optarg, NULL, 10);
			break;
		case 'b':
			batch_ms = (int)strtol(optarg, NULL, 10);
			break;
		case 'h':
			printf("Usage: bedlink-ack --db PATH [--host H] [--port P] [--batch-ms N]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!db || port <= 0 || port > 65535 || batch_ms < 0) {
		fprintf(stderr,
			"Usage: bedlink-ack --db PATH [--host H] [--port P] [--batch-ms N]\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (open_db(&a, db) < 0)
		return 1;
	mosquitto_lib_init();
	a.mosq = mosquitto_new("bedlink-ack", true, &a);
	if (!a.mosq)
		return 1;
	mosquitto_int_option(a.mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_message_callback_set(a.mosq, on_message);
	mosquitto_connect_callback_set(a.mosq, on_connect);
	mosquitto_subscribe_callback_set(a.mosq, on_subscribe);
	rc = mosquitto_connect(a.mosq, host, port, 30);
	if (rc != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "bedlink-ack: cannot connect to %s:%d: %s\n", host, port,
			mosquitto_strerror(rc));
		return 1;
	}
	/* Ready once subscribed: run the loop until the SUBACK has been processed. */
	for (int i = 0; i < 500 && !a.subscribed; i++)
		mosquitto_loop(a.mosq, 10, 1);
	if (!a.subscribed) {
		fprintf(stderr, "bedlink-ack: the broker did not confirm the subscription\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		rc = mosquitto_loop(a.mosq, 10, 1);
		if (rc != MOSQ_ERR_SUCCESS) {
			if (mosquitto_reconnect(a.mosq) != MOSQ_ERR_SUCCESS)
				nanosleep(&(struct timespec){ 0, 200 * 1000000 }, NULL);
			continue;
		}
		if (a.n_batch && !batch_start)
			batch_start = mono_ms();
		if (a.n_batch && (a.n_batch == BATCH_MAX || mono_ms() - batch_start >= batch_ms)) {
			flush(&a);
			batch_start = 0;
		}
	}
	flush(&a);
	sqlite3_exec(a.db, "COMMIT", NULL, NULL, NULL);
	fprintf(stderr, "bedlink-ack: stored %llu, duplicates %llu, invalid %llu\n",
		(unsigned long long)a.stored, (unsigned long long)a.duplicates,
		(unsigned long long)a.invalid);
	sqlite3_finalize(a.insert);
	sqlite3_finalize(a.quarantine);
	sqlite3_close(a.db);
	mosquitto_destroy(a.mosq);
	mosquitto_lib_cleanup();
	return 0;
}
