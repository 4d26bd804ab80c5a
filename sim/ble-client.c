// SPDX-License-Identifier: MIT
/*
 * `bedlink-sim ble-client`: a small scripted BlueZ client for tests and for
 * poking a simulated (or real) bluetoothd by hand. It keeps one bus
 * connection, so its notify sessions and its agent live as long as it runs.
 * Commands come one a line on stdin and run one after another; results and
 * every PropertiesChanged from org.bluez go to stdout. Objects are named
 * "ADDRESS" (a device) or "ADDRESS/UUID" (a characteristic) and found by
 * walking GetManagedObjects, as the BlueZ documentation asks of clients.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "ble-encode.h"
#include "ble-sim.h"
#include "commands.h"
#include "log.h"

#define CLIENT_QUEUE_MAX 256
#define CLIENT_LINE_MAX  1024

struct client {
	sd_event *event;
	sd_bus *bus;
	char adapter_path[32];
	uint64_t timeout_usec;

	char queue[CLIENT_QUEUE_MAX][CLIENT_LINE_MAX + 1]; /* commands not yet run */
	size_t head, count;
	bool busy; /* a call is on the way */
	bool eof;
	char current[CLIENT_LINE_MAX + 1];
	char current_path[SIM_NAME_MAX];
	char line[CLIENT_LINE_MAX + 1];
	size_t line_len;

	char agent_path[SIM_NAME_MAX];
	char passkey[7];
	int notify_fd;
	char notify_name[64];

	sd_event_source *stdin_source;
	sd_event_source *notify_source;
	sd_bus_slot *call_slot;
	sd_bus_slot *agent_slot;
	sd_bus_slot *match_slot;
	sd_bus_slot *added_slot;
};

static void out(const char *format, ...) _printf_(1, 2);

