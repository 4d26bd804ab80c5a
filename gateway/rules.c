// SPDX-License-Identifier: MIT
/*
 * The gateway's alert rules engine (docs/alerts.md). Each rule judges the
 * values of a reading it cares about (breach, inside, or back inside by the
 * clear margin); one pipeline turns judgements into alert records:
 * confirmation of spot readings, persistence of continuous ones, one open
 * alert per rule, hysteresis and P1 latching. Pure: time is an argument and
 * the only state is the engine's.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "rules-internal.h"
#include "rules.h"

#define MS_PER_S    1000LL
#define MS_PER_MIN  60000LL
#define MS_PER_H    3600000LL
#define MS_PER_DAY  86400000LL
#define MIN_PER_DAY 1440LL

/* Readings flagged like this are not the patient's: they raise nothing. */
#define IGNORED_FLAGS                                                                 \
	((1ULL << READING_FLAG_CONTROL_SOLUTION) | (1ULL << READING_FLAG_DEMO_DATA) | \
	 (1ULL << READING_FLAG_TEST_DATA) | (1ULL << READING_FLAG_INVALID))

struct rule_def {
	const char *title;
	bool vital;       /* judged from readings: reported symptoms raise it to P1 */
	bool temperature; /* T2's "other abnormal vital sign" does not count these */
};

static const struct rule_def defs[_RULE_MAX] = {
	[RULE_BP1] = { "Very high blood pressure", true, false },
	[RULE_BP5] = { "Low blood pressure", true, false },
	[RULE_BG1] = { "Very high glucose", true, false },
	[RULE_BG3] = { "Low glucose", true, false },
	[RULE_BG4] = { "Very low glucose", true, false },
	[RULE_BG6] = { "High glucose", true, false },
	[RULE_OX1] = { "Low SpO2", true, false },
	[RULE_OX2] = { "SpO2 below target", true, false },
	[RULE_OX3] = { "SpO2 fall from own baseline", true, false },
	[RULE_OX4] = { "Low SpO2 (scale 2)", true, false },
	[RULE_HR1] = { "Pulse far out of range", true, false },
	[RULE_HR2] = { "Pulse out of range", true, false },
	[RULE_HR3] = { "Persistent tachycardia", true, false },
	[RULE_T1] = { "High fever", true, true },
	[RULE_T2] = { "Possible infection (raised temperature)", true, true },
	[RULE_T4] = { "Low body temperature", true, true },
	[RULE_RR1] = { "Respiration far out of range", true, false },
	[RULE_RR2] = { "Fast respiration", true, false },
	[RULE_BED1] = { "Night bed exit", false, false },
	[RULE_CALL] = { "Call button", false, false },
	[RULE_ADH1] = { "Missed measurement", false, false },
	[RULE_ADH2] = { "Missed measurements", false, false },
	[RULE_TECH1] = { "Monitoring paused", false, false },
	[RULE_VISIT1] = { "Home visit overran", false, false },
};

/* The vital signs a reading may carry, as scaled integers. */
enum sign {
	SIGN_SYSTOLIC,    /* mmHg */
	SIGN_DIASTOLIC,   /* mmHg */
	SIGN_PULSE,       /* /min: heart_rate, else pulse_rate */
	SIGN_SPO2,        /* % */
	SIGN_GLUCOSE,     /* 0.1 mmol/L */
	SIGN_TEMPERATURE, /* 0.1 °C */
	SIGN_RESPIRATION, /* /min */
	SIGN_BED,         /* 0 out of bed, 1 in bed */
	_SIGN_MAX,
};

struct input {
	uint64_t seq;
	int64_t now;
	const struct reading *rd;
	bool stale;      /* stored and old: records only, no alarm, prompt or confirmation */
	bool continuous; /* a sample of a stream: persistence instead of confirmation */
	bool has[_SIGN_MAX];
	long long v[_SIGN_MAX];
};

enum verdict_kind {
	VERDICT_ABSENT, /* the reading says nothing about this rule */
	VERDICT_BREACH,
	VERDICT_INSIDE, /* not breaching, but not inside by the clear margin either */
	VERDICT_CLEAR,  /* inside the limit by the clear margin */
};

struct verdict {
	enum verdict_kind kind;
	enum severity severity;
	uint64_t prior_seq; /* an earlier reading the judgement rests on, or 0 */
	bool has_baseline;
	long long baseline2;
	char what[RULES_WHAT_MAX]; /* "BP 186/95 mmHg" */
};

enum outcome {
	OUTCOME_NONE,
	OUTCOME_PENDING,
	OUTCOME_RAISED,
	OUTCOME_UPDATED,
	OUTCOME_CLEARED,
};

static void textf(char *buf, size_t size, const char *format, ...) _printf_(3, 4);
static void textf(char *buf, size_t size, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vsnprintf(buf, size, format, ap);
	va_end(ap);
}

