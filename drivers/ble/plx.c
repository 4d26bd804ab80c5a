// SPDX-License-Identifier: MIT
/*
 * 2A5E / 2A5F / 2A60. Device and Sensor Status is a 24-bit little-endian field.
 */
#include <errno.h>

#include "plx.h"

static struct ieee11073_number sfloat_at(const uint8_t *p)
{
	return ieee11073_sfloat((uint16_t)get_le16(p));
}

int plx_spot_check_parse(const uint8_t *buf, size_t len, struct plx_spot_check *ret,
			 struct gatt_error *err)
{
	struct plx_spot_check m = { 0 };
	size_t need = 5, pos;
	int r;

	if (len < 1)
		return gatt_error_set(err, "2A5E: empty value");
	m.flags = buf[0];
	need += m.flags & PLX_SPOT_FLAG_TIMESTAMP ? GATT_DATE_TIME_SIZE : 0;
	need += m.flags & PLX_SPOT_FLAG_MEASUREMENT ? 2 : 0;
	need += m.flags & PLX_SPOT_FLAG_DEVICE_SENSOR ? 3 : 0;
	need += m.flags & PLX_SPOT_FLAG_PAI ? 2 : 0;
	r = gatt_require_length("2A5E", m.flags, need, len, err);
	if (r < 0)
		return r;

	m.spo2 = sfloat_at(buf + 1);
	m.pr = sfloat_at(buf + 3);
	pos = 5;
	if (m.flags & PLX_SPOT_FLAG_TIMESTAMP) {
		m.has_timestamp = true;
		gatt_date_time_read(buf + pos, &m.timestamp);
		pos += GATT_DATE_TIME_SIZE;
	}
	if (m.flags & PLX_SPOT_FLAG_MEASUREMENT) {
		m.has_measurement_status = true;
		m.measurement_status = (uint16_t)get_le16(buf + pos);
		pos += 2;
	}
	if (m.flags & PLX_SPOT_FLAG_DEVICE_SENSOR) {
		m.has_device_sensor_status = true;
		m.device_sensor_status = (uint32_t)get_le24(buf + pos);
		pos += 3;
	}
	if (m.flags & PLX_SPOT_FLAG_PAI) {
		m.has_pai = true;
		m.pai = sfloat_at(buf + pos);
	}
	m.clock_not_set = m.flags & PLX_SPOT_FLAG_CLOCK_NOT_SET;
	*ret = m;
	return 0;
}

int plx_continuous_parse(const uint8_t *buf, size_t len, struct plx_continuous *ret,
			 struct gatt_error *err)
{
	struct plx_continuous m = { 0 };
	size_t need = 5, pos;
	int r;

	if (len < 1)
		return gatt_error_set(err, "2A5F: empty value");
	m.flags = buf[0];
	need += m.flags & PLX_CONT_FLAG_FAST ? 4 : 0;
	need += m.flags & PLX_CONT_FLAG_SLOW ? 4 : 0;
	need += m.flags & PLX_CONT_FLAG_MEASUREMENT ? 2 : 0;
	need += m.flags & PLX_CONT_FLAG_DEVICE_SENSOR ? 3 : 0;
	need += m.flags & PLX_CONT_FLAG_PAI ? 2 : 0;
	r = gatt_require_length("2A5F", m.flags, need, len, err);
	if (r < 0)
		return r;

	m.spo2 = sfloat_at(buf + 1);
	m.pr = sfloat_at(buf + 3);
	pos = 5;
	if (m.flags & PLX_CONT_FLAG_FAST) {
		m.has_fast = true;
		m.spo2_fast = sfloat_at(buf + pos);
		m.pr_fast = sfloat_at(buf + pos + 2);
		pos += 4;
	}
	if (m.flags & PLX_CONT_FLAG_SLOW) {
		m.has_slow = true;
		m.spo2_slow = sfloat_at(buf + pos);
		m.pr_slow = sfloat_at(buf + pos + 2);
		pos += 4;
	}
	if (m.flags & PLX_CONT_FLAG_MEASUREMENT) {
		m.has_measurement_status = true;
		m.measurement_status = (uint16_t)get_le16(buf + pos);
		pos += 2;
	}
	if (m.flags & PLX_CONT_FLAG_DEVICE_SENSOR) {
		m.has_device_sensor_status = true;
		m.device_sensor_status = (uint32_t)get_le24(buf + pos);
		pos += 3;
	}
	if (m.flags & PLX_CONT_FLAG_PAI) {
		m.has_pai = true;
		m.pai = sfloat_at(buf + pos);
	}
	*ret = m;
	return 0;
}

int plx_features_parse(const uint8_t *buf, size_t len, struct plx_features *ret,
		       struct gatt_error *err)
{
	struct plx_features f = { 0 };
	size_t need = 2, pos = 2;
	int r;

	if (len < 2)
		return gatt_error_set(err, "2A60: need 2 octets, got %zu", len);
	f.supported_features = (uint16_t)get_le16(buf);
	need += f.supported_features & PLX_FEATURE_MEASUREMENT_STATUS ? 2 : 0;
	need += f.supported_features & PLX_FEATURE_DEVICE_SENSOR_STATUS ? 3 : 0;
	r = gatt_require_length("2A60", f.supported_features, need, len, err);
	if (r < 0)
		return r;
	if (f.supported_features & PLX_FEATURE_MEASUREMENT_STATUS) {
		f.has_measurement_status_support = true;
		f.measurement_status_support = (uint16_t)get_le16(buf + pos);
		pos += 2;
	}
	if (f.supported_features & PLX_FEATURE_DEVICE_SENSOR_STATUS) {
		f.has_device_sensor_status_support = true;
		f.device_sensor_status_support = (uint32_t)get_le24(buf + pos);
	}
	*ret = f;
	return 0;
}
