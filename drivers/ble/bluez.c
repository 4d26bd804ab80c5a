// SPDX-License-Identifier: MIT
/*
 * The BlueZ client's shell: the bus connection and its recovery (org.bluez
 * leaving, the adapter going away, an adapter that stops answering), the
 * match rules, and the part of org.bluez's object tree this client cares
 * about (the adapter, device objects, characteristics) mirrored from
 * GetManagedObjects and the ObjectManager and Properties signals. One
 * configured device is bluez-device.c; scan and pair are bluez-scan.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bluez-internal.h"
#include "log.h"

/* How often the adapter is asked whether it is powered, and how long it may take to answer. */
#define WATCHDOG_INTERVAL_MS 15000
#define WATCHDOG_TIMEOUT_MS  5000
#define DEFAULT_SYSTEM_BUS   "unix:path=/run/dbus/system_bus_socket"

static const char *const profile_names[_BLE_PROFILE_MAX] = {
	[BLE_PROFILE_BLOOD_PRESSURE] = "blood_pressure", [BLE_PROFILE_GLUCOSE] = "glucose",
	[BLE_PROFILE_PULSE_OXIMETER] = "pulse_oximeter", [BLE_PROFILE_THERMOMETER] = "thermometer",
	[BLE_PROFILE_WEIGHT_SCALE] = "weight_scale",
};

static const char *const device_state_names[_BLE_DEVICE_STATE_MAX] = {
	[BLE_DEVICE_ABSENT] = "absent",
	[BLE_DEVICE_DISCONNECTED] = "disconnected",
	[BLE_DEVICE_CONNECTING] = "connecting",
	[BLE_DEVICE_CONNECTED] = "connected",
};

const char *ble_profile_to_string(enum ble_profile p)
{
	if ((unsigned)p >= _BLE_PROFILE_MAX)
		return NULL;
	return profile_names[p];
}

