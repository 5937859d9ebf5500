/*
 * The router's decisions against the real service table: signed, unsigned, doors, controls,
 * the services the cloud does not offer.
 */
#include <string.h>

#include "cloud/svc/router.h"
#include "harness.h"

static struct svc_route pick(const char *method, const char *path, const char *scope,
			     const char *target)
{
	struct svc_route_in in = {
		.method = method, .path = path, .scope = scope, .target = target
	};
	struct svc_route r;
	svc_route_pick(svc_table, svc_table_len, &in, &r);
	return r;
}

static struct svc_route pick_form(const char *scope, const char *action, const char *version)
{
	struct svc_route_in in = { .method = "POST",
				   .path = "/",
				   .scope = scope,
				   .form = true,
				   .action = action,
				   .version = version };
	struct svc_route r;
	svc_route_pick(svc_table, svc_table_len, &in, &r);
	return r;
}

TEST(svc_route__names_a_signed_service_it_does_not_offer)
{
	struct svc_route r = pick_form("athena", "ListWorkGroups", "2017-05-18");
	is_int(r.kind, SVC_ROUTE_UNSERVED, "Athena is not offered");
	is_str(r.service, "athena", "... named by its signing name");
	is_str(r.op, "ListWorkGroups", "... with the operation");
	r = pick_form("iam", "CreateRole", "2010-05-08");
	is_int(r.kind, SVC_ROUTE_SERVICE, "IAM is served");
	is_str(r.svc->name, "iam", "... by its row");
	r = pick_form("sts", "GetCallerIdentity", "2011-06-15");
	is_str(r.svc ? r.svc->name : "", "sts", "STS is served by its row");
	struct svc_route_in in = { .method = "POST",
				   .path = "/service/AWSGlue/operation/CreateJob",
				   .scope = "glue",
				   .cbor = true };
	svc_route_pick(svc_table, svc_table_len, &in, &r);
	is_int(r.kind, SVC_ROUTE_UNSERVED, "Glue in CBOR is not offered");
	is_str(r.op, "CreateJob", "... naming the operation from the path");
	r = pick("GET", "/TraceSummaries", "xray", NULL);
	r = pick_form("elasticloadbalancing", "DescribeLoadBalancers", "2012-06-01");
	is_int(r.kind, SVC_ROUTE_UNSERVED, "classic ELB (another Version) is not offered");
	is_str(r.version, "2012-06-01", "... and the message names its version");
}

TEST(svc_route__takes_signed_requests_to_their_service)
{
	struct svc_route r = pick("POST", "/2018-10-31/layers/x/versions", "lambda", NULL);
	is_int(r.kind, SVC_ROUTE_SERVICE, "a Lambda path it does not serve is still Lambda's");
	is_str(r.svc->name, "lambda", "... the lambda row");
	r = pick("GET", "/v2/apis", "apigateway", NULL);
	is_str(r.svc->model, "apigatewayv2-2018-11-29", "/v2/ is API Gateway V2's");
	r = pick("GET", "/restapis", "apigateway", NULL);
	is_str(r.svc->model, "apigateway-2015-07-09", "/restapis is API Gateway's");
	r = pick("PUT", "/2015-03-31", "s3", NULL);
	is_str(r.svc->name, "s3", "the signature wins over a path that looks like Lambda's");
	r = pick_form("elasticloadbalancing", "DescribeLoadBalancers", "2015-12-01");
	is_str(r.svc->name, "elasticloadbalancing", "ELBv2's Version is served");
	struct svc_route_in in = { .method = "POST",
				   .path = "/service/GraniteServiceVersion20100801/operation/"
					   "PutMetricData",
				   .scope = "monitoring",
				   .cbor = true };
	svc_route_pick(svc_table, svc_table_len, &in, &r);
	is_int(r.kind, SVC_ROUTE_SERVICE, "CloudWatch in CBOR is served");
	is_str(r.svc->name, "monitoring", "... by CloudWatch's row");
	is_str(r.op, "PutMetricData", "... naming the operation from the path");
}

