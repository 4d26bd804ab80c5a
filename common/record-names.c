// SPDX-License-Identifier: MIT
/*
 * The names the wire protocol uses for every enum of the record model, and
 * the canonical unit, accepted range and rounding of every quantity. These
 * tables are the protocol: docs/protocol.md repeats them.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "macro.h"
#include "record.h"

static int lookup(const char *const *names, size_t n, const char *s)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

#define NAME_TABLE(type, prefix, max, ...)                                       \
	static const char *const prefix##_names[max] = { __VA_ARGS__ };          \
	const char *prefix##_to_string(type v)                                   \
	{                                                                        \
		return (unsigned)v < (unsigned)(max) ? prefix##_names[v] : NULL; \
	}                                                                        \
	int prefix##_from_string(const char *s)                                  \
	{                                                                        \
		return lookup(prefix##_names, (size_t)(max), s);                 \
	}

NAME_TABLE(enum record_kind, record_kind, _RECORD_KIND_MAX, [RECORD_READING] = "reading",
	   [RECORD_ALERT] = "alert", [RECORD_EVENT] = "event", [RECORD_STATUS] = "status")

NAME_TABLE(enum measurement, measurement,
	   _MEASUREMENT_MAX, [MEASUREMENT_BLOOD_PRESSURE] = "blood_pressure",
	   [MEASUREMENT_GLUCOSE] = "glucose", [MEASUREMENT_PULSE_OXIMETRY] = "pulse_oximetry",
	   [MEASUREMENT_BODY_TEMPERATURE] = "body_temperature",
	   [MEASUREMENT_BODY_WEIGHT] = "body_weight", [MEASUREMENT_BEDSIDE] = "bedside")

NAME_TABLE(enum reading_mode, reading_mode, _READING_MODE_MAX, [READING_MODE_SPOT] = "spot",
	   [READING_MODE_CONTINUOUS] = "continuous", [READING_MODE_STORED] = "stored")

NAME_TABLE(
	enum reading_flag, reading_flag, _READING_FLAG_MAX,
	[READING_FLAG_BODY_MOVEMENT] = "body_movement", [READING_FLAG_CUFF_LOOSE] = "cuff_loose",
	[READING_FLAG_IRREGULAR_PULSE] = "irregular_pulse",
	[READING_FLAG_PULSE_ABOVE_RANGE] = "pulse_above_range",
	[READING_FLAG_PULSE_BELOW_RANGE] = "pulse_below_range",
	[READING_FLAG_IMPROPER_POSITION] = "improper_position",
	[READING_FLAG_BATTERY_LOW] = "battery_low",
	[READING_FLAG_SENSOR_MALFUNCTION] = "sensor_malfunction",
	[READING_FLAG_SAMPLE_SIZE_INSUFFICIENT] = "sample_size_insufficient",
	[READING_FLAG_STRIP_INSERTION_ERROR] = "strip_insertion_error",
	[READING_FLAG_STRIP_TYPE_INCORRECT] = "strip_type_incorrect",
	[READING_FLAG_RESULT_TOO_HIGH] = "result_too_high",
	[READING_FLAG_RESULT_TOO_LOW] = "result_too_low",
	[READING_FLAG_TEMPERATURE_TOO_HIGH] = "temperature_too_high",
	[READING_FLAG_TEMPERATURE_TOO_LOW] = "temperature_too_low",
	[READING_FLAG_READ_INTERRUPTED] = "read_interrupted",
	[READING_FLAG_DEVICE_FAULT] = "device_fault",
	[READING_FLAG_MEASUREMENT_ONGOING] = "measurement_ongoing",
	[READING_FLAG_EARLY_ESTIMATE] = "early_estimate",
	[READING_FLAG_QUESTIONABLE] = "questionable", [READING_FLAG_INVALID] = "invalid",
	[READING_FLAG_DEMO_DATA] = "demo_data", [READING_FLAG_TEST_DATA] = "test_data",
	[READING_FLAG_LOW_PERFUSION] = "low_perfusion", [READING_FLAG_POOR_SIGNAL] = "poor_signal",
	[READING_FLAG_SENSOR_DISPLACED] = "sensor_displaced",
	[READING_FLAG_DEVICE_CLOCK_UNSET] = "device_clock_unset",
	[READING_FLAG_GATEWAY_CLOCK_UNSYNC] = "gateway_clock_unsync",
	[READING_FLAG_CONTROL_SOLUTION] = "control_solution")

NAME_TABLE(enum meal, meal, _MEAL_MAX, [MEAL_NONE] = NULL, [MEAL_PREPRANDIAL] = "preprandial",
	   [MEAL_POSTPRANDIAL] = "postprandial", [MEAL_FASTING] = "fasting",
	   [MEAL_CASUAL] = "casual", [MEAL_BEDTIME] = "bedtime")

NAME_TABLE(enum severity, severity, _SEVERITY_MAX, [SEVERITY_P1] = "P1", [SEVERITY_P2] = "P2",
	   [SEVERITY_P3] = "P3", [SEVERITY_P4] = "P4")

NAME_TABLE(enum alert_state, alert_state,
	   _ALERT_STATE_MAX, [ALERT_RAISED] = "raised", [ALERT_UPDATED] = "updated",
	   [ALERT_CLEARED] = "cleared", [ALERT_CANCELLED] = "cancelled")

NAME_TABLE(enum confirmation, confirmation, _CONFIRMATION_MAX,
	   [CONFIRMATION_NOT_REQUIRED] = "not_required", [CONFIRMATION_PENDING] = "pending",
	   [CONFIRMATION_CONFIRMED] = "confirmed", [CONFIRMATION_SKIPPED] = "skipped")

NAME_TABLE(
	enum event_type, event_type, _EVENT_TYPE_MAX, [EVENT_CALL] = "call",
	[EVENT_CALL_CANCELLED] = "call_cancelled", [EVENT_VISIT_START] = "visit_start",
	[EVENT_VISIT_END] = "visit_end", [EVENT_DEVICE_CONNECTED] = "device_connected",
	[EVENT_DEVICE_DISCONNECTED] = "device_disconnected", [EVENT_DEVICE_ERROR] = "device_error",
	[EVENT_NOTICE_ANNOUNCED] = "notice_announced", [EVENT_CONFIG_APPLIED] = "config_applied",
	[EVENT_STORAGE_ERROR] = "storage_error", [EVENT_GATEWAY_STARTED] = "gateway_started")

NAME_TABLE(enum gateway_state, gateway_state,
	   _GATEWAY_STATE_MAX, [GATEWAY_ONLINE] = "online", [GATEWAY_OFFLINE] = "offline")

/*
 * Canonical unit, accepted range and decimals per quantity. The ranges are
 * what a home device can report at all (a cuff monitor reads 0..300 mmHg, a
 * meter 0..60 mmol/L); a value outside is a device error, not a reading.
 * They are protocol limits, not alert thresholds. The decimals are the
 * resolution clinical-defaults.md §0 compares at (whole mmHg, 0.1 mmol/L,
 * whole %, 0.1 degrees C, whole /min), so a threshold such as glucose >= 16.7
 * sees 300 mg/dL as 16.7 and not 16.67. A quantity with 0 decimals must be a
 * whole number on the wire.
 */
