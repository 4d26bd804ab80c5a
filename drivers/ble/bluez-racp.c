// SPDX-License-Identifier: MIT
/*
 * A glucometer's records: pairing each measurement with its context by
 * sequence number, the Record Access Control Point sync that fetches only
 * records newer than the persisted watermark, and the bounded ring of
 * delivered records that keeps a re-sent one from becoming a second reading.
 * docs/ble-driver.md describes the flow.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ble-reading.h"
#include "bluez-internal.h"
#include "glucose.h"
#include "log.h"
#include "racp.h"

#define UUID_RACP 0x2A52

/* ---- glucose records: de-duplication ring and context pairing ---- */

static uint32_t fingerprint(const struct glucose_measurement *m)
{
	const int32_t parts[] = {
		m->base_time.year,
		m->base_time.month,
		m->base_time.day,
		m->base_time.hours,
		m->base_time.minutes,
		m->base_time.seconds,
		m->has_time_offset ? m->time_offset : INT32_MIN,
		m->has_concentration ? (int32_t)m->concentration.special : -1,
		m->concentration.mantissa,
		m->concentration.exponent,
		m->mol_per_l,
	};
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < ELEMENTSOF(parts); i++)
		for (int k = 0; k < 4; k++) {
			h ^= ((uint32_t)parts[i] >> (8 * k)) & 0xff;
			h *= 16777619u;
		}
	return h;
}

/* True when record @seq (and, when @fp is given, the same time and value) was delivered. */
static bool seen_has(const struct racp_sync *s, uint16_t seq, const uint32_t *fp)
{
	for (size_t i = 0; i < s->n_seen; i++)
		if (s->seen[i].seq == seq && (!fp || s->seen[i].fingerprint == *fp))
			return true;
	return false;
}

static void seen_add(struct bluez_device *d, uint16_t seq, uint32_t fp)
{
	struct racp_sync *s = &d->racp;

	if (!s->seen) {
		s->seen = calloc(BLUEZ_RACP_SEEN_MAX, sizeof(*s->seen));
		if (!s->seen) {
			log_oom();
			return;
		}
	}
	s->seen[s->seen_next] = (struct racp_seen){ .seq = seq, .fingerprint = fp };
	s->seen_next = (s->seen_next + 1) % BLUEZ_RACP_SEEN_MAX;
	if (s->n_seen < BLUEZ_RACP_SEEN_MAX)
		s->n_seen++;
}

/*
 * After a meter reset, records numbered above the new watermark are from the
 * meter's earlier life: forget them, or the new records that get those
 * numbers would be taken for them.
 */
static void seen_forget_above(struct racp_sync *s, int32_t seq)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_seen; i++)
		if (s->seen[i].seq <= seq)
			s->seen[n++] = s->seen[i];
	s->n_seen = n;
	s->seen_next = n % BLUEZ_RACP_SEEN_MAX;
}

static bool racp_active(const struct racp_sync *s)
{
	return s->phase == RACP_REPORT || s->phase == RACP_CHECK_LAST;
}

/* Notes a received record; false when it was delivered before and must not be again. */
static bool glucose_accept(struct bluez_device *d, const struct glucose_measurement *m)
{
	struct racp_sync *s = &d->racp;
	uint32_t fp = fingerprint(m);
	bool dup;

	if (racp_active(s)) {
		s->records++;
		if (m->seq > s->max_seq)
			s->max_seq = m->seq;
		if (s->min_seq < 0 || m->seq < s->min_seq)
			s->min_seq = m->seq;
		if (s->phase == RACP_CHECK_LAST)
			s->last_seq = m->seq;
	}
	if (racp_active(s) && !s->fallback)
		dup = (s->watermark >= 0 && m->seq <= s->watermark) || seen_has(s, m->seq, NULL);
	else
		dup = seen_has(s, m->seq, &fp);
	if (dup) {
		log_debug("bluez: device '%s': record %u was already delivered",
			  bluez_device_name(d), m->seq);
		return false;
	}
	seen_add(d, m->seq, fp);
	return true;
}

static void glucose_emit(struct bluez_device *d, const struct glucose_measurement *m,
			 const struct glucose_context *ctx, bool stored)
{
	struct gatt_error err = { { 0 } };
	struct reading rd;

	if (ble_reading_from_glucose(m, ctx, &rd, &err) < 0) {
		bluez_device_bad_value(d, err.message);
		return;
	}
	if (stored)
		rd.mode = READING_MODE_STORED;
	bluez_device_deliver(d, &rd);
}

