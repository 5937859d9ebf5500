export const handler = async (event) => {
  const orderId = event.order_id;
  const quantity = event.quantity;
  // Wrong: an API's habit. Nobody reads the answer of an asynchronous invocation, and a
  // normal return is a success: the invalid order is never retried and lands nowhere.
  if (typeof orderId !== "string" || !Number.isInteger(quantity) || quantity < 1) {
    console.log(`rejected order ${orderId}`);
    return { statusCode: 400, body: JSON.stringify({ error: "invalid order" }) };
  }
  console.log(`processed order ${orderId}: ${quantity} x ${event.item}`);
  return { orderId, status: "processed" };
};
