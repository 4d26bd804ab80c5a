// SPDX-License-Identifier: MIT
/*
 * Reminder schedules as pure code: each tick enumerates the planned times
 * (local wall clock, by weekday) between the last tick and now, in order,
 * and turns them into prompts and misses. See reminders.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json-util.h"
#include "macro.h"
#include "reminders.h"

#define DAY_MS    86400000LL
#define MINUTE_MS 60000LL
/* After a long power cut, misses are only reported for this far back. */
#define CATCH_UP_MS (2 * DAY_MS)

struct reminders {
	uint32_t early_min;
	size_t n;
	struct schedule schedules[REMINDERS_MAX];
	unsigned missed[REMINDERS_MAX]; /* consecutive misses per schedule */
	bool have_cursor;
	int64_t cursor; /* everything due at or before this was handled */
	bool has_last[_MEASUREMENT_MAX];
	int64_t last[_MEASUREMENT_MAX]; /* gateway time of the last reading of each kind */
};

enum due_kind {
	DUE_PROMPT,
	DUE_CHECK,
};

struct due {
	int64_t at;
	size_t schedule;
	int64_t planned; /* the slot's planned time */
	enum due_kind kind;
};

int reminders_new(uint32_t early_min, struct reminders **ret)
{
	struct reminders *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->early_min = early_min;
	*ret = r;
	return 0;
}

struct reminders *reminders_free(struct reminders *r)
{
	free(r);
	return NULL;
}

int reminders_set(struct reminders *r, const struct schedule *schedules, size_t n)
{
	unsigned missed[REMINDERS_MAX] = { 0 };

	if (n > REMINDERS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(schedules[i].name, schedules[j].name) == 0)
				return -EINVAL;
		for (size_t j = 0; j < r->n; j++)
			if (strcmp(schedules[i].name, r->schedules[j].name) == 0)
				missed[i] = r->missed[j];
	}
	memcpy(r->schedules, schedules, n * sizeof(*schedules));
	memcpy(r->missed, missed, sizeof(missed));
	r->n = n;
	return 0;
}

size_t reminders_count(const struct reminders *r)
{
	return r->n;
}

const struct schedule *reminders_get(const struct reminders *r, size_t i)
{
	return i < r->n ? &r->schedules[i] : NULL;
}

unsigned reminders_missed(const struct reminders *r)
{
	unsigned m = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->missed[i] > m)
			m = r->missed[i];
	return m;
}

bool reminders_reading(struct reminders *r, enum measurement m, int64_t now_ms)
{
	unsigned before = reminders_missed(r);

	if (m < 0 || m >= _MEASUREMENT_MAX)
		return false;
	if (!r->has_last[m] || now_ms > r->last[m]) {
		r->has_last[m] = true;
		r->last[m] = now_ms;
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->schedules[i].kind == SCHEDULE_MEASUREMENT &&
		    r->schedules[i].measurement == m)
			r->missed[i] = 0;
	return before > 0 && reminders_missed(r) == 0;
}

