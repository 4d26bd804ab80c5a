// SPDX-License-Identifier: MIT
/*
 * bedlink-cloud: the cloud daemon. One sd-event loop owns the store
 * connection for ingest and alerts; paho's MQTT threads and the JSON API's
 * HTTP threads hand their work to it through queues (the API replans a
 * patient it changed on its own connection). The daily follow-up sweep runs
 * on a thread and connection of its own, so that no call waits behind it.
 * `bedlink-cloud admin` runs one operator verb against the same store and
 * exits.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "admin.h"
#include "alerts.h"
#include "api.h"
#include "civil-date.h"
#include "cloud-config.h"
#include "fanout.h"
#include "followup.h"
#include "ingest.h"
#include "log.h"
#include "store.h"
#include "webhook.h"

#define DEFAULT_CONFIG "/etc/bedlink/cloud.conf"

struct manager {
	struct cloud_config config;
	sd_event *event;
	struct store *store;
	struct webhook *webhook;
	struct alerts *alerts;
	struct ingest *ingest;
	struct api *api; /* NULL when built without the API */
	sd_event_source *escalation_timer;
	struct planner_config *planner;
	struct followup_config followup;
	sd_event_source *sweep_timer;
	bool mqtt_ready; /* gateway messages can go out: sweeps send them */
	struct fanout *fanout;
	/* The sweep thread: started and joined on the loop. */
	pthread_t sweep_thread;
	bool sweep_running; /* started, not joined yet */
	bool sweep_done;    /* atomic: the thread has finished */
	bool sweep_cancel;  /* atomic: stop between two patients (shutdown) */
	struct followup_config sweep_config;
	int64_t sweep_now;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void manager_free(struct manager *m)
{
	/*
	 * Reverse order of setup(): the threads stop before what they use — the
	 * sweep (it publishes through ingest), the other processes' events (they
	 * go to the API's streams), the API, ingest.
	 */
	ingest_stop(m->ingest); /* so that no thread below waits on paho for the loop */
	if (m->sweep_running) {
		__atomic_store_n(&m->sweep_cancel, true, __ATOMIC_RELAXED);
		(void)pthread_join(m->sweep_thread, NULL);
		m->sweep_running = false;
	}
	fanout_stop(m->fanout); /* no other process's event reaches the API after this */
	m->api = api_free(m->api);
	m->fanout = fanout_free(m->fanout); /* the API's threads used it until api_free() */
	m->ingest = ingest_free(m->ingest);
	sd_event_source_disable_unref(m->sweep_timer);
	sd_event_source_disable_unref(m->escalation_timer);
	m->alerts = alerts_free(m->alerts);
	m->webhook = webhook_free(m->webhook);
	m->store = store_free(m->store);
	m->planner = planner_config_free(m->planner);
	m->event = sd_event_unref(m->event);
}

/* struct alert_sink: the event stream is the API's, notices go out through ingest's client. */
static void sink_publish(void *userdata, const char *event, const char *json, int64_t team_id,
			 int64_t institution_id)
{
	struct manager *m = userdata;

	if (m->api)
		api_publish(m->api, event, json, team_id, institution_id);
	if (m->fanout)
		(void)fanout_publish(m->fanout, event, json, team_id, institution_id);
}

/* API thread: an event the API made goes to the other processes too. */
static void on_api_event(void *userdata, const char *event, const char *json, int64_t team_id,
			 int64_t institution_id)
{
	struct manager *m = userdata;

	if (m->fanout)
		(void)fanout_publish(m->fanout, event, json, team_id, institution_id);
}

/* paho thread: another process's event, for the consoles connected to this one. */
static void on_fanout_event(void *userdata, const char *event, const char *json, int64_t team_id,
			    int64_t institution_id)
{
	struct manager *m = userdata;

	if (m->api)
		api_publish(m->api, event, json, team_id, institution_id);
}

static int sink_notice(void *userdata, const char *gateway_id, const char *json)
{
	struct manager *m = userdata;

	return ingest_notice(m->ingest, gateway_id, json);
}

/*
 * F6: a new P1 emergency (BP1, BP2, BG1, BG2, HR3, T1) gives its patient a
 * contact and a follow-up task at once, not at the next sweep. Once per
 * patient and batch; after the alerts went out, so that they wait for nothing.
 */
