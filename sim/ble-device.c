// SPDX-License-Identifier: MIT
/*
 * Virtual BLE health devices behind org.bluez.Device1. A device advertises or
 * sleeps; BlueZ (this file) connects it when asked or, once it has been
 * connected through Connect/Pair, whenever it advertises again (the kernel's
 * auto-connect list). Readings taken while nobody listens go to the device's
 * memory and are pushed right after the client enables their CCCD; a glucose
 * meter answers RACP requests instead. Everything the device sends goes
 * through one paced queue, so indications keep their order and an abort can
 * still stop a report.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ble-device.h"
#include "ble-encode.h"
#include "ble-gatt.h"
#include "ble-memory.h"
#include "log.h"
#include "quirks.h"
#include "racp.h"

#define TX_QUEUE_MAX  4096 /* a full glucose report with contexts fits twice */
#define OVERRIDES_MAX 8
#define ALIAS_MAX     248

enum tx_flag {
	TX_FROM_MEMORY = 1 << 0, /* the oldest stored record on this UUID goes once sent */
	TX_RACP = 1 << 1,        /* part of a RACP procedure: an abort drops it */
	TX_MEASUREMENT = 1 << 2, /* a reading: the device may hang up afterwards */
};

struct tx_entry {
	struct tx_entry *next;
	uint16_t uuid;
	unsigned flags;
	size_t len;
	uint8_t value[];
};

/* Bytes a "raw" event put in place of a readable characteristic's value. */
struct value_override {
	uint16_t uuid;
	size_t len;
	uint8_t value[SIM_VALUE_MAX];
};

enum link_loss {
	LINK_BY_HOST,    /* Disconnect(), Blocked */
	LINK_BY_DEVICE,  /* the device hung up or went out of range */
	LINK_BY_ADAPTER, /* powered off or gone */
};

struct sim_device {
	struct sim *sim; /* borrowed: the manager owns the device */
	struct scenario_device decl;
	char address[18];
	char path[64];
	char alias[ALIAS_MAX + 1]; /* "" = the name */
	bool beurer;               /* encodes 2A35 as the BM85 does */

	bool exported;
	bool temporary; /* found by discovery and not yet used: BlueZ forgets it later */
	bool paired;
	bool bonded;
	bool trusted;
	bool blocked;
	bool legacy_pairing; /* always false: LE Secure Connections */
	bool connected;
	bool services_resolved;
	bool auto_connect;
	bool awake;     /* advertising, so the adapter can reach it */
	bool delivered; /* a reading went out on this link */
	int16_t rssi;
	uint8_t battery;
	int64_t clock_offset_s; /* device clock minus the host's local wall clock */
	uint16_t next_seq;

	struct value_override overrides[OVERRIDES_MAX];
	size_t n_overrides;
	struct sim_memory *memory;
	struct sim_gatt *gatt;

	struct tx_entry *tx_head, *tx_tail;
	size_t tx_count;

	sd_bus_message *connect_msg;
	bool connecting;
	sd_bus_message *pair_msg;
	bool pair_connected; /* Pair() brought the link up */
	sd_bus_slot *agent_call;
	char agent_owner[SIM_NAME_MAX];
	char agent_path[SIM_NAME_MAX];

	sd_event_source *tx_timer;
	sd_event_source *connect_timer;
	sd_event_source *pair_timer;
	sd_event_source *hangup_timer;
	sd_event_source *blocked_timer;
	sd_event_source *found_timer;
	sd_event_source *temporary_timer;
	sd_bus_slot *slot;
	sd_bus_slot *battery_slot;
};

static const uint16_t profile_service[_SCENARIO_PROFILE_MAX] = {
	[SCENARIO_PROFILE_BP] = 0x1810,       [SCENARIO_PROFILE_GLUCOSE] = 0x1808,
	[SCENARIO_PROFILE_OXIMETER] = 0x1822, [SCENARIO_PROFILE_THERMOMETER] = 0x1809,
	[SCENARIO_PROFILE_SCALE] = 0x181d,
};

/* GAP Appearance: generic blood pressure, glucose meter, pulse oximeter, thermometer, scale. */
static const uint16_t profile_appearance[_SCENARIO_PROFILE_MAX] = {
	[SCENARIO_PROFILE_BP] = 0x0380,       [SCENARIO_PROFILE_GLUCOSE] = 0x0400,
	[SCENARIO_PROFILE_OXIMETER] = 0x0c40, [SCENARIO_PROFILE_THERMOMETER] = 0x0300,
	[SCENARIO_PROFILE_SCALE] = 0x0c80,
};

static void link_down(struct sim_device *d, enum link_loss why);
static void start_connecting(struct sim_device *d);
static int on_connect_timer(sd_event_source *source, uint64_t usec, void *userdata);
static void pair_fail(struct sim_device *d, const char *name, const char *message);

const char *sim_device_address(const struct sim_device *d)
{
	return d->address;
}

const char *sim_device_path(const struct sim_device *d)
{
	return d->path;
}

struct sim *sim_device_sim(const struct sim_device *d)
{
	return d->sim;
}

bool sim_device_connected(const struct sim_device *d)
{
	return d->connected;
}

bool sim_device_exported(const struct sim_device *d)
{
	return d->exported;
}

bool sim_device_paired(const struct sim_device *d)
{
	return d->paired;
}

bool sim_device_busy(const struct sim_device *d)
{
	return d->tx_head != NULL;
}

static void emit_device(struct sim_device *d, const char *property)
{
	int r;

	/* At exit sd-bus has closed the bus before the devices go: nobody to tell. */
	if (!d->slot || sd_bus_is_open(d->sim->bus) <= 0)
		return;
	r = sd_bus_emit_properties_changed(d->sim->bus, d->path, BLUEZ_DEVICE, property, NULL);
	if (r < 0)
		log_warning_errno(r, "device %s: cannot emit %s: %m", d->address, property);
}

/* The device's wall clock: the host's local time plus its drift, as "seconds since 1970" of it. */
static int64_t device_clock(const struct sim_device *d, uint32_t *nsec)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	if (nsec)
		*nsec = (uint32_t)ts.tv_nsec;
	return (int64_t)ts.tv_sec + tm.tm_gmtoff + d->clock_offset_s;
}

static void device_time(const struct sim_device *d, struct gatt_date_time *ret)
{
	gatt_date_time_from_epoch(device_clock(d, NULL), ret);
}

/* ---- The notification queue ---- */

