// SPDX-License-Identifier: MIT
/*
 * The pairing agent (org.bluez.Agent1, capability KeyboardDisplay). BlueZ
 * calls it while a device pairs: it types the configured passkey of that
 * device and confirms or authorizes configured devices (and the one device
 * being paired on request), refusing everything else. Only org.bluez itself
 * may call it: anyone else on the bus asking for a passkey is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bluez-internal.h"
#include "log.h"

#define ERROR_REJECTED "org.bluez.Error.Rejected"

/* True when @m comes from the current owner of org.bluez. */
static bool from_bluez(struct bluez *b, sd_bus_message *m)
{
	const char *sender = sd_bus_message_get_sender(m);

	return b->owner[0] && sender && strcmp(sender, b->owner) == 0;
}

static int reject(sd_bus_message *m, const char *why)
{
	return sd_bus_reply_method_errorf(m, ERROR_REJECTED, "%s", why);
}

/* Checks the caller and reads the device path: 1, or <= 0 when the call was answered already. */
static int read_device(struct bluez *b, sd_bus_message *m, const char **path)
{
	int r;

	if (!from_bluez(b, m))
		return reject(m, "only org.bluez may call the agent");
	r = sd_bus_message_read(m, "o", path);
	if (r < 0)
		return r;
	return 1;
}

static bool may_pair(struct bluez *b, const char *path)
{
	return bluez_device_by_path(b, path) || bluez_is_pair_target(b, path);
}

static int on_release(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	(void)userdata;
	(void)ret_error;
	log_info("bluez: the pairing agent was released");
	return sd_bus_reply_method_return(m, NULL);
}

static int on_cancel(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	(void)userdata;
	(void)ret_error;
	log_info("bluez: pairing cancelled");
	return sd_bus_reply_method_return(m, NULL);
}

static int on_request_passkey(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	struct bluez_device *d;
	const char *path;
	int r;

	(void)ret_error;
	r = read_device(b, m, &path);
	if (r <= 0)
		return r;
	d = bluez_device_by_path(b, path);
	if (!d || !d->status.config.passkey[0]) {
		log_warning("bluez: '%s' asks for a passkey, none is configured", path);
		return reject(m, "no passkey configured for this device");
	}
	log_info("bluez: device '%s': entering the configured passkey", d->status.config.name);
	return sd_bus_reply_method_return(m, "u",
					  (uint32_t)strtoul(d->status.config.passkey, NULL, 10));
}

static int on_request_pin_code(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	struct bluez_device *d;
	const char *path;
	int r;

	(void)ret_error;
	r = read_device(b, m, &path);
	if (r <= 0)
		return r;
	d = bluez_device_by_path(b, path);
	if (!d || !d->status.config.passkey[0])
		return reject(m, "no PIN configured for this device");
	return sd_bus_reply_method_return(m, "s", d->status.config.passkey);
}

static int on_display(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;

	(void)ret_error;
	if (!from_bluez(b, m))
		return reject(m, "only org.bluez may call the agent");
	/* Nobody reads the gateway's screen: a device that needs the code typed will fail. */
	log_notice("bluez: a device wants a code typed on it; bedlink cannot show one");
	return sd_bus_reply_method_return(m, NULL);
}

/* RequestConfirmation, RequestAuthorization, AuthorizeService: yes for our devices only. */
static int on_authorize(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	const char *path;
	int r;

	(void)ret_error;
	r = read_device(b, m, &path);
	if (r <= 0)
		return r;
	if (!may_pair(b, path)) {
		log_notice("bluez: refusing '%s' for '%s', not a configured device",
			   sd_bus_message_get_member(m), path);
		return reject(m, "not a configured device");
	}
	return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable agent_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Release", "", "", on_release, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("RequestPinCode", "o", "s", on_request_pin_code, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("DisplayPinCode", "os", "", on_display, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("RequestPasskey", "o", "u", on_request_passkey, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("DisplayPasskey", "ouq", "", on_display, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("RequestConfirmation", "ou", "", on_authorize, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("RequestAuthorization", "o", "", on_authorize, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("AuthorizeService", "os", "", on_authorize, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("Cancel", "", "", on_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

int bluez_agent_export(struct bluez *b)
{
	b->agent_object_slot = sd_bus_slot_unref(b->agent_object_slot);
	return sd_bus_add_object_vtable(b->bus, &b->agent_object_slot, BLUEZ_AGENT_PATH,
					BLUEZ_AGENT_IFACE, agent_vtable, b);
}

static int on_default_agent(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	const char *message;

	(void)ret_error;
	b->agent_call_slot = sd_bus_slot_unref(b->agent_call_slot);
	if (bluez_reply_error(reply, NULL, &message) < 0)
		log_warning("bluez: cannot make bedlink the default pairing agent: %s", message);
	else
		log_info("bluez: pairing agent registered");
	return 0;
}

static int on_agent_registered(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	struct bluez *b = userdata;
	const char *name, *message;
	int r;

	(void)ret_error;
	b->agent_call_slot = sd_bus_slot_unref(b->agent_call_slot);
	r = bluez_reply_error(reply, &name, &message);
	if (r >= 0 && !b->owner[0] && sd_bus_message_get_sender(reply))
		snprintf(b->owner, sizeof(b->owner), "%s", sd_bus_message_get_sender(reply));
	if (r < 0 && strcmp(name, "org.bluez.Error.AlreadyExists") != 0) {
		/* org.bluez not there yet: NameOwnerChanged brings us back. */
		log_debug("bluez: RegisterAgent: %s", message);
		return 0;
	}
	r = bluez_new_call(b, "/org/bluez", BLUEZ_AGENT_MANAGER, "RequestDefaultAgent", &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "o", BLUEZ_AGENT_PATH);
	if (r >= 0)
		r = bluez_send(b, &b->agent_call_slot, m, BLUEZ_CALL_TIMEOUT_MS, on_default_agent,
			       b);
	if (r < 0)
		log_warning_errno(r, "bluez: cannot request the default agent: %m");
	return 0;
}

int bluez_agent_register(struct bluez *b)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = bluez_new_call(b, "/org/bluez", BLUEZ_AGENT_MANAGER, "RegisterAgent", &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "os", BLUEZ_AGENT_PATH, "KeyboardDisplay");
	if (r >= 0)
		r = bluez_send(b, &b->agent_call_slot, m, BLUEZ_CALL_TIMEOUT_MS,
			       on_agent_registered, b);
	return r;
}
