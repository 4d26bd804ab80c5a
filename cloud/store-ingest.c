// SPDX-License-Identifier: MIT
/*
 * Ingest and the alert lifecycle. store_ingest() stores a batch of gateway
 * messages in one transaction, exactly once per (gateway, seq), merges alert
 * records into one row per (gateway, alert_id), applies status records and
 * says what to acknowledge and whom to notify. Every write happens in one
 * order (records by gateway and seq, alerts by gateway and alert_id, then
 * the gateway rows, all locked by id before any is written), so that two
 * processes ingesting overlapping batches on PostgreSQL wait for each other
 * instead of deadlocking. The transitions below are checked against the
 * state they expect, so that two people acting at once change an alert once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store-internal.h"

#define INGEST_ATTEMPTS 5

/* One entry of the batch, as the store sorts and writes it. */
struct entry {
	size_t index; /* in the caller's array */
	const char *gateway_id;
	uint64_t seq; /* 0: none (status, or a quarantined payload without one) */
	int64_t ts;
	int64_t received;
	const struct record *record; /* NULL: quarantine */
	const char *reason;
	const char *payload;
	size_t payload_len;
};

struct plan {
	struct entry *records; /* readings, alerts, events, by (gateway, seq) */
	size_t n_records;
	struct entry *quarantine; /* by (gateway, seq) */
	size_t n_quarantine;
	struct entry *status; /* by (gateway, ts) */
	size_t n_status;
	struct ingest_row *rows; /* records[] for the backend */
	bool *inserted;          /* records[i] was new */
	struct entry **alerts;   /* new alert records, by (gateway, alert_id, seq) */
	size_t n_alerts;
	const char **gateways; /* every gateway of the batch, once, in id order */
	int64_t *seen;         /* the latest reception from each */
	size_t n_gateways;
};

static void plan_free(struct plan *p)
{
	free(p->records);
	free(p->quarantine);
	free(p->status);
	free(p->rows);
	free(p->inserted);
	free(p->alerts);
	free(p->gateways);
	free(p->seen);
}

