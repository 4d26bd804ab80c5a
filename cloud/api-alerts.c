// SPDX-License-Identifier: MIT
/*
 * Alerts in the JSON API: the list a doctor works from (filtered by state,
 * severity, patient and time, scoped to the caller's team), acknowledging
 * and resolving. Each change commits with its audit entry; the
 * acknowledgement hook and the live event follow the commit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-internal.h"
#include "api-request.h"
#include "json-util.h"
#include "log.h"

#define ALERTS_LIMIT_DEFAULT 100
#define ALERTS_LIMIT_MAX     500

static bool add_string(cJSON *o, const char *name, const char *v)
{
	return cJSON_AddStringToObject(o, name, v) != NULL;
}

static cJSON *alert_to_json(const struct store_alert *al)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !json_add_integer(o, "id", al->id) ||
	    !json_add_integer(o, "patient", al->patient_id) ||
	    !add_string(o, "gateway", al->gateway_id) || !add_string(o, "rule", al->rule) ||
	    !add_string(o, "severity", severity_to_string(al->severity)) ||
	    !add_string(o, "state", store_alert_state_to_string(al->state)) ||
	    !add_string(o, "gateway_state", alert_state_to_string(al->gateway_state)) ||
	    !add_string(o, "message", al->message) ||
	    !json_add_integer(o, "raised_at", al->raised_at) ||
	    !json_add_integer(o, "received_at", al->received_at) ||
	    !json_add_integer(o, "notified_at", al->notified_at) ||
	    !json_add_integer(o, "acknowledged_by", al->acknowledged_by) ||
	    !json_add_integer(o, "acknowledged_at", al->acknowledged_at) ||
	    !add_string(o, "ack_note", al->ack_note) ||
	    !json_add_integer(o, "resolved_by", al->resolved_by) ||
	    !json_add_integer(o, "resolved_at", al->resolved_at) ||
	    !add_string(o, "outcome", store_alert_outcome_to_string(al->outcome)) ||
	    !add_string(o, "resolve_note", al->resolve_note) ||
	    !json_add_integer(o, "escalation_level", al->escalation_level)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Reads the filters of GET /api/alerts; 0, or -EINVAL with a 400 reply set. */
static int alert_filter_from_query(struct api_call *call, struct store_alert_filter *f,
				   long long *before, long long *limit)
{
	const char *state = api_query(call, "state"), *severity = api_query(call, "severity");
	long long patient = 0, since = 0;
	int v;

	if (state) {
		v = store_alert_state_from_string(state);
		if (v < 0) {
			api_fail(call, 400, "query parameter 'state' is not an alert state");
			return -EINVAL;
		}
		f->by_state = true;
		f->state = v;
	}
	if (severity) {
		v = severity_from_string(severity);
		if (v < 0) {
			api_fail(call, 400, "query parameter 'severity' must be P1, P2 or P3");
			return -EINVAL;
		}
		f->by_severity = true;
		f->severity = v;
	}
	if (api_query_int(call, "patient", 1, API_INT_MAX, &patient) < 0 ||
	    api_query_int(call, "since", 0, API_INT_MAX, &since) < 0 ||
	    api_query_int(call, "before", 1, API_INT_MAX, before) < 0 ||
	    api_query_int(call, "limit", 1, ALERTS_LIMIT_MAX, limit) < 0)
		return -EINVAL;
	f->patient_id = patient;
	f->since = since;
	return 0;
}

void api_on_alerts(struct api_call *call)
{
	struct store *s = call->api->store;
	struct store_alert_filter f = { .institution_id = call->user.institution_id };
	_cleanup_free_ struct store_alert *out = NULL;
	long long before = 0, limit = ALERTS_LIMIT_DEFAULT;
	struct store_patient p;
	char object[64];
	cJSON *json, *list;
	int n, r;

	if (alert_filter_from_query(call, &f, &before, &limit) < 0)
		return;
	if (f.patient_id && api_patient_load(call, f.patient_id, &p) < 0)
		return;
	if (call->user.role != STORE_ROLE_ADMIN)
		f.team_id = call->user.team_id ? call->user.team_id : -1;
	if (f.patient_id)
		snprintf(object, sizeof(object), "patient:%lld", (long long)f.patient_id);
	else if (f.team_id > 0)
		snprintf(object, sizeof(object), "team:%lld", (long long)f.team_id);
	else
		snprintf(object, sizeof(object), "institution:%lld", (long long)f.institution_id);
	out = calloc((size_t)limit, sizeof(*out));
	if (!out) {
		api_fail(call, 500, "internal error");
		return;
	}
	r = store_begin(s);
	n = r < 0 ? r : store_alerts_list(s, &f, before, out, (size_t)limit);
	r = n < 0 ? n : api_audit(call, "alerts.list", object, "");
	if (r < 0) {
		store_rollback(s);
		api_fail_store(call, r, "listing alerts");
		return;
	}
	if (api_commit(call, "listing alerts") < 0)
		return;
	json = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(json, "alerts");
	for (int i = 0; list && i < n; i++) {
		cJSON *item = alert_to_json(&out[i]);

		if (!item || !cJSON_AddItemToArray(list, item)) {
			cJSON_Delete(item);
			list = NULL;
		}
	}
	if (!list) {
		cJSON_Delete(json);
		json = NULL;
	}
	api_reply(call, 200, json);
}

