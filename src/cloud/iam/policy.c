/*
 * Policy documents read, validated and evaluated (policy.h says how).
 */
#include "cloud/iam/policy.h"

#include <arpa/inet.h>
#include <assert.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/xalloc.h"

struct iam_policy {
	cJSON *doc;
	cJSON *statements; /* borrowed from doc, or owned when the document had one object */
	bool owns_statements;
	bool variables; /* Version 2012-10-17: ${...} are policy variables */
	enum iam_policy_kind kind;
};

/* ---- wildcards ---- */

static bool like(const char *p, const char *s, bool fold)
{
	const char *star = NULL, *mark = NULL;
	while (*s) {
		char pc = fold ? (char)tolower((unsigned char)*p) : *p;
		char sc = fold ? (char)tolower((unsigned char)*s) : *s;
		if (*p == '*') {
			star = p++;
			mark = s;
		} else if (*p && (*p == '?' || pc == sc)) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++mark;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

bool iam_action_like(const char *pattern, const char *s)
{
	return like(pattern, s, true);
}

bool iam_string_like(const char *pattern, const char *s)
{
	return like(pattern, s, false);
}

/* ---- validation ---- */

static const char *const operators[] = {
	"StringEquals",
	"StringNotEquals",
	"StringEqualsIgnoreCase",
	"StringNotEqualsIgnoreCase",
	"StringLike",
	"StringNotLike",
	"NumericEquals",
	"NumericNotEquals",
	"NumericLessThan",
	"NumericLessThanEquals",
	"NumericGreaterThan",
	"NumericGreaterThanEquals",
	"DateEquals",
	"DateNotEquals",
	"DateLessThan",
	"DateLessThanEquals",
	"DateGreaterThan",
	"DateGreaterThanEquals",
	"Bool",
	"BinaryEquals",
	"IpAddress",
	"NotIpAddress",
	"ArnEquals",
	"ArnLike",
	"ArnNotEquals",
	"ArnNotLike",
	"Null",
};

/* The operator's index, with its qualifiers taken off; -1 when unknown. */
static int operator_find(const char *name, bool *if_exists, int *set)
{
	*if_exists = false;
	*set = 0;
	if (strncmp(name, "ForAllValues:", 13) == 0) {
		*set = 1;
		name += 13;
	} else if (strncmp(name, "ForAnyValue:", 12) == 0) {
		*set = 2;
		name += 12;
	}
	size_t len = strlen(name);
	if (len > 8 && strcmp(name + len - 8, "IfExists") == 0) {
		*if_exists = true;
		len -= 8;
	}
	for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++)
		if (strlen(operators[i]) == len && strncmp(operators[i], name, len) == 0) {
			if (*if_exists && strcmp(operators[i], "Null") == 0)
				return -1;
			return (int)i;
		}
	return -1;
}

/* Fill msg; false, so that `return fail(...)` reads as a refusal. */
static bool fail(char *msg, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *msg, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, n, fmt, ap);
	va_end(ap);
	return false;
}

/* Strings or a list of strings (non-empty). */
static bool strings_ok(const cJSON *v)
{
	if (cJSON_IsString(v))
		return true;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return false;
	const cJSON *e;
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsString(e))
			return false;
	}
	return true;
}

static bool vendor_ok(const char *a)
{
	if (strcmp(a, "*") == 0)
		return true;
	const char *colon = strchr(a, ':');
	if (!colon || colon == a || !colon[1])
		return false;
	for (const char *p = a; p < colon; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '*' || *p == '?'))
			return false;
	return true;
}

static bool actions_ok(const cJSON *v, enum iam_policy_kind kind, char *msg, size_t n)
{
	if (!strings_ok(v))
		return fail(msg, n, "Syntax errors in policy.");
	const cJSON *e;
	bool one = cJSON_IsString(v);
	for (e = one ? v : v->child; e; e = one ? NULL : e->next) {
		if (!vendor_ok(e->valuestring))
			return fail(msg, n,
				    "Actions/Conditions must be prefaced by a vendor, e.g., iam, "
				    "sdb, ec2, etc.");
		if (kind == IAM_POLICY_TRUST && !iam_action_like("sts:*", e->valuestring) &&
		    strcmp(e->valuestring, "*") != 0)
			return fail(msg, n,
				    "AssumeRole policy may only specify STS AssumeRole actions.");
	}
	return true;
}