static int compare_by_seq(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->gateway_id, y->gateway_id);

	if (c)
		return c;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int compare_by_ts(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->gateway_id, y->gateway_id);

	if (c)
		return c;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int compare_alerts(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a,
			   *y = *(const struct entry *const *)b;
	int c = strcmp(x->gateway_id, y->gateway_id);

	if (c)
		return c;
	if (x->record->alert.alert_id != y->record->alert.alert_id)
		return x->record->alert.alert_id < y->record->alert.alert_id ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Checks entry @i and files it under records, quarantine or status. */
static int plan_entry(struct plan *p, const struct store_incoming *in, size_t i)
{
	struct entry e = {
		.index = i,
		.gateway_id = in->gateway_id,
		.received = in->received,
		.record = in->record,
		.reason = in->reason,
		.payload = in->payload,
		.payload_len = in->payload_len,
	};

	if (!store_gateway_id_is_valid(in->gateway_id))
		return log_error_errno(-EINVAL, "store: ingest entry %zu: not a gateway id", i);
	if (!in->payload && in->payload_len > 0)
		return log_error_errno(-EINVAL, "store: ingest entry %zu: no payload", i);
	if (!in->record) {
		if (!in->reason || in->seq > RECORD_INT_MAX)
			return log_error_errno(-EINVAL,
					       "store: ingest entry %zu: neither a record nor a "
					       "reason and seq for quarantine",
					       i);
		e.seq = in->seq;
		p->quarantine[p->n_quarantine++] = e;
		return 0;
	}
	if ((unsigned)in->record->kind >= _RECORD_KIND_MAX || !in->payload ||
	    in->payload_len > RECORD_JSON_MAX)
		return log_error_errno(-EINVAL, "store: ingest entry %zu from '%s': bad record", i,
				       in->gateway_id);
	e.ts = in->record->ts;
	if (in->record->kind == RECORD_STATUS) {
		p->status[p->n_status++] = e;
		return 0;
	}
	e.seq = in->record->seq;
	if (e.seq == 0 || e.seq > RECORD_INT_MAX)
		return log_error_errno(-EINVAL, "store: ingest entry %zu from '%s': seq %" PRIu64,
				       i, in->gateway_id, e.seq);
	if (!store_utf8_is_valid(in->payload, in->payload_len)) {
		/* The database would refuse the text, and with it the batch: keep it aside. */
		e.record = NULL;
		e.reason = "record text is not valid UTF-8";
		p->quarantine[p->n_quarantine++] = e;
		return 0;
	}
	p->records[p->n_records++] = e;
	return 0;
}

static int plan_build(struct plan *p, const struct store_incoming *items, size_t n)
{
	p->records = calloc(n, sizeof(*p->records));
	p->quarantine = calloc(n, sizeof(*p->quarantine));
	p->status = calloc(n, sizeof(*p->status));
	p->rows = calloc(n, sizeof(*p->rows));
	p->inserted = calloc(n, sizeof(*p->inserted));
	p->alerts = calloc(n, sizeof(*p->alerts));
	if (!p->records || !p->quarantine || !p->status || !p->rows || !p->inserted || !p->alerts)
		return log_oom();
	for (size_t i = 0; i < n; i++) {
		int r = plan_entry(p, &items[i], i);

		if (r < 0)
			return r;
	}
	qsort(p->records, p->n_records, sizeof(*p->records), compare_by_seq);
	qsort(p->quarantine, p->n_quarantine, sizeof(*p->quarantine), compare_by_seq);
	qsort(p->status, p->n_status, sizeof(*p->status), compare_by_ts);
	for (size_t i = 0; i < p->n_records; i++) {
		const struct entry *e = &p->records[i];

		p->rows[i] = (struct ingest_row){
			.gateway_id = e->gateway_id,
			.seq = e->seq,
			.kind = record_kind_to_string(e->record->kind),
			.ts = e->ts,
			.received = e->received,
			.json = e->payload,
			.json_len = e->payload_len,
		};
	}
	return 0;
}

/* ---- quarantine ---- */

/* A reason as UTF-8 text of at most STORE_REASON_MAX bytes: bad bytes and controls become '?'. */
static void clean_reason(const char *in, char *out)
{
	size_t o = 0;

	for (size_t i = 0; in[i] && o < STORE_REASON_MAX;) {
		unsigned char c = (unsigned char)in[i];
		size_t k = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

		if (c < 0x20 || c == 0x7f || strnlen(in + i, k) < k ||
		    !store_utf8_is_valid(in + i, k)) {
			out[o++] = '?';
			i++;
			continue;
		}
		if (o + k > STORE_REASON_MAX)
			break;
		memcpy(out + o, in + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
}

static int write_quarantine(struct store *s, const struct plan *p, struct store_ingest_result *res)
{
	for (size_t i = 0; i < p->n_quarantine; i++) {
		const struct entry *e = &p->quarantine[i];
		char reason[STORE_REASON_MAX + 1];
		size_t kept = e->payload_len < STORE_QUARANTINE_MAX ? e->payload_len
								    : STORE_QUARANTINE_MAX;
		struct sql_param q[6];
		int64_t n;

		clean_reason(e->reason, reason);
		q[0] = sql_text(e->gateway_id);
		q[1] = sql_ref((int64_t)e->seq);
		q[2] = sql_int(e->received);
		q[3] = sql_text(reason);
		q[4] = sql_blob(e->payload ? e->payload : "", kept);
		q[5] = sql_int((int64_t)e->payload_len);
		n = sql_exec(s, SQL_QUARANTINE_INSERT, q, ELEMENTSOF(q));
		if (n < 0)
			return (int)n;
		res->n_quarantined += (size_t)n;
		if (n > 0)
			log_warning("store: quarantined a message from '%s' (seq %" PRIu64 "): %s",
				    e->gateway_id, e->seq, reason);
	}
	return 0;
}

/* ---- alerts ---- */

static void note_change(struct store_ingest_result *res, const struct store_alert *a, bool created)
{
	struct store_alert_change *c = NULL;

	/* Records of one alert arrive sorted together: they fold into one change. */
	if (res->n_alerts > 0 && res->alerts[res->n_alerts - 1].alert_id == a->id) {
		c = &res->alerts[res->n_alerts - 1];
		created = created || c->created;
	} else if (res->n_alerts < STORE_INGEST_MAX) {
		c = &res->alerts[res->n_alerts++];
	} else {
		return;
	}
	*c = (struct store_alert_change){
		.alert_id = a->id,
		.created = created,
		.gateway_alert_id = a->gateway_alert_id,
		.patient_id = a->patient_id,
		.severity = a->severity,
		.state = a->state,
		.gateway_state = a->gateway_state,
	};
	memcpy(c->gateway_id, a->gateway_id, sizeof(c->gateway_id));
	memcpy(c->rule, a->rule, sizeof(c->rule));
}

static int64_t escalation_at(struct store *s, enum severity sev, int64_t received)
{
	int64_t delay = s->escalate_after_ms[sev];

	return delay > 0 ? received + delay : 0;
}

static int alert_create(struct store *s, const struct entry *e, struct store_alert *a,
			bool *created)
{
	const struct alert *al = &e->record->alert;
	_cleanup_cursor_ struct sql_cursor c = { 0 };
	struct sql_param p[] = {
		sql_text(e->gateway_id),
		sql_int((int64_t)al->alert_id),
		sql_text(al->rule),
		sql_text(severity_to_string(al->severity)),
		sql_text(alert_state_to_string(al->state)),
		sql_text(al->message),
		sql_int(e->ts),
		sql_int(e->received),
		sql_int((int64_t)e->seq),
		sql_ref(escalation_at(s, al->severity, e->received)),
	};
	int r;

	if (!severity_to_string(al->severity) || !alert_state_to_string(al->state) ||
	    !store_utf8_is_valid(al->message, strnlen(al->message, sizeof(al->message))) ||
	    !store_utf8_is_valid(al->rule, strnlen(al->rule, sizeof(al->rule))))
		return log_error_errno(-EINVAL, "store: alert %" PRIu64 " of '%s' is not valid",
				       al->alert_id, e->gateway_id);
	r = sql_run(s, SQL_ALERT_INSERT, p, ELEMENTSOF(p), &c);
	if (r >= 0)
		r = sql_next(&c);
	if (r <= 0)
		return r;
	*a = (struct store_alert){
		.id = sql_col_int(&c, 0),
		.gateway_alert_id = al->alert_id,
		.patient_id = sql_col_null(&c, 1) ? 0 : sql_col_int(&c, 1),
		.severity = al->severity,
		.state = STORE_ALERT_RAISED,
		.gateway_state = al->state,
	};
	memcpy(a->gateway_id, e->gateway_id, strlen(e->gateway_id) + 1);
	memcpy(a->rule, al->rule, sizeof(a->rule));
	*created = true;
	return 1;
}

/*
 * Folds a record into an existing alert (locked FOR UPDATE on PostgreSQL):
 * the highest seq speaks for the alert, the lowest says when it was raised.
 * A rise in severity before anyone acknowledged brings escalation forward.
 * Returns 1 when a notifier should hear of it, 0 when not.
 */
static int alert_merge(struct store *s, const struct entry *e, struct store_alert *a)
{
	const struct alert *al = &e->record->alert;
	struct sql_param key[] = { sql_text(e->gateway_id), sql_int((int64_t)al->alert_id) };
	struct sql_param p[9];
	bool newer, waiting;
	int64_t next;
	int r;

	r = table_get(s, SQL_ALERT_LOCK, key, ELEMENTSOF(key), &store_alert_table, a);
	if (r < 0)
		return r == -ENOENT ? log_error_errno(-EIO, "store: alert vanished") : r;
	newer = e->seq > a->last_seq;
	waiting = a->state == STORE_ALERT_RAISED || a->state == STORE_ALERT_NOTIFIED;
	next = a->next_escalation_at;
	if (newer && waiting && a->escalation_level == 0 && al->severity < a->severity) {
		int64_t sooner = escalation_at(s, al->severity, e->received);

		if (sooner > 0 && (next == 0 || sooner < next))
			next = sooner;
	}
	if (e->seq < a->first_seq) {
		a->first_seq = e->seq;
		a->raised_at = e->ts;
	}
	if (newer) {
		a->last_seq = e->seq;
		a->severity = al->severity;
		a->gateway_state = al->state;
		memcpy(a->message, al->message, sizeof(a->message));
	}
	a->next_escalation_at = next;
	p[0] = sql_int(a->id);
	p[1] = sql_text(severity_to_string(a->severity));
	p[2] = sql_text(alert_state_to_string(a->gateway_state));
	p[3] = sql_text(a->message);
	p[4] = sql_int(a->raised_at);
	p[5] = sql_int((int64_t)a->first_seq);
	p[6] = sql_int((int64_t)a->last_seq);
	p[7] = sql_ref(a->next_escalation_at);
	p[8] = sql_int(e->received);
	r = (int)sql_exec(s, SQL_ALERT_MERGE, p, ELEMENTSOF(p));
	return r < 0 ? r : newer;
}

static int write_alerts(struct store *s, struct plan *p, struct store_ingest_result *res)
{
	p->n_alerts = 0;
	for (size_t i = 0; i < p->n_records; i++)
		if (p->inserted[i] && p->records[i].record->kind == RECORD_ALERT)
			p->alerts[p->n_alerts++] = &p->records[i];
	qsort(p->alerts, p->n_alerts, sizeof(*p->alerts), compare_alerts);
	for (size_t i = 0; i < p->n_alerts; i++) {
		_cleanup_free_ struct store_alert *a = calloc(1, sizeof(*a));
		bool created = false;
		int r;

		if (!a)
			return log_oom();
		r = alert_create(s, p->alerts[i], a, &created);
		if (r == 0)
			r = alert_merge(s, p->alerts[i], a);
		if (r < 0)
			return r;
		if (r > 0)
			note_change(res, a, created);
	}
	return 0;
}

/* ---- gateways ---- */

static int write_status(struct store *s, const struct plan *p, struct store_ingest_result *res)
{
	for (size_t i = 0; i < p->n_status; i++) {
		const struct entry *e = &p->status[i];
		const struct status *st = &e->record->status;
		_cleanup_free_ char *json = strndup(e->payload, e->payload_len);
		struct sql_param q[6];
		int64_t n;

		if (!json)
			return log_oom();
		if (strlen(json) != e->payload_len || !store_utf8_is_valid(json, e->payload_len)) {
			log_warning("store: ignoring a status of '%s' that is not UTF-8 text",
				    e->gateway_id);
			continue;
		}
		q[0] = sql_text(e->gateway_id);
		q[1] = sql_bool(st->state == GATEWAY_ONLINE);
		q[2] = sql_int(st->outbox_depth > RECORD_INT_MAX ? RECORD_INT_MAX
								 : (int64_t)st->outbox_depth);
		q[3] = sql_bool(st->clock_synced);
		q[4] = sql_int(e->ts);
		q[5] = sql_text(json);
		n = sql_exec(s, SQL_GATEWAY_STATUS, q, ELEMENTSOF(q));
		if (n < 0)
			return (int)n;
		res->n_status += (size_t)n;
	}
	return 0;
}

/*
 * The gateways of the batch, once each in id order, with the latest
 * reception of each: their rows are locked in this order before any of them
 * is written, so that two batches never wait for each other in a circle.
 */
static int batch_gateways(struct plan *p)
{
	const struct entry *lists[] = { p->records, p->quarantine, p->status };
	const size_t counts[] = { p->n_records, p->n_quarantine, p->n_status };
	size_t total = p->n_records + p->n_quarantine + p->n_status, n = 0;
	_cleanup_free_ struct entry *all = calloc(total ? total : 1, sizeof(*all));

	p->gateways = calloc(total ? total : 1, sizeof(*p->gateways));
	p->seen = calloc(total ? total : 1, sizeof(*p->seen));
	if (!all || !p->gateways || !p->seen)
		return log_oom();
	for (size_t l = 0; l < ELEMENTSOF(lists); l++)
		for (size_t i = 0; i < counts[l]; i++)
			all[n++] = lists[l][i];
	qsort(all, n, sizeof(*all), compare_by_seq);
	for (size_t i = 0; i < n; i++) {
		size_t g = p->n_gateways;

		if (g > 0 && strcmp(p->gateways[g - 1], all[i].gateway_id) == 0) {
			if (all[i].received > p->seen[g - 1])
				p->seen[g - 1] = all[i].received;
			continue;
		}
		p->gateways[g] = all[i].gateway_id;
		p->seen[g] = all[i].received;
		p->n_gateways++;
	}
	return 0;
}

/* ---- the batch ---- */

static void add_ack(struct store_ingest_result *res, const char *gateway_id, uint64_t seq)
{
	struct store_ack *a = &res->acks[res->n_acks];

	if (res->n_acks > 0 && res->acks[res->n_acks - 1].seq == seq &&
	    strcmp(res->acks[res->n_acks - 1].gateway_id, gateway_id) == 0)
		return;
	memcpy(a->gateway_id, gateway_id, strlen(gateway_id) + 1);
	a->seq = seq;
	res->n_acks++;
}

static int compare_acks(const void *a, const void *b)
{
	const struct store_ack *x = a, *y = b;
	int c = strcmp(x->gateway_id, y->gateway_id);

	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void fill_acks(const struct plan *p, struct store_ingest_result *res)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_records; i++) {
		if (p->inserted[i])
			res->n_stored++;
		else
			res->n_duplicates++;
		res->acks[n].seq = p->records[i].seq;
		memcpy(res->acks[n++].gateway_id, p->records[i].gateway_id,
		       strlen(p->records[i].gateway_id) + 1);
	}
	for (size_t i = 0; i < p->n_quarantine; i++) {
		if (p->quarantine[i].seq == 0)
			continue;
		res->acks[n].seq = p->quarantine[i].seq;
		memcpy(res->acks[n++].gateway_id, p->quarantine[i].gateway_id,
		       strlen(p->quarantine[i].gateway_id) + 1);
	}
	qsort(res->acks, n, sizeof(*res->acks), compare_acks);
	/* Keep each (gateway, seq) once, compacting in place. */
	res->n_acks = 0;
	for (size_t i = 0; i < n; i++) {
		struct store_ack a = res->acks[i];

		add_ack(res, a.gateway_id, a.seq);
	}
}

static int ingest_once(struct store *s, struct plan *p, struct store_ingest_result *res)
{
	int r = tx_begin(s);

	if (r < 0)
		return r;
	memset(p->inserted, 0, p->n_records * sizeof(*p->inserted));
	if (p->n_records > 0)
		r = s->ops->insert_records(s, p->rows, p->n_records, p->inserted);
	if (r >= 0)
		r = write_quarantine(s, p, res);
	if (r >= 0)
		r = write_alerts(s, p, res);
	if (r >= 0)
		r = s->ops->lock_gateways(s, p->gateways, p->n_gateways);
	if (r >= 0)
		r = write_status(s, p, res);
	if (r >= 0)
		r = s->ops->touch_gateways(s, p->gateways, p->seen, p->n_gateways);
	return tx_end(s, r);
}

int store_ingest(struct store *s, const struct store_incoming *items, size_t n,
		 struct store_ingest_result *res)
{
	struct plan p = { 0 };
	bool outermost = s->tx_depth == 0;
	int r;

	memset(res, 0, offsetof(struct store_ingest_result, acks));
	res->n_alerts = 0;
	if (n > STORE_INGEST_MAX)
		return log_error_errno(-EINVAL, "store: %zu messages in one batch, at most %d", n,
				       STORE_INGEST_MAX);
	if (n == 0)
		return 0;
	r = plan_build(&p, items, n);
	if (r >= 0)
		r = batch_gateways(&p);
	for (unsigned attempt = 1; r >= 0; attempt++) {
		memset(res, 0, offsetof(struct store_ingest_result, acks));
		res->n_alerts = 0;
		r = ingest_once(s, &p, res);
		if (r != -EAGAIN || !outermost || attempt == INGEST_ATTEMPTS)
			break;
		log_notice("store: batch collided with another writer, retrying (%u)", attempt);
	}
	if (r >= 0)
		fill_acks(&p, res);
	plan_free(&p);
	return r;
}

/* ---- alert lifecycle ---- */

/* Zero rows changed: the alert is missing (-ENOENT) or not in the state expected (-EALREADY). */
static int transition_result(struct store *s, int64_t id, int64_t changed)
{
	_cleanup_cursor_ struct sql_cursor c = { 0 };
	struct sql_param p[] = { sql_int(id) };
	int r;

	if (changed != 0)
		return changed < 0 ? (int)changed : 0;
	r = sql_run(s, SQL_ALERT_STATE, p, ELEMENTSOF(p), &c);
	if (r >= 0)
		r = sql_next(&c);
	if (r < 0)
		return r;
	return r == 0 ? -ENOENT : -EALREADY;
}

int store_alert_get(struct store *s, int64_t id, struct store_alert *ret)
{
	struct sql_param p[] = { sql_int(id) };

	return table_get(s, SQL_ALERT_GET, p, ELEMENTSOF(p), &store_alert_table, ret);
}

int store_alerts_list(struct store *s, const struct store_alert_filter *f, int64_t before_id,
		      struct store_alert *out, size_t max)
{
	struct sql_param p[] = {
		f->by_state ? sql_text(store_alert_state_to_string(f->state)) : sql_null(),
		f->by_severity ? sql_text(severity_to_string(f->severity)) : sql_null(),
		sql_ref(f->patient_id),
		sql_ref(f->team_id),
		sql_ref(f->institution_id),
		f->since ? sql_int(f->since) : sql_null(),
		sql_ref(before_id),
		sql_int(store_limit(max)),
	};

	if ((f->by_state && !store_alert_state_to_string(f->state)) ||
	    (f->by_severity && !severity_to_string(f->severity)))
		return log_error_errno(-EINVAL, "store: bad alert filter");
	return table_list(s, SQL_ALERTS_LIST, p, ELEMENTSOF(p), &store_alert_table, out,
			  sizeof(*out), max);
}

int store_alert_mark_notified(struct store *s, int64_t id, int64_t now)
{
	struct sql_param p[] = { sql_int(id), sql_int(now) };

	return transition_result(s, id, sql_exec(s, SQL_ALERT_NOTIFY, p, ELEMENTSOF(p)));
}

int store_alert_acknowledge(struct store *s, int64_t id, int64_t user_id, const char *note,
			    int64_t now)
{
	struct sql_param p[] = { sql_int(id), sql_int(user_id), sql_int(now),
				 sql_text(note ? note : "") };
	int r = store_check_text(note ? note : "", STORE_TEXT_MAX, false, "acknowledgement note");

	if (r < 0)
		return r;
	if (user_id <= 0)
		return log_error_errno(-EINVAL, "store: an acknowledgement needs a user");
	return transition_result(s, id, sql_exec(s, SQL_ALERT_ACK, p, ELEMENTSOF(p)));
}

int store_alert_resolve(struct store *s, int64_t id, int64_t user_id,
			enum store_alert_outcome outcome, const char *note, int64_t now)
{
	struct sql_param p[] = { sql_int(id), sql_int(user_id), sql_int(now),
				 sql_text(store_alert_outcome_to_string(outcome)),
				 sql_text(note ? note : "") };
	int r = store_check_text(note ? note : "", STORE_TEXT_MAX, false, "resolution note");

	if (r < 0)
		return r;
	if (user_id <= 0 ||
	    (outcome != STORE_OUTCOME_ACTION_TAKEN && outcome != STORE_OUTCOME_NO_ACTION))
		return log_error_errno(-EINVAL, "store: a resolution needs a user and an outcome");
	return transition_result(s, id, sql_exec(s, SQL_ALERT_RESOLVE, p, ELEMENTSOF(p)));
}

int store_alert_escalate(struct store *s, int64_t id, unsigned level, int64_t next_at, int64_t now)
{
	struct sql_param p[] = { sql_int(id), sql_int(level), sql_ref(next_at), sql_int(now) };

	if (next_at < 0)
		return log_error_errno(-EINVAL, "store: bad next escalation time");
	return transition_result(s, id, sql_exec(s, SQL_ALERT_ESCALATE, p, ELEMENTSOF(p)));
}

int store_alerts_due_escalation(struct store *s, int64_t now, struct store_alert *out, size_t max)
{
	struct sql_param p[] = { sql_int(now), sql_int(store_limit(max)) };

	return table_list(s, SQL_ALERTS_DUE, p, ELEMENTSOF(p), &store_alert_table, out,
			  sizeof(*out), max);
}
