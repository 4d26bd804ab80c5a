// SPDX-License-Identifier: MIT
/*
 * Alert notification, escalation and acknowledgement notices. The store
 * keeps the state machine; this module decides who is told and when.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>

#include <cjson/cJSON.h>

#include "alerts.h"
#include "down.h"
#include "json-util.h"
#include "log.h"
#include "webhook.h"

#define ESCALATE_BATCH_MAX 64
#define ACK_QUEUE_MAX      1024

struct alerts {
	struct store *store;     /* borrowed */
	struct webhook *webhook; /* borrowed; NULL: none */
	struct alert_sink sink;
	struct alerts_config config;
	sd_event_source *ack_source;
	int ack_fd;
	pthread_mutex_t lock; /* guards the acknowledgement queue */
	int64_t ack_queue[ACK_QUEUE_MAX];
	size_t n_ack;
};

/* Who an alert belongs to: the patient's team and institution (0 when unbound). */
struct alert_owner {
	int64_t team_id, institution_id;
	char pseudonym[RECORD_NAME_MAX + 1];
};

static void alert_owner(struct alerts *a, int64_t patient_id, struct alert_owner *o)
{
	struct store_patient p;

	memset(o, 0, sizeof(*o));
	if (patient_id <= 0 || store_patient_get(a->store, patient_id, &p) < 0)
		return;
	o->team_id = p.team_id;
	o->institution_id = p.institution_id;
	snprintf(o->pseudonym, sizeof(o->pseudonym), "%s", p.pseudonym);
}

int alerts_to_json(struct alerts *a, const struct store_alert *al, const char *escalated_to,
		   char **ret)
{
	struct alert_owner o;
	cJSON *j = cJSON_CreateObject();
	char *out;

	if (!j)
		return -ENOMEM;
	alert_owner(a, al->patient_id, &o);
	cJSON_AddNumberToObject(j, "id", (double)al->id);
	cJSON_AddStringToObject(j, "gateway_id", al->gateway_id);
	cJSON_AddNumberToObject(j, "gateway_alert_id", (double)al->gateway_alert_id);
	cJSON_AddNumberToObject(j, "patient_id", (double)al->patient_id);
	cJSON_AddStringToObject(j, "patient_pseudonym", o.pseudonym);
	cJSON_AddNumberToObject(j, "team_id", (double)o.team_id);
	cJSON_AddNumberToObject(j, "institution_id", (double)o.institution_id);
	cJSON_AddStringToObject(j, "rule", al->rule);
	cJSON_AddStringToObject(j, "severity", severity_to_string(al->severity));
	cJSON_AddStringToObject(j, "state", store_alert_state_to_string(al->state));
	cJSON_AddStringToObject(j, "gateway_state", alert_state_to_string(al->gateway_state));
	cJSON_AddStringToObject(j, "message", al->message);
	cJSON_AddNumberToObject(j, "raised_at", (double)al->raised_at);
	cJSON_AddNumberToObject(j, "received_at", (double)al->received_at);
	cJSON_AddNumberToObject(j, "escalation_level", al->escalation_level);
	if (escalated_to)
		cJSON_AddStringToObject(j, "escalated_to", escalated_to);
	out = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!out)
		return -ENOMEM;
	*ret = out;
	return 0;
}

/*
 * The alert as the live event stream carries it: the object of GET /api/alerts
 * (docs/api.md), the same the API sends when it changes an alert itself, so
 * that the console reads one shape; "escalated_to" is added on an escalation.
 */
