// SPDX-License-Identifier: MIT
/*
 * bench-modbus: the Modbus poller against `bedlink-sim modbus` serving ten
 * bed radars (unit ids 1..10) on one loopback TCP bus. Prints polls/s with
 * one device and with ten polled back to back, then poll -> callback latency
 * (request sent to the reading callback on the sd-event loop) and the
 * hand-off part of it (answer complete to callback) with ten devices at
 * 100 ms each. Figures only; nothing is asserted.
 *
 *   bench-modbus SIMULATOR PROFILE [SECONDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "log.h"
#include "macro.h"
#include "modbus.h"
#include "outbox.h"

extern char **environ;

#define SAMPLES_MAX 100000

struct bench {
	sd_event *event;
	struct modbus_poller *poller;
	const char *profile_path;
	uint64_t readings;
	size_t n;
	double poll_ms[SAMPLES_MAX];
	double handoff_ms[SAMPLES_MAX];
	/* Set for the poll -> outbox run: each reading is committed as the gateway does. */
	struct outbox *outbox;
	double outbox_ms[SAMPLES_MAX];
};

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_reading(void *userdata, const char *device, const struct reading *rd)
{
	struct bench *b = userdata;
	uint64_t started, answered, now = now_usec();

	(void)device;
	(void)rd;
	b->readings++;
	if (b->n < SAMPLES_MAX &&
	    modbus_poller_event_time(b->poller, NULL, &started, &answered) == 0) {
		b->poll_ms[b->n] = (double)(now - started) / 1000.0;
		b->handoff_ms[b->n] = (double)(now - answered) / 1000.0;
		if (b->outbox) {
			struct record r = { .kind = RECORD_READING, .reading = *rd };

			r.ts = (int64_t)time(NULL) * 1000;
			if (outbox_begin(b->outbox) < 0 || outbox_add(b->outbox, &r, r.ts) < 0 ||
			    outbox_commit(b->outbox) < 0) {
				outbox_rollback(b->outbox);
				return;
			}
			b->outbox_ms[b->n] = (double)(now_usec() - started) / 1000.0;
		}
		b->n++;
	}
}

