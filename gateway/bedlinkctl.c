// SPDX-License-Identifier: MIT
/*
 * bedlinkctl: the installer's and operator's command line. `decode` turns the
 * bytes a BLE health device sent into the values it measured, so a capture
 * from a bedside can be checked by hand. Exit codes: 0 ok, 1 the value could
 * not be decoded, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ble-reading.h"
#include "gatt-json.h"
#include "macro.h"
#include "quirks.h"
#include "reading-text.h"
#include "record.h"

#ifndef BEDLINK_VERSION
#define BEDLINK_VERSION "0"
#endif

/* ATT values are at most 512 octets. */
#define VALUE_MAX 512

#define DEFAULT_SOCKET "/run/bedlink/gateway.sock"

static const char *socket_path = DEFAULT_SOCKET;
static bool json_output;

static void help(FILE *f)
{
	fputs("Usage: bedlinkctl [--socket PATH] [--json] COMMAND ...\n"
	      "\n"
	      "Commands for a running gateway (over its control socket):\n"
	      "  status              What works and what does not, with what to do\n"
	      "  devices             The bound devices and their state\n"
	      "  scan [SECONDS]      Look for nearby BLE devices (default 10 s)\n"
	      "  pair ADDRESS        Pair and trust a device\n"
	      "  readings [--last N] The last N readings (default 10)\n"
	      "  outbox              What is stored and not yet acknowledged by the cloud\n"
	      "  alerts              Open alerts, the alarm, reminders and an open visit\n"
	      "  press [--cancel]    Press the call button (an urgent call), or cancel the\n"
	      "                      calls of the last minutes made by mistake\n"
	      "  symptoms yes|no     The patient's answer to the symptom question\n"
	      "  visit start --staff ID --service TYPE [--expected MIN]\n"
	      "  visit end           Check a home visit in and out (TYPE: followup,\n"
	      "                      bedside_round, nursing, health_check, rehabilitation,\n"
	      "                      special, other)\n"
	      "\n"
	      "Offline commands:\n"
	      "  decode [--model NAME] [--quirks LIST] [--text] UUID HEX\n"
	      "      Decode a characteristic value. UUID is a 16-bit UUID (2A35) or\n"
	      "      sfloat / float; HEX the octets as sent (\"1e8a00...\").\n"
	      "      Prints one JSON object; with --text, the reading in words.\n"
	      "\n"
	      "Options:\n"
	      "     --socket PATH  The gateway's control socket (" DEFAULT_SOCKET ")\n"
	      "     --json         Print the gateway's answer as JSON, for scripts\n"
	      "  -h --help         Show this help\n"
	      "     --version      Show the version\n",
	      f);
}

/* Sends one request line and returns the gateway's JSON answer (caller frees), or NULL. */
static char *request(const char *line)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t size = 4096, len = 0;
	char *buf = NULL;
	int fd;

	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "bedlinkctl: socket path '%s' is too long\n", socket_path);
		return NULL;
	}
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr,
			"bedlinkctl: cannot reach the gateway at '%s': %m (is bedlink-gateway running? "
			"try: systemctl status bedlink-gateway)\n",
			socket_path);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0)
		goto fail;
	buf = malloc(size);
	while (buf) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0) {
			fprintf(stderr, "bedlinkctl: the gateway did not answer within 10 s\n");
			goto fail;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len + 1 == size) {
			char *b = size < (16u << 20) ? realloc(buf, size * 2) : NULL;

			if (!b)
				goto fail;
			buf = b;
			size *= 2;
		}
	}
	close(fd);
	if (!buf)
		return NULL;
	buf[len] = '\0';
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static bool has_num(const cJSON *o, const char *name)
{
	return cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, name));
}

static bool flag(const cJSON *o, const char *name)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static void print_age(double ms)
{
	struct timespec ts;
	double age;

	clock_gettime(CLOCK_REALTIME, &ts);
	age = ((double)ts.tv_sec * 1000 + ts.tv_nsec / 1e6 - ms) / 1000;
	if (age < 120)
		printf("%.0f s ago", age < 0 ? 0 : age);
	else if (age < 7200)
		printf("%.0f min ago", age / 60);
	else if (age < 172800)
		printf("%.0f h ago", age / 3600);
	else
		printf("%.0f days ago", age / 86400);
}

