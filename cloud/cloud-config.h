/* SPDX-License-Identifier: MIT */
/*
 * bedlink-cloud's configuration: one INI file (plus its drop-in directory)
 * read through common/config.h's table. [cloud] names the store, [mqtt] the
 * broker and the cloud's own credentials, [http] what the JSON API listens
 * on, [escalation] the delays of the two escalation steps, [webhook]
 * where alerts are posted and [followup] when the follow-up planner runs.
 * config/cloud.conf.example documents every key.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum webhook_format {
	WEBHOOK_FORMAT_JSON,     /* {"event":..., "alert":{...}} */
	WEBHOOK_FORMAT_WECOM,    /* WeCom (企业微信) group robot: markdown message */
	WEBHOOK_FORMAT_DINGTALK, /* DingTalk (钉钉) group robot: text message */
	_WEBHOOK_FORMAT_MAX,
};

const char *webhook_format_to_string(enum webhook_format f);
int webhook_format_from_string(const char *s);

struct cloud_config {
	/* [cloud] */
	char store[512]; /* "sqlite:///PATH" or "postgresql://..." */
	char log_level[16];
	long long utc_offset_min; /* the clinic's calendar: local time minus UTC (480, China) */
	/* [mqtt] */
	char mqtt_host[256];
	long long mqtt_port;
	char mqtt_client_id[64]; /* unique per process; empty: "bedlink-cloud-<pid>" */
	char mqtt_username[64];
	char mqtt_password_file[256];
	char mqtt_tls_ca[256];
	char mqtt_tls_cert[256];
	char mqtt_tls_key[256];
	long long mqtt_keepalive_s;
	/* [http] */
	char http_listen[64];
	bool http_cookie_secure;
	long long http_session_ttl_s;
	/* [escalation] */
	long long p1_backup_min; /* P1 not acknowledged: to the team's backup after this */
	long long p1_duty_min;   /* then to the institution's duty line, counted from reception */
	long long check_interval_s;
	/* [webhook] */
	char webhook_url[512]; /* empty: no webhook */
	enum webhook_format webhook_format;
	long long webhook_retries;
	long long webhook_timeout_s;
	/* [followup] */
	char followup_config[256]; /* planner rules file; empty: the built-in defaults */
	long long
		followup_sweep_hour; /* local hour of the daily sweep, also the first notice hour */
	long long followup_notice_until_hour; /* no visit notice from this local hour on */
};

/* Fills @c with the defaults (no store, localhost:1883, P1 after 5 and 15 minutes). */
void cloud_config_defaults(struct cloud_config *c);

/*
 * Loads @path over the defaults and validates the result as a whole (a
 * store URL of a known form, p1_duty_min after p1_backup_min, a webhook URL
 * over http or https). Returns 0, or a negative errno with @err->message
 * naming the file, line and key (or "[section] key" for whole-file checks).
 */
int cloud_config_load(const char *path, struct cloud_config *c, struct config_error *err);

/*
 * Reads the first line of @path (the MQTT password) into @buf without its
 * line end. An empty @path leaves @buf empty. Returns 0 or -errno, logged.
 */
int cloud_config_read_secret(const char *path, char *buf, size_t size);
