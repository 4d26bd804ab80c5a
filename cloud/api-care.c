// SPDX-License-Identifier: MIT
/*
 * Care work in the JSON API: the follow-up agenda and worklist of overdue
 * tasks, recording a visit (which closes the task it fulfils), and opening
 * and closing family sick beds. After each of those changes commits, the
 * daemon's patient_changed hook replans the patient (cloud/followup.h), so
 * that the next task is on the agenda at once; the reply says what changed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-internal.h"
#include "api-request.h"
#include "civil-date.h"
#include "json-util.h"
#include "log.h"

#define TASKS_LIMIT_DEFAULT 200
#define TASKS_LIMIT_MAX     500

int32_t api_today(const struct api *a)
{
	int32_t offset = a->config.has_utc_offset ? a->config.utc_offset_s : API_UTC_OFFSET_S;

	return civil_date_local_day(api_now_ms() / 1000, offset);
}

/*
 * Replans @patient_id after a committed change and adds "replan" to @json:
 * the counts, or null when the daemon has no planner or it failed (the
 * change stands; the daily sweep replans). false only when out of memory.
 */
static bool replan(struct api_call *call, int64_t patient_id, cJSON *json)
{
	struct api *a = call->api;
	struct api_replan rp = { 0 };
	cJSON *o;
	int r;

	if (!a->hooks.patient_changed)
		return cJSON_AddNullToObject(json, "replan") != NULL;
	r = a->hooks.patient_changed(a->userdata, a->store, patient_id, api_now_ms(), &rp);
	if (r < 0) {
		log_warning_errno(r, "api: patient %lld not replanned, the daily sweep will: %m",
				  (long long)patient_id);
		return cJSON_AddNullToObject(json, "replan") != NULL;
	}
	o = cJSON_AddObjectToObject(json, "replan");
	return o && json_add_integer(o, "created", rp.created) &&
	       json_add_integer(o, "updated", rp.updated) &&
	       json_add_integer(o, "fulfilled", rp.fulfilled) &&
	       json_add_integer(o, "withdrawn", rp.withdrawn);
}

static bool add_date(cJSON *o, const char *name, int32_t days)
{
	char buf[CIVIL_DATE_STRING_MAX];

	if (days == STORE_NO_DATE)
		return cJSON_AddNullToObject(o, name) != NULL;
	api_format_date(days, buf);
	return cJSON_AddStringToObject(o, name, buf) != NULL;
}

/* Replies 400 with the parser's message, or 500 when it ran out of memory. */
static void fail_parse(struct api_call *call, int r, const struct record_error *err)
{
	if (r == -EBADMSG)
		api_fail(call, 400, "%s", err->message);
	else
		api_fail(call, 500, "internal error");
}