static int64_t earliest(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static bool valid_time(int64_t ms)
{
	return ms >= 0 && ms <= RECORD_INT_MAX;
}

static enum severity more_urgent(enum severity a, enum severity b)
{
	return a < b ? a : b;
}

static bool rule_active(const struct rules_config *c, enum rule_id r)
{
	if (!c->rule[r].enabled)
		return false;
	if (r == RULE_OX1 || r == RULE_OX2)
		return c->patient.spo2_scale == 1;
	if (r == RULE_OX4)
		return c->patient.spo2_scale == 2;
	return true;
}

/* Output */

static void out_prompt(const struct rules_engine *e, struct rules_output *out, enum prompt p)
{
	const char *text = e->config->prompts[p];

	for (size_t i = 0; i < out->n_prompts; i++)
		if (strcmp(out->prompts[i], text) == 0)
			return;
	/* Voice is advice; the records are what count, so extra prompts may go. */
	if (out->n_prompts < RULES_OUTPUT_PROMPTS_MAX)
		textf(out->prompts[out->n_prompts++], sizeof(out->prompts[0]), "%s", text);
}

static struct open_alert *find_open(const struct rules_engine *e, enum rule_id r)
{
	for (size_t i = 0; i < e->n_open; i++)
		if (e->open[i].rule == r)
			return &e->open[i];
	return NULL;
}

static struct open_alert *find_id(const struct rules_engine *e, uint64_t id)
{
	for (size_t i = 0; i < e->n_open; i++)
		if (e->open[i].id == id)
			return &e->open[i];
	return NULL;
}

static void snapshot(const struct rules_engine *e, const struct open_alert *a,
		     enum alert_state state, struct alert *r)
{
	memset(r, 0, sizeof(*r));
	r->alert_id = a->id;
	textf(r->rule, sizeof(r->rule), "%s", rule_id_to_string(a->rule));
	r->severity = a->severity;
	r->state = state;
	r->confirmation = a->confirmation;
	r->n_readings = a->n_readings;
	memcpy(r->readings, a->readings, a->n_readings * sizeof(a->readings[0]));
	r->n_thresholds =
		rules_config_thresholds(e->config, a->rule, r->thresholds, RECORD_THRESHOLDS_MAX);
	if (a->has_baseline && r->n_thresholds < RECORD_THRESHOLDS_MAX) {
		struct threshold *t = &r->thresholds[r->n_thresholds++];

		textf(t->name, sizeof(t->name), "baseline_median");
		t->value = (double)a->baseline2 / (a->rule == RULE_T2 ? 20.0 : 2.0);
	}
	textf(r->message, sizeof(r->message), "%s", a->message);
}

static void emit(struct rules_engine *e, struct rules_output *out, const struct open_alert *a,
		 enum alert_state state)
{
	/* Each rule emits at most two records per input, which the output holds. */
	assert(out->n_alerts < RULES_OUTPUT_ALERTS_MAX);
	if (out->n_alerts >= RULES_OUTPUT_ALERTS_MAX)
		return;
	snapshot(e, a, state, &out->alerts[out->n_alerts++]);
	e->dirty = true;
}

/* Open alerts */

static uint64_t take_id(struct rules_engine *e)
{
	/* 2^53 alerts never happen; a corrupt counter must still give valid ids. */
	if (e->next_alert_id < 1 || e->next_alert_id > (uint64_t)RECORD_INT_MAX)
		e->next_alert_id = 1;
	return e->next_alert_id++;
}

static struct open_alert *open_new(struct rules_engine *e, enum rule_id r, enum severity sev,
				   enum confirmation conf)
{
	struct open_alert *a;

	/* Calls stop being tracked before the table fills, so every other rule has its slot. */
	if (e->n_open >= RULES_OPEN_MAX - (r == RULE_CALL ? _RULE_MAX : 0))
		return NULL;
	a = &e->open[e->n_open++];
	memset(a, 0, sizeof(*a));
	a->id = take_id(e);
	a->rule = r;
	a->severity = sev;
	a->confirmation = conf;
	e->dirty = true;
	return a;
}

static void close_alert(struct rules_engine *e, struct open_alert *a)
{
	size_t i = (size_t)(a - e->open);

	memmove(&e->open[i], &e->open[i + 1], (e->n_open - i - 1) * sizeof(e->open[0]));
	e->n_open--;
	e->dirty = true;
}

/* Cites a reading, keeping the first and the latest when the list is full. */
static void cite(struct open_alert *a, uint64_t seq)
{
	if (seq == 0)
		return;
	for (size_t i = 0; i < a->n_readings; i++)
		if (a->readings[i] == seq)
			return;
	if (a->n_readings == RECORD_READINGS_MAX) {
		memmove(&a->readings[1], &a->readings[2],
			(RECORD_READINGS_MAX - 2) * sizeof(a->readings[0]));
		a->n_readings--;
	}
	a->readings[a->n_readings++] = seq;
}

static void describe(struct open_alert *a, const char *what, const char *note)
{
	textf(a->message, sizeof(a->message), "%s: %s%s%s", defs[a->rule].title, what,
	      note[0] && what[0] ? ", " : "", note);
}

static void note_level(struct rules_engine *e, const struct open_alert *a)
{
	if (a->severity == SEVERITY_P1 && !a->silent)
		e->critical = true;
}

/*
 * The condition is back inside by the margin: a P1 stays open (latched) until
 * a doctor acknowledges it; everything else clears.
 */
static enum outcome settle(struct rules_engine *e, struct rules_output *out, struct open_alert *a,
			   uint64_t seq, const char *what, const char *how)
{
	char note[96];

	cite(a, seq);
	a->clear_count = 0;
	if (a->severity == SEVERITY_P1 && !a->acknowledged) {
		a->condition_cleared = true;
		textf(note, sizeof(note), "%s, open until a doctor acknowledges", how);
		describe(a, what, note);
		emit(e, out, a, ALERT_UPDATED);
		return OUTCOME_UPDATED;
	}
	describe(a, what, how);
	emit(e, out, a, ALERT_CLEARED);
	close_alert(e, a);
	return OUTCOME_CLEARED;
}

/* Scaled values */

static long long clock_minute(const struct rules_config *c, int64_t ms)
{
	long long m = ms / MS_PER_MIN + c->general.utc_offset_min;

	m %= MIN_PER_DAY;
	return m < 0 ? m + MIN_PER_DAY : m;
}

static bool at_night(const struct rules_config *c, int64_t ms)
{
	long long m = clock_minute(c, ms), start = c->bed1.night_start, end = c->bed1.night_end;

	return start < end ? m >= start && m < end : m >= start || m < end;
}

static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SS" as ms since the epoch, as if it were UTC. */
static bool device_time_ms(const char *s, int64_t *ret)
{
	static const char shape[] = "0000-00-00T00:00:00";
	int f[6] = { 0 };
	int k = 0;

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == '0') {
			if (s[i] < '0' || s[i] > '9')
				return false;
			f[k] = f[k] * 10 + (s[i] - '0');
		} else if (s[i] != shape[i]) {
			return false;
		} else {
			k++;
		}
	}
	if (s[sizeof(shape) - 1] != '\0' || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 ||
	    f[3] > 23 || f[4] > 59 || f[5] > 60)
		return false;
	*ret = (((days_from_civil(f[0], (unsigned)f[1], (unsigned)f[2]) * 24 + f[3]) * 60 + f[4]) *
			60 +
		f[5]) *
	       MS_PER_S;
	return true;
}

static bool is_stale(const struct rules_config *c, const struct reading *rd, int64_t now)
{
	int64_t t;

	if (rd->mode != READING_MODE_STORED)
		return false;
	/* A stored reading of unknown age may be old: never ring for it. */
	if (!rd->has_device_time || (rd->flags & (1ULL << READING_FLAG_DEVICE_CLOCK_UNSET)))
		return true;
	if (!device_time_ms(rd->device_time, &t))
		return true;
	t -= c->general.utc_offset_min * MS_PER_MIN;
	return now - t > c->general.stale_min * MS_PER_MIN;
}

static void what_of(const struct input *in, enum sign s, char *buf, size_t size)
{
	long long v = in->v[s];

	switch (s) {
	case SIGN_SYSTOLIC:
	case SIGN_DIASTOLIC:
		if (in->has[SIGN_SYSTOLIC] && in->has[SIGN_DIASTOLIC])
			textf(buf, size, "BP %lld/%lld mmHg", in->v[SIGN_SYSTOLIC],
			      in->v[SIGN_DIASTOLIC]);
		else
			textf(buf, size, "%s %lld mmHg",
			      s == SIGN_SYSTOLIC ? "systolic" : "diastolic", v);
		break;
	case SIGN_PULSE:
		textf(buf, size, "pulse %lld/min", v);
		break;
	case SIGN_SPO2:
		textf(buf, size, "SpO2 %lld%%", v);
		break;
	case SIGN_GLUCOSE:
		textf(buf, size, "glucose %lld.%lld mmol/L", v / 10, v % 10);
		break;
	case SIGN_TEMPERATURE:
		textf(buf, size, "temperature %lld.%lld C", v / 10, v % 10);
		break;
	case SIGN_RESPIRATION:
		textf(buf, size, "respiration %lld/min", v);
		break;
	default:
		textf(buf, size, "bed occupancy %lld", v);
		break;
	}
}

/* Judgements: one function per rule, on scaled integers, so "≥ 180" is exact. */

static enum verdict_kind verdict_of(bool breach, bool clear)
{
	return breach ? VERDICT_BREACH : clear ? VERDICT_CLEAR : VERDICT_INSIDE;
}

static long long margin(const struct rules_engine *e, enum rule_id r)
{
	return e->config->rule[r].clear_margin;
}

static void judge_bp1(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	const struct rules_config *c = e->config;
	bool hs = in->has[SIGN_SYSTOLIC], hd = in->has[SIGN_DIASTOLIC];
	long long s = in->v[SIGN_SYSTOLIC], d = in->v[SIGN_DIASTOLIC], m = margin(e, RULE_BP1);

	if (!hs && !hd)
		return;
	v->kind = verdict_of((hs && s >= c->bp1.systolic_at_least) ||
				     (hd && d >= c->bp1.diastolic_at_least),
			     (!hs || s + m < c->bp1.systolic_at_least) &&
				     (!hd || d + m < c->bp1.diastolic_at_least));
	v->severity = SEVERITY_P1;
	what_of(in, hs ? SIGN_SYSTOLIC : SIGN_DIASTOLIC, v->what, sizeof(v->what));
}

static void judge_bp5(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	const struct rules_config *c = e->config;
	bool hs = in->has[SIGN_SYSTOLIC], hd = in->has[SIGN_DIASTOLIC];
	long long s = in->v[SIGN_SYSTOLIC], d = in->v[SIGN_DIASTOLIC], m = margin(e, RULE_BP5);

	if (!hs && !hd)
		return;
	v->kind =
		verdict_of((hs && s < c->bp5.systolic_below) || (hd && d < c->bp5.diastolic_below),
			   (!hs || s - m >= c->bp5.systolic_below) &&
				   (!hd || d - m >= c->bp5.diastolic_below));
	v->severity = hs && s < c->bp5.systolic_below_p1 ? SEVERITY_P1 : SEVERITY_P2;
	what_of(in, hs ? SIGN_SYSTOLIC : SIGN_DIASTOLIC, v->what, sizeof(v->what));
}

static void judge_bg1(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	long long g = in->v[SIGN_GLUCOSE], limit = e->config->bg1.glucose_at_least;

	if (!in->has[SIGN_GLUCOSE])
		return;
	v->kind = verdict_of(g >= limit, g + margin(e, RULE_BG1) < limit);
	v->severity = SEVERITY_P1;
	what_of(in, SIGN_GLUCOSE, v->what, sizeof(v->what));
}

