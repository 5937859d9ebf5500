export const handler = async (event, context) => {
  const name = event.name ?? "World";
  return {
    statusCode: 200,
    body: JSON.stringify({
      message: `Hello, ${name}!`,
      requestId: context.awsRequestId,
    }),
  };
};