static void tx_free_all(struct sim_device *d)
{
	while (d->tx_head) {
		struct tx_entry *e = d->tx_head;

		d->tx_head = e->next;
		free(e);
	}
	d->tx_tail = NULL;
	d->tx_count = 0;
	d->tx_timer = sd_event_source_disable_unref(d->tx_timer);
}

/* Drops queued entries that have all of @flags and go out on @uuid (0: any UUID). */
static void tx_drop(struct sim_device *d, uint16_t uuid, unsigned flags)
{
	struct tx_entry **p = &d->tx_head;

	d->tx_tail = NULL;
	while (*p) {
		struct tx_entry *e = *p;

		if ((e->flags & flags) == flags && (!uuid || e->uuid == uuid)) {
			*p = e->next;
			free(e);
			d->tx_count--;
			continue;
		}
		d->tx_tail = e;
		p = &e->next;
	}
}

static bool tx_has(const struct sim_device *d, unsigned flags)
{
	for (const struct tx_entry *e = d->tx_head; e; e = e->next)
		if (e->flags & flags)
			return true;
	return false;
}

static int on_hangup(sd_event_source *source _unused_, uint64_t usec _unused_, void *userdata)
{
	struct sim_device *d = userdata;

	if (d->connected && !d->tx_head)
		link_down(d, LINK_BY_DEVICE);
	return 0;
}

static void tx_drained(struct sim_device *d)
{
	if (d->connected && d->delivered && d->decl.hangup_ms)
		(void)sim_timer_arm(d->sim, &d->hangup_timer, (uint64_t)d->decl.hangup_ms * 1000,
				    on_hangup, d);
	sim_maybe_exit(d->sim);
}

static void print_value(const char *what, const struct sim_device *d, uint16_t uuid,
			const uint8_t *buf, size_t len)
{
	char hex[2 * SIM_VALUE_MAX + 1];

	sim_hex(buf, len, hex);
	sim_print("%s %s %04X %s", what, d->address, uuid, hex);
}

static int on_tx(sd_event_source *source _unused_, uint64_t usec _unused_, void *userdata)
{
	struct sim_device *d = userdata;
	struct tx_entry *e = d->tx_head;

	if (!e)
		return 0;
	d->tx_head = e->next;
	if (!d->tx_head)
		d->tx_tail = NULL;
	d->tx_count--;

	/* A value whose CCCD went off meanwhile is not sent; stored records then stay stored. */
	if (d->connected && sim_gatt_notify(d->gatt, e->uuid, e->value, e->len) >= 0) {
		print_value("notify", d, e->uuid, e->value, e->len);
		if (e->flags & TX_MEASUREMENT)
			d->delivered = true;
		if (e->flags & TX_FROM_MEMORY) {
			int i = sim_memory_find_uuid(d->memory, e->uuid);

			if (i >= 0)
				sim_memory_remove(d->memory, (size_t)i);
		}
	}
	free(e);
	if (d->tx_head)
		(void)sim_timer_arm(d->sim, &d->tx_timer, SIM_TX_USEC, on_tx, d);
	else
		tx_drained(d);
	return 0;
}

static int tx_push(struct sim_device *d, uint16_t uuid, const uint8_t *buf, size_t len,
		   unsigned flags)
{
	struct tx_entry *e;

	if (d->tx_count >= TX_QUEUE_MAX) {
		log_warning("device %s: %d notifications queued, dropping one on %04X", d->address,
			    TX_QUEUE_MAX, uuid);
		return -ENOBUFS;
	}
	e = malloc(sizeof(*e) + len);
	if (!e)
		return log_oom();
	*e = (struct tx_entry){ .uuid = uuid, .flags = flags, .len = len };
	memcpy(e->value, buf, len);
	if (d->tx_tail)
		d->tx_tail->next = e;
	else
		d->tx_head = e;
	d->tx_tail = e;
	d->tx_count++;
	d->hangup_timer = sd_event_source_disable_unref(d->hangup_timer);
	if (d->tx_count == 1)
		return sim_timer_arm(d->sim, &d->tx_timer, SIM_TX_USEC, on_tx, d);
	return 0;
}

/* ---- Memory ---- */

/* Characteristics whose stored readings a device pushes once their CCCD is enabled. */
static bool pushes_memory(uint16_t uuid)
{
	return uuid == 0x2a35 || uuid == 0x2a5e || uuid == 0x2a1c || uuid == 0x2a9d;
}

static void push_memory(struct sim_device *d, uint16_t uuid)
{
	size_t n = sim_memory_count(d->memory);

	tx_drop(d, uuid, TX_FROM_MEMORY);
	for (size_t i = 0; i < n; i++) {
		const struct sim_record *rec = sim_memory_get(d->memory, i);

		if (rec->uuid == uuid)
			(void)tx_push(d, uuid, rec->value, rec->len,
				      TX_FROM_MEMORY | TX_MEASUREMENT);
	}
}

static void store(struct sim_device *d, const struct sim_record *rec)
{
	int r = sim_memory_push(d->memory, rec);

	if (r < 0) {
		log_oom();
		return;
	}
	if (r > 0)
		log_notice("device %s: memory full (%d records), the oldest went", d->address,
			   SIM_MEMORY_MAX);
	print_value("stored", d, rec->uuid, rec->value, rec->len);
}

/* ---- Advertising, connection ---- */

static bool is_temporary(const struct sim_device *d)
{
	return d->temporary && !d->paired && !d->trusted && !d->connected && !d->connect_msg &&
	       !d->pair_msg;
}

static int on_temporary(sd_event_source *source _unused_, uint64_t usec _unused_, void *userdata)
{
	struct sim_device *d = userdata;

	/* BlueZ forgets a device found by discovery and never used. */
	if (is_temporary(d) && !d->sim->discovering)
		sim_device_unexport(d, true);
	return 0;
}

static void temporary_check(struct sim_device *d)
{
	if (is_temporary(d) && !d->sim->discovering)
		(void)sim_timer_arm(d->sim, &d->temporary_timer, SIM_TEMPORARY_USEC, on_temporary,
				    d);
	else
		d->temporary_timer = sd_event_source_disable_unref(d->temporary_timer);
}

static void wake(struct sim_device *d)
{
	if (!d->awake)
		sim_print("advertising %s", d->address);
	d->awake = true;
	if (!d->exported && d->sim->discovering && d->sim->adapter_present)
		(void)sim_device_export(d);
	if (d->connected)
		return;
	if (d->connecting) {
		(void)sim_timer_arm(d->sim, &d->connect_timer, SIM_CONNECT_USEC, on_connect_timer,
				    d);
		return;
	}
	if (d->auto_connect && d->exported && d->sim->powered && !d->blocked)
		start_connecting(d);
}

