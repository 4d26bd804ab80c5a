// SPDX-License-Identifier: MIT
/*
 * Call-button inputs on sd-event: a libgpiod line requested for both edges,
 * or an evdev key, both through the pure press detector. The long-press timer
 * is an sd-event timer re-armed from press_detector_tick().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <gpiod.h>
#include <linux/input.h>

#include "button.h"
#include "log.h"
#include "macro.h"

static const char *const action_names[_BUTTON_ACTION_MAX] = {
	[BUTTON_PRESSED] = "pressed",
	[BUTTON_RELEASED] = "released",
	[BUTTON_LONG_PRESS] = "long_press",
};

const char *button_action_to_string(enum button_action a)
{
	return a >= 0 && a < _BUTTON_ACTION_MAX ? action_names[a] : NULL;
}

void press_detector_init(struct press_detector *d, uint32_t debounce_ms, uint32_t long_press_ms)
{
	*d = (struct press_detector){ .debounce_ms = debounce_ms, .long_press_ms = long_press_ms };
}

int press_detector_input(struct press_detector *d, bool down, uint64_t now_ms)
{
	if (down == d->down)
		return -1;
	if (d->have_change && now_ms - d->changed_ms < d->debounce_ms)
		return -1;
	d->down = down;
	d->have_change = true;
	d->changed_ms = now_ms;
	d->long_reported = false;
	return down ? BUTTON_PRESSED : BUTTON_RELEASED;
}

int press_detector_tick(struct press_detector *d, uint64_t now_ms, uint64_t *next_ms)
{
	*next_ms = UINT64_MAX;
	if (!d->down || d->long_reported)
		return -1;
	if (now_ms - d->changed_ms >= d->long_press_ms) {
		d->long_reported = true;
		return BUTTON_LONG_PRESS;
	}
	*next_ms = d->changed_ms + d->long_press_ms;
	return -1;
}

static const struct {
	const char *name;
	unsigned code;
} keys[] = {
	{ "KEY_ENTER", KEY_ENTER },       { "KEY_SPACE", KEY_SPACE },
	{ "KEY_F13", KEY_F13 },           { "KEY_OK", KEY_OK },
	{ "KEY_HELP", KEY_HELP },         { "KEY_PLAYPAUSE", KEY_PLAYPAUSE },
	{ "KEY_VOLUMEUP", KEY_VOLUMEUP }, { "BTN_0", BTN_0 },
	{ "BTN_LEFT", BTN_LEFT },
};

int button_key_from_string(const char *s)
{
	char *end;
	long v;

	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (strcasecmp(s, keys[i].name) == 0 || strcasecmp(s, keys[i].name + 4) == 0)
			return (int)keys[i].code;
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < 1 || v > KEY_MAX)
		return -EINVAL;
	return (int)v;
}

struct button {
	struct button_config config;
	sd_event *event;
	sd_event_source *io;
	sd_event_source *timer;
	struct press_detector detector;
	button_fn fn;
	void *userdata;
	struct gpiod_chip *chip;
	struct gpiod_line *line;
	int fd; /* evdev; the GPIO event fd belongs to libgpiod */
};

static uint64_t now_ms(struct button *b)
{
	uint64_t usec = 0;

	sd_event_now(b->event, CLOCK_MONOTONIC, &usec);
	return usec / 1000;
}

