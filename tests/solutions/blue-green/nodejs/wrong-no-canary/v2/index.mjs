export const handler = async (event, context) => {
  if (event.discount === undefined) throw new Error('discount is missing');
  return { version: context.functionVersion, price: 100 - event.discount };
};
