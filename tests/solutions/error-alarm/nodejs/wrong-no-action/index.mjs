export const handler = async (event) => {
  if (event.slow) await new Promise((resolve) => setTimeout(resolve, 1200));
  if (event.fail) throw new Error('order failed on purpose');
  return { ok: true };
};
