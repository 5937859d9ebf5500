// The Parameters and Secrets extension answers on a local port, caching what it reads with
// the function's own credentials: one call to each service per execution environment.
const PORT = process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT || "2773";
const HOST_PARAMETER = process.env.DB_HOST_PARAMETER;
const SECRET_ID = process.env.DB_SECRET_ID;

async function ask(path) {
  const res = await fetch(`http://localhost:${PORT}${path}`, {
    headers: { "X-Aws-Parameters-Secrets-Token": process.env.AWS_SESSION_TOKEN },
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

export const handler = async () => {
  const p = await ask(
    `/systemsmanager/parameters/get?name=${encodeURIComponent(HOST_PARAMETER)}&withDecryption=true`,
  );
  const s = await ask(`/secretsmanager/get?secretId=${encodeURIComponent(SECRET_ID)}`);
  return { host: p.Parameter.Value, user: JSON.parse(s.SecretString).username };
};
