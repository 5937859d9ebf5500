// From the layer: /opt/nodejs/node_modules is searched for packages.
import { quote } from 'pricing';

export const handler = async (event) => quote(event.cents, event.currency);