static bool resources_ok(const cJSON *v, char *msg, size_t n)
{
	if (!strings_ok(v))
		return fail(msg, n, "Syntax errors in policy.");
	bool one = cJSON_IsString(v);
	for (const cJSON *e = one ? v : v->child; e; e = one ? NULL : e->next) {
		const char *r = e->valuestring;
		if (strcmp(r, "*") == 0)
			continue;
		int colons = 0;
		for (const char *p = r; *p; p++)
			colons += *p == ':';
		if (strncmp(r, "arn:", 4) != 0 || colons < 5)
			return fail(msg, n, "Resource %s must be in ARN format or \"*\".", r);
		if (strncmp(r, "arn:aws:", 8) != 0 && strncmp(r, "arn:aws-cn:", 11) != 0 &&
		    strncmp(r, "arn:aws-us-gov:", 15) != 0 && strncmp(r, "arn:*:", 6) != 0) {
			char part[64];
			size_t len = strcspn(r + 4, ":");
			snprintf(part, sizeof(part), "%.*s", (int)(len < 60 ? len : 60), r + 4);
			snprintf(msg, n, "Partition \"%s\" is not valid for resource \"%s\".", part,
				 r);
			return false;
		}
	}
	return true;
}

static bool account_like(const char *s)
{
	if (strlen(s) != 12)
		return false;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static bool principal_ok(const cJSON *v, char *msg, size_t n)
{
	if (cJSON_IsString(v)) {
		if (strcmp(v->valuestring, "*") == 0)
			return true;
		return fail(msg, n, "Invalid principal in policy: \"%s\"", v->valuestring);
	}
	if (!cJSON_IsObject(v) || !v->child)
		return fail(msg, n, "Syntax errors in policy.");
	for (const cJSON *k = v->child; k; k = k->next) {
		bool aws = strcmp(k->string, "AWS") == 0, svc = strcmp(k->string, "Service") == 0;
		if (!aws && !svc && strcmp(k->string, "Federated") != 0 &&
		    strcmp(k->string, "CanonicalUser") != 0)
			return fail(msg, n, "Invalid principal in policy: \"%s\"", k->string);
		if (!strings_ok(k))
			return fail(msg, n, "Syntax errors in policy.");
		bool one = cJSON_IsString(k);
		for (const cJSON *e = one ? k : k->child; e; e = one ? NULL : e->next) {
			const char *p = e->valuestring;
			bool good = true;
			if (aws)
				good = strcmp(p, "*") == 0 || account_like(p) ||
				       (strncmp(p, "arn:aws:iam::", 13) == 0 && !strchr(p, '*')) ||
				       (strncmp(p, "arn:aws:sts::", 13) == 0 && !strchr(p, '*'));
			else if (svc)
				good = p[0] && !strchr(p, '*') && !strchr(p, ' ');
			if (!good) {
				snprintf(msg, n, "Invalid principal in policy: \"%s\":\"%s\"",
					 k->string, p);
				return false;
			}
		}
	}
	return true;
}

static bool condition_ok(const cJSON *c, char *msg, size_t n)
{
	if (!cJSON_IsObject(c))
		return fail(msg, n, "Syntax errors in policy.");
	for (const cJSON *op = c->child; op; op = op->next) {
		bool if_exists;
		int set;
		if (operator_find(op->string, &if_exists, &set) < 0)
			return fail(msg, n, "Syntax errors in policy.");
		if (!cJSON_IsObject(op) || !op->child)
			return fail(msg, n, "Syntax errors in policy.");
		for (const cJSON *k = op->child; k; k = k->next) {
			if (!vendor_ok(k->string) || strcmp(k->string, "*") == 0)
				return fail(
					msg, n,
					"Actions/Conditions must be prefaced by a vendor, e.g., "
					"iam, sdb, ec2, etc.");
			bool one = !cJSON_IsArray(k);
			if (!one && cJSON_GetArraySize(k) == 0)
				return fail(msg, n, "Syntax errors in policy.");
			for (const cJSON *e = one ? k : k->child; e; e = one ? NULL : e->next)
				if (!cJSON_IsString(e) && !cJSON_IsNumber(e) && !cJSON_IsBool(e))
					return fail(msg, n, "Syntax errors in policy.");
		}
	}
	return true;
}

static bool sid_ok(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p))
			return false;
	return true;
}

