export const handler = async (event) => {
  if (event.fail) throw new Error('order failed on purpose');
  return { ok: true };
};
