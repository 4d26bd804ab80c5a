/* SPDX-License-Identifier: MIT */
/*
 * What every MQTT client of the cloud daemon shares: the paho error mapping,
 * the client (MQTT 5, no persistence) and the connect options of [mqtt].
 */
#pragma once

#include <stdbool.h>

#include <MQTTAsync.h>

#include "cloud-config.h"

/* Maps MQTTASYNC_* to -errno, the one place paho codes become errors. */
int cloud_mqtt_errno(int rc);

/*
 * Creates an MQTT 5 client for @c's broker (tcp://, or ssl:// when tls_ca is
 * set) as @client_id; with @send_offline, what is published while it is not
 * connected waits in paho and goes out when it is. -EINVAL for settings paho
 * refuses, -EIO.
 */
int cloud_mqtt_create(const struct cloud_config *c, const char *client_id, bool send_offline,
		      MQTTAsync *ret);

/*
 * Fills connect options (clean start, keepalive, credentials, TLS checking
 * the broker's certificate against tls_ca and its name against host) that
 * borrow @c's strings and @password; @ssl must live as long as @o.
 */
void cloud_mqtt_connect_options(const struct cloud_config *c, const char *password,
				MQTTAsync_connectOptions *o, MQTTAsync_SSLOptions *ssl);
