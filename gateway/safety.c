// SPDX-License-Identifier: MIT
/*
 * Local safety wiring: feeds the pure rules engine and reminder schedules
 * from stored records, buttons, timers and the cloud's down/ messages, turns
 * their output into alert and event records and local actions, and keeps
 * their state in the outbox's state table so a restart keeps latches,
 * baselines, misses and an open visit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "actions.h"
#include "button.h"
#include "down.h"
#include "log.h"
#include "macro.h"
#include "reminders.h"
#include "rules.h"
#include "safety.h"

#define TICK_S           1
#define SAVE_EVERY_MS    60000
#define CALLS_REMEMBERED 32
#define PENDING_PROMPTS  16
#define OPEN_ALERTS_MAX  32

/* What the patient hears for cloud notices without text of their own, and for visits. */
static const char TEXT_CALL_ACKNOWLEDGED[] = "医生已看到您的呼叫，请保持电话畅通";
static const char TEXT_ALERT_ACKNOWLEDGED[] = "医生已看到您的测量结果";

static const char *const services[] = {
	"followup",       /* 随访 */
	"bedside_round",  /* 查床 (family sick bed) */
	"nursing",        /* 护理 */
	"health_check",   /* 健康体检 */
	"rehabilitation", /* 康复 */
	"special",        /* 特需上门服务 */
	"other",
};

struct safety {
	sd_event *event;
	struct gateway_config config;
	struct outbox *outbox; /* borrowed from the manager */
	struct safety_host host;
	void *userdata;

	struct rules_config *base;    /* the thresholds file; down/config overrides go on a copy */
	struct rules_config *current; /* what the engine uses: base + overrides */
	struct rules_engine *engine;
	struct reminders *reminders;
	struct actions *actions;
	struct button *buttons[GATEWAY_BUTTONS_MAX];
	sd_event_source *tick;

	/* Local actions asked for inside the current transaction. */
	struct {
		char text[RECORD_TEXT_MAX + 1];
		bool urgent;
	} prompts[PENDING_PROMPTS];
	size_t n_prompts;
	bool acknowledge;
	bool alarm_changed;
	enum alarm_level alarm;

	bool state_dirty, state_urgent;
	int64_t saved_ms;

	int64_t calls[CALLS_REMEMBERED]; /* gateway times of recent presses, newest last */
	size_t n_calls;
	int64_t pressed_ms; /* the press the button is held for */

	bool visit_open, visit_alerted;
	char visit_staff[RECORD_NAME_MAX + 1];
	char visit_service[RECORD_NAME_MAX + 1];
	int64_t visit_start_ms;
	long visit_expected_min;

	uint64_t config_version;
	char patient[RECORD_NAME_MAX + 1];
};

static int64_t now_ms(struct safety *s)
{
	uint64_t usec = 0;

	sd_event_now(s->event, CLOCK_REALTIME, &usec);
	return (int64_t)(usec / 1000);
}

/* A number of the thresholds in force; @fallback only if the key is unknown (a bug). */
static double setting(struct safety *s, const char *section, const char *key, double fallback)
{
	double v;

	return rules_config_get_number(s->current, section, key, &v) >= 0 ? v : fallback;
}

/* The patient's local time zone, as the rules see it ([general] utc_offset_min). */
static int32_t utc_offset_s(struct safety *s)
{
	return (int32_t)setting(s, "general", "utc_offset_min", 0) * 60;
}
/* ---- turning engine output into records and actions ---- */

static void queue_prompt(struct safety *s, const char *text, bool urgent)
{
	if (s->n_prompts == PENDING_PROMPTS) {
		/* Say it now rather than lose it. */
		actions_say(s->actions, text, urgent);
		return;
	}
	snprintf(s->prompts[s->n_prompts].text, sizeof(s->prompts[0].text), "%s", text);
	s->prompts[s->n_prompts++].urgent = urgent;
}

/*
 * Takes the engine's answer: alert records into @extra (or, when @extra is
 * NULL, straight to the manager's queue), prompts and alarm for later.
 */
