// SPDX-License-Identifier: MIT
/*
 * The store's objects that people create and read through the admin tool
 * and the JSON API: institutions, teams, users, patients, gateways,
 * family-sick-bed episodes, follow-up tasks, visits and sessions, and the
 * read side of records and quarantine. Each is a column table (store.c)
 * plus the checks the schema cannot make.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "civil-date.h"
#include "log.h"
#include "store-internal.h"

/* Zero rows changed: -ENOENT when the row is missing, else the state was not the one expected. */
static int not_changed(struct store *s, enum sql_id get, const struct sql_param *key, size_t n)
{
	_cleanup_cursor_ struct sql_cursor c = { 0 };
	int r = sql_run(s, get, key, n, &c);

	if (r >= 0)
		r = sql_next(&c);
	if (r < 0)
		return r;
	return r == 0 ? -ENOENT : -EALREADY;
}

static int create(struct store *s, enum sql_id id, const struct table *t, void *obj)
{
	int r = table_insert(s, id, t, obj);

	return r < 0 ? r : 0;
}

/* ---- institutions, teams, users ---- */

int store_institution_create(struct store *s, struct store_institution *inst, int64_t now)
{
	inst->created_at = now;
	return create(s, SQL_INSTITUTION_INSERT, &store_institution_table, inst);
}

int store_institution_get(struct store *s, int64_t id, struct store_institution *ret)
{
	struct sql_param p[] = { sql_int(id) };

	return table_get(s, SQL_INSTITUTION_GET, p, ELEMENTSOF(p), &store_institution_table, ret);
}

int store_institutions_list(struct store *s, int64_t after_id, struct store_institution *out,
			    size_t max)
{
	struct sql_param p[] = { sql_int(after_id), sql_int(store_limit(max)) };

	return table_list(s, SQL_INSTITUTIONS_LIST, p, ELEMENTSOF(p), &store_institution_table, out,
			  sizeof(*out), max);
}

int store_team_create(struct store *s, struct store_team *team, int64_t now)
{
	if (team->institution_id <= 0)
		return log_error_errno(-EINVAL, "store: a team needs an institution");
	team->created_at = now;
	return create(s, SQL_TEAM_INSERT, &store_team_table, team);
}

int store_team_get(struct store *s, int64_t id, struct store_team *ret)
{
	struct sql_param p[] = { sql_int(id) };

	return table_get(s, SQL_TEAM_GET, p, ELEMENTSOF(p), &store_team_table, ret);
}

int store_teams_list(struct store *s, int64_t institution_id, int64_t after_id,
		     struct store_team *out, size_t max)
{
	struct sql_param p[] = { sql_ref(institution_id), sql_int(after_id),
				 sql_int(store_limit(max)) };

	return table_list(s, SQL_TEAMS_LIST, p, ELEMENTSOF(p), &store_team_table, out, sizeof(*out),
			  max);
}

int store_user_create(struct store *s, struct store_user *user, int64_t now)
{
	if (user->institution_id <= 0)
		return log_error_errno(-EINVAL, "store: a user needs an institution");
	user->created_at = now;
	return create(s, SQL_USER_INSERT, &store_user_table, user);
}

int store_user_get(struct store *s, int64_t id, struct store_user *ret)
{
	struct sql_param p[] = { sql_int(id) };

	return table_get(s, SQL_USER_GET, p, ELEMENTSOF(p), &store_user_table, ret);
}

int store_user_get_by_login(struct store *s, const char *login, struct store_user *ret)
{
	struct sql_param p[] = { sql_text(login) };
	int r = store_check_text(login, STORE_LOGIN_MAX, true, "login");

	if (r < 0)
		return r;
	return table_get(s, SQL_USER_BY_LOGIN, p, ELEMENTSOF(p), &store_user_table, ret);
}

