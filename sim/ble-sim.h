/* SPDX-License-Identifier: MIT */
/*
 * The `bedlink-sim ble` manager, shared by its files (ble-sim.c: bus, loop,
 * adapter, agents, scenario; ble-device.c: Device1 and the virtual devices;
 * ble-gatt.c: the GATT objects). Not a library interface: the manager owns
 * every device, and every device owns its GATT objects and event sources.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "macro.h"
#include "scenario.h"

#define SIM_DEVICES_MAX    16
#define SIM_AGENTS_MAX     16
#define SIM_DISCOVERY_MAX  16
#define SIM_EVENTS_MAX     10000 /* lines in a scenario file */
#define SIM_NAME_MAX       256   /* a client's bus name or object path */
#define SIM_ATT_MTU        247
#define SIM_CONNECT_USEC   (30 * 1000)       /* link set-up when the device advertises */
#define SIM_ATT_RTT_USEC   (5 * 1000)        /* an ATT request and its response */
#define SIM_TX_USEC        (2 * 1000)        /* between two notifications */
#define SIM_FOUND_USEC     (100 * 1000)      /* discovery sees an advertising device */
#define SIM_TEMPORARY_USEC (30 * 1000000ULL) /* BlueZ's TemporaryTimeout */
#define SIM_AGENT_USEC     (60 * 1000000ULL) /* an agent's time to answer */

#define BLUEZ_ERROR(name) "org.bluez.Error." name

#define BLUEZ_ADAPTER   "org.bluez.Adapter1"
#define BLUEZ_DEVICE    "org.bluez.Device1"
#define BLUEZ_BATTERY   "org.bluez.Battery1"
#define BLUEZ_SERVICE   "org.bluez.GattService1"
#define BLUEZ_CHRC      "org.bluez.GattCharacteristic1"
#define BLUEZ_DESC      "org.bluez.GattDescriptor1"
#define BLUEZ_AGENT     "org.bluez.Agent1"
#define BLUEZ_AGENT_MGR "org.bluez.AgentManager1"

struct sim_device;

/* sd-bus property getters share one signature; most use only @reply and @userdata. */
#define PROPERTY_GETTER(name)                                                          \
	static int name(sd_bus *bus _unused_, const char *path _unused_,               \
			const char *interface _unused_, const char *property _unused_, \
			sd_bus_message *reply, void *userdata _unused_,                \
			sd_bus_error *error _unused_)

struct sim_agent {
	char owner[SIM_NAME_MAX]; /* unique bus name of the process that registered it */
	char path[SIM_NAME_MAX];
	char capability[20];
};

struct sim {
	sd_event *event;
	sd_bus *bus;
	char bus_address[SIM_NAME_MAX];
	uint64_t connect_timeout_usec;

	/* The adapter as Adapter1 shows it. */
	char adapter[16];
	char adapter_path[32];
	char adapter_address[18];
	char alias[SIM_NAME_MAX];
	bool adapter_present;
	bool powered;
	bool discovering;
	bool discoverable;
	bool pairable;
	uint32_t discoverable_timeout;
	uint32_t pairable_timeout;
	char discovery_clients[SIM_DISCOVERY_MAX][SIM_NAME_MAX];
	size_t n_discovery_clients;

	struct sim_agent agents[SIM_AGENTS_MAX];
	size_t n_agents;
	int default_agent; /* index into agents, or -1 */

	struct sim_device *devices[SIM_DEVICES_MAX];
	size_t n_devices;

	/* The scenario file, sorted by time; next_event is the first not yet applied. */
	struct scenario_event *events;
	size_t n_events;
	size_t next_event;
	uint64_t start_usec; /* CLOCK_MONOTONIC */

	/* Live events on standard input. */
	bool use_stdin;
	bool stdin_done;
	char line[SCENARIO_LINE_MAX + 2];
	size_t line_len;
	bool line_too_long;
	unsigned stdin_line;

	sd_bus_slot *object_manager_slot;
	sd_bus_slot *agent_manager_slot;
	sd_bus_slot *adapter_slot;
	sd_bus_slot *name_watch_slot;
	sd_event_source *scenario_timer;
	sd_event_source *power_timer;
	sd_event_source *stdin_source;
	sd_event_source *exit_check;
};

/* One observable event line on stdout, flushed at once ("notify C0:FF:EE:00:00:01 2A35 1e..."). */
void sim_print(const char *format, ...) _printf_(1, 2);

/* "0000NNNN-0000-1000-8000-00805f9b34fb" in lower case. */
void sim_uuid128(uint16_t uuid16, char out[37]);

/* The agent BlueZ would use for a request by @sender: its own, else the default; NULL if none. */
const struct sim_agent *sim_agent_for(const struct sim *sim, const char *sender);

/* Exits the loop when standard input has ended and nothing is left to do. */
void sim_maybe_exit(struct sim *sim);

/* Microseconds on CLOCK_MONOTONIC. */
uint64_t sim_now_usec(void);

/*
 * Arms (or re-arms) the one-shot timer *@source to fire @usec from now, or
 * disables it when @usec is UINT64_MAX. Returns 0 or -errno.
 */
int sim_timer_arm(struct sim *sim, sd_event_source **source, uint64_t usec,
		  sd_event_time_handler_t handler, void *userdata);
