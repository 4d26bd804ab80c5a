// SPDX-License-Identifier: MIT
/*
 * The JSON API on a seeded store, for test-api.sh: opens and migrates the
 * store, seeds one institution with two teams (a doctor each, a nurse, an
 * admin), two patients with gateways, readings, alerts and a task, starts
 * api_new() on a free loopback port and prints the ids as shell variables.
 * Then it reads commands on standard input until EOF or SIGTERM:
 *   publish EVENT TEAM INSTITUTION JSON   api_publish()
 *   hook                                  "hook COUNT LAST_ID" of alert_acknowledged
 *   audit                                 "audit ok N" / "audit bad SEQ", then
 *                                         "action NAME COUNT" per audit action
 * Usage: api-server STORE_URL [SESSION_TTL_S [noseed]]: noseed serves the store as it is.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "api-request.h"
#include "api.h"
#include "auth.h"
#include "log.h"
#include "store.h"

static atomic_long hook_count;
static atomic_long hook_last;

static void on_acknowledged(void *userdata _unused_, int64_t alert_id)
{
	atomic_fetch_add(&hook_count, 1);
	atomic_store(&hook_last, alert_id);
}

static int on_metrics(void *userdata _unused_, char **text)
{
	*text = strdup("# TYPE bedlink_test_extra gauge\nbedlink_test_extra 1\n");
	return *text ? 0 : -ENOMEM;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define CHECK(expr)                                                                \
	do {                                                                       \
		int _r = (expr);                                                   \
		if (_r < 0) {                                                      \
			fprintf(stderr, "api-server: %s failed: %d\n", #expr, _r); \
			abort();                                                   \
		}                                                                  \
	} while (0)

static void user_add(struct store *s, struct store_user *u, const char *login, const char *password,
		     int64_t now)
{
	snprintf(u->login, sizeof(u->login), "%s", login);
	snprintf(u->name, sizeof(u->name), "%s", login);
	CHECK(auth_password_hash(password, u->password_hash));
	CHECK(store_user_create(s, u, now));
}

static void ingest(struct store *s, const char *gw, struct record *rec, int64_t received)
{
	struct store_ingest_result *res = calloc(1, sizeof(*res));
	struct record_error err;
	char *json = NULL;
	struct store_incoming in;

	if (!res)
		abort();
	CHECK(record_to_json(rec, &json, &err));
	in = (struct store_incoming){ .gateway_id = gw,
				      .received = received,
				      .record = rec,
				      .payload = json,
				      .payload_len = strlen(json) };
	CHECK(store_ingest(s, &in, 1, res));
	free(json);
	free(res);
}

static void reading_add(struct store *s, const char *gw, uint64_t seq, int64_t ts)
{
	struct record rec = { .kind = RECORD_READING, .seq = seq, .ts = ts };

	snprintf(rec.reading.device, sizeof(rec.reading.device), "bpm-1");
	rec.reading.measurement = MEASUREMENT_BLOOD_PRESSURE;
	CHECK(reading_add_value(&rec.reading, QUANTITY_SYSTOLIC, 150, 150, "mmHg"));
	CHECK(reading_add_value(&rec.reading, QUANTITY_DIASTOLIC, 95, 95, "mmHg"));
	ingest(s, gw, &rec, ts + 1000);
}

static void alert_add(struct store *s, const char *gw, uint64_t seq, int64_t ts, uint64_t id,
		      enum severity sev)
{
	struct record rec = { .kind = RECORD_ALERT, .seq = seq, .ts = ts };

	rec.alert.alert_id = id;
	snprintf(rec.alert.rule, sizeof(rec.alert.rule), "BP1");
	rec.alert.severity = sev;
	rec.alert.state = ALERT_RAISED;
	rec.alert.confirmation = CONFIRMATION_CONFIRMED;
	snprintf(rec.alert.message, sizeof(rec.alert.message), "blood pressure high");
	ingest(s, gw, &rec, ts + 1000);
}

static int64_t alert_of(struct store *s, int64_t patient)
{
	struct store_alert_filter f = { .patient_id = patient };
	struct store_alert al;

	CHECK(store_alerts_list(s, &f, 0, &al, 1));
	return al.id;
}

static void seed(struct store *s)
{
	int64_t now = now_ms(), t0 = now - 86400000;
	struct store_institution inst = { 0 };
	struct store_team a = { 0 }, b = { 0 };
	struct store_user alice = { .role = STORE_ROLE_DOCTOR },
			  bob = { .role = STORE_ROLE_DOCTOR };
	struct store_user nina = { .role = STORE_ROLE_NURSE }, carol = { .role = STORE_ROLE_ADMIN };
	struct store_patient pa = { .birth = civil_date_to_days(1948, 3, 1),
				    .sex = STORE_SEX_FEMALE,
				    .htn = true,
				    .htn_since = civil_date_to_days(2020, 5, 1),
				    .t2dm_since = STORE_NO_DATE };
	struct store_patient pb = pa;
	struct store_gateway gw = { .credential_hash = "$argon2id$v=19$unused" };
	struct followup_task task = { .kind = FOLLOWUP_KIND_ROUTINE,
				      .programme = FOLLOWUP_PROGRAMME_HTN,
				      .rule = FOLLOWUP_RULE_F1 };
	int32_t today = civil_date_local_day(now / 1000, 28800);

	snprintf(inst.name, sizeof(inst.name), "Test clinic");
	CHECK(store_institution_create(s, &inst, t0));
	a.institution_id = b.institution_id = inst.id;
	snprintf(a.name, sizeof(a.name), "Team A");
	snprintf(b.name, sizeof(b.name), "Team B");
	CHECK(store_team_create(s, &a, t0));
	CHECK(store_team_create(s, &b, t0));
	alice.institution_id = bob.institution_id = nina.institution_id = carol.institution_id =
		inst.id;
	alice.team_id = nina.team_id = a.id;
	bob.team_id = b.id;
	user_add(s, &alice, "alice", "alice-password", t0);
	user_add(s, &bob, "bob", "bob-password", t0);
	user_add(s, &nina, "nina", "nina-password", t0);
	user_add(s, &carol, "carol", "carol-password", t0);
	pa.institution_id = pb.institution_id = inst.id;
	pa.team_id = a.id;
	pb.team_id = b.id;
	snprintf(pa.name, sizeof(pa.name), "Patient A");
	snprintf(pa.id_number, sizeof(pa.id_number), "340602194803010022");
	snprintf(pa.pseudonym, sizeof(pa.pseudonym), "p-aaaa");
	snprintf(pb.name, sizeof(pb.name), "Patient B");
	snprintf(pb.id_number, sizeof(pb.id_number), "340602194002020011");
	snprintf(pb.pseudonym, sizeof(pb.pseudonym), "p-bbbb");
	CHECK(store_patient_create(s, &pa, t0));
	CHECK(store_patient_create(s, &pb, t0));
	snprintf(gw.id, sizeof(gw.id), "gw-a");
	gw.patient_id = pa.id;
	CHECK(store_gateway_create(s, &gw, t0));
	snprintf(gw.id, sizeof(gw.id), "gw-b");
	gw.patient_id = pb.id;
	CHECK(store_gateway_create(s, &gw, t0));
	for (int i = 0; i < 3; i++)
		reading_add(s, "gw-a", 1 + i, t0 + i * 3600000LL);
	reading_add(s, "gw-b", 1, t0);
	alert_add(s, "gw-a", 10, t0 + 100, 1, SEVERITY_P1);
	alert_add(s, "gw-b", 10, t0 + 100, 1, SEVERITY_P1);
	snprintf(task.key, sizeof(task.key), "routine:htn:test");
	snprintf(task.reason, sizeof(task.reason), "quarterly follow-up");
	task.earliest = today - 30;
	task.due = today - 10;
	task.overdue_after = today - 5;
	CHECK(store_task_upsert(s, pa.id, &task, t0));

	printf("institution=%lld\nteam_a=%lld\nteam_b=%lld\n", (long long)inst.id, (long long)a.id,
	       (long long)b.id);
	printf("patient_a=%lld\npatient_b=%lld\n", (long long)pa.id, (long long)pb.id);
	printf("alert_a=%lld\nalert_b=%lld\n", (long long)alert_of(s, pa.id),
	       (long long)alert_of(s, pb.id));
	printf("nurse=%lld\n", (long long)nina.id);
}

static void audit_report(struct store *s)
{
	struct store_audit_entry *page = calloc(100, sizeof(*page));
	struct {
		char action[STORE_AUDIT_ACTION_MAX + 1];
		long n;
	} counts[64] = { 0 };
	size_t n_counts = 0;
	int64_t bad = 0, after = 0, total = 0;
	int r, n;

	if (!page)
		abort();
	r = store_audit_verify(s, &bad);
	for (;;) {
		n = store_audit_list(s, "", 0, after, page, 100);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			size_t k;

			for (k = 0; k < n_counts; k++)
				if (strcmp(counts[k].action, page[i].action) == 0)
					break;
			if (k == n_counts && n_counts < ELEMENTSOF(counts)) {
				snprintf(counts[k].action, sizeof(counts[k].action), "%s",
					 page[i].action);
				counts[k].n = 0;
				n_counts++;
			}
			if (k < n_counts)
				counts[k].n++;
		}
		total += n;
		after = page[n - 1].seq;
	}
	if (r < 0)
		printf("audit bad %lld\n", (long long)bad);
	else
		printf("audit ok %lld\n", (long long)total);
	for (size_t k = 0; k < n_counts; k++)
		printf("action %s %ld\n", counts[k].action, counts[k].n);
	printf("end\n");
	free(page);
}

static void command(struct api *api, struct store *s, char *line)
{
	char event[64];
	long long team, inst;
	int off = 0;

	line[strcspn(line, "\n")] = '\0';
	if (sscanf(line, "publish %63s %lld %lld %n", event, &team, &inst, &off) == 3 && off > 0) {
		api_publish(api, event, line + off, team, inst);
		printf("published\n");
	} else if (strcmp(line, "hook") == 0) {
		printf("hook %ld %ld\n", atomic_load(&hook_count), atomic_load(&hook_last));
	} else if (strcmp(line, "audit") == 0) {
		audit_report(s);
	} else {
		printf("unknown command\n");
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct api_config c = { .listen = "127.0.0.1:0", .max_body = 0 };
	struct api_hooks hooks = { .alert_acknowledged = on_acknowledged, .metrics = on_metrics };
	_cleanup_(store_freep) struct store *s = NULL;
	_cleanup_(api_freep) struct api *api = NULL;
	char line[8192];
	sigset_t mask;
	int sfd;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: api-server STORE_URL [SESSION_TTL_S [noseed]]\n");
		return 2;
	}
	snprintf(c.store_url, sizeof(c.store_url), "%s", argv[1]);
	c.session_ttl_s = argc > 2 ? strtoll(argv[2], NULL, 10) : 3600;
	/* Blocked before any thread starts, so that only the signalfd sees them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	sigdelset(&mask, SIGPIPE);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0 || auth_init() < 0)
		return 1;
	setvbuf(stdin, NULL, _IONBF, 0);
	CHECK(store_open(argv[1], &s));
	CHECK(store_migrate(s));
	if (argc < 4 || strcmp(argv[3], "noseed") != 0)
		seed(s);
	CHECK(api_new(&c, &hooks, NULL, &api));
	printf("port=%d\nready=1\n", api_get_port(api));
	fflush(stdout);
	for (;;) {
		struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (p[0].revents) {
			if (!fgets(line, sizeof(line), stdin))
				break;
			command(api, s, line);
		}
	}
	close(sfd);
	return 0;
}
