const OPERATIONS = {
  add: (a, b) => a + b,
  subtract: (a, b) => a - b,
  multiply: (a, b) => a * b,
  divide: (a, b) => a / b,
};

const respond = (statusCode, body) => ({ statusCode, body: JSON.stringify(body) });

const isNumber = (value) => typeof value === "number" && Number.isFinite(value);

export const handler = async (event) => {
  const op = event.operation;
  if (!Object.hasOwn(OPERATIONS, op)) {
    return respond(400, { error: `unknown operation: ${JSON.stringify(op)}` });
  }
  if (event.a === undefined || event.b === undefined) {
    return respond(400, { error: "both operands 'a' and 'b' are required" });
  }
  const { a, b } = event;
  if (!isNumber(a) || !isNumber(b)) {
    return respond(400, { error: "operands must be numbers" });
  }
  if (op === "divide" && b === 0) {
    return respond(400, { error: "cannot divide by zero" });
  }
  const result = OPERATIONS[op](a, b);
  console.log(`${op} ${a} ${b} = ${result}`);
  return respond(200, { result });
};