/* Raised in [BG4] glucose_below .. glucose_below; once open, every low re-test counts. */
static void judge_bg3(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	const struct rules_config *c = e->config;
	const struct open_alert *a = find_open(e, RULE_BG3);
	long long g = in->v[SIGN_GLUCOSE], limit = c->bg3.glucose_below;

	if (!in->has[SIGN_GLUCOSE])
		return;
	if (a) {
		v->kind = verdict_of(g < limit, g - margin(e, RULE_BG3) >= limit);
		v->severity = (long long)a->retests + 1 >= c->bg3.retests_to_escalate ? SEVERITY_P1
										      : SEVERITY_P2;
	} else {
		v->kind = verdict_of(g >= c->bg4.glucose_below && g < limit,
				     g - margin(e, RULE_BG3) >= limit);
		v->severity = SEVERITY_P2;
	}
	what_of(in, SIGN_GLUCOSE, v->what, sizeof(v->what));
}

static void judge_bg4(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	long long g = in->v[SIGN_GLUCOSE], limit = e->config->bg4.glucose_below;

	if (!in->has[SIGN_GLUCOSE])
		return;
	v->kind = verdict_of(g < limit, g - margin(e, RULE_BG4) >= limit);
	v->severity = SEVERITY_P1;
	what_of(in, SIGN_GLUCOSE, v->what, sizeof(v->what));
}

static bool mark_within(const struct mark *m, const struct input *in, int64_t window_ms)
{
	return m->active && m->seq != in->seq && in->now >= m->ms && in->now - m->ms <= window_ms;
}

static void judge_bg6(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	const struct rules_config *c = e->config;
	long long g = in->v[SIGN_GLUCOSE], limit = c->bg6.glucose_above;

	if (!in->has[SIGN_GLUCOSE])
		return;
	v->kind = verdict_of(g > limit, g + margin(e, RULE_BG6) <= limit);
	v->severity = SEVERITY_P3;
	if (v->kind == VERDICT_BREACH && !in->stale &&
	    mark_within(&e->bg6_high, in, c->bg6.repeat_within_h * MS_PER_H)) {
		v->severity = SEVERITY_P2;
		v->prior_seq = e->bg6_high.seq;
	}
	what_of(in, SIGN_GLUCOSE, v->what, sizeof(v->what));
}

static void judge_ox1(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	long long s = in->v[SIGN_SPO2], limit = e->config->ox1.spo2_at_most;

	if (!in->has[SIGN_SPO2])
		return;
	v->kind = verdict_of(s <= limit, s - margin(e, RULE_OX1) > limit);
	v->severity = SEVERITY_P1;
	what_of(in, SIGN_SPO2, v->what, sizeof(v->what));
}

/* The band just above OX1's limit. */
static void judge_ox2(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	long long s = in->v[SIGN_SPO2], limit = e->config->ox2.spo2_at_most;

	if (!in->has[SIGN_SPO2])
		return;
	v->kind = verdict_of(s > e->config->ox1.spo2_at_most && s <= limit,
			     s - margin(e, RULE_OX2) > limit);
	v->severity = SEVERITY_P2;
	what_of(in, SIGN_SPO2, v->what, sizeof(v->what));
}

static int compare_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Twice the median of the last @days of a baseline (exact for even counts too). */
static bool baseline_median(const struct baseline *b, int64_t now, long long days, long long min_n,
			    long long *median2)
{
	long long v[RULES_BASELINE_MAX];
	size_t n = 0;

	for (size_t i = 0; i < b->n; i++)
		if (now >= b->ms[i] && now - b->ms[i] <= days * MS_PER_DAY)
			v[n++] = b->value[i];
	if (n == 0 || (long long)n < min_n)
		return false;
	qsort(v, n, sizeof(v[0]), compare_ll);
	*median2 = v[(n - 1) / 2] + v[n / 2];
	return true;
}

static void judge_ox3(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	const struct rules_config *c = e->config;
	long long s = in->v[SIGN_SPO2], drop2 = 2 * c->ox3.drop_at_least, med2;

	if (!in->has[SIGN_SPO2] || in->stale ||
	    !baseline_median(&e->spo2, in->now, c->ox3.baseline_days, c->ox3.baseline_min_readings,
			     &med2))
		return;
	v->kind = verdict_of(med2 - 2 * s >= drop2, med2 - 2 * (s - margin(e, RULE_OX3)) < drop2);
	v->severity = SEVERITY_P2;
	v->has_baseline = true;
	v->baseline2 = med2;
	what_of(in, SIGN_SPO2, v->what, sizeof(v->what));
}

static void judge_ox4(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	long long s = in->v[SIGN_SPO2], limit = e->config->ox4.spo2_below;

	if (!in->has[SIGN_SPO2])
		return;
	v->kind = verdict_of(s < limit, s - margin(e, RULE_OX4) >= limit);
	v->severity = s <= e->config->ox4.spo2_at_most_p1 ? SEVERITY_P1 : SEVERITY_P2;
	what_of(in, SIGN_SPO2, v->what, sizeof(v->what));
}

static void judge_hr1(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	long long p = in->v[SIGN_PULSE], m = margin(e, RULE_HR1);
	long long lo = e->config->hr1.pulse_at_most, hi = e->config->hr1.pulse_at_least;

	if (!in->has[SIGN_PULSE])
		return;
	v->kind = verdict_of(p <= lo || p >= hi, p - m > lo && p + m < hi);
	v->severity = SEVERITY_P1;
	what_of(in, SIGN_PULSE, v->what, sizeof(v->what));
}

/* The two bands just inside HR1's limits. */
static void judge_hr2(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	const struct rules_config *c = e->config;
	long long p = in->v[SIGN_PULSE], m = margin(e, RULE_HR2);
	long long lo = c->hr2.pulse_at_most, hi = c->hr2.pulse_at_least;

	if (!in->has[SIGN_PULSE])
		return;
	v->kind = verdict_of((p > c->hr1.pulse_at_most && p <= lo) ||
				     (p >= hi && p < c->hr1.pulse_at_least),
			     p - m > lo && p + m < hi);
	v->severity = SEVERITY_P2;
	what_of(in, SIGN_PULSE, v->what, sizeof(v->what));
}

/* Above the limit on two readings at least apart_at_least_min apart, with no normal one between. */
static void judge_hr3(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	const struct rules_config *c = e->config;
	const struct mark *run = &e->hr3_run;
	long long p = in->v[SIGN_PULSE], limit = c->hr3.pulse_above;
	bool breach = false;

	if (!in->has[SIGN_PULSE] || in->stale)
		return;
	if (p > limit && run->active && run->seq != in->seq && in->now >= run->last_ms &&
	    in->now - run->last_ms <= c->hr3.apart_at_most_min * MS_PER_MIN)
		breach = in->now - run->ms >= c->hr3.apart_at_least_min * MS_PER_MIN;
	v->kind = verdict_of(breach, p + margin(e, RULE_HR3) <= limit);
	v->severity = c->patient.diabetic ? SEVERITY_P1 : SEVERITY_P2;
	v->prior_seq = breach ? run->seq : 0;
	what_of(in, SIGN_PULSE, v->what, sizeof(v->what));
}

static void judge_t1(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	long long t = in->v[SIGN_TEMPERATURE], limit = e->config->t1.temperature_above;

	if (!in->has[SIGN_TEMPERATURE])
		return;
	v->kind = verdict_of(t > limit, t + margin(e, RULE_T1) <= limit);
	v->severity = e->config->patient.diabetic ? SEVERITY_P1 : SEVERITY_P2;
	what_of(in, SIGN_TEMPERATURE, v->what, sizeof(v->what));
}

/* T2 is P2 "with any other abnormal vital sign": another open vital-sign alert. */
static bool other_vital_open(const struct rules_engine *e)
{
	for (size_t i = 0; i < e->n_open; i++) {
		const struct rule_def *d = &defs[e->open[i].rule];

		if (d->vital && !d->temperature && !e->open[i].silent)
			return true;
	}
	return false;
}