static bool statement_ok(const cJSON *st, enum iam_policy_kind kind, char *msg, size_t n)
{
	if (!cJSON_IsObject(st))
		return fail(msg, n, "Syntax errors in policy.");
	for (const cJSON *m = st->child; m; m = m->next) {
		static const char *const known[] = { "Sid",       "Effect",       "Action",
						     "NotAction", "Resource",     "NotResource",
						     "Principal", "NotPrincipal", "Condition" };
		bool found = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			found |= strcmp(m->string, known[i]) == 0;
		if (!found)
			return fail(msg, n, "Syntax errors in policy.");
	}
	const cJSON *sid = cJSON_GetObjectItemCaseSensitive(st, "Sid");
	if (sid && !cJSON_IsString(sid))
		return fail(msg, n, "Syntax errors in policy.");
	if (sid && kind != IAM_POLICY_RESOURCE && !sid_ok(sid->valuestring))
		return fail(msg, n,
			    "Statement IDs (SID) must be alpha-numeric. Check that your input "
			    "satisfies the regular expression [0-9A-Za-z]*");
	const cJSON *effect = cJSON_GetObjectItemCaseSensitive(st, "Effect");
	if (!effect)
		return fail(msg, n, "Missing required field Effect");
	if (!cJSON_IsString(effect))
		return fail(msg, n, "Syntax errors in policy.");
	if (strcmp(effect->valuestring, "Allow") != 0 && strcmp(effect->valuestring, "Deny") != 0)
		return fail(msg, n, "Invalid effect: %s", effect->valuestring);
	const cJSON *action = cJSON_GetObjectItemCaseSensitive(st, "Action");
	const cJSON *not_action = cJSON_GetObjectItemCaseSensitive(st, "NotAction");
	if (action && not_action)
		return fail(msg, n, "Syntax errors in policy.");
	if (!action && !not_action)
		return fail(msg, n, "Policy statement must contain actions.");
	if (!actions_ok(action ? action : not_action, kind, msg, n))
		return false;
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(st, "Resource");
	const cJSON *not_res = cJSON_GetObjectItemCaseSensitive(st, "NotResource");
	if (res && not_res)
		return fail(msg, n, "Syntax errors in policy.");
	if (kind == IAM_POLICY_TRUST && (res || not_res))
		return fail(msg, n, "Has prohibited field %s", res ? "Resource" : "NotResource");
	if (kind != IAM_POLICY_TRUST) {
		if (!res && !not_res)
			return fail(msg, n, "Policy statement must contain resources.");
		if (!resources_ok(res ? res : not_res, msg, n))
			return false;
	}
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(st, "Principal");
	const cJSON *not_pr = cJSON_GetObjectItemCaseSensitive(st, "NotPrincipal");
	if (kind == IAM_POLICY_IDENTITY && (pr || not_pr))
		return fail(msg, n, "Policy document should not specify a principal.");
	if (kind != IAM_POLICY_IDENTITY) {
		if (pr && not_pr)
			return fail(msg, n, "Syntax errors in policy.");
		if (!pr && !not_pr)
			return fail(msg, n, "Missing required field Principal");
		if (!principal_ok(pr ? pr : not_pr, msg, n))
			return false;
	}
	const cJSON *cond = cJSON_GetObjectItemCaseSensitive(st, "Condition");
	if (cond && !condition_ok(cond, msg, n))
		return false;
	return true;
}

size_t iam_policy_size(const char *doc)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)doc; p && *p; p++)
		if ((*p & 0xC0) != 0x80 && !strchr(" \t\r\n", *p))
			n++;
	return n;
}

struct iam_policy *iam_policy_parse(const char *doc, enum iam_policy_kind kind, char *msg, size_t n)
{
	assert(doc && msg && n > 0);
	msg[0] = '\0';
	struct iam_policy *p = NULL;
	cJSON *root = NULL;
	if (strlen(doc) > IAM_POLICY_MAX) {
		fail(msg, n, "Cannot exceed quota for PolicySize: %s", "131072");
		goto out;
	}
	root = cJSON_Parse(doc);
	if (!root) {
		fail(msg, n, "This policy contains invalid Json");
		goto out;
	}
	/* A document followed by anything but white space is no document. */
	cJSON *strict = cJSON_ParseWithOpts(doc, NULL, true);
	if (!strict) {
		fail(msg, n, "Syntax errors in policy.");
		goto out;
	}
	cJSON_Delete(strict);
	if (!cJSON_IsObject(root)) {
		fail(msg, n, "Syntax errors in policy.");
		goto out;
	}
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "Version");
	if (version &&
	    (!cJSON_IsString(version) || (strcmp(version->valuestring, "2012-10-17") != 0 &&
					  strcmp(version->valuestring, "2008-10-17") != 0))) {
		fail(msg, n, "The policy failed legacy parsing");
		goto out;
	}
	for (const cJSON *m = root->child; m; m = m->next)
		if (strcmp(m->string, "Version") != 0 && strcmp(m->string, "Statement") != 0 &&
		    strcmp(m->string, "Id") != 0) {
			fail(msg, n, "Syntax errors in policy.");
			goto out;
		}
	cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "Statement");
	if (!st || (!cJSON_IsObject(st) && !cJSON_IsArray(st)) ||
	    (cJSON_IsArray(st) && cJSON_GetArraySize(st) == 0)) {
		fail(msg, n, "Syntax errors in policy.");
		goto out;
	}
	p = xcalloc(1, sizeof(*p));
	p->kind = kind;
	p->variables = version && strcmp(version->valuestring, "2012-10-17") == 0;
	if (cJSON_IsObject(st)) {
		p->statements = cJSON_CreateArray();
		cJSON_AddItemReferenceToArray(p->statements, st);
		p->owns_statements = true;
	} else {
		p->statements = st;
	}
	p->doc = root;
	root = NULL;
	const cJSON *e;
	cJSON_ArrayForEach(e, p->statements)
	{
		if (!statement_ok(e, kind, msg, n)) {
			iam_policy_free(p);
			p = NULL;
			goto out;
		}
	}
	/* Sids unique within a document. */
	for (const cJSON *a = p->statements->child; a; a = a->next) {
		const cJSON *sa = cJSON_GetObjectItemCaseSensitive(a, "Sid");
		for (const cJSON *b = a->next; sa && b; b = b->next) {
			const cJSON *sb = cJSON_GetObjectItemCaseSensitive(b, "Sid");
			if (sb && strcmp(sa->valuestring, sb->valuestring) == 0) {
				fail(msg, n,
				     "Statement IDs (SID) in a single policy must be unique.");
				iam_policy_free(p);
				p = NULL;
				goto out;
			}
		}
	}
