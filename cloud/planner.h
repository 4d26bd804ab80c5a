/* SPDX-License-Identifier: MIT */
/*
 * The follow-up planner (随访计划), pure: from one patient's programmes
 * (HTN, T2DM, the annual check at 65+, an open family sick bed), recorded
 * visits, P1 emergencies and home-BP summary it computes the follow-up tasks
 * the patient should have, by rules F1-F14 and FSB-* of docs/followup.md.
 * Given the tasks the caller holds open, it also says which of them a visit
 * fulfilled and which no longer apply. No I/O, no clock reads: the time is
 * an argument, and every window comes from a struct planner_config.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "civil-date.h"
#include "config.h"
#include "macro.h"

/* Every window, interval and limit of the rules; see planner_config_new() below. */
struct planner_config;

/* Bounds on what a caller may pass in and what comes out. */
#define PLANNER_VISITS_MAX      4096
#define PLANNER_EMERGENCIES_MAX 1024
#define PLANNER_OPEN_MAX        64
#define PLANNER_TASKS_MAX       32
#define PLANNER_HINTS_MAX       8
#define FOLLOWUP_KEY_MAX        64
#define FOLLOWUP_REASON_MAX     320

/* Management programmes. NONE marks a task that belongs to the patient, not a programme. */
enum followup_programme {
	FOLLOWUP_PROGRAMME_NONE,
	FOLLOWUP_PROGRAMME_HTN,      /* 高血压患者健康管理 */
	FOLLOWUP_PROGRAMME_T2DM,     /* 2型糖尿病患者健康管理 */
	FOLLOWUP_PROGRAMME_ELDERLY,  /* 老年人健康管理, 65+ */
	FOLLOWUP_PROGRAMME_SICK_BED, /* 家庭病床 */
	_FOLLOWUP_PROGRAMME_MAX,
};

/* How a visit happened. Clinic, home, bedside round and health check are face to face. */
enum followup_service {
	FOLLOWUP_SERVICE_CLINIC,        /* 门诊 */
	FOLLOWUP_SERVICE_HOME,          /* 家庭 (home visit) */
	FOLLOWUP_SERVICE_PHONE,         /* 电话 */
	FOLLOWUP_SERVICE_VIDEO,         /* video call */
	FOLLOWUP_SERVICE_HEALTH_CHECK,  /* 健康体检, the annual check */
	FOLLOWUP_SERVICE_BEDSIDE_ROUND, /* 查床 */
	_FOLLOWUP_SERVICE_MAX,
};

/* 此次随访分类 on the follow-up form; NONE when no form was filled in (a contact). */
enum followup_class {
	FOLLOWUP_CLASS_NONE,
	FOLLOWUP_CLASS_CONTROLLED,       /* 控制满意 */
	FOLLOWUP_CLASS_UNCONTROLLED,     /* 控制不满意 */
	FOLLOWUP_CLASS_ADVERSE_REACTION, /* 不良反应 */
	FOLLOWUP_CLASS_COMPLICATION,     /* 并发症 */
	_FOLLOWUP_CLASS_MAX,
};

/* The gateway's P1 emergencies (危急情况) that trigger F6. HR3 and T1 count for T2DM only. */
enum followup_emergency_kind {
	FOLLOWUP_EMERGENCY_BP1,
	FOLLOWUP_EMERGENCY_BP2,
	FOLLOWUP_EMERGENCY_BG1,
	FOLLOWUP_EMERGENCY_BG2,
	FOLLOWUP_EMERGENCY_HR3,
	FOLLOWUP_EMERGENCY_T1,
	_FOLLOWUP_EMERGENCY_MAX,
};