static void judge_t2(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	const struct rules_config *c = e->config;
	long long t = in->v[SIGN_TEMPERATURE], m = margin(e, RULE_T2),
		  rise2 = 2 * c->t2.rise_at_least;
	bool repeated, rise = false;

	if (!in->has[SIGN_TEMPERATURE])
		return;
	repeated = !in->stale && t >= c->t2.repeated_at_least &&
		   mark_within(&e->t2_warm, in, c->t2.repeat_within_h * MS_PER_H);
	if (!in->stale)
		v->has_baseline = baseline_median(&e->temperature, in->now, c->t2.baseline_days,
						  c->t2.baseline_min_readings, &v->baseline2);
	if (v->has_baseline)
		rise = 2 * t - v->baseline2 >= rise2;
	v->kind = verdict_of(t >= c->t2.single_at_least || repeated || rise,
			     t + m < c->t2.repeated_at_least &&
				     (!v->has_baseline || 2 * (t + m) - v->baseline2 < rise2));
	v->severity = other_vital_open(e) ? SEVERITY_P2 : SEVERITY_P3;
	v->prior_seq = repeated ? e->t2_warm.seq : 0;
	what_of(in, SIGN_TEMPERATURE, v->what, sizeof(v->what));
}

static void judge_t4(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	long long t = in->v[SIGN_TEMPERATURE], limit = e->config->t4.temperature_at_most;

	if (!in->has[SIGN_TEMPERATURE])
		return;
	v->kind = verdict_of(t <= limit, t - margin(e, RULE_T4) > limit);
	v->severity = SEVERITY_P1;
	what_of(in, SIGN_TEMPERATURE, v->what, sizeof(v->what));
}

/* A bed sensor that says nobody is in bed measured no respiration. */
static bool has_respiration(const struct input *in)
{
	return in->has[SIGN_RESPIRATION] && !(in->has[SIGN_BED] && in->v[SIGN_BED] == 0);
}

static void judge_rr1(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	long long r = in->v[SIGN_RESPIRATION], m = margin(e, RULE_RR1);
	long long lo = e->config->rr1.respiration_at_most, hi = e->config->rr1.respiration_at_least;

	if (!has_respiration(in))
		return;
	v->kind = verdict_of(r <= lo || r >= hi, r - m > lo && r + m < hi);
	v->severity = SEVERITY_P1;
	what_of(in, SIGN_RESPIRATION, v->what, sizeof(v->what));
}

/* The band just below RR1's upper limit. */
static void judge_rr2(const struct rules_engine *e, const struct input *in, struct verdict *v)
{
	long long r = in->v[SIGN_RESPIRATION], limit = e->config->rr2.respiration_at_least;

	if (!has_respiration(in))
		return;
	v->kind = verdict_of(r >= limit && r < e->config->rr1.respiration_at_least,
			     r + margin(e, RULE_RR2) < limit);
	v->severity = SEVERITY_P2;
	what_of(in, SIGN_RESPIRATION, v->what, sizeof(v->what));
}

/* The pipeline */

/* True once a breach in a stream has lasted persist_s without a gap. */
static bool persisted(const struct rules_engine *e, struct persistence *t, const struct input *in,
		      enum rule_id r, enum severity sev)
{
	int64_t gap = in->now - t->last_ms;

	if (!t->active || gap < 0 || gap > e->config->general.stream_gap_s * MS_PER_S) {
		*t = (struct persistence){ .active = true,
					   .first_seq = in->seq,
					   .since_ms = in->now,
					   .last_ms = in->now,
					   .severity = sev };
	} else {
		t->last_ms = in->now;
		if (sev > t->severity)
			t->severity = sev; /* raise only what lasted the whole window */
	}
	return in->now - t->since_ms >= e->config->rule[r].persist_s * MS_PER_S;
}

static enum prompt confirm_prompt(enum measurement m)
{
	switch (m) {
	case MEASUREMENT_BLOOD_PRESSURE:
		return PROMPT_BP_CONFIRM;
	case MEASUREMENT_GLUCOSE:
		return PROMPT_GLUCOSE_CONFIRM;
	case MEASUREMENT_PULSE_OXIMETRY:
		return PROMPT_SPO2_CONFIRM;
	case MEASUREMENT_BODY_TEMPERATURE:
		return PROMPT_TEMPERATURE_CONFIRM;
	default:
		return _PROMPT_MAX;
	}
}

static enum outcome raise_new(struct rules_engine *e, struct rules_output *out, enum rule_id r,
			      enum severity sev, enum confirmation conf, const struct input *in,
			      const struct verdict *v, uint64_t first_seq, const char *note)
{
	struct open_alert *a = open_new(e, r, sev, conf);

	assert(a);
	if (!a)
		return OUTCOME_NONE;
	a->silent = in->stale;
	a->has_baseline = v->has_baseline;
	a->baseline2 = v->baseline2;
	cite(a, first_seq);
	cite(a, v->prior_seq);
	cite(a, in->seq);
	describe(a, v->what, note);
	emit(e, out, a, ALERT_RAISED);
	note_level(e, a);
	return OUTCOME_RAISED;
}

/* An old stored reading: a record for the doctor, nothing at the bedside. */
static enum outcome apply_stale(struct rules_engine *e, struct rules_output *out, enum rule_id r,
				const struct input *in, const struct verdict *v)
{
	char note[96];

	if (v->kind != VERDICT_BREACH || find_open(e, r) || e->pending[r].active ||
	    !rule_active(e->config, r))
		return OUTCOME_NONE;
	textf(note, sizeof(note), "stored reading taken %s", in->rd->device_time);
	return raise_new(e, out, r, v->severity,
			 e->config->rule[r].confirm_within_min > 0 ? CONFIRMATION_PENDING
								   : CONFIRMATION_NOT_REQUIRED,
			 in, v, 0,
			 in->rd->has_device_time ? note : "stored reading of unknown age");
}

/* A live breach of a rule with no open alert. */
static enum outcome apply_breach(struct rules_engine *e, struct rules_output *out, enum rule_id r,
				 const struct input *in, const struct verdict *v)
{
	const struct rule_settings *s = &e->config->rule[r];
	struct pending *p = &e->pending[r];
	struct persistence *t = &e->persist[r];
	char note[RULES_WHAT_MAX + 48];
	enum outcome o;

	if (p->active && p->seq != in->seq) {
		textf(note, sizeof(note), "confirmed by a re-test (first %s)", p->what);
		o = raise_new(e, out, r, v->severity, CONFIRMATION_CONFIRMED, in, v, p->seq, note);
		p->active = false;
		return o;
	}
	if (in->continuous && s->persist_s > 0) {
		if (!persisted(e, t, in, r, v->severity))
			return OUTCOME_NONE;
		textf(note, sizeof(note), "for %lld s or more", s->persist_s);
		o = raise_new(e, out, r, t->severity, CONFIRMATION_CONFIRMED, in, v, t->first_seq,
			      note);
		*t = (struct persistence){ 0 };
		return o;
	}
	if (s->confirm && s->confirm_within_min > 0) {
		*p = (struct pending){ .active = true,
				       .seq = in->seq,
				       .since_ms = in->now,
				       .severity = v->severity,
				       .measurement = in->rd->measurement };
		textf(p->what, sizeof(p->what), "%s", v->what);
		/* Only a person re-measures; a stream confirms itself with its next sample. */
		if (!in->continuous && confirm_prompt(in->rd->measurement) != _PROMPT_MAX)
			out_prompt(e, out, confirm_prompt(in->rd->measurement));
		e->dirty = true;
		return OUTCOME_PENDING;
	}
	return raise_new(e, out, r, v->severity, CONFIRMATION_NOT_REQUIRED, in, v, 0, "");
}

/*
 * A breach while the rule's alert is open: an update when a spot reading
 * repeats it, when the severity rises, or when a latched alert breaches again.
 * A stream repeating the same breach adds no record per sample.
 */
