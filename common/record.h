/* SPDX-License-Identifier: MIT */
/*
 * The records of wire protocol v1 (docs/protocol.md is the normative text):
 * reading, alert, event and status, with their JSON encoding. Decoding is
 * strict: an unknown kind or field, a missing or mistyped field, or a value
 * outside its range is an error that names the field. Records are plain
 * structs with bounded arrays, so they need no freeing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECORD_VERSION 1

/* Bounds every outsider-controlled array and string. */
#define RECORD_NAME_MAX       32 /* device names, staff ids, threshold names (bytes, without NUL) */
#define RECORD_TEXT_MAX       200 /* free text: alert and event messages, detail values */
#define RECORD_VALUES_MAX     8
#define RECORD_READINGS_MAX   16 /* readings an alert cites */
#define RECORD_THRESHOLDS_MAX 8
#define RECORD_DETAILS_MAX    8
#define RECORD_DEVICES_MAX    16
#define RECORD_JSON_MAX       8192 /* longest accepted JSON text */
/* Largest integer JSON carries exactly: seq, ts and ids stay at or below it. */
#define RECORD_INT_MAX 9007199254740991LL

enum record_kind {
	RECORD_READING,
	RECORD_ALERT,
	RECORD_EVENT,
	RECORD_STATUS,
	_RECORD_KIND_MAX,
};

/* What a reading value measures; each has one canonical unit and a range. */
enum quantity {
	QUANTITY_SYSTOLIC,
	QUANTITY_DIASTOLIC,
	QUANTITY_MEAN_ARTERIAL,
	QUANTITY_PULSE_RATE,
	QUANTITY_HEART_RATE,
	QUANTITY_GLUCOSE,
	QUANTITY_SPO2,
	QUANTITY_PERFUSION_INDEX,
	QUANTITY_BODY_TEMPERATURE,
	QUANTITY_WEIGHT,
	QUANTITY_HEIGHT,
	QUANTITY_BMI,
	QUANTITY_RESPIRATION_RATE,
	QUANTITY_BED_OCCUPANCY,
	QUANTITY_ROOM_TEMPERATURE,
	QUANTITY_ROOM_HUMIDITY,
	QUANTITY_OXYGEN_FLOW,
	QUANTITY_OXYGEN_PURITY,
	QUANTITY_DEVICE_FAULT,
	_QUANTITY_MAX,
};

/* The kind of measurement a reading is, which says which values it must carry. */
enum measurement {
	MEASUREMENT_BLOOD_PRESSURE,
	MEASUREMENT_GLUCOSE,
	MEASUREMENT_PULSE_OXIMETRY,
	MEASUREMENT_BODY_TEMPERATURE,
	MEASUREMENT_BODY_WEIGHT,
	MEASUREMENT_BEDSIDE,
	_MEASUREMENT_MAX,
};

/* How the reading reached the gateway. */
enum reading_mode {
	READING_MODE_SPOT,       /* one measurement, sent as it was taken */
	READING_MODE_CONTINUOUS, /* a sample from a stream */
	READING_MODE_STORED,     /* fetched from the device's memory later */
	_READING_MODE_MAX,
};

/* Quality and device flags a reading may carry (bit numbers of reading.flags). */
enum reading_flag {
	READING_FLAG_BODY_MOVEMENT,
	READING_FLAG_CUFF_LOOSE,
	READING_FLAG_IRREGULAR_PULSE,
	READING_FLAG_PULSE_ABOVE_RANGE,
	READING_FLAG_PULSE_BELOW_RANGE,
	READING_FLAG_IMPROPER_POSITION,
	READING_FLAG_BATTERY_LOW,
	READING_FLAG_SENSOR_MALFUNCTION,
	READING_FLAG_SAMPLE_SIZE_INSUFFICIENT,
	READING_FLAG_STRIP_INSERTION_ERROR,
	READING_FLAG_STRIP_TYPE_INCORRECT,
	READING_FLAG_RESULT_TOO_HIGH,
	READING_FLAG_RESULT_TOO_LOW,
	READING_FLAG_TEMPERATURE_TOO_HIGH,
	READING_FLAG_TEMPERATURE_TOO_LOW,
	READING_FLAG_READ_INTERRUPTED,
	READING_FLAG_DEVICE_FAULT,
	READING_FLAG_MEASUREMENT_ONGOING,
	READING_FLAG_EARLY_ESTIMATE,
	READING_FLAG_QUESTIONABLE,
	READING_FLAG_INVALID,
	READING_FLAG_DEMO_DATA,
	READING_FLAG_TEST_DATA,
	READING_FLAG_LOW_PERFUSION,
	READING_FLAG_POOR_SIGNAL,
	READING_FLAG_SENSOR_DISPLACED,
	READING_FLAG_DEVICE_CLOCK_UNSET,   /* the device says its clock is not set, or sent an
					      impossible time */
	READING_FLAG_GATEWAY_CLOCK_UNSYNC, /* the gateway's own clock was not synchronised */
	READING_FLAG_CONTROL_SOLUTION,     /* glucose: a control-solution test, not the patient */
	_READING_FLAG_MAX,
};