static const struct {
	const char *name;
	const char *unit;
	double min, max;
	int decimals;
} quantities[_QUANTITY_MAX] = {
	[QUANTITY_SYSTOLIC] = { "systolic", "mmHg", 0, 300, 0 },
	[QUANTITY_DIASTOLIC] = { "diastolic", "mmHg", 0, 300, 0 },
	[QUANTITY_MEAN_ARTERIAL] = { "mean_arterial", "mmHg", 0, 300, 0 },
	[QUANTITY_PULSE_RATE] = { "pulse_rate", "/min", 0, 300, 0 },
	[QUANTITY_HEART_RATE] = { "heart_rate", "/min", 0, 300, 0 },
	[QUANTITY_GLUCOSE] = { "glucose", "mmol/L", 0, 60, 1 },
	[QUANTITY_SPO2] = { "spo2", "%", 0, 100, 0 },
	[QUANTITY_PERFUSION_INDEX] = { "perfusion_index", "%", 0, 100, 2 },
	[QUANTITY_BODY_TEMPERATURE] = { "body_temperature", "C", 25, 45, 1 },
	[QUANTITY_WEIGHT] = { "weight", "kg", 0, 500, 3 },
	[QUANTITY_HEIGHT] = { "height", "m", 0, 3, 3 },
	[QUANTITY_BMI] = { "bmi", "kg/m2", 0, 200, 1 },
	[QUANTITY_RESPIRATION_RATE] = { "respiration_rate", "/min", 0, 120, 0 },
	[QUANTITY_BED_OCCUPANCY] = { "bed_occupancy", "1", 0, 1, 0 },
	[QUANTITY_ROOM_TEMPERATURE] = { "room_temperature", "C", -40, 80, 1 },
	[QUANTITY_ROOM_HUMIDITY] = { "room_humidity", "%", 0, 100, 1 },
	[QUANTITY_OXYGEN_FLOW] = { "oxygen_flow", "L/min", 0, 20, 2 },
	[QUANTITY_OXYGEN_PURITY] = { "oxygen_purity", "%", 0, 100, 1 },
	[QUANTITY_DEVICE_FAULT] = { "device_fault", "1", 0, 65535, 0 },
};

const char *quantity_to_string(enum quantity q)
{
	return (unsigned)q < _QUANTITY_MAX ? quantities[q].name : NULL;
}

int quantity_from_string(const char *s)
{
	for (size_t i = 0; s && i < _QUANTITY_MAX; i++)
		if (strcmp(quantities[i].name, s) == 0)
			return (int)i;
	return -EINVAL;
}

const char *quantity_unit(enum quantity q)
{
	return (unsigned)q < _QUANTITY_MAX ? quantities[q].unit : NULL;
}

void quantity_range(enum quantity q, double *min, double *max)
{
	*min = quantities[q].min;
	*max = quantities[q].max;
}

int quantity_decimals(enum quantity q)
{
	return quantities[q].decimals;
}

double round_to(double v, int decimals)
{
	double scale = pow(10.0, decimals);

	return round(v * scale) / scale;
}