enum followup_kind {
	FOLLOWUP_KIND_ROUTINE,            /* quarterly face-to-face follow-up */
	FOLLOWUP_KIND_TWO_WEEK,           /* after a first uncontrolled result or an ADR */
	FOLLOWUP_KIND_REFERRAL,           /* refer to a higher-level hospital */
	FOLLOWUP_KIND_REFERRAL_FOLLOWUP,  /* 2周内主动随访转诊情况 */
	FOLLOWUP_KIND_EMERGENCY_CONTACT,  /* contact within 24-72 h of an emergency */
	FOLLOWUP_KIND_EMERGENCY_FOLLOWUP, /* follow-up within 2 weeks of an emergency */
	FOLLOWUP_KIND_ANNUAL_CHECK,       /* 健康体检 once a year */
	FOLLOWUP_KIND_FIRST_ROUND,        /* first 查床 after opening the bed */
	FOLLOWUP_KIND_ROUND,              /* weekly 查床 */
	FOLLOWUP_KIND_EPISODE_ENDING,     /* the sick-bed period ends within days */
	FOLLOWUP_KIND_EPISODE_ENDED,      /* the sick-bed period is over, the bed still open */
	FOLLOWUP_KIND_MISSED_CONTACT,     /* a follow-up was missed: 主动联系 */
	_FOLLOWUP_KIND_MAX,
};

/* The rule that created a task, as named in docs/followup.md and clinical-defaults §2-3. */
enum followup_rule {
	FOLLOWUP_RULE_F1,
	FOLLOWUP_RULE_F3,
	FOLLOWUP_RULE_F4,
	FOLLOWUP_RULE_F5,
	FOLLOWUP_RULE_F6,
	FOLLOWUP_RULE_F8,
	FOLLOWUP_RULE_F9,
	FOLLOWUP_RULE_F10,
	FOLLOWUP_RULE_F11,
	FOLLOWUP_RULE_F13,
	FOLLOWUP_RULE_FSB_FIRST,
	FOLLOWUP_RULE_FSB_ROUND,
	FOLLOWUP_RULE_FSB_END7,
	FOLLOWUP_RULE_FSB_END,
	_FOLLOWUP_RULE_MAX,
};

/* Where a task stands on the planner's "today". */
enum followup_state {
	FOLLOWUP_STATE_UPCOMING, /* today < earliest */
	FOLLOWUP_STATE_OPEN,     /* earliest <= today <= overdue_after */
	FOLLOWUP_STATE_OVERDUE,  /* today > overdue_after: the worklist */
	_FOLLOWUP_STATE_MAX,
};

/* What the caller has to do with a task of the plan. */
enum followup_change {
	FOLLOWUP_CHANGE_NEW,       /* not among the open tasks: create it */
	FOLLOWUP_CHANGE_UNCHANGED, /* open already, exactly like this */
	FOLLOWUP_CHANGE_UPDATED,   /* open already under this key; window, rule or reason changed */
	_FOLLOWUP_CHANGE_MAX,
};

/* Why an open task leaves the plan. */
enum followup_closure_reason {
	FOLLOWUP_CLOSURE_FULFILLED, /* a recorded visit did what the task asked */
	FOLLOWUP_CLOSURE_WITHDRAWN, /* no longer applies: programme or episode ended, renewed,
				       superseded */
	_FOLLOWUP_CLOSURE_MAX,
};

enum followup_hint_kind {
	FOLLOWUP_HINT_HOME_BP_UNCONTROLLED, /* HTN: 7-day home mean at or above the limit */
	FOLLOWUP_HINT_HOME_BP_SCREEN,       /* no HTN programme: the same, suggests a re-check */
	FOLLOWUP_HINT_YEAR_TARGET, /* F1: this year's face-to-face count cannot be reached */
	_FOLLOWUP_HINT_MAX,
};

/* Enum names for logs, JSON and keys ("htn", "routine", "F4", ...), and back (-EINVAL). */
const char *followup_programme_to_string(enum followup_programme p);
const char *followup_service_to_string(enum followup_service s);
const char *followup_class_to_string(enum followup_class c);
const char *followup_emergency_kind_to_string(enum followup_emergency_kind k);
const char *followup_kind_to_string(enum followup_kind k);
const char *followup_rule_to_string(enum followup_rule r);
const char *followup_state_to_string(enum followup_state s);
const char *followup_change_to_string(enum followup_change c);
const char *followup_closure_reason_to_string(enum followup_closure_reason r);
const char *followup_hint_kind_to_string(enum followup_hint_kind k);
int followup_programme_from_string(const char *s);
int followup_service_from_string(const char *s);
int followup_class_from_string(const char *s);
int followup_emergency_kind_from_string(const char *s);

