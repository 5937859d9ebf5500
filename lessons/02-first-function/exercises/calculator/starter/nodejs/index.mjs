const respond = (statusCode, body) => ({ statusCode, body: JSON.stringify(body) });

export const handler = async (event) => {
  // TODO: validate event.operation, event.a and event.b,
  // compute the result, log it, and answer bad input with a 400.
  return respond(200, { result: 0 });
};