static size_t absorb(struct safety *s, const struct rules_output *out, const char *device,
		     int64_t now, struct record *extra, size_t max)
{
	bool urgent = false;
	size_t n = 0;

	for (size_t i = 0; i < out->n_alerts; i++) {
		struct record r = { .kind = RECORD_ALERT, .ts = now, .alert = out->alerts[i] };

		urgent |= r.alert.severity == SEVERITY_P1;
		log_notice("safety: alert %llu %s %s %s (%s)", (unsigned long long)r.alert.alert_id,
			   r.alert.rule, severity_to_string(r.alert.severity),
			   alert_state_to_string(r.alert.state), r.alert.message);
		/* Outside a transaction, or no room left in this one: the next commit. */
		if (extra && n < max)
			extra[n++] = r;
		else
			s->host.enqueue(s->userdata, &r);
	}
	for (size_t i = 0; i < out->n_device_errors; i++) {
		struct record r = { .kind = RECORD_EVENT, .ts = now };

		r.event.type = EVENT_DEVICE_ERROR;
		snprintf(r.event.device, sizeof(r.event.device), "%s", device ? device : "");
		snprintf(r.event.message, sizeof(r.event.message), "%s", out->device_errors[i]);
		log_warning("safety: implausible reading from '%s': %s", device ? device : "?",
			    out->device_errors[i]);
		if (extra && n < max)
			extra[n++] = r;
		else
			s->host.enqueue(s->userdata, &r);
	}
	for (size_t i = 0; i < out->n_prompts; i++)
		queue_prompt(s, out->prompts[i], urgent);
	if (out->alarm_changed) {
		s->alarm = out->alarm;
		s->alarm_changed = true;
	}
	if (out->state_changed || out->n_alerts) {
		s->state_dirty = true;
		s->state_urgent |= out->n_alerts > 0;
	}
	return n;
}

void safety_flush_actions(struct safety *s)
{
	if (s->alarm_changed) {
		actions_alarm(s->actions, s->alarm);
		s->alarm_changed = false;
	}
	if (s->acknowledge) {
		actions_acknowledge(s->actions);
		s->acknowledge = false;
	}
	for (size_t i = 0; i < s->n_prompts; i++)
		actions_say(s->actions, s->prompts[i].text, s->prompts[i].urgent);
	s->n_prompts = 0;
}

/* Outside a transaction: records go to the queue, actions happen now. */
static void raise_now(struct safety *s, const struct rules_output *out)
{
	absorb(s, out, NULL, now_ms(s), NULL, 0);
	safety_flush_actions(s);
}

/* ---- records from the manager's transaction ---- */

bool safety_wants(const struct record *r)
{
	return r->kind == RECORD_READING ||
	       (r->kind == RECORD_EVENT &&
		(r->event.type == EVENT_CALL || r->event.type == EVENT_CALL_CANCELLED));
}

static void external(struct safety *s, enum rule_id rule, enum severity sev, bool clear,
		     const char *message, struct rules_output *out)
{
	int r = rules_engine_external(s->engine, rule, sev, clear, now_ms(s), message, out);

	if (r < 0)
		log_error_errno(r, "safety: cannot evaluate %s: %m", rule_id_to_string(rule));
}

size_t safety_evaluate(struct safety *s, const struct record *r, int64_t now, struct record *extra,
		       size_t max)
{
	struct rules_output out = { 0 };
	size_t n = 0;
	int k = 0;

	if (r->kind == RECORD_READING) {
		rules_engine_device_seen(s->engine, r->reading.device, now);
		k = rules_engine_reading(s->engine, r->seq, now, &r->reading, &out);
		n += absorb(s, &out, r->reading.device, now, extra, max);
		if (reminders_reading(s->reminders, r->reading.measurement, now)) {
			memset(&out, 0, sizeof(out));
			external(s, RULE_ADH1, SEVERITY_P4, true, "measurement taken", &out);
			external(s, RULE_ADH2, SEVERITY_P3, true, "measurement taken", &out);
			n += absorb(s, &out, NULL, now, extra + n, max - n);
		}
	} else if (r->kind == RECORD_EVENT && r->event.type == EVENT_CALL) {
		k = rules_engine_call(s->engine, r->seq, now, false, &out);
		n += absorb(s, &out, NULL, now, extra, max);
		s->acknowledge = true;
	} else if (r->kind == RECORD_EVENT && r->event.type == EVENT_CALL_CANCELLED) {
		long calls = 1;

		/* The engine withdraws the latest open call each time: once per cancelled call. */
		for (size_t d = 0; d < r->event.n_details; d++)
			if (strcmp(r->event.details[d].key, "calls") == 0)
				calls = strtol(r->event.details[d].value, NULL, 10);
		for (long c = 0; c < (calls < 1 ? 1 : calls) && c < CALLS_REMEMBERED && k >= 0;
		     c++) {
			memset(&out, 0, sizeof(out));
			k = rules_engine_call(s->engine, r->seq, now, true, &out);
			n += absorb(s, &out, NULL, now, extra + n, max - n);
		}
	}
	if (k < 0)
		log_error_errno(k, "safety: rules failed on record %llu: %m",
				(unsigned long long)r->seq);
	return n;
}

