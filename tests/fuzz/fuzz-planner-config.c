// SPDX-License-Identifier: MIT
/*
 * The follow-up planner's config file under libFuzzer: the input,
 * NUL-terminated, is read over the defaults as a region's drop-in would be.
 * A refused file says where and why; an accepted one prints as text that
 * reads back equal, and drives the planner over a fixed busy history to a
 * plan whose every window is ordered and which is stable when held open.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "planner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

#define OFFSET (8 * 3600)

static int64_t at(int y, unsigned m, unsigned d, int hour)
{
	return civil_date_local_midnight(civil_date_to_days(y, m, d), OFFSET) + hour * 3600;
}

/* Every rule fires somewhere in here: F1-F6, F9/F10, F11 and the sick bed. */
static void check_planner(const struct planner_config *c)
{
	static struct followup_plan plan, again;
	struct followup_patient pt = {
		.birth = civil_date_to_days(1960, 2, 29),
		.htn = true,
		.htn_since = civil_date_to_days(2024, 1, 1),
		.t2dm = true,
		.t2dm_since = civil_date_to_days(2024, 7, 1),
		.has_episode = true,
		.episode = { 9, civil_date_to_days(2025, 2, 1), civil_date_to_days(2025, 3, 20) },
	};
	const struct followup_visit visits[] = {
		{ 1, at(2025, 1, 5, 9), FOLLOWUP_SERVICE_CLINIC, FOLLOWUP_PROGRAMME_HTN,
		  FOLLOWUP_CLASS_UNCONTROLLED, false, false, false },
		{ 2, at(2025, 1, 12, 9), FOLLOWUP_SERVICE_PHONE, FOLLOWUP_PROGRAMME_HTN,
		  FOLLOWUP_CLASS_UNCONTROLLED, false, false, false },
		{ 3, at(2025, 1, 20, 9), FOLLOWUP_SERVICE_HOME, FOLLOWUP_PROGRAMME_T2DM,
		  FOLLOWUP_CLASS_ADVERSE_REACTION, false, false, false },
		{ 4, at(2025, 2, 2, 9), FOLLOWUP_SERVICE_BEDSIDE_ROUND, FOLLOWUP_PROGRAMME_NONE,
		  FOLLOWUP_CLASS_NONE, true, false, false },
		{ 5, at(2025, 2, 28, 9), FOLLOWUP_SERVICE_HEALTH_CHECK, FOLLOWUP_PROGRAMME_NONE,
		  FOLLOWUP_CLASS_NONE, false, false, false },
	};
	const struct followup_emergency emergencies[] = {
		{ 1, at(2025, 2, 10, 3), FOLLOWUP_EMERGENCY_BG1 },
		{ 2, at(2025, 2, 10, 23), FOLLOWUP_EMERGENCY_BP1 },
	};
	const struct followup_home_bp home = { 12, 12 * 140, 12 * 80 };
	struct planner_input in = {
		.now = at(2025, 3, 15, 12),
		.utc_offset_s = OFFSET,
		.patient = &pt,
		.visits = visits,
		.n_visits = ELEMENTSOF(visits),
		.emergencies = emergencies,
		.n_emergencies = ELEMENTSOF(emergencies),
		.home_bp = &home,
	};

	require(planner_run(c, &in, &plan) == 0);
	for (size_t i = 0; i < plan.n_tasks; i++) {
		const struct followup_task *t = &plan.tasks[i];

		require(t->earliest <= t->due && t->due <= t->overdue_after);
		require(t->key[0] && t->reason[0] && t->change == FOLLOWUP_CHANGE_NEW);
	}
	in.open = plan.tasks;
	in.n_open = plan.n_tasks;
	require(planner_run(c, &in, &again) == 0);
	require(again.n_closures == 0 && again.n_tasks == plan.n_tasks);
	for (size_t i = 0; i < again.n_tasks; i++)
		require(again.tasks[i].change == FOLLOWUP_CHANGE_UNCHANGED);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = malloc(size + 1);
	_cleanup_free_ char *dump = NULL;
	_cleanup_(planner_config_freep) struct planner_config *c = NULL, *back = NULL;
	struct config_error err;
	char why[256], where[128];
	int r;

	if (!text || planner_config_new(&c) < 0 || planner_config_new(&back) < 0)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&err, 0, sizeof(err));

	r = planner_config_load_string(c, text, "fuzz.conf", &err);
	if (r < 0) {
		require(r == -EINVAL || r == -ERANGE || r == -ENOMEM);
		require(err.message[0] != '\0' && strcmp(err.file, "fuzz.conf") == 0);
		return 0;
	}
	require(planner_config_validate(c, why, sizeof(why)) == 0);
	if (planner_config_to_string(c, &dump) < 0)
		return 0;
	require(planner_config_load_string(back, dump, "dump", &err) == 0);
	require(planner_config_diff(c, back, where, sizeof(where)) == 0);
	check_planner(c);
	return 0;
}