static void print_devices(const cJSON *devices)
{
	const cJSON *d;

	if (cJSON_GetArraySize(devices) == 0) {
		printf("  (no devices bound: add a [device.NAME] section to the config)\n");
		return;
	}
	cJSON_ArrayForEach(d, devices)
	{
		printf("  %-12s %s  %-15s %-12s", str(d, "name"), str(d, "address"),
		       str(d, "profile"), str(d, "state"));
		if (str(d, "model")[0])
			printf(" model %s", str(d, "model"));
		if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(d, "paired")))
			printf(" NOT PAIRED");
		if (has_num(d, "battery"))
			printf(" battery %.0f%%", num(d, "battery"));
		if (has_num(d, "rssi"))
			printf(" rssi %.0f dBm", num(d, "rssi"));
		if (has_num(d, "clock_offset_s") && num(d, "clock_offset_s") != 0)
			printf(" clock %+.0f s", num(d, "clock_offset_s"));
		if (has_num(d, "last_reading_ms")) {
			printf(" last reading ");
			print_age(num(d, "last_reading_ms"));
		}
		if (num(d, "bad_values") > 0)
			printf(" (%.0f unusable values)", num(d, "bad_values"));
		printf("\n");
	}
}

static int print_status(const cJSON *o)
{
	const cJSON *up = cJSON_GetObjectItemCaseSensitive(o, "uplink");
	const cJSON *ob = cJSON_GetObjectItemCaseSensitive(o, "outbox");
	int problems = 0;

	printf("Gateway %s (bedlink %s)\n", str(o, "gateway"), str(o, "version"));
	if (flag(up, "connected")) {
		printf("  Cloud link:  connected to %s:%.0f\n", str(up, "broker"), num(up, "port"));
	} else {
		printf("  Cloud link:  NOT connected to %s:%.0f - readings are kept and sent later.\n",
		       str(up, "broker"), num(up, "port"));
		if (str(up, "last_error")[0])
			printf("               Last error: %s\n", str(up, "last_error"));
		printf("               Check the network cable or Wi-Fi, the broker address in [mqtt], "
		       "and the gateway's certificate or password.\n");
		problems++;
	}
	if (flag(o, "storage_ok")) {
		printf("  Storage:     ok, %.0f records waiting for the cloud (%.0f urgent)\n",
		       num(ob, "pending"), num(ob, "pending_urgent"));
	} else {
		printf("  Storage:     FAILING - %.0f records held in memory. The disk may be full "
		       "(df -h) or failing.\n",
		       num(ob, "waiting_in_memory"));
		problems++;
	}
	if (flag(o, "clock_synced")) {
		printf("  Clock:       synchronised\n");
	} else {
		printf("  Clock:       NOT synchronised - readings are marked; check NTP "
		       "(timedatectl status).\n");
		problems++;
	}
	if (flag(o, "bluetooth_ready")) {
		printf("  Bluetooth:   ready\n");
	} else {
		printf("  Bluetooth:   NOT ready - is bluetoothd running and the adapter powered? "
		       "(systemctl status bluetooth; bluetoothctl show)\n");
		problems++;
	}
	printf("  Devices:\n");
	print_devices(cJSON_GetObjectItemCaseSensitive(o, "devices"));
	{
		const cJSON *sf = cJSON_GetObjectItemCaseSensitive(o, "safety");
		int open = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sf, "open_alerts"));

		printf("  Alerts:      %d open, alarm %s (details: bedlinkctl alerts)\n", open,
		       str(sf, "alarm"));
	}
	if (num(o, "bad_values") > 0)
		printf("  %.0f values from devices could not be used (see the journal).\n",
		       num(o, "bad_values"));
	printf(problems ? "%d problem(s) above.\n" : "All good.\n", problems);
	return 0;
}

