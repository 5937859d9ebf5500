export const handler = async (event) => {
  const { orderId, tier } = event;
  const amount = Number(event.amount);

  const record = {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{
        Namespace: 'Shop',
        Dimensions: [['Tier']],
        Metrics: [{ Name: 'OrderValue', Unit: 'None' }],
      }],
    },
    Tier: tier,
    OrderValue: amount,
    orderId,
  };
  console.log(JSON.stringify(record));

  return { orderId, accepted: true };
};
