"""Prices for every function of the shop: publish this folder as a layer."""


def quote(cents, currency):
    amount = cents / 100
    return {
        "amount": amount,
        "currency": currency,
        "display": None,  # TODO: "12.30 EUR": two decimals, a space, the currency
        "helper": __file__,
    }
