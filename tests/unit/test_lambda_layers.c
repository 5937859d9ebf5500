/*
 * Lambda's layer operations through the lambda row of the service table, on a database and a
 * state folder of their own: publish (numbers never reused), get, list with filters and
 * pages, permissions with revisions, delete; and a function's Layers: Lambda's errors, the
 * merged /opt folder with a later layer's file over an earlier one's, another account's use.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud/auth/auth.h"
#include "cloud/db.h"
#include "cloud/lambda/layers.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/path.h"
#include "core/strutil.h"
#include "harness.h"

extern const struct cloud_service lambda_service;

/* python/util.py (V = 'a'), bin/tool (executable), python/only_a.py. */
static const char *const zip_a = "UEsDBBQAAAAAAAAAIVwoShMOCAAAAAgAAAAOAAAAcHl0aG9uL3V0aWwucHlWID0gJ"
				 "2EnClBLAwQUAAAAAAAAACFcgeGMsxEA"
				 "AAARAAAACAAAAGJpbi90b29sIyEvYmluL3NoCmVjaG8gYQpQSwMEFAAAAAAAAAAhX"
				 "F7fg6gGAAAABgAAABAAAABweXRob24v"
				 "b25seV9hLnB5QSA9IDEKUEsBAhQDFAAAAAAAAAAhXChKEw4IAAAACAAAAA4AAAAAA"
				 "AAAAAAAAKSBAAAAAHB5dGhvbi91dGls"
				 "LnB5UEsBAhQDFAAAAAAAAAAhXIHhjLMRAAAAEQAAAAgAAAAAAAAAAAAAAO2BNAAAA"
				 "GJpbi90b29sUEsBAhQDFAAAAAAAAAAh"
				 "XF7fg6gGAAAABgAAABAAAAAAAAAAAAAAAKSBawAAAHB5dGhvbi9vbmx5X2EucHlQS"
				 "wUGAAAAAAMAAwCwAAAAnwAAAAAA";
/* python/util.py (V = 'b'). */
static const char *const zip_b =
	"UEsDBBQAAAAAAAAAIVxx9FUMCAAAAAgAAAAOAAAAcHl0aG9uL3V0aWwucHlWID0gJ2InClBLAQIUAxQAAAAAAAAAIV"
	"xx9FUM"
	"CAAAAAgAAAAOAAAAAAAAAAAAAACkgQAAAABweXRob24vdXRpbC5weVBLBQYAAAAAAQABADwAAAA0AAAAAAA=";

static struct cloud cloud;
static struct svc_caller me = { .account = "111122223333",
				.arn = "arn:aws:iam::111122223333:root",
				.region = "us-east-1" };
static struct svc_caller them = { .account = "444455556666",
				  .arn = "arn:aws:iam::444455556666:root",
				  .region = "us-east-1" };
static char root[] = "/tmp/test-layers-XXXXXX";

/* Whether root/rel is a file (executable when exec), a folder (dir). */
static bool under(const char *rel, char kind)
{
	char *p = path_join(root, rel);
	bool yes = kind == 'd' ? path_is_dir(p)
			       : path_is_file(p) && (kind != 'x' || access(p, X_OK) == 0);
	free(p);
	return yes;
}