void safety_save_state(struct safety *s, int64_t now)
{
	_cleanup_free_ char *json = NULL;
	int r;

	if (!s->state_dirty || (!s->state_urgent && now - s->saved_ms < SAVE_EVERY_MS))
		return;
	r = rules_engine_save(s->engine, &json);
	if (r >= 0)
		r = outbox_state_set(s->outbox, "safety.rules", json);
	if (r < 0) {
		log_warning_errno(r, "safety: cannot save the rules state: %m");
		return;
	}
	s->state_dirty = s->state_urgent = false;
	s->saved_ms = now;
}

/* ---- calls ---- */

static void enqueue_event(struct safety *s, enum event_type type, const char *message,
			  const char *k1, const char *v1, const char *k2, const char *v2)
{
	struct record r = { .kind = RECORD_EVENT, .ts = now_ms(s) };

	r.event.type = type;
	snprintf(r.event.message, sizeof(r.event.message), "%s", message ? message : "");
	if (k1) {
		snprintf(r.event.details[0].key, sizeof(r.event.details[0].key), "%s", k1);
		snprintf(r.event.details[0].value, sizeof(r.event.details[0].value), "%s", v1);
		r.event.n_details = 1;
	}
	if (k2) {
		snprintf(r.event.details[1].key, sizeof(r.event.details[1].key), "%s", k2);
		snprintf(r.event.details[1].value, sizeof(r.event.details[1].value), "%s", v2);
		r.event.n_details = 2;
	}
	s->host.enqueue(s->userdata, &r);
}

static size_t recent_calls(struct safety *s, int64_t now, int64_t before)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_calls; i++)
		if (now - s->calls[i] <= s->config.call_cancel_window_s * 1000 &&
		    s->calls[i] < before)
			n++;
	return n;
}

void safety_press(struct safety *s, const char *source, bool cancel)
{
	int64_t now = now_ms(s);
	char count[16];

	if (!cancel) {
		/* Every press is a call of its own: never merged, never rate-limited. */
		if (s->n_calls == CALLS_REMEMBERED)
			memmove(&s->calls[0], &s->calls[1], --s->n_calls * sizeof(*s->calls));
		s->calls[s->n_calls++] = now;
		s->pressed_ms = now;
		log_notice("safety: call button pressed (%s)", source);
		enqueue_event(s, EVENT_CALL, "call button pressed", "source", source, NULL, NULL);
		return;
	}
	snprintf(count, sizeof(count), "%zu", recent_calls(s, now, INT64_MAX));
	log_notice("safety: cancel gesture (%s): %s recent calls cancelled", source, count);
	enqueue_event(s, EVENT_CALL_CANCELLED, "call cancelled at the bedside", "source", source,
		      "calls", count);
	s->n_calls = 0;
}

static void on_button(void *userdata, const char *name, enum button_action action)
{
	struct safety *s = userdata;
	char source[48];

	snprintf(source, sizeof(source), "button.%s", name);
	if (action == BUTTON_PRESSED) {
		safety_press(s, source, false);
	} else if (action == BUTTON_LONG_PRESS) {
		/* A long hold cancels only when an earlier press made a call: a patient holding
		 * the button through distress is never cancelled. */
		if (recent_calls(s, now_ms(s), s->pressed_ms) > 0)
			safety_press(s, source, true);
	}
}

void safety_symptoms(struct safety *s, bool present)
{
	struct rules_output out = { 0 };
	int r = rules_engine_symptoms(s->engine, now_ms(s), present, &out);

	if (r < 0)
		log_error_errno(r, "safety: cannot apply the symptom answer: %m");
	raise_now(s, &out);
}

/* ---- visits ---- */

static void save_visit(struct safety *s)
{
	_cleanup_free_ char *json = NULL;
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return;
	if (s->visit_open) {
		cJSON_AddStringToObject(o, "staff", s->visit_staff);
		cJSON_AddStringToObject(o, "service", s->visit_service);
		cJSON_AddNumberToObject(o, "start", (double)s->visit_start_ms);
		cJSON_AddNumberToObject(o, "expected_min", (double)s->visit_expected_min);
		cJSON_AddBoolToObject(o, "alerted", s->visit_alerted);
	}
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!json || outbox_state_set(s->outbox, "safety.visit", json) < 0)
		log_warning("safety: cannot save the visit state");
}

