/* SPDX-License-Identifier: MIT */
/*
 * Local actions at the bedside behind one small interface: the status LED and
 * buzzer on GPIO lines (libgpiod), voice prompts through a configured command
 * (for example `espeak-ng -v cmn`, the text appended as its last argument,
 * never through a shell), and the log, which always gets every action. Any
 * of the outputs may be absent; the log line is then all there is.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "rules.h"

#define ACTIONS_VOICE_QUEUE_MAX 32

struct actions_config {
	char led_chip[64]; /* "" = no LED */
	unsigned led_line;
	char buzzer_chip[64]; /* "" = no buzzer */
	unsigned buzzer_line;
	char voice_command[256];   /* "" = no voice; argv split on spaces */
	uint32_t buzzer_silence_s; /* the buzzer stops after this long; the LED goes on */
};

struct actions;

int actions_new(sd_event *event, const struct actions_config *c, struct actions **ret);
struct actions *actions_free(struct actions *a);

/* The loudest alarm the open alerts ask for; ALARM_NONE turns LED and buzzer off. */
void actions_alarm(struct actions *a, enum alarm_level level);

/*
 * Speaks @text. Prompts are spoken one at a time in order; @urgent ones
 * (calls, P1) go ahead of the queue. When the queue is full the oldest
 * non-urgent prompt makes room.
 */
void actions_say(struct actions *a, const char *text, bool urgent);

/* The bedside acknowledgement of a call: LED steady and two short beeps. */
void actions_acknowledge(struct actions *a);

enum alarm_level actions_level(const struct actions *a);
const char *alarm_level_to_string(enum alarm_level l);