static enum outcome breach_again(struct rules_engine *e, struct rules_output *out,
				 struct open_alert *a, const struct input *in,
				 const struct verdict *v)
{
	enum severity sev = more_urgent(a->severity, v->severity), was = a->severity;
	bool was_silent = a->silent;
	struct persistence *t = &e->persist[a->rule];
	uint64_t first = 0;
	char note[64];

	if (in->continuous && e->config->rule[a->rule].persist_s > 0) {
		bool news = sev != a->severity || a->condition_cleared || a->silent ||
			    a->confirmation == CONFIRMATION_PENDING;

		if (!news) {
			*t = (struct persistence){ 0 };
			return OUTCOME_NONE;
		}
		if (!persisted(e, t, in, a->rule, v->severity))
			return OUTCOME_NONE;
		sev = more_urgent(a->severity, t->severity);
		first = t->first_seq;
		*t = (struct persistence){ 0 };
	}
	if (sev != was)
		textf(note, sizeof(note), "raised to %s", severity_to_string(sev));
	else
		textf(note, sizeof(note), "%s",
		      a->condition_cleared ? "out of range again" : "repeated");
	a->severity = sev;
	a->condition_cleared = false;
	a->silent = false;
	if (a->confirmation == CONFIRMATION_PENDING)
		a->confirmation = CONFIRMATION_CONFIRMED;
	a->has_baseline = v->has_baseline;
	a->baseline2 = v->baseline2;
	cite(a, first);
	cite(a, v->prior_seq);
	cite(a, in->seq);
	describe(a, v->what, note);
	emit(e, out, a, ALERT_UPDATED);
	if (sev != was || was_silent)
		note_level(e, a);
	return OUTCOME_UPDATED;
}

static enum outcome apply_open(struct rules_engine *e, struct rules_output *out,
			       struct open_alert *a, const struct input *in,
			       const struct verdict *v)
{
	enum rule_id r = a->rule;

	if (v->kind != VERDICT_BREACH)
		e->persist[r] = (struct persistence){ 0 };
	switch (v->kind) {
	case VERDICT_CLEAR:
		if (a->condition_cleared)
			return OUTCOME_NONE;
		a->clear_count++;
		e->dirty = true;
		if ((long long)a->clear_count < e->config->general.clear_readings)
			return OUTCOME_NONE;
		return settle(e, out, a, in->seq, v->what, "back within limits");
	case VERDICT_BREACH:
		a->clear_count = 0;
		if (!rule_active(e->config, r)) /* switched off: it may only clear */
			return OUTCOME_NONE;
		return breach_again(e, out, a, in, v);
	default:
		if (a->clear_count)
			e->dirty = true;
		a->clear_count = 0;
		return OUTCOME_NONE;
	}
}

static enum outcome apply(struct rules_engine *e, struct rules_output *out, enum rule_id r,
			  const struct input *in, const struct verdict *v)
{
	struct open_alert *a;

	if (v->kind == VERDICT_ABSENT)
		return OUTCOME_NONE;
	if (in->stale)
		return apply_stale(e, out, r, in, v);
	a = find_open(e, r);
	if (a)
		return apply_open(e, out, a, in, v);
	if (!rule_active(e->config, r))
		return OUTCOME_NONE;
	if (v->kind != VERDICT_BREACH) {
		/* A normal re-test: the pending confirmation is dropped, no alert. */
		if (e->pending[r].active)
			e->dirty = true;
		e->pending[r].active = false;
		e->persist[r] = (struct persistence){ 0 };
		return OUTCOME_NONE;
	}
	return apply_breach(e, out, r, in, v);
}

/* What some rules remember after a live reading. */

static void baseline_add(struct rules_engine *e, struct baseline *b, const struct input *in,
			 long long value, long long keep_days)
{
	size_t k = 0;

	if (in->continuous) {
		int64_t since = in->now - b->last_continuous_ms;

		if (b->last_continuous_ms && since >= 0 &&
		    since < e->config->general.baseline_every_min * MS_PER_MIN)
			return;
		b->last_continuous_ms = in->now;
	}
	for (size_t i = 0; i < b->n; i++)
		if (in->now >= b->ms[i] && in->now - b->ms[i] <= keep_days * MS_PER_DAY) {
			b->ms[k] = b->ms[i];
			b->value[k++] = b->value[i];
		}
	b->n = k;
	if (b->n == RULES_BASELINE_MAX) {
		memmove(&b->ms[0], &b->ms[1], (b->n - 1) * sizeof(b->ms[0]));
		memmove(&b->value[0], &b->value[1], (b->n - 1) * sizeof(b->value[0]));
		b->n--;
	}
	b->ms[b->n] = in->now;
	b->value[b->n++] = value;
	e->dirty = true;
}

static void after_bg3(struct rules_engine *e, struct rules_output *out, const struct input *in,
		      const struct verdict *v, enum outcome o)
{
	struct open_alert *a = find_open(e, RULE_BG3);
	int64_t due = in->now + e->config->bg3.retest_within_min * MS_PER_MIN;

	if (!a || in->stale || v->kind == VERDICT_ABSENT)
		return;
	if (o == OUTCOME_RAISED || (o == OUTCOME_UPDATED && v->kind == VERDICT_BREACH)) {
		if (o == OUTCOME_UPDATED)
			a->retests++;
		/* Treat and re-test; a re-test that does not come raises it to P1. */
		a->retest_due_ms = a->severity == SEVERITY_P1 ? 0 : due;
		out_prompt(e, out, PROMPT_HYPO_TREAT);
	} else if (v->kind != VERDICT_BREACH) {
		a->retest_due_ms = 0;
	}
	e->dirty = true;
}

static void after_bg4(struct rules_engine *e, struct rules_output *out, const struct input *in,
		      const struct verdict *v, enum outcome o)
{
	if (!in->stale && (o == OUTCOME_RAISED || o == OUTCOME_UPDATED) &&
	    v->kind == VERDICT_BREACH)
		out_prompt(e, out, PROMPT_HYPO_TREAT);
}

static void after_bg6(struct rules_engine *e, struct rules_output *out, const struct input *in,
		      const struct verdict *v, enum outcome o)
{
	(void)out, (void)o;
	if (in->stale || v->kind != VERDICT_BREACH)
		return;
	e->bg6_high = (struct mark){ .active = true, .seq = in->seq, .ms = in->now };
	e->dirty = true;
}

static void after_hr3(struct rules_engine *e, struct rules_output *out, const struct input *in,
		      const struct verdict *v, enum outcome o)
{
	const struct rules_config *c = e->config;
	struct mark *run = &e->hr3_run;

	(void)out, (void)v, (void)o;
	if (in->stale || !in->has[SIGN_PULSE])
		return;
	if (in->v[SIGN_PULSE] <= c->hr3.pulse_above) {
		if (run->active)
			e->dirty = true;
		run->active = false;
		return;
	}
	if (!run->active || in->now < run->last_ms ||
	    in->now - run->last_ms > c->hr3.apart_at_most_min * MS_PER_MIN) {
		*run = (struct mark){ .active = true, .seq = in->seq, .ms = in->now };
		e->dirty = true;
	}
	run->last_ms = in->now;
}

static void after_t2(struct rules_engine *e, struct rules_output *out, const struct input *in,
		     const struct verdict *v, enum outcome o)
{
	long long t = in->v[SIGN_TEMPERATURE];

	(void)out, (void)v, (void)o;
	if (in->stale || !in->has[SIGN_TEMPERATURE])
		return;
	if (t >= e->config->t2.repeated_at_least) {
		e->t2_warm = (struct mark){ .active = true, .seq = in->seq, .ms = in->now };
		e->dirty = true;
	}
	baseline_add(e, &e->temperature, in, t, e->config->t2.baseline_days);
}

static void after_ox3(struct rules_engine *e, struct rules_output *out, const struct input *in,
		      const struct verdict *v, enum outcome o)
{
	(void)out, (void)v, (void)o;
	if (in->stale || !in->has[SIGN_SPO2])
		return;
	baseline_add(e, &e->spo2, in, in->v[SIGN_SPO2], e->config->ox3.baseline_days);
}

typedef void (*judge_fn)(const struct rules_engine *e, const struct input *in, struct verdict *v);
typedef void (*after_fn)(struct rules_engine *e, struct rules_output *out, const struct input *in,
			 const struct verdict *v, enum outcome o);