int ble_profile_from_string(const char *s)
{
	for (size_t i = 0; s && i < ELEMENTSOF(profile_names); i++)
		if (strcmp(s, profile_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

const char *ble_device_state_to_string(enum ble_device_state s)
{
	if ((unsigned)s >= _BLE_DEVICE_STATE_MAX)
		return NULL;
	return device_state_names[s];
}

void bluez_config_defaults(struct bluez_config *c)
{
	*c = (struct bluez_config){
		.adapter = "hci0",
		.clock_tolerance_s = 60,
		.reconnect_min_ms = 1000,
		.reconnect_max_ms = 5 * 60 * 1000,
		.racp_timeout_ms = 30000,
	};
}

/* ---- small helpers shared with bluez-device.c and bluez-agent.c ---- */

uint64_t bluez_now_ms(struct bluez *b)
{
	uint64_t usec;

	if (sd_event_now(b->event, CLOCK_REALTIME, &usec) < 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	}
	return usec / USEC_PER_MSEC;
}

int bluez_set_timer(struct bluez *b, sd_event_source **s, uint64_t delay_ms,
		    sd_event_time_handler_t handler, void *userdata)
{
	int r;

	if (*s) {
		r = sd_event_source_set_time_relative(*s, delay_ms * USEC_PER_MSEC);
		if (r >= 0)
			r = sd_event_source_set_enabled(*s, SD_EVENT_ONESHOT);
		return r;
	}
	return sd_event_add_time_relative(b->event, s, CLOCK_MONOTONIC, delay_ms * USEC_PER_MSEC, 0,
					  handler, userdata);
}

void bluez_disarm(sd_event_source **s)
{
	*s = sd_event_source_disable_unref(*s);
}

int bluez_new_call(struct bluez *b, const char *path, const char *iface, const char *member,
		   sd_bus_message **ret)
{
	if (!b->bus)
		return -ENOTCONN;
	return sd_bus_message_new_method_call(b->bus, ret, BLUEZ_SERVICE, path, iface, member);
}

int bluez_send(struct bluez *b, sd_bus_slot **slot, sd_bus_message *m, uint64_t timeout_ms,
	       sd_bus_message_handler_t handler, void *userdata)
{
	*slot = sd_bus_slot_unref(*slot);
	return sd_bus_call_async(b->bus, slot, m, handler, userdata, timeout_ms * USEC_PER_MSEC);
}

int bluez_call(struct bluez *b, sd_bus_slot **slot, const char *path, const char *iface,
	       const char *member, uint64_t timeout_ms, sd_bus_message_handler_t handler,
	       void *userdata)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = bluez_new_call(b, path, iface, member, &m);
	if (r < 0)
		return r;
	return bluez_send(b, slot, m, timeout_ms, handler, userdata);
}

int bluez_set_trusted(struct bluez *b, sd_bus_slot **slot, const char *path,
		      sd_bus_message_handler_t handler, void *userdata)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = bluez_new_call(b, path, DBUS_PROPERTIES, "Set", &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "ssv", BLUEZ_DEVICE_IFACE, "Trusted", "b", 1);
	if (r < 0)
		return r;
	return bluez_send(b, slot, m, BLUEZ_CALL_TIMEOUT_MS, handler, userdata);
}

int bluez_reply_error(sd_bus_message *reply, const char **name, const char **message)
{
	const sd_bus_error *e = sd_bus_message_get_error(reply);

	if (!e) {
		if (name)
			*name = "";
		if (message)
			*message = "";
		return 0;
	}
	if (name)
		*name = e->name ? e->name : "";
	if (message)
		*message = e->message ? e->message : "";
	return -sd_bus_error_get_errno(e);
}

static bool address_is_valid(const char *s)
{
	for (size_t i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return s[17] == '\0';
}

/* ---- lookups ---- */

struct bluez_device *bluez_device_by_path(struct bluez *b, const char *path)
{
	for (size_t i = 0; i < b->n_devices; i++)
		if (b->devices[i]->bound && strcmp(b->devices[i]->path, path) == 0)
			return b->devices[i];
	return NULL;
}

struct bluez_device *bluez_device_by_address(const struct bluez *b, const char *address)
{
	for (size_t i = 0; i < b->n_devices; i++)
		if (strcasecmp(b->devices[i]->status.config.address, address) == 0)
			return b->devices[i];
	return NULL;
}

/* The bound device that @path (a service, characteristic or descriptor) belongs to. */
static struct bluez_device *device_owning(struct bluez *b, const char *path)
{
	for (size_t i = 0; i < b->n_devices; i++) {
		struct bluez_device *d = b->devices[i];
		size_t n = strlen(d->path);

		if (d->bound && strncmp(path, d->path, n) == 0 && path[n] == '/')
			return d;
	}
	return NULL;
}

/* A device object directly under our adapter: /org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF. */
static bool path_is_device(const struct bluez *b, const char *path)
{
	size_t n = strlen(b->adapter_path);

	return strncmp(path, b->adapter_path, n) == 0 && strncmp(path + n, "/dev_", 5) == 0 &&
	       !strchr(path + n + 1, '/') && strlen(path) < BLUEZ_PATH_MAX;
}

bool bluez_is_pair_target(struct bluez *b, const char *path)
{
	return b->pair_path[0] && strcmp(b->pair_path, path) == 0;
}

/* ---- adapter and objects ---- */

bool bluez_adapter_ready(const struct bluez *b)
{
	return b && b->bluez_present && b->adapter_present && b->adapter_powered;
}

/* Tells the devices when readiness changed; they start or stop their connections. */
static void adapter_update(struct bluez *b)
{
	bool ready = bluez_adapter_ready(b);

	if (ready == b->ready)
		return;
	b->ready = ready;
	if (ready)
		log_info("bluez: adapter '%s' is ready", b->config.adapter);
	else
		log_warning("bluez: adapter '%s' is not available", b->config.adapter);
	for (size_t i = 0; i < b->n_devices; i++)
		bluez_device_adapter_changed(b->devices[i], ready);
}

/* The adapter object or all of org.bluez went away: every device object is gone with it. */
static void objects_lost(struct bluez *b)
{
	b->adapter_present = false;
	b->adapter_powered = false;
	b->scanning = false;
	bluez_disarm(&b->scan_timer);
	b->scan_slot = sd_bus_slot_unref(b->scan_slot);
	b->pair_slot = sd_bus_slot_unref(b->pair_slot);
	b->pair_trust_slot = sd_bus_slot_unref(b->pair_trust_slot);
	b->pair_path[0] = '\0';
	b->watchdog_slot = sd_bus_slot_unref(b->watchdog_slot);
	b->n_peers = 0;
	for (size_t i = 0; i < b->n_devices; i++)
		bluez_device_unbind(b->devices[i]);
	adapter_update(b);
}

static void on_adapter_props(struct bluez *b, const struct bluez_props *p)
{
	b->adapter_present = true;
	if (p->has_powered)
		b->adapter_powered = p->powered;
	adapter_update(b);
}

static void on_device_props(struct bluez *b, const char *path, const struct bluez_props *p)
{
	struct bluez_device *d;

	if (!path_is_device(b, path))
		return;
	bluez_peer_update(b, path, p);
	d = bluez_device_by_path(b, path);
	if (d) {
		bluez_device_props_changed(d, p);
		return;
	}
	if (!p->has_address)
		return;
	d = bluez_device_by_address(b, p->address);
	if (d && !d->bound)
		bluez_device_bind(d, path, p);
}

/*
 * Reads a{sa{sv}} for the object at @path. Pass 0 takes adapters and
 * devices, pass 1 characteristics, so that a characteristic never arrives
 * before the device it belongs to (GetManagedObjects has no order).
 */
static int read_interfaces(struct bluez *b, sd_bus_message *m, const char *path, int pass)
{
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
		struct bluez_props p;
		const char *iface;
		int kind = -1;

		r = sd_bus_message_read(m, "s", &iface);
		if (r < 0)
			return r;
		if (strcmp(iface, BLUEZ_ADAPTER_IFACE) == 0 && strcmp(path, b->adapter_path) == 0)
			kind = 0;
		else if (strcmp(iface, BLUEZ_DEVICE_IFACE) == 0)
			kind = 1;
		else if (strcmp(iface, BLUEZ_CHAR_IFACE) == 0)
			kind = 2;
		if (kind < 0 || (pass == 0) != (kind < 2)) {
			r = sd_bus_message_skip(m, "a{sv}");
		} else {
			r = bluez_props_read(m, &p);
			if (r >= 0 && kind == 0)
				on_adapter_props(b, &p);
			else if (r >= 0 && kind == 1)
				on_device_props(b, path, &p);
			else if (r >= 0) {
				struct bluez_device *d = device_owning(b, path);

				if (d)
					bluez_device_char_added(d, path, &p);
			}
		}
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static int read_objects(struct bluez *b, sd_bus_message *m, int pass)
{
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}")) > 0) {
		const char *path;

		r = sd_bus_message_read(m, "o", &path);
		if (r >= 0)
			r = read_interfaces(b, m, path, pass);
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static int on_managed_objects(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	const char *name, *message, *sender;
	int r;

	(void)ret_error;
	b->objects_slot = sd_bus_slot_unref(b->objects_slot);
	r = bluez_reply_error(reply, &name, &message);
	if (r < 0) {
		if (strcmp(name, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
		    strcmp(name, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0)
			log_info("bluez: org.bluez is not running; waiting for it");
		else
			log_warning("bluez: GetManagedObjects failed: %s", message);
		return 0;
	}
	b->bluez_present = true;
	sender = sd_bus_message_get_sender(reply);
	snprintf(b->owner, sizeof(b->owner), "%s", sender ? sender : "");
	for (int pass = 0; pass < 2; pass++) {
		r = sd_bus_message_rewind(reply, true);
		if (r >= 0)
			r = read_objects(b, reply, pass);
		if (r < 0) {
			log_warning_errno(r, "bluez: cannot read the object tree: %m");
			break;
		}
	}
	if (!b->adapter_present)
		log_warning("bluez: adapter '%s' not found; waiting for it", b->config.adapter);
	adapter_update(b);
	return 0;
}

/* org.bluez is (or may be) there: mirror its objects and register the agent. */
static int bluez_discover(struct bluez *b)
{
	int r;

	r = bluez_call(b, &b->objects_slot, "/", DBUS_OBJECT_MANAGER, "GetManagedObjects",
		       BLUEZ_CALL_TIMEOUT_MS, on_managed_objects, b);
	if (r < 0)
		return log_error_errno(r, "bluez: cannot ask for the object tree: %m");
	r = bluez_agent_register(b);
	if (r < 0)
		return log_error_errno(r, "bluez: cannot register the pairing agent: %m");
	return 0;
}

static int on_interfaces_added(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	const char *path;
	int r;

	(void)ret_error;
	b->bluez_present = true;
	r = sd_bus_message_read(m, "o", &path);
	for (int pass = 0; r >= 0 && pass < 2; pass++) {
		r = sd_bus_message_rewind(m, true);
		if (r >= 0)
			r = sd_bus_message_skip(m, "o");
		if (r >= 0)
			r = read_interfaces(b, m, path, pass);
	}
	if (r < 0)
		log_debug_errno(r, "bluez: bad InterfacesAdded: %m");
	adapter_update(b);
	return 0;
}

static int on_interfaces_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	const char *path, *iface;
	int r;

	(void)ret_error;
	r = sd_bus_message_read(m, "o", &path);
	if (r >= 0)
		r = sd_bus_message_enter_container(m, 'a', "s");
	while (r >= 0 && (r = sd_bus_message_read(m, "s", &iface)) > 0) {
		if (strcmp(iface, BLUEZ_ADAPTER_IFACE) == 0 && strcmp(path, b->adapter_path) == 0) {
			log_warning("bluez: adapter '%s' was removed", b->config.adapter);
			objects_lost(b);
		} else if (strcmp(iface, BLUEZ_DEVICE_IFACE) == 0) {
			struct bluez_device *d = bluez_device_by_path(b, path);

			bluez_peer_remove(b, path);
			if (d)
				bluez_device_unbind(d);
		} else if (strcmp(iface, BLUEZ_CHAR_IFACE) == 0) {
			struct bluez_device *d = device_owning(b, path);

			if (d)
				bluez_device_char_removed(d, path);
		}
	}
	if (r < 0)
		log_debug_errno(r, "bluez: bad InterfacesRemoved: %m");
	return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	const char *path = sd_bus_message_get_path(m), *iface;
	struct bluez_props p;
	struct bluez_device *d;
	int r;

	(void)ret_error;
	if (!path)
		return 0;
	r = sd_bus_message_read(m, "s", &iface);
	if (r < 0)
		return 0;
	if (strcmp(iface, BLUEZ_CHAR_IFACE) == 0) {
		d = device_owning(b, path);
		if (!d)
			return 0;
		r = bluez_props_read(m, &p);
		if (r >= 0 && p.has_value)
			bluez_device_char_value(d, path, p.value, p.value_len);
	} else if (strcmp(iface, BLUEZ_DEVICE_IFACE) == 0) {
		r = bluez_props_read(m, &p);
		if (r >= 0)
			on_device_props(b, path, &p);
	} else if (strcmp(iface, BLUEZ_ADAPTER_IFACE) == 0 && strcmp(path, b->adapter_path) == 0) {
		r = bluez_props_read(m, &p);
		if (r >= 0 && b->adapter_present)
			on_adapter_props(b, &p);
	}
	if (r < 0)
		log_debug_errno(r, "bluez: bad PropertiesChanged on '%s': %m", path);
	return 0;
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	const char *name, *old_owner, *new_owner;
	int r;

	(void)ret_error;
	r = sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner);
	if (r < 0 || strcmp(name, BLUEZ_SERVICE) != 0)
		return 0;
	if (old_owner[0]) {
		log_warning("bluez: org.bluez left the bus");
		b->bluez_present = false;
		b->owner[0] = '\0';
		b->objects_slot = sd_bus_slot_unref(b->objects_slot);
		b->agent_call_slot = sd_bus_slot_unref(b->agent_call_slot);
		objects_lost(b);
	}
	if (new_owner[0]) {
		log_info("bluez: org.bluez is on the bus");
		snprintf(b->owner, sizeof(b->owner), "%s", new_owner);
		b->bluez_present = true;
		(void)bluez_discover(b);
	}
	return 0;
}

/* ---- bus connection and its recovery ---- */

static void bus_teardown(struct bluez *b)
{
	b->bluez_present = false;
	b->owner[0] = '\0';
	objects_lost(b);
	b->objects_slot = sd_bus_slot_unref(b->objects_slot);
	b->agent_call_slot = sd_bus_slot_unref(b->agent_call_slot);
	b->agent_object_slot = sd_bus_slot_unref(b->agent_object_slot);
	for (size_t i = 0; i < ELEMENTSOF(b->match_slots); i++)
		b->match_slots[i] = sd_bus_slot_unref(b->match_slots[i]);
	b->filter_slot = sd_bus_slot_unref(b->filter_slot);
	if (b->bus) {
		(void)sd_bus_detach_event(b->bus);
		b->bus = sd_bus_close_unref(b->bus);
	}
}

static int bus_setup(struct bluez *b);

static int on_restart(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct bluez *b = userdata;
	int r;

	(void)s;
	(void)usec;
	bus_teardown(b);
	r = bus_setup(b);
	if (r >= 0) {
		log_info("bluez: reconnected to the bus");
		b->restart_backoff_ms = 0;
		return 0;
	}
	bus_teardown(b);
	b->restart_backoff_ms =
		b->restart_backoff_ms ? b->restart_backoff_ms * 2 : b->config.reconnect_min_ms;
	if (b->restart_backoff_ms > b->config.reconnect_max_ms)
		b->restart_backoff_ms = b->config.reconnect_max_ms;
	log_warning_errno(r, "bluez: cannot reach the bus (%m); retrying in %llu ms",
			  (unsigned long long)b->restart_backoff_ms);
	(void)bluez_set_timer(b, &b->restart_timer, b->restart_backoff_ms, on_restart, b);
	return 0;
}

/* Drops the connection and builds a new one from the event loop, outside any bus callback. */
static void bus_restart_later(struct bluez *b)
{
	int r = bluez_set_timer(b, &b->restart_timer, 0, on_restart, b);

	if (r < 0)
		log_error_errno(r, "bluez: cannot schedule a bus reconnection: %m");
}

static int on_bus_message(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;

	(void)ret_error;
	if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected")) {
		log_warning("bluez: lost the bus connection");
		bus_restart_later(b);
	}
	return 0;
}

static int on_match_installed(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	const char *message;

	(void)userdata;
	(void)ret_error;
	if (bluez_reply_error(reply, NULL, &message) < 0)
		log_error("bluez: the bus refused a match rule: %s", message);
	return 0;
}

static int bus_setup(struct bluez *b)
{
	static const char *const rules[] = {
		"type='signal',sender='org.bluez',interface='org.freedesktop.DBus.ObjectManager',"
		"member='InterfacesAdded'",
		"type='signal',sender='org.bluez',interface='org.freedesktop.DBus.ObjectManager',"
		"member='InterfacesRemoved'",
		"type='signal',sender='org.bluez',interface='org.freedesktop.DBus.Properties',"
		"member='PropertiesChanged',path_namespace='/org/bluez'",
		"type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
		"interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='org.bluez'",
	};
	static const sd_bus_message_handler_t handlers[] = {
		on_interfaces_added,
		on_interfaces_removed,
		on_properties_changed,
		on_name_owner_changed,
	};
	_cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
	const char *address = b->config.bus;
	int r;

	if (!address[0])
		address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
	if (!address || !address[0])
		address = DEFAULT_SYSTEM_BUS;
	r = sd_bus_new(&bus);
	if (r < 0)
		return r;
	r = sd_bus_set_address(bus, address);
	if (r >= 0)
		r = sd_bus_set_bus_client(bus, 1);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r >= 0)
		r = sd_bus_attach_event(bus, b->event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0)
		return r;
	b->bus = TAKE_PTR(bus);

	r = sd_bus_add_filter(b->bus, &b->filter_slot, on_bus_message, b);
	/* The matches go out first: the bus handles one connection's messages in order. */
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(rules); i++)
		r = sd_bus_add_match_async(b->bus, &b->match_slots[i], rules[i], handlers[i],
					   on_match_installed, b);
	if (r >= 0)
		r = bluez_agent_export(b);
	if (r >= 0)
		r = bluez_discover(b);
	return r;
}

