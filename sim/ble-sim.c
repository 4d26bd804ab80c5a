// SPDX-License-Identifier: MIT
/*
 * `bedlink-sim ble`: a stand-in for bluetoothd on a given bus. It registers
 * the ObjectManager at "/", AgentManager1 at /org/bluez and Adapter1 at
 * /org/bluez/<adapter>, then takes the name org.bluez and prints "ready".
 * A scenario file and standard input drive virtual devices (ble-device.c);
 * what clients do is echoed as one line per event on stdout for tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "ble-device.h"
#include "ble-sim.h"
#include "commands.h"
#include "log.h"
#include "scenario.h"

/* ---- Helpers shared by the ble files ---- */

void sim_print(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vfprintf(stdout, format, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void sim_uuid128(uint16_t uuid16, char out[37])
{
	snprintf(out, 37, "0000%04x-0000-1000-8000-00805f9b34fb", uuid16);
}

uint64_t sim_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int sim_timer_arm(struct sim *sim, sd_event_source **source, uint64_t usec,
		  sd_event_time_handler_t handler, void *userdata)
{
	int r;

	if (usec == UINT64_MAX) {
		*source = sd_event_source_disable_unref(*source);
		return 0;
	}
	if (*source) {
		r = sd_event_source_set_time_relative(*source, usec);
		if (r >= 0)
			r = sd_event_source_set_enabled(*source, SD_EVENT_ONESHOT);
		return r;
	}
	/* An accuracy of 1 us: sd-event would otherwise coalesce timers over 250 ms. */
	r = sd_event_add_time_relative(sim->event, source, CLOCK_MONOTONIC, usec, 1, handler,
				       userdata);
	if (r < 0)
		log_error_errno(r, "bedlink-sim: cannot add a timer: %m");
	return r;
}

const struct sim_agent *sim_agent_for(const struct sim *sim, const char *sender)
{
	for (size_t i = 0; sender && i < sim->n_agents; i++)
		if (strcmp(sim->agents[i].owner, sender) == 0)
			return &sim->agents[i];
	if (sim->default_agent >= 0)
		return &sim->agents[sim->default_agent];
	return NULL;
}

void sim_maybe_exit(struct sim *sim)
{
	if (!sim->use_stdin || !sim->stdin_done || sim->next_event < sim->n_events)
		return;
	for (size_t i = 0; i < sim->n_devices; i++)
		if (sim_device_busy(sim->devices[i]))
			return;
	(void)sd_event_exit(sim->event, 0);
}

static struct sim_device *find_device(const struct sim *sim, const char *address)
{
	for (size_t i = 0; i < sim->n_devices; i++)
		if (strcmp(sim_device_address(sim->devices[i]), address) == 0)
			return sim->devices[i];
	return NULL;
}

static int sim_error(sd_bus_error *error, const char *name, const char *message)
{
	return sd_bus_error_set(error, name, message);
}

/* ---- Adapter1 ---- */

static void emit_adapter(struct sim *sim, const char *property)
{
	if (sim->adapter_slot)
		(void)sd_bus_emit_properties_changed(sim->bus, sim->adapter_path, BLUEZ_ADAPTER,
						     property, NULL);
}

static void discovery_set(struct sim *sim, bool on)
{
	if (sim->discovering == on)
		return;
	sim->discovering = on;
	emit_adapter(sim, "Discovering");
	sim_print("discovering %s", on ? "on" : "off");
	for (size_t i = 0; i < sim->n_devices; i++)
		sim_device_discovery_changed(sim->devices[i], on);
}

PROPERTY_GETTER(adapter_get_address)
{
	struct sim *sim = userdata;

	return sd_bus_message_append(reply, "s", sim->adapter_address);
}

PROPERTY_GETTER(adapter_get_public)
{
	return sd_bus_message_append(reply, "s", "public");
}

PROPERTY_GETTER(adapter_get_name)
{
	return sd_bus_message_append(reply, "s", "bedlink-sim");
}

PROPERTY_GETTER(adapter_get_alias)
{
	struct sim *sim = userdata;

	return sd_bus_message_append(reply, "s", sim->alias);
}

PROPERTY_GETTER(adapter_get_class)
{
	return sd_bus_message_append(reply, "u", 0u);
}

/* Writable properties get the whole struct sim (sd-bus hands setters userdata + offset too). */
PROPERTY_GETTER(adapter_get_bool)
{
	struct sim *sim = userdata;
	bool v = strcmp(property, "Powered") == 0        ? sim->powered
		 : strcmp(property, "Discoverable") == 0 ? sim->discoverable
		 : strcmp(property, "Pairable") == 0     ? sim->pairable
							 : sim->discovering;

	return sd_bus_message_append(reply, "b", v);
}

PROPERTY_GETTER(adapter_get_u32)
{
	struct sim *sim = userdata;

	return sd_bus_message_append(reply, "u",
				     strcmp(property, "DiscoverableTimeout") == 0
					     ? sim->discoverable_timeout
					     : sim->pairable_timeout);
}

PROPERTY_GETTER(adapter_get_power_state)
{
	struct sim *sim = userdata;

	return sd_bus_message_append(reply, "s", sim->powered ? "on" : "off");
}

PROPERTY_GETTER(adapter_get_uuids)
{
	return sd_bus_message_append(reply, "as", 3, "00001800-0000-1000-8000-00805f9b34fb",
				     "00001801-0000-1000-8000-00805f9b34fb",
				     "0000180a-0000-1000-8000-00805f9b34fb");
}

PROPERTY_GETTER(adapter_get_roles)
{
	return sd_bus_message_append(reply, "as", 2, "central", "peripheral");
}

static int on_power_changed(sd_event_source *source _unused_, uint64_t usec _unused_,
			    void *userdata)
{
	struct sim *sim = userdata;

	if (!sim->powered) {
		sim->n_discovery_clients = 0;
		discovery_set(sim, false);
	}
	for (size_t i = 0; i < sim->n_devices; i++) {
		if (sim->powered)
			sim_device_power_on(sim->devices[i]);
		else
			sim_device_power_off(sim->devices[i]);
	}
	return 0;
}

static int adapter_set_powered(sd_bus *bus _unused_, const char *path _unused_,
			       const char *interface _unused_, const char *property _unused_,
			       sd_bus_message *value, void *userdata, sd_bus_error *error _unused_)
{
	struct sim *sim = userdata;
	int v, r;

	r = sd_bus_message_read(value, "b", &v);
	if (r < 0)
		return r;
	if (sim->powered == !!v)
		return 1;
	sim->powered = v;
	emit_adapter(sim, "Powered");
	emit_adapter(sim, "PowerState");
	sim_print("powered %s", v ? "on" : "off");
	/* Links drop and objects change: not from inside a property setter (sd-bus restarts it). */
	r = sim_timer_arm(sim, &sim->power_timer, 0, on_power_changed, sim);
	return r < 0 ? r : 1;
}

static int adapter_set_alias(sd_bus *bus _unused_, const char *path _unused_,
			     const char *interface _unused_, const char *property _unused_,
			     sd_bus_message *value, void *userdata, sd_bus_error *error)
{
	struct sim *sim = userdata;
	const char *alias;
	int r;

	r = sd_bus_message_read(value, "s", &alias);
	if (r < 0)
		return r;
	if (strlen(alias) >= sizeof(sim->alias))
		return sim_error(error, BLUEZ_ERROR("InvalidArguments"),
				 "Invalid arguments in method call");
	snprintf(sim->alias, sizeof(sim->alias), "%s", alias[0] ? alias : "bedlink-sim");
	emit_adapter(sim, "Alias");
	return 1;
}

static int adapter_set_bool(sd_bus *bus _unused_, const char *path _unused_,
			    const char *interface _unused_, const char *property,
			    sd_bus_message *value, void *userdata, sd_bus_error *error _unused_)
{
	/* Discoverable and Pairable: kept and reported, nothing else here needs them. */
	struct sim *sim = userdata;
	bool *field = strcmp(property, "Discoverable") == 0 ? &sim->discoverable : &sim->pairable;
	int v, r;

	r = sd_bus_message_read(value, "b", &v);
	if (r < 0)
		return r;
	*field = v;
	emit_adapter(sim, property);
	return 1;
}

static int adapter_set_u32(sd_bus *bus _unused_, const char *path _unused_,
			   const char *interface _unused_, const char *property,
			   sd_bus_message *value, void *userdata, sd_bus_error *error _unused_)
{
	struct sim *sim = userdata;
	uint32_t *field = strcmp(property, "DiscoverableTimeout") == 0 ? &sim->discoverable_timeout
								       : &sim->pairable_timeout;
	int r;

	r = sd_bus_message_read(value, "u", field);
	if (r < 0)
		return r;
	emit_adapter(sim, property);
	return 1;
}

static int method_start_discovery(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct sim *sim = userdata;
	const char *sender = sd_bus_message_get_sender(m);

	if (!sim->powered)
		return sim_error(error, BLUEZ_ERROR("NotReady"), "Resource Not Ready");
	if (!sender || strlen(sender) >= SIM_NAME_MAX)
		return sim_error(error, BLUEZ_ERROR("InvalidArguments"),
				 "Invalid arguments in method call");
	/* Every client can start one discovery. */
	for (size_t i = 0; i < sim->n_discovery_clients; i++)
		if (strcmp(sim->discovery_clients[i], sender) == 0)
			return sim_error(error, BLUEZ_ERROR("InProgress"),
					 "Operation already in progress");
	if (sim->n_discovery_clients >= SIM_DISCOVERY_MAX)
		return sim_error(error, BLUEZ_ERROR("Failed"), "Too many discovery sessions");
	snprintf(sim->discovery_clients[sim->n_discovery_clients++], SIM_NAME_MAX, "%s", sender);
	discovery_set(sim, true);
	return sd_bus_reply_method_return(m, NULL);
}

static bool discovery_client_remove(struct sim *sim, const char *name)
{
	for (size_t i = 0; i < sim->n_discovery_clients; i++)
		if (strcmp(sim->discovery_clients[i], name) == 0) {
			memmove(sim->discovery_clients[i], sim->discovery_clients[i + 1],
				(sim->n_discovery_clients - i - 1) * SIM_NAME_MAX);
			sim->n_discovery_clients--;
			if (sim->n_discovery_clients == 0)
				discovery_set(sim, false);
			return true;
		}
	return false;
}

static int method_stop_discovery(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct sim *sim = userdata;
	const char *sender = sd_bus_message_get_sender(m);

	if (!sim->powered)
		return sim_error(error, BLUEZ_ERROR("NotReady"), "Resource Not Ready");
	if (!sender || !discovery_client_remove(sim, sender))
		return sim_error(error, BLUEZ_ERROR("Failed"), "No discovery started");
	return sd_bus_reply_method_return(m, NULL);
}

/* Checks the filter as BlueZ parses it; the simulator then reports every device anyway. */
static int check_filter_entry(sd_bus_message *m, const char *key)
{
	static const struct {
		const char *key;
		const char *type;
	} keys[] = {
		{ "UUIDs", "as" },    { "RSSI", "n" },          { "Pathloss", "q" },
		{ "Transport", "s" }, { "DuplicateData", "b" }, { "Discoverable", "b" },
		{ "Pattern", "s" },
	};

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		if (strcmp(key, keys[i].key) != 0)
			continue;
		if (sd_bus_message_verify_type(m, 'v', keys[i].type) <= 0)
			return -EINVAL;
		if (strcmp(key, "Transport") == 0) {
			const char *t;

			if (sd_bus_message_read(m, "v", "s", &t) < 0)
				return -EINVAL;
			return strcmp(t, "auto") == 0 || strcmp(t, "le") == 0 ||
					       strcmp(t, "bredr") == 0
				       ? 0
				       : -EINVAL;
		}
		return sd_bus_message_skip(m, "v") < 0 ? -EINVAL : 0;
	}
	return -EINVAL;
}

static int method_set_discovery_filter(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct sim *sim = userdata;
	int r;

	if (!sim->powered)
		return sim_error(error, BLUEZ_ERROR("NotReady"), "Resource Not Ready");
	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const char *key;

		r = sd_bus_message_read(m, "s", &key);
		if (r >= 0)
			r = check_filter_entry(m, key);
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r < 0)
		return sim_error(error, BLUEZ_ERROR("InvalidArguments"),
				 "Invalid arguments in method call");
	return sd_bus_reply_method_return(m, NULL);
}

