/*
 * Several items at once: BatchGetItem and BatchWriteItem (each item on its own, the whole
 * request checked before any is written), and TransactGetItems and TransactWriteItems (all or
 * nothing, with a cancellation reason per action).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/db.h"
#include "cloud/dynamodb/ddb.h"
#include "cloud/svc/svc.h"

#define BATCH_GET_MAX   100
#define BATCH_WRITE_MAX 25
#define TRANSACT_MAX    100
#define BATCH_GET_BYTES (16 * 1024 * 1024)

/* One item a batch or transaction touches. */
struct target {
	struct ddb_table *t;
	struct ddb_keybytes k;
	cJSON *key;  /* the cleaned key */
	cJSON *item; /* a Put's cleaned item */
};

static void target_release(struct target *x)
{
	ddb_keybytes_release(&x->k);
	cJSON_Delete(x->key);
	cJSON_Delete(x->item);
}

static bool same_item(const struct target *a, const struct target *b)
{
	return a->t == b->t && a->k.pk.len == b->k.pk.len && a->k.sk.len == b->k.sk.len &&
	       memcmp(a->k.pk.buf ? a->k.pk.buf : "", b->k.pk.buf ? b->k.pk.buf : "",
		      a->k.pk.len) == 0 &&
	       memcmp(a->k.sk.buf ? a->k.sk.buf : "", b->k.sk.buf ? b->k.sk.buf : "",
		      a->k.sk.len) == 0;
}

static void add_capacity(cJSON *list, const cJSON *in, const struct ddb_table *t, double units,
			 bool write)
{
	if (!list)
		return;
	const cJSON *c;
	cJSON_ArrayForEach(c, list)
	{
		const char *name = ddb_str(c, "TableName");
		if (name && strcmp(name, t->name) == 0) {
			cJSON *cu = cJSON_GetObjectItemCaseSensitive(c, "CapacityUnits");
			cJSON_SetNumberValue(cu, cu->valuedouble + units);
			return;
		}
	}
	cJSON *n = ddb_capacity(in, t, units, write);
	if (n)
		cJSON_AddItemToArray(list, n);
}

static cJSON *capacity_list(const cJSON *in, cJSON *out)
{
	const char *rcc = ddb_str(in, "ReturnConsumedCapacity");
	if (!rcc || strcmp(rcc, "NONE") == 0)
		return NULL;
	return cJSON_AddArrayToObject(out, "ConsumedCapacity");
}

DDB_OP(batch_get_item)
{
	struct ddb_svc *d = ddb_of(call);
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(in, "RequestItems"), *tab;
	if (!cJSON_IsObject(req) || !req->child)
		return ddb_invalid(err, "The requestItems parameter is required for BatchGetItem"),
		       NULL;
	int total = 0;
	cJSON_ArrayForEach(tab, req)
	{
		const cJSON *keys = cJSON_GetObjectItemCaseSensitive(tab, "Keys");
		if (cJSON_GetArraySize(keys) > BATCH_GET_MAX)
			return ddb_invalid(err,
					   "1 validation error detected: Value at 'RequestItems.%s."
					   "member.Keys' failed to satisfy constraint: Member must "
					   "have length less than or equal to 100",
					   tab->string),
			       NULL;
		total += cJSON_GetArraySize(keys);
	}
	if (total > BATCH_GET_MAX)
		return ddb_invalid(err, "Too many items requested for the BatchGetItem call"), NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON *responses = cJSON_AddObjectToObject(out, "Responses");
	cJSON *unprocessed = cJSON_AddObjectToObject(out, "UnprocessedKeys");
	cJSON *cap = capacity_list(in, out);
	size_t bytes = 0;
	/* Every table and key is checked before any is read. */
	struct vec targets = VEC_INIT;
	cJSON_ArrayForEach(tab, req)
	{
		struct ddb_table *t = ddb_table_for(call, tab->string, err);
		if (!t)
			goto fail;
		struct ddb_request_exprs px;
		bool projection_ok = ddb_read_projection(tab, &px, err);
		ddb_request_exprs_release(&px);
		if (!projection_ok)
			goto fail;
		const cJSON *k;
		size_t first = targets.len;
		cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(tab, "Keys"))
		{
			struct target *x = xcalloc(1, sizeof(*x));
			vec_push(&targets, x);
			x->t = t;
			x->key = ddb_map_clean(k, err);
			if (!x->key || !ddb_key_from_key(t, x->key, &x->k, err))
				goto fail;
			for (size_t i = first; i + 1 < targets.len; i++)
				if (same_item(targets.items[i], x)) {
					ddb_invalid(
						err,
						"Provided list of item keys contains duplicates");
					goto fail;
				}
		}
	}
	size_t n = 0;
	cJSON_ArrayForEach(tab, req)
	{
		struct ddb_request_exprs x;
		ddb_read_projection(tab, &x, err);
		cJSON *items = cJSON_AddArrayToObject(responses, tab->string);
		const cJSON *k;
		bool consistent =
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tab, "ConsistentRead"));
		cJSON *left = NULL;
		cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(tab, "Keys"))
		{
			struct target *tg = targets.items[n++];
			if (bytes >= BATCH_GET_BYTES) {
				if (!left) {
					left = cJSON_Duplicate(tab, 1);
					cJSON_DeleteItemFromObjectCaseSensitive(left, "Keys");
					cJSON_AddArrayToObject(left, "Keys");
					cJSON_AddItemToObject(unprocessed, tab->string, left);
				}
				cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(left, "Keys"),
						     cJSON_Duplicate(k, 1));
				continue;
			}
			cJSON *item = ddb_item_load(d, tg->t, &tg->k);
			add_capacity(cap, in, tg->t, ddb_read_units(item, consistent), false);
			if (item) {
				bytes += ddb_item_size(item);
				cJSON_AddItemToArray(items, ddb_read_project(tab, &x, item));
			}
			cJSON_Delete(item);
		}
		ddb_request_exprs_release(&x);
	}
	vec_for_each (&targets, i) {
		target_release(targets.items[i]);
		free(targets.items[i]);
	}
	vec_release(&targets);
	return out;