/* In order of evaluation; T2 comes last as it looks at the others' open alerts. */
static const struct {
	enum rule_id rule;
	judge_fn judge;
	after_fn after;
} judges[] = {
	{ RULE_BP1, judge_bp1, NULL },      { RULE_BP5, judge_bp5, NULL },
	{ RULE_BG1, judge_bg1, NULL },      { RULE_BG3, judge_bg3, after_bg3 },
	{ RULE_BG4, judge_bg4, after_bg4 }, { RULE_BG6, judge_bg6, after_bg6 },
	{ RULE_OX1, judge_ox1, NULL },      { RULE_OX2, judge_ox2, NULL },
	{ RULE_OX3, judge_ox3, after_ox3 }, { RULE_OX4, judge_ox4, NULL },
	{ RULE_HR1, judge_hr1, NULL },      { RULE_HR2, judge_hr2, NULL },
	{ RULE_HR3, judge_hr3, after_hr3 }, { RULE_T1, judge_t1, NULL },
	{ RULE_T4, judge_t4, NULL },        { RULE_RR1, judge_rr1, NULL },
	{ RULE_RR2, judge_rr2, NULL },      { RULE_T2, judge_t2, after_t2 },
};

/* Bed exit (BED1) */

static void watch_bed(struct rules_engine *e, struct rules_output *out, const struct input *in)
{
	struct open_alert *a = find_open(e, RULE_BED1);
	long long occupied = in->v[SIGN_BED];

	if (!in->has[SIGN_BED] || in->stale)
		return;
	if (occupied) {
		if (e->bed_exit.active)
			e->dirty = true;
		e->bed_exit.active = false;
		if (a)
			settle(e, out, a, in->seq, "", "back in bed");
	} else if (e->bed_occupancy == 1 && !a && rule_active(e->config, RULE_BED1) &&
		   at_night(e->config, in->now)) {
		e->bed_exit = (struct mark){ .active = true, .seq = in->seq, .ms = in->now };
		e->dirty = true;
	}
	if (e->bed_occupancy != occupied) {
		e->bed_occupancy = (int)occupied;
		e->dirty = true;
	}
}

/* Timers: confirmation windows, BG3's re-test, the bed-exit wait */

static void raise_pending(struct rules_engine *e, struct rules_output *out, enum rule_id r,
			  enum severity sev, enum confirmation conf, const char *note, bool voice)
{
	struct pending *p = &e->pending[r];
	struct open_alert *a = open_new(e, r, sev, conf);

	p->active = false;
	e->dirty = true;
	assert(a);
	if (!a)
		return;
	cite(a, p->seq);
	describe(a, p->what, note);
	emit(e, out, a, ALERT_RAISED);
	if (voice)
		note_level(e, a);
}

static void expire(struct rules_engine *e, int64_t now, struct rules_output *out)
{
	const struct rules_config *c = e->config;
	struct open_alert *a;
	char note[96];

	for (int r = 0; r < _RULE_MAX; r++) {
		const struct pending *p = &e->pending[r];

		if (!p->active || now < p->since_ms + c->rule[r].confirm_within_min * MS_PER_MIN)
			continue;
		/* Never lose a dangerous single reading: raise it unconfirmed. */
		textf(note, sizeof(note), "not re-tested within %lld min",
		      c->rule[r].confirm_within_min);
		raise_pending(e, out, (enum rule_id)r, p->severity, CONFIRMATION_PENDING, note,
			      true);
	}
	a = find_open(e, RULE_BG3);
	if (a && a->retest_due_ms && now >= a->retest_due_ms) {
		a->retest_due_ms = 0;
		if (a->severity != SEVERITY_P1) {
			a->severity = SEVERITY_P1;
			textf(note, sizeof(note),
			      "no glucose re-test within %lld min, raised to P1",
			      c->bg3.retest_within_min);
			describe(a, "", note);
			emit(e, out, a, ALERT_UPDATED);
			note_level(e, a);
		}
	}
	if (e->bed_exit.active && now >= e->bed_exit.ms + c->bed1.no_return_min * MS_PER_MIN) {
		long long m = clock_minute(c, e->bed_exit.ms);

		e->bed_exit.active = false;
		e->dirty = true;
		a = open_new(e, RULE_BED1, SEVERITY_P2, CONFIRMATION_NOT_REQUIRED);
		if (!a)
			return;
		cite(a, e->bed_exit.seq);
		textf(note, sizeof(note),
		      "out of bed since %02lld:%02lld, not back within %lld min; routed to the family",
		      m / 60, m % 60, c->bed1.no_return_min);
		describe(a, "", note);
		emit(e, out, a, ALERT_RAISED);
	}
}

/* Device silence (TECH1) */

static struct watched_device *find_device(struct rules_engine *e, const char *name)
{
	for (size_t i = 0; i < e->n_devices; i++)
		if (strcmp(e->devices[i].name, name) == 0)
			return &e->devices[i];
	return NULL;
}

/* A device that streams is expected to keep streaming: TECH1 watches it from now on. */
static void watch_device(struct rules_engine *e, const struct reading *rd)
{
	struct watched_device *d;

	if (rd->mode != READING_MODE_CONTINUOUS || !record_name_is_valid(rd->device) ||
	    find_device(e, rd->device) || e->n_devices == RECORD_DEVICES_MAX)
		return;
	d = &e->devices[e->n_devices++];
	memset(d, 0, sizeof(*d));
	textf(d->name, sizeof(d->name), "%s", rd->device);
	e->dirty = true;
}

static void device_heard(struct rules_engine *e, const char *name, int64_t now)
{
	struct watched_device *d = find_device(e, name);

	if (!d)
		return;
	d->seen = true;
	d->last_seen_ms = now;
	if (d->silent) {
		d->silent = false;
		e->devices_changed = true;
		e->dirty = true;
	}
}

static void watch_devices(struct rules_engine *e, int64_t now, struct rules_output *out)
{
	const struct rules_config *c = e->config;
	bool active = rule_active(c, RULE_TECH1), changed = e->devices_changed;
	struct open_alert *a = find_open(e, RULE_TECH1);
	char names[RECORD_TEXT_MAX + 1] = "", note[RECORD_TEXT_MAX + 1];
	size_t silent = 0, len = 0;

	for (size_t i = 0; i < e->n_devices; i++) {
		struct watched_device *d = &e->devices[i];

		if (!d->seen) { /* after a restart, each device gets a full silence_min */
			d->seen = true;
			d->last_seen_ms = now;
		}
		if (!d->silent && active &&
		    now - d->last_seen_ms >= c->tech1.silence_min * MS_PER_MIN) {
			d->silent = true;
			changed = true;
			e->dirty = true;
		} else if (d->silent && !active) { /* switched off: forget the silence */
			d->silent = false;
			changed = true;
			e->dirty = true;
		}
		if (d->silent && len < sizeof(names)) {
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						silent ? ", " : "", d->name);
			silent++;
		}
	}
	e->devices_changed = false;
	if (!changed)
		return;
	if (silent == 0) {
		if (a && settle(e, out, a, 0, "", "all devices deliver again") == OUTCOME_CLEARED)
			out_prompt(e, out, PROMPT_MONITORING_RESUMED);
		return;
	}
	textf(note, sizeof(note),
	      "no data from %s for %lld min or more; their alerts are not active", names,
	      c->tech1.silence_min);
	if (!a) {
		a = open_new(e, RULE_TECH1, SEVERITY_P4, CONFIRMATION_NOT_REQUIRED);
		if (!a)
			return;
		describe(a, "", note);
		emit(e, out, a, ALERT_RAISED);
		out_prompt(e, out, PROMPT_MONITORING_PAUSED);
	} else {
		a->condition_cleared = false;
		describe(a, "", note);
		emit(e, out, a, ALERT_UPDATED);
	}
}

/* Every input begins and ends the same way. */

static void begin(struct rules_engine *e, struct rules_output *out)
{
	memset(out, 0, sizeof(*out));
	e->critical = false;
}

static enum alarm_level alarm_of(const struct open_alert *a)
{
	/* A staff-safety alert goes to the office, never to a buzzer in the home. */
	if (a->silent || a->rule == RULE_VISIT1)
		return ALARM_NONE;
	switch (a->severity) {
	case SEVERITY_P1:
		return ALARM_CRITICAL;
	case SEVERITY_P2:
		return ALARM_URGENT;
	default:
		return ALARM_ADVISORY;
	}
}