static void load_visit(struct safety *s)
{
	char buf[512];
	cJSON *o, *staff, *service, *start, *expected, *alerted;

	if (outbox_state_get(s->outbox, "safety.visit", buf, sizeof(buf)) < 0)
		return;
	o = cJSON_Parse(buf);
	staff = cJSON_GetObjectItemCaseSensitive(o, "staff");
	service = cJSON_GetObjectItemCaseSensitive(o, "service");
	start = cJSON_GetObjectItemCaseSensitive(o, "start");
	expected = cJSON_GetObjectItemCaseSensitive(o, "expected_min");
	alerted = cJSON_GetObjectItemCaseSensitive(o, "alerted");
	if (cJSON_IsString(staff) && cJSON_IsString(service) && cJSON_IsNumber(start) &&
	    cJSON_IsNumber(expected) && record_name_is_valid(staff->valuestring) &&
	    record_name_is_valid(service->valuestring)) {
		s->visit_open = true;
		snprintf(s->visit_staff, sizeof(s->visit_staff), "%s", staff->valuestring);
		snprintf(s->visit_service, sizeof(s->visit_service), "%s", service->valuestring);
		s->visit_start_ms = (int64_t)start->valuedouble;
		s->visit_expected_min = (long)expected->valuedouble;
		s->visit_alerted = cJSON_IsTrue(alerted);
	}
	cJSON_Delete(o);
}

int safety_visit_start(struct safety *s, const char *staff, const char *service, long expected_min,
		       char *why, size_t why_size)
{
	char expected[24];
	size_t i;

	if (s->visit_open) {
		snprintf(why, why_size,
			 "a visit by '%s' (%s) is already open; end it first with `visit end`",
			 s->visit_staff, s->visit_service);
		return -EBUSY;
	}
	if (!record_name_is_valid(staff)) {
		snprintf(
			why, why_size,
			"--staff must be the staff id (工号): 1..%d characters of A-Z a-z 0-9 _ - .",
			RECORD_NAME_MAX);
		return -EINVAL;
	}
	for (i = 0; i < ELEMENTSOF(services) && strcmp(service, services[i]) != 0; i++)
		;
	if (i == ELEMENTSOF(services)) {
		snprintf(why, why_size,
			 "--service '%s' is not one of followup, bedside_round, nursing, "
			 "health_check, rehabilitation, special, other",
			 service);
		return -EINVAL;
	}
	if (expected_min <= 0)
		expected_min = s->config.visit_expected_min;
	if (expected_min > 1440) {
		snprintf(why, why_size, "--expected must be 1..1440 minutes");
		return -EINVAL;
	}
	s->visit_open = true;
	s->visit_alerted = false;
	snprintf(s->visit_staff, sizeof(s->visit_staff), "%s", staff);
	snprintf(s->visit_service, sizeof(s->visit_service), "%s", service);
	s->visit_start_ms = now_ms(s);
	s->visit_expected_min = expected_min;
	save_visit(s);
	snprintf(expected, sizeof(expected), "%ld", expected_min);
	log_notice("safety: visit started by '%s' (%s), expected %ld min", staff, service,
		   expected_min);
	{
		struct record r = { .kind = RECORD_EVENT, .ts = s->visit_start_ms };

		r.event.type = EVENT_VISIT_START;
		snprintf(r.event.message, sizeof(r.event.message), "home visit started");
		snprintf(r.event.details[0].key, sizeof(r.event.details[0].key), "staff");
		snprintf(r.event.details[0].value, sizeof(r.event.details[0].value), "%s", staff);
		snprintf(r.event.details[1].key, sizeof(r.event.details[1].key), "service");
		snprintf(r.event.details[1].value, sizeof(r.event.details[1].value), "%s", service);
		snprintf(r.event.details[2].key, sizeof(r.event.details[2].key), "expected_min");
		snprintf(r.event.details[2].value, sizeof(r.event.details[2].value), "%s",
			 expected);
		r.event.n_details = 3;
		s->host.enqueue(s->userdata, &r);
	}
	return 0;
}

int safety_visit_end(struct safety *s, char *why, size_t why_size)
{
	struct rules_output out = { 0 };
	struct record r = { .kind = RECORD_EVENT, .ts = now_ms(s) };
	long minutes;

	if (!s->visit_open) {
		snprintf(why, why_size, "no visit is open; start one with `visit start`");
		return -ENOENT;
	}
	minutes = (long)((r.ts - s->visit_start_ms) / 60000);
	r.event.type = EVENT_VISIT_END;
	snprintf(r.event.message, sizeof(r.event.message), "home visit ended");
	snprintf(r.event.details[0].key, sizeof(r.event.details[0].key), "staff");
	snprintf(r.event.details[0].value, sizeof(r.event.details[0].value), "%s", s->visit_staff);
	snprintf(r.event.details[1].key, sizeof(r.event.details[1].key), "service");
	snprintf(r.event.details[1].value, sizeof(r.event.details[1].value), "%s",
		 s->visit_service);
	snprintf(r.event.details[2].key, sizeof(r.event.details[2].key), "duration_min");
	snprintf(r.event.details[2].value, sizeof(r.event.details[2].value), "%ld", minutes);
	r.event.n_details = 3;
	s->host.enqueue(s->userdata, &r);
	log_notice("safety: visit by '%s' ended after %ld min", s->visit_staff, minutes);
	if (s->visit_alerted) {
		external(s, RULE_VISIT1, SEVERITY_P4, true, "the visit has ended", &out);
		raise_now(s, &out);
	}
	s->visit_open = false;
	save_visit(s);
	return 0;
}

