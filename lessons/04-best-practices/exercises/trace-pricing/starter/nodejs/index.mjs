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

  // TODO: record this call as the subsegment "pricing" (namespace "remote") of the
  // function's segment, with the annotation orderId, and as a fault when it fails.
  let price;
  try {
    price = await fetchPrice(event.sku);
  } catch (err) {
    return { orderId, error: 'unpriced' };
  }

  return { orderId, total: Math.round(price * quantity * 100) / 100 };
};
