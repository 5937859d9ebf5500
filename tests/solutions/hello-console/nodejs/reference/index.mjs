export const handler = async (event) => {
  // TODO: greet event.name (or "World") and return the request ID too
  const response = {
    statusCode: 200,
    body: JSON.stringify('Hello from Lambda!'),
  };
  return response;
};