fail:
	vec_for_each (&targets, i) {
		target_release(targets.items[i]);
		free(targets.items[i]);
	}
	vec_release(&targets);
	cJSON_Delete(out);
	return NULL;
}

DDB_OP(batch_write_item)
{
	struct ddb_svc *d = ddb_of(call);
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(in, "RequestItems"), *tab;
	if (!cJSON_IsObject(req) || !req->child)
		return ddb_invalid(err,
				   "The requestItems parameter is required for BatchWriteItem"),
		       NULL;
	int total = 0;
	cJSON_ArrayForEach(tab, req) total += cJSON_GetArraySize(tab);
	if (total > BATCH_WRITE_MAX)
		return ddb_invalid(err, "Too many items requested for the BatchWriteItem call"),
		       NULL;
	struct vec targets = VEC_INIT;
	cJSON *out = NULL;
	cJSON_ArrayForEach(tab, req)
	{
		struct ddb_table *t = ddb_table_for(call, tab->string, err);
		if (!t)
			goto fail;
		const cJSON *w;
		cJSON_ArrayForEach(w, tab)
		{
			const cJSON *put = cJSON_GetObjectItemCaseSensitive(w, "PutRequest");
			const cJSON *del = cJSON_GetObjectItemCaseSensitive(w, "DeleteRequest");
			if (!put == !del) {
				ddb_invalid(err,
					    "Supplied AttributeValue has more than one datatypes "
					    "set, must contain exactly one of the supported "
					    "datatypes");
				if (!put)
					ddb_invalid(err,
						    "1 validation error detected: Value null at "
						    "'requestItems.%s.member.1.member' failed to "
						    "satisfy constraint: Member must not be null",
						    tab->string);
				goto fail;
			}
			struct target *x = xcalloc(1, sizeof(*x));
			vec_push(&targets, x);
			x->t = t;
			if (put) {
				x->item = ddb_map_clean(
					cJSON_GetObjectItemCaseSensitive(put, "Item"), err);
				if (!x->item || !ddb_key_from_item(t, x->item, &x->k, err) ||
				    !ddb_item_fits(x->item, false, err))
					goto fail;
			} else {
				x->key = ddb_map_clean(cJSON_GetObjectItemCaseSensitive(del, "Key"),
						       err);
				if (!x->key || !ddb_key_from_key(t, x->key, &x->k, err))
					goto fail;
			}
			for (size_t i = 0; i + 1 < targets.len; i++)
				if (same_item(targets.items[i], x)) {
					ddb_invalid(
						err,
						"Provided list of item keys contains duplicates");
					goto fail;
				}
		}
	}
	if (!ddb_begin(d, err))
		goto fail;
	out = cJSON_CreateObject();
	cJSON_AddObjectToObject(out, "UnprocessedItems");
	cJSON *cap = capacity_list(in, out);
	vec_for_each (&targets, i) {
		struct target *x = targets.items[i];
		cJSON *old = ddb_item_load(d, x->t, &x->k);
		bool ok = (!old && !x->item) ||
			  ddb_item_store(d, x->t, &x->k, old, x->item, false, err);
		add_capacity(cap, in, x->t, ddb_write_units(old, x->item), true);
		cJSON_Delete(old);
		if (!ok) {
			ddb_rollback(d);
			goto fail;
		}
	}
	if (!ddb_commit(d, err)) {
		ddb_rollback(d);
		goto fail;
	}
	vec_for_each (&targets, i) {
		target_release(targets.items[i]);
		free(targets.items[i]);
	}
	vec_release(&targets);
	return out;
fail:
	vec_for_each (&targets, i) {
		target_release(targets.items[i]);
		free(targets.items[i]);
	}
	vec_release(&targets);
	cJSON_Delete(out);
	return NULL;
}

