// SPDX-License-Identifier: MIT
/*
 * The GATT objects BlueZ exports for a connected device, with the semantics of
 * BlueZ's src/gatt-client.c: the Value property is BlueZ's cache, updated by
 * every read and every notification (and a PropertiesChanged for each, even
 * when the bytes repeat); notify sessions belong to bus clients, outlive a
 * disconnect and are registered again on reconnection; writes take an ATT
 * round trip, so a second write meanwhile gets InProgress.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ble-device.h"
#include "ble-encode.h"
#include "ble-gatt.h"
#include "log.h"

#define GATT_SERVICES_MAX 6
#define GATT_CHRCS_MAX    6 /* per service */
#define GATT_SESSIONS_MAX 8 /* notify sessions per characteristic */
#define ATT_VALUE_MAX     512

struct gatt_service;

struct notify_session {
	char owner[SIM_NAME_MAX];
	bool registered; /* its CCCD write went through on the current link */
};

struct gatt_chrc {
	struct gatt_service *service; /* the parent */
	uint16_t uuid;
	uint8_t props;
	uint16_t handle; /* the declaration, which names the object */
	uint16_t value_handle;
	uint16_t cccd_handle; /* 0 when it has none */
	char path[96];
	char desc_path[112];

	uint8_t value[ATT_VALUE_MAX]; /* BlueZ's cached Value */
	size_t value_len;
	uint8_t desc_value[2];
	size_t desc_value_len;
	bool notifying;
	uint16_t cccd; /* what the device was last told */
	struct notify_session sessions[GATT_SESSIONS_MAX];
	size_t n_sessions;

	int notify_fd; /* AcquireNotify socket, or -1 */
	sd_event_source *notify_source;

	sd_bus_message *write_op; /* a Write Request on the air */
	sd_event_source *write_timer;
	uint8_t write_buf[ATT_VALUE_MAX];
	size_t write_len;
	uint16_t write_offset;

	sd_bus_slot *slot;
	sd_bus_slot *desc_slot;
};

struct gatt_service {
	struct sim_gatt *gatt; /* the parent */
	uint16_t uuid;
	uint16_t handle;
	uint16_t end_handle;
	bool on_bus; /* BlueZ keeps GAP for itself */
	char path[80];
	struct gatt_chrc chrcs[GATT_CHRCS_MAX];
	size_t n_chrcs;
	sd_bus_slot *slot;
};

struct sim_gatt {
	struct sim_device *device; /* borrowed: the owner */
	struct gatt_service services[GATT_SERVICES_MAX];
	size_t n_services;
	bool exported;
};

/* ---- The database ---- */

struct chrc_def {
	uint16_t uuid;
	uint8_t props;
};

struct service_def {
	uint16_t uuid;
	bool on_bus;
	struct chrc_def chrcs[GATT_CHRCS_MAX]; /* ends at uuid 0 */
};

#define R  GATT_PROP_READ
#define W  GATT_PROP_WRITE
#define N  GATT_PROP_NOTIFY
#define IN GATT_PROP_INDICATE

static const struct service_def common_services[] = {
	{ 0x1800, false, { { 0x2a00, R }, { 0x2a01, R } } },               /* GAP */
	{ 0x1801, true, { { 0x2a05, IN } } },                              /* GATT */
	{ 0x180a, true, { { 0x2a29, R }, { 0x2a24, R }, { 0x2a26, R } } }, /* Device Information */
	{ 0x180f, true, { { 0x2a19, R | N } } },                           /* Battery */
	{ 0x1805, true, { { 0x2a2b, R | W | N } } },                       /* Current Time */
};

static const struct service_def profile_services[_SCENARIO_PROFILE_MAX] = {
	[SCENARIO_PROFILE_BP] = { 0x1810, true, { { 0x2a35, IN }, { 0x2a36, N }, { 0x2a49, R } } },
	[SCENARIO_PROFILE_GLUCOSE] = { 0x1808,
				       true,
				       { { 0x2a18, N },
					 { 0x2a34, N },
					 { 0x2a51, R },
					 { 0x2a52, W | IN } } },
	[SCENARIO_PROFILE_OXIMETER] = { 0x1822,
					true,
					{ { 0x2a5e, IN }, { 0x2a5f, N }, { 0x2a60, R } } },
	[SCENARIO_PROFILE_THERMOMETER] = { 0x1809, true, { { 0x2a1c, IN } } },
	[SCENARIO_PROFILE_SCALE] = { 0x181d, true, { { 0x2a9d, IN } } },
};

