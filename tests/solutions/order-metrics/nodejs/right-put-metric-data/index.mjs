import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';

// Made once per execution environment, reused by every invocation it serves.
const cloudwatch = new CloudWatchClient({});

export const handler = async (event) => {
  const { orderId, tier } = event;
  await cloudwatch.send(new PutMetricDataCommand({
    Namespace: 'Shop',
    MetricData: [{
      MetricName: 'OrderValue',
      Dimensions: [{ Name: 'Tier', Value: tier }],
      Value: Number(event.amount),
      Unit: 'None',
    }],
  }));
  return { orderId, accepted: true };
};
