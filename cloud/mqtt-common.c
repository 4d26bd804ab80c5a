// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>

#include "mqtt-common.h"

int cloud_mqtt_errno(int rc)
{
	switch (rc) {
	case MQTTASYNC_SUCCESS:
		return 0;
	case MQTTASYNC_DISCONNECTED:
		return -ENOTCONN;
	case MQTTASYNC_MAX_BUFFERED_MESSAGES:
		return -ENOBUFS;
	case MQTTASYNC_BAD_UTF8_STRING:
	case MQTTASYNC_NULL_PARAMETER:
	case MQTTASYNC_BAD_STRUCTURE:
	case MQTTASYNC_BAD_QOS:
	case MQTTASYNC_BAD_PROTOCOL:
	case MQTTASYNC_BAD_MQTT_OPTION:
	case MQTTASYNC_WRONG_MQTT_VERSION:
		return -EINVAL;
	case MQTTASYNC_NO_MORE_MSGIDS:
		return -EBUSY;
	default:
		return -EIO;
	}
}

int cloud_mqtt_create(const struct cloud_config *c, const char *client_id, bool send_offline,
		      MQTTAsync *ret)
{
	MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer5;
	char uri[320];
	int rc;

	/*
	 * paho formats a line into its in-memory trace for every message at
	 * its default level, a tenth of ingest's CPU: keep errors only.
	 */
	MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_ERROR);
	co.MQTTVersion = MQTTVERSION_5;
	/*
	 * paho counts every publish not yet written to the socket against this
	 * bound (default 100), connected or not: one batch may ack 1000 gateways.
	 */
	co.maxBufferedMessages = 100000;
	co.sendWhileDisconnected = send_offline;
	snprintf(uri, sizeof(uri), "%s://%s:%lld", c->mqtt_tls_ca[0] ? "ssl" : "tcp", c->mqtt_host,
		 c->mqtt_port);
	rc = MQTTAsync_createWithOptions(ret, uri, client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL,
					 &co);
	return cloud_mqtt_errno(rc);
}

void cloud_mqtt_connect_options(const struct cloud_config *c, const char *password,
				MQTTAsync_connectOptions *o, MQTTAsync_SSLOptions *ssl)
{
	MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer5;
	MQTTAsync_SSLOptions so = MQTTAsync_SSLOptions_initializer;

	*o = co;
	*ssl = so;
	o->keepAliveInterval = (int)c->mqtt_keepalive_s;
	o->cleanstart = 1;
	o->connectTimeout = 10;
	if (c->mqtt_username[0])
		o->username = c->mqtt_username;
	if (password[0])
		o->password = password;
	if (c->mqtt_tls_ca[0]) {
		ssl->trustStore = c->mqtt_tls_ca;
		ssl->keyStore = c->mqtt_tls_cert[0] ? c->mqtt_tls_cert : NULL;
		ssl->privateKey = c->mqtt_tls_key[0] ? c->mqtt_tls_key : NULL;
		ssl->enableServerCertAuth = 1;
		ssl->verify = 1; /* the certificate must name [mqtt] host */
		o->ssl = ssl;
	}
}