out:
	cJSON_Delete(root);
	return p;
}

void iam_policy_free(struct iam_policy *p)
{
	if (!p)
		return;
	if (p->owns_statements)
		cJSON_Delete(p->statements);
	cJSON_Delete(p->doc);
	free(p);
}

size_t iam_policy_statements(const struct iam_policy *p)
{
	return (size_t)cJSON_GetArraySize(p->statements);
}

size_t iam_policy_condition_keys(const struct iam_policy *p, const char **out, size_t max)
{
	size_t n = 0;
	const cJSON *st;
	cJSON_ArrayForEach(st, p->statements)
	{
		const cJSON *cond = cJSON_GetObjectItemCaseSensitive(st, "Condition");
		for (const cJSON *op = cond ? cond->child : NULL; op; op = op->next)
			for (const cJSON *k = op->child; k; k = k->next) {
				bool seen = false;
				for (size_t i = 0; i < n && i < max && !seen; i++)
					seen = strcasecmp(out[i], k->string) == 0;
				if (seen)
					continue;
				if (n < max)
					out[n] = k->string;
				n++;
			}
	}
	return n;
}

/* ---- the request's context ---- */

struct ctx {
	const struct iam_request *req;
	struct iam_kv derived[6];
	size_t nderived;
	char principal_arn[320];
	char username[128];
	char type[16];
};

static void ctx_init(struct ctx *c, const struct iam_request *req)
{
	memset(c, 0, sizeof(*c));
	c->req = req;
	const char *p = req->principal;
	if (strncmp(p, "arn:", 4) != 0) {
		snprintf(c->type, sizeof(c->type), "Service");
		return;
	}
	const char *acct = req->principal_account ? req->principal_account : "";
	const char *ar = strstr(p, ":assumed-role/");
	const char *user = strstr(p, ":user/");
	snprintf(c->principal_arn, sizeof(c->principal_arn), "%s", p);
	if (ar) {
		const char *role = ar + 14, *slash = strchr(role, '/');
		int len = slash ? (int)(slash - role) : (int)strlen(role);
		snprintf(c->principal_arn, sizeof(c->principal_arn), "arn:aws:iam::%s:role/%.*s",
			 acct, len, role);
		snprintf(c->type, sizeof(c->type), "AssumedRole");
	} else if (user) {
		const char *name = strrchr(p, '/') + 1;
		snprintf(c->username, sizeof(c->username), "%s", name);
		snprintf(c->type, sizeof(c->type), "User");
	} else {
		snprintf(c->type, sizeof(c->type), "Account");
	}
	c->derived[c->nderived++] = (struct iam_kv){ "aws:PrincipalArn", c->principal_arn };
	c->derived[c->nderived++] = (struct iam_kv){ "aws:PrincipalAccount", acct };
	c->derived[c->nderived++] = (struct iam_kv){ "aws:PrincipalType", c->type };
	if (c->username[0])
		c->derived[c->nderived++] = (struct iam_kv){ "aws:username", c->username };
}

static bool given(const struct ctx *c, const char *key)
{
	for (size_t i = 0; i < c->req->ncontext; i++)
		if (strcasecmp(c->req->context[i].key, key) == 0)
			return true;
	return false;
}