#undef R
#undef W
#undef N
#undef IN

static struct sim *gatt_sim(const struct sim_gatt *g)
{
	return sim_device_sim(g->device);
}

static struct sim_device *chrc_device(const struct gatt_chrc *c)
{
	return c->service->gatt->device;
}

static sd_bus *chrc_bus(const struct gatt_chrc *c)
{
	return gatt_sim(c->service->gatt)->bus;
}

/* Handles as a device numbers them: service, then per characteristic declaration, value, CCCD. */
static void add_service(struct sim_gatt *g, const struct service_def *def, uint16_t *next)
{
	struct gatt_service *s = &g->services[g->n_services++];

	s->gatt = g;
	s->uuid = def->uuid;
	s->on_bus = def->on_bus;
	s->handle = (*next)++;
	snprintf(s->path, sizeof(s->path), "%s/service%04x", sim_device_path(g->device), s->handle);
	for (size_t i = 0; i < GATT_CHRCS_MAX && def->chrcs[i].uuid; i++) {
		struct gatt_chrc *c = &s->chrcs[s->n_chrcs++];

		c->service = s;
		c->uuid = def->chrcs[i].uuid;
		c->props = def->chrcs[i].props;
		c->notify_fd = -EBADF;
		c->handle = (*next)++;
		c->value_handle = (*next)++;
		if (c->props & (GATT_PROP_NOTIFY | GATT_PROP_INDICATE))
			c->cccd_handle = (*next)++;
		/* Built in a local buffer: gcc cannot see that the paths never overlap. */
		char path[sizeof(c->path)], desc[sizeof(c->desc_path)];

		snprintf(path, sizeof(path), "%s/char%04x", s->path, c->handle);
		snprintf(desc, sizeof(desc), "%s/desc%04x", path, c->cccd_handle);
		memcpy(c->path, path, sizeof(path));
		memcpy(c->desc_path, desc, sizeof(desc));
	}
	s->end_handle = (uint16_t)(*next - 1);
}

int sim_gatt_new(struct sim_device *device, enum scenario_profile profile, struct sim_gatt **ret)
{
	struct sim_gatt *g;
	uint16_t next = 1;

	if ((unsigned)profile >= _SCENARIO_PROFILE_MAX)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->device = device;
	for (size_t i = 0; i < ELEMENTSOF(common_services); i++)
		add_service(g, &common_services[i], &next);
	add_service(g, &profile_services[profile], &next);
	*ret = g;
	return 0;
}

static struct gatt_chrc *find_chrc(const struct sim_gatt *g, uint16_t uuid)
{
	for (size_t i = 0; i < g->n_services; i++)
		for (size_t j = 0; j < g->services[i].n_chrcs; j++)
			if (g->services[i].chrcs[j].uuid == uuid && g->services[i].on_bus)
				return (struct gatt_chrc *)&g->services[i].chrcs[j];
	return NULL;
}

bool sim_gatt_has(const struct sim_gatt *g, uint16_t uuid, uint8_t *props)
{
	const struct gatt_chrc *c = find_chrc(g, uuid);

	if (c && props)
		*props = c->props;
	return c != NULL;
}

bool sim_gatt_exported(const struct sim_gatt *g)
{
	return g->exported;
}

size_t sim_gatt_service_uuids(const struct sim_gatt *g, uint16_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n_services && n < max; i++)
		out[n++] = g->services[i].uuid;
	return n;
}

bool sim_gatt_subscribed(const struct sim_gatt *g, uint16_t uuid)
{
	const struct gatt_chrc *c = find_chrc(g, uuid);

	return c && c->cccd != 0;
}

/* ---- Errors as BlueZ's create_gatt_dbus_error() names them ---- */

