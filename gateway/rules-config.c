// SPDX-License-Identifier: MIT
/*
 * The alert rules' config: one table of every key with its bounds and its
 * built-in default (the numbers of clinical-defaults.md, which
 * config/thresholds/default.conf repeats with their sources), the parsers for
 * tenths and clock times, per-patient overrides, and the cross-key checks.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "macro.h"
#include "rules-internal.h"
#include "rules.h"

static const char *const rule_names[_RULE_MAX] = {
	[RULE_BP1] = "BP1",   [RULE_BP5] = "BP5",     [RULE_BG1] = "BG1",
	[RULE_BG3] = "BG3",   [RULE_BG4] = "BG4",     [RULE_BG6] = "BG6",
	[RULE_OX1] = "OX1",   [RULE_OX2] = "OX2",     [RULE_OX3] = "OX3",
	[RULE_OX4] = "OX4",   [RULE_HR1] = "HR1",     [RULE_HR2] = "HR2",
	[RULE_HR3] = "HR3",   [RULE_T1] = "T1",       [RULE_T2] = "T2",
	[RULE_T4] = "T4",     [RULE_RR1] = "RR1",     [RULE_RR2] = "RR2",
	[RULE_BED1] = "BED1", [RULE_CALL] = "CALL",   [RULE_ADH1] = "ADH1",
	[RULE_ADH2] = "ADH2", [RULE_TECH1] = "TECH1", [RULE_VISIT1] = "VISIT1",
};

const char *rule_id_to_string(enum rule_id r)
{
	if ((unsigned)r >= _RULE_MAX)
		return NULL;
	return rule_names[r];
}

int rule_id_from_string(const char *s)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < _RULE_MAX; i++)
		if (strcmp(rule_names[i], s) == 0)
			return i;
	return -EINVAL;
}

enum key_type {
	KEY_INT,    /* a whole number */
	KEY_TENTHS, /* a number with at most one decimal place, stored ×10 */
	KEY_BOOL,
	KEY_CLOCK, /* "HH:MM", stored as minutes after midnight */
	KEY_TEXT,
};

/* The plausibility range a limit must lie in, or the rule could never fire. */
enum vital {
	VITAL_NONE,
	VITAL_SYSTOLIC,
	VITAL_DIASTOLIC,
	VITAL_PULSE,
	VITAL_SPO2,
	VITAL_GLUCOSE,
	VITAL_TEMPERATURE,
	VITAL_RESPIRATION,
	_VITAL_MAX,
};

struct rules_key {
	const char *section;
	const char *key;
	enum key_type type;
	size_t offset, size;
	double min, max; /* natural units; both 0: unbounded */
	const char *def; /* the built-in default, in the file's text form */
	bool cited;      /* alert records cite it among their thresholds */
	enum vital vital;
};

#define FIELD(f) offsetof(struct rules_config, f), sizeof(((struct rules_config *)0)->f)

#define LIMIT(s, k, f, v, lo, hi, d)                        \
	{                                                   \
		s, k, KEY_INT, FIELD(f), lo, hi, d, true, v \
	}
#define LIMIT10(s, k, f, v, lo, hi, d)                         \
	{                                                      \
		s, k, KEY_TENTHS, FIELD(f), lo, hi, d, true, v \
	}
#define NUMBER(s, k, f, lo, hi, d)                                    \
	{                                                             \
		s, k, KEY_INT, FIELD(f), lo, hi, d, false, VITAL_NONE \
	}
#define TENTHS(s, k, f, lo, hi, d)                                       \
	{                                                                \
		s, k, KEY_TENTHS, FIELD(f), lo, hi, d, false, VITAL_NONE \
	}
#define FLAG(s, k, f, d)                                             \
	{                                                            \
		s, k, KEY_BOOL, FIELD(f), 0, 0, d, false, VITAL_NONE \
	}
#define CLOCK(s, k, f, d)                                             \
	{                                                             \
		s, k, KEY_CLOCK, FIELD(f), 0, 0, d, false, VITAL_NONE \
	}
#define PROMPT(p, k, d)                                                               \
	{                                                                             \
		"prompts", k, KEY_TEXT, FIELD(prompts[p]), 0, 0, d, false, VITAL_NONE \
	}

#define ENABLED(s, r) FLAG(s, "enabled", rule[r].enabled, "yes")
#define CONFIRM(s, r, within)                       \
	FLAG(s, "confirm", rule[r].confirm, "yes"), \
		NUMBER(s, "confirm_within_min", rule[r].confirm_within_min, 1, 1440, within)