static void check_visit(struct safety *s, int64_t now)
{
	struct rules_output out = { 0 };
	char msg[RECORD_TEXT_MAX + 1];
	int64_t deadline;
	long long grace;

	if (!s->visit_open || s->visit_alerted)
		return;
	grace = (long long)setting(s, "VISIT1", "grace_min", 30);
	deadline = s->visit_start_ms + (s->visit_expected_min + grace) * 60000LL;
	if (now < deadline)
		return;
	snprintf(msg, sizeof(msg),
		 "staff safety: visit by %s (%s) has run %lld min, expected %ld plus %lld grace; "
		 "check on the staff member",
		 s->visit_staff, s->visit_service, (long long)((now - s->visit_start_ms) / 60000),
		 s->visit_expected_min, grace);
	external(s, RULE_VISIT1, (enum severity)severity_from_string(s->config.visit_severity),
		 false, msg, &out);
	s->visit_alerted = true;
	save_visit(s);
	raise_now(s, &out);
}

/* ---- timers: rules, reminders, visit ---- */

static void save_reminders(struct safety *s)
{
	_cleanup_free_ char *json = NULL;

	if (reminders_save(s->reminders, &json) < 0 ||
	    outbox_state_set(s->outbox, "safety.reminders", json) < 0)
		log_warning("safety: cannot save the reminder state");
}

static void run_reminders(struct safety *s, int64_t now)
{
	struct reminders_output ro;
	struct rules_output out = { 0 };
	int64_t next;

	reminders_tick(s->reminders, now, utc_offset_s(s), &ro, &next);
	for (size_t i = 0; i < ro.n_prompts; i++) {
		log_info("safety: reminder '%s'%s", ro.prompts[i].schedule,
			 ro.prompts[i].repeat ? " (again: the window is over)" : "");
		actions_say(s->actions, ro.prompts[i].text, false);
	}
	for (size_t i = 0; i < ro.n_misses; i++) {
		const struct reminder_miss *m = &ro.misses[i];
		char msg[RECORD_TEXT_MAX + 1];
		bool pattern = m->consecutive >= setting(s, "ADH2", "family_after_missed", 2);

		snprintf(msg, sizeof(msg), "%s measurement '%s' missed (%u in a row)",
			 measurement_to_string(m->measurement), m->schedule, m->consecutive);
		external(s, pattern ? RULE_ADH2 : RULE_ADH1, pattern ? SEVERITY_P3 : SEVERITY_P4,
			 false, msg, &out);
	}
	if (ro.n_prompts || ro.n_misses) {
		raise_now(s, &out);
		save_reminders(s);
	}
}

static int on_tick(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct safety *s = userdata;
	struct rules_output out = { 0 };
	int64_t now = now_ms(s), next;

	sd_event_source_set_time(src, usec + TICK_S * 1000000ULL);
	if (rules_engine_tick(s->engine, now, &out, &next) < 0)
		log_error("safety: the rules tick failed");
	raise_now(s, &out);
	run_reminders(s, now);
	check_visit(s, now);
	return 0;
}

void safety_device_seen(struct safety *s, const char *device)
{
	rules_engine_device_seen(s->engine, device, now_ms(s));
}

/* ---- down/config and down/notice ---- */