int store_users_list(struct store *s, int64_t institution_id, int64_t team_id, int64_t after_id,
		     struct store_user *out, size_t max)
{
	struct sql_param p[] = { sql_ref(institution_id), sql_ref(team_id), sql_int(after_id),
				 sql_int(store_limit(max)) };

	return table_list(s, SQL_USERS_LIST, p, ELEMENTSOF(p), &store_user_table, out, sizeof(*out),
			  max);
}

/* ---- patients, gateways, episodes ---- */

int store_patient_create(struct store *s, struct store_patient *p, int64_t now)
{
	if (p->institution_id <= 0)
		return log_error_errno(-EINVAL, "store: a patient needs an institution");
	if (p->birth == STORE_NO_DATE)
		return log_error_errno(-EINVAL, "store: a patient needs a date of birth");
	/* The gateway speaks the pseudonym on the wire (down/config): the protocol's name rule. */
	if (strnlen(p->pseudonym, sizeof(p->pseudonym)) == sizeof(p->pseudonym) ||
	    !record_name_is_valid(p->pseudonym))
		return log_error_errno(-EINVAL, "store: a pseudonym is 1..%d of A-Z a-z 0-9 _ - .",
				       RECORD_NAME_MAX);
	p->created_at = now;
	return create(s, SQL_PATIENT_INSERT, &store_patient_table, p);
}

int store_patient_get(struct store *s, int64_t id, struct store_patient *ret)
{
	struct sql_param p[] = { sql_int(id) };

	return table_get(s, SQL_PATIENT_GET, p, ELEMENTSOF(p), &store_patient_table, ret);
}

int store_patient_get_by_pseudonym(struct store *s, const char *pseudonym,
				   struct store_patient *ret)
{
	struct sql_param p[] = { sql_text(pseudonym) };
	int r = store_check_text(pseudonym, RECORD_NAME_MAX, true, "pseudonym");

	if (r < 0)
		return r;
	return table_get(s, SQL_PATIENT_BY_PSEUDONYM, p, ELEMENTSOF(p), &store_patient_table, ret);
}

int store_patients_list(struct store *s, int64_t institution_id, int64_t team_id, int64_t after_id,
			struct store_patient *out, size_t max)
{
	struct sql_param p[] = { sql_ref(institution_id), sql_ref(team_id), sql_int(after_id),
				 sql_int(store_limit(max)) };

	return table_list(s, SQL_PATIENTS_LIST, p, ELEMENTSOF(p), &store_patient_table, out,
			  sizeof(*out), max);
}

int store_gateway_create(struct store *s, struct store_gateway *gw, int64_t now)
{
	int r;

	if (!store_gateway_id_is_valid(gw->id))
		return log_error_errno(-EINVAL, "store: a gateway id is 1..%d of A-Z a-z 0-9 - _",
				       STORE_GATEWAY_ID_MAX);
	gw->created_at = now;
	r = table_insert(s, SQL_GATEWAY_INSERT, &store_gateway_table, gw);
	return r < 0 ? r : 0;
}

int store_gateway_get(struct store *s, const char *id, struct store_gateway *ret)
{
	struct sql_param p[] = { sql_text(id) };

	if (!store_gateway_id_is_valid(id))
		return log_error_errno(-EINVAL, "store: not a gateway id");
	return table_get(s, SQL_GATEWAY_GET, p, ELEMENTSOF(p), &store_gateway_table, ret);
}

int store_gateways_list(struct store *s, const char *after_id, struct store_gateway *out,
			size_t max)
{
	struct sql_param p[] = { sql_text(after_id ? after_id : ""), sql_int(store_limit(max)) };
	int r = store_check_text(after_id ? after_id : "", STORE_GATEWAY_ID_MAX, false,
				 "gateway id");

	if (r < 0)
		return r;
	return table_list(s, SQL_GATEWAYS_LIST, p, ELEMENTSOF(p), &store_gateway_table, out,
			  sizeof(*out), max);
}