/* The values of key: up to max, returns how many. */
static size_t ctx_values(const struct ctx *c, const char *key, const char **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < c->req->ncontext && k < max; i++)
		if (strcasecmp(c->req->context[i].key, key) == 0 && c->req->context[i].value)
			out[k++] = c->req->context[i].value;
	if (k == 0)
		for (size_t i = 0; i < c->nderived && k < max; i++)
			if (strcasecmp(c->derived[i].key, key) == 0 && !given(c, key))
				out[k++] = c->derived[i].value;
	return k;
}

/*
 * s with its ${key} replaced by the context's value (${*}, ${?}, ${$} by the character). False
 * when a variable names a key the request lacks: the element then matches nothing.
 */
static bool substitute(const struct ctx *c, const char *s, bool variables, char *out, size_t n)
{
	size_t o = 0;
	for (const char *p = s; *p; p++) {
		const char *add = NULL;
		char one[2] = { 0, 0 };
		size_t addn = 0;
		if (variables && p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p, '}');
			if (!end)
				return false;
			char key[128];
			snprintf(key, sizeof(key), "%.*s", (int)(end - p - 2), p + 2);
			if (strcmp(key, "*") == 0 || strcmp(key, "?") == 0 ||
			    strcmp(key, "$") == 0) {
				/* A literal: escape the wildcard by taking it verbatim below. */
				one[0] = key[0];
				add = one;
			} else {
				const char *v[1];
				if (ctx_values(c, key, v, 1) != 1)
					return false;
				add = v[0];
			}
			p = end;
		} else {
			one[0] = *p;
			add = one;
		}
		addn = strlen(add);
		if (o + addn + 1 > n)
			return false;
		memcpy(out + o, add, addn);
		o += addn;
	}
	out[o] = '\0';
	return true;
}

/* ---- matching ---- */

static bool each(const cJSON *v, bool (*fn)(const struct ctx *, const char *, bool),
		 const struct ctx *c, bool variables)
{
	bool one = cJSON_IsString(v);
	for (const cJSON *e = one ? v : v->child; e; e = one ? NULL : e->next)
		if (cJSON_IsString(e) && fn(c, e->valuestring, variables))
			return true;
	return false;
}

static bool action_matches(const struct ctx *c, const char *pattern, bool variables)
{
	(void)variables;
	return iam_action_like(pattern, c->req->action);
}

static bool resource_matches(const struct ctx *c, const char *pattern, bool variables)
{
	char buf[2048];
	if (!substitute(c, pattern, variables, buf, sizeof(buf)))
		return false;
	return iam_string_like(buf, c->req->resource);
}

/*
 * Whether the principal value names the requester: 3 its very ARN (a user's, a role
 * session's, a root's), 2 everyone or the role of a session, 1 its account.
 */
static int principal_names(const struct ctx *c, const char *type, const char *v)
{
	const struct iam_request *r = c->req;
	bool service = strncmp(r->principal, "arn:", 4) != 0;
	if (strcmp(v, "*") == 0 && strcmp(type, "AWS") == 0)
		return 2;
	if (strcmp(type, "Service") == 0)
		return service && strcasecmp(v, r->principal) == 0 ? 2 : 0;
	if (strcmp(type, "AWS") != 0 || service)
		return 0;
	const char *acct = r->principal_account ? r->principal_account : "";
	char root[64];
	snprintf(root, sizeof(root), "arn:aws:iam::%s:root", acct);
	if (strcmp(v, acct) == 0 || strcmp(v, root) == 0)
		return strcmp(r->principal, root) == 0 ? 3 : 1;
	if (strcmp(v, r->principal) == 0)
		return 3;
	/* A role (with or without a path) names its sessions. */
	const char *ar = strstr(r->principal, ":assumed-role/");
	const char *rl = strstr(v, ":role/");
	if (ar && rl && strncmp(v, "arn:aws:iam::", 13) == 0 &&
	    strncmp(v + 13, acct, strlen(acct)) == 0 && v[13 + strlen(acct)] == ':') {
		const char *role = ar + 14, *slash = strchr(role, '/');
		size_t len = slash ? (size_t)(slash - role) : strlen(role);
		const char *name = strrchr(rl, '/') + 1;
		if (strlen(name) == len && strncmp(name, role, len) == 0)
			return 2;
	}
	return 0;
}