/* Applies @c over the base thresholds and the config file's reminders. */
static int apply_config(struct safety *s, const struct down_config *c, char *why, size_t why_size)
{
	struct schedule schedules[REMINDERS_MAX];
	struct rules_config *rc = NULL;
	size_t n = 0;
	int r;

	r = rules_config_copy(s->base, &rc);
	if (r < 0) {
		snprintf(why, why_size, "out of memory");
		return r;
	}
	for (size_t i = 0; i < c->n_overrides && r >= 0; i++) {
		char w[160] = "";

		r = rules_config_set(rc, c->overrides[i].section, c->overrides[i].key,
				     c->overrides[i].value, w, sizeof(w));
		if (r < 0)
			snprintf(why, why_size, "thresholds.%s.%s: %s", c->overrides[i].section,
				 c->overrides[i].key, w);
	}
	if (r >= 0) {
		r = rules_config_validate(rc, why, why_size);
	}
	if (r >= 0) {
		for (size_t i = 0; i < s->config.n_reminders; i++) {
			bool replaced = false;

			for (size_t j = 0; j < c->n_schedules; j++)
				replaced |= strcmp(c->schedules[j].name,
						   s->config.reminders[i].name) == 0;
			if (!replaced)
				gateway_config_schedule(&s->config.reminders[i], &schedules[n++]);
		}
		for (size_t j = 0; j < c->n_schedules && n < REMINDERS_MAX; j++)
			schedules[n++] = c->schedules[j];
		r = reminders_set(s->reminders, schedules, n);
		if (r < 0)
			snprintf(why, why_size, "schedules: more than %d or a name twice",
				 REMINDERS_MAX);
	}
	if (r >= 0)
		r = rules_engine_set_config(s->engine, rc);
	if (r >= 0) {
		rules_config_free(s->current);
		s->current = TAKE_PTR(rc);
	}
	rules_config_free(rc);
	if (r >= 0) {
		s->config_version = c->version;
		snprintf(s->patient, sizeof(s->patient), "%s", c->patient);
	}
	return r;
}

void safety_down_config(struct safety *s, const char *payload, size_t len)
{
	struct record_error err = { 0 };
	char why[256] = "", version[24];
	struct down_config *c = calloc(1, sizeof(*c));
	_cleanup_free_ char *copy = NULL;
	int r;

	if (!c) {
		log_oom();
		return;
	}
	r = down_config_from_json(payload, len, c, &err);
	if (r < 0) {
		snprintf(why, sizeof(why), "%s", err.message);
	} else if (c->version == s->config_version) {
		free(c);
		return; /* the retained copy again after a reconnect */
	} else {
		r = apply_config(s, c, why, sizeof(why));
	}
	snprintf(version, sizeof(version), "%llu", r >= 0 ? (unsigned long long)c->version : 0ULL);
	if (r < 0) {
		log_error("safety: down/config rejected, keeping version %llu: %s",
			  (unsigned long long)s->config_version, why);
		enqueue_event(s, EVENT_CONFIG_APPLIED, why, "result", "rejected", NULL, NULL);
	} else {
		log_notice("safety: down/config version %s applied (%zu overrides, %zu schedules)",
			   version, c->n_overrides, c->n_schedules);
		enqueue_event(s, EVENT_CONFIG_APPLIED, "patient configuration applied", "result",
			      "applied", "version", version);
		copy = strndup(payload, len);
		if (!copy || outbox_state_set(s->outbox, "safety.down_config", copy) < 0)
			log_warning("safety: cannot keep down/config for the next start");
	}
	free(c);
}

