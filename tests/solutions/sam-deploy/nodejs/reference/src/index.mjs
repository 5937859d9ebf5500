export const handler = async (event) => {
  const item = event.queryStringParameters?.item ?? '';
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ item, price: 10 * item.length, currency: process.env.CURRENCY }),
  };
};