static const char *str(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static cJSON *J(const char *text)
{
	char *copy = strdup(text);
	for (char *c = copy; *c; c++)
		if (*c == '\'')
			*c = '"';
	cJSON *j = cJSON_Parse(copy);
	if (!j)
		printf("# bad test JSON: %s\n", text);
	free(copy);
	return j;
}

/* Call one of Lambda's table operations as who; its output (caller deletes) or NULL. */
static cJSON *call(const struct svc_caller *who, const char *op, cJSON *in, struct aws_err *err)
{
	const struct svc_op *o = NULL;
	for (size_t i = 0; i < lambda_service.nops; i++)
		if (strcmp(lambda_service.ops[i].name, op) == 0)
			o = &lambda_service.ops[i];
	struct svc_call c = { .cloud = &cloud, .svc = &lambda_service, .op = op, .caller = who };
	aws_err_release(err);
	cJSON *out = o ? o->fn(&c, in, err) : NULL;
	cJSON_Delete(in);
	return out;
}

static cJSON *publish(const char *name, const char *zip, const char *extra)
{
	char buf[2048];
	snprintf(buf, sizeof(buf), "{'LayerName': '%s', 'Content': {'ZipFile': '%s'}%s}", name, zip,
		 extra ? extra : "");
	struct aws_err err = { 0 };
	cJSON *out = call(&me, "PublishLayerVersion", J(buf), &err);
	if (!out)
		printf("# publish %s: %s %s\n", name, err.code, err.message);
	aws_err_release(&err);
	return out;
}

static void setup(void)
{
	if (!mkdtemp(root))
		abort();
	struct error e;
	char *db = xasprintf("%s/cloud.db", root);
	cloud.state_dir = xstrdup(root);
	cloud.code_root = xasprintf("%s/code", root);
	snprintf(cloud.endpoint, sizeof(cloud.endpoint), "http://127.0.0.1:1");
	cloud.db = cloud_db_open(db, &e);
	free(db);
	cloud.auth = auth_new(NULL, NULL, &e); /* in memory: the cloud's own key presigns */
	if (!cloud.db || !cloud.auth || !svc_migrate(cloud.db, &lambda_service, &e)) {
		printf("# cannot open the database: %s\n", e.msg);
		abort();
	}
}

static void teardown(void)
{
	auth_free(cloud.auth);
	cloud_db_close(cloud.db);
	path_remove_tree(root);
	free(cloud.state_dir);
	free(cloud.code_root);
}

TEST(lambda_layers__publish_get_list_delete)
{
	cJSON *v1 = publish("utils", zip_a,
			    ", 'CompatibleRuntimes': ['python3.12'], 'Description': 'shared',"
			    " 'LicenseInfo': 'MIT'");
	is_str(str(v1, "LayerVersionArn"), "arn:aws:lambda:us-east-1:111122223333:layer:utils:1",
	       "version 1's ARN");
	is_int(num(v1, "Version"), 1, "version 1");
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(v1, "Content");
	ok(str(content, "Location") &&
		   str_starts_with(str(content, "Location"),
				   "http://127.0.0.1:1/_tutor/layer/111122223333/utils/1?") &&
		   strstr(str(content, "Location"), "X-Amz-Signature="),
	   "its content's location, presigned by the cloud");
	ok(str(content, "CodeSha256") && strlen(str(content, "CodeSha256")) == 44,
	   "CodeSha256 in base64");
	ok(under("layers/111122223333/utils/1/bin/tool", 'x'), "unpacked once, modes kept");
	cJSON_Delete(v1);
	cJSON *v2 = publish("utils", zip_b, ", 'CompatibleRuntimes': ['nodejs20.x']");
	is_int(num(v2, "Version"), 2, "the next publish is version 2");
	cJSON_Delete(v2);

	struct aws_err err = { 0 };
	cJSON *out =
		call(&me, "GetLayerVersion", J("{'LayerName': 'utils', 'VersionNumber': 1}"), &err);
	is_str(str(out, "Description"), "shared", "GetLayerVersion");
	is_str(str(out, "LicenseInfo"), "MIT", "with its licence");
	cJSON_Delete(out);
	out = call(&me, "GetLayerVersion",
		   J("{'LayerName': 'arn:aws:lambda:us-east-1:111122223333:layer:utils',"
		     " 'VersionNumber': 2}"),
		   &err);
	is_int(num(out, "Version"), 2, "a layer named by its ARN");
	cJSON_Delete(out);
	out = call(&me, "GetLayerVersion", J("{'LayerName': 'utils', 'VersionNumber': 0}"), &err);
	is_str(err.message, "Layer Version Cannot be less than 1", "version 0");
	out = call(&me, "GetLayerVersion", J("{'LayerName': 'utils', 'VersionNumber': 7}"), &err);
	ok(!out && err.status == 404 && strcmp(err.code, "ResourceNotFoundException") == 0,
	   "a missing version: 404 %s", err.code);
	out = call(&me, "GetLayerVersion", J("{'LayerName': '../../etc', 'VersionNumber': 1}"),
		   &err);
	is_str(err.code, "ValidationException", "a name that is no name");
	out = call(&me, "GetLayerVersionByArn",
		   J("{'Arn': 'arn:aws:lambda:us-east-1:111122223333:layer:utils:2'}"), &err);
	is_int(num(out, "Version"), 2, "GetLayerVersionByArn");
	cJSON_Delete(out);
	out = call(&me, "GetLayerVersionByArn",
		   J("{'Arn': 'arn:aws:lambda:us-east-1:111122223333:layer:utils'}"), &err);
	is_str(err.code, "ValidationException", "an ARN without a version");

	out = call(&me, "ListLayers", J("{'CompatibleRuntime': 'python3.12'}"), &err);
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(out, "Layers");
	is_int(cJSON_GetArraySize(layers), 1, "ListLayers with a runtime");
	is_int(num(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(layers, 0),
						    "LatestMatchingVersion"),
		   "Version"),
	       1, "its latest matching version is 1");
	cJSON_Delete(out);
	cJSON_Delete(publish("zeta", zip_b, NULL));
	out = call(&me, "ListLayers", J("{'MaxItems': 1}"), &err);
	is_str(str(out, "NextMarker"), "utils", "a page of one, then a marker");
	cJSON_Delete(out);
	out = call(&me, "ListLayers", J("{'Marker': 'utils'}"), &err);
	layers = cJSON_GetObjectItemCaseSensitive(out, "Layers");
	is_str(str(cJSON_GetArrayItem(layers, 0), "LayerName"), "zeta", "the next page");
	cJSON_Delete(out);
	out = call(&me, "ListLayerVersions", J("{'LayerName': 'utils'}"), &err);
	const cJSON *versions = cJSON_GetObjectItemCaseSensitive(out, "LayerVersions");
	is_int(num(cJSON_GetArrayItem(versions, 0), "Version"), 2, "newest first");
	cJSON_Delete(out);

	out = call(&me, "DeleteLayerVersion", J("{'LayerName': 'utils', 'VersionNumber': 2}"),
		   &err);
	ok(out != NULL, "DeleteLayerVersion");
	cJSON_Delete(out);
	out = call(&me, "DeleteLayerVersion", J("{'LayerName': 'utils', 'VersionNumber': 2}"),
		   &err);
	ok(out != NULL, "deleting it again succeeds, as in AWS");
	cJSON_Delete(out);
	ok(!under("layers/111122223333/utils/2", 'd'), "its files are gone");
	v2 = publish("utils", zip_b, NULL);
	is_int(num(v2, "Version"), 3, "numbers are not reused");
	cJSON_Delete(v2);
	aws_err_release(&err);
}