/*
 * Loads alert @id when the caller may act on it: 0, or a negative errno with
 * the reply set. An alert of an unbound gateway belongs to the admins.
 */
static int alert_load(struct api_call *call, int64_t id, struct store_alert *al,
		      struct store_patient *p)
{
	int r = store_alert_get(call->api->store, id, al);

	if (r == -ENOENT) {
		api_fail(call, 404, "no alert %lld", (long long)id);
		return r;
	}
	if (r < 0) {
		api_fail_store(call, r, "reading an alert");
		return r;
	}
	if (al->patient_id)
		return api_patient_load(call, al->patient_id, p);
	*p = (struct store_patient){ .institution_id = call->user.institution_id };
	if (call->user.role != STORE_ROLE_ADMIN) {
		api_fail(call, 403, "alert %lld belongs to no patient: an admin handles it",
			 (long long)id);
		return -EPERM;
	}
	return 0;
}

/* Replies with the alert as it is now and tells the live streams of its team. */
static void alert_changed(struct api_call *call, int64_t id, const struct store_patient *p)
{
	struct store_alert al;
	_cleanup_free_ char *text = NULL;
	cJSON *json;
	int r = store_alert_get(call->api->store, id, &al);

	if (r < 0) {
		api_fail_store(call, r, "reading an alert");
		return;
	}
	json = alert_to_json(&al);
	text = json ? cJSON_PrintUnformatted(json) : NULL;
	if (text) {
		api_publish(call->api, "alert", text, p->team_id, p->institution_id);
		if (call->api->hooks.event_published)
			call->api->hooks.event_published(call->api->userdata, "alert", text,
							 p->team_id, p->institution_id);
	}
	api_reply(call, 200, json);
}

void api_on_alert_acknowledge(struct api_call *call)
{
	struct store *s = call->api->store;
	struct api_acknowledge_request req;
	struct record_error err;
	struct store_alert al;
	struct store_patient p;
	int64_t id = call->ids[0];
	char object[64];
	int r;

	r = api_parse_acknowledge(call->body, call->body_len, &req, &err);
	if (r < 0) {
		api_fail(call, r == -EBADMSG ? 400 : 500, "%s",
			 r == -EBADMSG ? err.message : "internal error");
		return;
	}
	if (alert_load(call, id, &al, &p) < 0)
		return;
	snprintf(object, sizeof(object), "alert:%lld", (long long)id);
	r = store_begin(s);
	if (r >= 0)
		r = store_alert_acknowledge(s, id, call->user.id, req.note, api_now_ms());
	if (r >= 0)
		r = api_audit(call, "alert.acknowledge", object, "");
	if (r < 0) {
		store_rollback(s);
		if (r == -EALREADY)
			api_fail(call, 409, "alert %lld is already %s", (long long)id,
				 al.state == STORE_ALERT_RESOLVED ? "resolved" : "acknowledged");
		else
			api_fail_store(call, r, "acknowledging an alert");
		return;
	}
	if (api_commit(call, "acknowledging an alert") < 0)
		return;
	call->acknowledged_alert = id;
	alert_changed(call, id, &p);
}

void api_on_alert_resolve(struct api_call *call)
{
	struct store *s = call->api->store;
	struct api_resolve_request req;
	struct record_error err;
	struct store_alert al;
	struct store_patient p;
	int64_t id = call->ids[0];
	char object[64], detail[64];
	int r;

	r = api_parse_resolve(call->body, call->body_len, &req, &err);
	if (r < 0) {
		api_fail(call, r == -EBADMSG ? 400 : 500, "%s",
			 r == -EBADMSG ? err.message : "internal error");
		return;
	}
	if (alert_load(call, id, &al, &p) < 0)
		return;
	snprintf(object, sizeof(object), "alert:%lld", (long long)id);
	/* The note stays on the alert: free text may name the patient, the audit log must not. */
	snprintf(detail, sizeof(detail), "outcome=%s", store_alert_outcome_to_string(req.outcome));
	r = store_begin(s);
	if (r >= 0)
		r = store_alert_resolve(s, id, call->user.id, req.outcome, req.note, api_now_ms());
	if (r >= 0)
		r = api_audit(call, "alert.resolve", object, detail);
	if (r < 0) {
		store_rollback(s);
		if (r == -EALREADY)
			api_fail(call, 409, "alert %lld is already resolved", (long long)id);
		else
			api_fail_store(call, r, "resolving an alert");
		return;
	}
	if (api_commit(call, "resolving an alert") < 0)
		return;
	alert_changed(call, id, &p);
}