PROPERTY_GETTER(get_percentage)
{
	struct sim_device *d = userdata;

	return sd_bus_message_append(reply, "y", d->battery);
}

static const sd_bus_vtable battery_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Percentage", "y", get_percentage, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_VTABLE_END,
};

/* BlueZ's battery plugin adds Battery1 to the device once connected. */
static void battery_export(struct sim_device *d)
{
	int r;

	if (d->battery_slot || !d->slot)
		return;
	r = sd_bus_add_object_vtable(d->sim->bus, &d->battery_slot, d->path, BLUEZ_BATTERY,
				     battery_vtable, d);
	if (r >= 0)
		r = sd_bus_emit_interfaces_added(d->sim->bus, d->path, BLUEZ_BATTERY, NULL);
	if (r < 0)
		log_warning_errno(r, "device %s: cannot add Battery1: %m", d->address);
}

static void battery_unexport(struct sim_device *d)
{
	if (!d->battery_slot)
		return;
	(void)sd_bus_emit_interfaces_removed(d->sim->bus, d->path, BLUEZ_BATTERY, NULL);
	d->battery_slot = sd_bus_slot_unref(d->battery_slot);
}

static void pair_continue_later(struct sim_device *d);

/* The LE link is up: GATT discovery (first time), CCCDs again, ServicesResolved. */
static void link_up(struct sim_device *d)
{
	d->connected = true;
	d->delivered = false;
	d->awake = true;
	temporary_check(d);
	emit_device(d, "Connected");
	sim_print("connected %s", d->address);
	if (!sim_gatt_exported(d->gatt)) {
		if (sim_gatt_export(d->gatt) < 0)
			log_error("device %s: cannot export its GATT objects", d->address);
		emit_device(d, "UUIDs");
	}
	sim_gatt_connected(d->gatt);
	battery_export(d);
	d->services_resolved = true;
	emit_device(d, "ServicesResolved");
	if (d->connect_msg) {
		_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = TAKE_PTR(d->connect_msg);

		d->auto_connect = true;
		(void)sd_bus_reply_method_return(m, NULL);
	}
	if (d->pair_msg)
		pair_continue_later(d);
}

static int on_connect_timer(sd_event_source *source _unused_, uint64_t usec _unused_,
			    void *userdata)
{
	struct sim_device *d = userdata;

	d->connecting = false;
	if (d->awake && d->sim->powered && !d->connected) {
		link_up(d);
		return 0;
	}
	/* The device never answered: the kernel gives up the LE connection attempt. */
	if (d->connect_msg) {
		_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = TAKE_PTR(d->connect_msg);

		(void)sd_bus_reply_method_errorf(m, BLUEZ_ERROR("Failed"),
						 "le-connection-abort-by-local");
	}
	if (d->pair_msg)
		pair_fail(d, BLUEZ_ERROR("ConnectionAttemptFailed"), "Page Timeout");
	sim_print("connect-failed %s", d->address);
	temporary_check(d);
	return 0;
}

static void start_connecting(struct sim_device *d)
{
	uint64_t usec = d->awake ? SIM_CONNECT_USEC : d->sim->connect_timeout_usec;

	d->connecting = true;
	if (sim_timer_arm(d->sim, &d->connect_timer, usec, on_connect_timer, d) < 0)
		d->connecting = false;
}

static void cancel_connecting(struct sim_device *d)
{
	d->connecting = false;
	d->connect_timer = sd_event_source_disable_unref(d->connect_timer);
}

static void link_down(struct sim_device *d, enum link_loss why)
{
	if (!d->connected)
		return;
	tx_free_all(d);
	d->hangup_timer = sd_event_source_disable_unref(d->hangup_timer);
	if (d->pair_msg) {
		d->pair_connected = false;
		pair_fail(d, BLUEZ_ERROR("AuthenticationCanceled"), "Authentication Canceled");
	}
	sim_gatt_disconnected(d->gatt);
	battery_unexport(d);
	d->services_resolved = false;
	emit_device(d, "ServicesResolved");
	d->connected = false;
	emit_device(d, "Connected");
	sim_print("disconnected %s", d->address);
	/* A monitor that hangs up sleeps until its next reading or a reconnect event. */
	if (d->decl.sleeps && why == LINK_BY_DEVICE)
		d->awake = false;
	/* Disconnect() takes an untrusted device off the auto-connect list. */
	if (why == LINK_BY_HOST && !d->trusted)
		d->auto_connect = false;
	temporary_check(d);
	sim_maybe_exit(d->sim);
}

/* ---- Pairing ---- */

static void pair_cleanup(struct sim_device *d)
{
	d->pair_timer = sd_event_source_disable_unref(d->pair_timer);
	if (d->agent_call) {
		/* Tell the agent its request is void, as BlueZ does. */
		d->agent_call = sd_bus_slot_unref(d->agent_call);
		(void)sd_bus_call_method_async(d->sim->bus, NULL, d->agent_owner, d->agent_path,
					       BLUEZ_AGENT, "Cancel", NULL, NULL, "");
	}
	d->pair_msg = sd_bus_message_unref(d->pair_msg);
}

static void pair_fail(struct sim_device *d, const char *name, const char *message)
{
	bool drop_link = d->pair_connected && d->connected;

	if (d->pair_msg)
		(void)sd_bus_reply_method_errorf(d->pair_msg, name, "%s", message);
	sim_print("pair-failed %s %s", d->address, name + strlen("org.bluez.Error."));
	pair_cleanup(d);
	d->pair_connected = false;
	if (drop_link)
		link_down(d, LINK_BY_HOST);
}

static void pair_succeed(struct sim_device *d)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = TAKE_PTR(d->pair_msg);

	pair_cleanup(d);
	d->pair_connected = false;
	d->paired = d->bonded = true;
	d->auto_connect = true;
	emit_device(d, "Paired");
	emit_device(d, "Bonded");
	sim_print("paired %s", d->address);
	temporary_check(d);
	if (m)
		(void)sd_bus_reply_method_return(m, NULL);
}

