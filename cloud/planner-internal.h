/* SPDX-License-Identifier: MIT */
/*
 * The planner's configuration struct, shared by planner.c (which reads it)
 * and planner-config.c (which fills it from config/followup/default.conf).
 * Every field is a whole number; glucose is in 0.1 mmol/L, so that limits
 * compare exactly.
 */
#pragma once

struct planner_config {
	/* [routine]: F1, F3 */
	long long routine_interval_days;
	long long routine_grace_days;
	long long routine_window_days;
	long long routine_visits_per_year;
	long long routine_min_spacing_days;
	/* [two_week]: F4, F5, F6 */
	long long two_week_days;
	long long two_week_grace_days;
	/* [referral]: F5 */
	long long referral_overdue_days;
	/* [emergency]: F6 */
	long long emergency_contact_due_hours;
	long long emergency_contact_overdue_hours;
	/* [missed]: F11 */
	long long missed_contact_days;
	/* [control]: F7 */
	long long control_systolic_below;
	long long control_diastolic_below;
	long long control_elderly_age;
	long long control_elderly_systolic_below;
	long long control_elderly_diastolic_below;
	long long control_fasting_glucose_below; /* 0.1 mmol/L */
	/* [home_bp]: F13, BP3 */
	long long home_bp_window_days;
	long long home_bp_min_readings;
	long long home_bp_systolic_at_least;
	long long home_bp_diastolic_at_least;
	/* [annual_check]: F9, F10 */
	long long annual_interval_months;
	long long annual_window_days;
	long long annual_grace_days;
	long long annual_first_due_days;
	long long annual_elderly_age;
	/* [sick_bed]: clinical-defaults §3 */
	long long bed_first_round_due_days;
	long long bed_first_round_overdue_days;
	long long bed_round_interval_days;
	long long bed_round_grace_days;
	long long bed_end_warning_days;
};