/* Delivers the measurement that waited for a context which did not come. */
static void flush_held(struct bluez_device *d)
{
	struct racp_sync *s = &d->racp;

	if (!s->has_held)
		return;
	s->has_held = false;
	glucose_emit(d, &s->held, NULL, s->held_stored);
}

void bluez_glucose_value(struct bluez_device *d, const uint8_t *buf, size_t len)
{
	struct racp_sync *s = &d->racp;
	struct gatt_error err = { { 0 } };
	struct glucose_measurement m;

	if (glucose_measurement_parse(buf, len, &m, &err) < 0) {
		bluez_device_bad_value(d, err.message);
		return;
	}
	flush_held(d);
	if (!glucose_accept(d, &m))
		return;
	if (m.context_follows) {
		s->has_held = true;
		s->held = m;
		s->held_stored = s->phase != RACP_IDLE;
	} else {
		glucose_emit(d, &m, NULL, s->phase != RACP_IDLE);
	}
	/*
	 * A record the meter sent on its own (a measurement taken while
	 * connected): sync at once, so that the watermark moves past it the
	 * only way it may, at the end of a procedure. The procedure sends it
	 * again; the ring drops it.
	 */
	if (s->phase == RACP_IDLE && d->phase == BLUEZ_PHASE_READY && !d->abandoned)
		bluez_racp_start(d);
}

void bluez_glucose_context_value(struct bluez_device *d, const uint8_t *buf, size_t len)
{
	struct racp_sync *s = &d->racp;
	struct gatt_error err = { { 0 } };
	struct glucose_context ctx;

	if (glucose_context_parse(buf, len, &ctx, &err) < 0) {
		bluez_device_bad_value(d, err.message);
		flush_held(d);
		return;
	}
	if (!s->has_held || s->held.seq != ctx.seq) {
		log_debug("bluez: device '%s': context for record %u has no measurement waiting",
			  bluez_device_name(d), ctx.seq);
		return;
	}
	s->has_held = false;
	glucose_emit(d, &s->held, &ctx, s->held_stored);
}

/* ---- RACP incremental sync ---- */

static int on_racp_written(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez_device *d = userdata;
	struct racp_sync *s = &d->racp;
	const char *message;

	(void)ret_error;
	d->op_slot = sd_bus_slot_unref(d->op_slot);
	if (s->phase == RACP_ABORTING) {
		s->phase = RACP_IDLE;
		bluez_device_abandon(d);
		return 0;
	}
	/* ATT 0x80/0xFE procedure in progress, 0x81/0xFD CCCD not configured: start afresh. */
	if (bluez_reply_error(reply, NULL, &message) < 0 && racp_active(s)) {
		log_warning("bluez: device '%s': RACP request refused: %s", bluez_device_name(d),
			    message);
		bluez_racp_interrupted(d);
		bluez_device_abandon(d);
	}
	return 0;
}

static int racp_write(struct bluez_device *d, const uint8_t *req, size_t len)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	struct bluez_char *c = bluez_device_find_char(d, UUID_RACP);
	int r;

	if (!c)
		return -ENOENT;
	r = bluez_new_call(d->bluez, c->path, BLUEZ_CHAR_IFACE, "WriteValue", &m);
	if (r >= 0)
		r = sd_bus_message_append_array(m, 'y', req, len);
	if (r >= 0)
		r = sd_bus_message_append(m, "a{sv}", 1, "type", "s", "request");
	if (r >= 0)
		r = bluez_send(d->bluez, &d->op_slot, m, d->bluez->config.racp_timeout_ms,
			       on_racp_written, d);
	return r;
}

static int on_racp_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct bluez_device *d = userdata;
	struct racp_sync *s = &d->racp;
	uint8_t req[RACP_REQUEST_MAX];
	int n;

	(void)src;
	(void)usec;
	if (!racp_active(s))
		return 0;
	log_warning("bluez: device '%s': RACP procedure took longer than %" PRIu64
		    " ms; aborting it and reconnecting",
		    bluez_device_name(d), d->bluez->config.racp_timeout_ms);
	bluez_racp_interrupted(d);
	n = racp_build_abort(req, sizeof(req));
	s->phase = RACP_ABORTING;
	if (n < 0 || racp_write(d, req, (size_t)n) < 0) {
		s->phase = RACP_IDLE;
		bluez_device_abandon(d);
	}
	return 0;
}