#define PERSIST(s, r, d)             NUMBER(s, "persist_s", rule[r].persist_s, 1, 3600, d)
#define MARGIN(s, r, hi, d)          NUMBER(s, "clear_margin", rule[r].clear_margin, 0, hi, d)
#define MARGIN10(s, r, hi, d)        TENTHS(s, "clear_margin", rule[r].clear_margin, 0, hi, d)
#define PLAUSIBLE(k, f, lo, hi, d)   NUMBER("plausibility", k, plausibility.f, lo, hi, d)
#define PLAUSIBLE10(k, f, lo, hi, d) TENTHS("plausibility", k, plausibility.f, lo, hi, d)

/*
 * Every key, in the order of config/thresholds/default.conf. The defaults here
 * are the one place the rules' numbers appear in C; the file says where each
 * comes from, and test-rules checks that the two agree.
 */
static const struct rules_key keys[] = {
	FLAG("patient", "diabetic", patient.diabetic, "no"),
	NUMBER("patient", "spo2_scale", patient.spo2_scale, 1, 2, "1"),
	FLAG("patient", "age_80_or_frail", patient.age_80_or_frail, "no"),

	NUMBER("general", "utc_offset_min", general.utc_offset_min, -720, 840, "480"),
	NUMBER("general", "stale_min", general.stale_min, 1, 10080, "60"),
	NUMBER("general", "clear_readings", general.clear_readings, 1, 10, "2"),
	NUMBER("general", "stream_gap_s", general.stream_gap_s, 1, 3600, "60"),
	NUMBER("general", "baseline_every_min", general.baseline_every_min, 1, 1440, "60"),

	PLAUSIBLE("systolic_min", systolic_min, 0, 300, "40"),
	PLAUSIBLE("systolic_max", systolic_max, 0, 300, "300"),
	PLAUSIBLE("diastolic_min", diastolic_min, 0, 300, "20"),
	PLAUSIBLE("diastolic_max", diastolic_max, 0, 300, "200"),
	PLAUSIBLE("pulse_min", pulse_min, 0, 300, "20"),
	PLAUSIBLE("pulse_max", pulse_max, 0, 300, "300"),
	PLAUSIBLE("spo2_min", spo2_min, 0, 100, "50"),
	PLAUSIBLE("spo2_max", spo2_max, 0, 100, "100"),
	PLAUSIBLE10("glucose_min", glucose_min, 0, 60, "0.6"),
	PLAUSIBLE10("glucose_max", glucose_max, 0, 60, "33.3"),
	PLAUSIBLE10("temperature_min", temperature_min, 25, 45, "25.0"),
	PLAUSIBLE10("temperature_max", temperature_max, 25, 45, "45.0"),
	PLAUSIBLE("respiration_min", respiration_min, 0, 120, "3"),
	PLAUSIBLE("respiration_max", respiration_max, 0, 120, "60"),

	ENABLED("BP1", RULE_BP1),
	LIMIT("BP1", "systolic_at_least", bp1.systolic_at_least, VITAL_SYSTOLIC, 40, 300, "180"),
	LIMIT("BP1", "diastolic_at_least", bp1.diastolic_at_least, VITAL_DIASTOLIC, 20, 300, "110"),
	CONFIRM("BP1", RULE_BP1, "15"),
	MARGIN("BP1", RULE_BP1, 50, "5"),

	ENABLED("BP5", RULE_BP5),
	LIMIT("BP5", "systolic_below", bp5.systolic_below, VITAL_SYSTOLIC, 40, 300, "90"),
	LIMIT("BP5", "diastolic_below", bp5.diastolic_below, VITAL_DIASTOLIC, 20, 300, "60"),
	LIMIT("BP5", "systolic_below_p1", bp5.systolic_below_p1, VITAL_SYSTOLIC, 40, 300, "80"),
	CONFIRM("BP5", RULE_BP5, "15"),
	MARGIN("BP5", RULE_BP5, 50, "5"),

	ENABLED("BG1", RULE_BG1),
	LIMIT10("BG1", "glucose_at_least", bg1.glucose_at_least, VITAL_GLUCOSE, 0.1, 60, "16.7"),
	CONFIRM("BG1", RULE_BG1, "15"),
	MARGIN10("BG1", RULE_BG1, 5, "0.3"),

	ENABLED("BG3", RULE_BG3),
	LIMIT10("BG3", "glucose_below", bg3.glucose_below, VITAL_GLUCOSE, 0.1, 60, "3.9"),
	NUMBER("BG3", "retests_to_escalate", bg3.retests_to_escalate, 1, 10, "2"),
	NUMBER("BG3", "retest_within_min", bg3.retest_within_min, 1, 240, "30"),
	MARGIN10("BG3", RULE_BG3, 5, "0.3"),

	ENABLED("BG4", RULE_BG4),
	LIMIT10("BG4", "glucose_below", bg4.glucose_below, VITAL_GLUCOSE, 0.1, 60, "3.0"),
	MARGIN10("BG4", RULE_BG4, 5, "0.3"),

	ENABLED("BG6", RULE_BG6),
	LIMIT10("BG6", "glucose_above", bg6.glucose_above, VITAL_GLUCOSE, 0.1, 60, "13.9"),
	NUMBER("BG6", "repeat_within_h", bg6.repeat_within_h, 1, 168, "24"),
	MARGIN10("BG6", RULE_BG6, 5, "0.3"),

	ENABLED("OX1", RULE_OX1),
	LIMIT("OX1", "spo2_at_most", ox1.spo2_at_most, VITAL_SPO2, 50, 100, "92"),
	CONFIRM("OX1", RULE_OX1, "10"),
	PERSIST("OX1", RULE_OX1, "30"),
	MARGIN("OX1", RULE_OX1, 10, "1"),

	ENABLED("OX2", RULE_OX2),
	LIMIT("OX2", "spo2_at_most", ox2.spo2_at_most, VITAL_SPO2, 50, 100, "94"),
	CONFIRM("OX2", RULE_OX2, "10"),
	PERSIST("OX2", RULE_OX2, "30"),
	MARGIN("OX2", RULE_OX2, 10, "1"),

	ENABLED("OX3", RULE_OX3),
	LIMIT("OX3", "drop_at_least", ox3.drop_at_least, VITAL_NONE, 1, 50, "3"),
	NUMBER("OX3", "baseline_days", ox3.baseline_days, 1, 30, "7"),
	NUMBER("OX3", "baseline_min_readings", ox3.baseline_min_readings, 1, RULES_BASELINE_MAX,
	       "5"),
	CONFIRM("OX3", RULE_OX3, "10"),
	PERSIST("OX3", RULE_OX3, "30"),
	MARGIN("OX3", RULE_OX3, 10, "1"),

	ENABLED("OX4", RULE_OX4),
	LIMIT("OX4", "spo2_below", ox4.spo2_below, VITAL_SPO2, 50, 100, "88"),
	LIMIT("OX4", "spo2_at_most_p1", ox4.spo2_at_most_p1, VITAL_SPO2, 50, 100, "83"),
	CONFIRM("OX4", RULE_OX4, "10"),
	PERSIST("OX4", RULE_OX4, "30"),
	MARGIN("OX4", RULE_OX4, 10, "1"),

	ENABLED("HR1", RULE_HR1),
	LIMIT("HR1", "pulse_at_most", hr1.pulse_at_most, VITAL_PULSE, 20, 300, "40"),
	LIMIT("HR1", "pulse_at_least", hr1.pulse_at_least, VITAL_PULSE, 20, 300, "131"),
	CONFIRM("HR1", RULE_HR1, "15"),
	PERSIST("HR1", RULE_HR1, "30"),
	MARGIN("HR1", RULE_HR1, 30, "5"),

	ENABLED("HR2", RULE_HR2),
	LIMIT("HR2", "pulse_at_most", hr2.pulse_at_most, VITAL_PULSE, 20, 300, "50"),
	LIMIT("HR2", "pulse_at_least", hr2.pulse_at_least, VITAL_PULSE, 20, 300, "111"),
	CONFIRM("HR2", RULE_HR2, "15"),
	PERSIST("HR2", RULE_HR2, "30"),
	MARGIN("HR2", RULE_HR2, 30, "5"),

	ENABLED("HR3", RULE_HR3),
	LIMIT("HR3", "pulse_above", hr3.pulse_above, VITAL_PULSE, 20, 300, "100"),
	NUMBER("HR3", "apart_at_least_min", hr3.apart_at_least_min, 1, 1440, "15"),
	NUMBER("HR3", "apart_at_most_min", hr3.apart_at_most_min, 1, 10080, "240"),
	MARGIN("HR3", RULE_HR3, 30, "5"),

	ENABLED("T1", RULE_T1),
	LIMIT10("T1", "temperature_above", t1.temperature_above, VITAL_TEMPERATURE, 25, 45, "39.0"),
	CONFIRM("T1", RULE_T1, "15"),
	MARGIN10("T1", RULE_T1, 2, "0.2"),

	ENABLED("T2", RULE_T2),
	LIMIT10("T2", "single_at_least", t2.single_at_least, VITAL_TEMPERATURE, 25, 45, "37.8"),
	LIMIT10("T2", "repeated_at_least", t2.repeated_at_least, VITAL_TEMPERATURE, 25, 45, "37.2"),
	NUMBER("T2", "repeat_within_h", t2.repeat_within_h, 1, 168, "24"),
	LIMIT10("T2", "rise_at_least", t2.rise_at_least, VITAL_NONE, 0.1, 5, "1.1"),
	NUMBER("T2", "baseline_days", t2.baseline_days, 1, 30, "7"),
	NUMBER("T2", "baseline_min_readings", t2.baseline_min_readings, 1, RULES_BASELINE_MAX, "3"),
	MARGIN10("T2", RULE_T2, 2, "0.2"),

	ENABLED("T4", RULE_T4),
	LIMIT10("T4", "temperature_at_most", t4.temperature_at_most, VITAL_TEMPERATURE, 25, 45,
		"35.0"),
	CONFIRM("T4", RULE_T4, "15"),
	MARGIN10("T4", RULE_T4, 2, "0.2"),

	ENABLED("RR1", RULE_RR1),
	LIMIT("RR1", "respiration_at_most", rr1.respiration_at_most, VITAL_RESPIRATION, 0, 120,
	      "8"),
	LIMIT("RR1", "respiration_at_least", rr1.respiration_at_least, VITAL_RESPIRATION, 0, 120,
	      "25"),
	CONFIRM("RR1", RULE_RR1, "15"),
	PERSIST("RR1", RULE_RR1, "300"),
	MARGIN("RR1", RULE_RR1, 10, "2"),

	ENABLED("RR2", RULE_RR2),
	LIMIT("RR2", "respiration_at_least", rr2.respiration_at_least, VITAL_RESPIRATION, 0, 120,
	      "21"),
	CONFIRM("RR2", RULE_RR2, "15"),
	PERSIST("RR2", RULE_RR2, "300"),
	MARGIN("RR2", RULE_RR2, 10, "2"),

	ENABLED("BED1", RULE_BED1),
	CLOCK("BED1", "night_start", bed1.night_start, "22:00"),
	CLOCK("BED1", "night_end", bed1.night_end, "06:00"),
	LIMIT("BED1", "no_return_min", bed1.no_return_min, VITAL_NONE, 1, 240, "20"),

	NUMBER("ADH1", "grace_min", adh1.grace_min, 1, 1440, "120"),

	NUMBER("ADH2", "family_after_missed", adh2.family_after_missed, 1, 10, "2"),
	NUMBER("ADH2", "doctor_after_days", adh2.doctor_after_days, 1, 30, "3"),
	NUMBER("ADH2", "doctor_below_percent", adh2.doctor_below_percent, 1, 100, "50"),

	ENABLED("TECH1", RULE_TECH1),
	LIMIT("TECH1", "silence_min", tech1.silence_min, VITAL_NONE, 1, 1440, "30"),

	NUMBER("VISIT1", "grace_min", visit1.grace_min, 1, 480, "30"),

	PROMPT(PROMPT_BP_CONFIRM, "bp_confirm", "请静坐五分钟后再测一次血压"),
	PROMPT(PROMPT_GLUCOSE_CONFIRM, "glucose_confirm", "请洗手后再测一次血糖"),
	PROMPT(PROMPT_SPO2_CONFIRM, "spo2_confirm", "请暖手，安静休息一分钟后再测一次血氧"),
	PROMPT(PROMPT_TEMPERATURE_CONFIRM, "temperature_confirm", "请稍后再测一次体温"),
	PROMPT(PROMPT_HYPO_TREAT, "hypo_treat", "请立即吃糖或喝甜饮料，15分钟后再测一次血糖"),
	PROMPT(PROMPT_ALERT_CRITICAL, "alert_critical", "测量结果危急，已通知医生和家属"),
	PROMPT(PROMPT_SYMPTOMS_CALL_120, "symptoms_call_120",
	       "如有胸痛、呼吸困难或意识不清，请立即拨打120"),
	PROMPT(PROMPT_CALL_RECEIVED, "call_received", "已收到您的呼叫，正在通知医生"),
	PROMPT(PROMPT_CALL_CANCELLED, "call_cancelled", "呼叫已取消"),
	PROMPT(PROMPT_MONITORING_PAUSED, "monitoring_paused",
	       "设备未连接，监测已暂停，报警暂时无效"),
	PROMPT(PROMPT_MONITORING_RESUMED, "monitoring_resumed", "设备已恢复连接，监测继续"),
};

