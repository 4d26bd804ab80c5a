// SPDX-License-Identifier: MIT
/*
 * What the installer does with the client: scan for a while (StartDiscovery,
 * then StopDiscovery), look at the bounded list of devices BlueZ found, and
 * pair one on request, configured or not (configured devices pair through
 * their own connection sequence, with their passkey).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bluez-internal.h"
#include "log.h"

static struct bluez_peer *peer_by_path(struct bluez *b, const char *path)
{
	for (size_t i = 0; i < b->n_peers; i++)
		if (strcmp(b->peers[i].path, path) == 0)
			return &b->peers[i];
	return NULL;
}

static struct bluez_peer *peer_by_address(struct bluez *b, const char *address)
{
	for (size_t i = 0; i < b->n_peers; i++)
		if (strcasecmp(b->peers[i].info.address, address) == 0)
			return &b->peers[i];
	return NULL;
}

/* Keeps the discovered list (bounded: past BLUEZ_DISCOVERED_MAX, newcomers are not listed). */
void bluez_peer_update(struct bluez *b, const char *path, const struct bluez_props *p)
{
	struct bluez_peer *peer = peer_by_path(b, path);

	if (!peer) {
		if (!p->has_address)
			return;
		if (b->n_peers >= BLUEZ_DISCOVERED_MAX) {
			log_debug("bluez: discovered list full, not listing '%s'", p->address);
			return;
		}
		peer = &b->peers[b->n_peers++];
		*peer = (struct bluez_peer){ 0 };
		snprintf(peer->path, sizeof(peer->path), "%s", path);
		snprintf(peer->info.address, sizeof(peer->info.address), "%s", p->address);
		peer->info.bound = bluez_device_by_address(b, p->address) != NULL;
	}
	if (p->has_name)
		snprintf(peer->info.name, sizeof(peer->info.name), "%s", p->name);
	else if (p->has_alias && !peer->info.name[0])
		snprintf(peer->info.name, sizeof(peer->info.name), "%s", p->alias);
	if (p->has_rssi) {
		peer->info.has_rssi = true;
		peer->info.rssi = p->rssi;
	}
}

void bluez_peer_remove(struct bluez *b, const char *path)
{
	struct bluez_peer *peer = peer_by_path(b, path);

	if (!peer)
		return;
	*peer = b->peers[--b->n_peers];
}

static int on_stop_discovery(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	const char *message;

	(void)ret_error;
	b->scan_slot = sd_bus_slot_unref(b->scan_slot);
	if (bluez_reply_error(reply, NULL, &message) < 0)
		log_debug("bluez: StopDiscovery: %s", message);
	else
		log_info("bluez: scan finished, %zu device(s) listed", b->n_peers);
	return 0;
}

static int on_scan_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct bluez *b = userdata;
	int r;

	(void)s;
	(void)usec;
	if (!b->scanning)
		return 0;
	b->scanning = false;
	r = bluez_call(b, &b->scan_slot, b->adapter_path, BLUEZ_ADAPTER_IFACE, "StopDiscovery",
		       BLUEZ_CALL_TIMEOUT_MS, on_stop_discovery, b);
	if (r < 0)
		log_warning_errno(r, "bluez: cannot stop the scan: %m");
	return 0;
}

static int on_start_discovery(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	const char *name, *message;

	(void)ret_error;
	b->scan_slot = sd_bus_slot_unref(b->scan_slot);
	if (bluez_reply_error(reply, &name, &message) < 0 &&
	    strcmp(name, "org.bluez.Error.InProgress") != 0) {
		log_warning("bluez: cannot start a scan: %s", message);
		b->scanning = false;
		bluez_disarm(&b->scan_timer);
	}
	return 0;
}

int bluez_scan(struct bluez *b, uint64_t duration_ms)
{
	int r;

	if (!b || duration_ms == 0)
		return -EINVAL;
	if (!bluez_adapter_ready(b))
		return -ENETDOWN;
	if (!b->scanning) {
		r = bluez_call(b, &b->scan_slot, b->adapter_path, BLUEZ_ADAPTER_IFACE,
			       "StartDiscovery", BLUEZ_CALL_TIMEOUT_MS, on_start_discovery, b);
		if (r < 0)
			return log_warning_errno(r, "bluez: cannot start a scan: %m");
		b->scanning = true;
		log_info("bluez: scanning for %llu ms", (unsigned long long)duration_ms);
	}
	/* A scan while scanning extends it. */
	r = bluez_set_timer(b, &b->scan_timer, duration_ms, on_scan_timer, b);
	if (r < 0) {
		b->scanning = false;
		return log_warning_errno(r, "bluez: cannot time the scan: %m");
	}
	return 0;
}

static int on_pair_trusted(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	const char *message;

	(void)ret_error;
	b->pair_trust_slot = sd_bus_slot_unref(b->pair_trust_slot);
	if (bluez_reply_error(reply, NULL, &message) < 0)
		log_warning("bluez: cannot trust the paired device: %s", message);
	return 0;
}

static int on_pair_peer(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct bluez *b = userdata;
	const char *name, *message;
	int r;

	(void)ret_error;
	b->pair_slot = sd_bus_slot_unref(b->pair_slot);
	r = bluez_reply_error(reply, &name, &message);
	if (r < 0 && strcmp(name, "org.bluez.Error.AlreadyExists") != 0) {
		log_warning("bluez: pairing failed: %s", message);
		b->pair_path[0] = '\0';
		return 0;
	}
	log_info("bluez: paired '%s'", b->pair_path);
	r = bluez_set_trusted(b, &b->pair_trust_slot, b->pair_path, on_pair_trusted, b);
	if (r < 0)
		log_warning_errno(r, "bluez: cannot trust the paired device: %m");
	b->pair_path[0] = '\0';
	return 0;
}

int bluez_pair(struct bluez *b, const char *address)
{
	struct bluez_device *d;
	struct bluez_peer *peer;
	int r;

	if (!b || !address)
		return -EINVAL;
	if (!bluez_adapter_ready(b))
		return -ENETDOWN;
	d = bluez_device_by_address(b, address);
	if (d)
		return d->bound ? bluez_device_pair(d) : -ENODEV;
	peer = peer_by_address(b, address);
	if (!peer)
		return -ENODEV;
	if (b->pair_slot)
		return -EBUSY;
	snprintf(b->pair_path, sizeof(b->pair_path), "%s", peer->path);
	r = bluez_call(b, &b->pair_slot, peer->path, BLUEZ_DEVICE_IFACE, "Pair",
		       BLUEZ_PAIR_TIMEOUT_MS, on_pair_peer, b);
	if (r < 0) {
		b->pair_path[0] = '\0';
		return r;
	}
	return 0;
}

size_t bluez_discovered_count(const struct bluez *b)
{
	return b ? b->n_peers : 0;
}

int bluez_discovered(const struct bluez *b, size_t i, struct ble_discovered *ret)
{
	if (!b || !ret)
		return -EINVAL;
	if (i >= b->n_peers)
		return -ENOENT;
	*ret = b->peers[i].info;
	return 0;
}