/* How strongly the statement's Principal names the requester (0: not at all). */
static int principal_matches(const struct ctx *c, const cJSON *st)
{
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(st, "Principal");
	const cJSON *np = cJSON_GetObjectItemCaseSensitive(st, "NotPrincipal");
	const cJSON *v = pr ? pr : np;
	int best = 0;
	if (cJSON_IsString(v)) {
		best = strcmp(v->valuestring, "*") == 0 ? 2 : 0;
	} else if (v) {
		for (const cJSON *k = v->child; k; k = k->next) {
			bool one = cJSON_IsString(k);
			for (const cJSON *e = one ? k : k->child; e; e = one ? NULL : e->next) {
				int m = cJSON_IsString(e)
						? principal_names(c, k->string, e->valuestring)
						: 0;
				best = m > best ? m : best;
			}
		}
	}
	if (np)
		return best ? 0 : 2;
	return best;
}

/* ---- conditions ---- */

enum op_kind {
	OP_STRING,
	OP_NUMERIC,
	OP_DATE,
	OP_BOOL,
	OP_BINARY,
	OP_IP,
	OP_ARN,
	OP_NULL
};

static bool number_of(const char *s, double *out)
{
	char *end;
	errno = 0;
	*out = strtod(s, &end);
	return s[0] && !*end && errno == 0;
}

static bool date_of(const char *s, double *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
		if (!end)
			return number_of(s, out);
	}
	if (*end == '.')
		while (isdigit((unsigned char)*++end))
			;
	if (*end == 'Z')
		end++;
	if (*end)
		return false;
	*out = (double)timegm(&tm);
	return true;
}

static bool ip_in(const char *cidr, const char *ip)
{
	char net[64];
	snprintf(net, sizeof(net), "%.63s", cidr);
	int bits = 32;
	char *slash = strchr(net, '/');
	if (slash) {
		*slash = '\0';
		bits = atoi(slash + 1);
	}
	struct in_addr a, b;
	if (inet_pton(AF_INET, net, &a) != 1 || inet_pton(AF_INET, ip, &b) != 1 || bits < 0 ||
	    bits > 32)
		return false;
	uint32_t mask = bits == 0 ? 0 : htonl(0xffffffffu << (32 - bits));
	return (a.s_addr & mask) == (b.s_addr & mask);
}

static bool arn_like(const char *pattern, const char *arn)
{
	/* Six parts each matched alone; the resource part keeps its colons. */
	const char *p = pattern, *a = arn;
	for (int part = 0; part < 6; part++) {
		size_t pl = part < 5 ? strcspn(p, ":") : strlen(p);
		size_t al = part < 5 ? strcspn(a, ":") : strlen(a);
		char pp[1024], aa[1024];
		if (pl >= sizeof(pp) || al >= sizeof(aa))
			return false;
		memcpy(pp, p, pl);
		pp[pl] = '\0';
		memcpy(aa, a, al);
		aa[al] = '\0';
		if (!iam_string_like(pp, aa))
			return false;
		if (part < 5) {
			if (p[pl] != ':' || a[al] != ':')
				return false;
			p += pl + 1;
			a += al + 1;
		}
	}
	return true;
}

/* One request value against one policy value, for the positive form of the operator. */
static bool value_matches(int op, const char *want, const char *got)
{
	const char *name = operators[op];
	double x, y;
	if (strncmp(name, "String", 6) == 0) {
		if (strstr(name, "Like"))
			return iam_string_like(want, got);
		if (strstr(name, "IgnoreCase"))
			return strcasecmp(want, got) == 0;
		return strcmp(want, got) == 0;
	}
	if (strncmp(name, "Numeric", 7) == 0 || strncmp(name, "Date", 4) == 0) {
		bool num = name[0] == 'N';
		if (!(num ? number_of(want, &x) : date_of(want, &x)) ||
		    !(num ? number_of(got, &y) : date_of(got, &y)))
			return false;
		const char *cmp = name + (num ? 7 : 4);
		if (strcmp(cmp, "Equals") == 0 || strcmp(cmp, "NotEquals") == 0)
			return y == x;
		if (strcmp(cmp, "LessThan") == 0)
			return y < x;
		if (strcmp(cmp, "LessThanEquals") == 0)
			return y <= x;
		if (strcmp(cmp, "GreaterThan") == 0)
			return y > x;
		return y >= x;
	}
	if (strcmp(name, "Bool") == 0)
		return strcasecmp(want, got) == 0;
	if (strcmp(name, "BinaryEquals") == 0)
		return strcmp(want, got) == 0;
	if (strstr(name, "IpAddress"))
		return ip_in(want, got);
	if (strncmp(name, "Arn", 3) == 0)
		return arn_like(want, got);
	return false;
}

static bool negated(int op)
{
	const char *name = operators[op];
	return strstr(name, "Not") != NULL;
}