static int att_error(sd_bus_error *error, uint8_t att)
{
	switch (att) {
	case ATT_ERROR_READ_NOT_PERMITTED:
		return sd_bus_error_set(error, BLUEZ_ERROR("NotPermitted"), "Read not permitted");
	case ATT_ERROR_WRITE_NOT_PERMITTED:
		return sd_bus_error_set(error, BLUEZ_ERROR("NotPermitted"), "Write not permitted");
	case ATT_ERROR_AUTHENTICATION:
	case 0x0c: /* insufficient encryption key size */
	case 0x0f: /* insufficient encryption */
		return sd_bus_error_set(error, BLUEZ_ERROR("NotPermitted"), "Not paired");
	case ATT_ERROR_INVALID_OFFSET:
		return sd_bus_error_set(error, BLUEZ_ERROR("InvalidArguments"), "Invalid offset");
	case ATT_ERROR_INVALID_LENGTH:
		return sd_bus_error_set(error, BLUEZ_ERROR("InvalidArguments"), "Invalid Length");
	case 0x08:
		return sd_bus_error_set(error, BLUEZ_ERROR("NotAuthorized"),
					"Operation Not Authorized");
	case 0x06:
		return sd_bus_error_set(error, BLUEZ_ERROR("NotSupported"),
					"Operation is not supported");
	case 0:
		return sd_bus_error_set(error, BLUEZ_ERROR("Failed"), "Operation failed");
	default:
		return sd_bus_error_setf(error, BLUEZ_ERROR("Failed"),
					 "Operation failed with ATT error: 0x%02x", att);
	}
}

static int not_connected(sd_bus_error *error)
{
	return sd_bus_error_set(error, BLUEZ_ERROR("Failed"), "Not connected");
}

static int invalid_args(sd_bus_error *error)
{
	return sd_bus_error_set(error, BLUEZ_ERROR("InvalidArguments"),
				"Invalid arguments in method call");
}

