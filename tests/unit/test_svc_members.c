/*
 * What each operation does with its members (struct cloud_service's members): the layer
 * refuses a member no handler acts on, and every row's strings name every member of its
 * model, each one way or another, so that a member the model gains is a decision, not a drop.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "cloud/proto/model.h"
#include "cloud/proto/proto.h"
#include "cloud/svc/router.h"
#include "cloud/svc/svc.h"
#include "harness.h"

static const char *const fake_members[] = {
	"Op A B.C List.C -D ~Token -E=NONE|OFF -F=x86_64",
	NULL,
};
static const struct cloud_service fake = {
	.name = "fake",
	.title = "Fake",
	.members = fake_members,
};

/* svc_members_check on json; returns the message ("" when accepted). */
static const char *check(const struct cloud_service *s, const char *op, const char *json)
{
	static char msg[1024];
	struct aws_err err = { 0 };
	cJSON *in = cJSON_Parse(json);
	bool fine = svc_members_check(s, op, in, &err);
	snprintf(msg, sizeof(msg), "%s", fine ? "" : err.message);
	if (!fine && err.status != 501)
		snprintf(msg, sizeof(msg), "status %d", err.status);
	cJSON_Delete(in);
	aws_err_release(&err);
	return msg;
}

TEST(svc_members__refuses_what_no_handler_acts_on)
{
	is_str(check(&fake, "Op", "{\"A\":1,\"Token\":\"t\"}"), "", "named members pass");
	is_str(check(&fake, "Op", "{\"B\":{\"C\":1}}"), "", "... and a named member of a member");
	is_str(check(&fake, "Op", "{\"D\":1}"),
	       "The local cloud does not offer Fake's Op with D: leave it out",
	       "a member marked not acted on is refused, named");
	is_str(check(&fake, "Op", "{\"D\":false,\"E\":\"\",\"F\":[],\"G\":{},\"H\":null}"), "",
	       "a member set to nothing is no request for it");
	is_str(check(&fake, "Op", "{\"A\":1,\"Z\":2}"),
	       "The local cloud does not offer Fake's Op with Z: leave it out",
	       "... and one not named at all");
	is_str(check(&fake, "Op", "{\"B\":{\"C\":1,\"E\":2}}"),
	       "The local cloud does not offer Fake's Op with B.E: leave it out",
	       "a structure's member not named is refused by its path");
	is_str(check(&fake, "Op", "{\"List\":[{\"C\":1},{\"E\":2}]}"),
	       "The local cloud does not offer Fake's Op with List.E: leave it out",
	       "... and a list's structures' members");
	is_str(check(&fake, "Other", "{\"A\":1}"),
	       "The local cloud does not offer Fake's Other with A: leave it out",
	       "an operation with no string acts on no member");
	is_str(check(&fake, "Other", "{}"), "", "... but is served without one");
	is_str(check(&fake, "Op", "{\"E\":\"NONE\",\"F\":[\"x86_64\"]}"), "",
	       "a member set to what the cloud does anyway passes");
	is_str(check(&fake, "Op", "{\"E\":\"OFF\"}"), "", "... any of its values");
	is_str(check(&fake, "Op", "{\"E\":\"SIZE\"}"),
	       "The local cloud does not offer Fake's Op with E: leave it out",
	       "... but another value is refused");
	is_str(check(&fake, "Op", "{\"E\":\"NONEX\"}"),
	       "The local cloud does not offer Fake's Op with E: leave it out",
	       "... even one that starts with it");
	is_str(check(&fake, "Op", "{\"F\":[\"x86_64\",\"arm64\"]}"),
	       "The local cloud does not offer Fake's Op with F: leave it out",
	       "... and a list with one other value");
	is_str(check(&fake, "Op", "{\"D\":\"NONE\"}"),
	       "The local cloud does not offer Fake's Op with D: leave it out",
	       "a member with no value of its own takes none");
	struct cloud_service bare = { .name = "bare", .title = "Bare" };
	is_str(check(&bare, "Op", "{\"Z\":1}"), "", "a row with no members table is not checked");
}

/* One service calling another (svc_call_internal) meets the same check as a client. */
TEST(svc_members__internal_calls_are_checked_as_requests)
{
	struct svc_caller caller;
	svc_caller_for_account(&caller, "123456789012");
	struct aws_err err = { 0 };
	cJSON *in = cJSON_Parse("{\"TopicArn\":\"arn:aws:sns:us-east-1:123456789012:t\","
				"\"Message\":\"m\",\"MessageGroupId\":\"g\"}");
	/* No cloud: the check answers before any handler could run. */
	cJSON *out = svc_call_internal(NULL, &caller, "sns", "Publish", in, &err);
	ok(out == NULL, "a member SNS's Publish does not act on is not delivered without it");
	is_int(err.status, 501, "... answered NotImplemented");
	is_str(err.message,
	       "The local cloud does not offer Amazon SNS's Publish with MessageGroupId: leave it "
	       "out",
	       "... naming it as the endpoint would");
	aws_err_release(&err);
	cJSON_Delete(in);
	in = cJSON_Parse("{\"KeyId\":\"alias/k\",\"Plaintext\":\"eA==\",\"DryRun\":true}");
	out = svc_call_internal(NULL, &caller, "kms", "Encrypt", in, &err);
	ok(out == NULL && strstr(err.message, "Encrypt with DryRun"), "... and in any service: %s",
	   err.message);
	aws_err_release(&err);
	cJSON_Delete(in);
}