static int print_readings(const cJSON *a)
{
	const cJSON *r;

	if (cJSON_GetArraySize(a) == 0)
		printf("No readings stored yet.\n");
	cJSON_ArrayForEach(r, a)
	{
		_cleanup_free_ char *text = cJSON_PrintUnformatted(r);
		struct record rec;
		char line[512];

		if (!text || record_from_json(text, strlen(text), &rec, NULL) < 0 ||
		    rec.kind != RECORD_READING)
			continue;
		reading_to_text(&rec.reading, line, sizeof(line));
		printf("#%llu %-10s %s\n", (unsigned long long)rec.seq, rec.reading.device, line);
	}
	return 0;
}

static int print_outbox(const cJSON *o)
{
	printf("Waiting for the cloud: %.0f records (%.0f urgent), %.0f bytes\n", num(o, "pending"),
	       num(o, "pending_urgent"), num(o, "bytes"));
	printf("Acknowledged, kept for `readings`: %.0f\n", num(o, "acked_retained"));
	printf("Published, awaiting acknowledgement: %.0f\n", num(o, "published_unacknowledged"));
	printf("Held in memory (storage failing): %.0f\n", num(o, "waiting_in_memory"));
	printf("Next seq: %.0f\n", num(o, "next_seq"));
	if (num(o, "evicted_total") > 0)
		printf("Readings evicted to stay within the size bound, ever: %.0f\n",
		       num(o, "evicted_total"));
	return 0;
}

/* Runs one request and prints the answer as JSON or through @print. Exit code. */
static int run(const char *line, int (*print)(const cJSON *))
{
	_cleanup_free_ char *answer = request(line);
	cJSON *o;
	int r;

	if (!answer)
		return 1;
	o = cJSON_Parse(answer);
	if (!o) {
		fprintf(stderr, "bedlinkctl: the gateway's answer is not JSON\n");
		return 1;
	}
	if (cJSON_IsObject(o) && cJSON_GetObjectItemCaseSensitive(o, "error")) {
		fprintf(stderr, "bedlinkctl: %s\n", str(o, "error"));
		cJSON_Delete(o);
		return 1;
	}
	if (json_output || !print)
		printf("%s", answer);
	r = json_output || !print ? 0 : print(o);
	cJSON_Delete(o);
	return r;
}

static int print_alerts(const cJSON *o)
{
	const cJSON *a, *v = cJSON_GetObjectItemCaseSensitive(o, "visit");

	printf("Alarm: %s\n", str(o, "alarm"));
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "open_alerts")) == 0)
		printf("No open alerts.\n");
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(o, "open_alerts"))
	{
		printf("  #%-4.0f %-6s %s  confirmation %-12s %s\n", num(a, "alert_id"),
		       str(a, "rule"), str(a, "severity"), str(a, "confirmation"),
		       str(a, "message"));
	}
	printf("Reminders: %d",
	       cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "reminders")));
	if (num(o, "missed_in_a_row") > 0)
		printf(", %.0f measurement windows missed in a row", num(o, "missed_in_a_row"));
	printf("\n");
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(o, "reminders"))
	{
		const cJSON *t;

		printf("  %-16s %-12s %-16s", str(a, "name"), str(a, "kind"),
		       str(a, "measurement"));
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(a, "times"))
		{
			printf(" %s", cJSON_IsString(t) ? t->valuestring : "");
		}
		printf("\n");
	}
	if (!flag(v, "open")) {
		printf("Visit: none open\n");
		return 0;
	}
	printf("Visit: %s by %s, expected %.0f min, started ", str(v, "service"), str(v, "staff"),
	       num(v, "expected_min"));
	print_age(num(v, "since_ms"));
	printf("\n");
	return 0;
}

static int print_call(const cJSON *o)
{
	if (strcmp(str(o, "call"), "cancelled") == 0)
		printf("The calls of the last minutes are cancelled (the cancellation is recorded and "
		       "sent to the doctor).\n");
	else
		printf("Call raised: stored and being sent to the doctor ahead of everything else.\n");
	return 0;
}

static int print_ok(const cJSON *o)
{
	(void)o;
	printf("Done.\n");
	return 0;
}