/* The a{sv} options of ReadValue/WriteValue: "offset" (q) and "type" (s); others are skipped. */
static int read_options(sd_bus_message *m, uint16_t *offset, char *type, size_t type_size)
{
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const char *key, *t;

		r = sd_bus_message_read(m, "s", &key);
		if (r < 0)
			return r;
		if (strcmp(key, "offset") == 0)
			r = sd_bus_message_read(m, "v", "q", offset);
		else if (strcmp(key, "type") == 0 && type) {
			r = sd_bus_message_read(m, "v", "s", &t);
			if (r >= 0)
				snprintf(type, type_size, "%s", t);
		} else
			r = sd_bus_message_skip(m, "v");
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

/* ---- Properties ---- */

PROPERTY_GETTER(service_get_uuid)
{
	struct gatt_service *s = userdata;
	char uuid[37];

	sim_uuid128(s->uuid, uuid);
	return sd_bus_message_append(reply, "s", uuid);
}

PROPERTY_GETTER(service_get_device)
{
	struct gatt_service *s = userdata;

	return sd_bus_message_append(reply, "o", sim_device_path(s->gatt->device));
}

PROPERTY_GETTER(service_get_primary)
{
	return sd_bus_message_append(reply, "b", 1);
}

PROPERTY_GETTER(service_get_includes)
{
	return sd_bus_message_append(reply, "ao", 0);
}

static const sd_bus_vtable service_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("UUID", "s", service_get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Device", "o", service_get_device, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Primary", "b", service_get_primary, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Includes", "ao", service_get_includes, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_VTABLE_END,
};

PROPERTY_GETTER(chrc_get_uuid)
{
	struct gatt_chrc *c = userdata;
	char uuid[37];

	sim_uuid128(c->uuid, uuid);
	return sd_bus_message_append(reply, "s", uuid);
}

PROPERTY_GETTER(chrc_get_service)
{
	struct gatt_chrc *c = userdata;

	return sd_bus_message_append(reply, "o", c->service->path);
}

PROPERTY_GETTER(chrc_get_value)
{
	struct gatt_chrc *c = userdata;

	return sd_bus_message_append_array(reply, 'y', c->value, c->value_len);
}

PROPERTY_GETTER(chrc_get_notifying)
{
	struct gatt_chrc *c = userdata;

	return sd_bus_message_append(reply, "b", c->notifying);
}

PROPERTY_GETTER(chrc_get_notify_acquired)
{
	struct gatt_chrc *c = userdata;

	return sd_bus_message_append(reply, "b", c->notify_fd >= 0);
}

PROPERTY_GETTER(chrc_get_flags)
{
	static const char *const names[8] = {
		"broadcast", "read",     "write-without-response",      "write",
		"notify",    "indicate", "authenticated-signed-writes", "extended-properties",
	};
	struct gatt_chrc *c = userdata;
	int r;

	r = sd_bus_message_open_container(reply, 'a', "s");
	for (unsigned bit = 0; r >= 0 && bit < 8; bit++)
		if (c->props & (1u << bit))
			r = sd_bus_message_append(reply, "s", names[bit]);
	if (r < 0)
		return r;
	return sd_bus_message_close_container(reply);
}

PROPERTY_GETTER(desc_get_uuid)
{
	char uuid[37];

	sim_uuid128(0x2902, uuid);
	return sd_bus_message_append(reply, "s", uuid);
}

PROPERTY_GETTER(desc_get_chrc)
{
	struct gatt_chrc *c = userdata;

	return sd_bus_message_append(reply, "o", c->path);
}

PROPERTY_GETTER(desc_get_value)
{
	struct gatt_chrc *c = userdata;

	return sd_bus_message_append_array(reply, 'y', c->desc_value, c->desc_value_len);
}

/* ---- Notify sessions ---- */

static void emit(const struct gatt_chrc *c, const char *path, const char *interface,
		 const char *property)
{
	int r;

	if (sd_bus_is_open(chrc_bus(c)) <= 0)
		return;
	r = sd_bus_emit_properties_changed(chrc_bus(c), path, interface, property, NULL);
	if (r < 0)
		log_warning_errno(r, "gatt: cannot emit %s of '%s': %m", property, path);
}

/* The client's CCCD write: BlueZ writes 0x0001 for notify, 0x0002 for indicate-only. */
static int session_register(struct gatt_chrc *c, struct notify_session *s, uint8_t *att)
{
	uint8_t e = sim_device_cccd_check(chrc_device(c), c->uuid);

	if (e) {
		*att = e;
		return -EACCES;
	}
	s->registered = true;
	if (!c->cccd) {
		c->cccd = c->props & GATT_PROP_NOTIFY ? 0x0001 : 0x0002;
		sim_device_on_subscribe(chrc_device(c), c->uuid, true);
	}
	if (!c->notifying) {
		c->notifying = true;
		emit(c, c->path, BLUEZ_CHRC, "Notifying");
	}
	return 0;
}

/* After a session went: Notifying and the CCCD follow what is left. */
static void sessions_changed(struct gatt_chrc *c)
{
	bool any = false;

	for (size_t i = 0; i < c->n_sessions; i++)
		any = any || c->sessions[i].registered;
	if (!any && c->notifying) {
		c->notifying = false;
		emit(c, c->path, BLUEZ_CHRC, "Notifying");
	}
	if (!any && c->cccd && c->notify_fd < 0) {
		c->cccd = 0;
		sim_device_on_subscribe(chrc_device(c), c->uuid, false);
	}
}

static void session_remove(struct gatt_chrc *c, size_t i)
{
	memmove(&c->sessions[i], &c->sessions[i + 1],
		(c->n_sessions - i - 1) * sizeof(c->sessions[0]));
	c->n_sessions--;
}

static int find_session(const struct gatt_chrc *c, const char *owner)
{
	for (size_t i = 0; i < c->n_sessions; i++)
		if (strcmp(c->sessions[i].owner, owner) == 0)
			return (int)i;
	return -ENOENT;
}

static void notify_release(struct gatt_chrc *c)
{
	if (c->notify_fd < 0)
		return;
	c->notify_source = sd_event_source_disable_unref(c->notify_source);
	close(c->notify_fd);
	c->notify_fd = -EBADF;
	if (c->slot)
		emit(c, c->path, BLUEZ_CHRC, "NotifyAcquired");
	sessions_changed(c);
}

static int on_notify_socket(sd_event_source *source _unused_, int fd, uint32_t revents,
			    void *userdata)
{
	struct gatt_chrc *c = userdata;
	uint8_t buf[ATT_VALUE_MAX];

	if (revents & (EPOLLHUP | EPOLLRDHUP | EPOLLERR)) {
		notify_release(c);
		return 0;
	}
	/* Nothing is written towards the device on a notify socket; drop it. */
	if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) == 0)
		notify_release(c);
	return 0;
}

/* ---- Methods ---- */

