// SPDX-License-Identifier: MIT
/*
 * The Modbus simulator's scenario parser under libFuzzer: one line of any
 * bytes against the shipped radar profile. A refused line gets a message
 * naming line 1; an accepted one is well-formed, and every value it sets
 * encodes into its registers, as the parser promises.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modbus-decode.h"
#include "modbus-scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static const char radar[] = "[profile]\nname = bed-radar\n"
			    "[value.bed_occupancy]\nfunction = input\naddress = 0\ntype = bit\n"
			    "bit = 0\nquantity = bed_occupancy\n"
			    "[value.respiration_rate]\nfunction = input\naddress = 1\ntype = u16\n"
			    "quantity = respiration_rate\nabsent = 0xFFFF\n"
			    "[value.flow]\nfunction = holding\naddress = 8\ntype = float32\n"
			    "quantity = oxygen_flow\n"
			    "[value.t]\nfunction = holding\naddress = 10\ntype = s16\n"
			    "quantity = room_temperature\nscale = 0.1\nunit = 0.1C\n";

static void check_event(const struct modbus_profile *p, const struct modbus_scenario_event *ev)
{
	uint16_t words[2] = { 0 };
	double raw;

	require(ev->line == 1);
	require(ev->target == MODBUS_SCENARIO_ALL || (ev->target >= 0 && ev->target <= 255));
	require(modbus_scenario_kind_to_string(ev->kind) != NULL);
	require(!ev->has_time || ev->at_ms <= (uint64_t)MODBUS_SCENARIO_TIME_MAX_S * 1000);
	switch (ev->kind) {
	case MODBUS_SCENARIO_SET:
		require(ev->u.set.n >= 1 && ev->u.set.n <= MODBUS_PROFILE_VALUES_MAX);
		for (size_t i = 0; i < ev->u.set.n; i++) {
			const struct modbus_value *v = &p->values[ev->u.set.items[i].value];

			require(ev->u.set.items[i].value < p->n_values);
			if (ev->u.set.items[i].absent)
				require(modbus_value_encode_absent(v, words) == 0);
			else
				require(modbus_value_encode(v, ev->u.set.items[i].number, words,
							    &raw, NULL, 0) == 0);
		}
		break;
	case MODBUS_SCENARIO_RAW:
		require(ev->u.raw.n >= 1 && ev->u.raw.n <= MODBUS_SCENARIO_RAW_MAX);
		break;
	case MODBUS_SCENARIO_STALL:
		require(ev->u.stall.ms >= 1 && ev->u.stall.ms <= 3600000);
		break;
	case MODBUS_SCENARIO_DROP:
		require(ev->u.drop_ms <= 3600000);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct modbus_profile profile;
	static bool loaded;
	struct modbus_scenario_event ev;
	struct modbus_scenario_error err = { "" };
	struct config_error cerr;
	int r;

	if (!loaded) {
		require(modbus_profile_parse(radar, strlen(radar), "radar.conf", &profile, &cerr) ==
			0);
		loaded = true;
	}
	r = modbus_scenario_parse_line((const char *)data, size, 1, &profile, &ev, &err);
	if (r > 0)
		check_event(&profile, &ev);
	else if (r < 0)
		require(r == -EINVAL && strncmp(err.message, "line 1: ", 8) == 0);
	return 0;
}
