// SPDX-License-Identifier: MIT
/*
 * LED and buzzer patterns driven by one 100 ms timer while anything is
 * active, and a voice queue that runs the configured command for one prompt
 * at a time (posix_spawn, reaped through an sd-event child source).
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <gpiod.h>

#include "actions.h"
#include "log.h"
#include "macro.h"

#define TICK_MS        100
#define ACK_SHOW_MS    3000
#define VOICE_ARGS_MAX 16

extern char **environ;

static const char *const level_names[_ALARM_LEVEL_MAX] = {
	[ALARM_NONE] = "none",
	[ALARM_ADVISORY] = "advisory",
	[ALARM_URGENT] = "urgent",
	[ALARM_CRITICAL] = "critical",
};

/* LED half-period and buzzer on/off per level, in ticks; 0 = steady off. */
static const struct {
	unsigned led_half;
	unsigned beep_on, beep_period;
} patterns[_ALARM_LEVEL_MAX] = {
	[ALARM_NONE] = { 0, 0, 0 },
	[ALARM_ADVISORY] = { 10, 0, 0 }, /* LED 0.5 Hz, silent */
	[ALARM_URGENT] = { 5, 2, 100 },  /* LED 1 Hz, a short beep every 10 s */
	[ALARM_CRITICAL] = { 2, 5, 10 }, /* LED 2.5 Hz, beeping half the time */
};

struct prompt {
	char text[RECORD_TEXT_MAX + 1];
	bool urgent;
};

struct actions {
	struct actions_config config;
	sd_event *event;
	sd_event_source *timer;
	sd_event_source *child;
	struct gpiod_chip *led_chip, *buzzer_chip;
	struct gpiod_line *led, *buzzer;
	enum alarm_level level;
	uint64_t level_since_ms;
	uint64_t ack_until_ms;
	unsigned tick;
	struct prompt queue[ACTIONS_VOICE_QUEUE_MAX];
	size_t n_queue;
	char *argv[VOICE_ARGS_MAX + 2];
	char argv_buf[256];
	size_t n_argv;
};

const char *alarm_level_to_string(enum alarm_level l)
{
	return l >= 0 && l < _ALARM_LEVEL_MAX ? level_names[l] : NULL;
}

static uint64_t now_ms(struct actions *a)
{
	uint64_t usec = 0;

	sd_event_now(a->event, CLOCK_MONOTONIC, &usec);
	return usec / 1000;
}

static int open_output(const char *chip_name, unsigned offset, const char *what,
		       struct gpiod_chip **chip, struct gpiod_line **line)
{
	*chip = gpiod_chip_open_lookup(chip_name);
	if (!*chip)
		return log_error_errno(-errno, "actions: cannot open GPIO chip '%s' for the %s: %m",
				       chip_name, what);
	*line = gpiod_chip_get_line(*chip, offset);
	if (!*line || gpiod_line_request_output(*line, "bedlink", 0) < 0)
		return log_error_errno(-errno, "actions: cannot drive line %u of '%s' (%s): %m",
				       offset, chip_name, what);
	return 0;
}

static void set_line(struct gpiod_line *line, bool on)
{
	if (line)
		(void)gpiod_line_set_value(line, on);
}

static void update_outputs(struct actions *a)
{
	uint64_t now = now_ms(a);
	unsigned t = a->tick;
	bool led = false, buzzer = false;

	if (now < a->ack_until_ms) {
		/* Acknowledgement: LED steady, two 200 ms beeps at the start. */
		led = true;
		buzzer = t == 0 || t == 1 || t == 4 || t == 5;
	} else if (a->level != ALARM_NONE) {
		unsigned half = patterns[a->level].led_half;
		bool silenced = a->config.buzzer_silence_s &&
				now - a->level_since_ms >= a->config.buzzer_silence_s * 1000ULL;

		led = half && (t / half) % 2 == 0;
		buzzer = !silenced && patterns[a->level].beep_period &&
			 t % patterns[a->level].beep_period < patterns[a->level].beep_on;
	}
	set_line(a->led, led);
	set_line(a->buzzer, buzzer);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct actions *a = userdata;

	a->tick++;
	update_outputs(a);
	if (a->level == ALARM_NONE && now_ms(a) >= a->ack_until_ms) {
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
		return 0;
	}
	sd_event_source_set_time(s, usec + TICK_MS * 1000);
	return 0;
}

static void start_ticking(struct actions *a)
{
	uint64_t usec = 0;

	a->tick = 0;
	update_outputs(a);
	sd_event_now(a->event, CLOCK_MONOTONIC, &usec);
	sd_event_source_set_time(a->timer, usec + TICK_MS * 1000);
	sd_event_source_set_enabled(a->timer, SD_EVENT_ON);
}

void actions_alarm(struct actions *a, enum alarm_level level)
{
	if (level == a->level)
		return;
	log_notice("actions: alarm %s -> %s", alarm_level_to_string(a->level),
		   alarm_level_to_string(level));
	a->level = level;
	a->level_since_ms = now_ms(a);
	start_ticking(a);
}

