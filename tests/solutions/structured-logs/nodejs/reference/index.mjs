function checkTotal(value) {
  if (typeof value !== 'number' || !(value > 0)) {
    throw new Error(`total must be a number above 0, not ${JSON.stringify(value)}`);
  }
  return value;
}

export const handler = async (event) => {
  const { orderId } = event;
  let total;
  try {
    total = checkTotal(event.total);
  } catch (err) {
    console.error({ msg: 'order rejected', orderId, error: err });
    return { orderId, status: 'rejected' };
  }

  console.info({ msg: 'order accepted', orderId, total });
  return { orderId, status: 'accepted' };
};