/* TransactionCanceledException with a reason per action (NULL entries: "None"). */
static bool cancelled(cJSON **reasons, size_t n, struct aws_err *err)
{
	struct strbuf codes = STRBUF_INIT;
	cJSON *list = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *r = reasons[i];
		if (!r) {
			r = cJSON_CreateObject();
			cJSON_AddStringToObject(r, "Code", "None");
		}
		strbuf_addf(&codes, "%s%s", i ? ", " : "", ddb_str(r, "Code"));
		cJSON_AddItemToArray(list, r);
		reasons[i] = NULL;
	}
	ddb_error(err, "TransactionCanceledException",
		  "Transaction cancelled, please refer cancellation reasons for specific reasons "
		  "[%s]",
		  codes.buf);
	err->fields = cJSON_CreateObject();
	cJSON_AddItemToObject(err->fields, "CancellationReasons", list);
	strbuf_release(&codes);
	return false;
}

static cJSON *reason(const char *code, const char *message)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "Code", code);
	cJSON_AddStringToObject(r, "Message", message);
	return r;
}

DDB_OP(transact_get_items)
{
	struct ddb_svc *d = ddb_of(call);
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(in, "TransactItems"), *a;
	size_t n = (size_t)cJSON_GetArraySize(items);
	if (n == 0)
		return ddb_invalid(err,
				   "1 validation error detected: Value '[]' at 'transactItems' "
				   "failed to satisfy constraint: Member must have length "
				   "greater than or equal to 1"),
		       NULL;
	if (n > TRANSACT_MAX)
		return ddb_invalid(err,
				   "1 validation error detected: Value at 'transactItems' "
				   "failed to satisfy constraint: Member must have length less "
				   "than or equal to 100"),
		       NULL;
	struct target *tg = xcalloc(n, sizeof(*tg));
	struct ddb_request_exprs *xs = xcalloc(n, sizeof(*xs));
	cJSON **reasons = xcalloc(n, sizeof(*reasons));
	cJSON *out = NULL;
	bool invalid = false;
	size_t i = 0;
	cJSON_ArrayForEach(a, items)
	{
		const cJSON *get = cJSON_GetObjectItemCaseSensitive(a, "Get");
		if (!get) {
			ddb_invalid(err,
				    "1 validation error detected: Value null at "
				    "'transactItems.%zu.member.get' failed to satisfy constraint: "
				    "Member must not be null",
				    i + 1);
			goto done;
		}
		tg[i].t = ddb_table_for(call, ddb_str(get, "TableName"), err);
		if (!tg[i].t || !ddb_read_projection(get, &xs[i], err))
			goto done;
		struct aws_err kerr = { 0 };
		tg[i].key = ddb_map_clean(cJSON_GetObjectItemCaseSensitive(get, "Key"), &kerr);
		if (!tg[i].key || !ddb_key_from_key(tg[i].t, tg[i].key, &tg[i].k, &kerr)) {
			reasons[i] = reason("ValidationError", kerr.message);
			invalid = true;
		}
		i++;
	}
	if (invalid) {
		cancelled(reasons, n, err);
		goto done;
	}
	out = cJSON_CreateObject();
	cJSON *resp = cJSON_AddArrayToObject(out, "Responses");
	cJSON *cap = capacity_list(in, out);
	for (i = 0; i < n; i++) {
		cJSON *item = ddb_item_load(d, tg[i].t, &tg[i].k), *r = cJSON_CreateObject();
		const cJSON *get =
			cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(items, (int)i), "Get");
		if (item)
			cJSON_AddItemToObject(r, "Item", ddb_read_project(get, &xs[i], item));
		add_capacity(cap, in, tg[i].t, 2 * ddb_read_units(item, true), false);
		cJSON_AddItemToArray(resp, r);
		cJSON_Delete(item);
	}