static void out(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vfprintf(stdout, format, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static void run_next(struct client *c);

/* "/org/bluez/hci0/dev_C0_FF_EE_00_00_01/..." -> "C0:FF:EE:00:00:01" */
static void path_address(const char *path, char ret[18])
{
	const char *p = strstr(path, "/dev_");

	snprintf(ret, 18, "%s", p ? p + 5 : "?");
	for (char *q = ret; *q; q++)
		if (*q == '_')
			*q = ':';
}

/* The 16-bit form of a UUID on the Bluetooth base, upper case ("2A35"), else the whole string. */
static void short_uuid(const char *uuid, char *ret, size_t size)
{
	if (strlen(uuid) == 36 && strncmp(uuid, "0000", 4) == 0 &&
	    strcasecmp(uuid + 8, "-0000-1000-8000-00805f9b34fb") == 0) {
		snprintf(ret, size, "%.4s", uuid + 4);
		for (char *p = ret; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
	} else
		snprintf(ret, size, "%s", uuid);
}

static bool uuid_matches(const char *uuid, const char *want)
{
	char s[40];

	short_uuid(uuid, s, sizeof(s));
	return strcasecmp(s, want) == 0 || strcasecmp(uuid, want) == 0;
}

/* ---- Finding objects ---- */

/*
 * Walks GetManagedObjects for the device whose Address is @address and, when
 * @uuid is given, the characteristic below it with that UUID.
 */
static int resolve(struct client *c, const char *address, const char *uuid, char *ret, size_t size)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	char device[SIM_NAME_MAX] = "";
	int r, pass;

	for (pass = 0; pass < 2; pass++) {
		reply = sd_bus_message_unref(reply);
		r = sd_bus_call_method(c->bus, "org.bluez", "/",
				       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
				       &error, &reply, NULL);
		if (r < 0)
			return r;
		r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
		while (r >= 0 &&
		       (r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
			const char *path;

			r = sd_bus_message_read(reply, "o", &path);
			if (r >= 0)
				r = sd_bus_message_enter_container(reply, 'a', "{sa{sv}}");
			while (r >= 0 &&
			       (r = sd_bus_message_enter_container(reply, 'e', "sa{sv}")) > 0) {
				const char *iface,
					*want_iface = pass == 0 ? BLUEZ_DEVICE : BLUEZ_CHRC;
				const char *want_key = pass == 0 ? "Address" : "UUID";

				r = sd_bus_message_read(reply, "s", &iface);
				if (r >= 0)
					r = sd_bus_message_enter_container(reply, 'a', "{sv}");
				while (r >= 0 &&
				       (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
					const char *key, *value;

					r = sd_bus_message_read(reply, "s", &key);
					if (r >= 0 && strcmp(iface, want_iface) == 0 &&
					    strcmp(key, want_key) == 0) {
						r = sd_bus_message_read(reply, "v", "s", &value);
						if (r >= 0 && pass == 0 &&
						    strcasecmp(value, address) == 0)
							snprintf(device, sizeof(device), "%s",
								 path);
						if (r >= 0 && pass == 1 &&
						    uuid_matches(value, uuid) &&
						    strncmp(path, device, strlen(device)) == 0 &&
						    path[strlen(device)] == '/')
							snprintf(ret, size, "%s", path);
					} else if (r >= 0)
						r = sd_bus_message_skip(reply, "v");
					if (r >= 0)
						r = sd_bus_message_exit_container(reply);
				}
				if (r >= 0)
					r = sd_bus_message_exit_container(reply);
				if (r >= 0)
					r = sd_bus_message_exit_container(reply);
			}
			if (r >= 0)
				r = sd_bus_message_exit_container(reply);
			if (r >= 0)
				r = sd_bus_message_exit_container(reply);
		}
		if (r < 0)
			return r;
		if (!device[0])
			return -ENOENT;
		if (pass == 1)
			return ret[0] ? 0 : -ENOENT;
		if (!uuid) {
			snprintf(ret, size, "%s", device);
			return 0;
		}
		ret[0] = '\0';
	}
	return -ENOENT;
}

/* "ADDRESS" or "ADDRESS/UUID" -> object path. */
static int target(struct client *c, const char *spec, char *ret, size_t size)
{
	char address[18];
	const char *slash = strchr(spec, '/');

	if (spec[0] == '/') {
		snprintf(ret, size, "%s", spec);
		return 0;
	}
	if ((slash ? (size_t)(slash - spec) : strlen(spec)) != 17)
		return -EINVAL;
	snprintf(address, sizeof(address), "%.17s", spec);
	return resolve(c, address, slash ? slash + 1 : NULL, ret, size);
}

/* ---- Signals ---- */

static void print_value(struct client *c, const char *what, const char *path, const uint8_t *buf,
			size_t len)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_free_ char *uuid = NULL;
	char address[18], u[40] = "?", hex[2 * 512 + 1];

	if (len > 512)
		len = 512;
	path_address(path, address);
	if (sd_bus_get_property_string(c->bus, "org.bluez", path, BLUEZ_CHRC, "UUID", &error,
				       &uuid) >= 0)
		short_uuid(uuid, u, sizeof(u));
	sim_hex(buf, len, hex);
	out("%s %s %s %s", what, address, u, hex);
}

static int on_properties_changed(sd_bus_message *m, void *userdata,
				 sd_bus_error *ret_error _unused_)
{
	struct client *c = userdata;
	const char *path = sd_bus_message_get_path(m), *iface;
	char address[18];
	int r;

	if (!path || sd_bus_message_read(m, "s", &iface) < 0)
		return 0;
	path_address(path, address);
	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const char *key;
		char type;
		const char *contents;

		r = sd_bus_message_read(m, "s", &key);
		if (r >= 0)
			r = sd_bus_message_peek_type(m, &type, &contents);
		if (r < 0)
			break;
		if (strcmp(key, "Value") == 0 && strcmp(contents, "ay") == 0) {
			const void *v;
			size_t n;

			r = sd_bus_message_enter_container(m, 'v', "ay");
			if (r >= 0)
				r = sd_bus_message_read_array(m, 'y', &v, &n);
			if (r >= 0 && strcmp(iface, BLUEZ_CHRC) == 0)
				print_value(c, "value", path, v, n);
			if (r >= 0)
				r = sd_bus_message_exit_container(m);
		} else if (strcmp(contents, "b") == 0) {
			int b;

			r = sd_bus_message_read(m, "v", "b", &b);
			if (r >= 0 && strcmp(iface, BLUEZ_DEVICE) == 0)
				out("property %s %s %s", address, key, b ? "true" : "false");
			else if (r >= 0 && strcmp(iface, BLUEZ_ADAPTER) == 0)
				out("adapter %s %s", key, b ? "true" : "false");
			else if (r >= 0 && strcmp(key, "Notifying") == 0)
				print_value(c, "notifying", path,
					    (const uint8_t *)(b ? "\1" : "\0"), 1);
		} else
			r = sd_bus_message_skip(m, "v");
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	return 0;
}

static int on_interfaces_added(sd_bus_message *m, void *userdata _unused_,
			       sd_bus_error *ret_error _unused_)
{
	const char *path;

	if (sd_bus_message_read(m, "o", &path) >= 0)
		out("added %s", path);
	return 0;
}

/* ---- Agent ---- */

static int agent_request_passkey(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct client *c = userdata;
	const char *device;
	char address[18];

	if (sd_bus_message_read(m, "o", &device) < 0)
		return -EINVAL;
	path_address(device, address);
	out("agent RequestPasskey %s", address);
	if (!c->passkey[0])
		return sd_bus_error_set(error, BLUEZ_ERROR("Rejected"), "No passkey");
	return sd_bus_reply_method_return(m, "u", (uint32_t)strtoul(c->passkey, NULL, 10));
}

static int agent_other(sd_bus_message *m, void *userdata _unused_, sd_bus_error *error)
{
	out("agent %s", sd_bus_message_get_member(m));
	if (strcmp(sd_bus_message_get_member(m), "Cancel") == 0 ||
	    strcmp(sd_bus_message_get_member(m), "Release") == 0)
		return sd_bus_reply_method_return(m, NULL);
	return sd_bus_error_set(error, BLUEZ_ERROR("Rejected"), "Not supported by this agent");
}

static const sd_bus_vtable agent_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Release", NULL, NULL, agent_other, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("RequestPinCode", "o", "s", agent_other, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("DisplayPinCode", "os", NULL, agent_other, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("RequestPasskey", "o", "u", agent_request_passkey,
		      SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("DisplayPasskey", "ouq", NULL, agent_other, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("RequestConfirmation", "ou", NULL, agent_other, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("RequestAuthorization", "o", NULL, agent_other, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("AuthorizeService", "os", NULL, agent_other, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("Cancel", NULL, NULL, agent_other, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

/* ---- AcquireNotify sockets ---- */

static int on_notify_socket(sd_event_source *source _unused_, int fd, uint32_t revents,
			    void *userdata)
{
	struct client *c = userdata;
	uint8_t buf[512];
	char hex[2 * sizeof(buf) + 1];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n > 0) {
		sim_hex(buf, (size_t)n, hex);
		out("socket %s %s", c->notify_name, hex);
		return 0;
	}
	if (n == 0 || (revents & (EPOLLHUP | EPOLLERR))) {
		out("socket-closed %s", c->notify_name);
		c->notify_source = sd_event_source_disable_unref(c->notify_source);
		close(c->notify_fd);
		c->notify_fd = -EBADF;
	}
	return 0;
}

/* ---- Commands ---- */

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error _unused_)
{
	struct client *c = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	c->call_slot = sd_bus_slot_unref(c->call_slot);
	if (e)
		out("error %s: %s %s", c->current, e->name, e->message ? e->message : "");
	else if (strncmp(c->current, "read ", 5) == 0) {
		const void *v;
		size_t n;

		if (sd_bus_message_read_array(m, 'y', &v, &n) >= 0)
			print_value(c, "read", c->current_path, v, n);
		out("ok %s", c->current);
	} else if (strncmp(c->current, "acquire-notify ", 15) == 0) {
		int fd;
		uint16_t mtu;

		if (sd_bus_message_read(m, "hq", &fd, &mtu) >= 0 && c->notify_fd < 0) {
			c->notify_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
			if (c->notify_fd >= 0)
				(void)sd_event_add_io(c->event, &c->notify_source, c->notify_fd,
						      EPOLLIN, on_notify_socket, c);
			out("ok %s mtu %u", c->current, mtu);
		} else
			out("error %s: cannot read the socket", c->current);
	} else
		out("ok %s", c->current);
	c->busy = false;
	run_next(c);
	return 0;
}

/* Sends a method call whose reply on_reply() reports. */
static int call(struct client *c, const char *path, const char *iface, const char *member,
		const char *types, ...)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	va_list ap;
	int r;

	r = sd_bus_message_new_method_call(c->bus, &m, "org.bluez", path, iface, member);
	if (r < 0)
		return r;
	snprintf(c->current_path, sizeof(c->current_path), "%s", path);
	if (types) {
		va_start(ap, types);
		r = sd_bus_message_appendv(m, types, ap);
		va_end(ap);
		if (r < 0)
			return r;
	}
	r = sd_bus_call_async(c->bus, &c->call_slot, m, on_reply, c, c->timeout_usec);
	if (r < 0)
		return r;
	c->busy = true;
	return 0;
}

static int parse_hex(const char *s, uint8_t *buf, size_t size)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > size)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 2) {
		unsigned v;

		if (sscanf(s + i, "%2x", &v) != 1)
			return -EINVAL;
		buf[i / 2] = (uint8_t)v;
	}
	return (int)(n / 2);
}

static int cmd_write(struct client *c, const char *path, char **args, size_t n)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	uint8_t buf[512];
	int len, r;

	if (n < 1 || (len = parse_hex(args[0], buf, sizeof(buf))) < 0)
		return -EINVAL;
	r = sd_bus_message_new_method_call(c->bus, &m, "org.bluez", path, BLUEZ_CHRC, "WriteValue");
	if (r >= 0)
		r = sd_bus_message_append_array(m, 'y', buf, (size_t)len);
	if (r >= 0 && n >= 2)
		r = sd_bus_message_append(m, "a{sv}", 1, "type", "s", args[1]);
	else if (r >= 0)
		r = sd_bus_message_append(m, "a{sv}", 0);
	if (r >= 0)
		r = sd_bus_call_async(c->bus, &c->call_slot, m, on_reply, c, c->timeout_usec);
	if (r >= 0)
		c->busy = true;
	return r;
}

static int cmd_agent(struct client *c, char **args, size_t n)
{
	if (n < 2 || strlen(args[0]) >= sizeof(c->agent_path))
		return -EINVAL;
	snprintf(c->agent_path, sizeof(c->agent_path), "%s", args[0]);
	snprintf(c->passkey, sizeof(c->passkey), "%s", n >= 3 ? args[2] : "");
	c->agent_slot = sd_bus_slot_unref(c->agent_slot);
	if (sd_bus_add_object_vtable(c->bus, &c->agent_slot, c->agent_path, BLUEZ_AGENT,
				     agent_vtable, c) < 0)
		return -EINVAL;
	return call(c, "/org/bluez", BLUEZ_AGENT_MGR, "RegisterAgent", "os", c->agent_path,
		    args[1]);
}

/* Runs one command line; returns -EINVAL for a line it does not understand. */
static int run_command(struct client *c, char *line)
{
	char *args[8], *p = line, path[SIM_NAME_MAX];
	size_t n = 0;
	int r;

	while (n < ELEMENTSOF(args) && (args[n] = strtok_r(p, " \t", &p)))
		n++;
	if (n == 0 || args[0][0] == '#')
		return 1;
	if (strcmp(args[0], "start-discovery") == 0)
		return call(c, c->adapter_path, BLUEZ_ADAPTER, "StartDiscovery", NULL);
	if (strcmp(args[0], "stop-discovery") == 0)
		return call(c, c->adapter_path, BLUEZ_ADAPTER, "StopDiscovery", NULL);
	if (strcmp(args[0], "agent") == 0)
		return cmd_agent(c, args + 1, n - 1);
	if (strcmp(args[0], "passkey") == 0 && n == 2) {
		snprintf(c->passkey, sizeof(c->passkey), "%s", args[1]);
		out("ok %s", c->current);
		return 1;
	}
	if (strcmp(args[0], "default-agent") == 0)
		return call(c, "/org/bluez", BLUEZ_AGENT_MGR, "RequestDefaultAgent", "o",
			    c->agent_path);
	if (n < 2)
		return -EINVAL;
	r = target(c, args[1], path, sizeof(path));
	if (r < 0) {
		out("error %s: no such object", c->current);
		return 1;
	}
	if (strcmp(args[0], "path") == 0) {
		out("path %s %s", args[1], path);
		return 1;
	}
	if (strcmp(args[0], "connect") == 0)
		return call(c, path, BLUEZ_DEVICE, "Connect", NULL);
	if (strcmp(args[0], "disconnect") == 0)
		return call(c, path, BLUEZ_DEVICE, "Disconnect", NULL);
	if (strcmp(args[0], "pair") == 0)
		return call(c, path, BLUEZ_DEVICE, "Pair", NULL);
	if (strcmp(args[0], "cancel-pairing") == 0)
		return call(c, path, BLUEZ_DEVICE, "CancelPairing", NULL);
	if (strcmp(args[0], "trust") == 0)
		return call(c, path, "org.freedesktop.DBus.Properties", "Set", "ssv", BLUEZ_DEVICE,
			    "Trusted", "b", 1);
	if (strcmp(args[0], "remove") == 0)
		return call(c, c->adapter_path, BLUEZ_ADAPTER, "RemoveDevice", "o", path);
	if (strcmp(args[0], "start-notify") == 0)
		return call(c, path, BLUEZ_CHRC, "StartNotify", NULL);
	if (strcmp(args[0], "stop-notify") == 0)
		return call(c, path, BLUEZ_CHRC, "StopNotify", NULL);
	if (strcmp(args[0], "read") == 0)
		return call(c, path, BLUEZ_CHRC, "ReadValue", "a{sv}", 0);
	if (strcmp(args[0], "write") == 0)
		return cmd_write(c, path, args + 2, n - 2);
	if (strcmp(args[0], "acquire-notify") == 0) {
		snprintf(c->notify_name, sizeof(c->notify_name), "%s", args[1]);
		return call(c, path, BLUEZ_CHRC, "AcquireNotify", "a{sv}", 0);
	}
	return -EINVAL;
}

static void run_next(struct client *c)
{
	while (!c->busy && c->count > 0) {
		char line[CLIENT_LINE_MAX + 1];
		int r;

		snprintf(c->current, sizeof(c->current), "%s", c->queue[c->head]);
		snprintf(line, sizeof(line), "%s", c->queue[c->head]);
		c->head = (c->head + 1) % CLIENT_QUEUE_MAX;
		c->count--;
		r = run_command(c, line);
		if (r < 0)
			out("error %s: not a command (or bad arguments)", c->current);
	}
	if (!c->busy && c->count == 0 && c->eof)
		(void)sd_event_exit(c->event, 0);
}

static void queue_line(struct client *c)
{
	if (c->count >= CLIENT_QUEUE_MAX) {
		out("error %s: too many commands queued", c->line);
		return;
	}
	snprintf(c->queue[(c->head + c->count) % CLIENT_QUEUE_MAX], CLIENT_LINE_MAX + 1, "%s",
		 c->line);
	c->count++;
}

static int on_stdin(sd_event_source *source _unused_, int fd, uint32_t revents _unused_,
		    void *userdata)
{
	struct client *c = userdata;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		if (c->line_len) {
			c->line[c->line_len] = '\0';
			queue_line(c);
		}
		c->eof = true;
		c->stdin_source = sd_event_source_disable_unref(c->stdin_source);
		run_next(c);
		return 0;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			c->line[c->line_len] = '\0';
			queue_line(c);
			c->line_len = 0;
		} else if (c->line_len < CLIENT_LINE_MAX)
			c->line[c->line_len++] = buf[i];
	}
	run_next(c);
	return 0;
}