static void replan_emergencies(struct manager *m, const struct store_ingest_result *res,
			       int64_t now)
{
	for (size_t i = 0; i < res->n_alerts; i++) {
		const struct store_alert_change *a = &res->alerts[i];
		struct followup_result one;
		bool seen = false;
		int r;

		if (!a->created || a->severity != SEVERITY_P1 || a->patient_id <= 0 ||
		    followup_emergency_kind_from_string(a->rule) < 0)
			continue;
		for (size_t j = 0; j < i; j++)
			seen |= res->alerts[j].created &&
				res->alerts[j].patient_id == a->patient_id &&
				res->alerts[j].severity == SEVERITY_P1 &&
				followup_emergency_kind_from_string(res->alerts[j].rule) >= 0;
		if (seen)
			continue;
		r = followup_replan(m->store, &m->followup, a->patient_id, now, &one);
		if (r < 0)
			log_warning_errno(r,
					  "followup: patient %" PRId64 " not replanned after a %s "
					  "alert, the sweep will: %m",
					  a->patient_id, a->rule);
	}
}

static void on_batch(void *userdata, const struct store_ingest_result *res, int64_t now)
{
	struct manager *m = userdata;

	alerts_on_ingest(m->alerts, res, now);
	replan_emergencies(m, res, now);
}

/* API thread -> loop: the acknowledgement is committed, the notice is sent from the loop. */
static void on_api_acknowledged(void *userdata, int64_t alert_id)
{
	struct manager *m = userdata;

	(void)alerts_queue_acknowledged(m->alerts, alert_id);
}

static int on_api_metrics(void *userdata, char **text)
{
	struct manager *m = userdata;
	_cleanup_free_ char *a = NULL, *b = NULL;
	unsigned long long delivered = 0, failed = 0;
	int r;

	r = ingest_metrics(m->ingest, &a);
	if (r >= 0 && m->fanout)
		r = fanout_metrics(m->fanout, &b);
	if (r < 0)
		return r;
	if (m->webhook)
		webhook_counters(m->webhook, &delivered, &failed);
	if (asprintf(text,
		     "%s%s"
		     "# TYPE bedlink_webhook_delivered_total counter\n"
		     "bedlink_webhook_delivered_total %llu\n"
		     "# TYPE bedlink_webhook_failed_total counter\n"
		     "bedlink_webhook_failed_total %llu\n",
		     a, b ? b : "", delivered, failed) < 0)
		return -ENOMEM;
	return 0;
}

/* struct followup_config.publish: through ingest's client (thread-safe). */
static int followup_publish(void *userdata, const char *gateway_id, const char *subtopic,
			    const char *json, bool retained)
{
	struct manager *m = userdata;

	return ingest_publish(m->ingest, gateway_id, subtopic, json, retained);
}

/* API thread: replans the patient on the API's own store connection. */
static int on_api_patient_changed(void *userdata, struct store *s, int64_t patient_id, int64_t now,
				  struct api_replan *ret)
{
	struct manager *m = userdata;
	struct followup_result res;
	int r = followup_replan(s, &m->followup, patient_id, now, &res);

	if (r < 0)
		return r;
	*ret = (struct api_replan){ res.created, res.updated, res.fulfilled, res.withdrawn };
	return r;
}

/* The API: its own threads and store connection; wired to alerts and ingest by hooks. */
static int start_api(struct manager *m)
{
	static const struct api_hooks hooks = {
		.alert_acknowledged = on_api_acknowledged,
		.metrics = on_api_metrics,
		.patient_changed = on_api_patient_changed,
		.event_published = on_api_event,
	};
	struct api_config ac = {
		.has_utc_offset = true,
		.utc_offset_s = m->followup.utc_offset_s,
	};

	snprintf(ac.listen, sizeof(ac.listen), "%s", m->config.http_listen);
	snprintf(ac.store_url, sizeof(ac.store_url), "%s", m->config.store);
	ac.session_ttl_s = m->config.http_session_ttl_s;
	ac.cookie_secure = m->config.http_cookie_secure;
	return api_new(&ac, &hooks, m, &m->api);
}