/* Writes "report all" (@from < 0) or "report sequence >= @from". */
static void racp_request(struct bluez_device *d, int32_t from)
{
	struct racp_sync *s = &d->racp;
	uint8_t req[RACP_REQUEST_MAX];
	int n, r;

	if (from > UINT16_MAX)
		from = -1;
	n = from < 0 ? racp_build_report_all(req, sizeof(req))
		     : racp_build_report_from((uint16_t)from, req, sizeof(req));
	s->report_all = from < 0;
	s->phase = RACP_REPORT;
	s->max_seq = s->min_seq = s->last_seq = -1;
	s->records = 0;
	if (from < 0)
		log_info("bluez: device '%s': RACP report all records%s", bluez_device_name(d),
			 s->fallback ? " (meter reset)" : "");
	else
		log_info("bluez: device '%s': RACP report records from %d", bluez_device_name(d),
			 (int)from);
	r = n < 0 ? n : racp_write(d, req, (size_t)n);
	if (r >= 0)
		r = bluez_set_timer(d->bluez, &s->timer, d->bluez->config.racp_timeout_ms,
				    on_racp_timer, d);
	if (r < 0) {
		log_warning_errno(r, "bluez: device '%s': cannot start the RACP sync: %m",
				  bluez_device_name(d));
		s->phase = RACP_IDLE;
	}
}

static int32_t load_watermark(struct bluez_device *d)
{
	char buf[32] = "", *end;
	unsigned long v;

	if (!d->bluez->callbacks->state_get ||
	    d->bluez->callbacks->state_get(d->bluez->userdata, bluez_device_name(d),
					   "racp_last_seq", buf, sizeof(buf)) < 0)
		return -1;
	buf[sizeof(buf) - 1] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || *end || v > UINT16_MAX) {
		log_warning("bluez: device '%s': ignoring stored racp_last_seq '%s'",
			    bluez_device_name(d), buf);
		return -1;
	}
	return (int32_t)v;
}

void bluez_racp_start(struct bluez_device *d)
{
	struct racp_sync *s = &d->racp;

	if (!bluez_device_find_char(d, UUID_RACP) || racp_active(s))
		return;
	s->watermark = load_watermark(d);
	if (s->resume >= 0 && s->resume <= s->watermark)
		s->resume = -1;
	s->checked_last = false;
	if (s->fallback)
		racp_request(d, -1);
	else if (s->resume >= 0)
		racp_request(d, s->resume + 1);
	else if (s->watermark >= 0)
		racp_request(d, s->watermark + 1);
	else
		racp_request(d, -1);
}

/* The procedure ended well: persist the highest record received. */
static void racp_commit(struct bluez_device *d)
{
	struct racp_sync *s = &d->racp;
	int32_t w = s->watermark;
	char buf[16];
	int r;

	if (s->fallback) {
		if (s->max_seq >= 0)
			w = s->max_seq;
		seen_forget_above(s, w);
	} else {
		if (s->max_seq > w)
			w = s->max_seq;
		if (s->resume > w)
			w = s->resume;
	}
	if (w >= 0 && w != s->watermark) {
		snprintf(buf, sizeof(buf), "%d", (int)w);
		r = d->bluez->callbacks->state_set
			    ? d->bluez->callbacks->state_set(d->bluez->userdata,
							     bluez_device_name(d), "racp_last_seq",
							     buf)
			    : -EOPNOTSUPP;
		if (r < 0)
			log_error_errno(r, "bluez: device '%s': cannot store racp_last_seq %s: %m",
					bluez_device_name(d), buf);
		else
			s->watermark = w;
	}
	log_info("bluez: device '%s': RACP sync done, %u record(s) received, last sequence %d",
		 bluez_device_name(d), s->records, (int)s->watermark);
	s->fallback = false;
	s->resume = -1;
	s->phase = RACP_IDLE;
	bluez_disarm(&s->timer);
}