static int cmd_visit(int argc, char **argv)
{
	const char *staff = NULL, *service = NULL;
	bool bad = false;
	long expected = 0;
	char line[192];

	if (argc == 2 && strcmp(argv[1], "end") == 0)
		return run("visit-end", print_ok);
	if (argc < 2 || strcmp(argv[1], "start") != 0) {
		fprintf(stderr,
			"bedlinkctl: visit start --staff ID --service TYPE [--expected MIN] | "
			"visit end\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--staff") == 0 && i + 1 < argc)
			staff = argv[++i];
		else if (strcmp(argv[i], "--service") == 0 && i + 1 < argc)
			service = argv[++i];
		else if (strcmp(argv[i], "--expected") == 0 && i + 1 < argc)
			expected = strtol(argv[++i], NULL, 10);
		else
			bad = true;
	}
	if (bad || !staff || !service || strchr(staff, ' ') || strchr(service, ' ') ||
	    strlen(staff) > 60 || strlen(service) > 60 || expected < 0 || expected > 1440) {
		fprintf(stderr, "bedlinkctl: visit start needs --staff ID and --service TYPE "
				"(--expected takes 1..1440 minutes)\n");
		return 2;
	}
	snprintf(line, sizeof(line), "visit-start %s %s %ld", staff, service, expected);
	return run(line, print_ok);
}

static int print_devices_answer(const cJSON *a)
{
	print_devices(a);
	return 0;
}

static int print_discovered(const cJSON *a)
{
	const cJSON *d;

	if (cJSON_GetArraySize(a) == 0)
		printf("No devices found. Wake the device (take a measurement, or hold its "
		       "Bluetooth button) and scan again.\n");
	cJSON_ArrayForEach(d, a)
	{
		printf("%s  %-24s", str(d, "address"), str(d, "name"));
		if (has_num(d, "rssi"))
			printf(" rssi %.0f dBm", num(d, "rssi"));
		printf("%s\n", flag(d, "bound") ? "  (bound)" : "");
	}
	return 0;
}

static int print_pairing(const cJSON *o)
{
	printf("Pairing with %s started. Wake the device; if it shows a passkey, it must match\n"
	       "the passkey in its [device.NAME] section. Then check: bedlinkctl devices\n",
	       str(o, "pairing"));
	return 0;
}

static int print_scanning(const cJSON *o)
{
	(void)o;
	return 0;
}

static int cmd_scan(int argc, char **argv)
{
	char line[64];
	long seconds = argc > 1 ? strtol(argv[1], NULL, 10) : 10;
	int r;

	if (seconds < 1 || seconds > 120) {
		fprintf(stderr, "bedlinkctl: scan takes 1..120 seconds\n");
		return 2;
	}
	snprintf(line, sizeof(line), "scan %ld", seconds);
	r = run(line, print_scanning);
	if (r != 0)
		return r;
	if (!json_output)
		printf("Scanning for %ld s...\n", seconds);
	sleep((unsigned)seconds);
	return run("discovered", print_discovered);
}

static int cmd_readings(int argc, char **argv)
{
	long n = 10;
	char line[64];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--last") == 0 && i + 1 < argc) {
			n = strtol(argv[++i], NULL, 10);
		} else {
			fprintf(stderr, "bedlinkctl: readings takes [--last N]\n");
			return 2;
		}
	}
	if (n < 1 || n > 1000) {
		fprintf(stderr, "bedlinkctl: --last takes 1..1000\n");
		return 2;
	}
	snprintf(line, sizeof(line), "readings %ld", n);
	return run(line, print_readings);
}