static void whyf(char *why, size_t size, const char *format, ...) _printf_(3, 4);
static void whyf(char *why, size_t size, const char *format, ...)
{
	va_list ap;

	if (!why || size == 0)
		return;
	va_start(ap, format);
	vsnprintf(why, size, format, ap);
	va_end(ap);
}

static bool bounded(const struct config_item *item)
{
	return item->min != 0 || item->max != 0;
}

/* "16.7" → 167: exact, so "≥ 16.7" compares integers, never binary fractions. */
static int parse_tenths(const char *value, void *field, const struct config_item *item, char *why,
			size_t why_size)
{
	const char *p = value;
	bool negative = false;
	long long v = 0;
	int digits = 0;

	if (*p == '-' || *p == '+')
		negative = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++digits > 9)
			goto bad;
		v = v * 10 + (*p - '0');
	}
	if (digits == 0)
		goto bad;
	v *= 10;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			goto bad;
		v += *p++ - '0';
	}
	if (*p != '\0')
		goto bad;
	if (negative)
		v = -v;
	if (bounded(item) && (v < llround(item->min * 10) || v > llround(item->max * 10))) {
		whyf(why, why_size, "must be %.1f..%.1f", item->min, item->max);
		return -ERANGE;
	}
	*(long long *)field = v;
	return 0;
