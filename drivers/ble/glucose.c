// SPDX-License-Identifier: MIT
/*
 * 2A18 / 2A34 / 2A51. Two-nibble octets carry the first-named field in the low
 * nibble (Type low, Sample Location high; Tester low, Health high).
 */
#include <errno.h>

#include "glucose.h"

int glucose_measurement_parse(const uint8_t *buf, size_t len, struct glucose_measurement *ret,
			      struct gatt_error *err)
{
	struct glucose_measurement m = { 0 };
	size_t need = 3 + GATT_DATE_TIME_SIZE, pos;
	int r;

	if (len < 1)
		return gatt_error_set(err, "2A18: empty value");
	m.flags = buf[0];
	need += m.flags & GLUCOSE_FLAG_TIME_OFFSET ? 2 : 0;
	need += m.flags & GLUCOSE_FLAG_CONCENTRATION ? 3 : 0;
	need += m.flags & GLUCOSE_FLAG_STATUS ? 2 : 0;
	r = gatt_require_length("2A18", m.flags, need, len, err);
	if (r < 0)
		return r;

	m.seq = (uint16_t)get_le16(buf + 1);
	gatt_date_time_read(buf + 3, &m.base_time);
	pos = 3 + GATT_DATE_TIME_SIZE;
	if (m.flags & GLUCOSE_FLAG_TIME_OFFSET) {
		m.has_time_offset = true;
		m.time_offset = (int16_t)get_le16(buf + pos);
		pos += 2;
	}
	m.mol_per_l = m.flags & GLUCOSE_FLAG_MOL_PER_L;
	if (m.flags & GLUCOSE_FLAG_CONCENTRATION) {
		m.has_concentration = true;
		m.concentration = ieee11073_sfloat((uint16_t)get_le16(buf + pos));
		m.type = buf[pos + 2] & 0x0f;
		m.location = buf[pos + 2] >> 4;
		pos += 3;
	}
	if (m.flags & GLUCOSE_FLAG_STATUS) {
		m.has_status = true;
		m.status = (uint16_t)get_le16(buf + pos);
	}
	m.context_follows = m.flags & GLUCOSE_FLAG_CONTEXT_FOLLOWS;
	*ret = m;
	return 0;
}

int glucose_measurement_time(const struct glucose_measurement *m, struct gatt_date_time *ret)
{
	if (!gatt_date_time_is_valid(&m->base_time))
		return -EINVAL;
	if (!m->has_time_offset) {
		*ret = m->base_time;
		return 0;
	}
	return gatt_date_time_add_minutes(&m->base_time, m->time_offset, ret);
}

int glucose_context_parse(const uint8_t *buf, size_t len, struct glucose_context *ret,
			  struct gatt_error *err)
{
	struct glucose_context c = { 0 };
	size_t need = 3, pos;
	int r;

	if (len < 1)
		return gatt_error_set(err, "2A34: empty value");
	c.flags = buf[0];
	need += c.flags & GLUCOSE_CTX_FLAG_EXTENDED ? 1 : 0;
	need += c.flags & GLUCOSE_CTX_FLAG_CARBOHYDRATE ? 3 : 0;
	need += c.flags & GLUCOSE_CTX_FLAG_MEAL ? 1 : 0;
	need += c.flags & GLUCOSE_CTX_FLAG_TESTER_HEALTH ? 1 : 0;
	need += c.flags & GLUCOSE_CTX_FLAG_EXERCISE ? 3 : 0;
	need += c.flags & GLUCOSE_CTX_FLAG_MEDICATION ? 3 : 0;
	need += c.flags & GLUCOSE_CTX_FLAG_HBA1C ? 2 : 0;
	r = gatt_require_length("2A34", c.flags, need, len, err);
	if (r < 0)
		return r;

	c.seq = (uint16_t)get_le16(buf + 1);
	pos = 3;
	if (c.flags & GLUCOSE_CTX_FLAG_EXTENDED) {
		c.has_extended_flags = true;
		c.extended_flags = buf[pos++];
	}
	if (c.flags & GLUCOSE_CTX_FLAG_CARBOHYDRATE) {
		c.has_carbohydrate = true;
		c.carbohydrate_id = buf[pos];
		c.carbohydrate = ieee11073_sfloat((uint16_t)get_le16(buf + pos + 1));
		pos += 3;
	}
	if (c.flags & GLUCOSE_CTX_FLAG_MEAL) {
		c.has_meal = true;
		c.meal = buf[pos++];
	}
	if (c.flags & GLUCOSE_CTX_FLAG_TESTER_HEALTH) {
		c.has_tester_health = true;
		c.tester = buf[pos] & 0x0f;
		c.health = buf[pos] >> 4;
		pos++;
	}
	if (c.flags & GLUCOSE_CTX_FLAG_EXERCISE) {
		c.has_exercise = true;
		c.exercise_duration = (uint16_t)get_le16(buf + pos);
		c.exercise_intensity = buf[pos + 2];
		pos += 3;
	}
	c.medication_litres = c.flags & GLUCOSE_CTX_FLAG_MEDICATION_L;
	if (c.flags & GLUCOSE_CTX_FLAG_MEDICATION) {
		c.has_medication = true;
		c.medication_id = buf[pos];
		c.medication = ieee11073_sfloat((uint16_t)get_le16(buf + pos + 1));
		pos += 3;
	}
	if (c.flags & GLUCOSE_CTX_FLAG_HBA1C) {
		c.has_hba1c = true;
		c.hba1c = ieee11073_sfloat((uint16_t)get_le16(buf + pos));
	}
	*ret = c;
	return 0;
}

int glucose_feature_parse(const uint8_t *buf, size_t len, uint16_t *ret, struct gatt_error *err)
{
	if (len < 2)
		return gatt_error_set(err, "2A51: need 2 octets, got %zu", len);
	*ret = (uint16_t)get_le16(buf);
	return 0;
}