static void rearm(struct button *b)
{
	uint64_t next;
	int a = press_detector_tick(&b->detector, now_ms(b), &next);

	if (a >= 0)
		b->fn(b->userdata, b->config.name, (enum button_action)a);
	if (next == UINT64_MAX) {
		sd_event_source_set_enabled(b->timer, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(b->timer, next * 1000);
	sd_event_source_set_enabled(b->timer, SD_EVENT_ONESHOT);
}

static void input(struct button *b, bool down)
{
	int a = press_detector_input(&b->detector, down, now_ms(b));

	if (a < 0)
		return;
	b->fn(b->userdata, b->config.name, (enum button_action)a);
	rearm(b);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	rearm(userdata);
	return 0;
}

static int on_gpio(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct button *b = userdata;
	struct gpiod_line_event ev;

	(void)s;
	(void)revents;
	if (gpiod_line_event_read_fd(fd, &ev) < 0) {
		log_warning_errno(-errno, "button '%s': cannot read the GPIO event: %m",
				  b->config.name);
		return 0;
	}
	/* With active_low requested, libgpiod reports "rising" when the line becomes active. */
	input(b, ev.event_type == GPIOD_LINE_EVENT_RISING_EDGE);
	return 0;
}

static int on_evdev(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct button *b = userdata;
	struct input_event ev[16];
	ssize_t n;

	(void)s;
	if (revents & (EPOLLHUP | EPOLLERR)) {
		log_error("button '%s': input device '%s' went away", b->config.name,
			  b->config.evdev);
		sd_event_source_set_enabled(b->io, SD_EVENT_OFF);
		return 0;
	}
	n = read(fd, ev, sizeof(ev));
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warning_errno(-errno, "button '%s': cannot read '%s': %m",
					  b->config.name, b->config.evdev);
		return 0;
	}
	for (size_t i = 0; i < (size_t)n / sizeof(*ev); i++)
		/* value 2 is auto-repeat while held: not a new press. */
		if (ev[i].type == EV_KEY && ev[i].code == b->config.key && ev[i].value != 2)
			input(b, ev[i].value == 1);
	return 0;
}

static int open_gpio(struct button *b)
{
	int flags = b->config.active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW |
						   GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP
					 : 0;
	int fd;

	b->chip = gpiod_chip_open_lookup(b->config.chip);
	if (!b->chip)
		return log_error_errno(-errno, "button '%s': cannot open GPIO chip '%s': %m",
				       b->config.name, b->config.chip);
	b->line = gpiod_chip_get_line(b->chip, b->config.line);
	if (!b->line)
		return log_error_errno(-errno, "button '%s': GPIO chip '%s' has no line %u: %m",
				       b->config.name, b->config.chip, b->config.line);
	if (gpiod_line_request_both_edges_events_flags(b->line, "bedlink-call-button", flags) < 0)
		return log_error_errno(-errno, "button '%s': cannot request line %u of '%s': %m",
				       b->config.name, b->config.line, b->config.chip);
	fd = gpiod_line_event_get_fd(b->line);
	if (fd < 0)
		return log_error_errno(-errno, "button '%s': no event fd: %m", b->config.name);
	/* Start from the line's present level, so a button held at start-up is not a press. */
	b->detector.down = gpiod_line_get_value(b->line) == 1;
	return sd_event_add_io(b->event, &b->io, fd, EPOLLIN, on_gpio, b);
}

static int open_evdev(struct button *b)
{
	b->fd = open(b->config.evdev, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (b->fd < 0)
		return log_error_errno(-errno, "button '%s': cannot open input device '%s': %m",
				       b->config.name, b->config.evdev);
	/* Keep the key from typing into a console; a FIFO (tests) is not an input device. */
	if (ioctl(b->fd, EVIOCGRAB, 1) < 0 && errno != ENOTTY && errno != EINVAL)
		log_warning_errno(-errno, "button '%s': cannot grab '%s': %m", b->config.name,
				  b->config.evdev);
	return sd_event_add_io(b->event, &b->io, b->fd, EPOLLIN, on_evdev, b);
}

int button_new(sd_event *event, const struct button_config *c, button_fn fn, void *userdata,
	       struct button **ret)
{
	struct button *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return log_oom();
	b->config = *c;
	b->event = sd_event_ref(event);
	b->fn = fn;
	b->userdata = userdata;
	b->fd = -1;
	press_detector_init(&b->detector, c->debounce_ms, c->long_press_ms);
	r = sd_event_add_time(event, &b->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timer, b);
	if (r >= 0)
		r = sd_event_source_set_enabled(b->timer, SD_EVENT_OFF);
	if (r >= 0)
		r = c->source == BUTTON_SOURCE_GPIO ? open_gpio(b) : open_evdev(b);
	if (r < 0) {
		button_free(b);
		return r;
	}
	/* A call button is never starved by bulk work on the loop. */
	sd_event_source_set_priority(b->io, SD_EVENT_PRIORITY_IMPORTANT);
	*ret = b;
	return 0;
}

struct button *button_free(struct button *b)
{
	if (!b)
		return NULL;
	sd_event_source_disable_unref(b->io);
	sd_event_source_disable_unref(b->timer);
	if (b->line)
		gpiod_line_release(b->line);
	if (b->chip)
		gpiod_chip_close(b->chip);
	if (b->fd >= 0)
		close(b->fd);
	sd_event_unref(b->event);
	free(b);
	return NULL;
}