void safety_notice(struct safety *s, const char *payload, size_t len)
{
	struct record_error err = { 0 };
	struct rules_output out = { 0 };
	struct notice n;
	char text[RECORD_TEXT_MAX + 1], id[24] = "";

	if (notice_from_json(payload, len, &n, &err) < 0) {
		log_warning("safety: down/notice ignored: %s", err.message);
		return;
	}
	switch (n.type) {
	case NOTICE_ALERT_ACKNOWLEDGED: {
		bool call = strcmp(n.rule, "CALL") == 0;

		if (rules_engine_acknowledged(s->engine, n.alert_id, now_ms(s), &out) < 0)
			log_warning("safety: cannot apply the acknowledgement of alert %llu",
				    (unsigned long long)n.alert_id);
		snprintf(text, sizeof(text), "%s",
			 n.text[0] ? n.text
			 : call    ? TEXT_CALL_ACKNOWLEDGED
				   : TEXT_ALERT_ACKNOWLEDGED);
		snprintf(id, sizeof(id), "%llu", (unsigned long long)n.alert_id);
		if (call)
			s->acknowledge = true;
		break;
	}
	case NOTICE_VISIT: {
		time_t t = (time_t)(n.at_ms / 1000) + utc_offset_s(s);
		struct tm tm;

		if (n.text[0] || !gmtime_r(&t, &tm))
			snprintf(text, sizeof(text), "%s", n.text);
		else
			snprintf(text, sizeof(text), "医生将于%d月%d日%02d点%02d分上门",
				 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
		break;
	}
	default:
		snprintf(text, sizeof(text), "%s", n.text);
		break;
	}
	log_notice("safety: announcing a %s notice", notice_type_to_string(n.type));
	raise_now(s, &out);
	actions_say(s->actions, text, n.type == NOTICE_ALERT_ACKNOWLEDGED);
	/* The record says what was announced, not the words: they may name people. */
	enqueue_event(s, EVENT_NOTICE_ANNOUNCED, "notice announced at the bedside", "type",
		      notice_type_to_string(n.type), id[0] ? "alert_id" : NULL, id);
}

/* ---- status ---- */

char *safety_status_json(struct safety *s)
{
	struct alert open[OPEN_ALERTS_MAX];
	size_t n = rules_engine_open_alerts(s->engine, open, OPEN_ALERTS_MAX);
	cJSON *o = cJSON_CreateObject(), *a, *rem, *v;
	char *json;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "alarm", alarm_level_to_string(actions_level(s->actions)));
	cJSON_AddNumberToObject(o, "config_version", (double)s->config_version);
	a = cJSON_AddArrayToObject(o, "open_alerts");
	for (size_t i = 0; a && i < n; i++) {
		cJSON *e = cJSON_CreateObject();

		if (!e || !cJSON_AddItemToArray(a, e))
			break;
		cJSON_AddNumberToObject(e, "alert_id", (double)open[i].alert_id);
		cJSON_AddStringToObject(e, "rule", open[i].rule);
		cJSON_AddStringToObject(e, "severity", severity_to_string(open[i].severity));
		cJSON_AddStringToObject(e, "confirmation",
					confirmation_to_string(open[i].confirmation));
		cJSON_AddStringToObject(e, "message", open[i].message);
	}
	rem = cJSON_AddArrayToObject(o, "reminders");
	for (size_t i = 0; rem && i < reminders_count(s->reminders); i++) {
		const struct schedule *sc = reminders_get(s->reminders, i);
		cJSON *e = cJSON_CreateObject(), *t;

		if (!e || !cJSON_AddItemToArray(rem, e))
			break;
		cJSON_AddStringToObject(e, "name", sc->name);
		cJSON_AddStringToObject(e, "kind", schedule_kind_to_string(sc->kind));
		if (sc->kind == SCHEDULE_MEASUREMENT)
			cJSON_AddStringToObject(e, "measurement",
						measurement_to_string(sc->measurement));
		t = cJSON_AddArrayToObject(e, "times");
		for (size_t k = 0; t && k < sc->n_times; k++) {
			char hm[8];

			snprintf(hm, sizeof(hm), "%02u:%02u", (unsigned)(sc->times[k] / 60) % 100,
				 (unsigned)(sc->times[k] % 60));
			cJSON_AddItemToArray(t, cJSON_CreateString(hm));
		}
	}
	cJSON_AddNumberToObject(o, "missed_in_a_row", reminders_missed(s->reminders));
	v = cJSON_AddObjectToObject(o, "visit");
	if (v) {
		cJSON_AddBoolToObject(v, "open", s->visit_open);
		if (s->visit_open) {
			cJSON_AddStringToObject(v, "staff", s->visit_staff);
			cJSON_AddStringToObject(v, "service", s->visit_service);
			cJSON_AddNumberToObject(v, "since_ms", (double)s->visit_start_ms);
			cJSON_AddNumberToObject(v, "expected_min", (double)s->visit_expected_min);
		}
	}
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return json;
}

/* ---- setup ---- */

static void load_state(struct safety *s)
{
	_cleanup_free_ char *buf = malloc(RECORD_JSON_MAX * 64);
	size_t size = RECORD_JSON_MAX * 64;
	struct down_config *c;
	struct record_error err;
	char why[256];

	if (!buf)
		return;
	if (outbox_state_get(s->outbox, "safety.down_config", buf, size) >= 0) {
		c = calloc(1, sizeof(*c));
		if (c && down_config_from_json(buf, strlen(buf), c, &err) >= 0 &&
		    apply_config(s, c, why, sizeof(why)) >= 0)
			log_info("safety: patient configuration version %llu restored",
				 (unsigned long long)c->version);
		free(c);
	}
	if (outbox_state_get(s->outbox, "safety.rules", buf, size) < 0 ||
	    rules_engine_load(s->engine, buf, strlen(buf)) < 0) {
		struct outbox_stats st = { 0 };

		log_notice("safety: no saved rules state; starting with no open alerts");
		/* Alert ids stay unique: no earlier alert can have an id above the record count. */
		if (outbox_stats(s->outbox, &st) >= 0)
			rules_engine_reserve_alert_ids(s->engine, st.next_seq);
	}
	if (outbox_state_get(s->outbox, "safety.reminders", buf, size) >= 0 &&
	    reminders_load(s->reminders, buf, strlen(buf)) < 0)
		log_warning("safety: the saved reminder state is unreadable; starting afresh");
	load_visit(s);
}

