// SPDX-License-Identifier: MIT
/*
 * The follow-up planner. It replays the patient's history (visits and
 * emergencies in time order) against the rules, keeping the set of tasks
 * that would be open at each moment: a visit closes what it fulfils, then
 * its classification and service open the next tasks; an emergency opens
 * its contact and follow-up unless one of the same family is open already.
 * What is open at the end, plus the tasks that depend on today (missed
 * follow-ups, the end of a sick-bed period), is the plan. See planner.h and
 * docs/followup.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "planner-internal.h"
#include "planner.h"

#define HOUR_S 3600
/* Open at any one time: 3 per programme, contact, annual check, round, episode end, F11s. */
#define SIM_TASKS_MAX PLANNER_TASKS_MAX

static const char *const programme_names[_FOLLOWUP_PROGRAMME_MAX] = {
	[FOLLOWUP_PROGRAMME_NONE] = "none",         [FOLLOWUP_PROGRAMME_HTN] = "htn",
	[FOLLOWUP_PROGRAMME_T2DM] = "t2dm",         [FOLLOWUP_PROGRAMME_ELDERLY] = "elderly",
	[FOLLOWUP_PROGRAMME_SICK_BED] = "sick-bed",
};

static const char *const service_names[_FOLLOWUP_SERVICE_MAX] = {
	[FOLLOWUP_SERVICE_CLINIC] = "clinic",
	[FOLLOWUP_SERVICE_HOME] = "home",
	[FOLLOWUP_SERVICE_PHONE] = "phone",
	[FOLLOWUP_SERVICE_VIDEO] = "video",
	[FOLLOWUP_SERVICE_HEALTH_CHECK] = "health-check",
	[FOLLOWUP_SERVICE_BEDSIDE_ROUND] = "bedside-round",
};

static const char *const class_names[_FOLLOWUP_CLASS_MAX] = {
	[FOLLOWUP_CLASS_NONE] = "none",
	[FOLLOWUP_CLASS_CONTROLLED] = "controlled",
	[FOLLOWUP_CLASS_UNCONTROLLED] = "uncontrolled",
	[FOLLOWUP_CLASS_ADVERSE_REACTION] = "adverse-reaction",
	[FOLLOWUP_CLASS_COMPLICATION] = "complication",
};

static const char *const emergency_names[_FOLLOWUP_EMERGENCY_MAX] = {
	[FOLLOWUP_EMERGENCY_BP1] = "BP1", [FOLLOWUP_EMERGENCY_BP2] = "BP2",
	[FOLLOWUP_EMERGENCY_BG1] = "BG1", [FOLLOWUP_EMERGENCY_BG2] = "BG2",
	[FOLLOWUP_EMERGENCY_HR3] = "HR3", [FOLLOWUP_EMERGENCY_T1] = "T1",
};

static const char *const kind_names[_FOLLOWUP_KIND_MAX] = {
	[FOLLOWUP_KIND_ROUTINE] = "routine",
	[FOLLOWUP_KIND_TWO_WEEK] = "two-week",
	[FOLLOWUP_KIND_REFERRAL] = "referral",
	[FOLLOWUP_KIND_REFERRAL_FOLLOWUP] = "referral-followup",
	[FOLLOWUP_KIND_EMERGENCY_CONTACT] = "emergency-contact",
	[FOLLOWUP_KIND_EMERGENCY_FOLLOWUP] = "emergency-followup",
	[FOLLOWUP_KIND_ANNUAL_CHECK] = "annual-check",
	[FOLLOWUP_KIND_FIRST_ROUND] = "first-round",
	[FOLLOWUP_KIND_ROUND] = "round",
	[FOLLOWUP_KIND_EPISODE_ENDING] = "episode-ending",
	[FOLLOWUP_KIND_EPISODE_ENDED] = "episode-ended",
	[FOLLOWUP_KIND_MISSED_CONTACT] = "missed",
};

static const char *const rule_names[_FOLLOWUP_RULE_MAX] = {
	[FOLLOWUP_RULE_F1] = "F1",
	[FOLLOWUP_RULE_F3] = "F3",
	[FOLLOWUP_RULE_F4] = "F4",
	[FOLLOWUP_RULE_F5] = "F5",
	[FOLLOWUP_RULE_F6] = "F6",
	[FOLLOWUP_RULE_F8] = "F8",
	[FOLLOWUP_RULE_F9] = "F9",
	[FOLLOWUP_RULE_F10] = "F10",
	[FOLLOWUP_RULE_F11] = "F11",
	[FOLLOWUP_RULE_F13] = "F13",
	[FOLLOWUP_RULE_FSB_FIRST] = "FSB-FIRST",
	[FOLLOWUP_RULE_FSB_ROUND] = "FSB-ROUND",
	[FOLLOWUP_RULE_FSB_END7] = "FSB-END7",
	[FOLLOWUP_RULE_FSB_END] = "FSB-END",
};

static const char *const state_names[_FOLLOWUP_STATE_MAX] = {
	[FOLLOWUP_STATE_UPCOMING] = "upcoming",
	[FOLLOWUP_STATE_OPEN] = "open",
	[FOLLOWUP_STATE_OVERDUE] = "overdue",
};

static const char *const change_names[_FOLLOWUP_CHANGE_MAX] = {
	[FOLLOWUP_CHANGE_NEW] = "new",
	[FOLLOWUP_CHANGE_UNCHANGED] = "unchanged",
	[FOLLOWUP_CHANGE_UPDATED] = "updated",
};

static const char *const closure_names[_FOLLOWUP_CLOSURE_MAX] = {
	[FOLLOWUP_CLOSURE_FULFILLED] = "fulfilled",
	[FOLLOWUP_CLOSURE_WITHDRAWN] = "withdrawn",
};

static const char *const hint_names[_FOLLOWUP_HINT_MAX] = {
	[FOLLOWUP_HINT_HOME_BP_UNCONTROLLED] = "home-bp-uncontrolled",
	[FOLLOWUP_HINT_HOME_BP_SCREEN] = "home-bp-screen",
	[FOLLOWUP_HINT_YEAR_TARGET] = "year-target",
};

static const char *name_of(const char *const *names, size_t n, unsigned i)
{
	return i < n && names[i] ? names[i] : "?";
}

