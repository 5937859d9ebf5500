class InvalidOrder extends Error {
  constructor(message) {
    super(message);
    this.name = "InvalidOrder";
  }
}

export const handler = async (event) => {
  const orderId = event.order_id;
  const quantity = event.quantity;
  if (typeof orderId !== "string" || orderId === "") {
    throw new InvalidOrder(`order ${JSON.stringify(orderId)}: order_id must be a non-empty string`);
  }
  if (!Number.isInteger(quantity) || quantity < 1) {
    throw new InvalidOrder(
      `order ${orderId}: quantity must be a whole number >= 1, not ${JSON.stringify(quantity)}`,
    );
  }
  console.log(`processed order ${orderId}: ${quantity} x ${event.item}`);
  return { orderId, status: "processed" };
};