static int stream_json(const struct store_alert *al, const char *escalated_to, char **ret)
{
	cJSON *j = cJSON_CreateObject();
	char *out = NULL;

	if (j && json_add_integer(j, "id", al->id) &&
	    json_add_integer(j, "patient", al->patient_id) &&
	    cJSON_AddStringToObject(j, "gateway", al->gateway_id) &&
	    cJSON_AddStringToObject(j, "rule", al->rule) &&
	    cJSON_AddStringToObject(j, "severity", severity_to_string(al->severity)) &&
	    cJSON_AddStringToObject(j, "state", store_alert_state_to_string(al->state)) &&
	    cJSON_AddStringToObject(j, "gateway_state", alert_state_to_string(al->gateway_state)) &&
	    cJSON_AddStringToObject(j, "message", al->message) &&
	    json_add_integer(j, "raised_at", al->raised_at) &&
	    json_add_integer(j, "received_at", al->received_at) &&
	    json_add_integer(j, "notified_at", al->notified_at) &&
	    json_add_integer(j, "acknowledged_by", al->acknowledged_by) &&
	    json_add_integer(j, "acknowledged_at", al->acknowledged_at) &&
	    cJSON_AddStringToObject(j, "ack_note", al->ack_note) &&
	    json_add_integer(j, "resolved_by", al->resolved_by) &&
	    json_add_integer(j, "resolved_at", al->resolved_at) &&
	    cJSON_AddStringToObject(j, "outcome", store_alert_outcome_to_string(al->outcome)) &&
	    cJSON_AddStringToObject(j, "resolve_note", al->resolve_note) &&
	    json_add_integer(j, "escalation_level", al->escalation_level) &&
	    (!escalated_to || cJSON_AddStringToObject(j, "escalated_to", escalated_to)))
		out = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!out)
		return -ENOMEM;
	*ret = out;
	return 0;
}

/*
 * Tells the event stream (the owning team, and @extra_team when escalated)
 * unless @to_stream is false (the API already did), and the webhook.
 */
static void notify(struct alerts *a, const char *event, const struct store_alert *al,
		   const char *escalated_to, int64_t extra_team, bool to_stream)
{
	_cleanup_free_ char *json = NULL, *stream = NULL;
	struct alert_owner o;

	if (alerts_to_json(a, al, escalated_to, &json) < 0 ||
	    (to_stream && a->sink.publish && stream_json(al, escalated_to, &stream) < 0)) {
		log_oom();
		return;
	}
	alert_owner(a, al->patient_id, &o);
	if (stream) {
		a->sink.publish(a->sink.userdata, "alert", stream, o.team_id, o.institution_id);
		if (extra_team > 0 && extra_team != o.team_id)
			a->sink.publish(a->sink.userdata, "alert", stream, extra_team,
					o.institution_id);
	}
	if (a->webhook)
		(void)webhook_post(a->webhook, event, json);
}

/*
 * Notifies first, then marks: a call reaches the streams and the webhook
 * without waiting for another commit, and a batch's marks share one
 * transaction. The event already says "notified": sending it is the notifying.
 */
void alerts_on_ingest(struct alerts *a, const struct store_ingest_result *res, int64_t now)
{
	bool sent[STORE_INGEST_MAX] = { false }; /* raised, and now notified */
	size_t n_sent = 0;
	int r;

	for (size_t i = 0; i < res->n_alerts; i++) {
		const struct store_alert_change *c = &res->alerts[i];
		struct store_alert al;

		if (store_alert_get(a->store, c->alert_id, &al) < 0)
			continue;
		if (al.state == STORE_ALERT_RAISED) {
			al.state = STORE_ALERT_NOTIFIED;
			al.notified_at = now;
			sent[i] = true;
			n_sent++;
		}
		log_info("alerts: %s %s %s from '%s' (alert %" PRId64 ", gateway alert %" PRIu64
			 ")",
			 c->created ? "new" : "changed", severity_to_string(al.severity), al.rule,
			 al.gateway_id, al.id, al.gateway_alert_id);
		notify(a, c->created ? "alert.raised" : "alert.updated", &al, NULL, 0, true);
	}
	if (n_sent == 0)
		return;
	r = store_begin(a->store);
	if (r < 0) {
		log_warning_errno(r, "alerts: the notified marks of a batch were not stored: %m");
		return;
	}
	for (size_t i = 0; r >= 0 && i < res->n_alerts; i++) {
		if (!sent[i])
			continue;
		r = store_alert_mark_notified(a->store, res->alerts[i].alert_id, now);
		if (r == -EALREADY) /* acknowledged meanwhile, through the API */
			r = 0;
	}
	if (r < 0)
		(void)store_rollback(a->store);
	else
		r = store_commit(a->store); /* rolls back by itself when it fails */
	if (r < 0)
		log_warning_errno(r, "alerts: the notified marks of a batch were not stored: %m");
}

/* An escalation step decided inside the transaction, announced after it. */
struct escalation {
	int64_t alert_id;
	char target[STORE_NAME_MAX + STORE_CONTACT_MAX + 16];
	int64_t target_team;
};