/* A policy value as a string (numbers and booleans as JSON writes them). */
static const char *value_text(const cJSON *e, char *buf, size_t n)
{
	if (cJSON_IsString(e))
		return e->valuestring;
	if (cJSON_IsBool(e))
		return cJSON_IsTrue(e) ? "true" : "false";
	snprintf(buf, n, "%.17g", e->valuedouble);
	return buf;
}

/* Whether got matches any of the key's policy values (positive form). */
static bool any_value(const struct ctx *c, const struct iam_policy *p, int op, const cJSON *k,
		      const char *got)
{
	bool one = !cJSON_IsArray(k);
	for (const cJSON *e = one ? k : k->child; e; e = one ? NULL : e->next) {
		char num[64], buf[2048];
		const char *want = value_text(e, num, sizeof(num));
		if (!substitute(c, want, p->variables, buf, sizeof(buf)))
			continue;
		if (value_matches(op, buf, got))
			return true;
	}
	return false;
}

static bool condition_key(const struct ctx *c, const struct iam_policy *p, int op, bool if_exists,
			  int set, const cJSON *k)
{
	const char *got[64];
	size_t ng = ctx_values(c, k->string, got, 64);
	if (strcmp(operators[op], "Null") == 0) {
		char num[64];
		bool want_null =
			strcasecmp(value_text(cJSON_IsArray(k) ? k->child : k, num, sizeof(num)),
				   "true") == 0;
		return want_null == (ng == 0);
	}
	bool neg = negated(op);
	if (ng == 0) {
		if (set == 1)
			return true;
		if (set == 2)
			return false;
		return if_exists || neg;
	}
	size_t hits = 0;
	for (size_t i = 0; i < ng; i++) {
		bool m = any_value(c, p, op, k, got[i]);
		hits += neg ? !m : m;
	}
	if (set == 1)
		return hits == ng;
	if (set == 2)
		return hits > 0;
	return neg ? hits == ng : hits > 0;
}

static bool conditions_match(const struct ctx *c, const struct iam_policy *p, const cJSON *st)
{
	const cJSON *cond = cJSON_GetObjectItemCaseSensitive(st, "Condition");
	if (!cond)
		return true;
	for (const cJSON *o = cond->child; o; o = o->next) {
		bool if_exists;
		int set;
		int op = operator_find(o->string, &if_exists, &set);
		if (op < 0)
			return false;
		for (const cJSON *k = o->child; k; k = k->next)
			if (!condition_key(c, p, op, if_exists, set, k))
				return false;
	}
	return true;
}

/* Whether st applies to the request (principal aside); its effect in *allow. */
static bool statement_applies(const struct ctx *c, const struct iam_policy *p, const cJSON *st)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(st, "Action");
	const cJSON *na = cJSON_GetObjectItemCaseSensitive(st, "NotAction");
	if (a ? !each(a, action_matches, c, false) : each(na, action_matches, c, false))
		return false;
	if (p->kind != IAM_POLICY_TRUST) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(st, "Resource");
		const cJSON *nr = cJSON_GetObjectItemCaseSensitive(st, "NotResource");
		if (r ? !each(r, resource_matches, c, p->variables)
		      : each(nr, resource_matches, c, p->variables))
			return false;
	}
	return conditions_match(c, p, st);
}

static bool is_allow(const cJSON *st)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(st, "Effect");
	return strcmp(e->valuestring, "Allow") == 0;
}

static void name_statement(const cJSON *st, int index, char *out, size_t n)
{
	const cJSON *sid = cJSON_GetObjectItemCaseSensitive(st, "Sid");
	if (cJSON_IsString(sid) && sid->valuestring[0])
		snprintf(out, n, "%s", sid->valuestring);
	else
		snprintf(out, n, "#%d", index + 1);
}

/*
 * The strongest match in p of statements with effect allow: 0 none; for an identity policy
 * 2; for a resource policy, how the Principal names the requester.
 */
static int policy_match(const struct ctx *c, const struct iam_policy *p, bool allow, char *sid,
			size_t n)
{
	int best = 0, i = 0;
	const cJSON *st;
	cJSON_ArrayForEach(st, p->statements)
	{
		if (is_allow(st) == allow && statement_applies(c, p, st)) {
			int m = p->kind == IAM_POLICY_IDENTITY ? 2 : principal_matches(c, st);
			if (m > best) {
				best = m;
				name_statement(st, i, sid, n);
			}
		}
		i++;
	}
	return best;
}

bool iam_policy_matches(const struct iam_policy *p, bool allow, const struct iam_request *req,
			char *sid, size_t n)
{
	struct ctx c;
	ctx_init(&c, req);
	struct iam_policy q = *p;
	q.kind = p->kind == IAM_POLICY_TRUST ? IAM_POLICY_TRUST : IAM_POLICY_IDENTITY;
	return policy_match(&c, &q, allow, sid, n) > 0;
}