static int on_watchdog_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	const char *message;
	int r, powered;

	(void)ret_error;
	b->watchdog_slot = sd_bus_slot_unref(b->watchdog_slot);
	r = bluez_reply_error(reply, NULL, &message);
	if (r == -ETIMEDOUT) {
		log_warning(
			"bluez: adapter '%s' did not answer within %d ms; reconnecting to the bus",
			b->config.adapter, WATCHDOG_TIMEOUT_MS);
		bus_restart_later(b);
		return 0;
	}
	if (r < 0) {
		log_debug("bluez: adapter check failed: %s", message);
		return 0;
	}
	if (sd_bus_message_read(reply, "v", "b", &powered) >= 0 && b->adapter_present &&
	    b->adapter_powered != !!powered) {
		b->adapter_powered = powered;
		adapter_update(b);
	}
	return 0;
}

static int on_watchdog_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	struct bluez *b = userdata;
	int r;

	(void)s;
	(void)usec;
	(void)bluez_set_timer(b, &b->watchdog_timer, WATCHDOG_INTERVAL_MS, on_watchdog_timer, b);
	if (!b->bus || !b->adapter_present || b->watchdog_slot)
		return 0;
	r = bluez_new_call(b, b->adapter_path, DBUS_PROPERTIES, "Get", &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", BLUEZ_ADAPTER_IFACE, "Powered");
	if (r >= 0)
		r = bluez_send(b, &b->watchdog_slot, m, WATCHDOG_TIMEOUT_MS, on_watchdog_reply, b);
	if (r < 0)
		log_debug_errno(r, "bluez: cannot check the adapter: %m");
	return 0;
}