static struct client *client_free(struct client *c)
{
	if (!c)
		return NULL;
	c->stdin_source = sd_event_source_disable_unref(c->stdin_source);
	c->notify_source = sd_event_source_disable_unref(c->notify_source);
	if (c->notify_fd >= 0)
		close(c->notify_fd);
	c->call_slot = sd_bus_slot_unref(c->call_slot);
	c->agent_slot = sd_bus_slot_unref(c->agent_slot);
	c->match_slot = sd_bus_slot_unref(c->match_slot);
	c->added_slot = sd_bus_slot_unref(c->added_slot);
	c->bus = sd_bus_flush_close_unref(c->bus);
	c->event = sd_event_unref(c->event);
	free(c);
	return NULL;
}
DEFINE_FREE_FUNC(struct client, client_free);

static int client_start(struct client *c, const char *address)
{
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	r = sd_event_default(&c->event);
	if (r >= 0)
		r = sd_event_add_signal(c->event, NULL, SIGTERM, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(c->event, NULL, SIGINT, NULL, NULL);
	if (r >= 0)
		r = sd_bus_new(&c->bus);
	if (r >= 0)
		r = sd_bus_set_address(c->bus, address);
	if (r >= 0)
		r = sd_bus_set_bus_client(c->bus, 1);
	if (r >= 0)
		r = sd_bus_start(c->bus);
	if (r >= 0)
		r = sd_bus_attach_event(c->bus, c->event, 0);
	if (r >= 0)
		r = sd_bus_set_exit_on_disconnect(c->bus, 1);
	/* Match rules before anything else, as a BlueZ client should. */
	if (r >= 0)
		r = sd_bus_match_signal(c->bus, &c->match_slot, "org.bluez", NULL,
					"org.freedesktop.DBus.Properties", "PropertiesChanged",
					on_properties_changed, c);
	if (r >= 0)
		r = sd_bus_match_signal(c->bus, &c->added_slot, "org.bluez", "/",
					"org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
					on_interfaces_added, c);
	if (r >= 0)
		r = sd_event_add_io(c->event, &c->stdin_source, STDIN_FILENO, EPOLLIN, on_stdin, c);
	return r;
}

int ble_client_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "bus", required_argument, NULL, 'b' },
		{ "adapter", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(client_freep) struct client *c = NULL;
	const char *bus = NULL, *adapter = "hci0";
	unsigned long timeout = 30;
	int opt, r;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (opt) {
		case 'b':
			bus = optarg;
			break;
		case 'a':
			adapter = optarg;
			break;
		case 't':
			timeout = strtoul(optarg, NULL, 10);
			break;
		case 'h':
			printf("Usage: bedlink-sim ble-client --bus ADDRESS [--adapter hci0] "
			       "[--timeout SECONDS]\n"
			       "Reads commands from stdin, one a line: connect|disconnect|pair|"
			       "cancel-pairing|trust|remove ADDRESS,\n"
			       "start-notify|stop-notify|read|acquire-notify ADDRESS/UUID, write "
			       "ADDRESS/UUID HEX [request|command],\n"
			       "start-discovery, stop-discovery, agent PATH CAPABILITY [PASSKEY], "
			       "passkey NNNNNN, default-agent, path ADDRESS[/UUID].\n"
			       "Prints ok/error per command and every PropertiesChanged "
			       "(value, property, notifying).\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!bus || optind < argc || timeout == 0 || timeout > 3600) {
		fprintf(stderr, "bedlink-sim: ble-client needs --bus ADDRESS (see --help)\n");
		return 2;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		log_oom();
		return 1;
	}
	c->notify_fd = -EBADF;
	c->timeout_usec = timeout * 1000000u;
	snprintf(c->adapter_path, sizeof(c->adapter_path), "/org/bluez/%.16s", adapter);
	r = client_start(c, bus);
	if (r < 0) {
		log_error_errno(r, "bedlink-sim: ble-client: cannot start on bus '%s': %m", bus);
		return 1;
	}
	r = sd_event_loop(c->event);
	if (r < 0) {
		log_error_errno(r, "bedlink-sim: ble-client: %m");
		return 1;
	}
	return 0;
}