/* Level 0 -> the team's backup team; level 1 -> the institution's duty line. */
static void escalation_target(struct alerts *a, const struct store_alert *al, struct escalation *e,
			      int64_t *next_at)
{
	struct alert_owner o;
	struct store_team team, backup;
	struct store_institution inst;

	alert_owner(a, al->patient_id, &o);
	*next_at = 0;
	e->target_team = 0;
	if (al->escalation_level == 0) {
		*next_at = al->received_at + a->config.p1_duty_ms;
		if (o.team_id > 0 && store_team_get(a->store, o.team_id, &team) >= 0 &&
		    team.backup_team_id > 0 &&
		    store_team_get(a->store, team.backup_team_id, &backup) >= 0) {
			e->target_team = backup.id;
			snprintf(e->target, sizeof(e->target), "team:%" PRId64 " %s%s%s", backup.id,
				 backup.name, backup.duty_line[0] ? " " : "", backup.duty_line);
			return;
		}
		snprintf(e->target, sizeof(e->target), "backup team: none configured");
		return;
	}
	if (o.institution_id > 0 && store_institution_get(a->store, o.institution_id, &inst) >= 0)
		snprintf(e->target, sizeof(e->target), "institution:%" PRId64 " duty line %s",
			 inst.id, inst.duty_line[0] ? inst.duty_line : "(none configured)");
	else
		snprintf(e->target, sizeof(e->target), "duty line: patient not bound");
}

int alerts_escalate_due(struct alerts *a, int64_t now)
{
	struct store_alert due[ESCALATE_BATCH_MAX];
	struct escalation esc[ESCALATE_BATCH_MAX];
	size_t n_esc = 0;
	int r, n;

	r = store_begin(a->store);
	if (r < 0)
		return r;
	r = store_try_lock_job(a->store, "escalation");
	if (r <= 0) {
		store_rollback(a->store);
		return r;
	}
	n = store_alerts_due_escalation(a->store, now, due, ELEMENTSOF(due));
	if (n < 0) {
		store_rollback(a->store);
		return n;
	}
	for (int i = 0; i < n; i++) {
		struct escalation *e = &esc[n_esc];
		char object[32], detail[256];
		int64_t next_at;

		e->alert_id = due[i].id;
		escalation_target(a, &due[i], e, &next_at);
		r = store_alert_escalate(a->store, due[i].id, due[i].escalation_level, next_at,
					 now);
		if (r == -EALREADY)
			continue;
		if (r >= 0) {
			snprintf(object, sizeof(object), "alert:%" PRId64, due[i].id);
			snprintf(detail, sizeof(detail), "level %u to %s",
				 due[i].escalation_level + 1, e->target);
			r = store_audit_append(a->store, 0, "alert.escalate", object, detail, now);
		}
		if (r < 0) {
			store_rollback(a->store);
			return r;
		}
		n_esc++;
	}
	r = store_commit(a->store);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_esc; i++) {
		struct store_alert al;

		if (store_alert_get(a->store, esc[i].alert_id, &al) < 0)
			continue;
		log_notice("alerts: %s %s from '%s' (alert %" PRId64
			   ") not acknowledged: escalated to level %u, %s",
			   severity_to_string(al.severity), al.rule, al.gateway_id, al.id,
			   al.escalation_level, esc[i].target);
		notify(a, "alert.escalated", &al, esc[i].target, esc[i].target_team, true);
	}
	return (int)n_esc;
}

int alerts_acknowledge(struct alerts *a, int64_t alert_id, int64_t user_id, const char *note,
		       int64_t now)
{
	char object[32];
	int r;

	r = store_begin(a->store);
	if (r < 0)
		return r;
	r = store_alert_acknowledge(a->store, alert_id, user_id, note, now);
	if (r >= 0) {
		snprintf(object, sizeof(object), "alert:%" PRId64, alert_id);
		r = store_audit_append(a->store, user_id, "alert.acknowledge", object,
				       note && note[0] ? "with a note" : "", now);
	}
	if (r < 0) {
		store_rollback(a->store);
		return r;
	}
	r = store_commit(a->store);
	if (r < 0)
		return r;
	return alerts_acknowledged(a, alert_id);
}

