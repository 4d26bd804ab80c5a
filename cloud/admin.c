// SPDX-License-Identifier: MIT
/*
 * The admin verbs. Options come from one table; each verb names the options
 * it takes and those it needs, so a typo or a missing value is a usage error
 * (exit 2) naming the option, before anything is written.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "admin.h"
#include "alerts.h"
#include "civil-date.h"
#include "cloud-config.h"
#include "followup.h"
#include "ingest.h"
#include "log.h"
#include "store.h"
#include "webhook.h"

enum opt {
	OPT_NAME,
	OPT_DUTY_LINE,
	OPT_INSTITUTION,
	OPT_TEAM,
	OPT_BACKUP_TEAM,
	OPT_ROLE,
	OPT_LOGIN,
	OPT_PASSWORD_STDIN,
	OPT_ID_NUMBER,
	OPT_BIRTH,
	OPT_SEX,
	OPT_HTN,
	OPT_T2DM,
	OPT_DISABILITY,
	OPT_PSEUDONYM,
	OPT_ID,
	OPT_PATIENT,
	OPT_PASSWD_FILE,
	OPT_BED,
	OPT_OPENED,
	OPT_PLANNED_END,
	OPT_REASON,
	OPT_DOCTOR,
	OPT_NURSE,
	OPT_CLOSED,
	OPT_OUTCOME,
	OPT_SUMMARY,
	OPT_STATE,
	OPT_JSON,
	OPT_USER,
	OPT_NOTE,
	OPT_AT,
	_OPT_MAX,
};

#define BIT(o) (1ULL << (o))

static const struct option options[] = {
	{ "name", required_argument, NULL, OPT_NAME },
	{ "duty-line", required_argument, NULL, OPT_DUTY_LINE },
	{ "institution", required_argument, NULL, OPT_INSTITUTION },
	{ "team", required_argument, NULL, OPT_TEAM },
	{ "backup-team", required_argument, NULL, OPT_BACKUP_TEAM },
	{ "role", required_argument, NULL, OPT_ROLE },
	{ "login", required_argument, NULL, OPT_LOGIN },
	{ "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
	{ "id-number", required_argument, NULL, OPT_ID_NUMBER },
	{ "birth", required_argument, NULL, OPT_BIRTH },
	{ "sex", required_argument, NULL, OPT_SEX },
	{ "htn", optional_argument, NULL, OPT_HTN },
	{ "t2dm", optional_argument, NULL, OPT_T2DM },
	{ "disability", required_argument, NULL, OPT_DISABILITY },
	{ "pseudonym", required_argument, NULL, OPT_PSEUDONYM },
	{ "id", required_argument, NULL, OPT_ID },
	{ "patient", required_argument, NULL, OPT_PATIENT },
	{ "passwd-file", required_argument, NULL, OPT_PASSWD_FILE },
	{ "bed", required_argument, NULL, OPT_BED },
	{ "opened", required_argument, NULL, OPT_OPENED },
	{ "planned-end", required_argument, NULL, OPT_PLANNED_END },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "doctor", required_argument, NULL, OPT_DOCTOR },
	{ "nurse", required_argument, NULL, OPT_NURSE },
	{ "closed", required_argument, NULL, OPT_CLOSED },
	{ "outcome", required_argument, NULL, OPT_OUTCOME },
	{ "summary", required_argument, NULL, OPT_SUMMARY },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "user", required_argument, NULL, OPT_USER },
	{ "note", required_argument, NULL, OPT_NOTE },
	{ "at", required_argument, NULL, OPT_AT },
	{},
};

struct admin {
	struct cloud_config config;
	struct store *store;
	const char *arg[_OPT_MAX]; /* NULL: not given; "" for flags given */
};