/* ---- public API ---- */

int bluez_new(sd_event *event, const struct bluez_config *config,
	      const struct bluez_callbacks *callbacks, void *userdata, struct bluez **ret)
{
	struct bluez *b;

	if (!event || !config || !callbacks || !ret)
		return -EINVAL;
	if (!config->adapter[0] || strchr(config->adapter, '/') || config->reconnect_min_ms == 0 ||
	    config->reconnect_max_ms < config->reconnect_min_ms || config->racp_timeout_ms == 0 ||
	    config->clock_tolerance_s < 0)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->event = sd_event_ref(event);
	b->config = *config;
	b->callbacks = callbacks;
	b->userdata = userdata;
	snprintf(b->adapter_path, sizeof(b->adapter_path), "/org/bluez/%s", config->adapter);
	*ret = b;
	return 0;
}

struct bluez *bluez_free(struct bluez *b)
{
	if (!b)
		return NULL;
	/* Devices first: their slots and timers go without a single callback. */
	for (size_t i = 0; i < b->n_devices; i++)
		bluez_device_free(b->devices[i]);
	b->n_devices = 0;
	b->ready = false; /* nothing to announce on the way out */
	bus_teardown(b);
	b->pair_slot = sd_bus_slot_unref(b->pair_slot);
	bluez_disarm(&b->watchdog_timer);
	bluez_disarm(&b->scan_timer);
	bluez_disarm(&b->restart_timer);
	sd_event_unref(b->event);
	free(b);
	return NULL;
}

