// SPDX-License-Identifier: MIT
/*
 * Patients in the JSON API: the caller's list (their team's, or every team
 * of the institution for an admin), one patient's details, their readings
 * by time range, and the gateways at their bedsides. Every read commits
 * with its audit entry, or the data is not sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-internal.h"
#include "api-request.h"
#include "json-util.h"
#include "log.h"

#define PATIENTS_LIMIT_DEFAULT 100
#define PATIENTS_LIMIT_MAX     500
#define READINGS_MAX           2000
#define GATEWAYS_PAGE          100
#define GATEWAYS_MAX           1000

static bool add_date(cJSON *o, const char *name, int32_t days)
{
	char buf[CIVIL_DATE_STRING_MAX];

	if (days == STORE_NO_DATE)
		return cJSON_AddNullToObject(o, name) != NULL;
	api_format_date(days, buf);
	return cJSON_AddStringToObject(o, name, buf) != NULL;
}

/* A patient as JSON; the ID number only in the detail view. */
static cJSON *patient_to_json(const struct store_patient *p, bool detail)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !json_add_integer(o, "id", p->id) ||
	    !json_add_integer(o, "institution", p->institution_id) ||
	    !json_add_integer(o, "team", p->team_id) ||
	    !cJSON_AddStringToObject(o, "name", p->name) || !add_date(o, "birth", p->birth) ||
	    !cJSON_AddStringToObject(o, "sex", store_sex_to_string(p->sex)) ||
	    !cJSON_AddBoolToObject(o, "htn", p->htn) || !add_date(o, "htn_since", p->htn_since) ||
	    !cJSON_AddBoolToObject(o, "t2dm", p->t2dm) ||
	    !add_date(o, "t2dm_since", p->t2dm_since) ||
	    !cJSON_AddStringToObject(o, "disability", store_disability_to_string(p->disability)) ||
	    !cJSON_AddStringToObject(o, "pseudonym", p->pseudonym) ||
	    (detail && !cJSON_AddStringToObject(o, "id_number", p->id_number))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Adds @item to @list and returns @list, or deletes @item and returns NULL. */
static cJSON *list_add(cJSON *list, cJSON *item)
{
	if (!item || !cJSON_AddItemToArray(list, item)) {
		cJSON_Delete(item);
		return NULL;
	}
	return list;
}

void api_on_patients(struct api_call *call)
{
	struct store *s = call->api->store;
	_cleanup_free_ struct store_patient *out = NULL;
	long long after = 0, limit = PATIENTS_LIMIT_DEFAULT;
	int64_t team = 0;
	char object[64];
	cJSON *json, *list;
	int n = 0, r;

	if (api_query_int(call, "after", 1, API_INT_MAX, &after) < 0 ||
	    api_query_int(call, "limit", 1, PATIENTS_LIMIT_MAX, &limit) < 0)
		return;
	if (call->user.role != STORE_ROLE_ADMIN) {
		team = call->user.team_id;
		snprintf(object, sizeof(object), "team:%lld", (long long)team);
	} else {
		snprintf(object, sizeof(object), "institution:%lld",
			 (long long)call->user.institution_id);
	}
	out = calloc((size_t)limit, sizeof(*out));
	if (!out) {
		api_fail(call, 500, "internal error");
		return;
	}
	r = store_begin(s);
	/* A doctor or nurse outside any team sees nobody. */
	if (r >= 0 && (team || call->user.role == STORE_ROLE_ADMIN))
		r = n = store_patients_list(s, call->user.institution_id, team, after, out,
					    (size_t)limit);
	if (r >= 0)
		r = api_audit(call, "patients.list", object, "");
	if (r < 0) {
		store_rollback(s);
		api_fail_store(call, r, "listing patients");
		return;
	}
	if (api_commit(call, "listing patients") < 0)
		return;
	json = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(json, "patients");
	for (int i = 0; list && i < n; i++)
		list = list_add(list, patient_to_json(&out[i], false));
	if (!list) {
		cJSON_Delete(json);
		json = NULL;
	}
	api_reply(call, 200, json);
}

void api_on_patient(struct api_call *call)
{
	struct store *s = call->api->store;
	struct store_patient p;
	_cleanup_free_ struct store_episode *episodes = NULL;
	char object[64];
	cJSON *json, *list;
	int n, r;

	if (api_patient_load(call, call->ids[0], &p) < 0)
		return;
	episodes = calloc(16, sizeof(*episodes));
	if (!episodes) {
		api_fail(call, 500, "internal error");
		return;
	}
	snprintf(object, sizeof(object), "patient:%lld", (long long)p.id);
	r = store_begin(s);
	n = r < 0 ? r : store_episodes_list(s, p.id, true, 0, episodes, 16);
	r = n < 0 ? n : api_audit(call, "patient.read", object, "");
	if (r < 0) {
		store_rollback(s);
		api_fail_store(call, r, "reading a patient");
		return;
	}
	if (api_commit(call, "reading a patient") < 0)
		return;
	json = patient_to_json(&p, true);
	list = json ? cJSON_AddArrayToObject(json, "open_episodes") : NULL;
	for (int i = 0; list && i < n; i++) {
		cJSON *e = cJSON_CreateObject();

		if (!e || !json_add_integer(e, "id", episodes[i].id) ||
		    !cJSON_AddStringToObject(e, "bed_number", episodes[i].bed_number) ||
		    !add_date(e, "opened", episodes[i].opened) ||
		    !add_date(e, "planned_end", episodes[i].planned_end)) {
			cJSON_Delete(e);
			e = NULL;
		}
		list = list_add(list, e);
	}
	if (!list) {
		cJSON_Delete(json);
		json = NULL;
	}
	api_reply(call, 200, json);
}