void actions_acknowledge(struct actions *a)
{
	log_notice("actions: acknowledging at the bedside (LED steady, two beeps)");
	a->ack_until_ms = now_ms(a) + ACK_SHOW_MS;
	start_ticking(a);
}

enum alarm_level actions_level(const struct actions *a)
{
	return a->level;
}

static void speak_next(struct actions *a);

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata)
{
	struct actions *a = userdata;

	if (si->si_code != CLD_EXITED || si->si_status != 0)
		log_warning("actions: voice command '%s' failed (%s %d)", a->config.voice_command,
			    si->si_code == CLD_EXITED ? "exit status" : "signal", si->si_status);
	a->child = sd_event_source_disable_unref(s);
	speak_next(a);
	return 0;
}

static void speak_next(struct actions *a)
{
	pid_t pid;
	int r;

	if (a->child || a->n_queue == 0 || a->n_argv == 0)
		return;
	a->argv[a->n_argv] = a->queue[0].text;
	a->argv[a->n_argv + 1] = NULL;
	r = posix_spawn(&pid, a->argv[0], NULL, NULL, a->argv, environ);
	if (r != 0) {
		log_error_errno(-r, "actions: cannot run voice command '%s': %m", a->argv[0]);
		a->n_queue = 0;
		return;
	}
	r = sd_event_add_child(a->event, &a->child, pid, WEXITED, on_child, a);
	if (r < 0) {
		log_error_errno(r, "actions: cannot watch the voice command: %m");
		(void)waitpid(pid, NULL, 0);
	}
	memmove(&a->queue[0], &a->queue[1], --a->n_queue * sizeof(*a->queue));
	if (r < 0)
		speak_next(a);
}

void actions_say(struct actions *a, const char *text, bool urgent)
{
	size_t at;

	log_notice("actions: voice%s: %s", urgent ? " (urgent)" : "", text);
	if (a->n_argv == 0)
		return;
	if (a->n_queue == ACTIONS_VOICE_QUEUE_MAX) {
		size_t i;

		for (i = 0; i < a->n_queue && a->queue[i].urgent; i++)
			;
		if (i == a->n_queue && !urgent)
			return;
		if (i == a->n_queue)
			i = a->n_queue - 1;
		memmove(&a->queue[i], &a->queue[i + 1], (a->n_queue - i - 1) * sizeof(*a->queue));
		a->n_queue--;
	}
	/* Urgent prompts go behind the urgent ones already waiting, ahead of the rest. */
	for (at = urgent ? 0 : a->n_queue; urgent && at < a->n_queue && a->queue[at].urgent; at++)
		;
	memmove(&a->queue[at + 1], &a->queue[at], (a->n_queue - at) * sizeof(*a->queue));
	snprintf(a->queue[at].text, sizeof(a->queue[at].text), "%s", text);
	a->queue[at].urgent = urgent;
	a->n_queue++;
	speak_next(a);
}

static int split_command(struct actions *a)
{
	char *p = a->argv_buf;

	snprintf(a->argv_buf, sizeof(a->argv_buf), "%s", a->config.voice_command);
	a->n_argv = 0;
	while (*p) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		if (a->n_argv == VOICE_ARGS_MAX)
			return -E2BIG;
		a->argv[a->n_argv++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return 0;
}

int actions_new(sd_event *event, const struct actions_config *c, struct actions **ret)
{
	struct actions *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return log_oom();
	a->config = *c;
	a->event = sd_event_ref(event);
	r = split_command(a);
	if (r < 0) {
		log_error("actions: voice_command has more than %d words", VOICE_ARGS_MAX);
		goto fail;
	}
	if (c->led_chip[0]) {
		r = open_output(c->led_chip, c->led_line, "LED", &a->led_chip, &a->led);
		if (r < 0)
			goto fail;
	}
	if (c->buzzer_chip[0]) {
		r = open_output(c->buzzer_chip, c->buzzer_line, "buzzer", &a->buzzer_chip,
				&a->buzzer);
		if (r < 0)
			goto fail;
	}
	r = sd_event_add_time(event, &a->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_tick, a);
	if (r < 0)
		goto fail;
	sd_event_source_set_enabled(a->timer, SD_EVENT_OFF);
	/* Alarm patterns keep their rhythm under load. */
	sd_event_source_set_priority(a->timer, SD_EVENT_PRIORITY_IMPORTANT);
	*ret = a;
	return 0;
fail:
	actions_free(a);
	return r;
}

struct actions *actions_free(struct actions *a)
{
	if (!a)
		return NULL;
	set_line(a->led, false);
	set_line(a->buzzer, false);
	sd_event_source_disable_unref(a->timer);
	sd_event_source_disable_unref(a->child);
	if (a->led)
		gpiod_line_release(a->led);
	if (a->buzzer)
		gpiod_line_release(a->buzzer);
	if (a->led_chip)
		gpiod_chip_close(a->led_chip);
	if (a->buzzer_chip)
		gpiod_chip_close(a->buzzer_chip);
	sd_event_unref(a->event);
	free(a);
	return NULL;
}
