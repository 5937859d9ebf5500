export const handler = async (event, context) => ({ version: context.functionVersion, price: 100 });