TEST(lambda_layers__permissions)
{
	struct aws_err err = { 0 };
	cJSON *out = call(&me, "GetLayerVersionPolicy",
			  J("{'LayerName': 'utils', 'VersionNumber': 1}"), &err);
	is_str(err.message, "No policy is associated with the given resource.", "no policy yet");
	out = call(&them, "GetLayerVersion",
		   J("{'LayerName': "
		     "'arn:aws:lambda:us-east-1:111122223333:layer:utils',"
		     " 'VersionNumber': 1}"),
		   &err);
	is_str(err.code, "AccessDeniedException", "another account may not read it");
	out = call(&me, "AddLayerVersionPermission",
		   J("{'LayerName': 'utils', 'VersionNumber': 1, 'StatementId': 's1',"
		     " 'Action': 'lambda:GetLayerVersion', 'Principal': '444455556666'}"),
		   &err);
	is_str(str(out, "Statement"),
	       "{\"Sid\":\"s1\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::"
	       "444455556666:root\"},\"Action\":\"lambda:GetLayerVersion\",\"Resource\":\"arn:aws:"
	       "lambda:us-east-1:111122223333:layer:utils:1\"}",
	       "the statement as AWS writes it");
	char rev[37];
	snprintf(rev, sizeof(rev), "%s", str(out, "RevisionId"));
	cJSON_Delete(out);
	out = call(&me, "AddLayerVersionPermission",
		   J("{'LayerName': 'utils', 'VersionNumber': 1, 'StatementId': 's1',"
		     " 'Action': 'lambda:GetLayerVersion', 'Principal': '*'}"),
		   &err);
	ok(!out && err.status == 409, "the same statement id: 409");
	out = call(&me, "AddLayerVersionPermission",
		   J("{'LayerName': 'utils', 'VersionNumber': 1, 'StatementId': 's2',"
		     " 'Action': 'lambda:GetLayerVersion', 'Principal': '*', 'RevisionId': 'x'}"),
		   &err);
	ok(!out && err.status == 412, "a stale revision: 412");
	out = call(&me, "AddLayerVersionPermission",
		   J("{'LayerName': 'utils', 'VersionNumber': 1, 'StatementId': 's2',"
		     " 'Action': 'lambda:*', 'Principal': '*'}"),
		   &err);
	is_str(err.code, "ValidationException", "only lambda:GetLayerVersion may be granted");
	out = call(&them, "GetLayerVersion",
		   J("{'LayerName': "
		     "'arn:aws:lambda:us-east-1:111122223333:layer:utils',"
		     " 'VersionNumber': 1}"),
		   &err);
	is_int(num(out, "Version"), 1, "the named account may read it now");
	cJSON_Delete(out);
	out = call(&me, "GetLayerVersionPolicy", J("{'LayerName': 'utils', 'VersionNumber': 1}"),
		   &err);
	is_str(str(out, "RevisionId"), rev, "the policy's revision");
	cJSON *pol = cJSON_Parse(str(out, "Policy"));
	is_str(str(pol, "Id"), "default", "the policy document");
	cJSON_Delete(pol);
	cJSON_Delete(out);
	out = call(&me, "RemoveLayerVersionPermission",
		   J("{'LayerName': 'utils', 'VersionNumber': 1, 'StatementId': 'nope'}"), &err);
	is_str(err.message, "Statement nope is not found in resource policy.", "a missing sid");
	out = call(&me, "RemoveLayerVersionPermission",
		   J("{'LayerName': 'utils', 'VersionNumber': 1, 'StatementId': 's1'}"), &err);
	ok(out != NULL, "RemoveLayerVersionPermission");
	cJSON_Delete(out);
	out = call(&them, "GetLayerVersion",
		   J("{'LayerName': "
		     "'arn:aws:lambda:us-east-1:111122223333:layer:utils',"
		     " 'VersionNumber': 1}"),
		   &err);
	is_str(err.code, "AccessDeniedException", "and may not once it is removed");
	aws_err_release(&err);
}

