// SPDX-License-Identifier: MIT
/*
 * bedlink-cloud: the cloud daemon. One sd-event loop owns the store
 * connection for ingest and alerts; paho's MQTT threads and the JSON API's
 * HTTP threads hand their work to it through queues. `bedlink-cloud admin`
 * runs one operator verb against the same store and exits.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "admin.h"
#include "alerts.h"
#include "api.h"
#include "cloud-config.h"
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
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void manager_free(struct manager *m)
{
	/* Reverse order of setup(): the API and ingest threads stop before what they use. */
	m->api = api_free(m->api);
	m->ingest = ingest_free(m->ingest);
	sd_event_source_disable_unref(m->escalation_timer);
	m->alerts = alerts_free(m->alerts);
	m->webhook = webhook_free(m->webhook);
	m->store = store_free(m->store);
	m->event = sd_event_unref(m->event);
}

/* struct alert_sink: the event stream is the API's, notices go out through ingest's client. */
static void sink_publish(void *userdata, const char *event, const char *json, int64_t team_id,
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

static void on_batch(void *userdata, const struct store_ingest_result *res, int64_t now)
{
	struct manager *m = userdata;

	alerts_on_ingest(m->alerts, res, now);
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

	return ingest_metrics(m->ingest, text);
}

/* The API: its own threads and store connection; wired to alerts and ingest by hooks. */
static int start_api(struct manager *m)
{
	static const struct api_hooks hooks = {
		.alert_acknowledged = on_api_acknowledged,
		.metrics = on_api_metrics,
	};
	struct api_config ac = { 0 };

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

static void on_ready(void *userdata)
{
	struct manager *m = userdata;

	(void)m;
	log_info("cloud: ready");
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
	r = start_api(m);
	if (r < 0)
		return log_error_errno(r, "cloud: cannot start the API on '%s': %m",
				       m->config.http_listen);
	r = sd_event_add_time_relative(m->event, &m->escalation_timer, CLOCK_MONOTONIC,
				       (uint64_t)m->config.check_interval_s * 1000000, 0,
				       on_escalation_timer, m);
	if (r < 0)
		return log_error_errno(r, "cloud: cannot arm the escalation timer: %m");
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