static int cmd_decode(int argc, char **argv)
{
	static const struct option options[] = { { "model", required_argument, NULL, 'm' },
						 { "quirks", required_argument, NULL, 'q' },
						 { "text", no_argument, NULL, 't' },
						 { "help", no_argument, NULL, 'h' },
						 {} };
	struct gatt_error err = { "" };
	_cleanup_free_ char *json = NULL;
	uint8_t value[VALUE_MAX];
	unsigned quirks = 0;
	bool text = false;
	int c, n, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (c) {
		case 'm':
			if (ble_quirks_for_model(optarg) == 0)
				fprintf(stderr,
					"bedlinkctl: no quirks known for model '%s', decoding strictly\n",
					optarg);
			quirks |= ble_quirks_for_model(optarg);
			break;
		case 'q':
			r = ble_quirks_from_string(optarg);
			if (r < 0) {
				fprintf(stderr, "bedlinkctl: unknown quirk in '%s'\n", optarg);
				return 2;
			}
			quirks |= (unsigned)r;
			break;
		case 't':
			text = true;
			break;
		case 'h':
			help(stdout);
			return 0;
		default:
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "bedlinkctl: decode needs UUID and HEX\n");
		return 2;
	}

	n = gatt_hex_parse(argv[optind + 1], value, sizeof(value), &err);
	if (n < 0) {
		fprintf(stderr, "bedlinkctl: %s\n", err.message);
		return 1;
	}

	if (text) {
		struct reading rd;
		char line[512];
		uint16_t uuid;

		if (gatt_uuid16_parse(argv[optind], &uuid) < 0) {
			fprintf(stderr, "bedlinkctl: '%s' is not a 16-bit UUID\n", argv[optind]);
			return 1;
		}
		r = ble_reading_from_value(uuid, value, (size_t)n, quirks, &rd, &err);
		if (r < 0) {
			fprintf(stderr, "bedlinkctl: %s\n", err.message);
			return 1;
		}
		reading_to_text(&rd, line, sizeof(line));
		printf("%s\n", line);
		return 0;
	}

	r = gatt_json_decode(argv[optind], value, (size_t)n, quirks, &json, &err);
	if (r == -ENOMEM) {
		fprintf(stderr, "bedlinkctl: out of memory\n");
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "bedlinkctl: %s\n", err.message);
		return 1;
	}
	printf("%s\n", json);
	return 0;
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("bedlinkctl %s\n", BEDLINK_VERSION);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json_output = true;
		} else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			socket_path = argv[++i];
		} else {
			fprintf(stderr, "bedlinkctl: unknown option '%s' (see --help)\n", argv[i]);
			return 2;
		}
	}
	if (i == argc) {
		help(stderr);
		return 2;
	}
	argc -= i;
	argv += i;
	if (strcmp(argv[0], "decode") == 0)
		return cmd_decode(argc, argv);
	if (strcmp(argv[0], "status") == 0 && argc == 1)
		return run("status", print_status);
	if (strcmp(argv[0], "devices") == 0 && argc == 1)
		return run("devices", print_devices_answer);
	if (strcmp(argv[0], "outbox") == 0 && argc == 1)
		return run("outbox", print_outbox);
	if (strcmp(argv[0], "readings") == 0)
		return cmd_readings(argc, argv);
	if (strcmp(argv[0], "alerts") == 0 && argc == 1)
		return run("safety", print_alerts);
	if (strcmp(argv[0], "press") == 0 && argc == 1)
		return run("press", print_call);
	if (strcmp(argv[0], "press") == 0 && argc == 2 && strcmp(argv[1], "--cancel") == 0)
		return run("press cancel", print_call);
	if (strcmp(argv[0], "symptoms") == 0 && argc == 2 &&
	    (strcmp(argv[1], "yes") == 0 || strcmp(argv[1], "no") == 0)) {
		char line[32];

		snprintf(line, sizeof(line), "symptoms %s", argv[1]);
		return run(line, print_ok);
	}
	if (strcmp(argv[0], "visit") == 0)
		return cmd_visit(argc, argv);
	if (strcmp(argv[0], "scan") == 0 && argc <= 2)
		return cmd_scan(argc, argv);
	if (strcmp(argv[0], "pair") == 0 && argc == 2) {
		char line[64];

		snprintf(line, sizeof(line), "pair %.40s", argv[1]);
		return run(line, print_pairing);
	}
	fprintf(stderr, "bedlinkctl: unknown command or wrong arguments: '%s' (see --help)\n",
		argv[0]);
	return 2;
}
