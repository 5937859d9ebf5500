// Known wrong: body is an object, not the JSON string API Gateway expects.
export const handler = async (event, context) => ({
  statusCode: 200,
  body: { message: `Hello, ${event.name ?? "World"}!`, requestId: context.awsRequestId },
});