static cJSON *task_to_json(const struct store_task *t, int32_t on)
{
	cJSON *o = cJSON_CreateObject();
	const struct followup_task *f = &t->task;

	if (!o || !json_add_integer(o, "id", t->id) ||
	    !json_add_integer(o, "patient", t->patient_id) ||
	    !cJSON_AddStringToObject(o, "key", f->key) ||
	    !cJSON_AddStringToObject(o, "kind", followup_kind_to_string(f->kind)) ||
	    !cJSON_AddStringToObject(o, "programme", followup_programme_to_string(f->programme)) ||
	    !cJSON_AddStringToObject(o, "rule", followup_rule_to_string(f->rule)) ||
	    !add_date(o, "earliest", f->earliest) || !add_date(o, "due", f->due) ||
	    !add_date(o, "overdue_after", f->overdue_after) ||
	    !cJSON_AddStringToObject(o, "reason", f->reason) ||
	    !cJSON_AddStringToObject(o, "state", store_task_state_to_string(t->state)) ||
	    !cJSON_AddBoolToObject(o, "overdue",
				   t->state == STORE_TASK_OPEN && on > f->overdue_after)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

void api_on_tasks(struct api_call *call)
{
	struct store *s = call->api->store;
	struct store_task_filter f = {
		.institution_id = call->user.institution_id,
		.by_state = true,
		.state = STORE_TASK_OPEN,
		.due_until = STORE_NO_DATE,
		.overdue_before = STORE_NO_DATE,
	};
	_cleanup_free_ struct store_task *out = NULL;
	long long overdue = 0, patient = 0, limit = TASKS_LIMIT_DEFAULT;
	int32_t on = api_today(call->api);
	struct store_patient p;
	char object[64];
	cJSON *json, *list;
	int n, r;

	if (api_query_int(call, "overdue", 0, 1, &overdue) < 0 ||
	    api_query_int(call, "patient", 1, API_INT_MAX, &patient) < 0 ||
	    api_query_int(call, "limit", 1, TASKS_LIMIT_MAX, &limit) < 0)
		return;
	if (patient && api_patient_load(call, patient, &p) < 0)
		return;
	f.patient_id = patient;
	if (call->user.role != STORE_ROLE_ADMIN)
		f.team_id = call->user.team_id ? call->user.team_id : -1;
	if (overdue)
		f.overdue_before = on;
	if (patient)
		snprintf(object, sizeof(object), "patient:%lld", patient);
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
	n = r < 0 ? r : store_tasks_list(s, &f, out, (size_t)limit);
	r = n < 0 ? n : api_audit(call, "tasks.list", object, overdue ? "overdue" : "");
	if (r < 0) {
		store_rollback(s);
		api_fail_store(call, r, "listing tasks");
		return;
	}
	if (api_commit(call, "listing tasks") < 0)
		return;
	json = cJSON_CreateObject();
	list = json && add_date(json, "today", on) ? cJSON_AddArrayToObject(json, "tasks") : NULL;
	for (int i = 0; list && i < n; i++) {
		cJSON *item = task_to_json(&out[i], on);

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

/* Stores the visit, closes the task it fulfils and audits both, in one transaction. */
static int visit_store(struct api_call *call, const struct api_visit_request *req,
		       struct store_visit *v)
{
	struct store *s = call->api->store;
	char object[64], detail[128];
	int64_t now = api_now_ms();
	int r;

	r = store_begin(s);
	if (r >= 0)
		r = store_visit_insert(s, v, now);
	if (r >= 0 && req->task[0]) {
		r = store_task_close(s, v->patient_id, req->task, STORE_TASK_DONE, v->id, now);
		if (r == -EALREADY || r == -ENOENT) {
			store_rollback(s);
			api_fail(call, 409, "task '%s' is not open for this patient", req->task);
			return r;
		}
	}
	snprintf(object, sizeof(object), "patient:%lld", (long long)v->patient_id);
	snprintf(detail, sizeof(detail), "visit:%lld service=%s mode=%s%s%s", (long long)v->id,
		 v->service, store_visit_mode_to_string(v->mode), req->task[0] ? " task=" : "",
		 req->task);
	if (r >= 0)
		r = api_audit(call, "visit.record", object, detail);
	if (r < 0) {
		store_rollback(s);
		if (r == -EINVAL)
			api_fail(call, 400, "the store refused the visit (a text too long?)");
		else
			api_fail_store(call, r, "recording a visit");
		return r;
	}
	return api_commit(call, "recording a visit");
}

void api_on_visit(struct api_call *call)
{
	struct api_visit_request req;
	struct record_error err;
	struct store_patient p;
	struct store_episode e;
	struct store_visit v;
	cJSON *json;
	int r;

	r = api_parse_visit(call->body, call->body_len, &req, &err);
	if (r < 0) {
		fail_parse(call, r, &err);
		return;
	}
	if (api_patient_load(call, req.patient, &p) < 0)
		return;
	if (req.episode) {
		r = store_episode_get(call->api->store, req.episode, &e);
		if (r < 0 && r != -ENOENT) {
			api_fail_store(call, r, "reading an episode");
			return;
		}
		if (r == -ENOENT || e.patient_id != p.id) {
			api_fail(call, 400, "episode: %lld is not a sick bed of this patient",
				 (long long)req.episode);
			return;
		}
	}
	v = (struct store_visit){
		.patient_id = p.id,
		.staff_id = call->user.id,
		.episode_id = req.episode,
		.at = req.at,
		.mode = req.mode,
		.programme = req.programme,
		.classification = req.classification,
		.flags = req.flags,
	};
	memcpy(v.service, req.service, sizeof(v.service));
	memcpy(v.notes, req.notes, sizeof(v.notes));
	if (visit_store(call, &req, &v) < 0)
		return;
	json = cJSON_CreateObject();
	if (!json || !json_add_integer(json, "id", v.id) ||
	    !json_add_integer(json, "patient", v.patient_id) ||
	    !json_add_integer(json, "staff", v.staff_id) || !json_add_integer(json, "at", v.at) ||
	    !cJSON_AddStringToObject(json, "service", v.service) ||
	    !cJSON_AddStringToObject(json, "mode", store_visit_mode_to_string(v.mode)) ||
	    (req.task[0] && !cJSON_AddStringToObject(json, "task_closed", req.task)) ||
	    !replan(call, v.patient_id, json)) {
		cJSON_Delete(json);
		json = NULL;
	}
	api_reply(call, 201, json);
}

static cJSON *episode_to_json(const struct store_episode *e)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !json_add_integer(o, "id", e->id) ||
	    !json_add_integer(o, "patient", e->patient_id) ||
	    !cJSON_AddStringToObject(o, "bed_number", e->bed_number) ||
	    !add_date(o, "opened", e->opened) || !add_date(o, "planned_end", e->planned_end) ||
	    !cJSON_AddStringToObject(o, "reason", e->reason) ||
	    !json_add_integer(o, "doctor", e->doctor_id) ||
	    !json_add_integer(o, "nurse", e->nurse_id) || !add_date(o, "closed", e->closed) ||
	    !cJSON_AddStringToObject(o, "outcome", e->outcome) ||
	    !cJSON_AddStringToObject(o, "summary", e->summary)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static bool require_doctor(struct api_call *call)
{
	if (call->user.role == STORE_ROLE_DOCTOR)
		return true;
	api_fail(call, 403, "only a doctor opens and closes family sick beds");
	return false;
}

/* Checks that @nurse_id is a nurse of the caller's institution; sets a 400 reply if not. */
static int nurse_check(struct api_call *call, int64_t nurse_id)
{
	struct store_user nurse;
	int r = store_user_get(call->api->store, nurse_id, &nurse);

	if (r < 0 && r != -ENOENT) {
		api_fail_store(call, r, "reading a user");
		return r;
	}
	if (r == -ENOENT || nurse.role != STORE_ROLE_NURSE ||
	    nurse.institution_id != call->user.institution_id) {
		api_fail(call, 400, "nurse: %lld is not a nurse of this institution",
			 (long long)nurse_id);
		return -EINVAL;
	}
	return 0;
}

void api_on_episode_open(struct api_call *call)
{
	struct store *s = call->api->store;
	struct api_episode_open_request req;
	struct record_error err;
	struct store_patient p;
	struct store_episode e;
	char object[64], detail[64];
	cJSON *json;
	int r;

	r = api_parse_episode_open(call->body, call->body_len, &req, &err);
	if (r < 0) {
		fail_parse(call, r, &err);
		return;
	}
	if (!require_doctor(call) || api_patient_load(call, req.patient, &p) < 0)
		return;
	if (req.nurse && nurse_check(call, req.nurse) < 0)
		return;
	e = (struct store_episode){
		.patient_id = p.id,
		.opened = req.opened,
		.planned_end = req.planned_end,
		.doctor_id = call->user.id,
		.nurse_id = req.nurse,
		.closed = STORE_NO_DATE,
	};
	memcpy(e.bed_number, req.bed_number, sizeof(e.bed_number));
	memcpy(e.reason, req.reason, sizeof(e.reason));
	r = store_begin(s);
	if (r >= 0)
		r = store_episode_open(s, &e, api_now_ms());
	snprintf(object, sizeof(object), "patient:%lld", (long long)p.id);
	snprintf(detail, sizeof(detail), "episode:%lld", (long long)e.id);
	if (r >= 0)
		r = api_audit(call, "episode.open", object, detail);
	if (r < 0) {
		store_rollback(s);
		if (r == -EEXIST)
			api_fail(call, 409, "the patient has an open family sick bed already");
		else if (r == -EINVAL)
			api_fail(call, 400, "the store refused the episode (a text too long?)");
		else
			api_fail_store(call, r, "opening an episode");
		return;
	}
	if (api_commit(call, "opening an episode") < 0)
		return;
	json = episode_to_json(&e);
	if (json && !replan(call, e.patient_id, json)) {
		cJSON_Delete(json);
		json = NULL;
	}
	api_reply(call, 201, json);
}

void api_on_episode_close(struct api_call *call)
{
	struct store *s = call->api->store;
	struct api_episode_close_request req;
	struct record_error err;
	struct store_patient p;
	struct store_episode e;
	char object[64], detail[64];
	int64_t id = call->ids[0];
	cJSON *json;
	int r;

	r = api_parse_episode_close(call->body, call->body_len, &req, &err);
	if (r < 0) {
		fail_parse(call, r, &err);
		return;
	}
	if (!require_doctor(call))
		return;
	r = store_episode_get(s, id, &e);
	if (r == -ENOENT) {
		api_fail(call, 404, "no episode %lld", (long long)id);
		return;
	}
	if (r < 0) {
		api_fail_store(call, r, "reading an episode");
		return;
	}
	if (api_patient_load(call, e.patient_id, &p) < 0)
		return;
	if (req.closed == STORE_NO_DATE)
		req.closed = api_today(call->api);
	if (req.closed < e.opened) {
		api_fail(call, 400, "closed: is before the day the bed was opened");
		return;
	}
	snprintf(object, sizeof(object), "episode:%lld", (long long)id);
	snprintf(detail, sizeof(detail), "outcome=%s", req.outcome);
	r = store_begin(s);
	if (r >= 0)
		r = store_episode_close(s, id, req.closed, req.outcome, req.summary);
	if (r >= 0)
		r = api_audit(call, "episode.close", object, detail);
	if (r < 0) {
		store_rollback(s);
		if (r == -EALREADY)
			api_fail(call, 409, "episode %lld is closed already", (long long)id);
		else if (r == -EINVAL)
			api_fail(call, 400, "the store refused the closing (a text too long?)");
		else
			api_fail_store(call, r, "closing an episode");
		return;
	}
	if (api_commit(call, "closing an episode") < 0)
		return;
	r = store_episode_get(s, id, &e);
	if (r < 0) {
		api_fail_store(call, r, "reading an episode");
		return;
	}
	json = episode_to_json(&e);
	if (json && !replan(call, e.patient_id, json)) {
		cJSON_Delete(json);
		json = NULL;
	}
	api_reply(call, 200, json);
}