int bluez_add_device(struct bluez *b, const struct ble_device_config *device)
{
	struct ble_device_config c;
	struct bluez_device *d;
	size_t n;
	int r;

	if (!b || !device)
		return -EINVAL;
	if (b->started)
		return -EBUSY;
	c = *device;
	if (!memchr(c.name, '\0', sizeof(c.name)) || !c.name[0] ||
	    !memchr(c.address, '\0', sizeof(c.address)) || !address_is_valid(c.address) ||
	    (unsigned)c.profile >= _BLE_PROFILE_MAX || !memchr(c.passkey, '\0', sizeof(c.passkey)))
		return -EINVAL;
	/* The name goes on the wire in every reading: A-Z a-z 0-9 _ - . only. */
	for (const char *q = c.name; *q; q++)
		if (!isalnum((unsigned char)*q) && !strchr("_-.", *q))
			return -EINVAL;
	n = strlen(c.passkey);
	if (n != 0 && n != 6)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)c.passkey[i]))
			return -EINVAL;
	bluez_copy_upper(c.address, sizeof(c.address), device->address);
	for (size_t i = 0; i < b->n_devices; i++)
		if (strcmp(b->devices[i]->status.config.name, c.name) == 0 ||
		    strcmp(b->devices[i]->status.config.address, c.address) == 0)
			return -EEXIST;
	if (b->n_devices >= BLUEZ_DEVICES_MAX)
		return -ENOSPC;
	r = bluez_device_new(b, &c, &d);
	if (r < 0)
		return r;
	b->devices[b->n_devices++] = d;
	return 0;
}

int bluez_start(struct bluez *b)
{
	int r;

	if (!b)
		return -EINVAL;
	if (b->started)
		return -EALREADY;
	r = bus_setup(b);
	if (r < 0) {
		bus_teardown(b);
		return log_error_errno(r, "bluez: cannot connect to the bus '%s': %m",
				       b->config.bus[0] ? b->config.bus : "system");
	}
	r = bluez_set_timer(b, &b->watchdog_timer, WATCHDOG_INTERVAL_MS, on_watchdog_timer, b);
	if (r < 0) {
		bus_teardown(b);
		return log_error_errno(r, "bluez: cannot arm the adapter watchdog: %m");
	}
	b->started = true;
	return 0;
}

size_t bluez_device_count(const struct bluez *b)
{
	return b ? b->n_devices : 0;
}

int bluez_device_status(const struct bluez *b, size_t i, struct ble_device_status *ret)
{
	if (!b || !ret)
		return -EINVAL;
	if (i >= b->n_devices)
		return -ENOENT;
	*ret = b->devices[i]->status;
	return 0;
}