static int on_agent_reply(sd_bus_message *m, void *userdata, sd_bus_error *error _unused_)
{
	struct sim_device *d = userdata;
	char answer[12];
	uint32_t passkey;

	d->agent_call = sd_bus_slot_unref(d->agent_call);
	if (sd_bus_message_is_method_error(m, NULL) || sd_bus_message_read(m, "u", &passkey) < 0) {
		/* The kernel answers a refused passkey entry with "Passkey Entry Failed". */
		pair_fail(d, BLUEZ_ERROR("AuthenticationFailed"), "Authentication Failed");
		return 0;
	}
	snprintf(answer, sizeof(answer), "%06u", passkey);
	if (strcmp(answer, d->decl.passkey) != 0) {
		pair_fail(d, BLUEZ_ERROR("AuthenticationFailed"), "Authentication Failed");
		return 0;
	}
	pair_succeed(d);
	return 0;
}

static bool agent_can_type(const struct sim_agent *a)
{
	return strcmp(a->capability, "KeyboardOnly") == 0 ||
	       strcmp(a->capability, "KeyboardDisplay") == 0;
}

/* SMP on an established link: Just Works needs nobody; passkey entry asks the agent. */
static int on_pair_step(sd_event_source *source _unused_, uint64_t usec _unused_, void *userdata)
{
	struct sim_device *d = userdata;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
	const struct sim_agent *agent;
	int r;

	if (!d->pair_msg)
		return 0;
	if (!d->decl.passkey[0]) {
		/* BlueZ auto-accepts Just Works for a Pair() the client asked for. */
		pair_succeed(d);
		return 0;
	}
	agent = sim_agent_for(d->sim, sd_bus_message_get_sender(d->pair_msg));
	if (!agent || !agent_can_type(agent)) {
		/* Without a keyboard the device's MITM requirement cannot be met. */
		pair_fail(d, BLUEZ_ERROR("AuthenticationFailed"), "Authentication Failed");
		return 0;
	}
	snprintf(d->agent_owner, sizeof(d->agent_owner), "%s", agent->owner);
	snprintf(d->agent_path, sizeof(d->agent_path), "%s", agent->path);
	r = sd_bus_message_new_method_call(d->sim->bus, &call, d->agent_owner, d->agent_path,
					   BLUEZ_AGENT, "RequestPasskey");
	if (r >= 0)
		r = sd_bus_message_append(call, "o", d->path);
	if (r >= 0)
		r = sd_bus_call_async(d->sim->bus, &d->agent_call, call, on_agent_reply, d,
				      SIM_AGENT_USEC);
	if (r < 0) {
		log_warning_errno(r, "device %s: cannot call the agent: %m", d->address);
		pair_fail(d, BLUEZ_ERROR("AuthenticationFailed"), "Authentication Failed");
		return 0;
	}
	sim_print("agent %s RequestPasskey", d->address);
	return 0;
}

static void pair_continue_later(struct sim_device *d)
{
	if (sim_timer_arm(d->sim, &d->pair_timer, SIM_ATT_RTT_USEC, on_pair_step, d) < 0)
		pair_fail(d, BLUEZ_ERROR("Failed"), "Operation failed");
}

/* ---- Device1 ---- */

PROPERTY_GETTER(get_address)
{
	struct sim_device *d = userdata;

	return sd_bus_message_append(reply, "s", d->address);
}

PROPERTY_GETTER(get_address_type)
{
	return sd_bus_message_append(reply, "s", "public");
}

PROPERTY_GETTER(get_name)
{
	struct sim_device *d = userdata;

	return sd_bus_message_append(reply, "s", d->decl.name);
}

PROPERTY_GETTER(get_alias)
{
	struct sim_device *d = userdata;

	return sd_bus_message_append(reply, "s", d->alias[0] ? d->alias : d->decl.name);
}

PROPERTY_GETTER(get_appearance)
{
	struct sim_device *d = userdata;

	return sd_bus_message_append(reply, "q", profile_appearance[d->decl.profile]);
}

PROPERTY_GETTER(get_bool)
{
	/* userdata points at the bool itself (SD_BUS_PROPERTY offset). */
	return sd_bus_message_append(reply, "b", *(bool *)userdata);
}

/* Trusted and Blocked are writable: their getter gets the whole device, like the setters. */
PROPERTY_GETTER(get_flag)
{
	struct sim_device *d = userdata;

	return sd_bus_message_append(reply, "b",
				     strcmp(property, "Trusted") == 0 ? d->trusted : d->blocked);
}

