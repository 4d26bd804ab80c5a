// SPDX-License-Identifier: MIT
/* bedlink-cloud's config table, its defaults and whole-file validation. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cloud-config.h"
#include "log.h"
#include "macro.h"

static const char *const webhook_format_table[_WEBHOOK_FORMAT_MAX] = {
	[WEBHOOK_FORMAT_JSON] = "json",
	[WEBHOOK_FORMAT_WECOM] = "wecom",
	[WEBHOOK_FORMAT_DINGTALK] = "dingtalk",
};

const char *webhook_format_to_string(enum webhook_format f)
{
	return f < _WEBHOOK_FORMAT_MAX ? webhook_format_table[f] : NULL;
}

int webhook_format_from_string(const char *s)
{
	for (size_t i = 0; i < ELEMENTSOF(webhook_format_table); i++)
		if (strcmp(s, webhook_format_table[i]) == 0)
			return (int)i;
	return -EINVAL;
}

void cloud_config_defaults(struct cloud_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->log_level, sizeof(c->log_level), "info");
	c->utc_offset_min = 480;
	snprintf(c->mqtt_host, sizeof(c->mqtt_host), "localhost");
	c->mqtt_port = 1883;
	c->mqtt_keepalive_s = 30;
	snprintf(c->http_listen, sizeof(c->http_listen), "127.0.0.1:8080");
	c->http_cookie_secure = true;
	c->http_session_ttl_s = 8 * 3600;
	c->p1_backup_min = 5;
	c->p1_duty_min = 15;
	c->check_interval_s = 10;
	c->webhook_format = WEBHOOK_FORMAT_JSON;
	c->webhook_retries = 3;
	c->webhook_timeout_s = 10;
	c->followup_sweep_hour = 8;
	c->followup_notice_until_hour = 20;
}

static int parse_format(const char *value, void *field, const struct config_item *item, char *why,
			size_t why_size)
{
	int f = webhook_format_from_string(value);

	(void)item;
	if (f < 0) {
		snprintf(why, why_size, "expected json, wecom or dingtalk");
		return -EINVAL;
	}
	*(enum webhook_format *)field = (enum webhook_format)f;
	return 0;
}

#define S(section, key, parser, field, min, max)                            \
	{                                                                   \
		section, key, parser, offsetof(struct cloud_config, field), \
			sizeof(((struct cloud_config *)0)->field), min, max \
	}

static const struct config_item items[] = {
	S("cloud", "store", config_parse_string, store, 0, 0),
	S("cloud", "log_level", config_parse_string, log_level, 0, 0),
	S("cloud", "utc_offset_min", config_parse_int, utc_offset_min, -720, 840),
	S("mqtt", "host", config_parse_string, mqtt_host, 0, 0),
	S("mqtt", "port", config_parse_int, mqtt_port, 1, 65535),
	S("mqtt", "client_id", config_parse_string, mqtt_client_id, 0, 0),
	S("mqtt", "username", config_parse_string, mqtt_username, 0, 0),
	S("mqtt", "password_file", config_parse_string, mqtt_password_file, 0, 0),
	S("mqtt", "tls_ca", config_parse_string, mqtt_tls_ca, 0, 0),
	S("mqtt", "tls_cert", config_parse_string, mqtt_tls_cert, 0, 0),
	S("mqtt", "tls_key", config_parse_string, mqtt_tls_key, 0, 0),
	S("mqtt", "keepalive", config_parse_int, mqtt_keepalive_s, 5, 3600),
	S("http", "listen", config_parse_string, http_listen, 0, 0),
	S("http", "cookie_secure", config_parse_bool, http_cookie_secure, 0, 0),
	S("http", "session_ttl", config_parse_int, http_session_ttl_s, 60, 30 * 86400),
	S("escalation", "p1_backup_min", config_parse_int, p1_backup_min, 1, 1440),
	S("escalation", "p1_duty_min", config_parse_int, p1_duty_min, 1, 1440),
	S("escalation", "check_interval", config_parse_int, check_interval_s, 1, 600),
	S("webhook", "url", config_parse_string, webhook_url, 0, 0),
	S("webhook", "format", parse_format, webhook_format, 0, 0),
	S("webhook", "retries", config_parse_int, webhook_retries, 0, 10),
	S("webhook", "timeout", config_parse_int, webhook_timeout_s, 1, 120),
	S("followup", "config", config_parse_string, followup_config, 0, 0),
	S("followup", "sweep_hour", config_parse_int, followup_sweep_hour, 0, 23),
	S("followup", "notice_until_hour", config_parse_int, followup_notice_until_hour, 1, 24),
};

static void *section_base(void *userdata, const char *section, char *why, size_t why_size)
{
	(void)section;
	(void)why;
	(void)why_size;
	return userdata;
}

static int invalid(struct config_error *err, const char *path, const char *section, const char *key,
		   const char *why)
{
	snprintf(err->file, sizeof(err->file), "%s", path);
	err->line = 0;
	snprintf(err->section, sizeof(err->section), "%s", section);
	snprintf(err->key, sizeof(err->key), "%s", key);
	snprintf(err->message, sizeof(err->message), "%s: [%s] %s: %s", path, section, key, why);
	return -EINVAL;
}

int cloud_config_load(const char *path, struct cloud_config *c, struct config_error *err)
{
	static const struct config_table table = { items, ELEMENTSOF(items), section_base };
	int r;

	r = config_load(path, &table, c, err);
	if (r < 0)
		return r;
	if (!c->store[0])
		return invalid(err, path, "cloud", "store",
			       "missing; sqlite:///PATH or postgresql://...");
	if (strncmp(c->store, "sqlite:///", 10) != 0 &&
	    strncmp(c->store, "postgresql://", 13) != 0 &&
	    strncmp(c->store, "postgres://", 11) != 0)
		return invalid(err, path, "cloud", "store",
			       "expected sqlite:///ABSOLUTE/PATH or postgresql://...");
	if (log_level_from_string(c->log_level) < 0)
		return invalid(err, path, "cloud", "log_level",
			       "expected err, warning, notice, info or debug");
	if (c->p1_duty_min <= c->p1_backup_min)
		return invalid(err, path, "escalation", "p1_duty_min",
			       "must be later than p1_backup_min");
	if (c->webhook_url[0] && strncmp(c->webhook_url, "http://", 7) != 0 &&
	    strncmp(c->webhook_url, "https://", 8) != 0)
		return invalid(err, path, "webhook", "url", "expected an http:// or https:// URL");
	if (!!c->mqtt_tls_cert[0] != !!c->mqtt_tls_key[0])
		return invalid(err, path, "mqtt", "tls_key", "tls_cert and tls_key go together");
	if (c->followup_notice_until_hour <= c->followup_sweep_hour)
		return invalid(err, path, "followup", "notice_until_hour",
			       "must be later than sweep_hour");
	return 0;
}

int cloud_config_read_secret(const char *path, char *buf, size_t size)
{
	FILE *f;

	buf[0] = '\0';
	if (!path[0])
		return 0;
	f = fopen(path, "re");
	if (!f)
		return log_error_errno(-errno, "cloud: cannot read the password file '%s': %m",
				       path);
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}