/* The member of shape called name (len bytes), or NULL. */
static const struct proto_member *member_of(const struct proto_shape *shape, const char *name,
					    size_t len)
{
	while (shape && shape->type == PM_LIST)
		shape = shape->members[0].shape;
	if (!shape || shape->type != PM_STRUCTURE)
		return NULL;
	for (size_t i = 0; i < shape->nmembers; i++)
		if (strlen(shape->members[i].name) == len &&
		    memcmp(shape->members[i].name, name, len) == 0)
			return &shape->members[i];
	return NULL;
}

/* Whether a word of a members string (without its mark) is a member path of input. */
static bool path_exists(const struct proto_shape *input, const char *w, size_t len)
{
	const struct proto_shape *shape = input;
	for (;;) {
		size_t n = strcspn(w, ".");
		if (n > len)
			n = len;
		const struct proto_member *m = member_of(shape, w, n);
		if (!m)
			return false;
		if (n == len)
			return true;
		shape = m->shape;
		w += n + 1;
		len -= n + 1;
	}
}

/* Whether members names top (exactly, marked or not, or as the parent of a path). */
static bool names(const char *members, const char *top, int *tilde)
{
	size_t len = strlen(top);
	for (const char *p = members; *p;) {
		p += strspn(p, " ");
		const char *w = p;
		size_t wl = strcspn(p, " ");
		p += wl;
		if (wl && (*w == '-' || *w == '~')) {
			*tilde += *w == '~' && wl - 1 == len && memcmp(w + 1, top, len) == 0;
			w++, wl--;
		}
		if (memchr(w, '=', wl))
			wl = (size_t)((const char *)memchr(w, '=', wl) - w);
		if (wl >= len && memcmp(w, top, len) == 0 && (wl == len || w[len] == '.'))
			return true;
	}
	return false;
}

TEST(svc_members__every_row_names_every_member_of_its_model)
{
	size_t rows = 0, ops = 0, members = 0, refused = 0, tildes = 0;
	for (size_t i = 0; i < svc_table_len; i++) {
		const struct cloud_service *s = svc_table[i];
		const struct proto_service *ps = svc_model(s);
		if (!ps)
			continue;
		rows++;
		if (!s->members) {
			ok(0, "%s has a members table", s->model);
			continue;
		}
		for (size_t j = 0; j < s->nops; j++) {
			const char *name = s->ops[j].name;
			const char *str = svc_members_of(s, name);
			const struct proto_op *po = proto_op_find(ps, name);
			if (!str || !po) {
				ok(0, "%s %s: named in the model (%d) and in members (%d)",
				   s->model, name, po != NULL, str != NULL);
				continue;
			}
			ops++;
			const struct proto_shape *in = po->input;
			/* Every word is a member (path) of the model's input. */
			for (const char *p = str; *p;) {
				p += strspn(p, " ");
				const char *w = p;
				size_t wl = strcspn(p, " ");
				p += wl;
				if (wl == 0)
					break;
				refused += *w == '-';
				if (*w == '-' || *w == '~')
					w++, wl--;
				if (memchr(w, '=', wl))
					wl = (size_t)((const char *)memchr(w, '=', wl) - w);
				if (!path_exists(in, w, wl))
					ok(0, "%s %s: '%.*s' is a member of its input", s->model,
					   name, (int)wl, w);
			}
			/* Every member of the input is named. */
			for (size_t k = 0; in && k < in->nmembers; k++) {
				int tilde = 0;
				members++;
				if (!names(str, in->members[k].name, &tilde))
					ok(0, "%s %s: member %s is named (acted on, -, ~)",
					   s->model, name, in->members[k].name);
				tildes += tilde;
			}
		}
		/* No string for an operation the row does not serve. */
		for (const char *const *m = s->members; *m; m++) {
			char op[128];
			snprintf(op, sizeof(op), "%.*s", (int)strcspn(*m, " "), *m);
			if (!svc_op_find(s, op))
				ok(0, "%s: members string for %s, which it does not serve",
				   s->model, op);
		}
	}
	ok(rows > 20 && ops > 300, "every row with a model walked (%zu rows, %zu operations)", rows,
	   ops);
	printf("# %zu members: %zu not acted on (refused), %zu accepted without effect\n", members,
	       refused, tildes);
}

int main(void)
{
	RUN(svc_members__refuses_what_no_handler_acts_on);
	RUN(svc_members__every_row_names_every_member_of_its_model);
	RUN(svc_members__internal_calls_are_checked_as_requests);
	return done();
}