bad:
	whyf(why, why_size, "expected a number with at most one decimal place");
	return -EINVAL;
}

/* "22:00" → 1320 minutes after midnight. */
static int parse_clock(const char *value, void *field, const struct config_item *item, char *why,
		       size_t why_size)
{
	const char *p = value;
	int h, m;

	(void)item;
	for (int i = 0; i < 5; i++)
		if (i == 2 ? p[i] != ':' : (p[i] < '0' || p[i] > '9'))
			goto bad;
	if (p[5] != '\0')
		goto bad;
	h = (p[0] - '0') * 10 + (p[1] - '0');
	m = (p[3] - '0') * 10 + (p[4] - '0');
	if (h > 23 || m > 59)
		goto bad;
	*(long long *)field = h * 60 + m;
	return 0;
bad:
	whyf(why, why_size, "expected a local time HH:MM, 00:00..23:59");
	return -EINVAL;
}

static config_parse_fn key_parser(enum key_type t)
{
	switch (t) {
	case KEY_INT:
		return config_parse_int;
	case KEY_TENTHS:
		return parse_tenths;
	case KEY_BOOL:
		return config_parse_bool;
	case KEY_CLOCK:
		return parse_clock;
	case KEY_TEXT:
		return config_parse_string;
	default:
		return NULL;
	}
}