int store_gateway_bind(struct store *s, const char *id, int64_t patient_id)
{
	struct sql_param p[] = { sql_text(id), sql_ref(patient_id) };
	int64_t n;

	if (!store_gateway_id_is_valid(id) || patient_id < 0)
		return log_error_errno(-EINVAL, "store: bad gateway id or patient");
	n = sql_exec(s, SQL_GATEWAY_BIND, p, ELEMENTSOF(p));
	if (n < 0)
		return (int)n;
	return n == 0 ? -ENOENT : 0;
}

int store_episode_open(struct store *s, struct store_episode *e, int64_t now)
{
	if (e->patient_id <= 0 || e->doctor_id <= 0)
		return log_error_errno(-EINVAL, "store: an episode needs a patient and a doctor");
	if (e->opened == STORE_NO_DATE || e->planned_end == STORE_NO_DATE ||
	    e->closed != STORE_NO_DATE)
		return log_error_errno(-EINVAL,
				       "store: an episode opens with dates and not closed");
	e->created_at = now;
	return create(s, SQL_EPISODE_INSERT, &store_episode_table, e);
}

int store_episode_get(struct store *s, int64_t id, struct store_episode *ret)
{
	struct sql_param p[] = { sql_int(id) };

	return table_get(s, SQL_EPISODE_GET, p, ELEMENTSOF(p), &store_episode_table, ret);
}

int store_episodes_list(struct store *s, int64_t patient_id, bool open_only, int64_t after_id,
			struct store_episode *out, size_t max)
{
	struct sql_param p[] = { sql_ref(patient_id), sql_int(open_only), sql_int(after_id),
				 sql_int(store_limit(max)) };

	return table_list(s, SQL_EPISODES_LIST, p, ELEMENTSOF(p), &store_episode_table, out,
			  sizeof(*out), max);
}

int store_episode_close(struct store *s, int64_t id, int32_t closed, const char *outcome,
			const char *summary)
{
	struct sql_param p[] = { sql_int(id), sql_date(closed), sql_text(outcome),
				 sql_text(summary) };
	int64_t n;
	int r;

	if (closed == STORE_NO_DATE || !civil_date_days_is_valid(closed))
		return log_error_errno(-EINVAL, "store: an episode closes on a date");
	r = store_check_text(outcome, STORE_WORD_MAX, true, "episode outcome");
	if (r >= 0)
		r = store_check_text(summary, STORE_TEXT_MAX, false, "episode summary");
	if (r < 0)
		return r;
	n = sql_exec(s, SQL_EPISODE_CLOSE, p, ELEMENTSOF(p));
	if (n < 0)
		return (int)n;
	return n > 0 ? 0 : not_changed(s, SQL_EPISODE_GET, p, 1);
}

/* ---- records and quarantine, read side ---- */

int store_quarantine_list(struct store *s, const char *gateway_id, int64_t after_id,
			  struct store_quarantined *out, size_t max)
{
	struct sql_param p[] = { sql_text_or_null(gateway_id), sql_int(after_id),
				 sql_int(store_limit(max)) };
	int r = store_check_text(gateway_id ? gateway_id : "", STORE_GATEWAY_ID_MAX, false,
				 "gateway id");

	if (r < 0)
		return r;
	return table_list(s, SQL_QUARANTINE_LIST, p, ELEMENTSOF(p), &store_quarantine_table, out,
			  sizeof(*out), max);
}

