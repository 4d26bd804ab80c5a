// SPDX-License-Identifier: MIT
/*
 * The daemon side of the follow-up planner: gathers one patient's input from
 * the store, runs the pure planner, writes the tasks back, and keeps the
 * patient's gateway told about coming face-to-face visits. What was sent to
 * a gateway is written to the audit log and read back from it, so that a
 * sweep never sends the same notice twice, in this process or another.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil-date.h"
#include "down.h"
#include "followup.h"
#include "log.h"
#include "record.h"

#define DAY_S         86400
#define VISITS_PAGE   64
#define ALERTS_PAGE   64
#define PATIENTS_PAGE 64
#define GATEWAYS_PAGE 16
#define AUDIT_PAGE    16
#define READINGS_MAX  2000 /* home BP readings summed over the window: 7 days of many a day */
#define SCHEDULE_MAX  (FOLLOWUP_VISITS_SENT_MAX * 32)

/* Everything planner_run() reads about one patient; the arrays are heap-allocated. */
struct gather {
	struct followup_patient patient;
	struct followup_visit *visits;
	size_t n_visits;
	struct followup_emergency *emergencies;
	size_t n_emergencies;
	struct followup_home_bp home_bp;
	struct followup_task open[PLANNER_OPEN_MAX];
	size_t n_open;
};

static void gather_done(struct gather *g)
{
	free(g->visits);
	free(g->emergencies);
}

const char *followup_visit_service(enum followup_kind k)
{
	switch (k) {
	case FOLLOWUP_KIND_ROUTINE:
		return "followup";
	case FOLLOWUP_KIND_ANNUAL_CHECK:
		return "health_check";
	case FOLLOWUP_KIND_FIRST_ROUND:
	case FOLLOWUP_KIND_ROUND:
		return "bedside_round";
	default:
		return NULL;
	}
}

/*
 * How a stored visit happened, for the planner. A call is never face to
 * face, whatever service it names; otherwise a 查床 or a health check is
 * that, and anything else is a clinic or home visit by its mode.
 */
static enum followup_service visit_service(const struct store_visit *v)
{
	if (v->mode == STORE_VISIT_PHONE)
		return FOLLOWUP_SERVICE_PHONE;
	if (v->mode == STORE_VISIT_VIDEO)
		return FOLLOWUP_SERVICE_VIDEO;
	if (strcmp(v->service, "bedside_round") == 0 || strcmp(v->service, "bedside-round") == 0)
		return FOLLOWUP_SERVICE_BEDSIDE_ROUND;
	if (strcmp(v->service, "health_check") == 0 || strcmp(v->service, "health-check") == 0)
		return FOLLOWUP_SERVICE_HEALTH_CHECK;
	return v->mode == STORE_VISIT_HOME ? FOLLOWUP_SERVICE_HOME : FOLLOWUP_SERVICE_CLINIC;
}

static int gather_patient(struct store *s, int64_t patient_id, int32_t utc_offset_s,
			  struct gather *g)
{
	struct store_patient p;
	struct store_episode e;
	int32_t enrolled;
	int r;

	r = store_patient_get(s, patient_id, &p);
	if (r < 0)
		return r;
	/* Enrolment not recorded: the day the patient came into the system. */
	enrolled = civil_date_local_day(p.created_at / 1000, utc_offset_s);
	g->patient = (struct followup_patient){
		.birth = p.birth,
		.htn = p.htn,
		.htn_since = p.htn_since != STORE_NO_DATE ? p.htn_since : enrolled,
		.t2dm = p.t2dm,
		.t2dm_since = p.t2dm_since != STORE_NO_DATE ? p.t2dm_since : enrolled,
	};
	r = store_episodes_list(s, patient_id, true, 0, &e, 1);
	if (r < 0)
		return r;
	if (r > 0) {
		g->patient.has_episode = true;
		g->patient.episode = (struct followup_episode){ .id = e.id,
								.start = e.opened,
								.end = e.planned_end };
	}
	return 0;
}