static struct config_item key_item(const struct rules_key *k)
{
	return (struct config_item){
		.section = k->section,
		.key = k->key,
		.parse = key_parser(k->type),
		.offset = k->offset,
		.size = k->size,
		.min = k->min,
		.max = k->max,
	};
}

static const struct rules_key *find_key(const char *section, const char *key, bool *known_section)
{
	*known_section = false;
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		if (strcmp(keys[i].section, section) != 0)
			continue;
		*known_section = true;
		if (strcmp(keys[i].key, key) == 0)
			return &keys[i];
	}
	return NULL;
}

static long long key_number(const struct rules_config *c, const struct rules_key *k)
{
	const char *field = (const char *)c + k->offset;

	if (k->type == KEY_BOOL)
		return *(const bool *)field;
	return *(const long long *)field;
}

/* Writes a scaled value of @type as the file would ("16.7", "22:00", "180"). */
static int format_number(enum key_type type, long long v, char *buf, size_t size)
{
	int n;

	switch (type) {
	case KEY_TENTHS:
		n = snprintf(buf, size, "%s%lld.%lld", v < 0 ? "-" : "", llabs(v) / 10,
			     llabs(v) % 10);
		break;
	case KEY_CLOCK:
		n = snprintf(buf, size, "%02lld:%02lld", v / 60, v % 60);
		break;
	case KEY_BOOL:
		n = snprintf(buf, size, "%s", v ? "yes" : "no");
		break;
	default:
		n = snprintf(buf, size, "%lld", v);
		break;
	}
	return n < 0 || (size_t)n >= size ? -ENOBUFS : 0;
}

bool rules_config_key(size_t i, const char **section, const char **key)
{
	if (i >= ELEMENTSOF(keys))
		return false;
	if (section)
		*section = keys[i].section;
	if (key)
		*key = keys[i].key;
	return true;
}

int rules_config_get(const struct rules_config *c, const char *section, const char *key,
		     char *value, size_t value_size)
{
	const struct rules_key *k;
	bool known;
	int n;

	if (!c || !section || !key || !value || value_size == 0)
		return -EINVAL;
	k = find_key(section, key, &known);
	if (!k)
		return -ENOENT;
	if (k->type != KEY_TEXT)
		return format_number(k->type, key_number(c, k), value, value_size);
	n = snprintf(value, value_size, "%s", (const char *)c + k->offset);
	return (size_t)n >= value_size ? -ENOBUFS : 0;
}

int rules_config_get_number(const struct rules_config *c, const char *section, const char *key,
			    double *ret)
{
	const struct rules_key *k;
	bool known;

	if (!c || !section || !key || !ret)
		return -EINVAL;
	k = find_key(section, key, &known);
	if (!k)
		return -ENOENT;
	if (k->type == KEY_TEXT)
		return -EINVAL;
	*ret = (double)key_number(c, k) / (k->type == KEY_TENTHS ? 10.0 : 1.0);
	return 0;
}

