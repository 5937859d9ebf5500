// The names come from the function's configuration; the values never do.
const HOST_PARAMETER = process.env.DB_HOST_PARAMETER;
const SECRET_ID = process.env.DB_SECRET_ID;

export const handler = async (event) => {
  // TODO: read the SecureString parameter HOST_PARAMETER (decrypted) and the secret
  // SECRET_ID (its SecretString is JSON with "username" and "password") through the
  // Parameters and Secrets extension, and answer the host and the user name. Never the
  // password.
  return { host: null, user: null };
};