static void on_state(void *userdata, const char *device, bool responding, const char *why)
{
	(void)userdata;
	if (!responding)
		fprintf(stderr, "bench-modbus: %s not responding: %s\n", device, why);
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/*
 * Starts the simulator with its stdout on a pipe and waits for its "ready"
 * line. *@ret_out stays open while the simulator runs: it prints a line per
 * connection, and a closed pipe would end it with SIGPIPE.
 */
static int start_simulator(const char *sim, const char *profile, int port, pid_t *ret,
			   FILE **ret_out)
{
	char listen[32], line[256];
	char *argv[] = { (char *)sim,     "modbus", "--listen", listen,       "--profile",
			 (char *)profile, "--unit", "1-10",     "--no-stdin", NULL };
	posix_spawn_file_actions_t fa;
	FILE *out;
	int fds[2], r;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	r = -posix_spawn(ret, sim, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (r < 0) {
		close(fds[0]);
		return r;
	}
	out = fdopen(fds[0], "r");
	if (!out) {
		close(fds[0]);
		return -errno;
	}
	*ret_out = out;
	while (fgets(line, sizeof(line), out))
		if (strncmp(line, "ready ", 6) == 0)
			return 0;
	return -EIO;
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	return sd_event_exit(userdata, 0);
}

/* Polls @n_devices units at @interval_ms for @seconds; *@ret_polls counts the good polls. */
static int run(struct bench *b, int port, size_t n_devices, long long interval_ms, double seconds,
	       uint64_t *ret_polls)
{
	static const struct modbus_callbacks callbacks = {
		.reading = on_reading,
		.device_state = on_state,
	};
	struct modbus_bus_config bus;
	struct modbus_profile *profile = NULL;
	struct modbus_device_stats st;
	struct config_error err;
	int r;

	b->readings = 0;
	b->n = 0;
	/* A loop that has exited cannot run again: a fresh one per run. */
	b->event = sd_event_unref(b->event);
	r = sd_event_new(&b->event);
	if (r >= 0)
		r = modbus_poller_new(b->event, &callbacks, b, &b->poller);
	if (r < 0)
		return r;
	modbus_bus_config_defaults(&bus);
	snprintf(bus.name, sizeof(bus.name), "bench");
	snprintf(bus.address, sizeof(bus.address), "127.0.0.1:%d", port);
	r = modbus_poller_add_bus(b->poller, &bus);
	profile = calloc(1, sizeof(*profile));
	if (!profile)
		r = -ENOMEM;
	if (r >= 0)
		r = modbus_profile_load(b->profile_path, profile, &err);
	for (size_t i = 0; r >= 0 && i < n_devices; i++) {
		struct modbus_device_config d;

		modbus_device_config_defaults(&d);
		snprintf(d.name, sizeof(d.name), "radar-%zu", i + 1);
		snprintf(d.bus, sizeof(d.bus), "bench");
		d.slave = (long long)i + 1;
		d.poll_interval_ms = interval_ms;
		r = modbus_poller_add_device(b->poller, &d, profile);
	}
	free(profile);
	if (r >= 0)
		r = sd_event_add_time_relative(b->event, NULL, CLOCK_MONOTONIC,
					       (uint64_t)(seconds * 1e6), 1000, on_deadline,
					       b->event);
	if (r >= 0)
		r = modbus_poller_start(b->poller);
	if (r >= 0)
		r = sd_event_loop(b->event);
	modbus_poller_stop(b->poller);
	*ret_polls = 0;
	for (size_t i = 0; r >= 0 && i < modbus_poller_device_count(b->poller); i++)
		if (modbus_poller_device_stats(b->poller, i, &st) == 0)
			*ret_polls += st.polls - st.failed;
	b->poller = modbus_poller_free(b->poller);
	return r;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print_latency(const char *what, double *v, size_t n)
{
	if (n == 0) {
		printf("  %-26s no samples\n", what);
		return;
	}
	qsort(v, n, sizeof(*v), compare_double);
	printf("  %-26s p50 %.3f ms  p99 %.3f ms  max %.3f ms  (%zu samples)\n", what, v[n / 2],
	       v[n * 99 / 100], v[n - 1], n);
}

int main(int argc, char **argv)
{
	_cleanup_free_ struct bench *b = calloc(1, sizeof(*b));
	double seconds = argc > 3 ? strtod(argv[3], NULL) : 3;
	uint64_t polls;
	_cleanup_fclose_ FILE *sim_out = NULL;
	pid_t sim = 0;
	int port, r;

	if (argc < 3) {
		fprintf(stderr, "usage: bench-modbus SIMULATOR PROFILE [SECONDS]\n");
		return 2;
	}
	if (!b || seconds <= 0)
		return 1;
	b->profile_path = argv[2];
	log_set_max_level(LOG_LEVEL_WARNING);
	/* Decided here, before the bus threads log: log.c decides it lazily, unlocked. */
	log_set_prefix(!isatty(STDERR_FILENO));
	port = free_port();
	r = port > 0 ? start_simulator(argv[1], argv[2], port, &sim, &sim_out) : -EADDRNOTAVAIL;
	if (r < 0) {
		log_error_errno(r, "bench-modbus: cannot start the simulator: %m");
		goto out;
	}
	printf("Modbus poller, one TCP bus on loopback, bed-radar profile (1 request of 4 input "
	       "registers a poll), %.0f s a run\n",
	       seconds);

	r = run(b, port, 1, 0, seconds, &polls);
	if (r < 0) {
		log_error_errno(r, "bench-modbus: a run failed: %m");
		goto out;
	}
	printf("  1 device, back to back:    %.0f polls/s\n", (double)polls / seconds);
	r = run(b, port, 10, 0, seconds, &polls);
	if (r < 0) {
		log_error_errno(r, "bench-modbus: a run failed: %m");
		goto out;
	}
	printf("  10 devices, back to back:  %.0f polls/s on the bus (%.0f per device)\n",
	       (double)polls / seconds, (double)polls / seconds / 10);
	print_latency("  poll -> callback:", b->poll_ms, b->n);

	r = run(b, port, 10, 100, seconds, &polls);
	if (r < 0) {
		log_error_errno(r, "bench-modbus: a run failed: %m");
		goto out;
	}
	printf("  10 devices at 100 ms:      %.0f polls/s, %llu readings\n",
	       (double)polls / seconds, (unsigned long long)b->readings);
	print_latency("  poll -> callback:", b->poll_ms, b->n);
	print_latency("  answer -> callback:", b->handoff_ms, b->n);

	/* The same with every reading committed to a real outbox (synchronous=FULL) on the
	 * callback, one transaction each: poll -> durable in the outbox. */
	{
		struct outbox_limits limits = { 0 };

		unlink("bench-modbus-outbox.db");
		r = outbox_open("bench-modbus-outbox.db", &limits, &b->outbox);
		if (r < 0)
			goto out;
		r = run(b, port, 10, 100, seconds, &polls);
		if (r < 0) {
			log_error_errno(r, "bench-modbus: a run failed: %m");
			goto out;
		}
		printf("  10 devices at 100 ms, each reading committed to the outbox:\n");
		print_latency("  poll -> outbox:", b->outbox_ms, b->n);
	}
out:
	if (b->outbox) {
		outbox_free(b->outbox);
		unlink("bench-modbus-outbox.db");
		unlink("bench-modbus-outbox.db-wal");
		unlink("bench-modbus-outbox.db-shm");
	}
	if (sim > 0) {
		kill(sim, SIGTERM);
		waitpid(sim, NULL, 0);
	}
	sd_event_unref(b->event);
	return r < 0 ? 1 : 0;
}