struct verb {
	const char *name;
	int (*run)(struct admin *a);
	unsigned long long allowed, required;
	const char *usage;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

_printf_(1, 2) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bedlink-cloud admin: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* A positive id option; -1 after a usage message when it is not one. */
static int64_t arg_id(struct admin *a, enum opt o)
{
	char *end;
	long long v;

	if (!a->arg[o])
		return 0;
	errno = 0;
	v = strtoll(a->arg[o], &end, 10);
	if (errno || *end || v <= 0) {
		fprintf(stderr, "bedlink-cloud admin: --%s: expected a positive number, got '%s'\n",
			options[o].name, a->arg[o]);
		return -1;
	}
	return v;
}

/* A date option (YYYY-MM-DD); STORE_NO_DATE when absent, -EINVAL after a message. */
static int arg_date(struct admin *a, enum opt o, int32_t *ret)
{
	*ret = STORE_NO_DATE;
	if (!a->arg[o] || !a->arg[o][0])
		return 0;
	if (civil_date_parse(a->arg[o], ret) < 0) {
		fprintf(stderr, "bedlink-cloud admin: --%s: expected YYYY-MM-DD, got '%s'\n",
			options[o].name, a->arg[o]);
		return -EINVAL;
	}
	return 0;
}

static const char *arg_or(struct admin *a, enum opt o, const char *fallback)
{
	return a->arg[o] ? a->arg[o] : fallback;
}

/* Copies @s into @buf; false (after a message) when it does not fit. */
static bool copy_arg(struct admin *a, enum opt o, char *buf, size_t size)
{
	const char *s = arg_or(a, o, "");

	if (strlen(s) >= size) {
		fprintf(stderr, "bedlink-cloud admin: --%s: at most %zu bytes\n", options[o].name,
			size - 1);
		return false;
	}
	memcpy(buf, s, strlen(s) + 1);
	return true;
}

/* Runs @change, then the audit entry, in one transaction; 1 on failure (logged by the store). */
static int audited(struct admin *a, int r, const char *action, const char *object,
		   const char *detail)
{
	if (r >= 0)
		r = store_audit_append(a->store, 0, action, object, detail, now_ms());
	if (r < 0) {
		store_rollback(a->store);
		return 1;
	}
	return store_commit(a->store) < 0 ? 1 : 0;
}

/* A random password of @len letters and digits (no look-alikes). */
static void generate_password(char *buf, size_t len)
{
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

	for (size_t i = 0; i < len; i++)
		buf[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	buf[len] = '\0';
}

static int hash_secret(const char *secret, char hash[STORE_SECRET_HASH_MAX + 1])
{
	char out[crypto_pwhash_STRBYTES];

	if (crypto_pwhash_str(out, secret, strlen(secret), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return log_error_errno(-ENOMEM, "admin: cannot hash the password: %m");
	snprintf(hash, STORE_SECRET_HASH_MAX + 1, "%s", out);
	sodium_memzero(out, sizeof(out));
	return 0;
}

int admin_mosquitto_passwd_line(const char *user, const char *password, char *buf, size_t size)
{
	unsigned char salt[12], hash[64];
	char salt64[sodium_base64_ENCODED_LEN(12, sodium_base64_VARIANT_ORIGINAL)];
	char hash64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
	int n;

	randombytes_buf(salt, sizeof(salt));
	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof(salt), 101,
			      EVP_sha512(), sizeof(hash), hash) != 1)
		return -EIO;
	sodium_bin2base64(salt64, sizeof(salt64), salt, sizeof(salt),
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(hash64, sizeof(hash64), hash, sizeof(hash),
			  sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(buf, size, "%s:$7$101$%s$%s", user, salt64, hash64);
	return n < 0 || (size_t)n >= size ? -EIO : 0;
}

/* ---- verbs ---- */

static int do_migrate(struct admin *a)
{
	int r, version = 0;

	r = store_migrate(a->store);
	if (r < 0)
		return 1;
	if (store_schema_version(a->store, &version) < 0)
		return 1;
	printf("applied %d migration%s; schema version %d\n", r, r == 1 ? "" : "s", version);
	return 0;
}

static int do_add_institution(struct admin *a)
{
	struct store_institution inst = { 0 };
	char object[32];

	if (!copy_arg(a, OPT_NAME, inst.name, sizeof(inst.name)) ||
	    !copy_arg(a, OPT_DUTY_LINE, inst.duty_line, sizeof(inst.duty_line)))
		return 2;
	if (store_begin(a->store) < 0)
		return 1;
	int r = store_institution_create(a->store, &inst, now_ms());
	snprintf(object, sizeof(object), "institution:%" PRId64, inst.id);
	if (audited(a, r, "institution.create", object, "") != 0)
		return 1;
	printf("institution %" PRId64 " created\n", inst.id);
	return 0;
}

static int do_add_team(struct admin *a)
{
	struct store_team team = { 0 };
	char object[32];

	team.institution_id = arg_id(a, OPT_INSTITUTION);
	team.backup_team_id = arg_id(a, OPT_BACKUP_TEAM);
	if (team.institution_id < 0 || team.backup_team_id < 0 ||
	    !copy_arg(a, OPT_NAME, team.name, sizeof(team.name)) ||
	    !copy_arg(a, OPT_DUTY_LINE, team.duty_line, sizeof(team.duty_line)))
		return 2;
	if (store_begin(a->store) < 0)
		return 1;
	int r = store_team_create(a->store, &team, now_ms());
	snprintf(object, sizeof(object), "team:%" PRId64, team.id);
	if (audited(a, r, "team.create", object, "") != 0)
		return 1;
	printf("team %" PRId64 " created\n", team.id);
	return 0;
}

static int read_password_stdin(char *buf, size_t size)
{
	if (!fgets(buf, (int)size, stdin))
		return -EINVAL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return strlen(buf) >= 8 ? 0 : -EINVAL;
}

static int do_add_user(struct admin *a)
{
	struct store_user u = { 0 };
	char password[256], object[32];
	bool generated = !a->arg[OPT_PASSWORD_STDIN];
	int role, r;

	u.institution_id = arg_id(a, OPT_INSTITUTION);
	u.team_id = arg_id(a, OPT_TEAM);
	role = store_role_from_string(a->arg[OPT_ROLE]);
	if (role < 0)
		return usage_error("--role: expected doctor, nurse or admin, got '%s'",
				   a->arg[OPT_ROLE]);
	u.role = (enum store_role)role;
	if (u.institution_id < 0 || u.team_id < 0 ||
	    !copy_arg(a, OPT_LOGIN, u.login, sizeof(u.login)) ||
	    !copy_arg(a, OPT_NAME, u.name, sizeof(u.name)))
		return 2;
	if (generated)
		generate_password(password, 16);
	else if (read_password_stdin(password, sizeof(password)) < 0)
		return usage_error("%s", "--password-stdin: expected one line of 8 or more bytes");
	r = hash_secret(password, u.password_hash);
	if (r < 0)
		return 1;
	if (store_begin(a->store) < 0)
		return 1;
	r = store_user_create(a->store, &u, now_ms());
	snprintf(object, sizeof(object), "user:%" PRId64, u.id);
	if (audited(a, r, "user.create", object, store_role_to_string(u.role)) != 0)
		return 1;
	printf("user %" PRId64 " created\n", u.id);
	if (generated)
		printf("password: %s\n", password);
	sodium_memzero(password, sizeof(password));
	return 0;
}

static int do_add_patient(struct admin *a)
{
	struct store_patient p = { 0 };
	char object[32], detail[128];
	int r;

	p.institution_id = arg_id(a, OPT_INSTITUTION);
	p.team_id = arg_id(a, OPT_TEAM);
	if (p.institution_id < 0 || p.team_id < 0 ||
	    !copy_arg(a, OPT_NAME, p.name, sizeof(p.name)) ||
	    !copy_arg(a, OPT_ID_NUMBER, p.id_number, sizeof(p.id_number)) ||
	    !copy_arg(a, OPT_PSEUDONYM, p.pseudonym, sizeof(p.pseudonym)))
		return 2;
	if (arg_date(a, OPT_BIRTH, &p.birth) < 0 || arg_date(a, OPT_HTN, &p.htn_since) < 0 ||
	    arg_date(a, OPT_T2DM, &p.t2dm_since) < 0)
		return 2;
	p.htn = a->arg[OPT_HTN] != NULL;
	p.t2dm = a->arg[OPT_T2DM] != NULL;
	r = store_sex_from_string(arg_or(a, OPT_SEX, "unknown"));
	if (r < 0)
		return usage_error("--sex: expected female, male or unknown, got '%s'",
				   a->arg[OPT_SEX]);
	p.sex = (enum store_sex)r;
	r = store_disability_from_string(arg_or(a, OPT_DISABILITY, "none"));
	if (r < 0)
		return usage_error("--disability: expected none, partial or full, got '%s'",
				   a->arg[OPT_DISABILITY]);
	p.disability = (enum store_disability)r;
	if (!p.pseudonym[0]) {
		unsigned char rnd[4];

		randombytes_buf(rnd, sizeof(rnd));
		snprintf(p.pseudonym, sizeof(p.pseudonym), "p-%02x%02x%02x%02x", rnd[0], rnd[1],
			 rnd[2], rnd[3]);
	}
	if (store_begin(a->store) < 0)
		return 1;
	r = store_patient_create(a->store, &p, now_ms());
	snprintf(object, sizeof(object), "patient:%" PRId64, p.id);
	snprintf(detail, sizeof(detail), "pseudonym %s team %" PRId64, p.pseudonym, p.team_id);
	if (audited(a, r, "patient.create", object, detail) != 0)
		return 1;
	printf("patient %" PRId64 " created, pseudonym %s\n", p.id, p.pseudonym);
	return 0;
}

static int append_line(const char *path, const char *line)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	size_t len = strlen(line);

	if (fd < 0)
		return log_error_errno(-errno, "admin: cannot open '%s': %m", path);
	if (write(fd, line, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
		return log_error_errno(-EIO, "admin: cannot append to '%s'", path);
	return 0;
}

static int do_add_gateway(struct admin *a)
{
	struct store_gateway gw = { 0 };
	char password[33], line[512], object[64], detail[64];
	int r;

	gw.patient_id = arg_id(a, OPT_PATIENT);
	if (gw.patient_id < 0 || !copy_arg(a, OPT_ID, gw.id, sizeof(gw.id)))
		return 2;
	if (!store_gateway_id_is_valid(gw.id))
		return usage_error("--id: '%s' is not 1..32 of A-Z a-z 0-9 - _", gw.id);
	generate_password(password, 24);
	if (hash_secret(password, gw.credential_hash) < 0 ||
	    admin_mosquitto_passwd_line(gw.id, password, line, sizeof(line)) < 0)
		return 1;
	if (store_begin(a->store) < 0)
		return 1;
	r = store_gateway_create(a->store, &gw, now_ms());
	snprintf(object, sizeof(object), "gateway:%s", gw.id);
	snprintf(detail, sizeof(detail), "patient %" PRId64, gw.patient_id);
	if (audited(a, r, "gateway.create", object, detail) != 0)
		return 1;
	if (a->arg[OPT_PASSWD_FILE] && append_line(a->arg[OPT_PASSWD_FILE], line) < 0)
		return 1;
	printf("gateway %s created\nmqtt password: %s\nmosquitto_passwd line: %s\n", gw.id,
	       password, line);
	sodium_memzero(password, sizeof(password));
	return 0;
}

static int do_open_episode(struct admin *a)
{
	struct store_episode e = { 0 };
	char object[32];
	int r;

	e.patient_id = arg_id(a, OPT_PATIENT);
	e.doctor_id = arg_id(a, OPT_DOCTOR);
	e.nurse_id = arg_id(a, OPT_NURSE);
	if (e.patient_id < 0 || e.doctor_id < 0 || e.nurse_id < 0 ||
	    !copy_arg(a, OPT_BED, e.bed_number, sizeof(e.bed_number)) ||
	    !copy_arg(a, OPT_REASON, e.reason, sizeof(e.reason)) ||
	    arg_date(a, OPT_OPENED, &e.opened) < 0 ||
	    arg_date(a, OPT_PLANNED_END, &e.planned_end) < 0)
		return 2;
	e.closed = STORE_NO_DATE;
	if (store_begin(a->store) < 0)
		return 1;
	r = store_episode_open(a->store, &e, now_ms());
	snprintf(object, sizeof(object), "episode:%" PRId64, e.id);
	if (audited(a, r, "episode.open", object, "") != 0)
		return 1;
	printf("episode %" PRId64 " opened\n", e.id);
	return 0;
}

static int do_close_episode(struct admin *a)
{
	char outcome[STORE_WORD_MAX + 1], summary[STORE_TEXT_MAX + 1], object[32];
	int64_t id = arg_id(a, OPT_ID);
	int32_t closed;
	int r;

	if (id < 0 || arg_date(a, OPT_CLOSED, &closed) < 0 ||
	    !copy_arg(a, OPT_OUTCOME, outcome, sizeof(outcome)) ||
	    !copy_arg(a, OPT_SUMMARY, summary, sizeof(summary)))
		return 2;
	if (!outcome[0])
		return usage_error("%s",
				   "close-episode: an episode is not closed without --outcome");
	if (store_begin(a->store) < 0)
		return 1;
	r = store_episode_close(a->store, id, closed, outcome, summary);
	snprintf(object, sizeof(object), "episode:%" PRId64, id);
	if (audited(a, r, "episode.close", object, outcome) != 0)
		return 1;
	printf("episode %" PRId64 " closed\n", id);
	return 0;
}

static struct alerts *admin_alerts(struct admin *a, const struct alert_sink *sink,
				   struct webhook *w)
{
	struct alerts_config c = {
		.p1_backup_ms = a->config.p1_backup_min * 60000,
		.p1_duty_ms = a->config.p1_duty_min * 60000,
	};
	struct alerts *al = NULL;

	(void)alerts_new(a->store, &c, sink, w, &al);
	return al;
}

static int do_list_alerts(struct admin *a)
{
	struct store_alert_filter f = { 0 };
	struct store_alert list[100];
	_cleanup_(alerts_freep) struct alerts *al = NULL;
	struct alert_sink sink = { 0 };
	int64_t before = 0;
	int n;

	if (a->arg[OPT_STATE]) {
		int st = store_alert_state_from_string(a->arg[OPT_STATE]);

		if (st < 0)
			return usage_error("--state: unknown state '%s'", a->arg[OPT_STATE]);
		f.by_state = true;
		f.state = (enum store_alert_state)st;
	}
	al = admin_alerts(a, &sink, NULL);
	if (!al)
		return 1;
	if (!a->arg[OPT_JSON])
		printf("%-6s %-4s %-8s %-13s %-20s %-6s %s\n", "ID", "SEV", "RULE", "STATE",
		       "GATEWAY", "ESC", "MESSAGE");
	do {
		n = store_alerts_list(a->store, &f, before, list, ELEMENTSOF(list));
		if (n < 0)
			return 1;
		for (int i = 0; i < n; i++) {
			_cleanup_free_ char *json = NULL;

			if (a->arg[OPT_JSON]) {
				if (alerts_to_json(al, &list[i], NULL, &json) < 0)
					return 1;
				printf("%s\n", json);
			} else {
				printf("%-6" PRId64 " %-4s %-8s %-13s %-20s %-6u %s\n", list[i].id,
				       severity_to_string(list[i].severity), list[i].rule,
				       store_alert_state_to_string(list[i].state),
				       list[i].gateway_id, list[i].escalation_level,
				       list[i].message);
			}
			before = list[i].id;
		}
	} while (n == (int)ELEMENTSOF(list));
	return 0;
}

struct admin_notice {
	const struct cloud_config *config;
};

static int notice_once(void *userdata, const char *gateway_id, const char *json)
{
	struct admin_notice *n = userdata;

	return ingest_publish_once(n->config, gateway_id, "down/notice", json);
}

static int do_ack_alert(struct admin *a)
{
	struct admin_notice notice = { &a->config };
	struct alert_sink sink = { .notice = notice_once, .userdata = &notice };
	_cleanup_(alerts_freep) struct alerts *al = NULL;
	_cleanup_(webhook_freep) struct webhook *w = NULL;
	struct store_user u;
	int64_t id = arg_id(a, OPT_ID);
	char *end;
	long long uid;
	int r;

	if (id < 0)
		return 2;
	uid = strtoll(a->arg[OPT_USER], &end, 10);
	r = *end || uid <= 0 ? store_user_get_by_login(a->store, a->arg[OPT_USER], &u)
			     : store_user_get(a->store, uid, &u);
	if (r < 0) {
		fprintf(stderr, "bedlink-cloud admin: no user '%s'\n", a->arg[OPT_USER]);
		return 1;
	}
	if (a->config.webhook_url[0] && webhook_new(a->config.webhook_url, a->config.webhook_format,
						    (unsigned)a->config.webhook_retries,
						    (unsigned)a->config.webhook_timeout_s, &w) < 0)
		return 1;
	al = admin_alerts(a, &sink, w);
	if (!al)
		return 1;
	r = alerts_acknowledge(al, id, u.id, arg_or(a, OPT_NOTE, ""), now_ms());
	if (r == -EALREADY) {
		fprintf(stderr,
			"bedlink-cloud admin: alert %" PRId64
			" is already acknowledged or resolved\n",
			id);
		return 1;
	}
	if (r == -ENOENT) {
		fprintf(stderr, "bedlink-cloud admin: no alert %" PRId64 "\n", id);
		return 1;
	}
	if (r < 0)
		return 1;
	printf("alert %" PRId64 " acknowledged%s\n", id, r > 0 ? "; the gateway was notified" : "");
	return 0;
}

/* "2026-11-22T10:05:00Z" -> Unix ms; -EINVAL for anything else. */
static int parse_utc(const char *s, int64_t *ret)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);

	if (!end || *end)
		return -EINVAL;
	*ret = (int64_t)timegm(&tm) * 1000;
	return 0;
}

static int do_escalate_due(struct admin *a)
{
	struct alert_sink sink = { 0 };
	_cleanup_(alerts_freep) struct alerts *al = NULL;
	_cleanup_(webhook_freep) struct webhook *w = NULL;
	int64_t at = now_ms();
	int r;

	if (a->arg[OPT_AT] && parse_utc(a->arg[OPT_AT], &at) < 0)
		return usage_error("--at: expected YYYY-MM-DDTHH:MM:SSZ, got '%s'", a->arg[OPT_AT]);
	if (a->config.webhook_url[0] && webhook_new(a->config.webhook_url, a->config.webhook_format,
						    (unsigned)a->config.webhook_retries,
						    (unsigned)a->config.webhook_timeout_s, &w) < 0)
		return 1;
	al = admin_alerts(a, &sink, w);
	if (!al)
		return 1;
	r = alerts_escalate_due(al, at);
	if (r < 0)
		return 1;
	printf("escalated %d alert%s\n", r, r == 1 ? "" : "s");
	return 0;
}

/*
 * struct followup_config.publish for the admin tool, which has no loop: a
 * notice goes out through a connection of its own. A down/config must be
 * retained, which that connection does not do: it is refused, so it stays
 * unrecorded and the daemon's next replan sends it.
 */
static int replan_publish(void *userdata, const char *gateway_id, const char *subtopic,
			  const char *json, bool retained)
{
	struct admin *a = userdata;

	if (retained)
		return -EOPNOTSUPP;
	return ingest_publish_once(&a->config, gateway_id, subtopic, json);
}

/* --at: "YYYY-MM-DD" (sweep_hour:00 that local day) or "YYYY-MM-DDTHH:MM:SSZ". */
static int replan_time(struct admin *a, int32_t offset_s, int64_t *ret)
{
	int32_t day;

	*ret = now_ms();
	if (!a->arg[OPT_AT])
		return 0;
	if (civil_date_parse(a->arg[OPT_AT], &day) == 0) {
		*ret = (civil_date_local_midnight(day, offset_s) +
			a->config.followup_sweep_hour * 3600) *
		       1000;
		return 0;
	}
	return parse_utc(a->arg[OPT_AT], ret);
}

static int do_replan(struct admin *a)
{
	_cleanup_(planner_config_freep) struct planner_config *pc = NULL;
	struct followup_config c = {
		.utc_offset_s = (int32_t)(a->config.utc_offset_min * 60),
		.notice_from_min = (int)a->config.followup_sweep_hour * 60,
		.notice_until_min = (int)a->config.followup_notice_until_hour * 60,
		.publish = replan_publish,
		.userdata = a,
	};
	struct config_error err;
	int64_t patient = arg_id(a, OPT_PATIENT), at;
	int r;

	if (patient < 0)
		return 2;
	if (replan_time(a, c.utc_offset_s, &at) < 0)
		return usage_error("--at: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got '%s'",
				   a->arg[OPT_AT]);
	if (planner_config_new(&pc) < 0)
		return 1;
	if (a->config.followup_config[0] &&
	    planner_config_load(pc, a->config.followup_config, &err) < 0) {
		fprintf(stderr, "bedlink-cloud admin: %s\n", err.message);
		return 1;
	}
	c.planner = pc;
	if (patient) {
		struct followup_result res;

		r = followup_replan(a->store, &c, patient, at, &res);
		if (r == -ENOENT) {
			fprintf(stderr, "bedlink-cloud admin: no patient %" PRId64 "\n", patient);
			return 1;
		}
		if (r < 0)
			return 1;
		printf("patient %" PRId64 ": %u new, %u updated, %u fulfilled, %u withdrawn; %u "
		       "notice%s sent\n",
		       patient, res.created, res.updated, res.fulfilled, res.withdrawn, res.notices,
		       res.notices == 1 ? "" : "s");
	} else {
		struct followup_sweep_result res;

		r = followup_sweep(a->store, &c, at, &res);
		if (r < 0)
			return 1;
		printf("%u patients replanned, %u changed, %u failed; %u notice%s sent\n",
		       res.patients, res.changed, res.failed, res.notices,
		       res.notices == 1 ? "" : "s");
		if (res.failed)
			return 1;
	}
	return 0;
}

static int do_verify_audit(struct admin *a)
{
	int64_t bad = 0;
	int r = store_audit_verify(a->store, &bad);

	if (r == -EBADMSG) {
		printf("audit log: entry %" PRId64 " is not intact (edited, removed or after a "
		       "removed one)\n",
		       bad);
		return 1;
	}
	if (r < 0)
		return 1;
	printf("audit log: intact\n");
	return 0;
}

static const struct verb verbs[] = {
	{ "migrate", do_migrate, 0, 0, "" },
	{ "add-institution", do_add_institution, BIT(OPT_NAME) | BIT(OPT_DUTY_LINE), BIT(OPT_NAME),
	  "--name NAME [--duty-line PHONE]" },
	{ "add-team", do_add_team,
	  BIT(OPT_INSTITUTION) | BIT(OPT_NAME) | BIT(OPT_BACKUP_TEAM) | BIT(OPT_DUTY_LINE),
	  BIT(OPT_INSTITUTION) | BIT(OPT_NAME),
	  "--institution ID --name NAME [--backup-team ID] [--duty-line PHONE]" },
	{ "add-user", do_add_user,
	  BIT(OPT_INSTITUTION) | BIT(OPT_TEAM) | BIT(OPT_ROLE) | BIT(OPT_LOGIN) | BIT(OPT_NAME) |
		  BIT(OPT_PASSWORD_STDIN),
	  BIT(OPT_INSTITUTION) | BIT(OPT_ROLE) | BIT(OPT_LOGIN) | BIT(OPT_NAME),
	  "--institution ID [--team ID] --role doctor|nurse|admin --login LOGIN --name NAME "
	  "[--password-stdin]" },
	{ "add-patient", do_add_patient,
	  BIT(OPT_INSTITUTION) | BIT(OPT_TEAM) | BIT(OPT_NAME) | BIT(OPT_ID_NUMBER) |
		  BIT(OPT_BIRTH) | BIT(OPT_SEX) | BIT(OPT_HTN) | BIT(OPT_T2DM) |
		  BIT(OPT_DISABILITY) | BIT(OPT_PSEUDONYM),
	  BIT(OPT_INSTITUTION) | BIT(OPT_NAME) | BIT(OPT_ID_NUMBER) | BIT(OPT_BIRTH),
	  "--institution ID [--team ID] --name NAME --id-number N --birth YYYY-MM-DD "
	  "[--sex female|male|unknown] [--htn[=SINCE]] [--t2dm[=SINCE]] "
	  "[--disability none|partial|full] [--pseudonym P]" },
	{ "add-gateway", do_add_gateway, BIT(OPT_ID) | BIT(OPT_PATIENT) | BIT(OPT_PASSWD_FILE),
	  BIT(OPT_ID), "--id GATEWAY [--patient ID] [--passwd-file MOSQUITTO_PASSWORD_FILE]" },
	{ "open-episode", do_open_episode,
	  BIT(OPT_PATIENT) | BIT(OPT_BED) | BIT(OPT_OPENED) | BIT(OPT_PLANNED_END) |
		  BIT(OPT_REASON) | BIT(OPT_DOCTOR) | BIT(OPT_NURSE),
	  BIT(OPT_PATIENT) | BIT(OPT_BED) | BIT(OPT_OPENED) | BIT(OPT_PLANNED_END) |
		  BIT(OPT_REASON) | BIT(OPT_DOCTOR),
	  "--patient ID --bed BED --opened DATE --planned-end DATE --reason TEXT --doctor ID "
	  "[--nurse ID]" },
	{ "close-episode", do_close_episode,
	  BIT(OPT_ID) | BIT(OPT_CLOSED) | BIT(OPT_OUTCOME) | BIT(OPT_SUMMARY),
	  BIT(OPT_ID) | BIT(OPT_CLOSED), "--id ID --closed DATE --outcome WORD [--summary TEXT]" },
	{ "list-alerts", do_list_alerts, BIT(OPT_STATE) | BIT(OPT_JSON), 0,
	  "[--state raised|notified|acknowledged|resolved] [--json]" },
	{ "ack-alert", do_ack_alert, BIT(OPT_ID) | BIT(OPT_USER) | BIT(OPT_NOTE),
	  BIT(OPT_ID) | BIT(OPT_USER), "--id ALERT --user LOGIN|ID [--note TEXT]" },
	{ "escalate-due", do_escalate_due, BIT(OPT_AT), 0, "[--at YYYY-MM-DDTHH:MM:SSZ]" },
	{ "replan", do_replan, BIT(OPT_PATIENT) | BIT(OPT_AT), 0,
	  "[--patient ID] [--at YYYY-MM-DD|YYYY-MM-DDTHH:MM:SSZ]" },
	{ "verify-audit", do_verify_audit, 0, 0, "" },
};

void admin_usage(FILE *f)
{
	fprintf(f, "Usage: bedlink-cloud admin --config PATH VERB [OPTIONS]\nVerbs:\n");
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		fprintf(f, "  %s %s\n", verbs[i].name, verbs[i].usage);
}

int admin_main(const char *config_path, int argc, char **argv)
{
	struct admin a = { 0 };
	struct config_error err;
	const struct verb *v = NULL;
	int c, r;

	if (argc < 1) {
		admin_usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (strcmp(argv[0], verbs[i].name) == 0)
			v = &verbs[i];
	if (!v) {
		fprintf(stderr, "bedlink-cloud admin: unknown verb '%s'\n", argv[0]);
		admin_usage(stderr);
		return 2;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		if (c < 0 || c >= _OPT_MAX || !(v->allowed & BIT(c))) {
			fprintf(stderr, "Usage: bedlink-cloud admin --config PATH %s %s\n", v->name,
				v->usage);
			return 2;
		}
		a.arg[c] = optarg ? optarg : "";
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	for (int o = 0; o < _OPT_MAX; o++)
		if ((v->required & BIT(o)) && !a.arg[o])
			return usage_error("--%s is required", options[o].name);

	cloud_config_defaults(&a.config);
	r = cloud_config_load(config_path, &a.config, &err);
	if (r < 0) {
		fprintf(stderr, "bedlink-cloud: %s\n", err.message);
		return 2;
	}
	/* The operator reads stdout: the daemon's debug chatter stays out of it. */
	r = log_level_from_string(a.config.log_level);
	log_set_max_level(r > LOG_LEVEL_INFO ? LOG_LEVEL_INFO : (enum log_level)r);
	if (sodium_init() < 0) {
		log_error("admin: libsodium cannot start");
		return 1;
	}
	r = store_open(a.config.store, &a.store);
	if (r < 0)
		return 1;
	if (strcmp(v->name, "migrate") != 0) {
		int version = 0;

		if (store_schema_version(a.store, &version) < 0 ||
		    version < store_schema_latest()) {
			fprintf(stderr, "bedlink-cloud admin: the store needs migrating first "
					"(bedlink-cloud admin migrate)\n");
			store_free(a.store);
			return 1;
		}
	}
	r = v->run(&a);
	store_free(a.store);
	return r;
}