const char *reminders_default_text(enum schedule_kind kind, enum measurement m)
{
	static const char *const measure[_MEASUREMENT_MAX] = {
		[MEASUREMENT_BLOOD_PRESSURE] = "该测血压了，请静坐休息后测量",
		[MEASUREMENT_GLUCOSE] = "该测血糖了",
		[MEASUREMENT_PULSE_OXIMETRY] = "该测血氧了",
		[MEASUREMENT_BODY_TEMPERATURE] = "该测体温了",
		[MEASUREMENT_BODY_WEIGHT] = "该称体重了",
		[MEASUREMENT_BEDSIDE] = "请检查床旁设备",
	};

	if (kind == SCHEDULE_MEDICATION)
		return "该吃药了，请按医嘱服药";
	return m >= 0 && m < _MEASUREMENT_MAX ? measure[m] : "该测量了";
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Monday = 0 for local day number @day (days since 1970-01-01, a Thursday). */
static unsigned weekday(int64_t day)
{
	int64_t w = (day + 3) % 7;

	return (unsigned)(w < 0 ? w + 7 : w);
}

static bool taken_for(const struct reminders *r, const struct schedule *s, int64_t planned)
{
	return r->has_last[s->measurement] &&
	       r->last[s->measurement] >= planned - (int64_t)r->early_min * MINUTE_MS;
}

static int cmp_due(const void *a, const void *b)
{
	const struct due *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->schedule != y->schedule)
		return x->schedule < y->schedule ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/*
 * Collects the due moments in (from, to] into @dues (room for @max) and the
 * first one after @to into *next. Returns the count.
 */
static size_t collect_dues(const struct reminders *r, int64_t from, int64_t to, int64_t off_ms,
			   struct due *dues, size_t max, int64_t *next)
{
	int64_t first = floor_div(from + off_ms, DAY_MS) - 2,
		last = floor_div(to + off_ms, DAY_MS) + 2;
	size_t n = 0;

	*next = INT64_MAX;
	for (size_t i = 0; i < r->n; i++) {
		const struct schedule *s = &r->schedules[i];

		for (int64_t d = first; d <= last; d++) {
			if (!(s->days & (1u << weekday(d))))
				continue;
			for (size_t t = 0; t < s->n_times; t++) {
				int64_t planned = d * DAY_MS + s->times[t] * MINUTE_MS - off_ms;
				struct due cand[2] = {
					{ planned, i, planned, DUE_PROMPT },
					{ planned + (int64_t)s->grace_min * MINUTE_MS, i, planned,
					  DUE_CHECK },
				};
				size_t nc = s->kind == SCHEDULE_MEASUREMENT ? 2 : 1;

				for (size_t c = 0; c < nc; c++) {
					if (cand[c].at > to) {
						if (cand[c].at < *next)
							*next = cand[c].at;
					} else if (cand[c].at > from && n < max) {
						dues[n++] = cand[c];
					}
				}
			}
		}
	}
	qsort(dues, n, sizeof(*dues), cmp_due);
	return n;
}

static void add_prompt(struct reminders_output *out, const struct schedule *s, bool repeat)
{
	struct reminder_prompt *p = &out->prompts[out->n_prompts++];

	snprintf(p->schedule, sizeof(p->schedule), "%s", s->name);
	p->kind = s->kind;
	p->repeat = repeat;
	snprintf(p->text, sizeof(p->text), "%s",
		 s->text[0] ? s->text : reminders_default_text(s->kind, s->measurement));
}

void reminders_tick(struct reminders *r, int64_t now_ms, int32_t utc_offset_s,
		    struct reminders_output *out, int64_t *next_ms)
{
	/* Up to 8 times a day per schedule, over 5 days, prompt and check. */
	static struct due dues[REMINDERS_MAX * DOWN_TIMES_MAX * 5 * 2];
	int64_t off_ms = (int64_t)utc_offset_s * 1000, next;
	size_t n;

	memset(out, 0, sizeof(*out));
	*next_ms = INT64_MAX;
	if (!r->have_cursor || now_ms - r->cursor > CATCH_UP_MS) {
		r->cursor = r->have_cursor ? now_ms - CATCH_UP_MS : now_ms;
		r->have_cursor = true;
	}
	if (now_ms < r->cursor) /* the clock went back: start again from now */
		r->cursor = now_ms;
	n = collect_dues(r, r->cursor, now_ms, off_ms, dues, ELEMENTSOF(dues), &next);
	for (size_t i = 0; i < n; i++) {
		const struct schedule *s = &r->schedules[dues[i].schedule];
		size_t k = dues[i].schedule;

		if (out->n_prompts + 1 > REMINDERS_OUTPUT_MAX ||
		    out->n_misses + 1 > REMINDERS_OUTPUT_MAX) {
			/* Full: handle the rest on an immediate next tick. */
			r->cursor = dues[i].at - 1;
			*next_ms = now_ms;
			return;
		}
		if (dues[i].kind == DUE_PROMPT) {
			bool stale = s->kind == SCHEDULE_MEASUREMENT &&
				     now_ms >= dues[i].planned + (int64_t)s->grace_min * MINUTE_MS;

			if (!stale &&
			    !(s->kind == SCHEDULE_MEASUREMENT && taken_for(r, s, dues[i].planned)))
				add_prompt(out, s, false);
			continue;
		}
		if (taken_for(r, s, dues[i].planned))
			continue;
		r->missed[k]++;
		out->misses[out->n_misses++] = (struct reminder_miss){
			.measurement = s->measurement,
			.due_ms = dues[i].planned,
			.consecutive = r->missed[k],
		};
		snprintf(out->misses[out->n_misses - 1].schedule, sizeof(out->misses[0].schedule),
			 "%s", s->name);
		/* ADH1: re-remind once, on the first miss of a run. */
		if (r->missed[k] == 1 && now_ms - dues[i].at < 60 * MINUTE_MS)
			add_prompt(out, s, true);
	}
	r->cursor = now_ms;
	*next_ms = next;
}

int reminders_save(const struct reminders *r, char **ret)
{
	_cleanup_cjson_ cJSON *root = cJSON_CreateObject();
	cJSON *last, *missed;

	if (!root)
		return -ENOMEM;
	if (r->have_cursor)
		cJSON_AddNumberToObject(root, "cursor", (double)r->cursor);
	last = cJSON_AddObjectToObject(root, "last");
	for (int m = 0; last && m < _MEASUREMENT_MAX; m++)
		if (r->has_last[m])
			cJSON_AddNumberToObject(last, measurement_to_string((enum measurement)m),
						(double)r->last[m]);
	missed = cJSON_AddObjectToObject(root, "missed");
	for (size_t i = 0; missed && i < r->n; i++)
		if (r->missed[i])
			cJSON_AddNumberToObject(missed, r->schedules[i].name, r->missed[i]);
	*ret = cJSON_PrintUnformatted(root);
	return *ret ? 0 : -ENOMEM;
}

int reminders_load(struct reminders *r, const char *json, size_t len)
{
	_cleanup_cjson_ cJSON *root = NULL;
	const cJSON *cursor, *last, *missed, *item;
	int err;

	root = json_parse_bounded(json, len, "reminder state", NULL, &err);
	if (!root)
		return err;
	if (!cJSON_IsObject(root))
		return -EBADMSG;
	cursor = cJSON_GetObjectItemCaseSensitive(root, "cursor");
	last = cJSON_GetObjectItemCaseSensitive(root, "last");
	missed = cJSON_GetObjectItemCaseSensitive(root, "missed");
	if ((cursor && !cJSON_IsNumber(cursor)) || (last && !cJSON_IsObject(last)) ||
	    (missed && !cJSON_IsObject(missed)))
		return -EBADMSG;
	if (cursor) {
		r->have_cursor = true;
		r->cursor = (int64_t)cursor->valuedouble;
	}
	cJSON_ArrayForEach(item, last)
	{
		int m = measurement_from_string(item->string);

		if (m >= 0 && cJSON_IsNumber(item)) {
			r->has_last[m] = true;
			r->last[m] = (int64_t)item->valuedouble;
		}
	}
	cJSON_ArrayForEach(item, missed)
	{
		if (!cJSON_IsNumber(item) || item->valuedouble < 0 || item->valuedouble > 1e6)
			continue;
		for (size_t i = 0; i < r->n; i++)
			if (strcmp(item->string, r->schedules[i].name) == 0)
				r->missed[i] = (unsigned)item->valuedouble;
	}
	return 0;
}
