// SPDX-License-Identifier: MIT
/*
 * The simulator's scenario parser under libFuzzer. The input is one line (of
 * any bytes). A refused line gets a message naming line 1; an accepted event
 * is well-formed and, as the parser promises, every reading it carries
 * encodes into a value within bounds. The same bytes also go to the glucose
 * meter's RACP request parser as a write to 2A52.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ble-encode.h"
#include "ble-memory.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static bool text_ok(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void check_address(const struct scenario_event *ev)
{
	if (ev->kind == SCENARIO_ADAPTER) {
		require(ev->address[0] == '\0');
		return;
	}
	require(strlen(ev->address) == 17);
	for (size_t i = 0; i < 17; i++)
		require(i % 3 == 2 ? ev->address[i] == ':'
				   : strchr("0123456789ABCDEF", ev->address[i]) != NULL);
}

static void check_encodes(const struct scenario_event *ev)
{
	static const struct gatt_date_time when = { 2026, 11, 22, 7, 5, 9 };
	uint8_t buf[SIM_VALUE_MAX];
	int n = 1;

	switch (ev->kind) {
	case SCENARIO_BP:
		n = sim_encode_bp(&ev->u.bp, &when, false, buf, sizeof(buf));
		require(n > 0);
		n = sim_encode_bp(&ev->u.bp, &when, true, buf, sizeof(buf));
		break;
	case SCENARIO_GLUCOSE:
		n = sim_encode_glucose(&ev->u.glucose, 1, &when, buf, sizeof(buf));
		require(sim_encode_glucose_context(&ev->u.glucose, 1, buf, SIM_CONTEXT_MAX) >= 0);
		break;
	case SCENARIO_SPO2:
		n = sim_encode_spo2(&ev->u.spo2, &when, buf, sizeof(buf));
		break;
	case SCENARIO_TEMP:
		n = sim_encode_temp(&ev->u.temp, &when, buf, sizeof(buf));
		break;
	case SCENARIO_WEIGHT:
		n = sim_encode_weight(&ev->u.weight, &when, buf, sizeof(buf));
		break;
	default:
		break;
	}
	require(n > 0 && (size_t)n <= sizeof(buf));
}

static void check_event(const struct scenario_event *ev)
{
	const struct scenario_device *d = &ev->u.device;

	require((unsigned)ev->kind < _SCENARIO_KIND_MAX);
	require(ev->line == 1);
	require(ev->at_ms <= (uint64_t)SCENARIO_TIME_MAX_S * 1000);
	check_address(ev);
	if (ev->kind == SCENARIO_RAW)
		require(ev->u.raw.len <= SCENARIO_RAW_MAX);
	if (ev->kind == SCENARIO_DEVICE) {
		require((unsigned)d->profile < _SCENARIO_PROFILE_MAX);
		require(text_ok(d->name, sizeof(d->name)) && text_ok(d->model, sizeof(d->model)));
		require(text_ok(d->manufacturer, sizeof(d->manufacturer)) &&
			text_ok(d->firmware, sizeof(d->firmware)));
		require(strlen(d->passkey) == 0 || strspn(d->passkey, "0123456789") == 6);
		require(d->battery <= 100 && d->rssi >= -127 && d->rssi <= 20);
	}
	check_encodes(ev);
}

static void check_racp(const uint8_t *data, size_t size)
{
	struct sim_racp_request r;
	int ret = sim_racp_parse(data, size, &r);

	if (ret < 0) {
		require(ret == -EMSGSIZE && size == 0);
		return;
	}
	require(r.action <= SIM_RACP_REJECT);
	if (r.action == SIM_RACP_REJECT)
		require(r.response_code >= 0x02 && r.response_code <= 0x09);
	else
		require(r.min <= r.max);
	(void)sim_racp_selects(&r, size > 1 ? data[1] : 0, 0, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario_error err = { .message = "" };
	struct scenario_event ev;
	int r;

	r = scenario_parse_line((const char *)data, size, 1, &ev, &err);
	require(r == -EINVAL || r == 0 || r == 1);
	if (r < 0)
		require(strncmp(err.message, "line 1: ", 8) == 0);
	if (r == 1)
		check_event(&ev);
	check_racp(data, size);
	return 0;
}