static enum iam_decision deny(struct iam_result *out, const struct iam_request *req,
			      enum iam_decision d, const char *why)
{
	const char *q = req->quote_resource ? "\"" : "";
	/* "a permissions boundary", not "... policy": AWS's words for the boundary. */
	const char *policy = strstr(why, "boundary") ? "" : " policy";
	out->decision = d;
	if (d == IAM_DENY_EXPLICIT)
		snprintf(out->message, sizeof(out->message),
			 "User: %s is not authorized to perform: %s on resource: %s%s%s with an "
			 "explicit deny in %s%s",
			 req->principal, req->action, q, req->resource, q, why, policy);
	else
		snprintf(out->message, sizeof(out->message),
			 "User: %s is not authorized to perform: %s on resource: %s%s%s because no "
			 "%s%s allows the %s action",
			 req->principal, req->action, q, req->resource, q, why, policy,
			 req->action);
	return d;
}

enum iam_decision iam_evaluate(const struct iam_policy *const *identity, size_t nidentity,
			       const struct iam_policy *resource, const struct iam_request *req,
			       struct iam_result *out)
{
	assert(req && req->principal && req->action && req->resource && out);
	memset(out, 0, sizeof(*out));
	struct ctx c;
	ctx_init(&c, req);
	const char *pacct = req->principal_account ? req->principal_account : "";
	const char *racct =
		req->resource_account && req->resource_account[0] ? req->resource_account : pacct;
	bool service = strncmp(req->principal, "arn:", 4) != 0;
	bool same = !service && strcmp(pacct, racct) == 0;
	char root[64];
	snprintf(root, sizeof(root), "arn:aws:iam::%s:root", pacct);
	bool is_root = !service && strcmp(req->principal, root) == 0;

	for (size_t i = 0; i < nidentity && !service; i++)
		if (identity[i] &&
		    policy_match(&c, identity[i], false, out->statement, sizeof(out->statement))) {
			snprintf(out->where, sizeof(out->where), "identity");
			return deny(out, req, IAM_DENY_EXPLICIT, "an identity-based");
		}
	if (resource && policy_match(&c, resource, false, out->statement, sizeof(out->statement))) {
		snprintf(out->where, sizeof(out->where), "resource");
		return deny(out, req, IAM_DENY_EXPLICIT, "a resource-based");
	}
	if (req->boundary && !service && !is_root &&
	    policy_match(&c, req->boundary, false, out->statement, sizeof(out->statement))) {
		snprintf(out->where, sizeof(out->where), "boundary");
		return deny(out, req, IAM_DENY_EXPLICIT, "a permissions boundary");
	}
	bool id_allow = is_root;
	for (size_t i = 0; i < nidentity && !id_allow && !service; i++)
		if (identity[i] &&
		    policy_match(&c, identity[i], true, out->statement, sizeof(out->statement))) {
			id_allow = true;
			snprintf(out->where, sizeof(out->where), "identity");
		}
	char rsid[128] = "";
	int res = resource ? policy_match(&c, resource, true, rsid, sizeof(rsid)) : 0;
	/* A boundary takes away what it does not allow, from identity-based grants and from
	 * resource-based ones that name less than the principal itself. */
	bool capped = false;
	if (req->boundary && !service && !is_root) {
		char bsid[128] = "";
		bool b_allow = policy_match(&c, req->boundary, true, bsid, sizeof(bsid)) > 0;
		if (!b_allow) {
			capped = id_allow || res == 2;
			id_allow = false;
			if (res == 2)
				res = 0;
		}
	}
	bool allowed;
	const char *missing = "identity-based";
	if (service) {
		allowed = res > 0;
		missing = "resource-based";
	} else if (same && !req->resource_required) {
		allowed = id_allow || res >= 2;
		missing = "identity-based";
	} else if (same) {
		allowed = res >= 2 || (res == 1 && id_allow);
		missing = res ? "identity-based" : "resource-based";
	} else {
		allowed = id_allow && res > 0;
		missing = res > 0 ? "identity-based" : "resource-based";
	}
	if (!allowed && capped)
		missing = "permissions boundary";
	if (allowed) {
		if (!id_allow || service) {
			snprintf(out->where, sizeof(out->where), "resource");
			snprintf(out->statement, sizeof(out->statement), "%s", rsid);
		}
		out->decision = IAM_ALLOW;
		return IAM_ALLOW;
	}
	out->where[0] = out->statement[0] = '\0';
	return deny(out, req, IAM_DENY, missing);
}