static int method_read_value(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct gatt_chrc *c = userdata;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	uint8_t buf[SIM_VALUE_MAX], att = 0;
	char hex[2 * SIM_VALUE_MAX + 1];
	uint16_t offset = 0;
	int n, r;

	if (!sim_device_connected(chrc_device(c)))
		return not_connected(error);
	if (read_options(m, &offset, NULL, 0) < 0)
		return invalid_args(error);
	if (!(c->props & GATT_PROP_READ))
		return att_error(error, ATT_ERROR_READ_NOT_PERMITTED);
	n = sim_device_on_read(chrc_device(c), c->uuid, buf, sizeof(buf), &att);
	if (n < 0)
		return att_error(error, att);
	if (offset > n)
		return att_error(error, ATT_ERROR_INVALID_OFFSET);
	if (offset == 0) {
		memcpy(c->value, buf, (size_t)n);
		c->value_len = (size_t)n;
	}
	sim_hex(buf + offset, (size_t)(n - offset), hex);
	sim_print("read %s %04X %s", sim_device_address(chrc_device(c)), c->uuid, hex);
	emit(c, c->path, BLUEZ_CHRC, "Value");

	r = sd_bus_message_new_method_return(m, &reply);
	if (r < 0)
		return r;
	r = sd_bus_message_append_array(reply, 'y', buf + offset, (size_t)(n - offset));
	if (r < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

/* The Write Response (or Error Response) arrives one ATT round trip later. */
static int on_write_done(sd_event_source *source _unused_, uint64_t usec _unused_, void *userdata)
{
	struct gatt_chrc *c = userdata;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = TAKE_PTR(c->write_op);
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	uint8_t att = 0;

	if (!m)
		return 0;
	if (!(c->props & GATT_PROP_WRITE))
		att = ATT_ERROR_WRITE_NOT_PERMITTED;
	else if (c->write_offset)
		att = ATT_ERROR_INVALID_OFFSET;
	else
		(void)sim_device_on_write(chrc_device(c), c->uuid, c->write_buf, c->write_len,
					  &att);
	if (att) {
		att_error(&error, att);
		return sd_bus_reply_method_error(m, &error);
	}
	return sd_bus_reply_method_return(m, NULL);
}

static int method_write_value(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct gatt_chrc *c = userdata;
	struct sim *sim = gatt_sim(c->service->gatt);
	const void *value;
	char type[16] = "";
	uint16_t offset = 0;
	size_t len;
	int r;

	if (!sim_device_connected(chrc_device(c)))
		return not_connected(error);
	if (c->write_op)
		return sd_bus_error_set(error, BLUEZ_ERROR("InProgress"), "In Progress");
	if (sd_bus_message_read_array(m, 'y', &value, &len) < 0 ||
	    read_options(m, &offset, type, sizeof(type)) < 0)
		return invalid_args(error);
	/* BlueZ picks the procedure from the properties unless "type" says. */
	if (!type[0]) {
		if (!(c->props & GATT_PROP_WRITE))
			return sd_bus_error_set(error, BLUEZ_ERROR("NotSupported"),
						"Operation is not supported");
		snprintf(type, sizeof(type), "request");
	}
	if (strcmp(type, "command") == 0)
		/* Write Without Response: nothing comes back; these devices ignore it. */
		return sd_bus_reply_method_return(m, NULL);
	if (strcmp(type, "request") != 0 && strcmp(type, "reliable") != 0)
		return sd_bus_error_set(error, BLUEZ_ERROR("NotSupported"),
					"Operation is not supported");
	if (len > ATT_VALUE_MAX)
		return att_error(error, ATT_ERROR_INVALID_LENGTH);

	memcpy(c->write_buf, value, len);
	c->write_len = len;
	c->write_offset = offset;
	r = sim_timer_arm(sim, &c->write_timer, SIM_ATT_RTT_USEC, on_write_done, c);
	if (r < 0)
		return r;
	c->write_op = sd_bus_message_ref(m);
	return 1;
}

static int method_start_notify(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct gatt_chrc *c = userdata;
	const char *sender = sd_bus_message_get_sender(m);
	struct notify_session *s;
	uint8_t att = 0;
	int i;

	if (c->notify_fd >= 0)
		return sd_bus_error_set(error, BLUEZ_ERROR("NotPermitted"), "Notify acquired");
	if (!(c->props & (GATT_PROP_NOTIFY | GATT_PROP_INDICATE)))
		return sd_bus_error_set(error, BLUEZ_ERROR("NotSupported"),
					"Operation is not supported");
	if (!sender)
		return invalid_args(error);
	/* Each client has one session; asking again is answered with success. */
	i = find_session(c, sender);
	if (i >= 0)
		return sd_bus_reply_method_return(m, NULL);
	if (c->n_sessions >= GATT_SESSIONS_MAX || strlen(sender) >= SIM_NAME_MAX)
		return sd_bus_error_set(error, BLUEZ_ERROR("Failed"),
					"Failed allocate notify session");
	s = &c->sessions[c->n_sessions++];
	*s = (struct notify_session){ .registered = false };
	snprintf(s->owner, sizeof(s->owner), "%s", sender);

	/* Not connected: success now, registration when the link comes up. */
	if (!sim_device_connected(chrc_device(c)))
		return sd_bus_reply_method_return(m, NULL);
	if (session_register(c, s, &att) < 0) {
		session_remove(c, (size_t)(s - c->sessions));
		return att_error(error, att);
	}
	return sd_bus_reply_method_return(m, NULL);
}

static int method_stop_notify(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct gatt_chrc *c = userdata;
	const char *sender = sd_bus_message_get_sender(m);
	int i;

	if (c->notify_fd >= 0) {
		notify_release(c);
		return sd_bus_reply_method_return(m, NULL);
	}
	i = sender ? find_session(c, sender) : -ENOENT;
	if (i < 0)
		return sd_bus_error_set(error, BLUEZ_ERROR("Failed"), "No notify session started");
	session_remove(c, (size_t)i);
	sessions_changed(c);
	return sd_bus_reply_method_return(m, NULL);
}

static int method_acquire_notify(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct gatt_chrc *c = userdata;
	struct sim *sim = gatt_sim(c->service->gatt);
	int fds[2], r;
	uint8_t att;

	if (!sim_device_connected(chrc_device(c)))
		return not_connected(error);
	if (c->notify_fd >= 0)
		return sd_bus_error_set(error, BLUEZ_ERROR("NotPermitted"), "Notify acquired");
	if (c->n_sessions > 0)
		return sd_bus_error_set(error, BLUEZ_ERROR("InProgress"), "In Progress");
	if (!(c->props & GATT_PROP_NOTIFY))
		return sd_bus_error_set(error, BLUEZ_ERROR("NotSupported"),
					"Operation is not supported");
	if (read_options(m, &(uint16_t){ 0 }, NULL, 0) < 0)
		return invalid_args(error);
	att = sim_device_cccd_check(chrc_device(c), c->uuid);
	if (att)
		return att_error(error, att);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
		return sd_bus_error_set_errno(error, errno);
	r = sd_event_add_io(sim->event, &c->notify_source, fds[0], EPOLLIN | EPOLLRDHUP,
			    on_notify_socket, c);
	if (r < 0) {
		close(fds[0]);
		close(fds[1]);
		return sd_bus_error_set_errno(error, r);
	}
	c->notify_fd = fds[0];
	r = sd_bus_reply_method_return(m, "hq", fds[1], (uint16_t)SIM_ATT_MTU);
	close(fds[1]);
	if (r < 0) {
		notify_release(c);
		return r;
	}
	emit(c, c->path, BLUEZ_CHRC, "NotifyAcquired");
	if (!c->cccd) {
		c->cccd = 0x0001;
		sim_device_on_subscribe(chrc_device(c), c->uuid, true);
	}
	return 1;
}

static int method_acquire_write(sd_bus_message *m _unused_, void *userdata, sd_bus_error *error)
{
	struct gatt_chrc *c = userdata;

	if (!sim_device_connected(chrc_device(c)))
		return not_connected(error);
	/* None of these characteristics has write-without-response. */
	return sd_bus_error_set(error, BLUEZ_ERROR("NotSupported"), "Operation is not supported");
}

static int method_desc_read(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct gatt_chrc *c = userdata;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	uint16_t offset = 0;
	int r;

	if (!sim_device_connected(chrc_device(c)))
		return not_connected(error);
	if (read_options(m, &offset, NULL, 0) < 0)
		return invalid_args(error);
	if (offset > 2)
		return att_error(error, ATT_ERROR_INVALID_OFFSET);
	put_le16(c->desc_value, c->cccd);
	c->desc_value_len = 2;
	emit(c, c->desc_path, BLUEZ_DESC, "Value");
	r = sd_bus_message_new_method_return(m, &reply);
	if (r < 0)
		return r;
	r = sd_bus_message_append_array(reply, 'y', c->desc_value + offset, 2u - offset);
	if (r < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

static int method_desc_write(sd_bus_message *m _unused_, void *userdata, sd_bus_error *error)
{
	struct gatt_chrc *c = userdata;

	if (!sim_device_connected(chrc_device(c)))
		return not_connected(error);
	/* BlueZ keeps CCCDs for itself: StartNotify and StopNotify write them. */
	return sd_bus_error_set(error, BLUEZ_ERROR("NotPermitted"), "Write not permitted");
}

#define CHRC_COMMON                                                                               \
	SD_BUS_PROPERTY("UUID", "s", chrc_get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),             \
		SD_BUS_PROPERTY("Service", "o", chrc_get_service, 0,                              \
				SD_BUS_VTABLE_PROPERTY_CONST),                                    \
		SD_BUS_PROPERTY("Value", "ay", chrc_get_value, 0,                                 \
				SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),                             \
		SD_BUS_PROPERTY("Flags", "as", chrc_get_flags, 0, SD_BUS_VTABLE_PROPERTY_CONST),  \
		SD_BUS_METHOD_WITH_ARGS("ReadValue", SD_BUS_ARGS("a{sv}", options),               \
					SD_BUS_RESULT("ay", value), method_read_value,            \
					SD_BUS_VTABLE_UNPRIVILEGED),                              \
		SD_BUS_METHOD_WITH_ARGS("WriteValue", SD_BUS_ARGS("ay", value, "a{sv}", options), \
					SD_BUS_NO_RESULT, method_write_value,                     \
					SD_BUS_VTABLE_UNPRIVILEGED),                              \
		SD_BUS_METHOD_WITH_ARGS("AcquireWrite", SD_BUS_ARGS("a{sv}", options),            \
					SD_BUS_RESULT("h", fd, "q", mtu), method_acquire_write,   \
					SD_BUS_VTABLE_UNPRIVILEGED),                              \
		SD_BUS_METHOD_WITH_ARGS("AcquireNotify", SD_BUS_ARGS("a{sv}", options),           \
					SD_BUS_RESULT("h", fd, "q", mtu), method_acquire_notify,  \
					SD_BUS_VTABLE_UNPRIVILEGED),                              \
		SD_BUS_METHOD("StartNotify", NULL, NULL, method_start_notify,                     \
			      SD_BUS_VTABLE_UNPRIVILEGED),                                        \
		SD_BUS_METHOD("StopNotify", NULL, NULL, method_stop_notify,                       \
			      SD_BUS_VTABLE_UNPRIVILEGED)

/*
 * BlueZ shows Notifying only on characteristics that notify or indicate, and
 * NotifyAcquired only on those with the notify property: three tables.
 */
static const sd_bus_vtable chrc_vtable_notify[] = {
	SD_BUS_VTABLE_START(0),
	CHRC_COMMON,
	SD_BUS_PROPERTY("Notifying", "b", chrc_get_notifying, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("NotifyAcquired", "b", chrc_get_notify_acquired, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable chrc_vtable_indicate[] = {
	SD_BUS_VTABLE_START(0),
	CHRC_COMMON,
	SD_BUS_PROPERTY("Notifying", "b", chrc_get_notifying, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable chrc_vtable_plain[] = {
	SD_BUS_VTABLE_START(0),
	CHRC_COMMON,
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable desc_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("UUID", "s", desc_get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Characteristic", "o", desc_get_chrc, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Value", "ay", desc_get_value, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD_WITH_ARGS("ReadValue", SD_BUS_ARGS("a{sv}", options),
				SD_BUS_RESULT("ay", value), method_desc_read,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("WriteValue", SD_BUS_ARGS("ay", value, "a{sv}", options),
				SD_BUS_NO_RESULT, method_desc_write, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

/* ---- Export ---- */

static int export_object(sd_bus *bus, sd_bus_slot **slot, const char *path, const char *interface,
			 const sd_bus_vtable *vtable, void *userdata)
{
	int r;

	r = sd_bus_add_object_vtable(bus, slot, path, interface, vtable, userdata);
	if (r < 0)
		return log_error_errno(r, "gatt: cannot register '%s': %m", path);
	r = sd_bus_emit_object_added(bus, path);
	if (r < 0)
		log_warning_errno(r, "gatt: cannot announce '%s': %m", path);
	return 0;
}

static void unexport_object(sd_bus *bus, sd_bus_slot **slot, const char *path)
{
	if (!*slot)
		return;
	(void)sd_bus_emit_object_removed(bus, path);
	*slot = sd_bus_slot_unref(*slot);
}

static const sd_bus_vtable *chrc_vtable(const struct gatt_chrc *c)
{
	if (c->props & GATT_PROP_NOTIFY)
		return chrc_vtable_notify;
	if (c->props & GATT_PROP_INDICATE)
		return chrc_vtable_indicate;
	return chrc_vtable_plain;
}

int sim_gatt_export(struct sim_gatt *g)
{
	sd_bus *bus = gatt_sim(g)->bus;
	int r;

	if (g->exported)
		return 0;
	g->exported = true;
	for (size_t i = 0; i < g->n_services; i++) {
		struct gatt_service *s = &g->services[i];

		if (!s->on_bus)
			continue;
		r = export_object(bus, &s->slot, s->path, BLUEZ_SERVICE, service_vtable, s);
		if (r < 0)
			goto fail;
		for (size_t j = 0; j < s->n_chrcs; j++) {
			struct gatt_chrc *c = &s->chrcs[j];

			r = export_object(bus, &c->slot, c->path, BLUEZ_CHRC, chrc_vtable(c), c);
			if (r >= 0 && c->cccd_handle)
				r = export_object(bus, &c->desc_slot, c->desc_path, BLUEZ_DESC,
						  desc_vtable, c);
			if (r < 0)
				goto fail;
		}
	}
	return 0;
fail:
	sim_gatt_unexport(g);
	return r;
}

static void chrc_reset(struct gatt_chrc *c)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = TAKE_PTR(c->write_op);

	c->write_timer = sd_event_source_disable_unref(c->write_timer);
	if (m)
		(void)sd_bus_reply_method_errorf(m, BLUEZ_ERROR("Failed"), "Operation failed");
	notify_release(c);
}

void sim_gatt_unexport(struct sim_gatt *g)
{
	sd_bus *bus = gatt_sim(g)->bus;

	if (!g->exported)
		return;
	g->exported = false;
	for (size_t i = 0; i < g->n_services; i++) {
		struct gatt_service *s = &g->services[i];

		for (size_t j = 0; j < s->n_chrcs; j++) {
			struct gatt_chrc *c = &s->chrcs[j];

			chrc_reset(c);
			c->n_sessions = 0;
			c->notifying = false;
			c->cccd = 0;
			c->value_len = 0;
			c->desc_value_len = 0;
			unexport_object(bus, &c->desc_slot, c->desc_path);
			unexport_object(bus, &c->slot, c->path);
		}
		unexport_object(bus, &s->slot, s->path);
	}
}

struct sim_gatt *sim_gatt_free(struct sim_gatt *g)
{
	if (!g)
		return NULL;
	sim_gatt_unexport(g);
	free(g);
	return NULL;
}

/* ---- Link and clients ---- */

void sim_gatt_connected(struct sim_gatt *g)
{
	for (size_t i = 0; i < g->n_services; i++)
		for (size_t j = 0; j < g->services[i].n_chrcs; j++) {
			struct gatt_chrc *c = &g->services[i].chrcs[j];

			for (size_t k = 0; k < c->n_sessions;) {
				uint8_t att;

				if (c->sessions[k].registered ||
				    session_register(c, &c->sessions[k], &att) >= 0) {
					k++;
					continue;
				}
				/* BlueZ drops a session whose CCCD write is refused. */
				session_remove(c, k);
				sessions_changed(c);
			}
		}
}

void sim_gatt_disconnected(struct sim_gatt *g)
{
	for (size_t i = 0; i < g->n_services; i++)
		for (size_t j = 0; j < g->services[i].n_chrcs; j++) {
			struct gatt_chrc *c = &g->services[i].chrcs[j];

			chrc_reset(c);
			/* Sessions stay; Notifying keeps its value as in BlueZ. */
			for (size_t k = 0; k < c->n_sessions; k++)
				c->sessions[k].registered = false;
			c->cccd = 0;
		}
}

void sim_gatt_client_vanished(struct sim_gatt *g, const char *name)
{
	for (size_t i = 0; i < g->n_services; i++)
		for (size_t j = 0; j < g->services[i].n_chrcs; j++) {
			struct gatt_chrc *c = &g->services[i].chrcs[j];
			int k = find_session(c, name);

			if (c->write_op &&
			    strcmp(sd_bus_message_get_sender(c->write_op) ?: "", name) == 0) {
				c->write_timer = sd_event_source_disable_unref(c->write_timer);
				c->write_op = sd_bus_message_unref(c->write_op);
			}
			if (k < 0)
				continue;
			session_remove(c, (size_t)k);
			sessions_changed(c);
		}
}

int sim_gatt_notify(struct sim_gatt *g, uint16_t uuid, const uint8_t *buf, size_t len)
{
	struct gatt_chrc *c = find_chrc(g, uuid);

	if (!c)
		return -ENOENT;
	if (!c->cccd || !g->exported)
		return -ENOTCONN;
	if (len > SIM_ATT_MTU - 3)
		len = SIM_ATT_MTU - 3;
	if (c->notify_fd >= 0) {
		/* An acquired socket gets the bytes; Value is not updated. */
		if (send(c->notify_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_warning_errno(-errno, "gatt: notify socket of '%s': %m", c->path);
		return 0;
	}
	memcpy(c->value, buf, len);
	c->value_len = len;
	emit(c, c->path, BLUEZ_CHRC, "Value");
	return 0;
}
