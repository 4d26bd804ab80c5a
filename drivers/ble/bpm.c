// SPDX-License-Identifier: MIT
/*
 * 2A35 / 2A36 / 2A49. Field order never changes; the flags say which optional
 * fields are there, and the length they require is checked before any read.
 */
#include <errno.h>

#include "bpm.h"
#include "quirks.h"

static int parse(const char *uuid, const uint8_t *buf, size_t len, unsigned quirks,
		 struct bpm_measurement *ret, struct gatt_error *err)
{
	struct bpm_measurement m = { 0 };
	bool user_id;
	size_t need = 7, pos;
	int r;

	if (len < 1)
		return gatt_error_set(err, "%s: empty value", uuid);
	m.flags = buf[0];
	user_id = (m.flags & BPM_FLAG_USER_ID) || (quirks & BLE_QUIRK_BPM_ALWAYS_USER_ID);
	need += m.flags & BPM_FLAG_TIMESTAMP ? GATT_DATE_TIME_SIZE : 0;
	need += m.flags & BPM_FLAG_PULSE ? 2 : 0;
	need += user_id ? 1 : 0;
	need += m.flags & BPM_FLAG_STATUS ? 2 : 0;
	r = gatt_require_length(uuid, m.flags, need, len, err);
	if (r < 0)
		return r;

	m.kpa = m.flags & BPM_FLAG_KPA;
	m.systolic = ieee11073_sfloat((uint16_t)get_le16(buf + 1));
	m.diastolic = ieee11073_sfloat((uint16_t)get_le16(buf + 3));
	m.map = ieee11073_sfloat((uint16_t)get_le16(buf + 5));
	pos = 7;
	if (m.flags & BPM_FLAG_TIMESTAMP) {
		m.has_timestamp = true;
		gatt_date_time_read(buf + pos, &m.timestamp);
		pos += GATT_DATE_TIME_SIZE;
	}
	if (m.flags & BPM_FLAG_PULSE) {
		unsigned raw = quirks & BLE_QUIRK_BPM_BIG_ENDIAN_PULSE_STATUS ? get_be16(buf + pos)
									      : get_le16(buf + pos);
		m.has_pulse = true;
		m.pulse = ieee11073_sfloat((uint16_t)raw);
		pos += 2;
	}
	if (user_id) {
		m.has_user_id = true;
		m.user_id = buf[pos++];
	}
	if (m.flags & BPM_FLAG_STATUS) {
		m.has_status = true;
		m.status = (uint16_t)(quirks & BLE_QUIRK_BPM_BIG_ENDIAN_PULSE_STATUS
					      ? get_be16(buf + pos)
					      : get_le16(buf + pos));
	}
	*ret = m;
	return 0;
}

int bpm_measurement_parse(const uint8_t *buf, size_t len, unsigned quirks,
			  struct bpm_measurement *ret, struct gatt_error *err)
{
	return parse("2A35", buf, len, quirks, ret, err);
}

int bpm_cuff_pressure_parse(const uint8_t *buf, size_t len, unsigned quirks,
			    struct bpm_measurement *ret, struct gatt_error *err)
{
	return parse("2A36", buf, len, quirks, ret, err);
}

int bpm_feature_parse(const uint8_t *buf, size_t len, uint16_t *ret, struct gatt_error *err)
{
	if (len < 2)
		return gatt_error_set(err, "2A49: need 2 octets, got %zu", len);
	*ret = (uint16_t)get_le16(buf);
	return 0;
}
