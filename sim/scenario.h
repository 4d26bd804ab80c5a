/* SPDX-License-Identifier: MIT */
/*
 * The simulator's scenario language: one event a line,
 * "[<seconds>] <address> <kind> key=value ...", '#' starts a comment. The
 * parser is pure (no I/O, no clock): it turns one line into a struct
 * scenario_event or into an error naming the line and the bad key. Every
 * event it accepts can be encoded on the air (numbers fit their SFLOAT, FLOAT
 * or integer fields), so the simulator never meets an unencodable value later.
 */
#pragma once

#include <stdarg.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on what a scenario can ask for. */
#define SCENARIO_LINE_MAX      1024 /* bytes in a line, without the newline */
#define SCENARIO_TOKENS_MAX    48
#define SCENARIO_TEXT_MAX      32  /* name, model, manufacturer, firmware (bytes, without NUL) */
#define SCENARIO_RAW_MAX       244 /* a notification's payload at an ATT MTU of 247 */
#define SCENARIO_TIME_MAX_S    (31 * 24 * 3600) /* events lie within a month of the start */
#define SCENARIO_DRIFT_MAX_MIN (10 * 366 * 24 * 60)

enum scenario_kind {
	SCENARIO_DEVICE, /* declares a virtual device */
	SCENARIO_BP,
	SCENARIO_GLUCOSE,
	SCENARIO_SPO2,
	SCENARIO_TEMP,
	SCENARIO_WEIGHT,
	SCENARIO_DISCONNECT, /* the device ends the link and goes to sleep */
	SCENARIO_RECONNECT,  /* the device wakes up and advertises */
	SCENARIO_CLOCK_DRIFT,
	SCENARIO_BATTERY,
	SCENARIO_RAW, /* any bytes on one characteristic */
	SCENARIO_REMOVE,
	SCENARIO_ADAPTER, /* the adapter disappears or comes back */
	_SCENARIO_KIND_MAX,
};

enum scenario_profile {
	SCENARIO_PROFILE_BP,
	SCENARIO_PROFILE_GLUCOSE,
	SCENARIO_PROFILE_OXIMETER,
	SCENARIO_PROFILE_THERMOMETER,
	SCENARIO_PROFILE_SCALE,
	_SCENARIO_PROFILE_MAX,
};

/* A decimal number exactly as written: mantissa * 10^exponent, trailing zeros removed. */
struct scenario_number {
	int32_t mantissa;
	int8_t exponent;
};

struct scenario_device {
	enum scenario_profile profile;
	char name[SCENARIO_TEXT_MAX + 1];         /* "" = a default from the profile */
	char model[SCENARIO_TEXT_MAX + 1];        /* Device Information 2A24; "" = default */
	char manufacturer[SCENARIO_TEXT_MAX + 1]; /* 2A29; "" = default */
	char firmware[SCENARIO_TEXT_MAX + 1];     /* 2A26; "" = default */
	char passkey[7];                          /* six digits; "" = Just Works */
	bool paired;    /* bonded before the simulator started: on the bus from the start */
	bool known;     /* on the bus from the start even though not paired */
	bool encrypted; /* measurement CCCDs need a paired link */
	bool has_rssi;
	int16_t rssi;
	bool has_battery;
	uint8_t battery;
	bool has_hangup;
	uint32_t hangup_ms; /* disconnect this long after a delivery; 0 = never */
	bool has_sleeps;
	bool sleeps; /* stops advertising after a disconnect until it wakes */
	bool has_live;
	bool live; /* glucose: also notify a new record at once when subscribed */
	bool has_first_seq;
	uint16_t first_seq; /* glucose: sequence number of the first record */
};

struct scenario_bp {
	struct scenario_number systolic;
	struct scenario_number diastolic;
	bool has_map;
	struct scenario_number map; /* computed as (sys + 2 dia) / 3 when absent */
	bool has_pulse;
	struct scenario_number pulse;
	bool kpa;
	bool has_status;
	uint16_t status;
	bool has_user;
	uint8_t user;
};

struct scenario_glucose {
	bool has_mmol;
	struct scenario_number mmol; /* mmol/L, sent as mol/L */
	bool has_mgdl;
	struct scenario_number mgdl; /* mg/dL, sent as kg/L when mmol is absent */
	uint8_t meal;     /* 0 none, else the 2A34 Meal code (1 preprandial..5 bedtime) */
	uint8_t type;     /* 1..15, default 1 capillary whole blood */
	uint8_t location; /* 1..15, default 1 finger */
	bool has_status;
	uint16_t status; /* Sensor Status Annunciation */
};

