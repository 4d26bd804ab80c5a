// SPDX-License-Identifier: MIT
/*
 * JSON rendering of decoded characteristic values for `bedlinkctl decode`.
 * One renderer per characteristic, each a flat list of fields.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "bpm.h"
#include "gatt-json.h"
#include "glucose.h"
#include "plx.h"
#include "racp.h"
#include "thermometer.h"
#include "weight.h"

/* Adds an IEEE 11073 number: a JSON number, or the special's name. */
static void add_number(cJSON *o, const char *name, struct ieee11073_number n)
{
	if (ieee11073_is_number(n))
		cJSON_AddNumberToObject(o, name, ieee11073_to_double(n));
	else
		cJSON_AddStringToObject(o, name, ieee11073_special_to_string(n.special));
}

static void add_optional_number(cJSON *o, const char *name, bool present, struct ieee11073_number n)
{
	if (present)
		add_number(o, name, n);
	else
		cJSON_AddNullToObject(o, name);
}

static void add_optional_int(cJSON *o, const char *name, bool present, double v)
{
	if (present)
		cJSON_AddNumberToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

static void add_time(cJSON *o, const char *name, bool present, const struct gatt_date_time *t)
{
	char buf[32];

	if (!present) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	gatt_date_time_format(t, buf, sizeof(buf));
	cJSON_AddStringToObject(o, name, buf);
}

static int render_raw_number(cJSON *o, const char *what, const uint8_t *buf, size_t len,
			     struct gatt_error *err)
{
	bool is_float = strcasecmp(what, "float") == 0;
	size_t need = is_float ? 4 : 2;
	struct ieee11073_number n;
	uint32_t raw;
	long mant;
	int exp;

	if (len < need)
		return gatt_error_set(err, "%s: need %zu octets, got %zu",
				      is_float ? "float" : "sfloat", need, len);
	if (is_float) {
		raw = (uint32_t)get_le32(buf);
		n = ieee11073_float(raw);
		mant = (long)(raw & 0xffffff) - (raw & 0x800000 ? 0x1000000L : 0);
		exp = (int8_t)(raw >> 24);
	} else {
		raw = get_le16(buf);
		n = ieee11073_sfloat((uint16_t)raw);
		mant = (long)(raw & 0xfff) - (raw & 0x800 ? 0x1000L : 0);
		exp = (int)(raw >> 12) - (raw & 0x8000 ? 16 : 0);
	}
	if (ieee11073_is_number(n)) {
		cJSON_AddNumberToObject(o, "value", ieee11073_to_double(n));
		cJSON_AddNullToObject(o, "special");
	} else {
		cJSON_AddNullToObject(o, "value");
		cJSON_AddStringToObject(o, "special", ieee11073_special_to_string(n.special));
	}
	cJSON_AddNumberToObject(o, "mantissa", (double)mant);
	cJSON_AddNumberToObject(o, "exponent", exp);
	return 0;
}

static int render_bpm(cJSON *o, uint16_t uuid, const uint8_t *buf, size_t len, unsigned quirks,
		      struct gatt_error *err)
{
	struct bpm_measurement m;
	int r = uuid == 0x2A35 ? bpm_measurement_parse(buf, len, quirks, &m, err)
			       : bpm_cuff_pressure_parse(buf, len, quirks, &m, err);

	if (r < 0)
		return r;
	cJSON_AddNumberToObject(o, "flags", m.flags);
	if (uuid == 0x2A35) {
		add_number(o, "systolic", m.systolic);
		add_number(o, "diastolic", m.diastolic);
		add_number(o, "map", m.map);
	} else {
		add_number(o, "cuff_pressure", m.systolic);
	}
	cJSON_AddStringToObject(o, "unit", m.kpa ? "kPa" : "mmHg");
	add_time(o, "timestamp", m.has_timestamp, &m.timestamp);
	add_optional_number(o, "pulse", m.has_pulse, m.pulse);
	add_optional_int(o, "user_id", m.has_user_id, m.user_id);
	add_optional_int(o, "status", m.has_status, m.status);
	return 0;
}

static void add_bits(cJSON *o, unsigned long v, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (names[i])
			cJSON_AddBoolToObject(o, names[i], (v >> i) & 1);
}

static int render_bpm_feature(cJSON *o, const uint8_t *buf, size_t len, struct gatt_error *err)
{
	static const char *const names[] = {
		"body_movement_detection",        "cuff_fit_detection",
		"irregular_pulse_detection",      "pulse_rate_range_detection",
		"measurement_position_detection", "multiple_bond",
	};
	uint16_t f;
	int r = bpm_feature_parse(buf, len, &f, err);

	if (r < 0)
		return r;
	cJSON_AddNumberToObject(o, "features", f);
	add_bits(o, f, names, ELEMENTSOF(names));
	return 0;
}

static int render_glucose(cJSON *o, const uint8_t *buf, size_t len, struct gatt_error *err)
{
	struct glucose_measurement m;
	struct gatt_date_time t;
	int r = glucose_measurement_parse(buf, len, &m, err);

	if (r < 0)
		return r;
	cJSON_AddNumberToObject(o, "flags", m.flags);
	cJSON_AddNumberToObject(o, "seq", m.seq);
	/* The user-facing time is Base Time + Time Offset; an invalid base time is shown as sent.
	 */
	if (glucose_measurement_time(&m, &t) < 0)
		t = m.base_time;
	add_time(o, "timestamp", true, &t);
	add_time(o, "base_time", true, &m.base_time);
	add_optional_int(o, "offset_min", m.has_time_offset, m.time_offset);
	add_optional_number(o, "concentration", m.has_concentration, m.concentration);
	cJSON_AddStringToObject(o, "unit", m.mol_per_l ? "mol/L" : "kg/L");
	add_optional_int(o, "type", m.has_concentration, m.type);
	add_optional_int(o, "location", m.has_concentration, m.location);
	add_optional_int(o, "status", m.has_status, m.status);
	cJSON_AddBoolToObject(o, "context_follows", m.context_follows);
	return 0;
}

static int render_glucose_context(cJSON *o, const uint8_t *buf, size_t len, struct gatt_error *err)
{
	struct glucose_context c;
	int r = glucose_context_parse(buf, len, &c, err);

	if (r < 0)
		return r;
	cJSON_AddNumberToObject(o, "flags", c.flags);
	cJSON_AddNumberToObject(o, "seq", c.seq);
	add_optional_int(o, "extended_flags", c.has_extended_flags, c.extended_flags);
	add_optional_int(o, "carbohydrate_id", c.has_carbohydrate, c.carbohydrate_id);
	add_optional_number(o, "carbohydrate", c.has_carbohydrate, c.carbohydrate);
	add_optional_int(o, "meal", c.has_meal, c.meal);
	add_optional_int(o, "tester", c.has_tester_health, c.tester);
	add_optional_int(o, "health", c.has_tester_health, c.health);
	add_optional_int(o, "exercise_duration", c.has_exercise, c.exercise_duration);
	add_optional_int(o, "exercise_intensity", c.has_exercise, c.exercise_intensity);
	add_optional_int(o, "medication_id", c.has_medication, c.medication_id);
	add_optional_number(o, "medication", c.has_medication, c.medication);
	if (c.has_medication)
		cJSON_AddStringToObject(o, "medication_unit", c.medication_litres ? "L" : "kg");
	else
		cJSON_AddNullToObject(o, "medication_unit");
	add_optional_number(o, "hba1c", c.has_hba1c, c.hba1c);
	return 0;
}

static int render_glucose_feature(cJSON *o, const uint8_t *buf, size_t len, struct gatt_error *err)
{
	static const char *const names[] = {
		"low_battery_detection",
		"sensor_malfunction_detection",
		"sensor_sample_size",
		"sensor_strip_insertion_error_detection",
		"sensor_strip_type_error_detection",
		"sensor_result_high_low_detection",
		"sensor_temperature_high_low_detection",
		"sensor_read_interrupt_detection",
		"general_device_fault",
		"time_fault",
		"multiple_bond",
	};
	uint16_t f;
	int r = glucose_feature_parse(buf, len, &f, err);

	if (r < 0)
		return r;
	cJSON_AddNumberToObject(o, "features", f);
	add_bits(o, f, names, ELEMENTSOF(names));
	return 0;
}

static int render_racp(cJSON *o, const uint8_t *buf, size_t len, struct gatt_error *err)
{
	struct racp_response resp;
	const char *text;
	int r = racp_response_parse(buf, len, &resp, err);

	if (r < 0)
		return r;
	cJSON_AddNumberToObject(o, "opcode", resp.opcode);
	cJSON_AddNumberToObject(o, "operator", resp.operator);
	if (resp.opcode == RACP_OP_COUNT_RESPONSE) {
		cJSON_AddNumberToObject(o, "count", resp.count);
		return 0;
	}
	cJSON_AddNumberToObject(o, "request_opcode", resp.request_opcode);
	cJSON_AddNumberToObject(o, "response_code", resp.response_code);
	text = racp_response_code_to_string(resp.response_code);
	cJSON_AddStringToObject(o, "response", text ? text : "reserved");
	return 0;
}

static int render_plx_spot(cJSON *o, const uint8_t *buf, size_t len, struct gatt_error *err)
{
	struct plx_spot_check m;
	int r = plx_spot_check_parse(buf, len, &m, err);

	if (r < 0)
		return r;
	cJSON_AddNumberToObject(o, "flags", m.flags);
	add_number(o, "spo2", m.spo2);
	add_number(o, "pr", m.pr);
	add_time(o, "timestamp", m.has_timestamp, &m.timestamp);
	add_optional_int(o, "measurement_status", m.has_measurement_status, m.measurement_status);
	add_optional_int(o, "device_sensor_status", m.has_device_sensor_status,
			 m.device_sensor_status);
	add_optional_number(o, "pai", m.has_pai, m.pai);
	cJSON_AddBoolToObject(o, "device_clock_not_set", m.clock_not_set);
	return 0;
}

static int render_plx_continuous(cJSON *o, const uint8_t *buf, size_t len, struct gatt_error *err)
{
	struct plx_continuous m;
	int r = plx_continuous_parse(buf, len, &m, err);

	if (r < 0)
		return r;
	cJSON_AddNumberToObject(o, "flags", m.flags);
	add_number(o, "spo2", m.spo2);
	add_number(o, "pr", m.pr);
	add_optional_number(o, "spo2_fast", m.has_fast, m.spo2_fast);
	add_optional_number(o, "pr_fast", m.has_fast, m.pr_fast);
	add_optional_number(o, "spo2_slow", m.has_slow, m.spo2_slow);
	add_optional_number(o, "pr_slow", m.has_slow, m.pr_slow);
	add_optional_int(o, "measurement_status", m.has_measurement_status, m.measurement_status);
	add_optional_int(o, "device_sensor_status", m.has_device_sensor_status,
			 m.device_sensor_status);
	add_optional_number(o, "pai", m.has_pai, m.pai);
	return 0;
}

static int render_plx_features(cJSON *o, const uint8_t *buf, size_t len, struct gatt_error *err)
{
	struct plx_features f;
	int r = plx_features_parse(buf, len, &f, err);

	if (r < 0)
		return r;
	cJSON_AddNumberToObject(o, "supported_features", f.supported_features);
	add_optional_int(o, "measurement_status_support", f.has_measurement_status_support,
			 f.measurement_status_support);
	add_optional_int(o, "device_and_sensor_status_support", f.has_device_sensor_status_support,
			 f.device_sensor_status_support);
	return 0;
}

static int render_thermo(cJSON *o, uint16_t uuid, const uint8_t *buf, size_t len,
			 struct gatt_error *err)
{
	struct thermo_measurement m;
	int r = thermo_measurement_parse(buf, len, &m, err);

	if (r < 0) {
		/* The decoder names 2A1C; 2A1E shares its layout, so say which one was given. */
		if (uuid == 0x2A1E && err && strncmp(err->message, "2A1C", 4) == 0)
			memcpy(err->message, "2A1E", 4);
		return r;
	}
	cJSON_AddNumberToObject(o, "flags", m.flags);
	add_number(o, "temperature", m.temperature);
	cJSON_AddStringToObject(o, "unit", m.fahrenheit ? "F" : "C");
	add_time(o, "timestamp", m.has_timestamp, &m.timestamp);
	add_optional_int(o, "type", m.has_type, m.type);
	return 0;
}

static int render_weight(cJSON *o, const uint8_t *buf, size_t len, struct gatt_error *err)
{
	struct weight_measurement m;
	int r = weight_measurement_parse(buf, len, &m, err);

	if (r < 0)
		return r;
	cJSON_AddNumberToObject(o, "flags", m.flags);
	/* 0xFFFF is "measurement unsuccessful": no weight. */
	add_optional_int(o, "weight", m.weight_raw != WEIGHT_UNSUCCESSFUL,
			 weight_measurement_weight(&m));
	cJSON_AddStringToObject(o, "unit", m.imperial ? "lb" : "kg");
	add_time(o, "timestamp", m.has_timestamp, &m.timestamp);
	add_optional_int(o, "user_id", m.has_user_id, m.user_id);
	add_optional_int(o, "bmi", m.has_bmi_height, weight_measurement_bmi(&m));
	add_optional_int(o, "height", m.has_bmi_height, weight_measurement_height(&m));
	return 0;
}

static int render_time(cJSON *o, uint16_t uuid, const uint8_t *buf, size_t len,
		       struct gatt_error *err)
{
	struct gatt_current_time ct;
	int r;

	if (uuid == 0x2A08) {
		r = gatt_date_time_parse(buf, len, &ct.time, err);
		if (r < 0)
			return r;
		add_time(o, "timestamp", true, &ct.time);
		return 0;
	}
	r = gatt_current_time_parse(buf, len, &ct, err);
	if (r < 0)
		return r;
	add_time(o, "timestamp", true, &ct.time);
	cJSON_AddNumberToObject(o, "day_of_week", ct.day_of_week);
	cJSON_AddNumberToObject(o, "fractions256", ct.fractions256);
	cJSON_AddNumberToObject(o, "adjust_reason", ct.adjust_reason);
	return 0;
}

int gatt_uuid16_parse(const char *s, uint16_t *ret)
{
	unsigned v = 0;
	size_t n;

	if (strncasecmp(s, "0x", 2) == 0)
		s += 2;
	n = strlen(s);
	if (n != 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v << 4 | (unsigned)(isdigit((unsigned char)s[i])
						? s[i] - '0'
						: tolower((unsigned char)s[i]) - 'a' + 10);
	}
	*ret = (uint16_t)v;
	return 0;
}

/*
 * Names the offending character and its 1-based position. Control and non-ASCII
 * octets are shown in hex so that the message stays one printable line.
 */
static void not_hex_digit(struct gatt_error *err, const char *hex, const char *p)
{
	char shown[8];

	if (*p > ' ' && *p < 0x7f)
		snprintf(shown, sizeof(shown), "'%c'", *p);
	else
		snprintf(shown, sizeof(shown), "0x%02x", (unsigned char)*p);
	gatt_error_set(err, "hex: %s at position %zu is not a hex digit", shown,
		       (size_t)(p - hex) + 1);
}

int gatt_hex_parse(const char *hex, uint8_t *buf, size_t size, struct gatt_error *err)
{
	size_t n = 0;
	int hi = -1;

	for (const char *p = hex; *p; p++) {
		int d;

		if (*p == ' ' || *p == ':' || *p == '\t')
			continue;
		if (!isxdigit((unsigned char)*p)) {
			not_hex_digit(err, hex, p);
			return -EINVAL;
		}
		d = isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10;
		if (hi < 0) {
			hi = d;
			continue;
		}
		if (n >= size) {
			gatt_error_set(err, "hex: longer than %zu octets", size);
			return -ENOBUFS;
		}
		buf[n++] = (uint8_t)(hi << 4 | d);
		hi = -1;
	}
	if (hi >= 0) {
		gatt_error_set(err, "hex: odd number of digits");
		return -EINVAL;
	}
	return (int)n;
}

static void cjson_deletep(cJSON **p)
{
	if (*p)
		cJSON_Delete(*p);
}

int gatt_json_decode(const char *what, const uint8_t *buf, size_t len, unsigned quirks, char **ret,
		     struct gatt_error *err)
{
	_cleanup_(cjson_deletep) cJSON *o = cJSON_CreateObject();
	uint16_t uuid;
	int r;

	if (!o)
		return -ENOMEM;
	if (strcasecmp(what, "sfloat") == 0 || strcasecmp(what, "float") == 0) {
		r = render_raw_number(o, what, buf, len, err);
	} else if (gatt_uuid16_parse(what, &uuid) < 0) {
		gatt_error_set(err, "'%.40s' is neither a 16-bit UUID nor sfloat/float", what);
		return -EOPNOTSUPP;
	} else {
		switch (uuid) {
		case 0x2A35:
		case 0x2A36:
			r = render_bpm(o, uuid, buf, len, quirks, err);
			break;
		case 0x2A49:
			r = render_bpm_feature(o, buf, len, err);
			break;
		case 0x2A18:
			r = render_glucose(o, buf, len, err);
			break;
		case 0x2A34:
			r = render_glucose_context(o, buf, len, err);
			break;
		case 0x2A51:
			r = render_glucose_feature(o, buf, len, err);
			break;
		case 0x2A52:
			r = render_racp(o, buf, len, err);
			break;
		case 0x2A5E:
			r = render_plx_spot(o, buf, len, err);
			break;
		case 0x2A5F:
			r = render_plx_continuous(o, buf, len, err);
			break;
		case 0x2A60:
			r = render_plx_features(o, buf, len, err);
			break;
		case 0x2A1C:
		case 0x2A1E:
			r = render_thermo(o, uuid, buf, len, err);
			break;
		case 0x2A9D:
			r = render_weight(o, buf, len, err);
			break;
		case 0x2A08:
		case 0x2A2B:
			r = render_time(o, uuid, buf, len, err);
			break;
		default:
			gatt_error_set(err, "%04X: no decoder for this characteristic", uuid);
			return -EOPNOTSUPP;
		}
	}
	if (r < 0)
		return r;
	*ret = cJSON_PrintUnformatted(o);
	return *ret ? 0 : -ENOMEM;
}