static int on_escalation_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;
	int r;

	(void)usec;
	r = alerts_escalate_due(m->alerts, now_ms());
	if (r < 0)
		log_warning_errno(r, "cloud: escalation check failed, trying again later: %m");
	(void)sd_event_source_set_time_relative(s, (uint64_t)m->config.check_interval_s * 1000000);
	(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* The next local sweep_hour:00 after @now_s, as Unix seconds. */
static int64_t next_sweep_s(const struct manager *m, int64_t now_s)
{
	int32_t off = m->followup.utc_offset_s;
	int32_t today = civil_date_local_day(now_s, off);
	int64_t at = civil_date_local_midnight(today, off) + m->config.followup_sweep_hour * 3600;

	return at > now_s ? at : at + 86400;
}

/* The sweep thread: its own store connection, so that ingest never waits for it. */
static void *sweep_main(void *userdata)
{
	struct manager *m = userdata;
	struct followup_sweep_result res;
	_cleanup_(store_freep) struct store *s = NULL;
	int r;

	r = store_open(m->config.store, &s);
	if (r >= 0)
		r = followup_sweep(s, &m->sweep_config, m->sweep_now, &res);
	if (r == -ECANCELED)
		log_info("followup: sweep stopped for shutdown");
	else if (r < 0)
		log_warning_errno(r, "followup: sweep failed, trying again at the next one: %m");
	else
		log_info("followup: sweep: %u patients replanned, %u changed, %u failed, %u "
			 "schedules and %u notices sent",
			 res.patients, res.changed, res.failed, res.configs, res.notices);
	__atomic_store_n(&m->sweep_done, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * The daily sweep (and the one at start): every patient replanned, so that
 * overdue tasks reach the worklist and tomorrow's visits are announced even
 * when nothing happened to the patient. Idempotent, so a second process
 * sweeping too changes nothing; gateway messages are sent once (followup.h).
 * It runs on a thread: a sweep of many patients must not hold up a call.
 */
static int on_sweep_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;
	int64_t now = now_ms();
	uint64_t next = (uint64_t)next_sweep_s(m, now / 1000) * 1000000;
	int r;

	(void)usec;
	if (m->sweep_running) {
		if (!__atomic_load_n(&m->sweep_done, __ATOMIC_ACQUIRE)) {
			/* The one before is still at work: look again in a minute. */
			next = (uint64_t)now * 1000 + 60 * 1000000ULL;
			goto rearm;
		}
		(void)pthread_join(m->sweep_thread, NULL);
		m->sweep_running = false;
	}
	m->sweep_config = m->followup;
	m->sweep_config.cancel = &m->sweep_cancel;
	/* Before the broker answers, tasks only: on_ready() sweeps again with the messages. */
	if (!m->mqtt_ready)
		m->sweep_config.publish = NULL;
	m->sweep_now = now;
	m->sweep_done = false;
	r = -pthread_create(&m->sweep_thread, NULL, sweep_main, m);
	if (r < 0) {
		log_warning_errno(r,
				  "followup: cannot start the sweep, trying again in a minute: %m");
		next = (uint64_t)now * 1000 + 60 * 1000000ULL;
	} else
		m->sweep_running = true;
rearm:
	(void)sd_event_source_set_time(s, next);
	(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* The planner's rules: [followup] config, or the built-in defaults. */
static int setup_followup(struct manager *m)
{
	struct config_error err;
	int r;

	r = planner_config_new(&m->planner);
	if (r < 0)
		return log_error_errno(r, "cloud: cannot create the planner config: %m");
	if (m->config.followup_config[0]) {
		r = planner_config_load(m->planner, m->config.followup_config, &err);
		if (r < 0)
			return log_error_errno(r, "cloud: %s", err.message);
	}
	m->followup = (struct followup_config){
		.planner = m->planner,
		.utc_offset_s = (int32_t)(m->config.utc_offset_min * 60),
		.notice_from_min = (int)m->config.followup_sweep_hour * 60,
		.notice_until_min = (int)m->config.followup_notice_until_hour * 60,
		.publish = followup_publish,
		.userdata = m,
	};
	return 0;
}

static void on_ready(void *userdata)
{
	struct manager *m = userdata;

	log_info("cloud: ready");
	m->mqtt_ready = true;
	(void)sd_event_source_set_time_relative(m->sweep_timer, 0);
	(void)sd_event_source_set_enabled(m->sweep_timer, SD_EVENT_ONESHOT);
	(void)sd_notify(false, "READY=1\nSTATUS=ingesting");
}

static int setup(struct manager *m)
{
	struct alerts_config ac = {
		.p1_backup_ms = m->config.p1_backup_min * 60000,
		.p1_duty_ms = m->config.p1_duty_min * 60000,
	};
	struct alert_sink sink = { sink_publish, sink_notice, m };
	int r;

	r = setup_followup(m);
	if (r < 0)
		return r;
	r = store_open(m->config.store, &m->store);
	if (r < 0)
		return r;
	r = store_migrate(m->store);
	if (r < 0)
		return r;
	if (r > 0)
		log_info("cloud: store migrated (%d migration%s)", r, r == 1 ? "" : "s");
	if (m->config.webhook_url[0]) {
		r = webhook_new(m->config.webhook_url, m->config.webhook_format,
				(unsigned)m->config.webhook_retries,
				(unsigned)m->config.webhook_timeout_s, &m->webhook);
		if (r < 0)
			return r;
	}
	r = alerts_new(m->store, &ac, &sink, m->webhook, &m->alerts);
	if (r < 0)
		return r;
	r = alerts_attach_event(m->alerts, m->event);
	if (r < 0)
		return r;
	r = ingest_new(m->event, m->store, &m->config, on_batch, m, &m->ingest);
	if (r < 0)
		return r;
	ingest_on_ready(m->ingest, on_ready, m);
	r = fanout_new(&m->config, on_fanout_event, m, &m->fanout);
	if (r < 0)
		return r;
	r = start_api(m);
	if (r < 0)
		return log_error_errno(r, "cloud: cannot start the API on '%s': %m",
				       m->config.http_listen);
	r = sd_event_add_time_relative(m->event, &m->escalation_timer, CLOCK_MONOTONIC,
				       (uint64_t)m->config.check_interval_s * 1000000, 0,
				       on_escalation_timer, m);
	if (r < 0)
		return log_error_errno(r, "cloud: cannot arm the escalation timer: %m");
	/* The first sweep right after start, then daily at sweep_hour. */
	r = sd_event_add_time_relative(m->event, &m->sweep_timer, CLOCK_REALTIME, 0, 0,
				       on_sweep_timer, m);
	if (r < 0)
		return log_error_errno(r, "cloud: cannot arm the follow-up sweep: %m");
	r = fanout_start(m->fanout);
	if (r < 0)
		return r;
	return ingest_start(m->ingest);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: bedlink-cloud [--config PATH] [--check-config]\n"
		   "       bedlink-cloud admin --config PATH VERB [OPTIONS]   (admin --help)\n"
		   "The bedlink cloud daemon: MQTT ingest, alerts and the JSON API.\n"
		   "  -c, --config PATH   configuration file (default " DEFAULT_CONFIG ")\n"
		   "      --check-config  validate the configuration and exit\n"
		   "  -h, --help          this text\n"
		   "      --version       the version\n");
}

/* `bedlink-cloud admin [--config PATH] VERB...` */
static int run_admin(int argc, char **argv)
{
	const char *config = DEFAULT_CONFIG;
	int i = 1;

	if (i < argc && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0))
		return admin_usage(stdout), 0;
	if (i + 1 < argc && (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0)) {
		config = argv[i + 1];
		i += 2;
	} else if (i < argc && strncmp(argv[i], "--config=", 9) == 0) {
		config = argv[i] + 9;
		i++;
	}
	return admin_main(config, argc - i, argv + i);
}

int main(int argc, char **argv)
{
	enum {
		OPT_VERSION = 0x100,
		OPT_CHECK
	};
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{},
	};
	const char *config_path = DEFAULT_CONFIG;
	struct manager m = { 0 };
	struct config_error err;
	bool check = false;
	int c, r;

	log_set_prefix(!isatty(STDERR_FILENO));
	if (argc > 1 && strcmp(argv[1], "admin") == 0)
		return run_admin(argc - 1, argv + 1);
	while ((c = getopt_long(argc, argv, "c:h", options, NULL)) >= 0) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case OPT_CHECK:
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("bedlink-cloud %s\n", BEDLINK_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	cloud_config_defaults(&m.config);
	r = cloud_config_load(config_path, &m.config, &err);
	if (r < 0) {
		fprintf(stderr, "bedlink-cloud: %s\n", err.message);
		return 2;
	}
	if (check) {
		if (m.config.mqtt_password_file[0] &&
		    access(m.config.mqtt_password_file, R_OK) < 0) {
			fprintf(stderr,
				"bedlink-cloud: %s: [mqtt] password_file: cannot read '%s': %m\n",
				config_path, m.config.mqtt_password_file);
			return 2;
		}
		printf("%s: configuration is valid\n", config_path);
		return 0;
	}
	log_set_max_level((enum log_level)log_level_from_string(m.config.log_level));

	r = sd_event_default(&m.event);
	if (r < 0)
		return log_error_errno(r, "cloud: cannot create the event loop: %m"), 1;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	(void)sd_event_add_signal(m.event, NULL, SIGTERM, NULL, NULL);
	(void)sd_event_add_signal(m.event, NULL, SIGINT, NULL, NULL);
	(void)sd_event_set_watchdog(m.event, true);

	r = setup(&m);
	if (r < 0) {
		manager_free(&m);
		return 1;
	}
	log_info("cloud: running, store %s, broker %s:%lld, API %s",
		 store_backend_to_string(store_get_backend(m.store)), m.config.mqtt_host,
		 m.config.mqtt_port, m.config.http_listen);
	r = sd_event_loop(m.event);
	(void)sd_notify(false, "STOPPING=1");
	manager_free(&m);
	if (r < 0)
		return log_error_errno(r, "cloud: event loop failed: %m"), 1;
	return 0;
}
