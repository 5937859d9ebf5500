export const handler = async (event) => {
  const { orderId, tier } = event;
  const amount = Number(event.amount);

  // TODO: write one line in the embedded metric format: namespace "Shop", metric
  // "OrderValue" (the amount), dimension "Tier". This plain line is no metric.
  console.log(`order ${orderId}: ${tier} ${amount}`);

  return { orderId, accepted: true };
};
