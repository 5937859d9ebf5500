// Prices for every function of the shop: publish this folder as a layer.
exports.quote = function quote(cents, currency) {
  const amount = cents / 100;
  return {
    amount,
    currency,
    display: `${amount.toFixed(2)} ${currency}`,
    helper: __filename,
  };
};