PROPERTY_GETTER(get_rssi)
{
	struct sim_device *d = userdata;

	return sd_bus_message_append(reply, "n", d->rssi);
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

PROPERTY_GETTER(get_uuids)
{
	struct sim_device *d = userdata;
	uint16_t uuids[8];
	size_t n;
	int r;

	/* Before GATT discovery only the advertised service is known. */
	if (sim_gatt_exported(d->gatt))
		n = sim_gatt_service_uuids(d->gatt, uuids, ELEMENTSOF(uuids));
	else {
		uuids[0] = profile_service[d->decl.profile];
		n = 1;
	}
	qsort(uuids, n, sizeof(uuids[0]), cmp_u16);
	r = sd_bus_message_open_container(reply, 'a', "s");
	for (size_t i = 0; r >= 0 && i < n; i++) {
		char s[37];

		sim_uuid128(uuids[i], s);
		r = sd_bus_message_append(reply, "s", s);
	}
	if (r < 0)
		return r;
	return sd_bus_message_close_container(reply);
}

PROPERTY_GETTER(get_adapter)
{
	struct sim_device *d = userdata;

	return sd_bus_message_append(reply, "o", d->sim->adapter_path);
}

static int set_alias(sd_bus *bus _unused_, const char *path _unused_,
		     const char *interface _unused_, const char *property _unused_,
		     sd_bus_message *value, void *userdata, sd_bus_error *error)
{
	struct sim_device *d = userdata;
	const char *alias;
	int r;

	r = sd_bus_message_read(value, "s", &alias);
	if (r < 0)
		return r;
	if (strlen(alias) > ALIAS_MAX)
		return sd_bus_error_set(error, BLUEZ_ERROR("InvalidArguments"),
					"Invalid arguments in method call");
	snprintf(d->alias, sizeof(d->alias), "%s", alias);
	emit_device(d, "Alias");
	return 1;
}

static int set_trusted(sd_bus *bus _unused_, const char *path _unused_,
		       const char *interface _unused_, const char *property _unused_,
		       sd_bus_message *value, void *userdata, sd_bus_error *error _unused_)
{
	struct sim_device *d = userdata;
	int v, r;

	r = sd_bus_message_read(value, "b", &v);
	if (r < 0)
		return r;
	if (d->trusted != !!v) {
		d->trusted = v;
		emit_device(d, "Trusted");
		sim_print("trusted %s %s", d->address, v ? "yes" : "no");
	}
	if (v)
		d->temporary = false;
	temporary_check(d);
	return 1;
}

static int on_blocked(sd_event_source *source _unused_, uint64_t usec _unused_, void *userdata)
{
	struct sim_device *d = userdata;

	if (d->blocked)
		link_down(d, LINK_BY_HOST);
	return 0;
}

static int set_blocked(sd_bus *bus _unused_, const char *path _unused_,
		       const char *interface _unused_, const char *property _unused_,
		       sd_bus_message *value, void *userdata, sd_bus_error *error _unused_)
{
	struct sim_device *d = userdata;
	int v, r;

	r = sd_bus_message_read(value, "b", &v);
	if (r < 0)
		return r;
	if (d->blocked == !!v)
		return 1;
	d->blocked = v;
	emit_device(d, "Blocked");
	/* Dropping the link changes the object tree: not from inside a property setter. */
	if (v && d->connected)
		(void)sim_timer_arm(d->sim, &d->blocked_timer, 0, on_blocked, d);
	return 1;
}

static int method_connect(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct sim_device *d = userdata;

	if (!d->sim->powered)
		return sd_bus_error_set(error, BLUEZ_ERROR("NotReady"), "Resource Not Ready");
	d->temporary = false;
	/* An LE device that is already connected: BlueZ answers at once. */
	if (d->connected)
		return sd_bus_reply_method_return(m, NULL);
	if (d->connect_msg || d->pair_msg)
		return sd_bus_error_set(error, BLUEZ_ERROR("InProgress"), "In Progress");
	d->connect_msg = sd_bus_message_ref(m);
	if (!d->connecting)
		start_connecting(d);
	return 1;
}

static int method_disconnect(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct sim_device *d = userdata;

	if (!d->connected) {
		if (d->connect_msg) {
			(void)sd_bus_reply_method_errorf(d->connect_msg, BLUEZ_ERROR("Failed"),
							 "Disconnected early");
			d->connect_msg = sd_bus_message_unref(d->connect_msg);
			cancel_connecting(d);
			return sd_bus_reply_method_return(m, NULL);
		}
		return sd_bus_error_set(error, BLUEZ_ERROR("NotConnected"), "Not Connected");
	}
	link_down(d, LINK_BY_HOST);
	return sd_bus_reply_method_return(m, NULL);
}

static int method_pair(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct sim_device *d = userdata;

	d->temporary = false;
	if (d->pair_msg)
		return sd_bus_error_set(error, BLUEZ_ERROR("InProgress"), "In Progress");
	if (d->paired)
		return sd_bus_error_set(error, BLUEZ_ERROR("AlreadyExists"), "Already Exists");
	if (!d->sim->powered)
		return sd_bus_error_set(error, BLUEZ_ERROR("NotReady"), "Resource Not Ready");
	if (d->connect_msg)
		return sd_bus_error_set(error, BLUEZ_ERROR("InProgress"), "In Progress");
	d->pair_msg = sd_bus_message_ref(m);
	sim_print("pairing %s", d->address);
	/* BlueZ connects the ATT channel first, then starts SMP. */
	if (d->connected)
		pair_continue_later(d);
	else {
		d->pair_connected = true;
		if (!d->connecting)
			start_connecting(d);
	}
	return 1;
}

static int method_cancel_pairing(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct sim_device *d = userdata;

	if (!d->pair_msg)
		return sd_bus_error_set(error, BLUEZ_ERROR("DoesNotExist"), "Does Not Exist");
	if (!d->connected && d->connecting && !d->connect_msg)
		cancel_connecting(d);
	pair_fail(d, BLUEZ_ERROR("AuthenticationCanceled"), "Authentication Canceled");
	return sd_bus_reply_method_return(m, NULL);
}

static int method_profile(sd_bus_message *m _unused_, void *userdata _unused_, sd_bus_error *error)
{
	/* These devices have no BR/EDR profiles for BlueZ to connect. */
	return sd_bus_error_set(error, BLUEZ_ERROR("NotAvailable"),
				"Operation currently not available");
}

static const sd_bus_vtable device_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Address", "s", get_address, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("AddressType", "s", get_address_type, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Name", "s", get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_WRITABLE_PROPERTY("Alias", "s", get_alias, set_alias, 0,
				 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_PROPERTY("Appearance", "q", get_appearance, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Paired", "b", get_bool, offsetof(struct sim_device, paired),
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Bonded", "b", get_bool, offsetof(struct sim_device, bonded),
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_WRITABLE_PROPERTY("Trusted", "b", get_flag, set_trusted, 0,
				 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_WRITABLE_PROPERTY("Blocked", "b", get_flag, set_blocked, 0,
				 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_PROPERTY("LegacyPairing", "b", get_bool, offsetof(struct sim_device, legacy_pairing),
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("RSSI", "n", get_rssi, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Connected", "b", get_bool, offsetof(struct sim_device, connected),
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("UUIDs", "as", get_uuids, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Adapter", "o", get_adapter, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("ServicesResolved", "b", get_bool,
			offsetof(struct sim_device, services_resolved),
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD("Connect", NULL, NULL, method_connect, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("Disconnect", NULL, NULL, method_disconnect, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ConnectProfile", SD_BUS_ARGS("s", UUID), SD_BUS_NO_RESULT,
				method_profile, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("DisconnectProfile", SD_BUS_ARGS("s", UUID), SD_BUS_NO_RESULT,
				method_profile, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("Pair", NULL, NULL, method_pair, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("CancelPairing", NULL, NULL, method_cancel_pairing,
		      SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

/* ---- What the device answers over GATT ---- */

static const struct value_override *find_override(const struct sim_device *d, uint16_t uuid)
{
	for (size_t i = 0; i < d->n_overrides; i++)
		if (d->overrides[i].uuid == uuid)
			return &d->overrides[i];
	return NULL;
}

static void clear_override(struct sim_device *d, uint16_t uuid)
{
	for (size_t i = 0; i < d->n_overrides; i++)
		if (d->overrides[i].uuid == uuid) {
			d->overrides[i] = d->overrides[--d->n_overrides];
			return;
		}
}

static void set_override(struct sim_device *d, uint16_t uuid, const uint8_t *buf, size_t len)
{
	struct value_override *o;

	clear_override(d, uuid);
	if (d->n_overrides >= OVERRIDES_MAX)
		return;
	o = &d->overrides[d->n_overrides++];
	o->uuid = uuid;
	o->len = len;
	memcpy(o->value, buf, len);
	print_value("override", d, uuid, buf, len);
}

static int copy_text(const char *s, uint8_t *buf, size_t size)
{
	size_t n = strnlen(s, size);

	/* Device Information strings go without a terminating NUL. */
	memcpy(buf, s, n);
	return (int)n;
}

int sim_device_on_read(struct sim_device *d, uint16_t uuid, uint8_t *buf, size_t size, uint8_t *att)
{
	const struct value_override *o = find_override(d, uuid);
	uint32_t nsec;
	int64_t now;

	assert(size >= SIM_VALUE_MAX);
	if (o) {
		memcpy(buf, o->value, o->len);
		return (int)o->len;
	}
	switch (uuid) {
	case 0x2a00:
		return copy_text(d->decl.name, buf, size);
	case 0x2a29:
		return copy_text(d->decl.manufacturer, buf, size);
	case 0x2a24:
		return copy_text(d->decl.model, buf, size);
	case 0x2a26:
		return copy_text(d->decl.firmware, buf, size);
	case 0x2a19:
		buf[0] = d->battery;
		return 1;
	case 0x2a2b:
		now = device_clock(d, &nsec);
		sim_encode_current_time(now, nsec, 0, buf);
		return GATT_CURRENT_TIME_SIZE;
	case 0x2a49: /* body movement, cuff fit and irregular pulse detection */
	case 0x2a51: /* low battery, sensor malfunction and sample size detection */
		put_le16(buf, 0x0007);
		return 2;
	case 0x2a60: /* spot checks carry a time stamp */
		put_le16(buf, 0x0008);
		return 2;
	default:
		*att = ATT_ERROR_READ_NOT_PERMITTED;
		return -EACCES;
	}
}

static int clock_write(struct sim_device *d, const uint8_t *buf, size_t len, uint8_t *att)
{
	struct gatt_current_time ct;
	char iso[24];

	if (len != GATT_CURRENT_TIME_SIZE || gatt_current_time_parse(buf, len, &ct, NULL) < 0) {
		*att = ATT_ERROR_INVALID_LENGTH;
		return -EACCES;
	}
	if (!gatt_date_time_is_valid(&ct.time)) {
		/* Current Time Service: "Data field ignored". */
		*att = ATT_ERROR_PROCEDURE_RUNNING;
		return -EACCES;
	}
	d->clock_offset_s += gatt_date_time_to_epoch(&ct.time) - device_clock(d, NULL);
	clear_override(d, 0x2a2b);
	gatt_date_time_format(&ct.time, iso, sizeof(iso));
	sim_print("clock-set %s %s", d->address, iso);
	return 0;
}

static void racp_indicate(struct sim_device *d, const uint8_t out[4])
{
	(void)tx_push(d, 0x2a52, out, 4, TX_RACP);
}

static void racp_run(struct sim_device *d, const struct sim_racp_request *req)
{
	size_t n = sim_memory_count(d->memory), matched = 0;
	uint8_t out[4];

	switch (req->action) {
	case SIM_RACP_REPORT:
		for (size_t i = 0; i < n; i++) {
			const struct sim_record *rec = sim_memory_get(d->memory, i);

			if (!sim_racp_selects(req, rec->seq, i, n))
				continue;
			matched++;
			(void)tx_push(d, 0x2a18, rec->value, rec->len, TX_RACP | TX_MEASUREMENT);
			if (rec->ctx_len)
				(void)tx_push(d, 0x2a34, rec->ctx, rec->ctx_len,
					      TX_RACP | TX_MEASUREMENT);
		}
		break;
	case SIM_RACP_DELETE:
		for (size_t i = n; i-- > 0;)
			if (sim_racp_selects(req, sim_memory_get(d->memory, i)->seq, i, n)) {
				sim_memory_remove(d->memory, i);
				matched++;
			}
		break;
	case SIM_RACP_COUNT:
		for (size_t i = 0; i < n; i++)
			matched += sim_racp_selects(req, sim_memory_get(d->memory, i)->seq, i, n);
		sim_racp_count((uint16_t)matched, out);
		racp_indicate(d, out);
		return;
	case SIM_RACP_ABORT:
		tx_drop(d, 0, TX_RACP);
		sim_racp_response(RACP_OP_ABORT, RACP_RESPONSE_SUCCESS, out);
		racp_indicate(d, out);
		return;
	case SIM_RACP_REJECT:
		sim_racp_response(req->opcode, req->response_code, out);
		racp_indicate(d, out);
		return;
	}
	sim_racp_response(req->opcode, matched ? RACP_RESPONSE_SUCCESS : RACP_RESPONSE_NO_RECORDS,
			  out);
	racp_indicate(d, out);
}

static int racp_write(struct sim_device *d, const uint8_t *buf, size_t len, uint8_t *att)
{
	struct sim_racp_request req;
	char hex[2 * 64 + 1];

	sim_hex(buf, len < 64 ? len : 64, hex);
	sim_print("racp %s %s", d->address, hex);
	/* A Glucose server refuses RACP until its indications are enabled. */
	if (!sim_gatt_subscribed(d->gatt, 0x2a52)) {
		*att = ATT_ERROR_CCCD_IMPROPER;
		return -EACCES;
	}
	if (sim_racp_parse(buf, len, &req) < 0) {
		*att = ATT_ERROR_INVALID_LENGTH;
		return -EACCES;
	}
	if (req.action != SIM_RACP_ABORT && tx_has(d, TX_RACP)) {
		*att = ATT_ERROR_PROCEDURE_RUNNING;
		return -EACCES;
	}
	/* The Write Response goes first; the records follow through the queue. */
	racp_run(d, &req);
	return 0;
}

int sim_device_on_write(struct sim_device *d, uint16_t uuid, const uint8_t *buf, size_t len,
			uint8_t *att)
{
	switch (uuid) {
	case 0x2a2b:
		return clock_write(d, buf, len, att);
	case 0x2a52:
		return racp_write(d, buf, len, att);
	default:
		*att = ATT_ERROR_WRITE_NOT_PERMITTED;
		return -EACCES;
	}
}

/* The characteristics whose CCCDs an encrypted device guards. */
static bool is_measurement(uint16_t uuid)
{
	static const uint16_t guarded[] = { 0x2a35, 0x2a36, 0x2a18, 0x2a34, 0x2a52,
					    0x2a5e, 0x2a5f, 0x2a1c, 0x2a9d };

	for (size_t i = 0; i < ELEMENTSOF(guarded); i++)
		if (guarded[i] == uuid)
			return true;
	return false;
}

uint8_t sim_device_cccd_check(const struct sim_device *d, uint16_t uuid)
{
	if (d->decl.encrypted && !d->paired && is_measurement(uuid))
		return ATT_ERROR_AUTHENTICATION;
	return 0;
}

void sim_device_on_subscribe(struct sim_device *d, uint16_t uuid, bool on)
{
	sim_print("%s %s %04X", on ? "subscribed" : "unsubscribed", d->address, uuid);
	if (!on) {
		tx_drop(d, uuid, TX_FROM_MEMORY);
		return;
	}
	/* Like real monitors: the backlog follows the CCCD write at once. */
	if (pushes_memory(uuid))
		push_memory(d, uuid);
}

/* ---- Scenario events ---- */

/* A reading goes out now if someone listens, else into memory, else it is lost. */
static void deliver(struct sim_device *d, uint16_t uuid, const uint8_t *buf, size_t len)
{
	if (d->connected && sim_gatt_subscribed(d->gatt, uuid))
		(void)tx_push(d, uuid, buf, len, TX_MEASUREMENT);
	else if (pushes_memory(uuid)) {
		struct sim_record rec = { .uuid = uuid, .len = (uint8_t)len };

		memcpy(rec.value, buf, len);
		store(d, &rec);
	} else
		print_value("lost", d, uuid, buf, len);
	wake(d);
}

static void measure_glucose(struct sim_device *d, const struct scenario_glucose *g)
{
	struct sim_record rec = { .uuid = 0x2a18, .seq = d->next_seq++ };
	struct gatt_date_time when;
	int n, c;

	device_time(d, &when);
	n = sim_encode_glucose(g, rec.seq, &when, rec.value, sizeof(rec.value));
	c = sim_encode_glucose_context(g, rec.seq, rec.ctx, sizeof(rec.ctx));
	if (n < 0 || c < 0) {
		log_error("device %s: cannot encode a glucose record", d->address);
		return;
	}
	rec.len = (uint8_t)n;
	rec.ctx_len = (uint8_t)c;
	store(d, &rec);
	if (c)
		print_value("stored", d, 0x2a34, rec.ctx, rec.ctx_len);
	if (d->decl.live && d->connected && sim_gatt_subscribed(d->gatt, 0x2a18)) {
		(void)tx_push(d, 0x2a18, rec.value, rec.len, TX_MEASUREMENT);
		if (c)
			(void)tx_push(d, 0x2a34, rec.ctx, rec.ctx_len, TX_MEASUREMENT);
	}
	wake(d);
}

static void apply_raw(struct sim_device *d, const struct scenario_raw *raw)
{
	uint8_t props;

	if (!sim_gatt_has(d->gatt, raw->uuid, &props)) {
		log_warning("device %s has no characteristic %04X", d->address, raw->uuid);
		return;
	}
	if (props & GATT_PROP_READ)
		set_override(d, raw->uuid, raw->bytes, raw->len);
	if (props & (GATT_PROP_NOTIFY | GATT_PROP_INDICATE))
		deliver(d, raw->uuid, raw->bytes, raw->len);
}

static void apply_clock_drift(struct sim_device *d, int32_t minutes)
{
	uint8_t ct[GATT_CURRENT_TIME_SIZE];
	uint32_t nsec = 0;

	d->clock_offset_s += (int64_t)minutes * 60;
	clear_override(d, 0x2a2b);
	sim_print("clock-drift %s %+d", d->address, minutes);
	if (d->connected && sim_gatt_subscribed(d->gatt, 0x2a2b)) {
		sim_encode_current_time(device_clock(d, &nsec), nsec, GATT_ADJUST_MANUAL, ct);
		(void)tx_push(d, 0x2a2b, ct, sizeof(ct), 0);
	}
}

static void apply_battery(struct sim_device *d, uint8_t level)
{
	d->battery = level;
	sim_print("battery %s %u", d->address, level);
	if (d->battery_slot)
		(void)sd_bus_emit_properties_changed(d->sim->bus, d->path, BLUEZ_BATTERY,
						     "Percentage", NULL);
	if (d->connected && sim_gatt_subscribed(d->gatt, 0x2a19))
		(void)tx_push(d, 0x2a19, &level, 1, 0);
}

static void apply_measurement(struct sim_device *d, const struct scenario_event *ev)
{
	uint8_t buf[SIM_VALUE_MAX];
	struct gatt_date_time when;
	uint16_t uuid;
	int n;

	device_time(d, &when);
	switch (ev->kind) {
	case SCENARIO_BP:
		uuid = 0x2a35;
		n = sim_encode_bp(&ev->u.bp, &when, d->beurer, buf, sizeof(buf));
		break;
	case SCENARIO_SPO2:
		uuid = ev->u.spo2.continuous ? 0x2a5f : 0x2a5e;
		n = sim_encode_spo2(&ev->u.spo2, &when, buf, sizeof(buf));
		break;
	case SCENARIO_TEMP:
		uuid = 0x2a1c;
		n = sim_encode_temp(&ev->u.temp, &when, buf, sizeof(buf));
		break;
	case SCENARIO_WEIGHT:
		uuid = 0x2a9d;
		n = sim_encode_weight(&ev->u.weight, &when, buf, sizeof(buf));
		break;
	default:
		return;
	}
	if (n < 0) {
		log_error_errno(n, "line %u: device %s: cannot encode the reading: %m", ev->line,
				d->address);
		return;
	}
	deliver(d, uuid, buf, (size_t)n);
}

void sim_device_apply(struct sim_device *d, const struct scenario_event *ev)
{
	int profile = scenario_kind_profile(ev->kind);

	if (profile >= 0 && profile != (int)d->decl.profile) {
		log_warning("line %u: device %s (%s) takes no %s readings", ev->line, d->address,
			    scenario_profile_to_string(d->decl.profile),
			    scenario_kind_to_string(ev->kind));
		return;
	}
	switch (ev->kind) {
	case SCENARIO_BP:
	case SCENARIO_SPO2:
	case SCENARIO_TEMP:
	case SCENARIO_WEIGHT:
		apply_measurement(d, ev);
		break;
	case SCENARIO_GLUCOSE:
		measure_glucose(d, &ev->u.glucose);
		break;
	case SCENARIO_DISCONNECT:
		/* Switched off or out of range: no link, no advertising. */
		link_down(d, LINK_BY_DEVICE);
		if (d->awake)
			sim_print("asleep %s", d->address);
		d->awake = false;
		break;
	case SCENARIO_RECONNECT:
		wake(d);
		break;
	case SCENARIO_CLOCK_DRIFT:
		apply_clock_drift(d, ev->u.drift_minutes);
		break;
	case SCENARIO_BATTERY:
		apply_battery(d, ev->u.battery);
		break;
	case SCENARIO_RAW:
		apply_raw(d, &ev->u.raw);
		break;
	default:
		break;
	}
}

/* ---- Life cycle ---- */

int sim_device_new(struct sim *sim, const char *address, const struct scenario_device *decl,
		   struct sim_device **ret)
{
	_cleanup_(sim_device_freep) struct sim_device *d = NULL;
	int r;

	if ((unsigned)decl->profile >= _SCENARIO_PROFILE_MAX)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->sim = sim;
	d->decl = *decl;
	snprintf(d->address, sizeof(d->address), "%s", address);
	snprintf(d->path, sizeof(d->path), "%s/dev_%s", sim->adapter_path, address);
	for (char *p = strrchr(d->path, '/'); *p; p++)
		if (*p == ':')
			*p = '_';
	d->beurer = decl->profile == SCENARIO_PROFILE_BP && ble_quirks_for_model(decl->model);
	/* Paired in an earlier life: bonded, and trusted by whoever paired it. */
	d->paired = d->bonded = d->trusted = decl->paired;
	d->awake = true;
	d->rssi = decl->rssi;
	d->battery = decl->battery;
	d->next_seq = decl->first_seq;
	r = sim_memory_new(&d->memory);
	if (r < 0)
		return r;
	r = sim_gatt_new(d, decl->profile, &d->gatt);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(d);
	return 0;
}

static int on_found(sd_event_source *source _unused_, uint64_t usec _unused_, void *userdata)
{
	struct sim_device *d = userdata;

	if (d->awake && d->sim->discovering && !d->exported)
		(void)sim_device_export(d);
	return 0;
}

int sim_device_export(struct sim_device *d)
{
	int r;

	if (d->exported)
		return 0;
	if (!d->sim->adapter_present)
		return -ENODEV;
	r = sd_bus_add_object_vtable(d->sim->bus, &d->slot, d->path, BLUEZ_DEVICE, device_vtable,
				     d);
	if (r < 0)
		return log_error_errno(r, "device %s: cannot register '%s': %m", d->address,
				       d->path);
	d->exported = true;
	d->temporary = !d->paired && !d->decl.known;
	r = sd_bus_emit_object_added(d->sim->bus, d->path);
	if (r < 0)
		log_warning_errno(r, "device %s: cannot announce it: %m", d->address);
	sim_print("added %s", d->address);
	temporary_check(d);
	return 0;
}

static void unexport(struct sim_device *d, bool forget, bool quiet)
{
	if (d->connect_msg) {
		(void)sd_bus_reply_method_errorf(d->connect_msg, BLUEZ_ERROR("Failed"),
						 "Disconnected early");
		d->connect_msg = sd_bus_message_unref(d->connect_msg);
	}
	cancel_connecting(d);
	if (d->pair_msg)
		pair_fail(d, BLUEZ_ERROR("AuthenticationCanceled"), "Authentication Canceled");
	link_down(d, LINK_BY_ADAPTER);
	d->found_timer = sd_event_source_disable_unref(d->found_timer);
	d->temporary_timer = sd_event_source_disable_unref(d->temporary_timer);
	d->hangup_timer = sd_event_source_disable_unref(d->hangup_timer);
	sim_gatt_unexport(d->gatt);
	battery_unexport(d);
	if (d->slot) {
		(void)sd_bus_emit_object_removed(d->sim->bus, d->path);
		d->slot = sd_bus_slot_unref(d->slot);
		if (!quiet)
			sim_print("removed %s", d->address);
	}
	d->exported = false;
	d->temporary = false;
	if (forget) {
		d->paired = d->bonded = d->trusted = false;
		d->auto_connect = false;
		d->alias[0] = '\0';
	}
}

void sim_device_unexport(struct sim_device *d, bool forget_pairing)
{
	unexport(d, forget_pairing, false);
}

struct sim_device *sim_device_free(struct sim_device *d)
{
	if (!d)
		return NULL;
	if (d->gatt)
		unexport(d, false, true);
	tx_free_all(d);
	d->pair_timer = sd_event_source_disable_unref(d->pair_timer);
	d->connect_timer = sd_event_source_disable_unref(d->connect_timer);
	d->blocked_timer = sd_event_source_disable_unref(d->blocked_timer);
	d->gatt = sim_gatt_free(d->gatt);
	d->memory = sim_memory_free(d->memory);
	free(d);
	return NULL;
}

void sim_device_discovery_changed(struct sim_device *d, bool discovering)
{
	if (discovering && d->awake && !d->exported)
		(void)sim_timer_arm(d->sim, &d->found_timer, SIM_FOUND_USEC, on_found, d);
	else if (!discovering)
		d->found_timer = sd_event_source_disable_unref(d->found_timer);
	temporary_check(d);
}

void sim_device_power_on(struct sim_device *d)
{
	/* Auto-connect resumes for devices that advertise. */
	if (d->awake && d->auto_connect && d->exported && !d->connected && !d->connecting &&
	    !d->blocked)
		start_connecting(d);
}

void sim_device_power_off(struct sim_device *d)
{
	if (d->connect_msg) {
		(void)sd_bus_reply_method_errorf(d->connect_msg, BLUEZ_ERROR("Failed"),
						 "Disconnected early");
		d->connect_msg = sd_bus_message_unref(d->connect_msg);
	}
	cancel_connecting(d);
	if (d->pair_msg && !d->connected)
		pair_fail(d, BLUEZ_ERROR("AuthenticationCanceled"), "Authentication Canceled");
	link_down(d, LINK_BY_ADAPTER);
	d->found_timer = sd_event_source_disable_unref(d->found_timer);
}

static bool sent_by(sd_bus_message *m, const char *name)
{
	const char *sender = m ? sd_bus_message_get_sender(m) : NULL;

	return sender && strcmp(sender, name) == 0;
}

void sim_device_client_vanished(struct sim_device *d, const char *name)
{
	if (sent_by(d->pair_msg, name)) {
		/* BlueZ cancels the bonding and drops the link it made for it. */
		bool drop_link = d->pair_connected && d->connected;

		pair_cleanup(d);
		d->pair_connected = false;
		sim_print("pair-failed %s AuthenticationCanceled", d->address);
		if (drop_link)
			link_down(d, LINK_BY_HOST);
	}
	if (sent_by(d->connect_msg, name))
		d->connect_msg = sd_bus_message_unref(d->connect_msg);
	sim_gatt_client_vanished(d->gatt, name);
}