static void finish(struct rules_engine *e, struct rules_output *out)
{
	enum alarm_level level = ALARM_NONE;

	if (e->critical)
		out_prompt(e, out, PROMPT_ALERT_CRITICAL);
	for (size_t i = 0; i < e->n_open; i++)
		if (alarm_of(&e->open[i]) > level)
			level = alarm_of(&e->open[i]);
	out->alarm = level;
	out->alarm_changed = level != e->alarm;
	e->alarm = level;
	out->state_changed = e->dirty;
	e->dirty = false;
}

/* Readings */

static void device_error(struct rules_output *out, const struct reading *rd, const char *format,
			 ...) _printf_(3, 4);
static void device_error(struct rules_output *out, const struct reading *rd, const char *format,
			 ...)
{
	char why[RECORD_TEXT_MAX + 1];
	va_list ap;

	if (out->n_device_errors >= RULES_OUTPUT_ERRORS_MAX)
		return;
	va_start(ap, format);
	vsnprintf(why, sizeof(why), format, ap);
	va_end(ap);
	textf(out->device_errors[out->n_device_errors++], sizeof(out->device_errors[0]), "%s: %s",
	      rd->device[0] ? rd->device : "device", why);
}

static const struct {
	enum quantity quantity;
	enum sign sign;
} signs[] = {
	{ QUANTITY_SYSTOLIC, SIGN_SYSTOLIC },
	{ QUANTITY_DIASTOLIC, SIGN_DIASTOLIC },
	{ QUANTITY_PULSE_RATE, SIGN_PULSE },
	{ QUANTITY_HEART_RATE, SIGN_PULSE },
	{ QUANTITY_SPO2, SIGN_SPO2 },
	{ QUANTITY_GLUCOSE, SIGN_GLUCOSE },
	{ QUANTITY_BODY_TEMPERATURE, SIGN_TEMPERATURE },
	{ QUANTITY_RESPIRATION_RATE, SIGN_RESPIRATION },
	{ QUANTITY_BED_OCCUPANCY, SIGN_BED },
};

/* [plausibility]'s range of a sign, scaled; false for bed occupancy (0 or 1 only). */
static bool plausible_range(const struct rules_config *c, enum sign s, long long *min,
			    long long *max)
{
	const struct rules_plausibility *p = &c->plausibility;

	switch (s) {
	case SIGN_SYSTOLIC:
		*min = p->systolic_min, *max = p->systolic_max;
		return true;
	case SIGN_DIASTOLIC:
		*min = p->diastolic_min, *max = p->diastolic_max;
		return true;
	case SIGN_PULSE:
		*min = p->pulse_min, *max = p->pulse_max;
		return true;
	case SIGN_SPO2:
		*min = p->spo2_min, *max = p->spo2_max;
		return true;
	case SIGN_GLUCOSE:
		*min = p->glucose_min, *max = p->glucose_max;
		return true;
	case SIGN_TEMPERATURE:
		*min = p->temperature_min, *max = p->temperature_max;
		return true;
	case SIGN_RESPIRATION:
		*min = p->respiration_min, *max = p->respiration_max;
		return true;
	default:
		*min = 0, *max = 1;
		return false;
	}
}

/* Scales one value; false (with a device error) when no body could produce it. */
static bool take_value(const struct rules_config *c, const struct reading *rd,
		       const struct reading_value *rv, enum sign s, long long *ret,
		       struct rules_output *out)
{
	double scale = s == SIGN_GLUCOSE || s == SIGN_TEMPERATURE ? 10.0 : 1.0;
	const char *name = quantity_to_string(rv->quantity), *unit = quantity_unit(rv->quantity);
	long long min, max, v;
	bool ranged = plausible_range(c, s, &min, &max);

	if (!isfinite(rv->value) || fabs(rv->value) > 1e6) {
		device_error(out, rd, "%s is not a number", name);
		return false;
	}
	v = llround(rv->value * scale);
	if (!ranged && (double)v != rv->value) {
		device_error(out, rd, "%s %g is neither 0 nor 1", name, rv->value);
		return false;
	}
	if (v < min || v > max) {
		device_error(out, rd, "%s %g %s is outside the plausible %g..%g", name, rv->value,
			     unit, (double)min / scale, (double)max / scale);
		return false;
	}
	*ret = v;
	return true;
}

static bool read_input(const struct rules_engine *e, uint64_t seq, int64_t now,
		       const struct reading *rd, struct input *in, struct rules_output *out)
{
	bool ok = true, heart_rate = false;

	memset(in, 0, sizeof(*in));
	in->seq = seq;
	in->now = now;
	in->rd = rd;
	in->continuous = rd->mode == READING_MODE_CONTINUOUS;
	in->stale = is_stale(e->config, rd, now);
	for (size_t i = 0; i < rd->n_values && i < RECORD_VALUES_MAX; i++) {
		const struct reading_value *rv = &rd->values[i];

		for (size_t k = 0; k < ELEMENTSOF(signs); k++) {
			enum sign s = signs[k].sign;
			long long v;

			if (signs[k].quantity != rv->quantity)
				continue;
			if (!take_value(e->config, rd, rv, s, &v, out)) {
				ok = false;
				continue;
			}
			/* An ECG heart rate beats a pulse rate in the same reading. */
			if (s == SIGN_PULSE && heart_rate && rv->quantity == QUANTITY_PULSE_RATE)
				continue;
			heart_rate |= rv->quantity == QUANTITY_HEART_RATE;
			in->has[s] = true;
			in->v[s] = v;
		}
	}
	if (ok && in->has[SIGN_SYSTOLIC] && in->has[SIGN_DIASTOLIC] &&
	    in->v[SIGN_DIASTOLIC] >= in->v[SIGN_SYSTOLIC]) {
		device_error(out, rd, "diastolic %lld mmHg is not below systolic %lld mmHg",
			     in->v[SIGN_DIASTOLIC], in->v[SIGN_SYSTOLIC]);
		ok = false;
	}
	return ok;
}

int rules_engine_reading(struct rules_engine *e, uint64_t seq, int64_t now_ms,
			 const struct reading *rd, struct rules_output *out)
{
	struct input in;

	if (!e || !rd || !out || seq == 0 || seq > (uint64_t)RECORD_INT_MAX || !valid_time(now_ms))
		return -EINVAL;
	begin(e, out);
	expire(e, now_ms, out);
	watch_device(e, rd);
	device_heard(e, rd->device, now_ms);
	watch_devices(e, now_ms, out);
	if (!(rd->flags & IGNORED_FLAGS) && read_input(e, seq, now_ms, rd, &in, out)) {
		for (size_t i = 0; i < ELEMENTSOF(judges); i++) {
			struct verdict v = { .kind = VERDICT_ABSENT };
			enum outcome o;

			judges[i].judge(e, &in, &v);
			o = apply(e, out, judges[i].rule, &in, &v);
			if (judges[i].after)
				judges[i].after(e, out, &in, &v, o);
		}
		watch_bed(e, out, &in);
	}
	finish(e, out);
	return 0;
}

/* Calls, symptoms, acknowledgements, external rules */

int rules_engine_call(struct rules_engine *e, uint64_t event_seq, int64_t now_ms, bool cancelled,
		      struct rules_output *out)
{
	struct open_alert local, *a = NULL;
	char text[96];

	if (!e || !out || !valid_time(now_ms))
		return -EINVAL;
	begin(e, out);
	expire(e, now_ms, out);
	if (cancelled) {
		for (size_t i = e->n_open; i > 0 && !a; i--)
			if (e->open[i - 1].rule == RULE_CALL)
				a = &e->open[i - 1];
		if (a) {
			textf(text, sizeof(text), "cancelled by a long press (event seq %llu)",
			      (unsigned long long)event_seq);
			describe(a, "", text);
			emit(e, out, a, ALERT_CANCELLED);
			close_alert(e, a);
			out_prompt(e, out, PROMPT_CALL_CANCELLED);
		}
		finish(e, out);
		return 0;
	}
	/* Never merged, never rate limited: each press is its own alert. */
	a = open_new(e, RULE_CALL, SEVERITY_P1, CONFIRMATION_NOT_REQUIRED);
	if (!a) { /* thousands of unanswered presses: raise it, stop tracking it */
		memset(&local, 0, sizeof(local));
		local.id = take_id(e);
		local.rule = RULE_CALL;
		a = &local;
	}
	textf(text, sizeof(text), "pressed (event seq %llu)", (unsigned long long)event_seq);
	describe(a, "", text);
	emit(e, out, a, ALERT_RAISED);
	out_prompt(e, out, PROMPT_CALL_RECEIVED);
	for (int r = 0; r < _RULE_MAX; r++)
		if (e->pending[r].active)
			raise_pending(e, out, (enum rule_id)r, SEVERITY_P1, CONFIRMATION_SKIPPED,
				      "call button pressed", false);
	finish(e, out);
	return 0;
}