/* Nothing new arrived: ask for the newest record; one below the watermark means a reset meter. */
static void racp_check_last(struct bluez_device *d)
{
	struct racp_sync *s = &d->racp;
	const uint8_t req[] = { RACP_OP_REPORT, RACP_OPERATOR_LAST };

	s->checked_last = true;
	s->phase = RACP_CHECK_LAST;
	s->last_seq = -1;
	if (racp_write(d, req, sizeof(req)) < 0)
		racp_commit(d);
}

static void racp_report_done(struct bluez_device *d, uint8_t code)
{
	struct racp_sync *s = &d->racp;
	bool nothing_new = s->max_seq <= s->watermark;

	switch (code) {
	case RACP_RESPONSE_SUCCESS:
	case RACP_RESPONSE_NO_RECORDS:
		if (!s->fallback && s->watermark >= 0 && nothing_new && !s->checked_last)
			racp_check_last(d);
		else
			racp_commit(d);
		return;
	case RACP_RESPONSE_INVALID_OPERATOR:
	case RACP_RESPONSE_OPERATOR_NOT_SUPPORTED:
	case RACP_RESPONSE_INVALID_OPERAND:
	case RACP_RESPONSE_OPERAND_NOT_SUPPORTED:
		if (!s->report_all) {
			log_notice(
				"bluez: device '%s': the meter refuses 'report from' (%s); asking "
				"for all records",
				bluez_device_name(d), racp_response_code_to_string(code));
			racp_request(d, -1);
			return;
		}
		break;
	default:
		break;
	}
	log_warning("bluez: device '%s': RACP report ended with '%s' (0x%02x)",
		    bluez_device_name(d),
		    racp_response_code_to_string(code) ? racp_response_code_to_string(code)
						       : "reserved",
		    code);
	bluez_racp_interrupted(d);
	bluez_device_abandon(d);
}

static void racp_check_done(struct bluez_device *d, uint8_t code)
{
	struct racp_sync *s = &d->racp;

	if (code == RACP_RESPONSE_SUCCESS && s->last_seq >= 0 && s->last_seq < s->watermark) {
		log_notice("bluez: device '%s': newest record %d is below the %d already fetched: "
			   "the meter was reset; fetching all records",
			   bluez_device_name(d), (int)s->last_seq, (int)s->watermark);
		s->fallback = true;
		s->resume = -1;
		racp_request(d, -1);
		return;
	}
	racp_commit(d);
}

void bluez_racp_value(struct bluez_device *d, const uint8_t *buf, size_t len)
{
	struct racp_sync *s = &d->racp;
	struct gatt_error err = { { 0 } };
	struct racp_response rsp;

	if (racp_response_parse(buf, len, &rsp, &err) < 0) {
		bluez_device_bad_value(d, err.message);
		return;
	}
	if (rsp.opcode != RACP_OP_RESPONSE_CODE || rsp.request_opcode != RACP_OP_REPORT ||
	    !racp_active(s)) {
		log_debug("bluez: device '%s': RACP response 0x%02x to 0x%02x ignored",
			  bluez_device_name(d), rsp.opcode, rsp.request_opcode);
		return;
	}
	flush_held(d);
	if (s->phase == RACP_CHECK_LAST)
		racp_check_done(d, rsp.response_code);
	else
		racp_report_done(d, rsp.response_code);
}

/*
 * The procedure stopped before its response code (disconnect, timeout,
 * refusal). What arrived was delivered; the next procedure resumes after the
 * last record received without a gap, and the persisted watermark stays.
 */
void bluez_racp_interrupted(struct bluez_device *d)
{
	struct racp_sync *s = &d->racp;
	int32_t base;

	flush_held(d);
	if (s->phase == RACP_ABORTING)
		s->phase = RACP_IDLE;
	if (!racp_active(s))
		return;
	s->phase = RACP_IDLE;
	bluez_disarm(&s->timer);
	if (s->fallback || s->records == 0)
		goto out;
	base = s->resume >= 0 ? s->resume : s->watermark >= 0 ? s->watermark : s->min_seq - 1;
	while (base < UINT16_MAX && seen_has(s, (uint16_t)(base + 1), NULL))
		base++;
	if (base >= 0 && base > s->watermark)
		s->resume = base;
out:
	log_notice("bluez: device '%s': RACP sync interrupted after %u record(s); the next sync "
		   "starts after record %d",
		   bluez_device_name(d), s->records,
		   (int)(s->resume >= 0 ? s->resume : s->watermark));
}