done:
	for (i = 0; i < n; i++) {
		target_release(&tg[i]);
		ddb_request_exprs_release(&xs[i]);
		cJSON_Delete(reasons[i]);
	}
	free(tg);
	free(xs);
	free(reasons);
	return out;
}

enum tx_kind {
	TX_CHECK,
	TX_PUT,
	TX_DELETE,
	TX_UPDATE,
};

struct tx_action {
	enum tx_kind kind;
	const cJSON *body;
	struct target tg;
	struct ddb_request_exprs x;
	cJSON *old, *result;
};

static bool parse_action(struct svc_call *call, const cJSON *a, size_t i, struct tx_action *act,
			 cJSON **reason_out, struct aws_err *err)
{
	static const char *const kinds[] = { "ConditionCheck", "Put", "Delete", "Update" };
	int found = -1, count = 0;
	for (int k = 0; k < 4; k++)
		if (cJSON_GetObjectItemCaseSensitive(a, kinds[k])) {
			found = k;
			count++;
		}
	if (count != 1)
		return ddb_invalid(err,
				   "TransactItems can only contain one of Check, Put, Update or "
				   "Delete");
	act->kind = (enum tx_kind)found;
	act->body = cJSON_GetObjectItemCaseSensitive(a, kinds[found]);
	struct ddb_table *t = ddb_table_for(call, ddb_str(act->body, "TableName"), err);
	if (!t)
		return false;
	act->tg.t = t;
	static const char *const m_cond[] = { "ConditionExpression" };
	static const char *const m_upd[] = { "UpdateExpression", "ConditionExpression" };
	static const enum ddb_expr_type t_cond[] = { DDB_EXPR_CONDITION };
	static const enum ddb_expr_type t_upd[] = { DDB_EXPR_UPDATE, DDB_EXPR_CONDITION };
	struct ddb_expr **s_cond[] = { &act->x.condition };
	struct ddb_expr **s_upd[] = { &act->x.update, &act->x.condition };
	if (act->kind == TX_CHECK &&
	    !cJSON_GetObjectItemCaseSensitive(act->body, "ConditionExpression"))
		return ddb_invalid(err, "The parameter 'ConditionExpression' is required but was "
					"not present in the request");
	if (act->kind == TX_UPDATE &&
	    !cJSON_GetObjectItemCaseSensitive(act->body, "UpdateExpression"))
		return ddb_invalid(err, "The parameter 'UpdateExpression' is required but was not "
					"present in the request");
	bool ok =
		act->kind == TX_UPDATE
			? ddb_parse_exprs(act->body, &act->x, m_upd, t_upd, s_upd, 2,
					  "UpdateExpression and ConditionExpression are null", err)
			: ddb_parse_exprs(act->body, &act->x, m_cond, t_cond, s_cond, 1,
					  "ConditionExpression is null", err);
	if (!ok)
		return false;
	struct aws_err kerr = { 0 };
	if (act->kind == TX_PUT) {
		act->tg.item =
			ddb_map_clean(cJSON_GetObjectItemCaseSensitive(act->body, "Item"), err);
		if (!act->tg.item)
			return false;
		if (!ddb_key_from_item(t, act->tg.item, &act->tg.k, &kerr) ||
		    !ddb_item_fits(act->tg.item, false, &kerr))
			*reason_out = reason("ValidationError", kerr.message);
	} else {
		act->tg.key =
			ddb_map_clean(cJSON_GetObjectItemCaseSensitive(act->body, "Key"), err);
		if (!act->tg.key)
			return false;
		if (!ddb_key_from_key(t, act->tg.key, &act->tg.k, &kerr))
			*reason_out = reason("ValidationError", kerr.message);
	}
	if (act->kind == TX_UPDATE && !*reason_out) {
		const char *bad = NULL;
		for (size_t j = 0; j < act->x.update->nactions && !bad; j++) {
			const char *root = act->x.update->actions[j].path.steps[0].name;
			if (strcmp(root, t->key.hash) == 0 ||
			    (t->key.range && strcmp(root, t->key.range) == 0))
				bad = root;
		}
		if (bad) {
			char msg[400];
			snprintf(msg, sizeof(msg),
				 "One or more parameter values were invalid: Cannot update "
				 "attribute "
				 "%s. This attribute is part of the key",
				 bad);
			*reason_out = reason("ValidationError", msg);
		}
	}
	(void)i;
	return true;
}