static int method_get_discovery_filters(sd_bus_message *m, void *userdata _unused_,
					sd_bus_error *error _unused_)
{
	return sd_bus_reply_method_return(m, "as", 7, "UUIDs", "RSSI", "Pathloss", "Transport",
					  "DuplicateData", "Discoverable", "Pattern");
}

static int method_remove_device(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct sim *sim = userdata;
	const char *path;
	int r;

	r = sd_bus_message_read(m, "o", &path);
	if (r < 0)
		return sim_error(error, BLUEZ_ERROR("InvalidArguments"),
				 "Invalid arguments in method call");
	for (size_t i = 0; i < sim->n_devices; i++) {
		struct sim_device *d = sim->devices[i];

		if (!sim_device_exported(d) || strcmp(sim_device_path(d), path) != 0)
			continue;
		if (!sim->powered)
			return sim_error(error, BLUEZ_ERROR("NotReady"), "Resource Not Ready");
		/* Forgotten by BlueZ; the device itself still exists and can be found again. */
		sim_device_unexport(d, true);
		return sd_bus_reply_method_return(m, NULL);
	}
	return sim_error(error, BLUEZ_ERROR("DoesNotExist"), "Does Not Exist");
}

static const sd_bus_vtable adapter_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Address", "s", adapter_get_address, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("AddressType", "s", adapter_get_public, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Name", "s", adapter_get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_WRITABLE_PROPERTY("Alias", "s", adapter_get_alias, adapter_set_alias, 0,
				 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_PROPERTY("Class", "u", adapter_get_class, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_WRITABLE_PROPERTY("Powered", "b", adapter_get_bool, adapter_set_powered, 0,
				 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_PROPERTY("PowerState", "s", adapter_get_power_state, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_WRITABLE_PROPERTY("Discoverable", "b", adapter_get_bool, adapter_set_bool, 0,
				 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_WRITABLE_PROPERTY("DiscoverableTimeout", "u", adapter_get_u32, adapter_set_u32, 0,
				 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_WRITABLE_PROPERTY("Pairable", "b", adapter_get_bool, adapter_set_bool, 0,
				 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_WRITABLE_PROPERTY("PairableTimeout", "u", adapter_get_u32, adapter_set_u32, 0,
				 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_PROPERTY("Discovering", "b", adapter_get_bool, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("UUIDs", "as", adapter_get_uuids, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Roles", "as", adapter_get_roles, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_METHOD("StartDiscovery", NULL, NULL, method_start_discovery,
		      SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("StopDiscovery", NULL, NULL, method_stop_discovery,
		      SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("RemoveDevice", SD_BUS_ARGS("o", device), SD_BUS_NO_RESULT,
				method_remove_device, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetDiscoveryFilter", SD_BUS_ARGS("a{sv}", properties),
				SD_BUS_NO_RESULT, method_set_discovery_filter,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("GetDiscoveryFilters", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", filters),
				method_get_discovery_filters, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

static int adapter_add(struct sim *sim)
{
	int r;

	if (sim->adapter_present)
		return 0;
	r = sd_bus_add_object_vtable(sim->bus, &sim->adapter_slot, sim->adapter_path, BLUEZ_ADAPTER,
				     adapter_vtable, sim);
	if (r < 0)
		return log_error_errno(r, "bedlink-sim: cannot register '%s': %m",
				       sim->adapter_path);
	sim->adapter_present = true;
	sim->powered = true;
	(void)sd_bus_emit_object_added(sim->bus, sim->adapter_path);
	/* Bonded devices come back from storage with the adapter. */
	for (size_t i = 0; i < sim->n_devices; i++)
		if (sim_device_paired(sim->devices[i]))
			(void)sim_device_export(sim->devices[i]);
	return 0;
}

static void adapter_remove(struct sim *sim)
{
	if (!sim->adapter_present)
		return;
	sim->n_discovery_clients = 0;
	sim->discovering = false;
	for (size_t i = 0; i < sim->n_devices; i++)
		sim_device_unexport(sim->devices[i], false);
	(void)sd_bus_emit_object_removed(sim->bus, sim->adapter_path);
	sim->adapter_slot = sd_bus_slot_unref(sim->adapter_slot);
	sim->adapter_present = false;
	sim->powered = false;
}

/* ---- AgentManager1 ---- */

static int agent_find(const struct sim *sim, const char *owner, const char *path)
{
	for (size_t i = 0; i < sim->n_agents; i++)
		if (strcmp(sim->agents[i].owner, owner) == 0 &&
		    (!path || strcmp(sim->agents[i].path, path) == 0))
			return (int)i;
	return -ENOENT;
}

static void agent_remove(struct sim *sim, size_t i)
{
	sim_print("agent-unregistered %s %s", sim->agents[i].owner, sim->agents[i].path);
	if (sim->default_agent == (int)i)
		sim->default_agent = -1;
	else if (sim->default_agent > (int)i)
		sim->default_agent--;
	memmove(&sim->agents[i], &sim->agents[i + 1],
		(sim->n_agents - i - 1) * sizeof(sim->agents[0]));
	sim->n_agents--;
}

static int method_register_agent(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	static const char *const capabilities[] = { "DisplayOnly",     "DisplayYesNo",
						    "KeyboardOnly",    "NoInputNoOutput",
						    "KeyboardDisplay", "" };
	struct sim *sim = userdata;
	const char *sender = sd_bus_message_get_sender(m), *path, *capability;
	struct sim_agent *a;
	bool known = false;

	if (sd_bus_message_read(m, "os", &path, &capability) < 0 || !sender ||
	    strlen(sender) >= SIM_NAME_MAX || strlen(path) >= SIM_NAME_MAX)
		return sim_error(error, BLUEZ_ERROR("InvalidArguments"),
				 "Invalid arguments in method call");
	for (size_t i = 0; i < ELEMENTSOF(capabilities); i++)
		known = known || strcmp(capability, capabilities[i]) == 0;
	if (!known)
		return sim_error(error, BLUEZ_ERROR("InvalidArguments"),
				 "Invalid arguments in method call");
	if (agent_find(sim, sender, NULL) >= 0)
		return sim_error(error, BLUEZ_ERROR("AlreadyExists"), "Already Exists");
	if (sim->n_agents >= SIM_AGENTS_MAX)
		return sim_error(error, BLUEZ_ERROR("Failed"), "Too many agents");
	a = &sim->agents[sim->n_agents++];
	snprintf(a->owner, sizeof(a->owner), "%s", sender);
	snprintf(a->path, sizeof(a->path), "%s", path);
	/* An empty capability means KeyboardDisplay. */
	snprintf(a->capability, sizeof(a->capability), "%s",
		 capability[0] ? capability : "KeyboardDisplay");
	sim_print("agent-registered %s %s %s", a->owner, a->path, a->capability);
	return sd_bus_reply_method_return(m, NULL);
}

static int method_unregister_agent(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct sim *sim = userdata;
	const char *sender = sd_bus_message_get_sender(m), *path;
	int i;

	if (sd_bus_message_read(m, "o", &path) < 0 || !sender)
		return sim_error(error, BLUEZ_ERROR("InvalidArguments"),
				 "Invalid arguments in method call");
	i = agent_find(sim, sender, path);
	if (i < 0)
		return sim_error(error, BLUEZ_ERROR("DoesNotExist"), "No such agent");
	agent_remove(sim, (size_t)i);
	return sd_bus_reply_method_return(m, NULL);
}

static int method_request_default_agent(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct sim *sim = userdata;
	const char *sender = sd_bus_message_get_sender(m), *path;
	int i;

	if (sd_bus_message_read(m, "o", &path) < 0 || !sender)
		return sim_error(error, BLUEZ_ERROR("InvalidArguments"),
				 "Invalid arguments in method call");
	i = agent_find(sim, sender, path);
	if (i < 0)
		return sim_error(error, BLUEZ_ERROR("DoesNotExist"), "No such agent");
	sim->default_agent = i;
	sim_print("agent-default %s %s", sim->agents[i].owner, sim->agents[i].path);
	return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable agent_manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD_WITH_ARGS("RegisterAgent", SD_BUS_ARGS("o", agent, "s", capability),
				SD_BUS_NO_RESULT, method_register_agent,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("UnregisterAgent", SD_BUS_ARGS("o", agent), SD_BUS_NO_RESULT,
				method_unregister_agent, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("RequestDefaultAgent", SD_BUS_ARGS("o", agent), SD_BUS_NO_RESULT,
				method_request_default_agent, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

/* A client left the bus: its agent, discovery session and notify sessions end with it. */
static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error _unused_)
{
	struct sim *sim = userdata;
	const char *name, *old_owner, *new_owner;
	int i;

	if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
		return 0;
	if (name[0] != ':' || new_owner[0])
		return 0;
	while ((i = agent_find(sim, name, NULL)) >= 0)
		agent_remove(sim, (size_t)i);
	(void)discovery_client_remove(sim, name);
	for (size_t k = 0; k < sim->n_devices; k++)
		sim_device_client_vanished(sim->devices[k], name);
	return 0;
}

/* ---- Scenario ---- */

static struct sim_device *declare(struct sim *sim, const char *address,
				  const struct scenario_device *decl)
{
	struct sim_device *d;
	int r;

	if (sim->n_devices >= SIM_DEVICES_MAX) {
		log_error("bedlink-sim: at most %d devices; %s is ignored", SIM_DEVICES_MAX,
			  address);
		return NULL;
	}
	r = sim_device_new(sim, address, decl, &d);
	if (r < 0) {
		log_error_errno(r, "bedlink-sim: cannot create device %s: %m", address);
		return NULL;
	}
	sim->devices[sim->n_devices++] = d;
	sim_print("declared %s %s", address, scenario_profile_to_string(decl->profile));
	/* Bonded (or otherwise known) devices are on the bus from the start. */
	if ((decl->paired || decl->known) && sim->adapter_present)
		(void)sim_device_export(d);
	else if (sim->discovering)
		sim_device_discovery_changed(d, true);
	return d;
}

static void remove_device(struct sim *sim, struct sim_device *d)
{
	bool was_exported = sim_device_exported(d);
	char address[18];

	snprintf(address, sizeof(address), "%s", sim_device_address(d));
	sim_device_unexport(d, true);
	for (size_t i = 0; i < sim->n_devices; i++)
		if (sim->devices[i] == d) {
			memmove(&sim->devices[i], &sim->devices[i + 1],
				(sim->n_devices - i - 1) * sizeof(sim->devices[0]));
			sim->n_devices--;
			break;
		}
	sim_device_free(d);
	if (!was_exported)
		sim_print("removed %s", address);
}

static void apply_event(struct sim *sim, const struct scenario_event *ev)
{
	struct sim_device *d;
	struct scenario_device decl;
	int profile;

	if (ev->kind == SCENARIO_ADAPTER) {
		if (ev->u.adapter_on)
			(void)adapter_add(sim);
		else
			adapter_remove(sim);
		sim_print("adapter %s", ev->u.adapter_on ? "on" : "off");
		return;
	}
	d = find_device(sim, ev->address);
	if (ev->kind == SCENARIO_DEVICE) {
		if (d)
			log_warning("line %u: device %s is already declared", ev->line,
				    ev->address);
		else
			(void)declare(sim, ev->address, &ev->u.device);
		return;
	}
	if (ev->kind == SCENARIO_REMOVE) {
		if (d)
			remove_device(sim, d);
		else
			log_warning("line %u: no device %s to remove", ev->line, ev->address);
		return;
	}
	if (!d) {
		/* A reading declares its device with the profile the reading implies. */
		profile = scenario_kind_profile(ev->kind);
		if (profile < 0) {
			log_warning("line %u: no device %s; declare it first", ev->line,
				    ev->address);
			return;
		}
		scenario_device_defaults((enum scenario_profile)profile, &decl);
		d = declare(sim, ev->address, &decl);
		if (!d)
			return;
	}
	sim_device_apply(d, ev);
}

static void schedule_next_event(struct sim *sim);

static int on_scenario_timer(sd_event_source *source _unused_, uint64_t usec _unused_,
			     void *userdata)
{
	struct sim *sim = userdata;
	uint64_t now = sim_now_usec();

	while (sim->next_event < sim->n_events &&
	       sim->start_usec + sim->events[sim->next_event].at_ms * 1000 <= now)
		apply_event(sim, &sim->events[sim->next_event++]);
	schedule_next_event(sim);
	sim_maybe_exit(sim);
	return 0;
}

static void schedule_next_event(struct sim *sim)
{
	uint64_t due, now = sim_now_usec();

	if (sim->next_event >= sim->n_events) {
		sim->scenario_timer = sd_event_source_disable_unref(sim->scenario_timer);
		return;
	}
	due = sim->start_usec + sim->events[sim->next_event].at_ms * 1000;
	(void)sim_timer_arm(sim, &sim->scenario_timer, due > now ? due - now : 0, on_scenario_timer,
			    sim);
}

static int event_cmp(const void *a, const void *b)
{
	const struct scenario_event *x = a, *y = b;

	if (x->at_ms != y->at_ms)
		return x->at_ms < y->at_ms ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Reads one line of at most SCENARIO_LINE_MAX bytes; longer lines are consumed and flagged. */
static int read_line(FILE *f, char *buf, size_t *len, bool *too_long)
{
	int c;

	*len = 0;
	*too_long = false;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (*len < SCENARIO_LINE_MAX)
			buf[(*len)++] = (char)c;
		else
			*too_long = true;
	}
	return c == EOF && *len == 0 && !*too_long ? 0 : 1;
}

static int load_scenario(struct sim *sim, const char *path)
{
	_cleanup_fclose_ FILE *f = NULL;
	char buf[SCENARIO_LINE_MAX];
	size_t len, cap = 0;
	unsigned lineno = 0;
	bool too_long;

	f = fopen(path, "re");
	if (!f)
		return log_error_errno(-errno, "bedlink-sim: cannot open scenario '%s': %m", path);
	while (read_line(f, buf, &len, &too_long) > 0) {
		struct scenario_error err;
		struct scenario_event ev;
		int r;

		lineno++;
		if (too_long) {
			log_error("bedlink-sim: %s: line %u: longer than %d bytes", path, lineno,
				  SCENARIO_LINE_MAX);
			return -EINVAL;
		}
		r = scenario_parse_line(buf, len, lineno, &ev, &err);
		if (r < 0) {
			log_error("bedlink-sim: %s: %s", path, err.message);
			return r;
		}
		if (r == 0)
			continue;
		if (sim->n_events >= SIM_EVENTS_MAX) {
			log_error("bedlink-sim: %s: more than %d events", path, SIM_EVENTS_MAX);
			return -E2BIG;
		}
		if (sim->n_events == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct scenario_event *n = reallocarray(sim->events, ncap, sizeof(*n));

			if (!n)
				return log_oom();
			sim->events = n;
			cap = ncap;
		}
		sim->events[sim->n_events++] = ev;
	}
	if (ferror(f))
		return log_error_errno(-EIO, "bedlink-sim: cannot read scenario '%s': %m", path);
	qsort(sim->events, sim->n_events, sizeof(sim->events[0]), event_cmp);
	return 0;
}

/* Checks what only the whole file can tell: one declaration per device, at most 16 devices. */
static int check_scenario(const struct sim *sim, const char *path)
{
	char seen[SIM_DEVICES_MAX][18];
	bool removed[SIM_DEVICES_MAX] = { false };
	size_t n = 0;

	for (size_t i = 0; i < sim->n_events; i++) {
		const struct scenario_event *ev = &sim->events[i];
		size_t k;

		if (ev->kind == SCENARIO_ADAPTER)
			continue;
		for (k = 0; k < n; k++)
			if (strcmp(seen[k], ev->address) == 0)
				break;
		if (k < n) {
			if (ev->kind == SCENARIO_DEVICE && !removed[k]) {
				log_error("bedlink-sim: %s: line %u: device %s is declared after "
					  "its first use",
					  path, ev->line, ev->address);
				return -EINVAL;
			}
			removed[k] = ev->kind == SCENARIO_REMOVE;
			continue;
		}
		if (n >= SIM_DEVICES_MAX) {
			log_error("bedlink-sim: %s: line %u: more than %d devices", path, ev->line,
				  SIM_DEVICES_MAX);
			return -E2BIG;
		}
		removed[n] = ev->kind == SCENARIO_REMOVE;
		snprintf(seen[n++], sizeof(seen[0]), "%s", ev->address);
	}
	return 0;
}

/* ---- Standard input ---- */

static void stdin_line(struct sim *sim)
{
	struct scenario_error err;
	struct scenario_event ev;
	int r;

	sim->stdin_line++;
	if (sim->line_too_long)
		log_error("bedlink-sim: stdin: line %u: longer than %d bytes", sim->stdin_line,
			  SCENARIO_LINE_MAX);
	else {
		r = scenario_parse_line(sim->line, sim->line_len, sim->stdin_line, &ev, &err);
		if (r < 0)
			log_error("bedlink-sim: stdin: %s", err.message);
		else if (r > 0)
			apply_event(sim, &ev); /* now: times on stdin are ignored */
	}
	sim->line_len = 0;
	sim->line_too_long = false;
}

/* Reads what is there; returns 0 at end of input. */
static int stdin_read(struct sim *sim)
{
	char buf[4096];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n < 0)
		log_warning_errno(-errno, "bedlink-sim: stdin: %m");
	if (n <= 0) {
		if (sim->line_len || sim->line_too_long)
			stdin_line(sim);
		sim->stdin_done = true;
		sim->stdin_source = sd_event_source_disable_unref(sim->stdin_source);
		sim_maybe_exit(sim);
		return 0;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			stdin_line(sim);
		else if (sim->line_len < SCENARIO_LINE_MAX)
			sim->line[sim->line_len++] = buf[i];
		else
			sim->line_too_long = true;
	}
	return 1;
}

static int on_stdin(sd_event_source *source _unused_, int fd _unused_, uint32_t revents _unused_,
		    void *userdata)
{
	(void)stdin_read(userdata);
	return 0;
}

static int stdin_start(struct sim *sim)
{
	int r;

	r = sd_event_add_io(sim->event, &sim->stdin_source, STDIN_FILENO, EPOLLIN, on_stdin, sim);
	if (r == -EPERM) {
		/* A regular file or /dev/null cannot be polled: read it all now. */
		while (stdin_read(sim) > 0)
			;
		return 0;
	}
	if (r < 0)
		return log_error_errno(r, "bedlink-sim: cannot watch stdin: %m");
	return 0;
}

/* ---- Start and run ---- */

static struct sim *sim_free(struct sim *sim)
{
	if (!sim)
		return NULL;
	/* Off the list before it goes: freeing a connected device looks at the others. */
	while (sim->n_devices > 0)
		sim_device_free(sim->devices[--sim->n_devices]);
	sim->scenario_timer = sd_event_source_disable_unref(sim->scenario_timer);
	sim->power_timer = sd_event_source_disable_unref(sim->power_timer);
	sim->stdin_source = sd_event_source_disable_unref(sim->stdin_source);
	sim->name_watch_slot = sd_bus_slot_unref(sim->name_watch_slot);
	sim->adapter_slot = sd_bus_slot_unref(sim->adapter_slot);
	sim->agent_manager_slot = sd_bus_slot_unref(sim->agent_manager_slot);
	sim->object_manager_slot = sd_bus_slot_unref(sim->object_manager_slot);
	sim->bus = sd_bus_flush_close_unref(sim->bus);
	sim->event = sd_event_unref(sim->event);
	free(sim->events);
	free(sim);
	return NULL;
}
DEFINE_FREE_FUNC(struct sim, sim_free);

static int bus_connect(struct sim *sim)
{
	int r;

	r = sd_bus_new(&sim->bus);
	if (r >= 0)
		r = sd_bus_set_address(sim->bus, sim->bus_address);
	if (r >= 0)
		r = sd_bus_set_bus_client(sim->bus, 1);
	if (r >= 0)
		r = sd_bus_start(sim->bus);
	if (r < 0)
		return log_error_errno(r, "bedlink-sim: cannot connect to bus '%s': %m",
				       sim->bus_address);
	r = sd_bus_attach_event(sim->bus, sim->event, SD_EVENT_PRIORITY_NORMAL);
	if (r >= 0)
		r = sd_bus_set_exit_on_disconnect(sim->bus, 1);
	if (r < 0)
		return log_error_errno(r, "bedlink-sim: cannot attach the bus: %m");
	return 0;
}

/* Objects first, then the name: a client that sees org.bluez appear finds everything. */
static int bus_register(struct sim *sim)
{
	int r;

	r = sd_bus_add_object_manager(sim->bus, &sim->object_manager_slot, "/");
	if (r >= 0)
		r = sd_bus_add_object_vtable(sim->bus, &sim->agent_manager_slot, "/org/bluez",
					     BLUEZ_AGENT_MGR, agent_manager_vtable, sim);
	if (r >= 0)
		r = sd_bus_match_signal(sim->bus, &sim->name_watch_slot, "org.freedesktop.DBus",
					"/org/freedesktop/DBus", "org.freedesktop.DBus",
					"NameOwnerChanged", on_name_owner_changed, sim);
	if (r < 0)
		return log_error_errno(r, "bedlink-sim: cannot register objects: %m");
	return adapter_add(sim);
}

static void apply_due_events(struct sim *sim)
{
	while (sim->next_event < sim->n_events && sim->events[sim->next_event].at_ms == 0)
		apply_event(sim, &sim->events[sim->next_event++]);
}

static int run(struct sim *sim)
{
	sigset_t mask;
	int r;

	r = sd_event_default(&sim->event);
	if (r < 0)
		return log_error_errno(r, "bedlink-sim: cannot create the event loop: %m");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return log_error_errno(-errno, "bedlink-sim: sigprocmask: %m");
	r = sd_event_add_signal(sim->event, NULL, SIGTERM, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(sim->event, NULL, SIGINT, NULL, NULL);
	if (r < 0)
		return log_error_errno(r, "bedlink-sim: cannot watch signals: %m");

	r = bus_connect(sim);
	if (r >= 0)
		r = bus_register(sim);
	if (r < 0)
		return r;
	sim->start_usec = sim_now_usec();
	apply_due_events(sim);

	r = sd_bus_request_name(sim->bus, "org.bluez", 0);
	if (r == -EEXIST)
		return log_error_errno(
			r,
			"bedlink-sim: the name 'org.bluez' is already owned on "
			"bus '%s' (a bluetoothd or another simulator); stop it first",
			sim->bus_address);
	if (r < 0)
		return log_error_errno(r, "bedlink-sim: cannot own 'org.bluez' on bus '%s': %m",
				       sim->bus_address);
	sim_print("ready");

	schedule_next_event(sim);
	if (sim->use_stdin) {
		r = stdin_start(sim);
		if (r < 0)
			return r;
	}
	/* sd-bus ends the loop with EXIT_FAILURE when the bus goes away; signals with 0. */
	r = sd_event_loop(sim->event);
	if (r < 0)
		return log_error_errno(r, "bedlink-sim: event loop: %m");
	if (r > 0) {
		log_error("bedlink-sim: lost the connection to bus '%s'", sim->bus_address);
		return -ECONNRESET;
	}
	return 0;
}

static void help(void)
{
	printf("Usage: bedlink-sim ble --bus ADDRESS [--scenario FILE] [OPTIONS]\n"
	       "\n"
	       "A simulated BlueZ: owns org.bluez on the bus at ADDRESS and serves virtual BLE\n"
	       "health devices (blood pressure, glucose, pulse oximeter, thermometer, scale)\n"
	       "driven by a scenario file and by the same lines on standard input.\n"
	       "Prints 'ready' once it owns the name, then one line per event.\n"
	       "\n"
	       "  --bus ADDRESS            D-Bus address (e.g. unix:path=/tmp/bus)\n"
	       "  --scenario FILE          events, one a line: [SECONDS] ADDRESS KIND key=value...\n"
	       "  --adapter NAME           adapter name (default hci0)\n"
	       "  --connect-timeout SECS   how long a connection attempt to a sleeping device\n"
	       "                           waits (default 5)\n"
	       "  --no-stdin               ignore standard input; run until SIGTERM\n"
	       "  --log-level LEVEL        err, warning, notice, info (default), debug\n"
	       "  -h, --help               this text\n"
	       "      --version            the version\n"
	       "\n"
	       "Exits 0 on SIGTERM/SIGINT, or at the end of standard input once the scenario\n"
	       "is done; 1 on a runtime error (bus, name taken); 2 on a usage error or an\n"
	       "invalid scenario. See docs/simulator.md.\n");
}

static int parse_options(struct sim *sim, int argc, char **argv, const char **scenario)
{
	enum {
		OPT_VERSION = 0x100,
		OPT_CONNECT_TIMEOUT,
		OPT_NO_STDIN,
		OPT_LOG_LEVEL
	};
	static const struct option options[] = {
		{ "bus", required_argument, NULL, 'b' },
		{ "scenario", required_argument, NULL, 's' },
		{ "adapter", required_argument, NULL, 'a' },
		{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
		{ "no-stdin", no_argument, NULL, OPT_NO_STDIN },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{}
	};
	const char *bus = NULL;
	char *end;
	long v;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (c) {
		case 'b':
			bus = optarg;
			break;
		case 's':
			*scenario = optarg;
			break;
		case 'a':
			if (strncmp(optarg, "hci", 3) != 0 || !optarg[3] ||
			    strspn(optarg + 3, "0123456789") != strlen(optarg + 3) ||
			    strlen(optarg) > 8) {
				fprintf(stderr, "bedlink-sim: --adapter '%s' is not like hci0\n",
					optarg);
				return -EINVAL;
			}
			snprintf(sim->adapter, sizeof(sim->adapter), "%s", optarg);
			break;
		case OPT_CONNECT_TIMEOUT:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 1 || v > 600) {
				fprintf(stderr,
					"bedlink-sim: --connect-timeout '%s' is not 1..600\n",
					optarg);
				return -EINVAL;
			}
			sim->connect_timeout_usec = (uint64_t)v * 1000000u;
			break;
		case OPT_NO_STDIN:
			sim->use_stdin = false;
			break;
		case OPT_LOG_LEVEL: {
			int level = log_level_from_string(optarg);

			if (level < 0) {
				fprintf(stderr, "bedlink-sim: unknown log level '%s'\n", optarg);
				return -EINVAL;
			}
			log_set_max_level((enum log_level)level);
			break;
		}
		case 'h':
			help();
			return 0;
		case OPT_VERSION:
			printf("bedlink-sim %s\n", BEDLINK_VERSION);
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bedlink-sim: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!bus) {
		fprintf(stderr, "bedlink-sim: ble needs --bus ADDRESS (see --help)\n");
		return -EINVAL;
	}
	if (strlen(bus) >= sizeof(sim->bus_address)) {
		fprintf(stderr, "bedlink-sim: --bus address is too long\n");
		return -EINVAL;
	}
	snprintf(sim->bus_address, sizeof(sim->bus_address), "%s", bus);
	return 1;
}

int ble_main(int argc, char **argv)
{
	_cleanup_(sim_freep) struct sim *sim = NULL;
	const char *scenario = NULL;
	int r;

	sim = calloc(1, sizeof(*sim));
	if (!sim) {
		log_oom();
		return 1;
	}
	*sim = (struct sim){
		.connect_timeout_usec = 5 * 1000000u,
		.use_stdin = true,
		.default_agent = -1,
		.pairable = true,
		.discoverable_timeout = 180,
	};
	snprintf(sim->adapter, sizeof(sim->adapter), "hci0");

	r = parse_options(sim, argc, argv, &scenario);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	snprintf(sim->adapter_path, sizeof(sim->adapter_path), "/org/bluez/%s", sim->adapter);
	/* A documentation-range address (00:00:5E:00:53:xx), numbered after the adapter. */
	snprintf(sim->adapter_address, sizeof(sim->adapter_address), "00:00:5E:00:53:%02lX",
		 strtoul(sim->adapter + 3, NULL, 10) & 0xff);
	snprintf(sim->alias, sizeof(sim->alias), "bedlink-sim");
	if (scenario && (load_scenario(sim, scenario) < 0 || check_scenario(sim, scenario) < 0))
		return 2;

	signal(SIGPIPE, SIG_IGN);
	r = run(sim);
	return r < 0 ? 1 : 0;
}