/* alerts_acknowledged(); @to_stream false when the API told the live streams itself. */
static int acknowledged(struct alerts *a, int64_t alert_id, bool to_stream)
{
	struct notice n = { .type = NOTICE_ALERT_ACKNOWLEDGED };
	_cleanup_free_ char *json = NULL;
	struct store_alert al;
	int r;

	r = store_alert_get(a->store, alert_id, &al);
	if (r < 0)
		return r;
	notify(a, "alert.acknowledged", &al, NULL, 0, to_stream);
	if (al.severity != SEVERITY_P1 && strcmp(al.rule, "CALL") != 0)
		return 0;
	n.alert_id = al.gateway_alert_id;
	snprintf(n.rule, sizeof(n.rule), "%s", al.rule);
	r = notice_to_json(&n, &json);
	if (r < 0)
		return log_error_errno(
			r, "alerts: cannot encode the notice for alert %" PRId64 ": %m", alert_id);
	if (!a->sink.notice)
		return 0;
	r = a->sink.notice(a->sink.userdata, al.gateway_id, json);
	if (r < 0)
		return log_error_errno(
			r, "alerts: cannot send the notice for alert %" PRId64 " to '%s': %m",
			alert_id, al.gateway_id);
	log_info("alerts: told '%s' that alert %" PRIu64 " (%s) was acknowledged", al.gateway_id,
		 al.gateway_alert_id, al.rule);
	return 1;
}

int alerts_acknowledged(struct alerts *a, int64_t alert_id)
{
	return acknowledged(a, alert_id, true);
}

int alerts_queue_acknowledged(struct alerts *a, int64_t alert_id)
{
	int r = 0;

	pthread_mutex_lock(&a->lock);
	if (a->n_ack == ACK_QUEUE_MAX)
		r = -ENOBUFS;
	else
		a->ack_queue[a->n_ack++] = alert_id;
	pthread_mutex_unlock(&a->lock);
	if (r < 0)
		return log_warning_errno(
			r, "alerts: acknowledgement queue full, alert %" PRId64 " gets no notice",
			alert_id);
	if (eventfd_write(a->ack_fd, 1) < 0)
		return -errno;
	return 0;
}

static int on_ack_queue(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct alerts *a = userdata;
	int64_t ids[ACK_QUEUE_MAX];
	eventfd_t v;
	size_t n;

	(void)s;
	(void)revents;
	(void)eventfd_read(fd, &v);
	pthread_mutex_lock(&a->lock);
	n = a->n_ack;
	memcpy(ids, a->ack_queue, n * sizeof(ids[0]));
	a->n_ack = 0;
	pthread_mutex_unlock(&a->lock);
	/* The API published the acknowledged alert to the live streams already. */
	for (size_t i = 0; i < n; i++)
		(void)acknowledged(a, ids[i], false);
	return 0;
}

int alerts_attach_event(struct alerts *a, sd_event *e)
{
	int r = sd_event_add_io(e, &a->ack_source, a->ack_fd, EPOLLIN, on_ack_queue, a);

	if (r < 0)
		return log_error_errno(r, "alerts: cannot watch the acknowledgement queue: %m");
	return 0;
}

int alerts_new(struct store *s, const struct alerts_config *c, const struct alert_sink *sink,
	       struct webhook *webhook, struct alerts **ret)
{
	int64_t delays[_SEVERITY_MAX] = { [SEVERITY_P1] = c->p1_backup_ms };
	struct alerts *a = calloc(1, sizeof(*a));

	if (!a)
		return log_oom();
	a->store = s;
	a->webhook = webhook;
	a->sink = *sink;
	a->config = *c;
	pthread_mutex_init(&a->lock, NULL);
	a->ack_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->ack_fd < 0) {
		int r = -errno;

		alerts_free(a);
		return log_error_errno(r, "alerts: cannot make an eventfd: %m");
	}
	store_set_escalation_delays(s, delays);
	*ret = a;
	return 0;
}

struct alerts *alerts_free(struct alerts *a)
{
	if (!a)
		return NULL;
	sd_event_source_disable_unref(a->ack_source);
	if (a->ack_fd >= 0)
		close(a->ack_fd);
	pthread_mutex_destroy(&a->lock);
	free(a);
	return NULL;
}