enum meal {
	MEAL_NONE,
	MEAL_PREPRANDIAL,
	MEAL_POSTPRANDIAL,
	MEAL_FASTING,
	MEAL_CASUAL,
	MEAL_BEDTIME,
	_MEAL_MAX,
};

struct reading_value {
	enum quantity quantity;
	double value;      /* canonical unit (quantity_unit()) */
	double raw;        /* as the device sent it, in raw_unit */
	char raw_unit[12]; /* "mmHg", "kPa", "kg/L", "mol/L", "mg/dL", "%", "/min", "C", "F", "kg",
			      "lb", "m", "in", ... */
};

struct reading {
	char device[RECORD_NAME_MAX + 1];
	enum measurement measurement;
	enum reading_mode mode;
	bool has_device_time;
	char device_time[20]; /* "YYYY-MM-DDTHH:MM:SS", device-local wall clock */
	bool has_device_record;
	uint32_t device_record; /* the device's own record number (glucose sequence) */
	enum meal meal;
	size_t n_values;
	struct reading_value values[RECORD_VALUES_MAX];
	uint64_t flags; /* 1 << enum reading_flag */
};

enum severity {
	SEVERITY_P1,
	SEVERITY_P2,
	SEVERITY_P3,
	SEVERITY_P4,
	_SEVERITY_MAX,
};

enum alert_state {
	ALERT_RAISED,
	ALERT_UPDATED,
	ALERT_CLEARED,
	ALERT_CANCELLED,
	_ALERT_STATE_MAX,
};

enum confirmation {
	CONFIRMATION_NOT_REQUIRED,
	CONFIRMATION_PENDING,
	CONFIRMATION_CONFIRMED,
	CONFIRMATION_SKIPPED, /* symptoms reported or the call button pressed */
	_CONFIRMATION_MAX,
};

struct threshold {
	char name[RECORD_NAME_MAX + 1];
	double value;
};

struct alert {
	uint64_t alert_id; /* gateway-local, stable across the alert's updates */
	char rule[RECORD_NAME_MAX + 1];
	enum severity severity;
	enum alert_state state;
	enum confirmation confirmation;
	size_t n_readings;
	uint64_t readings[RECORD_READINGS_MAX]; /* seq of the readings that raised it */
	size_t n_thresholds;
	struct threshold thresholds[RECORD_THRESHOLDS_MAX];
	char message[RECORD_TEXT_MAX + 1]; /* empty when absent */
};

enum event_type {
	EVENT_CALL,
	EVENT_CALL_CANCELLED,
	EVENT_VISIT_START,
	EVENT_VISIT_END,
	EVENT_DEVICE_CONNECTED,
	EVENT_DEVICE_DISCONNECTED,
	EVENT_DEVICE_ERROR,
	EVENT_NOTICE_ANNOUNCED,
	EVENT_CONFIG_APPLIED,
	EVENT_STORAGE_ERROR,
	EVENT_GATEWAY_STARTED,
	_EVENT_TYPE_MAX,
};

struct event_detail {
	char key[RECORD_NAME_MAX + 1];
	char value[RECORD_TEXT_MAX + 1];
};

struct event {
	enum event_type type;
	char device[RECORD_NAME_MAX + 1]; /* empty when the event concerns no device */
	size_t n_details;
	struct event_detail details[RECORD_DETAILS_MAX];
	char message[RECORD_TEXT_MAX + 1];
};