int store_readings(struct store *s, int64_t patient_id, int64_t from, int64_t to, size_t max,
		   store_record_fn fn, void *userdata)
{
	struct sql_param p[] = { sql_int(patient_id), sql_int(from), sql_int(to),
				 sql_int(store_limit(max)) };
	_cleanup_cursor_ struct sql_cursor c = { 0 };
	int count = 0, r;

	if (max == 0)
		return 0;
	r = sql_run(s, SQL_READINGS, p, ELEMENTSOF(p), &c);
	while (r >= 0) {
		struct store_record_row row = { .kind = RECORD_READING };

		r = sql_next(&c);
		if (r <= 0)
			break;
		row.gateway_id = sql_col_text(&c, 0, NULL);
		row.seq = (uint64_t)sql_col_int(&c, 1);
		row.ts = sql_col_int(&c, 2);
		row.received = sql_col_int(&c, 3);
		row.json = sql_col_text(&c, 4, &row.json_len);
		if (!row.gateway_id || !row.json)
			return log_error_errno(-EIO, "store: a stored record has no text");
		r = fn(&row, userdata);
		if (r >= 0)
			count++;
	}
	return r < 0 ? r : count;
}

/* ---- follow-up tasks ---- */

static int check_task(const struct followup_task *t)
{
	size_t n = strnlen(t->key, sizeof(t->key));

	if (n == 0 || n == sizeof(t->key))
		return log_error_errno(-EINVAL, "store: a task key is 1..%d bytes",
				       FOLLOWUP_KEY_MAX - 1);
	if (t->earliest > t->due || t->due > t->overdue_after)
		return log_error_errno(
			-EINVAL, "store: task '%s' has earliest > due > overdue_after", t->key);
	return 0;
}

int store_task_upsert(struct store *s, int64_t patient_id, const struct followup_task *t,
		      int64_t now)
{
	struct store_task row = {
		.patient_id = patient_id,
		.task = *t,
		.state = STORE_TASK_OPEN,
		.created_at = now,
		.updated_at = now,
	};
	struct sql_param p[10];
	int r = check_task(t);

	if (r < 0)
		return r;
	r = tx_begin(s);
	if (r < 0)
		return r;
	r = table_insert(s, SQL_TASK_INSERT, &store_task_table, &row);
	if (r == 0) {
		int64_t n;

		p[0] = sql_int(patient_id);
		p[1] = sql_text(row.task.key);
		p[2] = sql_text(followup_kind_to_string(t->kind));
		p[3] = sql_text(followup_programme_to_string(t->programme));
		p[4] = sql_text(followup_rule_to_string(t->rule));
		p[5] = sql_date(t->earliest);
		p[6] = sql_date(t->due);
		p[7] = sql_date(t->overdue_after);
		p[8] = sql_text(row.task.reason);
		p[9] = sql_int(now);
		n = sql_exec(s, SQL_TASK_UPDATE, p, ELEMENTSOF(p));
		r = n < 0 ? (int)n : n > 0 ? 0 : not_changed(s, SQL_TASK_STATE, p, 2);
	}
	return tx_end(s, r);
}

int store_task_close(struct store *s, int64_t patient_id, const char *key,
		     enum store_task_state state, int64_t visit_id, int64_t now)
{
	struct sql_param p[] = { sql_int(patient_id), sql_text(key),
				 sql_text(store_task_state_to_string(state)), sql_ref(visit_id),
				 sql_int(now) };
	int64_t n;
	int r = store_check_text(key, FOLLOWUP_KEY_MAX - 1, true, "task key");

	if (r < 0)
		return r;
	if (state != STORE_TASK_DONE && state != STORE_TASK_WITHDRAWN)
		return log_error_errno(-EINVAL, "store: a task closes as done or withdrawn");
	if (visit_id < 0 || (visit_id > 0 && state != STORE_TASK_DONE))
		return log_error_errno(-EINVAL, "store: only a done task names a visit");
	n = sql_exec(s, SQL_TASK_CLOSE, p, ELEMENTSOF(p));
	if (n < 0)
		return (int)n;
	return n > 0 ? 0 : not_changed(s, SQL_TASK_STATE, p, 2);
}