size_t rules_config_thresholds(const struct rules_config *c, enum rule_id rule, struct threshold *t,
			       size_t max)
{
	const char *section = rule_id_to_string(rule);
	size_t n = 0;

	for (size_t i = 0; section && i < ELEMENTSOF(keys) && n < max; i++) {
		const struct rules_key *k = &keys[i];

		if (!k->cited || strcmp(k->section, section) != 0)
			continue;
		snprintf(t[n].name, sizeof(t[n].name), "%s", k->key);
		t[n].value = (double)key_number(c, k) / (k->type == KEY_TENTHS ? 10.0 : 1.0);
		n++;
	}
	return n;
}

int rules_config_set(struct rules_config *c, const char *section, const char *key,
		     const char *value, char *why, size_t why_size)
{
	const struct rules_key *k;
	struct config_item item;
	char reason[256] = "";
	bool known;
	int r;

	if (!c || !section || !key || !value) {
		whyf(why, why_size, "missing section, key or value");
		return -EINVAL;
	}
	k = find_key(section, key, &known);
	if (!k) {
		if (known)
			whyf(why, why_size, "[%.40s] %.60s: unknown key", section, key);
		else
			whyf(why, why_size, "[%.40s]: unknown section", section);
		return -EINVAL;
	}
	item = key_item(k);
	r = item.parse(value, (char *)c + k->offset, &item, reason, sizeof(reason));
	if (r < 0) {
		whyf(why, why_size, "[%s] %s: '%.80s': %s", section, key, value,
		     reason[0] ? reason : "invalid value");
		return -EINVAL;
	}
	return 0;
}

int rules_config_new(struct rules_config **ret)
{
	struct rules_config *c;
	char why[256];
	int r = 0;

	if (!ret)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(keys) && r >= 0; i++)
		r = rules_config_set(c, keys[i].section, keys[i].key, keys[i].def, why,
				     sizeof(why));
	/* A default outside its own bounds is a programming error. */
	assert(r == 0);
	if (r < 0) {
		free(c);
		return r;
	}
	*ret = c;
	return 0;
}

struct rules_config *rules_config_free(struct rules_config *c)
{
	free(c);
	return NULL;
}