int rules_engine_symptoms(struct rules_engine *e, int64_t now_ms, bool present,
			  struct rules_output *out)
{
	size_t n;

	if (!e || !out || !valid_time(now_ms))
		return -EINVAL;
	begin(e, out);
	expire(e, now_ms, out);
	if (present) {
		n = e->n_open;
		for (size_t i = 0; i < n; i++) {
			struct open_alert *a = &e->open[i];

			if (!defs[a->rule].vital || a->silent || a->severity == SEVERITY_P1)
				continue;
			a->severity = SEVERITY_P1;
			if (a->confirmation == CONFIRMATION_PENDING)
				a->confirmation = CONFIRMATION_SKIPPED;
			describe(a, "", "symptoms reported, raised to P1");
			emit(e, out, a, ALERT_UPDATED);
			note_level(e, a);
		}
		for (int r = 0; r < _RULE_MAX; r++)
			if (e->pending[r].active)
				raise_pending(e, out, (enum rule_id)r, SEVERITY_P1,
					      CONFIRMATION_SKIPPED, "symptoms reported", true);
		out_prompt(e, out, PROMPT_SYMPTOMS_CALL_120);
	}
	finish(e, out);
	return 0;
}

int rules_engine_acknowledged(struct rules_engine *e, uint64_t alert_id, int64_t now_ms,
			      struct rules_output *out)
{
	struct open_alert *a;
	int r = 0;

	if (!e || !out || !valid_time(now_ms))
		return -EINVAL;
	begin(e, out);
	expire(e, now_ms, out);
	a = find_id(e, alert_id);
	if (!a) {
		r = -ENOENT;
	} else if (a->rule == RULE_CALL || a->condition_cleared) {
		describe(a, "",
			 a->rule == RULE_CALL ? "answered: acknowledged by a doctor"
					      : "back within limits and acknowledged");
		emit(e, out, a, ALERT_CLEARED);
		close_alert(e, a);
	} else if (!a->acknowledged) {
		a->acknowledged = true;
		e->dirty = true;
	}
	finish(e, out);
	return r;
}

int rules_engine_external(struct rules_engine *e, enum rule_id rule, enum severity severity,
			  bool clear, int64_t now_ms, const char *message, struct rules_output *out)
{
	struct open_alert *a;
	const char *what = message && message[0] ? message : "";

	if (!e || !out || !valid_time(now_ms) || (unsigned)severity >= _SEVERITY_MAX ||
	    (rule != RULE_ADH1 && rule != RULE_ADH2 && rule != RULE_VISIT1))
		return -EINVAL;
	begin(e, out);
	a = find_open(e, rule);
	if (clear) {
		if (a && !a->condition_cleared)
			settle(e, out, a, 0, what, "ended");
	} else if (a) {
		a->severity = more_urgent(a->severity, severity);
		a->condition_cleared = false;
		describe(a, what, "");
		emit(e, out, a, ALERT_UPDATED);
	} else {
		a = open_new(e, rule, severity, CONFIRMATION_NOT_REQUIRED);
		if (a) {
			describe(a, what, "");
			emit(e, out, a, ALERT_RAISED);
		}
	}
	finish(e, out);
	return 0;
}

/* Ticks and devices */

static int64_t next_due(const struct rules_engine *e)
{
	const struct rules_config *c = e->config;
	const struct open_alert *bg3;
	int64_t next = INT64_MAX;

	for (int r = 0; r < _RULE_MAX; r++)
		if (e->pending[r].active)
			next = earliest(next, e->pending[r].since_ms +
						      c->rule[r].confirm_within_min * MS_PER_MIN);
	bg3 = find_open(e, RULE_BG3);
	if (bg3 && bg3->retest_due_ms)
		next = earliest(next, bg3->retest_due_ms);
	if (e->bed_exit.active)
		next = earliest(next, e->bed_exit.ms + c->bed1.no_return_min * MS_PER_MIN);
	for (size_t i = 0; rule_active(c, RULE_TECH1) && i < e->n_devices; i++)
		if (!e->devices[i].silent)
			next = earliest(next, e->devices[i].last_seen_ms +
						      c->tech1.silence_min * MS_PER_MIN);
	return next;
}

int rules_engine_tick(struct rules_engine *e, int64_t now_ms, struct rules_output *out,
		      int64_t *next_ms)
{
	if (!e || !out || !valid_time(now_ms))
		return -EINVAL;
	begin(e, out);
	expire(e, now_ms, out);
	watch_devices(e, now_ms, out);
	finish(e, out);
	if (next_ms)
		*next_ms = next_due(e);
	return 0;
}

void rules_engine_device_seen(struct rules_engine *e, const char *device, int64_t now_ms)
{
	if (!e || !device || !valid_time(now_ms))
		return;
	device_heard(e, device, now_ms);
}

void rules_engine_forget_device(struct rules_engine *e, const char *device)
{
	struct watched_device *d;
	size_t i;

	if (!e || !device)
		return;
	d = find_device(e, device);
	if (!d)
		return;
	i = (size_t)(d - e->devices);
	memmove(&e->devices[i], &e->devices[i + 1], (e->n_devices - i - 1) * sizeof(*d));
	e->n_devices--;
	e->devices_changed = true;
	e->dirty = true;
}

size_t rules_engine_open_alerts(const struct rules_engine *e, struct alert *alerts, size_t max)
{
	size_t n = 0;

	for (; e && alerts && n < e->n_open && n < max; n++)
		snapshot(e, &e->open[n],
			 e->open[n].condition_cleared ? ALERT_UPDATED : ALERT_RAISED, &alerts[n]);
	return n;
}

/* Lifecycle */

void rules_engine_reset(struct rules_engine *e)
{
	e->next_alert_id = 1;
	e->n_open = 0;
	memset(e->pending, 0, sizeof(e->pending));
	memset(e->persist, 0, sizeof(e->persist));
	e->hr3_run = e->bg6_high = e->t2_warm = e->bed_exit = (struct mark){ 0 };
	memset(&e->spo2, 0, sizeof(e->spo2));
	memset(&e->temperature, 0, sizeof(e->temperature));
	e->bed_occupancy = -1;
	e->n_devices = 0;
	e->devices_changed = false;
	e->alarm = ALARM_NONE;
	e->dirty = false;
	e->critical = false;
}

int rules_engine_new(const struct rules_config *c, struct rules_engine **ret)
{
	struct rules_engine *e;
	int r;

	if (!c || !ret)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->open = calloc(RULES_OPEN_MAX, sizeof(e->open[0]));
	r = e->open ? rules_config_copy(c, &e->config) : -ENOMEM;
	if (r < 0) {
		rules_engine_free(e);
		return r;
	}
	rules_engine_reset(e);
	*ret = e;
	return 0;
}

struct rules_engine *rules_engine_free(struct rules_engine *e)
{
	if (!e)
		return NULL;
	rules_config_free(e->config);
	free(e->open);
	free(e);
	return NULL;
}

int rules_engine_set_config(struct rules_engine *e, const struct rules_config *c)
{
	struct rules_config *copy;
	int r;

	if (!e || !c)
		return -EINVAL;
	r = rules_config_copy(c, &copy);
	if (r < 0)
		return r;
	rules_config_free(e->config);
	e->config = copy;
	/* A rule switched off forgets what it was waiting for; its open alert may still clear. */
	for (int i = 0; i < _RULE_MAX; i++)
		if (!rule_active(copy, (enum rule_id)i)) {
			e->pending[i].active = false;
			e->persist[i] = (struct persistence){ 0 };
		}
	if (!rule_active(copy, RULE_BED1))
		e->bed_exit.active = false;
	e->dirty = true;
	return 0;
}

void rules_engine_reserve_alert_ids(struct rules_engine *e, uint64_t above)
{
	if (e && above < (uint64_t)RECORD_INT_MAX && e->next_alert_id <= above)
		e->next_alert_id = above + 1;
}