TEST(svc_route__finds_unsigned_requests_by_what_they_carry)
{
	struct svc_route r = pick("POST", "/", NULL, "Logs_20140328.DescribeLogGroups");
	is_str(r.svc ? r.svc->name : NULL, "logs", "X-Amz-Target Logs_20140328 is Logs");
	is_str(r.op, "DescribeLogGroups", "... naming the operation");
	r = pick("POST", "/", NULL, "AWSGlue.GetDatabases");
	is_int(r.kind, SVC_ROUTE_UNSERVED, "an unknown target prefix is not offered");
	is_str(r.service, "AWSGlue", "... named by its prefix");
	r = pick("POST", "/", NULL, "DynamoDBStreams_20120810.ListStreams");
	is_str(r.svc ? r.svc->model : NULL, "streams.dynamodb-2012-08-10",
	       "a target picks among rows of one signing name");
	r = pick("GET", "/2015-03-31/functions", NULL, NULL);
	is_str(r.svc->name, "lambda", "Lambda's path");
	r = pick_form(NULL, "Publish", NULL);
	is_str(r.svc->name, "sns", "a form naming SNS's action without a Version is SNS's");
	r = pick_form(NULL, "SendMessage", NULL);
	is_str(r.svc->name, "sqs", "... any other is SQS's");
	r = pick_form(NULL, "CreateLoadBalancer", "2015-12-01");
	is_str(r.svc->name, "elasticloadbalancing", "a Version picks its service");
	r = pick_form(NULL, "ListWorkGroups", "2017-05-18");
	is_int(r.kind, SVC_ROUTE_UNSERVED, "a Version no row serves is not offered");
	r = pick_form(NULL, "CreateRole", "2010-05-08");
	is_str(r.svc ? r.svc->name : "", "iam", "IAM's Version picks IAM");
	r = pick("PUT", "/photos/cat.jpg", NULL, NULL);
	is_str(r.svc->name, "s3", "anything else is path-style S3");
}

TEST(svc_route__serves_doors_and_controls_first)
{
	struct svc_route_in in = { .method = "GET",
				   .path = "/prod/items",
				   .host = "abc123.execute-api.localhost:4566",
				   .scope = "execute-api" };
	struct svc_route r;
	svc_route_pick(svc_table, svc_table_len, &in, &r);
	is_int(r.kind, SVC_ROUTE_DOOR, "an execute-api host is a door");
	is_str(r.rest, "abc123/prod/items", "... given its id and path");
	svc_route_release(&r);
	r = pick("GET", "/_aws/lambda-url/abc/x", "lambda", NULL);
	is_int(r.kind, SVC_ROUTE_DOOR, "a signed function URL request is the URL's door");
	is_str(r.rest, "abc/x", "... given its id and path");
	r = pick("GET", "/restapis/abc/prod/_user_request_/x", NULL, NULL);
	is_int(r.kind, SVC_ROUTE_DOOR, "LocalStack's _user_request_ path is a door");
	r = pick("GET", "/restapis/abc/stages", NULL, NULL);
	is_int(r.kind, SVC_ROUTE_SERVICE, "... other /restapis paths are the API");
	r = pick("POST", "/_tutor/reset", NULL, NULL);
	ok(r.kind == SVC_ROUTE_DOOR && r.door->control, "/_tutor/reset is a control");
	r = pick("GET", "/_tutor/metrics", NULL, NULL);
	is_str(r.svc->name, "lambda", "/_tutor/metrics is Lambda's control");
	r = pick("GET", "/_tutor/nothing", NULL, NULL);
	ok(r.kind == SVC_ROUTE_DOOR && r.door->control, "an unknown /_tutor/ path is a control");
}

TEST(svc_route__reads_credentials_and_forms)
{
	char s[64], region[32], v[32];
	ok(svc_scope_service("AKID/20261201/eu-west-1/sqs/aws4_request", s, sizeof(s), region),
	   "a credential scope is read");
	is_str(s, "sqs", "... its service");
	is_str(region, "eu-west-1", "... its region");
	ok(svc_scope_service("AKID/20261201/us-east-1/sqs/aws4_request, SignedHeaders=host", s,
			     sizeof(s), NULL),
	   "... inside an Authorization header");
	ok(!svc_scope_service("AKID/20261201/us-east-1/sqs", s, sizeof(s), NULL),
	   "a scope without aws4_request is refused");
	ok(!svc_scope_service("AKID/20261201/us-east-1//aws4_request", s, sizeof(s), NULL),
	   "... and one without a service");
	const char *form = "Version=2012-11-05&Action=Send%4Dessage&MessageBody=a+b";
	ok(svc_form_value(form, strlen(form), "Action", v, sizeof(v)), "a form value is read");
	is_str(v, "SendMessage", "... %-decoded");
	ok(!svc_form_value("Action=%zz", 10, "Action", v, sizeof(v)), "a bad escape is refused");
	ok(!svc_form_value("Action=%4", 9, "Action", v, sizeof(v)), "... and a cut one");
	ok(!svc_form_value(form, strlen(form), "Missing", v, sizeof(v)), "an absent key is not");
}

int main(void)
{
	RUN(svc_route__names_a_signed_service_it_does_not_offer);
	RUN(svc_route__takes_signed_requests_to_their_service);
	RUN(svc_route__finds_unsigned_requests_by_what_they_carry);
	RUN(svc_route__serves_doors_and_controls_first);
	RUN(svc_route__reads_credentials_and_forms);
	return done();
}
