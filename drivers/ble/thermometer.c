// SPDX-License-Identifier: MIT
/* 2A1C: flags, FLOAT temperature, optional Time Stamp and Temperature Type. */
#include <errno.h>

#include "thermometer.h"

int thermo_measurement_parse(const uint8_t *buf, size_t len, struct thermo_measurement *ret,
			     struct gatt_error *err)
{
	struct thermo_measurement m = { 0 };
	size_t need = 5, pos = 5;
	int r;

	if (len < 1)
		return gatt_error_set(err, "2A1C: empty value");
	m.flags = buf[0];
	need += m.flags & THERMO_FLAG_TIMESTAMP ? GATT_DATE_TIME_SIZE : 0;
	need += m.flags & THERMO_FLAG_TYPE ? 1 : 0;
	r = gatt_require_length("2A1C", m.flags, need, len, err);
	if (r < 0)
		return r;

	m.fahrenheit = m.flags & THERMO_FLAG_FAHRENHEIT;
	m.temperature = ieee11073_float((uint32_t)get_le32(buf + 1));
	if (m.flags & THERMO_FLAG_TIMESTAMP) {
		m.has_timestamp = true;
		gatt_date_time_read(buf + pos, &m.timestamp);
		pos += GATT_DATE_TIME_SIZE;
	}
	if (m.flags & THERMO_FLAG_TYPE) {
		m.has_type = true;
		m.type = buf[pos];
	}
	*ret = m;
	return 0;
}

const char *thermo_type_to_string(uint8_t type)
{
	static const char *const names[] = {
		[THERMO_TYPE_ARMPIT] = "armpit",     [THERMO_TYPE_BODY] = "body",
		[THERMO_TYPE_EAR] = "ear",           [THERMO_TYPE_FINGER] = "finger",
		[THERMO_TYPE_GI_TRACT] = "gi_tract", [THERMO_TYPE_MOUTH] = "mouth",
		[THERMO_TYPE_RECTUM] = "rectum",     [THERMO_TYPE_TOE] = "toe",
		[THERMO_TYPE_TYMPANUM] = "tympanum",
	};

	return type < ELEMENTSOF(names) ? names[type] : NULL;
}