int safety_check_thresholds(const struct gateway_config *c, char *msg, size_t msg_size)
{
	struct config_error err = { 0 };
	struct rules_config *rc = NULL;
	char why[256] = "";
	int r = rules_config_new(&rc);

	if (r < 0) {
		snprintf(msg, msg_size, "out of memory");
		return r;
	}
	if (c->rules_thresholds[0]) {
		r = rules_config_load(rc, c->rules_thresholds, &err);
		if (r < 0)
			snprintf(msg, msg_size, "%s", err.message);
	}
	if (r >= 0) {
		r = rules_config_validate(rc, why, sizeof(why));
		if (r < 0)
			snprintf(msg, msg_size, "%s: %s",
				 c->rules_thresholds[0] ? c->rules_thresholds
							: "built-in thresholds",
				 why);
	}
	rules_config_free(rc);
	return r;
}

static int load_thresholds(struct safety *s)
{
	struct config_error err = { 0 };
	char why[256] = "";
	int r;

	r = rules_config_new(&s->base);
	if (r < 0)
		return log_oom();
	if (s->config.rules_thresholds[0]) {
		r = rules_config_load(s->base, s->config.rules_thresholds, &err);
		if (r < 0) {
			log_error("safety: %s", err.message);
			return r;
		}
	}
	r = rules_config_validate(s->base, why, sizeof(why));
	if (r < 0)
		log_error("safety: thresholds '%s': %s", s->config.rules_thresholds, why);
	return r;
}

int safety_new(sd_event *event, const struct gateway_config *config, struct outbox *outbox,
	       const struct safety_host *host, void *userdata, struct safety **ret)
{
	struct actions_config ac = { 0 };
	struct schedule schedules[GATEWAY_REMINDERS_MAX];
	struct safety *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return log_oom();
	s->event = sd_event_ref(event);
	s->config = *config;
	s->outbox = outbox;
	s->host = *host;
	s->userdata = userdata;
	r = load_thresholds(s);
	if (r < 0)
		goto fail;
	r = rules_engine_new(s->base, &s->engine);
	if (r >= 0)
		r = rules_config_copy(s->base, &s->current);
	if (r < 0)
		goto fail;
	r = reminders_new((uint32_t)config->reminders_early_min, &s->reminders);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < config->n_reminders; i++)
		gateway_config_schedule(&config->reminders[i], &schedules[i]);
	r = reminders_set(s->reminders, schedules, config->n_reminders);
	if (r < 0)
		goto fail;

	snprintf(ac.led_chip, sizeof(ac.led_chip), "%s", config->alarm_led_chip);
	ac.led_line = (unsigned)config->alarm_led_line;
	snprintf(ac.buzzer_chip, sizeof(ac.buzzer_chip), "%s", config->alarm_buzzer_chip);
	ac.buzzer_line = (unsigned)config->alarm_buzzer_line;
	snprintf(ac.voice_command, sizeof(ac.voice_command), "%s", config->alarm_voice_command);
	ac.buzzer_silence_s = (uint32_t)config->alarm_buzzer_silence_s;
	r = actions_new(event, &ac, &s->actions);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < config->n_buttons; i++) {
		struct button_config bc;

		gateway_config_button(&config->buttons[i], 50, &bc);
		r = button_new(event, &bc, on_button, s, &s->buttons[i]);
		if (r < 0)
			goto fail;
	}
	load_state(s);
	/* Silence is counted from now: devices cannot report while the gateway is down. */
	for (size_t i = 0; i < config->n_devices; i++)
		rules_engine_device_seen(s->engine, config->devices[i].name, now_ms(s));
	r = sd_event_add_time_relative(event, &s->tick, CLOCK_MONOTONIC, TICK_S * 1000000ULL, 0,
				       on_tick, s);
	if (r >= 0)
		r = sd_event_source_set_enabled(s->tick, SD_EVENT_ON);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	safety_free(s);
	return r;
}

struct safety *safety_free(struct safety *s)
{
	if (!s)
		return NULL;
	sd_event_source_disable_unref(s->tick);
	for (size_t i = 0; i < GATEWAY_BUTTONS_MAX; i++)
		button_free(s->buttons[i]);
	actions_free(s->actions);
	reminders_free(s->reminders);
	rules_engine_free(s->engine);
	rules_config_free(s->base);
	rules_config_free(s->current);
	sd_event_unref(s->event);
	free(s);
	return NULL;
}
