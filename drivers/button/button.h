/* SPDX-License-Identifier: MIT */
/*
 * The call button (一键呼叫): a GPIO line through libgpiod (edge events) or a
 * Linux input key through evdev (USB "big buttons" that present themselves
 * as a keyboard). Both feed one debouncer that reports a press on the first
 * accepted edge — a call is never delayed to wait out a bounce — and a long
 * press once the button has been held for the configured time. The gateway
 * decides what a press and a long press mean (docs/alerts.md, CALL).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

enum button_source {
	BUTTON_SOURCE_GPIO,
	BUTTON_SOURCE_EVDEV,
	_BUTTON_SOURCE_MAX,
};

enum button_action {
	BUTTON_PRESSED,
	BUTTON_RELEASED,
	BUTTON_LONG_PRESS, /* still held long_press_ms after the press */
	_BUTTON_ACTION_MAX,
};

const char *button_action_to_string(enum button_action a);

/* Leading-edge debouncer and long-press timer, pure: times are arguments (ms). */
struct press_detector {
	uint32_t debounce_ms;
	uint32_t long_press_ms;
	bool down;          /* the accepted level */
	bool long_reported; /* for the current hold */
	bool have_change;
	uint64_t changed_ms; /* when the accepted level last changed */
};

void press_detector_init(struct press_detector *d, uint32_t debounce_ms, uint32_t long_press_ms);

/*
 * The input is now @down at @now_ms. Returns BUTTON_PRESSED or
 * BUTTON_RELEASED when that is an accepted change, or -1 for a bounce (a
 * change within debounce_ms of the last accepted one) or no change.
 */
int press_detector_input(struct press_detector *d, bool down, uint64_t now_ms);

/*
 * Returns BUTTON_LONG_PRESS once per hold when the button has been down for
 * long_press_ms at @now_ms, else -1. *next_ms is when to call again
 * (UINT64_MAX when the button is up or the long press was reported).
 */
int press_detector_tick(struct press_detector *d, uint64_t now_ms, uint64_t *next_ms);

struct button_config {
	char name[33]; /* the gateway's name for this button, for logs and events */
	enum button_source source;
	/* GPIO: chip name, path or number ("gpiochip0", "/dev/gpiochip0", "0"), line offset */
	char chip[64];
	unsigned line;
	bool active_low;
	/* evdev: input device path (/dev/input/by-id/...-event-kbd) and key code
	 * (linux/input-event-codes.h) */
	char evdev[256];
	unsigned key;
	uint32_t debounce_ms;
	uint32_t long_press_ms;
};

typedef void (*button_fn)(void *userdata, const char *name, enum button_action action);

struct button;

/*
 * Opens the button's input and watches it from @event. Returns 0, or a
 * negative errno (the line or device cannot be opened) after logging which.
 */
int button_new(sd_event *event, const struct button_config *c, button_fn fn, void *userdata,
	       struct button **ret);
struct button *button_free(struct button *b);

/* "KEY_ENTER", "enter", or a number, to a key code; -EINVAL when unknown. */
int button_key_from_string(const char *s);