static int on_reading(const struct store_record_row *row, void *userdata)
{
	cJSON *list = userdata;
	cJSON *o = cJSON_CreateObject();
	_cleanup_free_ char *json = malloc(row->json_len + 1);
	cJSON *record;

	if (!o || !json) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	memcpy(json, row->json, row->json_len);
	json[row->json_len] = '\0';
	record = cJSON_Parse(json);
	if (!json_add_integer(o, "ts", row->ts) ||
	    !json_add_integer(o, "received", row->received) ||
	    !cJSON_AddStringToObject(o, "gateway", row->gateway_id) || !record ||
	    !cJSON_AddItemToObject(o, "record", record)) {
		cJSON_Delete(record);
		cJSON_Delete(o);
		return -ENOMEM;
	}
	return list_add(list, o) ? 0 : -ENOMEM;
}

void api_on_readings(struct api_call *call)
{
	struct store *s = call->api->store;
	struct store_patient p;
	long long from = 0, to = API_INT_MAX;
	char object[64], detail[96];
	cJSON *json, *list;
	int n, r;

	if (api_query_int(call, "from", 0, API_INT_MAX, &from) < 0 ||
	    api_query_int(call, "to", 0, API_INT_MAX, &to) < 0)
		return;
	if (to < from) {
		api_fail(call, 400, "query parameter 'to' is before 'from'");
		return;
	}
	if (api_patient_load(call, call->ids[0], &p) < 0)
		return;
	json = cJSON_CreateObject();
	list = json ? cJSON_AddArrayToObject(json, "readings") : NULL;
	if (!list) {
		cJSON_Delete(json);
		api_fail(call, 500, "internal error");
		return;
	}
	snprintf(object, sizeof(object), "patient:%lld", (long long)p.id);
	snprintf(detail, sizeof(detail), "from=%lld to=%lld", from, to);
	r = store_begin(s);
	n = r < 0 ? r : store_readings(s, p.id, from, to, READINGS_MAX, on_reading, list);
	r = n < 0 ? n : api_audit(call, "readings.read", object, detail);
	if (r < 0) {
		store_rollback(s);
		cJSON_Delete(json);
		api_fail_store(call, r, "reading readings");
		return;
	}
	if (api_commit(call, "reading readings") < 0) {
		cJSON_Delete(json);
		return;
	}
	if (!json_add_integer(json, "patient", p.id) ||
	    !cJSON_AddBoolToObject(json, "truncated", n >= READINGS_MAX)) {
		cJSON_Delete(json);
		json = NULL;
	}
	api_reply(call, 200, json);
}

static cJSON *gateway_to_json(const struct store_gateway *g)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddStringToObject(o, "id", g->id) ||
	    !json_add_integer(o, "patient", g->patient_id) ||
	    !cJSON_AddBoolToObject(o, "online", g->online) ||
	    !json_add_integer(o, "last_seen", g->last_seen) ||
	    !json_add_integer(o, "outbox_depth", (long long)g->outbox_depth) ||
	    !cJSON_AddBoolToObject(o, "clock_synced", g->clock_synced) ||
	    !json_add_integer(o, "status_ts", g->status_ts)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* True when the caller may see the gateway: bound to a patient they see, or theirs as admin. */
static int gateway_visible(struct api_call *call, const struct store_gateway *g)
{
	struct store_patient p;
	int r;

	if (!g->patient_id)
		return call->user.role == STORE_ROLE_ADMIN;
	r = store_patient_get(call->api->store, g->patient_id, &p);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return api_may_see_team(call, p.team_id, p.institution_id);
}

void api_on_gateways(struct api_call *call)
{
	struct store *s = call->api->store;
	_cleanup_free_ struct store_gateway *page = calloc(GATEWAYS_PAGE, sizeof(*page));
	char after[STORE_GATEWAY_ID_MAX + 1] = "", object[64];
	cJSON *json = cJSON_CreateObject();
	cJSON *list = json ? cJSON_AddArrayToObject(json, "gateways") : NULL;
	size_t shown = 0;
	int n, r;

	if (!page || !list) {
		cJSON_Delete(json);
		api_fail(call, 500, "internal error");
		return;
	}
	r = store_begin(s);
	while (r >= 0 && shown < GATEWAYS_MAX) {
		n = r = store_gateways_list(s, after, page, GATEWAYS_PAGE);
		for (int i = 0; r >= 0 && i < n && list; i++) {
			r = gateway_visible(call, &page[i]);
			if (r > 0) {
				list = list_add(list, gateway_to_json(&page[i]));
				shown++;
			}
		}
		if (!list)
			r = -ENOMEM;
		if (r < 0 || n < GATEWAYS_PAGE)
			break;
		snprintf(after, sizeof(after), "%s", page[n - 1].id);
	}
	snprintf(object, sizeof(object), "institution:%lld", (long long)call->user.institution_id);
	if (r >= 0)
		r = api_audit(call, "gateways.list", object, "");
	if (r < 0) {
		store_rollback(s);
		cJSON_Delete(json);
		api_fail_store(call, r, "listing gateways");
		return;
	}
	if (api_commit(call, "listing gateways") < 0) {
		cJSON_Delete(json);
		return;
	}
	api_reply(call, 200, json);
}