int store_tasks_list(struct store *s, const struct store_task_filter *f, struct store_task *out,
		     size_t max)
{
	struct sql_param p[] = {
		sql_ref(f->patient_id),
		sql_ref(f->team_id),
		sql_ref(f->institution_id),
		f->by_state ? sql_text(store_task_state_to_string(f->state)) : sql_null(),
		sql_date(f->due_until),
		sql_date(f->overdue_before),
		sql_int(store_limit(max)),
	};

	if (f->by_state && !store_task_state_to_string(f->state))
		return log_error_errno(-EINVAL, "store: no task state %u", (unsigned)f->state);
	return table_list(s, SQL_TASKS_LIST, p, ELEMENTSOF(p), &store_task_table, out, sizeof(*out),
			  max);
}

int store_tasks_overdue(struct store *s, int64_t team_id, int32_t today, struct store_task *out,
			size_t max)
{
	struct store_task_filter f = {
		.team_id = team_id,
		.by_state = true,
		.state = STORE_TASK_OPEN,
		.due_until = STORE_NO_DATE,
		.overdue_before = today,
	};

	return store_tasks_list(s, &f, out, max);
}

/* ---- visits ---- */

int store_visit_insert(struct store *s, struct store_visit *v, int64_t now)
{
	bool form =
		v->programme == FOLLOWUP_PROGRAMME_HTN || v->programme == FOLLOWUP_PROGRAMME_T2DM;

	if (v->patient_id <= 0 || v->staff_id <= 0)
		return log_error_errno(-EINVAL,
				       "store: a visit needs a patient and a staff member");
	if (v->flags & ~STORE_VISIT_FLAGS_ALL)
		return log_error_errno(-EINVAL, "store: unknown visit flags 0x%x", v->flags);
	if (v->classification != FOLLOWUP_CLASS_NONE && !form)
		return log_error_errno(
			-EINVAL, "store: only an HTN or T2DM follow-up form has a classification");
	v->created_at = now;
	return create(s, SQL_VISIT_INSERT, &store_visit_table, v);
}

int store_visits_list(struct store *s, int64_t patient_id, int64_t after_id,
		      struct store_visit *out, size_t max)
{
	struct sql_param p[] = { sql_int(patient_id), sql_int(after_id),
				 sql_int(store_limit(max)) };

	return table_list(s, SQL_VISITS_LIST, p, ELEMENTSOF(p), &store_visit_table, out,
			  sizeof(*out), max);
}

/* ---- sessions ---- */

int store_session_create(struct store *s, const struct store_session *session)
{
	struct store_session copy = *session;

	if (copy.user_id <= 0 || copy.expires_at <= copy.created_at)
		return log_error_errno(-EINVAL, "store: a session needs a user and a lifetime");
	return create(s, SQL_SESSION_INSERT, &store_session_table, &copy);
}

int store_session_get(struct store *s, const char *token_hash, int64_t now,
		      struct store_session *ret)
{
	struct sql_param p[] = { sql_text(token_hash) };
	int r = store_check_text(token_hash, STORE_TOKEN_MAX, true, "session token hash");

	if (r < 0)
		return r;
	r = table_get(s, SQL_SESSION_GET, p, ELEMENTSOF(p), &store_session_table, ret);
	if (r < 0)
		return r;
	return ret->expires_at <= now ? -EKEYEXPIRED : 0;
}

int store_session_delete(struct store *s, const char *token_hash)
{
	struct sql_param p[] = { sql_text(token_hash) };
	int64_t n;
	int r = store_check_text(token_hash, STORE_TOKEN_MAX, true, "session token hash");

	if (r < 0)
		return r;
	n = sql_exec(s, SQL_SESSION_DELETE, p, ELEMENTSOF(p));
	if (n < 0)
		return (int)n;
	return n > 0 ? 0 : -ENOENT;
}

int store_sessions_prune(struct store *s, int64_t now)
{
	struct sql_param p[] = { sql_int(now) };
	int64_t n = sql_exec(s, SQL_SESSIONS_PRUNE, p, ELEMENTSOF(p));

	return n < 0 ? (int)n : n > INT32_MAX ? INT32_MAX : (int)n;
}