static char *read_text(const char *dir, const char *rel)
{
	char *p = path_join(dir, rel);
	size_t len;
	struct error e;
	char *s = path_read_file(p, 0, &len, &e);
	free(p);
	return s;
}

TEST(lambda_layers__attach_to_a_function)
{
	struct aws_err err = { 0 };
	char *fn_dir = xasprintf("%s/code/111122223333/fn", root);
	char *code = xasprintf("%s/code/111122223333/fn/abc", root);
	struct error e;
	path_mkdirs(code, 0755, &e);
	cJSON *config = NULL;
	char *opt = NULL;
	/* utils:1 is A, zeta:1 is B: B's util.py is laid over A's. */
	cJSON *arns = J("['arn:aws:lambda:us-east-1:111122223333:layer:utils:1',"
			" 'arn:aws:lambda:us-east-1:111122223333:layer:zeta:1']");
	ok(lambda_layers_attach(&cloud, &me, arns, fn_dir, code, &config, &opt, &err),
	   "two layers attach");
	char *util = opt ? read_text(opt, "python/util.py") : NULL;
	is_str(util, "V = 'b'\n", "the later layer's file wins");
	free(util);
	char *only = opt ? read_text(opt, "python/only_a.py") : NULL;
	is_str(only, "A = 1\n", "the earlier layer's other files stay");
	free(only);
	ok(opt && strncmp(opt, fn_dir, strlen(fn_dir)) == 0, "beside the function's code");
	is_int(cJSON_GetArraySize(config), 2, "the configuration's Layers");
	ok(num(cJSON_GetArrayItem(config, 0), "CodeSize") > 0, "with their sizes");
	char *opt2 = NULL;
	cJSON *config2 = NULL;
	ok(lambda_layers_attach(&cloud, &me, arns, fn_dir, code, &config2, &opt2, &err) && opt2 &&
		   strcmp(opt, opt2) == 0,
	   "the same list gives the same folder");
	free(opt2);
	cJSON_Delete(config2);
	cJSON_Delete(arns);
	free(opt);
	cJSON_Delete(config);

	struct {
		const char *arns, *code, *want;
	} bad[] = {
		{ "['arn:aws:lambda:us-east-1:111122223333:layer:utils:1',"
		  " 'arn:aws:lambda:us-east-1:111122223333:layer:utils:3']",
		  "InvalidParameterValueException",
		  "Two different versions of the same layer are not allowed to be referenced in "
		  "the same function. arn:aws:lambda:us-east-1:111122223333:layer:utils:1 and "
		  "arn:aws:lambda:us-east-1:111122223333:layer:utils:3 are versions of the same "
		  "layer." },
		{ "['arn:aws:lambda:us-east-1:111122223333:layer:utils:2']",
		  "InvalidParameterValueException",
		  "Layer version arn:aws:lambda:us-east-1:111122223333:layer:utils:2 does not "
		  "exist." },
		{ "['arn:aws:lambda:eu-west-1:111122223333:layer:utils:1']",
		  "InvalidParameterValueException",
		  "Layers are not in the same region as the function. Layers are expected to be in "
		  "region us-east-1." },
		{ "['a:1', 'b:1', 'c:1', 'd:1', 'e:1', 'f:1']", "InvalidParameterValueException",
		  "Cannot reference more than 5 layers." },
		{ "['arn:aws:lambda:us-east-1:111122223333:layer:utils']", "ValidationException",
		  NULL },
		{ "'utils'", "ValidationException", NULL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		arns = J(bad[i].arns);
		config = NULL;
		opt = NULL;
		bool got =
			lambda_layers_attach(&cloud, &me, arns, fn_dir, code, &config, &opt, &err);
		ok(!got && !config && !opt && strcmp(err.code, bad[i].code) == 0, "refused: %s",
		   bad[i].arns);
		if (bad[i].want)
			is_str(err.message, bad[i].want, "as Lambda words it");
		cJSON_Delete(arns);
		aws_err_release(&err);
	}
	/* Another account: refused until the version's policy names it. */
	arns = J("['arn:aws:lambda:us-east-1:111122223333:layer:zeta:1']");
	ok(!lambda_layers_attach(&cloud, &them, arns, fn_dir, code, &config, &opt, &err) &&
		   strcmp(err.code, "AccessDeniedException") == 0,
	   "another account's private layer: AccessDeniedException");
	cJSON_Delete(call(&me, "AddLayerVersionPermission",
			  J("{'LayerName': 'zeta', 'VersionNumber': 1, 'StatementId': 'all',"
			    " 'Action': 'lambda:GetLayerVersion', 'Principal': '*'}"),
			  &err));
	ok(lambda_layers_attach(&cloud, &them, arns, fn_dir, code, &config, &opt, &err),
	   "shared with everyone: it attaches");
	free(opt);
	cJSON_Delete(config);
	cJSON_Delete(arns);
	free(fn_dir);
	free(code);
	aws_err_release(&err);
}

TEST(lambda_layers__reset_forgets_an_account)
{
	lambda_layers_reset(&cloud, "111122223333");
	struct aws_err err = { 0 };
	cJSON *out = call(&me, "ListLayers", J("{}"), &err);
	is_int(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(out, "Layers")), 0,
	       "no layers after a reset");
	cJSON_Delete(out);
	ok(!under("layers/111122223333", 'd'), "nor their files");
	cJSON *v = publish("utils", zip_a, NULL);
	is_int(num(v, "Version"), 1, "numbering starts again");
	cJSON_Delete(v);
	aws_err_release(&err);
}

int main(void)
{
	setup();
	RUN(lambda_layers__publish_get_list_delete);
	RUN(lambda_layers__permissions);
	RUN(lambda_layers__attach_to_a_function);
	RUN(lambda_layers__reset_forgets_an_account);
	teardown();
	return done();
}