struct device_status {
	char name[RECORD_NAME_MAX + 1];
	char address[18]; /* "AA:BB:CC:DD:EE:FF", or a Modbus endpoint name */
	char profile[RECORD_NAME_MAX + 1];
	bool connected;
	bool has_last_reading_ts;
	int64_t last_reading_ts; /* ms since the epoch */
	bool has_battery;
	uint8_t battery; /* percent */
	bool has_rssi;
	int8_t rssi; /* dBm */
	bool has_clock_offset;
	int64_t clock_offset_s; /* device clock minus gateway clock */
};

enum gateway_state {
	GATEWAY_ONLINE,
	GATEWAY_OFFLINE,
	_GATEWAY_STATE_MAX,
};

struct status {
	enum gateway_state state;
	char version[RECORD_NAME_MAX + 1];
	uint64_t outbox_depth;
	bool clock_synced;
	bool storage_ok;
	size_t n_devices;
	struct device_status devices[RECORD_DEVICES_MAX];
};

struct record {
	enum record_kind kind;
	uint64_t seq; /* 1.. RECORD_INT_MAX; 0 for status, which has none */
	int64_t ts;   /* gateway time, ms since 1970-01-01T00:00:00Z */
	union {
		struct reading reading;
		struct alert alert;
		struct event event;
		struct status status;
	};
};

/* The error a decoder or validator reports: the field path and a sentence. */
struct record_error {
	char field[64];    /* "values[1].value", or "" for the document itself */
	char message[200]; /* "values[1].value: 412 is outside 0..300 mmHg for systolic" */
};

/*
 * Parses one JSON record of at most RECORD_JSON_MAX bytes (it need not be
 * NUL-terminated) into @ret and validates it. Returns 0, -EBADMSG when the
 * text is not a valid v1 record (@err names the field), or -ENOMEM.
 */
int record_from_json(const char *json, size_t len, struct record *ret, struct record_error *err);

/*
 * Validates @r as record_from_json() would. The gateway calls this before a
 * record is stored, so nothing invalid ever reaches the outbox.
 */
int record_validate(const struct record *r, struct record_error *err);

/*
 * Encodes a valid @r as compact JSON. On success *ret is a NUL-terminated
 * string the caller frees. Returns -EBADMSG (with @err) for an invalid
 * record, -ENOMEM on allocation failure.
 */
int record_to_json(const struct record *r, char **ret, struct record_error *err);

/*
 * Appends a value to a reading, converting nothing: @value must already be in
 * the canonical unit. Returns -ENOBUFS when the reading is full.
 */
int reading_add_value(struct reading *rd, enum quantity q, double value, double raw,
		      const char *raw_unit);

/* The value of @q in @rd, or NULL. */
const struct reading_value *reading_get_value(const struct reading *rd, enum quantity q);

/* Name tables; each returns NULL for an out-of-range value, and each from_string -EINVAL. */
const char *record_kind_to_string(enum record_kind k);
int record_kind_from_string(const char *s);
const char *quantity_to_string(enum quantity q);
int quantity_from_string(const char *s);
const char *quantity_unit(enum quantity q); /* canonical unit */
/* The accepted range of a quantity in its canonical unit (docs/protocol.md lists them). */
void quantity_range(enum quantity q, double *min, double *max);
/* Decimal places a canonical value is rounded to. */
int quantity_decimals(enum quantity q);
const char *measurement_to_string(enum measurement m);
int measurement_from_string(const char *s);
const char *reading_mode_to_string(enum reading_mode m);
int reading_mode_from_string(const char *s);
const char *reading_flag_to_string(enum reading_flag f);
int reading_flag_from_string(const char *s);
const char *meal_to_string(enum meal m);
int meal_from_string(const char *s);
const char *severity_to_string(enum severity s);
int severity_from_string(const char *s);
const char *alert_state_to_string(enum alert_state s);
int alert_state_from_string(const char *s);
const char *confirmation_to_string(enum confirmation c);
int confirmation_from_string(const char *s);
const char *event_type_to_string(enum event_type t);
int event_type_from_string(const char *s);
const char *gateway_state_to_string(enum gateway_state s);
int gateway_state_from_string(const char *s);

/* True for a device or gateway-local name: 1..RECORD_NAME_MAX of A-Z a-z 0-9 _ - . */
bool record_name_is_valid(const char *s);

/* Rounds @v to @decimals places (half away from zero). */
double round_to(double v, int decimals);