/* Dates (int32_t) are civil-date.h day numbers in the clinic's calendar. */
struct followup_episode {
	int64_t id;    /* the caller's id, unique per patient */
	int32_t start; /* 建床 date, the first day of the planned period */
	int32_t end;   /* last day of the planned period (建床周期) */
};

struct followup_patient {
	int32_t birth;
	bool htn;
	int32_t htn_since; /* enrolment in HTN management; visits before it do not count */
	bool t2dm;
	int32_t t2dm_since;
	bool has_episode; /* a family sick bed is open (撤床 not yet recorded) */
	struct followup_episode episode;
};

struct followup_visit {
	int64_t id; /* the caller's id, unique per patient */
	int64_t at; /* Unix seconds */
	enum followup_service service;
	/* The follow-up form this visit filled in (HTN or T2DM), NONE for a visit without one. */
	enum followup_programme programme;
	enum followup_class classification; /* NONE unless programme is HTN or T2DM */
	bool referred;                      /* the patient was referred at this visit */
	bool adr_hard_to_control;           /* with ADVERSE_REACTION: F5 rather than F4 */
	bool complication_new_or_worse;     /* 新的并发症或原有并发症加重: F5 */
};

struct followup_emergency {
	int64_t id; /* the alert's id, unique per patient */
	int64_t at; /* Unix seconds when it was raised */
	enum followup_emergency_kind kind;
};

/*
 * Home BP over the review window ending today (the caller sums the readings,
 * so that the mean is compared exactly). It is never a visit.
 */
struct followup_home_bp {
	unsigned n_readings;
	uint64_t systolic_sum;  /* mmHg */
	uint64_t diastolic_sum; /* mmHg */
};

struct followup_task {
	char key[FOLLOWUP_KEY_MAX]; /* stable identity, "two-week:htn:v123" */
	enum followup_kind kind;
	enum followup_programme programme;
	enum followup_rule rule;
	int32_t earliest;      /* opens on the agenda; an earlier visit still fulfils it */
	int32_t due;           /* the day it should be done by */
	int32_t overdue_after; /* overdue from the next day on */
	char reason[FOLLOWUP_REASON_MAX];
	/* Filled in by planner_run(); ignored in the open tasks passed in. */
	enum followup_state state;
	enum followup_change change;
};

struct followup_closure {
	char key[FOLLOWUP_KEY_MAX];
	enum followup_closure_reason reason;
	int64_t visit_id; /* FULFILLED: the visit that did it; otherwise 0 */
};

struct followup_hint {
	enum followup_hint_kind kind;
	enum followup_rule rule;
	enum followup_programme programme;
	unsigned priority; /* 3: for the doctor's attention at the next contact */
	char reason[FOLLOWUP_REASON_MAX];
};

/* F1 count of face-to-face follow-ups in today's calendar year, per active HTN/T2DM programme. */
struct followup_year {
	enum followup_programme programme;
	int year;
	unsigned face_to_face; /* counted follow-ups so far this year */
	unsigned required;     /* this year's target (prorated in the enrolment year) */
	bool reachable;        /* the target can still be met at the minimum spacing */
};

struct planner_input {
	int64_t now;          /* Unix seconds; visits and emergencies after it are ignored */
	int32_t utc_offset_s; /* the clinic's local time minus UTC */
	const struct followup_patient *patient;
	const struct followup_visit *visits; /* any order */
	size_t n_visits;
	const struct followup_emergency *emergencies; /* any order */
	size_t n_emergencies;
	const struct followup_home_bp *home_bp; /* NULL: no summary */
	const struct followup_task *open;       /* the tasks the caller holds open (by key) */
	size_t n_open;
};