DDB_OP(transact_write_items)
{
	struct ddb_svc *d = ddb_of(call);
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(in, "TransactItems"), *a;
	size_t n = (size_t)cJSON_GetArraySize(items);
	if (n == 0)
		return ddb_invalid(err,
				   "1 validation error detected: Value '[]' at 'transactItems' "
				   "failed to satisfy constraint: Member must have length "
				   "greater than or equal to 1"),
		       NULL;
	if (n > TRANSACT_MAX)
		return ddb_invalid(err,
				   "1 validation error detected: Value at 'transactItems' "
				   "failed to satisfy constraint: Member must have length less "
				   "than or equal to 100"),
		       NULL;
	struct tx_action *acts = xcalloc(n, sizeof(*acts));
	cJSON **reasons = xcalloc(n, sizeof(*reasons));
	cJSON *out = NULL;
	bool failed = false, began = false;
	size_t i = 0;
	cJSON_ArrayForEach(a, items)
	{
		if (!parse_action(call, a, i, &acts[i], &reasons[i], err))
			goto done;
		failed = failed || reasons[i];
		for (size_t j = 0; j < i && !reasons[i]; j++)
			if (!reasons[j] && same_item(&acts[j].tg, &acts[i].tg)) {
				ddb_invalid(err, "Transaction request cannot include multiple "
						 "operations on one item");
				goto done;
			}
		i++;
	}
	if (failed) {
		cancelled(reasons, n, err);
		goto done;
	}
	if (!ddb_begin(d, err))
		goto done;
	began = true;
	/* Every condition against the items as they are, then every write. */
	for (i = 0; i < n; i++) {
		struct tx_action *act = &acts[i];
		act->old = ddb_item_load(d, act->tg.t, &act->tg.k);
		if (act->x.condition && !ddb_expr_match(act->x.condition, act->old)) {
			reasons[i] =
				reason("ConditionalCheckFailed", "The conditional request failed");
			const char *rv = ddb_str(act->body, "ReturnValuesOnConditionCheckFailure");
			if (act->old && rv && strcmp(rv, "ALL_OLD") == 0)
				cJSON_AddItemToObject(reasons[i], "Item",
						      cJSON_Duplicate(act->old, 1));
			failed = true;
			continue;
		}
		struct aws_err uerr = { 0 };
		if (act->kind == TX_UPDATE) {
			act->result =
				ddb_expr_update(act->x.update, act->old ? act->old : act->tg.key,
						act->old != NULL, &uerr);
			struct ddb_keybytes nk = { STRBUF_INIT, STRBUF_INIT };
			if (!act->result || !ddb_item_fits(act->result, true, &uerr) ||
			    !ddb_key_from_item(act->tg.t, act->result, &nk, &uerr)) {
				reasons[i] = reason("ValidationError", uerr.message);
				failed = true;
			}
			ddb_keybytes_release(&nk);
		} else if (act->kind == TX_PUT) {
			act->result = cJSON_Duplicate(act->tg.item, 1);
		}
	}
	if (failed) {
		ddb_rollback(d);
		cancelled(reasons, n, err);
		goto done;
	}
	out = cJSON_CreateObject();
	cJSON *cap = capacity_list(in, out);
	for (i = 0; i < n; i++) {
		struct tx_action *act = &acts[i];
		if (act->kind != TX_CHECK && (act->old || act->result) &&
		    !ddb_item_store(d, act->tg.t, &act->tg.k, act->old, act->result, false, err)) {
			ddb_rollback(d);
			cJSON_Delete(out);
			out = NULL;
			goto done;
		}
		add_capacity(cap, in, act->tg.t, 2 * ddb_write_units(act->old, act->result), true);
	}
	if (!ddb_commit(d, err)) {
		ddb_rollback(d);
		cJSON_Delete(out);
		out = NULL;
	}
	began = false;
done:
	if (began)
		ddb_rollback(d);
	for (i = 0; i < n; i++) {
		target_release(&acts[i].tg);
		ddb_request_exprs_release(&acts[i].x);
		cJSON_Delete(acts[i].old);
		cJSON_Delete(acts[i].result);
		cJSON_Delete(reasons[i]);
	}
	free(acts);
	free(reasons);
	return out;
}
