// SPDX-License-Identifier: MIT
/* Human-readable reading lines. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "reading-text.h"

void format_decimal(double v, int decimals, char *buf, size_t size)
{
	char *dot;
	size_t n;

	snprintf(buf, size, "%.*f", decimals, v);
	dot = strchr(buf, '.');
	if (!dot)
		return;
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, size, "0");
}

struct line {
	char *buf;
	size_t size, len;
	bool cut;
};

static void add(struct line *l, const char *format, ...) _printf_(2, 3);
static void add(struct line *l, const char *format, ...)
{
	va_list ap;
	int k;

	if (l->cut)
		return;
	va_start(ap, format);
	k = vsnprintf(l->buf + l->len, l->size - l->len, format, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= l->size - l->len) {
		l->cut = true;
		l->len = l->size - 1;
		return;
	}
	l->len += (size_t)k;
}

static const char *const labels[_QUANTITY_MAX] = {
	[QUANTITY_SYSTOLIC] = "systolic",
	[QUANTITY_DIASTOLIC] = "diastolic",
	[QUANTITY_MEAN_ARTERIAL] = "mean arterial pressure",
	[QUANTITY_PULSE_RATE] = "pulse",
	[QUANTITY_HEART_RATE] = "heart rate",
	[QUANTITY_GLUCOSE] = "glucose",
	[QUANTITY_SPO2] = "SpO2",
	[QUANTITY_PERFUSION_INDEX] = "perfusion index",
	[QUANTITY_BODY_TEMPERATURE] = "temperature",
	[QUANTITY_WEIGHT] = "weight",
	[QUANTITY_HEIGHT] = "height",
	[QUANTITY_BMI] = "BMI",
	[QUANTITY_RESPIRATION_RATE] = "respiration",
	[QUANTITY_BED_OCCUPANCY] = "in bed",
	[QUANTITY_ROOM_TEMPERATURE] = "room temperature",
	[QUANTITY_ROOM_HUMIDITY] = "room humidity",
	[QUANTITY_OXYGEN_FLOW] = "oxygen flow",
	[QUANTITY_OXYGEN_PURITY] = "oxygen purity",
	[QUANTITY_DEVICE_FAULT] = "device fault code",
};

static const char *const titles[_MEASUREMENT_MAX] = {
	[MEASUREMENT_BLOOD_PRESSURE] = "Blood pressure",
	[MEASUREMENT_GLUCOSE] = "Blood glucose",
	[MEASUREMENT_PULSE_OXIMETRY] = "Pulse oximetry",
	[MEASUREMENT_BODY_TEMPERATURE] = "Body temperature",
	[MEASUREMENT_BODY_WEIGHT] = "Body weight",
	[MEASUREMENT_BEDSIDE] = "Bedside",
};

static void add_value(struct line *l, const struct reading_value *v, bool label)
{
	char num[32];
	const char *unit = quantity_unit(v->quantity);

	format_decimal(v->value, quantity_decimals(v->quantity), num, sizeof(num));
	if (strcmp(unit, "C") == 0)
		unit = "°C";
	if (label)
		add(l, "%s ", labels[v->quantity]);
	add(l, "%s%s%s", num, unit[0] == '/' || unit[0] == '%' ? "" : " ",
	    strcmp(unit, "1") == 0 ? "" : unit);
	/* Show what the device's own screen shows when its unit differs. */
	if (strcmp(v->raw_unit, "mol/L") == 0) {
		/* mol/L is mmol/L scaled: the meter's screen shows the canonical number. */
	} else if (strcmp(v->raw_unit, quantity_unit(v->quantity)) != 0 &&
		   strcmp(unit, "°C") != 0) {
		if (strcmp(v->raw_unit, "kg/L") == 0) {
			format_decimal(v->raw * 100000.0, 0, num, sizeof(num));
			add(l, " (%s mg/dL)", num);
		} else {
			format_decimal(v->raw, 3, num, sizeof(num));
			add(l, " (%s %s)", num, v->raw_unit);
		}
	} else if (strcmp(v->raw_unit, "F") == 0) {
		format_decimal(v->raw, 1, num, sizeof(num));
		add(l, " (%s °F)", num);
	}
}

int reading_to_text(const struct reading *rd, char *buf, size_t size)
{
	const struct reading_value *sys = reading_get_value(rd, QUANTITY_SYSTOLIC);
	const struct reading_value *dia = reading_get_value(rd, QUANTITY_DIASTOLIC);
	struct line l = { .buf = buf, .size = size };
	bool first = true;

	if (size == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	add(&l, "%s", titles[rd->measurement]);
	if (rd->measurement == MEASUREMENT_BLOOD_PRESSURE && sys && dia) {
		char s[16], d[16];

		format_decimal(sys->value, 0, s, sizeof(s));
		format_decimal(dia->value, 0, d, sizeof(d));
		add(&l, " %s/%s mmHg", s, d);
		if (strcmp(sys->raw_unit, "mmHg") != 0) {
			format_decimal(sys->raw, 1, s, sizeof(s));
			format_decimal(dia->raw, 1, d, sizeof(d));
			add(&l, " (%s/%s %s)", s, d, sys->raw_unit);
		}
		first = false;
	}
	for (size_t i = 0; i < rd->n_values; i++) {
		const struct reading_value *v = &rd->values[i];
		bool headline = (rd->measurement == MEASUREMENT_GLUCOSE &&
				 v->quantity == QUANTITY_GLUCOSE) ||
				(rd->measurement == MEASUREMENT_BODY_TEMPERATURE &&
				 v->quantity == QUANTITY_BODY_TEMPERATURE) ||
				(rd->measurement == MEASUREMENT_BODY_WEIGHT &&
				 v->quantity == QUANTITY_WEIGHT);

		if (v == sys || v == dia)
			continue;
		add(&l, first ? " " : ", ");
		add_value(&l, v, !headline);
		first = false;
	}
	if (rd->meal != MEAL_NONE)
		add(&l, ", %s", meal_to_string(rd->meal));
	if (rd->has_device_time)
		add(&l, ", taken %.10s %s", rd->device_time, rd->device_time + 11);
	for (int f = 0; f < _READING_FLAG_MAX; f++)
		if (rd->flags & UINT64_C(1) << f) {
			const char *name = reading_flag_to_string((enum reading_flag)f);

			add(&l, " [");
			for (const char *p = name; *p; p++)
				add(&l, "%c", *p == '_' ? ' ' : *p);
			add(&l, "]");
		}
	return l.cut ? -ENOBUFS : (int)l.len;
}