static int index_of(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

#define TO_STRING(fn, type, table)                                     \
	const char *fn(type v)                                         \
	{                                                              \
		return name_of(table, ELEMENTSOF(table), (unsigned)v); \
	}
#define FROM_STRING(fn, table)                                \
	int fn(const char *s)                                 \
	{                                                     \
		return index_of(table, ELEMENTSOF(table), s); \
	}

TO_STRING(followup_programme_to_string, enum followup_programme, programme_names)
TO_STRING(followup_service_to_string, enum followup_service, service_names)
TO_STRING(followup_class_to_string, enum followup_class, class_names)
TO_STRING(followup_emergency_kind_to_string, enum followup_emergency_kind, emergency_names)
TO_STRING(followup_kind_to_string, enum followup_kind, kind_names)
TO_STRING(followup_rule_to_string, enum followup_rule, rule_names)
TO_STRING(followup_state_to_string, enum followup_state, state_names)
TO_STRING(followup_change_to_string, enum followup_change, change_names)
TO_STRING(followup_closure_reason_to_string, enum followup_closure_reason, closure_names)
TO_STRING(followup_hint_kind_to_string, enum followup_hint_kind, hint_names)
FROM_STRING(followup_programme_from_string, programme_names)
FROM_STRING(followup_service_from_string, service_names)
FROM_STRING(followup_class_from_string, class_names)
FROM_STRING(followup_emergency_kind_from_string, emergency_names)

enum followup_class planner_classify_bp(const struct planner_config *c, int age, unsigned systolic,
					unsigned diastolic)
{
	bool elderly = age >= c->control_elderly_age;
	long long s = elderly ? c->control_elderly_systolic_below : c->control_systolic_below;
	long long d = elderly ? c->control_elderly_diastolic_below : c->control_diastolic_below;

	return systolic < s && diastolic < d ? FOLLOWUP_CLASS_CONTROLLED
					     : FOLLOWUP_CLASS_UNCONTROLLED;
}

enum followup_class planner_classify_fasting_glucose(const struct planner_config *c,
						     unsigned tenths)
{
	return tenths < c->control_fasting_glucose_below ? FOLLOWUP_CLASS_CONTROLLED
							 : FOLLOWUP_CLASS_UNCONTROLLED;
}

static bool is_face_to_face(enum followup_service s)
{
	return s == FOLLOWUP_SERVICE_CLINIC || s == FOLLOWUP_SERVICE_HOME ||
	       s == FOLLOWUP_SERVICE_HEALTH_CHECK || s == FOLLOWUP_SERVICE_BEDSIDE_ROUND;
}

bool planner_is_face_to_face_followup(const struct followup_visit *v, enum followup_programme p)
{
	return is_face_to_face(v->service) && v->programme == p &&
	       v->classification != FOLLOWUP_CLASS_NONE;
}

/* What opened a task, for its reason sentence. */
enum cause {
	CAUSE_ENROLMENT,
	CAUSE_VISIT,        /* a face-to-face follow-up (routine anchor) */
	CAUSE_CONTROLLED,   /* F3 */
	CAUSE_UNCONTROLLED, /* F4: the first */
	CAUSE_ADR,          /* F4 */
	CAUSE_REPEAT_UNCONTROLLED,
	CAUSE_ADR_HARD,
	CAUSE_COMPLICATION,
	CAUSE_REFERRED,
	CAUSE_EMERGENCY,
	CAUSE_CHECK,
	CAUSE_ELIGIBLE,
	CAUSE_ROUND,
	CAUSE_BED_OPENED,
	CAUSE_PERIOD_END,
	CAUSE_MISSED,
};

struct trigger {
	enum cause cause;
	int32_t day;
	int64_t at;                             /* CAUSE_EMERGENCY */
	enum followup_emergency_kind emergency; /* CAUSE_EMERGENCY */
	enum followup_kind missed_kind;         /* CAUSE_MISSED */
	int32_t missed_due;                     /* CAUSE_MISSED */
};

struct sim_task {
	struct followup_task t; /* without reason, state and change */
	size_t seq;             /* timeline position of the trigger: only later visits fulfil it */
	struct trigger trigger;
	unsigned merged; /* later triggers of the same family it covers */
	struct trigger last_merged;
	bool contacted; /* F11: someone contacted the patient after it went overdue */
};

struct event {
	int64_t at;
	bool emergency; /* visits first at the same second: they are not "after" it */
	size_t index;
};

struct planner {
	const struct planner_config *c;
	const struct planner_input *in;
	const struct followup_patient *pt;
	int32_t today;
	struct followup_plan *plan;
	size_t n_sim;
	struct sim_task sim[SIM_TASKS_MAX];
	/* Per HTN/T2DM: consecutive 控制不满意 results. */
	unsigned uncontrolled[_FOLLOWUP_PROGRAMME_MAX];
	/* Per open task of the caller: fulfilled during the replay, and by which visit. */
	bool closed[PLANNER_OPEN_MAX];
	int64_t closed_by[PLANNER_OPEN_MAX];
};

static int32_t local_day(const struct planner *pl, int64_t at)
{
	return civil_date_local_day(at, pl->in->utc_offset_s);
}

/* A programme the patient is enrolled in on @day (and still is today). */
static bool in_programme(const struct planner *pl, enum followup_programme p, int32_t day)
{
	switch (p) {
	case FOLLOWUP_PROGRAMME_HTN:
		return pl->pt->htn && pl->pt->htn_since <= day && pl->pt->htn_since <= pl->today;
	case FOLLOWUP_PROGRAMME_T2DM:
		return pl->pt->t2dm && pl->pt->t2dm_since <= day && pl->pt->t2dm_since <= pl->today;
	default:
		return false;
	}
}

static int32_t programme_since(const struct planner *pl, enum followup_programme p)
{
	return p == FOLLOWUP_PROGRAMME_HTN ? pl->pt->htn_since : pl->pt->t2dm_since;
}

/* Follow-ups the F11 active contact watches for. */
static bool is_followup_kind(enum followup_kind k)
{
	return k == FOLLOWUP_KIND_ROUTINE || k == FOLLOWUP_KIND_TWO_WEEK ||
	       k == FOLLOWUP_KIND_REFERRAL_FOLLOWUP || k == FOLLOWUP_KIND_EMERGENCY_FOLLOWUP;
}

/* The 2-week family: at most one open per programme, later triggers merge into it. */
static bool is_short_kind(enum followup_kind k)
{
	return k == FOLLOWUP_KIND_TWO_WEEK || k == FOLLOWUP_KIND_REFERRAL_FOLLOWUP ||
	       k == FOLLOWUP_KIND_EMERGENCY_FOLLOWUP;
}

static void note_fulfilled(struct planner *pl, const char *key, int64_t visit_id)
{
	for (size_t i = 0; i < pl->in->n_open; i++)
		if (!pl->closed[i] && strcmp(pl->in->open[i].key, key) == 0) {
			pl->closed[i] = true;
			pl->closed_by[i] = visit_id;
		}
}

static struct sim_task *find_open(struct planner *pl, enum followup_kind kind,
				  enum followup_programme p)
{
	for (size_t i = 0; i < pl->n_sim; i++)
		if (pl->sim[i].t.kind == kind && pl->sim[i].t.programme == p)
			return &pl->sim[i];
	return NULL;
}

static struct sim_task *find_open_short(struct planner *pl, enum followup_programme p)
{
	for (size_t i = 0; i < pl->n_sim; i++)
		if (is_short_kind(pl->sim[i].t.kind) && pl->sim[i].t.programme == p)
			return &pl->sim[i];
	return NULL;
}

static int add_task(struct planner *pl, enum followup_kind kind, enum followup_programme p,
		    enum followup_rule rule, size_t seq, const struct trigger *tr,
		    struct sim_task **ret)
{
	struct sim_task *s;

	if (pl->n_sim == SIM_TASKS_MAX)
		return -E2BIG;
	s = &pl->sim[pl->n_sim++];
	memset(s, 0, sizeof(*s));
	s->t.kind = kind;
	s->t.programme = p;
	s->t.rule = rule;
	s->seq = seq;
	s->trigger = *tr;
	*ret = s;
	return 0;
}

static void merge(struct sim_task *s, const struct trigger *tr)
{
	s->merged++;
	s->last_merged = *tr;
}

static void key_visit(struct sim_task *s, int64_t visit_id)
{
	snprintf(s->t.key, sizeof(s->t.key), "%s:%s:v%" PRId64, kind_names[s->t.kind],
		 programme_names[s->t.programme], visit_id);
}

static void window(struct sim_task *s, int32_t earliest, int32_t due, long long grace)
{
	s->t.earliest = earliest;
	s->t.due = due;
	s->t.overdue_after = due + (int32_t)grace;
}

/* F1/F3: the next quarterly face-to-face follow-up after @tr (a visit, or enrolment). */
static int open_routine(struct planner *pl, enum followup_programme p, size_t seq,
			const struct trigger *tr, int64_t visit_id)
{
	const struct planner_config *c = pl->c;
	struct sim_task *s;
	int32_t due = tr->day + (int32_t)c->routine_interval_days;
	int r;

	r = add_task(pl, FOLLOWUP_KIND_ROUTINE, p,
		     tr->cause == CAUSE_CONTROLLED ? FOLLOWUP_RULE_F3 : FOLLOWUP_RULE_F1, seq, tr,
		     &s);
	if (r < 0)
		return r;
	if (tr->cause == CAUSE_ENROLMENT)
		snprintf(s->t.key, sizeof(s->t.key), "routine:%s:start", programme_names[p]);
	else
		key_visit(s, visit_id);
	window(s, due - (int32_t)c->routine_window_days, due, c->routine_grace_days);
	return 0;
}

/* F4/F5/F6: a follow-up within two weeks, unless one of the family is open for @p. */
static int open_short(struct planner *pl, enum followup_kind kind, enum followup_programme p,
		      size_t seq, const struct trigger *tr, int64_t id)
{
	static const enum followup_rule rules[_FOLLOWUP_KIND_MAX] = {
		[FOLLOWUP_KIND_TWO_WEEK] = FOLLOWUP_RULE_F4,
		[FOLLOWUP_KIND_REFERRAL_FOLLOWUP] = FOLLOWUP_RULE_F5,
		[FOLLOWUP_KIND_EMERGENCY_FOLLOWUP] = FOLLOWUP_RULE_F6,
	};
	struct sim_task *s = find_open_short(pl, p);
	int r;

	if (s) {
		merge(s, tr);
		return 0;
	}
	r = add_task(pl, kind, p, rules[kind], seq, tr, &s);
	if (r < 0)
		return r;
	if (kind == FOLLOWUP_KIND_EMERGENCY_FOLLOWUP)
		snprintf(s->t.key, sizeof(s->t.key), "%s:%s:e%" PRId64, kind_names[kind],
			 programme_names[p], id);
	else
		key_visit(s, id);
	window(s, tr->day, tr->day + (int32_t)pl->c->two_week_days, pl->c->two_week_grace_days);
	return 0;
}

/* F5: refer to a higher-level hospital; merged while an earlier referral is still pending. */
static int open_referral(struct planner *pl, enum followup_programme p, size_t seq,
			 const struct trigger *tr, int64_t visit_id)
{
	struct sim_task *s = find_open(pl, FOLLOWUP_KIND_REFERRAL, p);
	int r;

	if (s) {
		merge(s, tr);
		return 0;
	}
	r = add_task(pl, FOLLOWUP_KIND_REFERRAL, p, FOLLOWUP_RULE_F5, seq, tr, &s);
	if (r < 0)
		return r;
	key_visit(s, visit_id);
	window(s, tr->day, tr->day, pl->c->referral_overdue_days);
	return 0;
}

/* The first day on which someone is eligible for the annual check (F9, F10), or false. */
static bool annual_eligible_from(const struct planner *pl, int32_t *ret)
{
	int32_t from = INT32_MAX;
	int32_t b = civil_date_birthday(pl->pt->birth, (int)pl->c->annual_elderly_age);

	if (in_programme(pl, FOLLOWUP_PROGRAMME_HTN, pl->today))
		from = pl->pt->htn_since;
	if (in_programme(pl, FOLLOWUP_PROGRAMME_T2DM, pl->today) && pl->pt->t2dm_since < from)
		from = pl->pt->t2dm_since;
	if (b <= pl->today && b < from)
		from = b;
	*ret = from;
	return from != INT32_MAX;
}

static bool is_elderly_today(const struct planner *pl)
{
	return civil_date_age(pl->pt->birth, pl->today) >= pl->c->annual_elderly_age;
}

/* F9/F10: once a year, counted from the last check, at the earliest after eligibility. */
static int open_annual(struct planner *pl, size_t seq, const struct trigger *tr, int64_t visit_id)
{
	const struct planner_config *c = pl->c;
	bool elderly = is_elderly_today(pl);
	struct sim_task *s;
	int32_t from, due;
	int r;

	if (!annual_eligible_from(pl, &from))
		return 0;
	due = from + (int32_t)c->annual_first_due_days;
	if (tr->cause == CAUSE_CHECK) {
		int32_t next = civil_date_add_months(tr->day, (int)c->annual_interval_months);

		if (next > due)
			due = next;
	}
	r = add_task(pl, FOLLOWUP_KIND_ANNUAL_CHECK,
		     elderly ? FOLLOWUP_PROGRAMME_ELDERLY : FOLLOWUP_PROGRAMME_NONE,
		     elderly ? FOLLOWUP_RULE_F10 : FOLLOWUP_RULE_F9, seq, tr, &s);
	if (r < 0)
		return r;
	if (tr->cause == CAUSE_CHECK) {
		snprintf(s->t.key, sizeof(s->t.key), "annual-check:v%" PRId64, visit_id);
	} else {
		snprintf(s->t.key, sizeof(s->t.key), "annual-check:start");
		s->trigger.day = from;
	}
	window(s, due - (int32_t)c->annual_window_days, due, c->annual_grace_days);
	return 0;
}

/* FSB: the first 查床 within 24-48 h of opening the bed, then one a week after the last. */
static int open_round(struct planner *pl, size_t seq, const struct trigger *tr, int64_t visit_id)
{
	const struct planner_config *c = pl->c;
	const struct followup_episode *ep = &pl->pt->episode;
	struct sim_task *s;
	int r;

	if (tr->cause == CAUSE_BED_OPENED) {
		r = add_task(pl, FOLLOWUP_KIND_FIRST_ROUND, FOLLOWUP_PROGRAMME_SICK_BED,
			     FOLLOWUP_RULE_FSB_FIRST, seq, tr, &s);
		if (r < 0)
			return r;
		snprintf(s->t.key, sizeof(s->t.key), "first-round:ep%" PRId64, ep->id);
		s->t.earliest = ep->start;
		s->t.due = ep->start + (int32_t)c->bed_first_round_due_days;
		s->t.overdue_after = ep->start + (int32_t)c->bed_first_round_overdue_days;
		return 0;
	}
	r = add_task(pl, FOLLOWUP_KIND_ROUND, FOLLOWUP_PROGRAMME_SICK_BED, FOLLOWUP_RULE_FSB_ROUND,
		     seq, tr, &s);
	if (r < 0)
		return r;
	snprintf(s->t.key, sizeof(s->t.key), "round:ep%" PRId64 ":v%" PRId64, ep->id, visit_id);
	window(s, tr->day + 1, tr->day + (int32_t)c->bed_round_interval_days,
	       c->bed_round_grace_days);
	return 0;
}

/* Would visit @v (timeline position @seq, local day @day) do what @s asks? */
static bool fulfils(const struct planner *pl, const struct sim_task *s,
		    const struct followup_visit *v, size_t seq, int32_t day)
{
	enum followup_programme p = s->t.programme;

	if (seq <= s->seq)
		return false;
	switch (s->t.kind) {
	case FOLLOWUP_KIND_ROUTINE:
		return planner_is_face_to_face_followup(v, p) && in_programme(pl, p, day);
	case FOLLOWUP_KIND_TWO_WEEK:
	case FOLLOWUP_KIND_EMERGENCY_FOLLOWUP:
		return v->programme == p && v->classification != FOLLOWUP_CLASS_NONE &&
		       in_programme(pl, p, day);
	case FOLLOWUP_KIND_REFERRAL:
		return v->referred &&
		       (v->programme == p || v->programme == FOLLOWUP_PROGRAMME_NONE);
	case FOLLOWUP_KIND_REFERRAL_FOLLOWUP:
		return v->programme == p || v->programme == FOLLOWUP_PROGRAMME_NONE;
	case FOLLOWUP_KIND_EMERGENCY_CONTACT:
		return true;
	case FOLLOWUP_KIND_ANNUAL_CHECK:
		return v->service == FOLLOWUP_SERVICE_HEALTH_CHECK;
	case FOLLOWUP_KIND_FIRST_ROUND:
	case FOLLOWUP_KIND_ROUND:
		return v->service == FOLLOWUP_SERVICE_BEDSIDE_ROUND && day >= pl->pt->episode.start;
	default:
		return false;
	}
}

/* "missed:<key>"; keys are far shorter than FOLLOWUP_KEY_MAX, so nothing is cut. */
static void missed_key(char buf[static FOLLOWUP_KEY_MAX], const char *key)
{
	static const char prefix[] = "missed:";
	size_t n = strnlen(key, FOLLOWUP_KEY_MAX - sizeof(prefix));

	memcpy(buf, prefix, sizeof(prefix) - 1);
	memcpy(buf + sizeof(prefix) - 1, key, n);
	buf[sizeof(prefix) - 1 + n] = '\0';
}

/*
 * Closes what visit @v fulfils. Any visit after a follow-up went overdue is
 * also the active contact F11 asks for. Returns the programmes (1 << p) whose
 * pending referral the visit recorded.
 */
static unsigned close_fulfilled(struct planner *pl, const struct followup_visit *v, size_t seq,
				int32_t day)
{
	unsigned referred = 0;
	size_t kept = 0;

	for (size_t i = 0; i < pl->n_sim; i++) {
		struct sim_task *s = &pl->sim[i];

		if (is_followup_kind(s->t.kind) && day > s->t.overdue_after && !s->contacted &&
		    seq > s->seq) {
			char key[FOLLOWUP_KEY_MAX];

			s->contacted = true;
			missed_key(key, s->t.key);
			note_fulfilled(pl, key, v->id);
		}
		if (fulfils(pl, s, v, seq, day)) {
			note_fulfilled(pl, s->t.key, v->id);
			if (s->t.kind == FOLLOWUP_KIND_REFERRAL)
				referred |= 1u << s->t.programme;
			continue;
		}
		pl->sim[kept++] = *s;
	}
	pl->n_sim = kept;
	return referred;
}

/* F3-F5 from a classified follow-up of an HTN or T2DM programme. */
static int classify(struct planner *pl, const struct followup_visit *v, size_t seq, int32_t day,
		    bool referral_done)
{
	enum followup_programme p = v->programme;
	struct trigger tr = { .day = day };
	bool refer = false, two_week = false;
	int r;

	if (v->classification == FOLLOWUP_CLASS_UNCONTROLLED)
		pl->uncontrolled[p]++;
	else
		pl->uncontrolled[p] = 0;

	if (v->complication_new_or_worse) {
		refer = true;
		tr.cause = CAUSE_COMPLICATION;
	} else if (v->classification == FOLLOWUP_CLASS_UNCONTROLLED) {
		refer = pl->uncontrolled[p] >= 2;
		two_week = !refer;
		tr.cause = refer ? CAUSE_REPEAT_UNCONTROLLED : CAUSE_UNCONTROLLED;
	} else if (v->classification == FOLLOWUP_CLASS_ADVERSE_REACTION) {
		refer = v->adr_hard_to_control;
		two_week = !refer;
		tr.cause = refer ? CAUSE_ADR_HARD : CAUSE_ADR;
	}

	if (refer && !v->referred) {
		r = open_referral(pl, p, seq, &tr, v->id);
		if (r < 0)
			return r;
	} else if ((refer && v->referred) || referral_done) {
		struct trigger rt = { .cause = CAUSE_REFERRED, .day = day };

		r = open_short(pl, FOLLOWUP_KIND_REFERRAL_FOLLOWUP, p, seq, &rt, v->id);
		if (r < 0)
			return r;
	}
	if (two_week) {
		r = open_short(pl, FOLLOWUP_KIND_TWO_WEEK, p, seq, &tr, v->id);
		if (r < 0)
			return r;
	}
	if (is_face_to_face(v->service)) {
		struct trigger rt = { .day = day };

		rt.cause = !refer && !two_week && v->classification == FOLLOWUP_CLASS_CONTROLLED
				   ? CAUSE_CONTROLLED
				   : CAUSE_VISIT;
		return open_routine(pl, p, seq, &rt, v->id);
	}
	return 0;
}

static int on_visit(struct planner *pl, const struct followup_visit *v, size_t seq)
{
	int32_t day = local_day(pl, v->at);
	unsigned referred = close_fulfilled(pl, v, seq, day);
	bool followup =
		v->classification != FOLLOWUP_CLASS_NONE && in_programme(pl, v->programme, day);
	int r;

	if (followup) {
		r = classify(pl, v, seq, day, referred & (1u << v->programme));
		if (r < 0)
			return r;
		referred &= ~(1u << v->programme);
	}
	/* Referrals recorded at a contact without (this programme's) form. */
	for (enum followup_programme p = FOLLOWUP_PROGRAMME_HTN; p <= FOLLOWUP_PROGRAMME_T2DM;
	     p++) {
		struct trigger rt = { .cause = CAUSE_REFERRED, .day = day };

		if (!(referred & (1u << p)))
			continue;
		r = open_short(pl, FOLLOWUP_KIND_REFERRAL_FOLLOWUP, p, seq, &rt, v->id);
		if (r < 0)
			return r;
	}
	if (v->service == FOLLOWUP_SERVICE_HEALTH_CHECK) {
		struct trigger tr = { .cause = CAUSE_CHECK, .day = day };

		r = open_annual(pl, seq, &tr, v->id);
		if (r < 0)
			return r;
	}
	if (v->service == FOLLOWUP_SERVICE_BEDSIDE_ROUND && pl->pt->has_episode &&
	    day >= pl->pt->episode.start) {
		struct trigger tr = { .cause = CAUSE_ROUND, .day = day };

		return open_round(pl, seq, &tr, v->id);
	}
	return 0;
}

static enum followup_programme emergency_programme(enum followup_emergency_kind k)
{
	return k == FOLLOWUP_EMERGENCY_BP1 || k == FOLLOWUP_EMERGENCY_BP2 ? FOLLOWUP_PROGRAMME_HTN
									  : FOLLOWUP_PROGRAMME_T2DM;
}

/* F6: contact within 24-72 h and follow up within two weeks, each unless one is open. */
static int on_emergency(struct planner *pl, const struct followup_emergency *e, size_t seq)
{
	const struct planner_config *c = pl->c;
	struct trigger tr = {
		.cause = CAUSE_EMERGENCY,
		.day = local_day(pl, e->at),
		.at = e->at,
		.emergency = e->kind,
	};
	enum followup_programme p = emergency_programme(e->kind);
	struct sim_task *s =
		find_open(pl, FOLLOWUP_KIND_EMERGENCY_CONTACT, FOLLOWUP_PROGRAMME_NONE);
	int r;

	if (s) {
		merge(s, &tr);
	} else {
		r = add_task(pl, FOLLOWUP_KIND_EMERGENCY_CONTACT, FOLLOWUP_PROGRAMME_NONE,
			     FOLLOWUP_RULE_F6, seq, &tr, &s);
		if (r < 0)
			return r;
		snprintf(s->t.key, sizeof(s->t.key), "emergency-contact:e%" PRId64, e->id);
		s->t.earliest = tr.day;
		s->t.due = local_day(pl, e->at + c->emergency_contact_due_hours * HOUR_S);
		s->t.overdue_after =
			local_day(pl, e->at + c->emergency_contact_overdue_hours * HOUR_S);
	}
	if (!in_programme(pl, p, tr.day))
		return 0;
	return open_short(pl, FOLLOWUP_KIND_EMERGENCY_FOLLOWUP, p, seq, &tr, e->id);
}

static int compare_events(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->emergency != y->emergency)
		return x->emergency ? 1 : -1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Replays visits and emergencies up to now, in time order, from the tasks enrolment opens. */
static int replay(struct planner *pl)
{
	const struct planner_input *in = pl->in;
	_cleanup_free_ struct event *events = NULL;
	size_t n = 0;
	int r;

	for (enum followup_programme p = FOLLOWUP_PROGRAMME_HTN; p <= FOLLOWUP_PROGRAMME_T2DM; p++)
		if (in_programme(pl, p, pl->today)) {
			struct trigger tr = { .cause = CAUSE_ENROLMENT,
					      .day = programme_since(pl, p) };

			r = open_routine(pl, p, 0, &tr, 0);
			if (r < 0)
				return r;
		}
	if (pl->pt->has_episode) {
		struct trigger tr = { .cause = CAUSE_BED_OPENED, .day = pl->pt->episode.start };

		r = open_round(pl, 0, &tr, 0);
		if (r < 0)
			return r;
	}
	{
		struct trigger tr = { .cause = CAUSE_ELIGIBLE };

		r = open_annual(pl, 0, &tr, 0);
		if (r < 0)
			return r;
	}

	events = calloc(in->n_visits + in->n_emergencies + 1, sizeof(*events));
	if (!events)
		return -ENOMEM;
	for (size_t i = 0; i < in->n_visits; i++)
		if (in->visits[i].at <= in->now)
			events[n++] = (struct event){ .at = in->visits[i].at, .index = i };
	for (size_t i = 0; i < in->n_emergencies; i++)
		if (in->emergencies[i].at <= in->now)
			events[n++] = (struct event){ .at = in->emergencies[i].at,
						      .emergency = true,
						      .index = i };
	qsort(events, n, sizeof(*events), compare_events);
	for (size_t i = 0; i < n; i++) {
		if (events[i].emergency)
			r = on_emergency(pl, &in->emergencies[events[i].index], i + 1);
		else
			r = on_visit(pl, &in->visits[events[i].index], i + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The tasks that exist because of today: F11 active contacts and the end of the bed period. */
static int add_today_tasks(struct planner *pl)
{
	const struct planner_config *c = pl->c;
	size_t n = pl->n_sim;
	struct sim_task *s;
	int r;

	for (size_t i = 0; i < n; i++) {
		const struct sim_task *m = &pl->sim[i];
		struct trigger tr = { .cause = CAUSE_MISSED,
				      .day = m->t.overdue_after + 1,
				      .missed_kind = m->t.kind,
				      .missed_due = m->t.due };

		if (!is_followup_kind(m->t.kind) || m->contacted || pl->today <= m->t.overdue_after)
			continue;
		r = add_task(pl, FOLLOWUP_KIND_MISSED_CONTACT, m->t.programme, FOLLOWUP_RULE_F11,
			     m->seq, &tr, &s);
		if (r < 0)
			return r;
		missed_key(s->t.key, m->t.key);
		s->t.earliest = tr.day;
		s->t.due = tr.day + (int32_t)c->missed_contact_days;
		s->t.overdue_after = s->t.due;
	}
	if (pl->pt->has_episode) {
		const struct followup_episode *ep = &pl->pt->episode;
		struct trigger tr = { .cause = CAUSE_PERIOD_END, .day = ep->end };
		bool ended = pl->today >= ep->end;
		char end[CIVIL_DATE_STRING_MAX];

		if (!ended && pl->today < ep->end - c->bed_end_warning_days)
			return 0;
		r = add_task(pl, ended ? FOLLOWUP_KIND_EPISODE_ENDED : FOLLOWUP_KIND_EPISODE_ENDING,
			     FOLLOWUP_PROGRAMME_SICK_BED,
			     ended ? FOLLOWUP_RULE_FSB_END : FOLLOWUP_RULE_FSB_END7, 0, &tr, &s);
		if (r < 0)
			return r;
		civil_date_format(ep->end, end, sizeof(end));
		snprintf(s->t.key, sizeof(s->t.key), "%s:ep%" PRId64 ":%s", kind_names[s->t.kind],
			 ep->id, end);
		s->t.earliest = ended ? ep->end : ep->end - (int32_t)c->bed_end_warning_days;
		if (s->t.earliest < ep->start)
			s->t.earliest = ep->start;
		s->t.due = ep->end;
		s->t.overdue_after = ep->end;
	}
	return 0;
}

static const char *programme_label(enum followup_programme p)
{
	return p == FOLLOWUP_PROGRAMME_HTN ? "HTN" : p == FOLLOWUP_PROGRAMME_T2DM ? "T2DM" : "";
}

/* "a first 控制不满意 (uncontrolled) result on 2025-03-01", for reason sentences. */
static void describe(const struct planner *pl, const struct trigger *tr, char *buf, size_t size)
{
	static const char *const what[] = {
		[CAUSE_ENROLMENT] = "enrolment on ",
		[CAUSE_VISIT] = "the face-to-face follow-up on ",
		[CAUSE_CONTROLLED] = "a 控制满意 (controlled) follow-up on ",
		[CAUSE_UNCONTROLLED] = "a first 控制不满意 (uncontrolled) result on ",
		[CAUSE_ADR] = "an adverse drug reaction (不良反应) on ",
		[CAUSE_REPEAT_UNCONTROLLED] =
			"a second 控制不满意 (uncontrolled) result in a row on ",
		[CAUSE_ADR_HARD] = "an adverse drug reaction hard to control on ",
		[CAUSE_COMPLICATION] = "a new or worse complication (并发症) on ",
		[CAUSE_REFERRED] = "the referral on ",
		[CAUSE_EMERGENCY] = "the ",
		[CAUSE_CHECK] = "the last check on ",
		[CAUSE_ELIGIBLE] = "eligibility on ",
		[CAUSE_ROUND] = "the last round on ",
		[CAUSE_BED_OPENED] = "opening the bed on ",
		[CAUSE_PERIOD_END] = "its end on ",
		[CAUSE_MISSED] = "the ",
	};
	char date[CIVIL_DATE_STRING_MAX], rest[64];

	civil_date_format(tr->cause == CAUSE_MISSED ? tr->missed_due : tr->day, date, sizeof(date));
	if (tr->cause == CAUSE_EMERGENCY) {
		int64_t local = tr->at + pl->in->utc_offset_s;
		int64_t second = ((local % 86400) + 86400) % 86400;

		snprintf(rest, sizeof(rest), "%s emergency on %s %02d:%02d",
			 emergency_names[tr->emergency], date, (int)(second / 3600),
			 (int)(second / 60 % 60));
	} else if (tr->cause == CAUSE_MISSED) {
		static const char *const missed[_FOLLOWUP_KIND_MAX] = {
			[FOLLOWUP_KIND_ROUTINE] = "quarterly",
			[FOLLOWUP_KIND_TWO_WEEK] = "2-week",
			[FOLLOWUP_KIND_REFERRAL_FOLLOWUP] = "referral",
			[FOLLOWUP_KIND_EMERGENCY_FOLLOWUP] = "post-emergency",
		};

		snprintf(rest, sizeof(rest), "%s follow-up due %s",
			 missed[tr->missed_kind] ? missed[tr->missed_kind] : "", date);
	} else {
		snprintf(rest, sizeof(rest), "%s", date);
	}
	snprintf(buf, size, "%s%s", what[tr->cause], rest);
}

static void compose_reason(const struct planner *pl, const struct sim_task *s, char *buf,
			   size_t size)
{
	const struct planner_config *c = pl->c;
	const char *prog = programme_label(s->t.programme);
	char why[128], also[sizeof(why) + 64] = "";

	describe(pl, &s->trigger, why, sizeof(why));
	switch (s->t.kind) {
	case FOLLOWUP_KIND_ROUTINE:
		snprintf(buf, size,
			 "Quarterly face-to-face %s follow-up (at least %lld a year), %lld days "
			 "after %s.%s",
			 prog, c->routine_visits_per_year, c->routine_interval_days, why,
			 s->t.programme == FOLLOWUP_PROGRAMME_T2DM
				 ? " Include a fasting glucose test (F2)."
				 : "");
		break;
	case FOLLOWUP_KIND_TWO_WEEK:
		snprintf(buf, size,
			 "%s follow-up within %lld days after %s; adjust drugs as needed.", prog,
			 c->two_week_days, why);
		break;
	case FOLLOWUP_KIND_REFERRAL:
		snprintf(buf, size, "Refer to a higher-level hospital (%s) after %s.", prog, why);
		break;
	case FOLLOWUP_KIND_REFERRAL_FOLLOWUP:
		snprintf(
			buf, size,
			"Actively follow up the %s referral (主动随访转诊情况) within %lld days of %s.",
			prog, c->two_week_days, why);
		break;
	case FOLLOWUP_KIND_EMERGENCY_CONTACT:
		snprintf(buf, size, "Contact the patient %lld-%lld h after %s.%s",
			 c->emergency_contact_due_hours, c->emergency_contact_overdue_hours, why,
			 pl->pt->has_episode ? " The family sick bed is open: an unscheduled visit "
					       "or phone review."
					     : "");
		break;
	case FOLLOWUP_KIND_EMERGENCY_FOLLOWUP:
		snprintf(buf, size,
			 "%s follow-up within %lld days after %s (handled and urgently referred "
			 "at the time).",
			 prog, c->two_week_days, why);
		break;
	case FOLLOWUP_KIND_ANNUAL_CHECK:
		snprintf(
			buf, size, "%s, once a year; counted from %s.",
			s->t.rule == FOLLOWUP_RULE_F10
				? "Annual health check for people aged 65 and over (老年人健康管理)"
				: "Annual comprehensive health check for HTN/T2DM (健康体检)",
			why);
		break;
	case FOLLOWUP_KIND_FIRST_ROUND:
		snprintf(buf, size, "First bedside round (查床) within %lld-%lld days of %s.",
			 c->bed_first_round_due_days, c->bed_first_round_overdue_days, why);
		break;
	case FOLLOWUP_KIND_ROUND:
		snprintf(buf, size,
			 "Bedside round (查床) every %lld days while the bed is open; %s.",
			 c->bed_round_interval_days, why);
		break;
	case FOLLOWUP_KIND_EPISODE_ENDING:
		snprintf(buf, size,
			 "Sick-bed period: %s is near. Renew it (re-assessment) or plan closing "
			 "the bed (撤床).",
			 why);
		break;
	case FOLLOWUP_KIND_EPISODE_ENDED:
		snprintf(
			buf, size,
			"Sick-bed period over (%s) and the bed is still open: renew it or close it "
			"(撤床) with an outcome.",
			why);
		break;
	case FOLLOWUP_KIND_MISSED_CONTACT:
		snprintf(buf, size, "Missed %s: contact the patient actively (主动联系).", why);
		break;
	default:
		snprintf(buf, size, "%s", why);
		break;
	}
	if (s->merged) {
		describe(pl, &s->last_merged, why, sizeof(why));
		snprintf(also, sizeof(also), " Also covers %u later trigger%s, the latest %s.",
			 s->merged, s->merged == 1 ? "" : "s", why);
		if (strlen(buf) + strlen(also) < size)
			memcpy(buf + strlen(buf), also, strlen(also) + 1);
	}
}

static enum followup_state state_on(const struct followup_task *t, int32_t today)
{
	if (today < t->earliest)
		return FOLLOWUP_STATE_UPCOMING;
	return today > t->overdue_after ? FOLLOWUP_STATE_OVERDUE : FOLLOWUP_STATE_OPEN;
}

static const struct followup_task *find_key(const struct followup_task *tasks, size_t n,
					    const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tasks[i].key, key) == 0)
			return &tasks[i];
	return NULL;
}

static bool same_task(const struct followup_task *a, const struct followup_task *b)
{
	return a->kind == b->kind && a->programme == b->programme && a->rule == b->rule &&
	       a->earliest == b->earliest && a->due == b->due &&
	       a->overdue_after == b->overdue_after && strcmp(a->reason, b->reason) == 0;
}

static int compare_tasks(const void *a, const void *b)
{
	const struct followup_task *x = a, *y = b;

	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* The plan's tasks and, for the caller's open tasks that are not among them, closures. */
static void reconcile(struct planner *pl)
{
	const struct planner_input *in = pl->in;
	struct followup_plan *plan = pl->plan;

	for (size_t i = 0; i < pl->n_sim; i++) {
		struct followup_task *t = &plan->tasks[plan->n_tasks++];
		const struct followup_task *old;

		*t = pl->sim[i].t;
		compose_reason(pl, &pl->sim[i], t->reason, sizeof(t->reason));
		t->state = state_on(t, pl->today);
		old = find_key(in->open, in->n_open, t->key);
		t->change = !old                ? FOLLOWUP_CHANGE_NEW
			    : same_task(old, t) ? FOLLOWUP_CHANGE_UNCHANGED
						: FOLLOWUP_CHANGE_UPDATED;
	}
	qsort(plan->tasks, plan->n_tasks, sizeof(plan->tasks[0]), compare_tasks);
	for (size_t i = 0; i < in->n_open; i++) {
		struct followup_closure *cl;

		if (find_key(plan->tasks, plan->n_tasks, in->open[i].key))
			continue;
		cl = &plan->closures[plan->n_closures++];
		snprintf(cl->key, sizeof(cl->key), "%s", in->open[i].key);
		cl->reason =
			pl->closed[i] ? FOLLOWUP_CLOSURE_FULFILLED : FOLLOWUP_CLOSURE_WITHDRAWN;
		cl->visit_id = pl->closed[i] ? pl->closed_by[i] : 0;
	}
}

static struct followup_hint *add_hint(struct planner *pl, enum followup_hint_kind kind,
				      enum followup_rule rule, enum followup_programme p)
{
	struct followup_hint *h;

	if (pl->plan->n_hints == PLANNER_HINTS_MAX)
		return NULL;
	h = &pl->plan->hints[pl->plan->n_hints++];
	h->kind = kind;
	h->rule = rule;
	h->programme = p;
	h->priority = 3;
	return h;
}

/* F1 per calendar year: how many face-to-face follow-ups, and can the target still be met? */
static void count_year(struct planner *pl, enum followup_programme p)
{
	const struct planner_config *c = pl->c;
	const struct planner_input *in = pl->in;
	struct followup_year *y = &pl->plan->years[pl->plan->n_years++];
	struct civil_date d;
	int32_t jan1, dec31, since = programme_since(pl, p), last = INT32_MIN, first;
	long long spacing = c->routine_min_spacing_days, slots, needed;

	civil_date_from_days(pl->today, &d);
	jan1 = civil_date_to_days(d.year, 1, 1);
	dec31 = civil_date_to_days(d.year, 12, 31);
	y->programme = p;
	y->year = d.year;
	for (size_t i = 0; i < in->n_visits; i++) {
		const struct followup_visit *v = &in->visits[i];
		int32_t day = local_day(pl, v->at);

		if (v->at > in->now || day < since || !planner_is_face_to_face_followup(v, p))
			continue;
		if (day >= jan1)
			y->face_to_face++;
		if (day > last)
			last = day;
	}
	y->required = (unsigned)c->routine_visits_per_year;
	if (since > jan1) {
		long long days = dec31 - since + 1, year = dec31 - jan1 + 1;

		y->required = (unsigned)((c->routine_visits_per_year * days + year - 1) / year);
	}
	needed = (long long)y->required - y->face_to_face;
	first = pl->today;
	if (last != INT32_MIN && last + spacing > first)
		first = last + (int32_t)spacing;
	slots = first > dec31 ? 0 : (dec31 - first) / spacing + 1;
	y->reachable = needed <= 0 || slots >= needed;
	if (!y->reachable) {
		struct followup_hint *h =
			add_hint(pl, FOLLOWUP_HINT_YEAR_TARGET, FOLLOWUP_RULE_F1, p);

		if (h)
			snprintf(
				h->reason, sizeof(h->reason),
				"%u of %u face-to-face %s follow-ups done in %d; at most %lld more "
				"fit by 31 December at %lld-day spacing.",
				y->face_to_face, y->required, programme_label(p), y->year, slots,
				spacing);
	}
}

/* BP3/F13: the home mean is a hint for the doctor's classification, never a visit. */
static void home_bp_hint(struct planner *pl)
{
	const struct planner_config *c = pl->c;
	const struct followup_home_bp *h = pl->in->home_bp;
	struct followup_hint *hint;
	uint64_t n, s10, d10;
	bool htn;

	if (!h || h->n_readings < (unsigned long long)c->home_bp_min_readings)
		return;
	n = h->n_readings;
	if (h->systolic_sum < (uint64_t)c->home_bp_systolic_at_least * n &&
	    h->diastolic_sum < (uint64_t)c->home_bp_diastolic_at_least * n)
		return;
	htn = in_programme(pl, FOLLOWUP_PROGRAMME_HTN, pl->today);
	hint = add_hint(pl, htn ? FOLLOWUP_HINT_HOME_BP_UNCONTROLLED : FOLLOWUP_HINT_HOME_BP_SCREEN,
			htn ? FOLLOWUP_RULE_F13 : FOLLOWUP_RULE_F8,
			htn ? FOLLOWUP_PROGRAMME_HTN : FOLLOWUP_PROGRAMME_NONE);
	if (!hint)
		return;
	s10 = (h->systolic_sum * 10 + n / 2) / n;
	d10 = (h->diastolic_sum * 10 + n / 2) / n;
	snprintf(hint->reason, sizeof(hint->reason),
		 "Home BP mean %" PRIu64 ".%" PRIu64 "/%" PRIu64 ".%" PRIu64
		 " mmHg from %u readings over %lld days is at or above %lld/%lld: %s Home "
		 "readings are not a face-to-face follow-up.",
		 s10 / 10, s10 % 10, d10 / 10, d10 % 10, h->n_readings, c->home_bp_window_days,
		 c->home_bp_systolic_at_least, c->home_bp_diastolic_at_least,
		 htn ? "consider 控制不满意 (uncontrolled) at the next follow-up."
		     : "suggests a BP re-check to confirm (screening).");
}

static int compare_ids(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* -EINVAL when two of the @n int64_t ids at @base + @offset, @stride apart, are equal. */
static int check_unique_ids(const void *base, size_t n, size_t stride, size_t offset)
{
	_cleanup_free_ int64_t *ids = malloc((n + 1) * sizeof(*ids));

	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		memcpy(&ids[i], (const char *)base + i * stride + offset, sizeof(int64_t));
	qsort(ids, n, sizeof(*ids), compare_ids);
	for (size_t i = 1; i < n; i++)
		if (ids[i] == ids[i - 1])
			return -EINVAL;
	return 0;
}

static bool valid_instant(const struct planner_input *in, int64_t at)
{
	return at > -(INT64_C(1) << 40) && at < (INT64_C(1) << 40) &&
	       civil_date_days_is_valid(civil_date_local_day(at, in->utc_offset_s));
}

static int validate_patient(const struct followup_patient *pt)
{
	if (!civil_date_days_is_valid(pt->birth))
		return -EINVAL;
	if (pt->htn && !civil_date_days_is_valid(pt->htn_since))
		return -EINVAL;
	if (pt->t2dm && !civil_date_days_is_valid(pt->t2dm_since))
		return -EINVAL;
	if (pt->has_episode &&
	    (!civil_date_days_is_valid(pt->episode.start) ||
	     !civil_date_days_is_valid(pt->episode.end) || pt->episode.end < pt->episode.start))
		return -EINVAL;
	return 0;
}

static int validate_input(const struct planner_input *in)
{
	int r;

	if (!in->patient || (in->n_visits && !in->visits) ||
	    (in->n_emergencies && !in->emergencies) || (in->n_open && !in->open))
		return -EINVAL;
	if (in->n_visits > PLANNER_VISITS_MAX || in->n_emergencies > PLANNER_EMERGENCIES_MAX ||
	    in->n_open > PLANNER_OPEN_MAX)
		return -E2BIG;
	if (in->utc_offset_s < -14 * HOUR_S || in->utc_offset_s > 14 * HOUR_S ||
	    !valid_instant(in, in->now))
		return -EINVAL;
	r = validate_patient(in->patient);
	if (r < 0)
		return r;
	for (size_t i = 0; i < in->n_visits; i++) {
		const struct followup_visit *v = &in->visits[i];
		bool form = v->programme == FOLLOWUP_PROGRAMME_HTN ||
			    v->programme == FOLLOWUP_PROGRAMME_T2DM;

		if ((unsigned)v->service >= _FOLLOWUP_SERVICE_MAX ||
		    (!form && v->programme != FOLLOWUP_PROGRAMME_NONE) ||
		    (unsigned)v->classification >= _FOLLOWUP_CLASS_MAX ||
		    (!form && v->classification != FOLLOWUP_CLASS_NONE) ||
		    !valid_instant(in, v->at))
			return -EINVAL;
	}
	for (size_t i = 0; i < in->n_emergencies; i++)
		if ((unsigned)in->emergencies[i].kind >= _FOLLOWUP_EMERGENCY_MAX ||
		    !valid_instant(in, in->emergencies[i].at))
			return -EINVAL;
	for (size_t i = 0; i < in->n_open; i++) {
		if (strnlen(in->open[i].key, FOLLOWUP_KEY_MAX) == FOLLOWUP_KEY_MAX)
			return -EINVAL;
		if (find_key(in->open, i, in->open[i].key))
			return -EINVAL;
	}
	r = check_unique_ids(in->visits, in->n_visits, sizeof(*in->visits),
			     offsetof(struct followup_visit, id));
	if (r < 0)
		return r;
	return check_unique_ids(in->emergencies, in->n_emergencies, sizeof(*in->emergencies),
				offsetof(struct followup_emergency, id));
}

int planner_run(const struct planner_config *c, const struct planner_input *in,
		struct followup_plan *ret)
{
	_cleanup_free_ struct planner *pl = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = validate_input(in);
	if (r < 0)
		return r;
	pl = calloc(1, sizeof(*pl));
	if (!pl)
		return -ENOMEM;
	pl->c = c;
	pl->in = in;
	pl->pt = in->patient;
	pl->plan = ret;
	pl->today = civil_date_local_day(in->now, in->utc_offset_s);
	ret->today = pl->today;

	r = replay(pl);
	if (r >= 0)
		r = add_today_tasks(pl);
	if (r < 0) {
		memset(ret, 0, sizeof(*ret));
		return r;
	}
	reconcile(pl);
	for (enum followup_programme p = FOLLOWUP_PROGRAMME_HTN; p <= FOLLOWUP_PROGRAMME_T2DM; p++)
		if (in_programme(pl, p, pl->today))
			count_year(pl, p);
	home_bp_hint(pl);
	return 0;
}
