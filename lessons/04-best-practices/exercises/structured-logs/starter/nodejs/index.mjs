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
    // TODO: log at ERROR, with orderId as a field and the error (its stack trace).
    console.log(`rejected ${orderId}: ${err.message}`);
    return { orderId, status: 'rejected' };
  }

  // TODO: log at INFO, with orderId and total as fields.
  console.log(`accepted ${orderId} for ${total}`);
  return { orderId, status: 'accepted' };
};