struct scenario_spo2 {
	struct scenario_number spo2;
	struct scenario_number pulse;
	bool continuous; /* 2A5F stream sample, else a 2A5E spot check */
	bool has_pai;
	struct scenario_number pai;
};

struct scenario_temp {
	struct scenario_number value;
	bool fahrenheit;
	uint8_t type; /* 0 absent, 1 armpit .. 9 tympanum */
};

struct scenario_weight {
	struct scenario_number value; /* kg, or lb when imperial */
	bool imperial;
	bool has_user;
	uint8_t user;
	bool has_bmi;                  /* BMI and height come together */
	struct scenario_number bmi;    /* kg/m2 */
	struct scenario_number height; /* m, or in when imperial */
};

/* The 2A9D fields in their on-air units (0.005 kg or 0.01 lb, 0.1 kg/m2, 0.001 m or 0.1 in). */
struct scenario_weight_raw {
	uint16_t weight;
	uint16_t bmi;
	uint16_t height;
};

struct scenario_raw {
	uint16_t uuid; /* 16-bit characteristic UUID */
	size_t len;
	uint8_t bytes[SCENARIO_RAW_MAX];
};

struct scenario_event {
	unsigned line;
	bool has_time;
	uint64_t at_ms; /* after the start */
	enum scenario_kind kind;
	char address[18]; /* "AA:BB:CC:DD:EE:FF" upper case; "" for the adapter */
	union {
		struct scenario_device device;
		struct scenario_bp bp;
		struct scenario_glucose glucose;
		struct scenario_spo2 spo2;
		struct scenario_temp temp;
		struct scenario_weight weight;
		int32_t drift_minutes;
		uint8_t battery;
		struct scenario_raw raw;
		bool adapter_on;
	} u;
};

struct scenario_error {
	char message[200]; /* "line 7: bp: missing key 'diastolic'" */
};

/*
 * Parses one line (@len bytes at @line, no NUL needed; a trailing "\n" or
 * "\r\n" is ignored). @lineno is used in error messages only. Returns 1 with
 * @ret filled, 0 for a blank or comment line, or -EINVAL with @err (may be
 * NULL) naming the line and what is wrong.
 */
int scenario_parse_line(const char *line, size_t len, unsigned lineno, struct scenario_event *ret,
			struct scenario_error *err);

/* "device", "bp", ...; NULL when out of range. */
const char *scenario_kind_to_string(enum scenario_kind k);

/* "bp", "glucose", "oximeter", "thermometer", "scale"; NULL when out of range. */
const char *scenario_profile_to_string(enum scenario_profile p);
int scenario_profile_from_string(const char *s);

/*
 * The profile a measurement kind implies (bp -> bp, spo2 -> oximeter, ...), so
 * that a measurement for an undeclared device declares it. -EINVAL for kinds
 * that are not measurements.
 */
int scenario_kind_profile(enum scenario_kind k);

/* Fills @d with the defaults of @profile: what "device profile=..." alone means. */
void scenario_device_defaults(enum scenario_profile profile, struct scenario_device *d);

/* The value as a double, for messages and tests. */
double scenario_number_to_double(struct scenario_number n);

/*
 * Encodes @n * 10^@shift as an IEEE 11073 SFLOAT (@shift converts units:
 * mmol/L -> mol/L is -3), dropping trailing zeros of the mantissa when it
 * needs fewer digits. -ERANGE when it does not fit.
 */
int scenario_number_sfloat(struct scenario_number n, int shift, uint16_t *ret);

/* The same as a 32-bit FLOAT. */
int scenario_number_float(struct scenario_number n, int shift, uint32_t *ret);

/* The 2A9D raw fields of @w, rounded to the nearest unit. -ERANGE when one leaves 0..65534. */
int scenario_weight_raw(const struct scenario_weight *w, struct scenario_weight_raw *ret);

/*
 * Formats a scenario error as "line N: KIND: what" (or "line N: what" when
 * @kind is NULL) into @buf; the BLE and Modbus scenario parsers share it.
 * Returns -EINVAL, the parsers' error for a bad line.
 */
int scenario_format_error(char *buf, size_t size, unsigned line, const char *kind,
			  const char *format, va_list ap) __attribute__((format(printf, 5, 0)));
