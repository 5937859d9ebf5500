import { setTimeout as sleep } from 'node:timers/promises';
import { currentTrace, newId, send } from './tracing.mjs';

const PRICES = { 'A-100': 12.5, 'B-200': 40.0, 'C-300': 7.25 };

// The pricing service: slow, and it fails for a product it does not know.
async function fetchPrice(sku) {
  await sleep(150);
  if (!(sku in PRICES)) throw new Error(`no price for sku ${sku}`);
  return PRICES[sku];
}

export const handler = async (event) => {
  const { orderId } = event;
  const quantity = Number(event.quantity ?? 1);

  const { traceId, parentId, sampled } = currentTrace();
  const sub = {
    type: 'subsegment',
    name: 'pricing',
    namespace: 'remote',
    id: newId(),
    trace_id: traceId,
    parent_id: parentId,
    start_time: Date.now() / 1000,
    metadata: { default: { orderId } },
  };
  let price;
  try {
    price = await fetchPrice(event.sku);
  } catch (err) {
    sub.fault = true;
    sub.cause = { exceptions: [{ id: newId(), message: err.message, type: err.name }] };
    return { orderId, error: 'unpriced' };
  } finally {
    sub.end_time = Date.now() / 1000;
    if (sampled) await send(sub);
  }

  return { orderId, total: Math.round(price * quantity * 100) / 100 };
};