struct followup_plan {
	int32_t today;
	/* Every task the patient should have open, ordered by due date, then key. */
	size_t n_tasks;
	struct followup_task tasks[PLANNER_TASKS_MAX];
	/* The caller's open tasks that are not in tasks[], in the order they were passed. */
	size_t n_closures;
	struct followup_closure closures[PLANNER_OPEN_MAX];
	size_t n_hints;
	struct followup_hint hints[PLANNER_HINTS_MAX];
	size_t n_years;
	struct followup_year years[2];
};

/*
 * Plans one patient. Fills @ret completely and returns 0; -EINVAL for an
 * invalid input (an enum out of range, a classification without a
 * programme, a date outside the calendar, an episode ending before it
 * starts, a repeated visit or emergency id, a repeated open key); -E2BIG
 * when a list is longer than its PLANNER_*_MAX; -ENOMEM.
 *
 * The result depends only on @c and @in: running it again on the same input
 * gives the same plan, and running it on the open tasks it returned gives
 * every task as UNCHANGED and no closures.
 */
int planner_run(const struct planner_config *c, const struct planner_input *in,
		struct followup_plan *ret);

/*
 * F7 for a BP measured at a follow-up: CONTROLLED when systolic and
 * diastolic are both below the limits for someone of @age (the looser
 * elderly limits from the configured age on), UNCONTROLLED otherwise.
 */
enum followup_class planner_classify_bp(const struct planner_config *c, int age, unsigned systolic,
					unsigned diastolic);

/* F7 for fasting glucose in 0.1 mmol/L (7.0 mmol/L is 70). */
enum followup_class planner_classify_fasting_glucose(const struct planner_config *c,
						     unsigned tenths);

/*
 * True when @v counts as one of F1's face-to-face follow-ups for @p: face
 * to face (clinic, home, bedside round, health check) with the follow-up
 * form of @p filled in (a classification).
 */
bool planner_is_face_to_face_followup(const struct followup_visit *v, enum followup_programme p);

/*
 * The configuration: every window, interval and limit of the rules, with
 * the defaults of config/followup/default.conf (a unit test keeps the two
 * equal). Keys are "[section] key" of that file.
 */

/* A config holding every default. *ret is freed with planner_config_free(). */
int planner_config_new(struct planner_config **ret);
struct planner_config *planner_config_free(struct planner_config *c);
DEFINE_FREE_FUNC(struct planner_config, planner_config_free);

/*
 * Loads an INI file (and its drop-ins, see config.h) over @c, then checks
 * it as a whole. Returns 0, or a negative errno with @err naming file, line,
 * section and key. On failure @c may hold part of the file: keep using the
 * previous config.
 */
int planner_config_load(struct planner_config *c, const char *path, struct config_error *err);
int planner_config_load_string(struct planner_config *c, const char *text, const char *name,
			       struct config_error *err);

/*
 * Sets one key from its text form, as the file would. Returns 0, or -EINVAL
 * (unknown key, bad value) / -ERANGE (out of bounds) with @why.
 */
int planner_config_set(struct planner_config *c, const char *section, const char *key,
		       const char *value, char *why, size_t why_size);

/*
 * Reads one key. Glucose limits come in 0.1 mmol/L. Returns 0, or -ENOENT
 * for an unknown key.
 */
int planner_config_get(const struct planner_config *c, const char *section, const char *key,
		       long long *ret);

/* The keys, for listing and tests: 0 and the names of key @i, -ENOENT past the last one. */
int planner_config_key(size_t i, const char **section, const char **key);

/* Cross-key checks (an overdue limit before its due limit...). 0 or -EINVAL with @why. */
int planner_config_validate(const struct planner_config *c, char *why, size_t why_size);

/*
 * Compares two configs key by key. Returns 0 when equal, otherwise 1 with
 * the first differing "section.key" in @where.
 */
int planner_config_diff(const struct planner_config *a, const struct planner_config *b, char *where,
			size_t where_size);

/*
 * The config as INI text that planner_config_load_string() reads back to an
 * equal config. *ret is the caller's to free(). 0 or -ENOMEM.
 */
int planner_config_to_string(const struct planner_config *c, char **ret);