static int gather_visits(struct store *s, int64_t patient_id, struct gather *g)
{
	_cleanup_free_ struct store_visit *page = calloc(VISITS_PAGE, sizeof(*page));
	int64_t after = 0;
	int n;

	if (!page)
		return -ENOMEM;
	do {
		struct followup_visit *grown;

		n = store_visits_list(s, patient_id, after, page, VISITS_PAGE);
		if (n < 0)
			return n;
		if (g->n_visits + (size_t)n > PLANNER_VISITS_MAX)
			return -E2BIG;
		grown = realloc(g->visits, (g->n_visits + (size_t)n + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		g->visits = grown;
		for (int i = 0; i < n; i++) {
			const struct store_visit *v = &page[i];
			bool form = v->programme == FOLLOWUP_PROGRAMME_HTN ||
				    v->programme == FOLLOWUP_PROGRAMME_T2DM;

			g->visits[g->n_visits++] = (struct followup_visit){
				.id = v->id,
				.at = v->at / 1000,
				.service = visit_service(v),
				.programme = form ? v->programme : FOLLOWUP_PROGRAMME_NONE,
				.classification = form ? v->classification : FOLLOWUP_CLASS_NONE,
				.referred = v->flags & STORE_VISIT_REFERRED,
				.adr_hard_to_control = v->flags & STORE_VISIT_ADR_HARD_TO_CONTROL,
				.complication_new_or_worse =
					v->flags & STORE_VISIT_COMPLICATION_NEW_OR_WORSE,
			};
			after = v->id;
		}
	} while (n == VISITS_PAGE);
	return 0;
}

/* The patient's P1 alerts of the F6 rules, but those the gateway cancelled. */
static int gather_emergencies(struct store *s, int64_t patient_id, struct gather *g)
{
	_cleanup_free_ struct store_alert *page = calloc(ALERTS_PAGE, sizeof(*page));
	struct store_alert_filter f = {
		.patient_id = patient_id,
		.by_severity = true,
		.severity = SEVERITY_P1,
	};
	int64_t before = 0;
	int n;

	if (!page)
		return -ENOMEM;
	do {
		n = store_alerts_list(s, &f, before, page, ALERTS_PAGE);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			const struct store_alert *a = &page[i];
			int kind = followup_emergency_kind_from_string(a->rule);
			struct followup_emergency *grown;

			before = a->id;
			if (kind < 0 || a->gateway_state == ALERT_CANCELLED)
				continue;
			if (g->n_emergencies >= PLANNER_EMERGENCIES_MAX)
				return -E2BIG;
			grown = realloc(g->emergencies, (g->n_emergencies + 1) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			g->emergencies = grown;
			g->emergencies[g->n_emergencies++] = (struct followup_emergency){
				.id = a->id,
				.at = a->raised_at / 1000,
				.kind = (enum followup_emergency_kind)kind,
			};
		}
	} while (n == ALERTS_PAGE);
	return 0;
}

/* store_record_fn: sums the systolic and diastolic values of blood-pressure readings. */
static int on_home_reading(const struct store_record_row *row, void *userdata)
{
	struct followup_home_bp *bp = userdata;
	_cleanup_free_ struct record *r = calloc(1, sizeof(*r));
	struct record_error err;
	double sys = -1, dia = -1;

	if (!r)
		return -ENOMEM;
	if (record_from_json(row->json, row->json_len, r, &err) < 0 || r->kind != RECORD_READING ||
	    r->reading.measurement != MEASUREMENT_BLOOD_PRESSURE)
		return 0;
	for (size_t i = 0; i < r->reading.n_values; i++) {
		if (r->reading.values[i].quantity == QUANTITY_SYSTOLIC)
			sys = r->reading.values[i].value;
		else if (r->reading.values[i].quantity == QUANTITY_DIASTOLIC)
			dia = r->reading.values[i].value;
	}
	if (sys < 0 || dia < 0)
		return 0;
	bp->n_readings++;
	bp->systolic_sum += (uint64_t)lround(sys);
	bp->diastolic_sum += (uint64_t)lround(dia);
	return 0;
}

/* F13: the home readings of the review window, which ends now and starts window_days ago. */
static int gather_home_bp(struct store *s, const struct followup_config *c, int64_t patient_id,
			  int64_t now_ms, int32_t today, struct gather *g)
{
	long long window = 7;
	int64_t from;
	int r;

	if (planner_config_get(c->planner, "home_bp", "window_days", &window) < 0 || window < 1)
		window = 7;
	from = civil_date_local_midnight(today - (int32_t)window + 1, c->utc_offset_s) * 1000;
	r = store_readings(s, patient_id, from, now_ms + 1, READINGS_MAX, on_home_reading,
			   &g->home_bp);
	return r < 0 ? r : 0;
}

/* The open tasks of @patient_id by due date: at most @max into a calloc'd *ret; their count. */
static int open_tasks(struct store *s, int64_t patient_id, size_t max, struct store_task **ret)
{
	struct store_task *out = calloc(max, sizeof(*out));
	struct store_task_filter f = {
		.patient_id = patient_id,
		.by_state = true,
		.state = STORE_TASK_OPEN,
		.due_until = STORE_NO_DATE,
		.overdue_before = STORE_NO_DATE,
	};
	int n;

	if (!out)
		return -ENOMEM;
	n = store_tasks_list(s, &f, out, max);
	if (n < 0) {
		free(out);
		return n;
	}
	*ret = out;
	return n;
}

static int gather_open(struct store *s, int64_t patient_id, struct gather *g)
{
	_cleanup_free_ struct store_task *out = NULL;
	int n = open_tasks(s, patient_id, PLANNER_OPEN_MAX + 1, &out);

	if (n < 0)
		return n;
	if (n > PLANNER_OPEN_MAX)
		return -E2BIG;
	for (int i = 0; i < n; i++)
		g->open[i] = out[i].task;
	g->n_open = (size_t)n;
	return 0;
}

/* Writes the plan: new and changed tasks, closures. Returns the number of changes. */
static int apply_plan(struct store *s, int64_t patient_id, const struct followup_plan *plan,
		      int64_t now_ms, struct followup_result *res)
{
	int r;

	for (size_t i = 0; i < plan->n_tasks; i++) {
		const struct followup_task *t = &plan->tasks[i];

		if (t->change == FOLLOWUP_CHANGE_UNCHANGED)
			continue;
		r = store_task_upsert(s, patient_id, t, now_ms);
		if (r == -EALREADY) {
			/* Closed under this key before (a visit named it): not reopened. */
			res->kept++;
			continue;
		}
		if (r < 0)
			return r;
		if (r == 1)
			res->created++;
		else
			res->updated++;
	}
	for (size_t i = 0; i < plan->n_closures; i++) {
		const struct followup_closure *cl = &plan->closures[i];
		bool done = cl->reason == FOLLOWUP_CLOSURE_FULFILLED;

		r = store_task_close(s, patient_id, cl->key,
				     done ? STORE_TASK_DONE : STORE_TASK_WITHDRAWN,
				     done ? cl->visit_id : 0, now_ms);
		if (r == -EALREADY || r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		if (done)
			res->fulfilled++;
		else
			res->withdrawn++;
	}
	return (int)(res->created + res->updated + res->fulfilled + res->withdrawn);
}

static int plan_patient(struct store *s, const struct followup_config *c, int64_t patient_id,
			int64_t now_ms, struct followup_result *res)
{
	struct work {
		struct followup_plan plan;
		struct gather g;
	};
	_cleanup_free_ struct work *w = calloc(1, sizeof(*w));
	struct followup_plan *plan;
	struct gather *g;
	struct planner_input in;
	char object[64], detail[160];
	int32_t today = civil_date_local_day(now_ms / 1000, c->utc_offset_s);
	int r;

	if (!w)
		return -ENOMEM;
	plan = &w->plan;
	g = &w->g;
	r = gather_patient(s, patient_id, c->utc_offset_s, g);
	if (r >= 0)
		r = gather_visits(s, patient_id, g);
	if (r >= 0)
		r = gather_emergencies(s, patient_id, g);
	if (r >= 0)
		r = gather_home_bp(s, c, patient_id, now_ms, today, g);
	if (r >= 0)
		r = gather_open(s, patient_id, g);
	if (r < 0) {
		gather_done(g);
		return r;
	}
	in = (struct planner_input){
		.now = now_ms / 1000,
		.utc_offset_s = c->utc_offset_s,
		.patient = &g->patient,
		.visits = g->visits,
		.n_visits = g->n_visits,
		.emergencies = g->emergencies,
		.n_emergencies = g->n_emergencies,
		.home_bp = &g->home_bp,
		.open = g->open,
		.n_open = g->n_open,
	};
	r = planner_run(c->planner, &in, plan);
	gather_done(g);
	if (r < 0)
		return log_warning_errno(r,
					 "followup: patient %" PRId64 ": the planner refused the "
					 "input: %m",
					 patient_id);
	res->today = plan->today;
	for (size_t i = 0; i < plan->n_hints; i++) {
		res->hints |= 1u << plan->hints[i].kind;
		log_debug("followup: patient %" PRId64 ": hint %s (%s)", patient_id,
			  followup_hint_kind_to_string(plan->hints[i].kind),
			  followup_rule_to_string(plan->hints[i].rule));
	}
	r = apply_plan(s, patient_id, plan, now_ms, res);
	if (r <= 0)
		return r;
	snprintf(object, sizeof(object), "patient:%" PRId64, patient_id);
	snprintf(detail, sizeof(detail), "created=%u updated=%u fulfilled=%u withdrawn=%u",
		 res->created, res->updated, res->fulfilled, res->withdrawn);
	r = store_audit_append(s, 0, "followup.replan", object, detail, now_ms);
	return r < 0 ? r : 1;
}

/* ---- gateway messages ---- */

/* The coming face-to-face visits of the patient's open tasks, by date, one per day and service. */
struct schedule_text {
	size_t n;
	struct down_visit visits[FOLLOWUP_VISITS_SENT_MAX];
	char text[SCHEDULE_MAX]; /* "2026-01-05/bedside_round,...", "" when none */
};

static int coming_visits(struct store *s, int64_t patient_id, int32_t today,
			 struct schedule_text *st)
{
	_cleanup_free_ struct store_task *out = NULL;
	int n = open_tasks(s, patient_id, PLANNER_OPEN_MAX, &out);

	if (n < 0)
		return n;
	st->n = 0;
	st->text[0] = '\0';
	for (int i = 0; i < n && st->n < FOLLOWUP_VISITS_SENT_MAX; i++) {
		const char *service = followup_visit_service(out[i].task.kind);
		struct down_visit v = { 0 };
		bool seen = false;
		size_t l;

		if (!service || out[i].task.due < today)
			continue;
		civil_date_format(out[i].task.due, v.date, sizeof(v.date));
		snprintf(v.service, sizeof(v.service), "%s", service);
		for (size_t j = 0; j < st->n; j++)
			seen |= strcmp(st->visits[j].date, v.date) == 0 &&
				strcmp(st->visits[j].service, v.service) == 0;
		if (seen)
			continue;
		st->visits[st->n++] = v;
		l = strlen(st->text);
		snprintf(st->text + l, sizeof(st->text) - l, "%s%s/%s", l ? "," : "", v.date,
			 v.service);
	}
	return 0;
}

/*
 * The last down/config sent to @gw, from the audit log: its version and the
 * schedule it carried. 0 when none was sent (version 0, schedule "").
 */
static int last_config(struct store *s, const char *object, uint64_t *version, char *text,
		       size_t size)
{
	_cleanup_free_ struct store_audit_entry *page = calloc(AUDIT_PAGE, sizeof(*page));
	int64_t after = 0;
	int n;

	if (!page)
		return -ENOMEM;
	*version = 0;
	text[0] = '\0';
	do {
		n = store_audit_list(s, object, 0, after, page, AUDIT_PAGE);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			const char *d = page[i].detail, *visits = strstr(d, " visits=");

			after = page[i].seq;
			if (strncmp(d, "version=", 8) != 0 || !visits)
				continue;
			*version = strtoull(d + 8, NULL, 10);
			snprintf(text, size, "%s", visits + 8);
		}
	} while (n == AUDIT_PAGE);
	return 0;
}

/* The down/config text: the pseudonym and the coming visits, nothing else the cloud sets yet. */
static int config_json(const char *pseudonym, const struct schedule_text *st, uint64_t version,
		       char **ret)
{
	_cleanup_free_ struct down_config *dc = calloc(1, sizeof(*dc));

	if (!dc)
		return -ENOMEM;
	dc->version = version;
	snprintf(dc->patient, sizeof(dc->patient), "%s", pseudonym);
	dc->n_visits = st->n;
	memcpy(dc->visits, st->visits, sizeof(st->visits));
	return down_config_to_json(dc, ret);
}

static int send_config(struct store *s, const struct followup_config *c, const char *gw,
		       const char *pseudonym, const struct schedule_text *st, int64_t now_ms,
		       struct followup_result *res)
{
	_cleanup_free_ char *json = NULL, *detail = NULL;
	char object[STORE_AUDIT_OBJECT_MAX + 1], last[SCHEDULE_MAX];
	uint64_t version;
	int r;

	snprintf(object, sizeof(object), "down-config:%s", gw);
	r = last_config(s, object, &version, last, sizeof(last));
	if (r < 0)
		return r;
	if (strcmp(last, st->text) == 0)
		return 0;
	/* Increases with every change, across restarts and processes; a clock step back too. */
	version = (uint64_t)now_ms > version ? (uint64_t)now_ms : version + 1;
	r = config_json(pseudonym, st, version, &json);
	if (r < 0)
		return r;
	r = c->publish(c->userdata, gw, "down/config", json, true);
	if (r < 0) {
		log_warning_errno(r,
				  "followup: cannot send down/config to '%s', trying again at the "
				  "next replan: %m",
				  gw);
		return 0;
	}
	if (asprintf(&detail, "version=%" PRIu64 " visits=%s", version, st->text) < 0) {
		detail = NULL;
		return -ENOMEM;
	}
	r = store_audit_append(s, 0, "followup.down-config", object, detail, now_ms);
	if (r < 0)
		return r;
	log_info("followup: gateway '%s': visit schedule version %" PRIu64 " sent (%zu visit%s)",
		 gw, version, st->n, st->n == 1 ? "" : "s");
	res->configs++;
	return 1;
}

/* What the patient hears the day before; names no one. */
static void notice_text(const struct down_visit *v, int32_t day, char *buf, size_t size)
{
	struct civil_date d;

	civil_date_from_days(day, &d);
	if (strcmp(v->service, "bedside_round") == 0)
		snprintf(buf, size, "明天（%u月%u日）医生上门查床", d.month, d.day);
	else if (strcmp(v->service, "health_check") == 0)
		snprintf(buf, size, "明天（%u月%u日）是您的年度健康体检，请留意家庭医生团队的安排",
			 d.month, d.day);
	else
		snprintf(buf, size, "明天（%u月%u日）是您的随访日，请留意家庭医生团队的安排",
			 d.month, d.day);
}

/* The day before a coming visit, inside the notice hours: one down/notice per gateway and day. */
static int send_notice(struct store *s, const struct followup_config *c, const char *gw,
		       const struct schedule_text *st, int64_t now_ms, int32_t today,
		       struct followup_result *res)
{
	_cleanup_free_ char *json = NULL;
	struct store_audit_entry seen;
	char object[STORE_AUDIT_OBJECT_MAX + 1], tomorrow[CIVIL_DATE_STRING_MAX];
	int64_t local_s = now_ms / 1000 + c->utc_offset_s;
	int minute = (int)(((local_s % DAY_S) + DAY_S) % DAY_S / 60);
	const struct down_visit *v = NULL;
	struct notice n = { .type = NOTICE_VISIT };
	int r;

	if (minute < c->notice_from_min || minute >= c->notice_until_min)
		return 0;
	civil_date_format(today + 1, tomorrow, sizeof(tomorrow));
	for (size_t i = 0; i < st->n && !v; i++)
		if (strcmp(st->visits[i].date, tomorrow) == 0)
			v = &st->visits[i];
	if (!v)
		return 0;
	snprintf(object, sizeof(object), "visit-notice:%s:%s", gw, tomorrow);
	r = store_audit_list(s, object, 0, 0, &seen, 1);
	if (r != 0)
		return r < 0 ? r : 0;
	n.at_ms = civil_date_local_midnight(today + 1, c->utc_offset_s) * 1000;
	notice_text(v, today + 1, n.text, sizeof(n.text));
	r = notice_to_json(&n, &json);
	if (r < 0)
		return r;
	r = c->publish(c->userdata, gw, "down/notice", json, false);
	if (r < 0) {
		log_warning_errno(r,
				  "followup: cannot send the visit notice to '%s', trying again "
				  "at the next replan: %m",
				  gw);
		return 0;
	}
	r = store_audit_append(s, 0, "followup.notice", object, v->service, now_ms);
	if (r < 0)
		return r;
	log_info("followup: gateway '%s': notice of the %s visit on %s sent", gw, v->service,
		 tomorrow);
	res->notices++;
	return 1;
}

/* Which gateway is bound to which patient: read once per sweep, or per replan. */
struct binding {
	char gateway[STORE_GATEWAY_ID_MAX + 1];
	int64_t patient_id;
};

struct bindings {
	struct binding *b;
	size_t n;
};

static int bindings_load(struct store *s, struct bindings *ret)
{
	_cleanup_free_ struct store_gateway *page = calloc(GATEWAYS_PAGE, sizeof(*page));
	char after[STORE_GATEWAY_ID_MAX + 1] = "";
	int n;

	if (!page)
		return -ENOMEM;
	do {
		n = store_gateways_list(s, after, page, GATEWAYS_PAGE);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			struct binding *grown;

			snprintf(after, sizeof(after), "%s", page[i].id);
			if (!page[i].patient_id)
				continue;
			grown = realloc(ret->b, (ret->n + 1) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			ret->b = grown;
			snprintf(grown[ret->n].gateway, sizeof(grown[ret->n].gateway), "%s",
				 page[i].id);
			grown[ret->n++].patient_id = page[i].patient_id;
		}
	} while (n == GATEWAYS_PAGE);
	return 0;
}

/* Every gateway bound to the patient: its schedule when it changed, tomorrow's notice. */
static int gateway_messages(struct store *s, const struct followup_config *c,
			    const struct store_patient *p, const struct schedule_text *st,
			    const struct bindings *bs, int64_t now_ms, int32_t today,
			    struct followup_result *res)
{
	for (size_t i = 0; i < bs->n; i++) {
		int r;

		if (bs->b[i].patient_id != p->id)
			continue;
		r = send_config(s, c, bs->b[i].gateway, p->pseudonym, st, now_ms, res);
		if (r >= 0)
			r = send_notice(s, c, bs->b[i].gateway, st, now_ms, today, res);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Under a job lock, so that two processes (or the API and the sweep) do not both send. */
static int notify_gateways(struct store *s, const struct followup_config *c, int64_t patient_id,
			   const struct bindings *bs, int64_t now_ms, int32_t today,
			   struct followup_result *res)
{
	struct schedule_text st;
	struct store_patient p;
	int r = store_begin(s);

	if (r < 0)
		return r;
	r = store_try_lock_job(s, "followup-gateway-messages");
	if (r == 0) {
		log_debug("followup: another process is sending gateway messages; it will do this "
			  "patient's too");
		store_rollback(s);
		return 0;
	}
	if (r > 0)
		r = store_patient_get(s, patient_id, &p);
	if (r >= 0)
		r = coming_visits(s, patient_id, today, &st);
	if (r >= 0)
		r = gateway_messages(s, c, &p, &st, bs, now_ms, today, res);
	if (r < 0) {
		store_rollback(s);
		return r;
	}
	return store_commit(s);
}

/* One patient; @bs the gateway bindings, or NULL to read them. */
static int replan(struct store *s, const struct followup_config *c, int64_t patient_id,
		  const struct bindings *bs, int64_t now_ms, struct followup_result *res)
{
	struct bindings own = { 0 };
	int changed, r;

	*res = (struct followup_result){ 0 };
	r = store_begin(s);
	if (r < 0)
		return r;
	changed = plan_patient(s, c, patient_id, now_ms, res);
	if (changed < 0) {
		store_rollback(s);
		return changed;
	}
	r = store_commit(s);
	if (r < 0)
		return r;
	if (changed)
		log_info("followup: patient %" PRId64 " replanned: %u new, %u updated, %u "
			 "fulfilled, %u withdrawn",
			 patient_id, res->created, res->updated, res->fulfilled, res->withdrawn);
	if (c->publish) {
		r = bs ? 0 : bindings_load(s, &own);
		if (r >= 0)
			r = notify_gateways(s, c, patient_id, bs ? bs : &own, now_ms, res->today,
					    res);
		free(own.b);
		if (r < 0)
			log_warning_errno(r,
					  "followup: patient %" PRId64 ": gateway messages failed, "
					  "trying again at the next replan: %m",
					  patient_id);
	}
	return changed;
}

int followup_replan(struct store *s, const struct followup_config *c, int64_t patient_id,
		    int64_t now_ms, struct followup_result *res)
{
	return replan(s, c, patient_id, NULL, now_ms, res);
}

/* Every patient in id order, each replanned on its own. */
static int sweep_patients(struct store *s, const struct followup_config *c,
			  const struct bindings *bs, int64_t now_ms,
			  struct followup_sweep_result *res)
{
	_cleanup_free_ struct store_patient *page = calloc(PATIENTS_PAGE, sizeof(*page));
	int64_t after = 0;
	int n;

	if (!page)
		return -ENOMEM;
	do {
		n = store_patients_list(s, 0, 0, after, page, PATIENTS_PAGE);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			struct followup_result one;
			int r;

			if (c->cancel && __atomic_load_n(c->cancel, __ATOMIC_RELAXED))
				return -ECANCELED;
			r = replan(s, c, page[i].id, bs, now_ms, &one);

			after = page[i].id;
			if (r < 0) {
				log_warning_errno(r,
						  "followup: patient %" PRId64 " not replanned: %m",
						  page[i].id);
				res->failed++;
				continue;
			}
			res->patients++;
			res->changed += r > 0;
			res->configs += one.configs;
			res->notices += one.notices;
		}
	} while (n == PATIENTS_PAGE);
	return 0;
}

int followup_sweep(struct store *s, const struct followup_config *c, int64_t now_ms,
		   struct followup_sweep_result *res)
{
	struct bindings bs = { 0 };
	int r;

	*res = (struct followup_sweep_result){ 0 };
	/* The bindings once for the whole sweep: a gateway bound meanwhile waits for the next. */
	r = c->publish ? bindings_load(s, &bs) : 0;
	if (r >= 0)
		r = sweep_patients(s, c, &bs, now_ms, res);
	free(bs.b);
	return r;
}
