export const handler = async (event) => {
  const orderId = event.order_id;
  const quantity = event.quantity;
  // TODO: a valid order has a string order_id and a whole-number quantity of at
  // least 1: log "processed order <order_id>" and return.
  // An invalid order must throw an error whose message names the order id.
  console.log(`processed order ${orderId}`);
  return { orderId, quantity };
};
