// SPDX-License-Identifier: MIT
/* 2A9D: flags, uint16 weight, optional Time Stamp, User ID, BMI and Height. */
#include <errno.h>
#include <math.h>

#include "weight.h"

int weight_measurement_parse(const uint8_t *buf, size_t len, struct weight_measurement *ret,
			     struct gatt_error *err)
{
	struct weight_measurement m = { 0 };
	size_t need = 3, pos = 3;
	int r;

	if (len < 1)
		return gatt_error_set(err, "2A9D: empty value");
	m.flags = buf[0];
	need += m.flags & WEIGHT_FLAG_TIMESTAMP ? GATT_DATE_TIME_SIZE : 0;
	need += m.flags & WEIGHT_FLAG_USER_ID ? 1 : 0;
	need += m.flags & WEIGHT_FLAG_BMI ? 4 : 0;
	r = gatt_require_length("2A9D", m.flags, need, len, err);
	if (r < 0)
		return r;

	m.imperial = m.flags & WEIGHT_FLAG_IMPERIAL;
	m.weight_raw = (uint16_t)get_le16(buf + 1);
	if (m.flags & WEIGHT_FLAG_TIMESTAMP) {
		m.has_timestamp = true;
		gatt_date_time_read(buf + pos, &m.timestamp);
		pos += GATT_DATE_TIME_SIZE;
	}
	if (m.flags & WEIGHT_FLAG_USER_ID) {
		m.has_user_id = true;
		m.user_id = buf[pos++];
	}
	if (m.flags & WEIGHT_FLAG_BMI) {
		m.has_bmi_height = true;
		m.bmi_raw = (uint16_t)get_le16(buf + pos);
		m.height_raw = (uint16_t)get_le16(buf + pos + 2);
	}
	*ret = m;
	return 0;
}

/* Exact decimal scaling: raw / 200 kg or raw / 100 lb. */
double weight_measurement_weight(const struct weight_measurement *m)
{
	if (m->weight_raw == WEIGHT_UNSUCCESSFUL)
		return NAN;
	return m->imperial ? m->weight_raw / 100.0 : m->weight_raw / 200.0;
}

double weight_measurement_height(const struct weight_measurement *m)
{
	return m->imperial ? m->height_raw / 10.0 : m->height_raw / 1000.0;
}

double weight_measurement_bmi(const struct weight_measurement *m)
{
	return m->bmi_raw / 10.0;
}