int rules_config_copy(const struct rules_config *c, struct rules_config **ret)
{
	struct rules_config *copy;

	if (!c || !ret)
		return -EINVAL;
	copy = malloc(sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	*copy = *c;
	*ret = copy;
	return 0;
}

/* The range [plausibility] gives a vital sign, and the names of its two keys. */
static void plausible_range(const struct rules_config *c, enum vital v, long long *min,
			    long long *max, const char **name, enum key_type *type)
{
	const struct rules_plausibility *p = &c->plausibility;

	*type = KEY_INT;
	switch (v) {
	case VITAL_SYSTOLIC:
		*min = p->systolic_min, *max = p->systolic_max, *name = "systolic";
		break;
	case VITAL_DIASTOLIC:
		*min = p->diastolic_min, *max = p->diastolic_max, *name = "diastolic";
		break;
	case VITAL_PULSE:
		*min = p->pulse_min, *max = p->pulse_max, *name = "pulse";
		break;
	case VITAL_SPO2:
		*min = p->spo2_min, *max = p->spo2_max, *name = "spo2";
		break;
	case VITAL_GLUCOSE:
		*min = p->glucose_min, *max = p->glucose_max, *name = "glucose";
		*type = KEY_TENTHS;
		break;
	case VITAL_TEMPERATURE:
		*min = p->temperature_min, *max = p->temperature_max, *name = "temperature";
		*type = KEY_TENTHS;
		break;
	case VITAL_RESPIRATION:
		*min = p->respiration_min, *max = p->respiration_max, *name = "respiration";
		break;
	default:
		*min = 0, *max = 0, *name = "";
		break;
	}
}

struct failure {
	const char *section;
	const char *key;
	char *why;
	size_t why_size;
};

static int fail(struct failure *f, const char *section, const char *key, const char *format, ...)
	_printf_(4, 5);
static int fail(struct failure *f, const char *section, const char *key, const char *format, ...)
{
	va_list ap;

	f->section = section;
	f->key = key;
	if (f->why && f->why_size) {
		va_start(ap, format);
		vsnprintf(f->why, f->why_size, format, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Every limit must lie where a plausible reading can reach it. */
static int validate_limits(const struct rules_config *c, struct failure *f)
{
	for (enum vital v = VITAL_NONE + 1; v < _VITAL_MAX; v++) {
		long long min, max;
		const char *name;
		enum key_type type;
		char a[32], b[32];

		plausible_range(c, v, &min, &max, &name, &type);
		format_number(type, min, a, sizeof(a));
		format_number(type, max, b, sizeof(b));
		if (min >= max)
			return fail(f, "plausibility", name,
				    "%s_min (%s) must be below %s_max (%s)", name, a, name, b);
	}
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		const struct rules_key *k = &keys[i];
		long long v, min, max;
		const char *name;
		enum key_type type;
		char s[32], a[32], b[32];

		if (k->vital == VITAL_NONE)
			continue;
		v = key_number(c, k);
		plausible_range(c, k->vital, &min, &max, &name, &type);
		if (v >= min && v <= max)
			continue;
		format_number(k->type, v, s, sizeof(s));
		format_number(type, min, a, sizeof(a));
		format_number(type, max, b, sizeof(b));
		return fail(f, k->section, k->key,
			    "%s is outside the plausible %s range %s..%s ([plausibility]), so the "
			    "rule could never fire",
			    s, name, a, b);
	}
	return 0;
}

/* Bands that share a boundary must stay in order, or values fall between rules. */
static int validate_bands(const struct rules_config *c, struct failure *f)
{
	if (c->bp5.systolic_below_p1 > c->bp5.systolic_below)
		return fail(f, "BP5", "systolic_below_p1",
			    "%lld must not be above systolic_below (%lld)",
			    c->bp5.systolic_below_p1, c->bp5.systolic_below);
	if (c->bp5.systolic_below >= c->bp1.systolic_at_least)
		return fail(f, "BP5", "systolic_below",
			    "%lld must be below [BP1] systolic_at_least (%lld)",
			    c->bp5.systolic_below, c->bp1.systolic_at_least);
	if (c->bp5.diastolic_below >= c->bp1.diastolic_at_least)
		return fail(f, "BP5", "diastolic_below",
			    "%lld must be below [BP1] diastolic_at_least (%lld)",
			    c->bp5.diastolic_below, c->bp1.diastolic_at_least);
	if (c->bg4.glucose_below >= c->bg3.glucose_below)
		return fail(f, "BG3", "glucose_below",
			    "%lld.%lld must be above [BG4] glucose_below (%lld.%lld)",
			    c->bg3.glucose_below / 10, c->bg3.glucose_below % 10,
			    c->bg4.glucose_below / 10, c->bg4.glucose_below % 10);
	if (c->ox1.spo2_at_most >= c->ox2.spo2_at_most)
		return fail(f, "OX2", "spo2_at_most",
			    "%lld must be above [OX1] spo2_at_most (%lld)", c->ox2.spo2_at_most,
			    c->ox1.spo2_at_most);
	if (c->ox4.spo2_at_most_p1 >= c->ox4.spo2_below)
		return fail(f, "OX4", "spo2_at_most_p1", "%lld must be below spo2_below (%lld)",
			    c->ox4.spo2_at_most_p1, c->ox4.spo2_below);
	if (c->hr2.pulse_at_most <= c->hr1.pulse_at_most)
		return fail(f, "HR2", "pulse_at_most",
			    "%lld must be above [HR1] pulse_at_most (%lld)", c->hr2.pulse_at_most,
			    c->hr1.pulse_at_most);
	if (c->hr2.pulse_at_least >= c->hr1.pulse_at_least)
		return fail(f, "HR2", "pulse_at_least",
			    "%lld must be below [HR1] pulse_at_least (%lld)", c->hr2.pulse_at_least,
			    c->hr1.pulse_at_least);
	if (c->hr2.pulse_at_least <= c->hr2.pulse_at_most)
		return fail(f, "HR2", "pulse_at_least", "%lld must be above pulse_at_most (%lld)",
			    c->hr2.pulse_at_least, c->hr2.pulse_at_most);
	if (c->rr2.respiration_at_least <= c->rr1.respiration_at_most ||
	    c->rr2.respiration_at_least >= c->rr1.respiration_at_least)
		return fail(f, "RR2", "respiration_at_least",
			    "%lld must lie between [RR1] respiration_at_most (%lld) and "
			    "respiration_at_least (%lld)",
			    c->rr2.respiration_at_least, c->rr1.respiration_at_most,
			    c->rr1.respiration_at_least);
	if (c->t2.repeated_at_least > c->t2.single_at_least)
		return fail(f, "T2", "repeated_at_least", "must not be above single_at_least");
	if (c->t4.temperature_at_most >= c->t2.repeated_at_least)
		return fail(f, "T4", "temperature_at_most", "must be below [T2] repeated_at_least");
	if (c->hr3.apart_at_least_min >= c->hr3.apart_at_most_min)
		return fail(f, "HR3", "apart_at_most_min",
			    "%lld must be above apart_at_least_min (%lld)",
			    c->hr3.apart_at_most_min, c->hr3.apart_at_least_min);
	if (c->bed1.night_start == c->bed1.night_end)
		return fail(f, "BED1", "night_end", "must differ from night_start");
	return 0;
}

/* A clear margin must leave some value that clears the alert. */
static int validate_margins(const struct rules_config *c, struct failure *f)
{
	static const char why[] = "%lld leaves no value that is inside both limits by the margin";
	const struct rule_settings *s = c->rule;

	if (c->hr1.pulse_at_most + 2 * s[RULE_HR1].clear_margin + 2 > c->hr1.pulse_at_least)
		return fail(f, "HR1", "clear_margin", why, s[RULE_HR1].clear_margin);
	if (c->hr2.pulse_at_most + 2 * s[RULE_HR2].clear_margin + 2 > c->hr2.pulse_at_least)
		return fail(f, "HR2", "clear_margin", why, s[RULE_HR2].clear_margin);
	if (c->rr1.respiration_at_most + 2 * s[RULE_RR1].clear_margin + 2 >
	    c->rr1.respiration_at_least)
		return fail(f, "RR1", "clear_margin", why, s[RULE_RR1].clear_margin);
	if (c->ox1.spo2_at_most + s[RULE_OX1].clear_margin + 1 > c->plausibility.spo2_max)
		return fail(f, "OX1", "clear_margin", "%lld leaves no plausible SpO2 that clears",
			    s[RULE_OX1].clear_margin);
	if (c->ox2.spo2_at_most + s[RULE_OX2].clear_margin + 1 > c->plausibility.spo2_max)
		return fail(f, "OX2", "clear_margin", "%lld leaves no plausible SpO2 that clears",
			    s[RULE_OX2].clear_margin);
	if (c->ox4.spo2_below + s[RULE_OX4].clear_margin > c->plausibility.spo2_max)
		return fail(f, "OX4", "clear_margin", "%lld leaves no plausible SpO2 that clears",
			    s[RULE_OX4].clear_margin);
	return 0;
}

static int validate(const struct rules_config *c, struct failure *f)
{
	int r = validate_limits(c, f);

	if (r >= 0)
		r = validate_bands(c, f);
	if (r >= 0)
		r = validate_margins(c, f);
	return r;
}

int rules_config_validate(const struct rules_config *c, char *why, size_t why_size)
{
	char reason[256] = "";
	struct failure f = { .why = reason, .why_size = sizeof(reason) };
	int r;

	if (!c)
		return -EINVAL;
	r = validate(c, &f);
	if (r < 0)
		whyf(why, why_size, "[%s] %s: %s", f.section, f.key, reason);
	return r;
}

static void *on_section(void *userdata, const char *section, char *why, size_t why_size)
{
	(void)section, (void)why, (void)why_size;
	return userdata;
}

/* Reads the file or text into @copy and checks the result as a whole. */
static int load_into(struct rules_config *copy, struct config_item *items, const char *path,
		     const char *text, const char *name, struct config_error *err)
{
	struct config_table table = { items, ELEMENTSOF(keys), on_section };
	char reason[256] = "";
	struct failure f = { .why = reason, .why_size = sizeof(reason) };
	int r;

	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		items[i] = key_item(&keys[i]);
	r = text ? config_load_string(text, name, &table, copy, err)
		 : config_load(path, &table, copy, err);
	if (r < 0)
		return r;
	r = validate(copy, &f);
	if (r < 0) {
		snprintf(err->file, sizeof(err->file), "%s", text ? name : path);
		err->line = 0;
		snprintf(err->section, sizeof(err->section), "%s", f.section);
		snprintf(err->key, sizeof(err->key), "%s", f.key);
		snprintf(err->message, sizeof(err->message), "%s: [%s] %s: %s", err->file,
			 f.section, f.key, reason);
		return r;
	}
	return 0;
}

/* Parses into a copy, so a file with a mistake leaves @c as it was. */
static int load(struct rules_config *c, const char *path, const char *text, const char *name,
		struct config_error *err)
{
	struct config_item *items = calloc(ELEMENTSOF(keys), sizeof(*items));
	struct rules_config *copy = NULL;
	struct config_error ignored;
	int r;

	if (!err)
		err = &ignored;
	memset(err, 0, sizeof(*err));
	r = items ? rules_config_copy(c, &copy) : -ENOMEM;
	if (r >= 0)
		r = load_into(copy, items, path, text, name, err);
	if (r >= 0)
		*c = *copy;
	free(copy);
	free(items);
	return r;
}

int rules_config_load(struct rules_config *c, const char *path, struct config_error *err)
{
	if (!c || !path)
		return -EINVAL;
	return load(c, path, NULL, NULL, err);
}

int rules_config_load_string(struct rules_config *c, const char *text, const char *name,
			     struct config_error *err)
{
	if (!c || !text)
		return -EINVAL;
	return load(c, NULL, text, name ? name : "(string)", err);
}
