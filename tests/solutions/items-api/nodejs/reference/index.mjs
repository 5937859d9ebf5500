import { randomUUID } from "node:crypto";
import {
  S3Client,
  GetObjectCommand,
  PutObjectCommand,
  ListObjectsV2Command,
} from "@aws-sdk/client-s3";

const s3 = new S3Client({});
const BUCKET = process.env.ITEMS_BUCKET;

const respond = (statusCode, data, headers = {}) => ({
  statusCode,
  headers: { "Content-Type": "application/json", ...headers },
  body: JSON.stringify(data),
});

const error = (statusCode, message, headers) => respond(statusCode, { error: message }, headers);

const load = async (id) => {
  try {
    const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `items/${id}.json` }));
    return JSON.parse(await obj.Body.transformToString());
  } catch (err) {
    if (err.name === "NoSuchKey") return null;
    throw err;
  }
};

const getItem = async (event) => {
  const id = event.pathParameters?.id ?? "";
  const item = await load(id);
  return item === null ? error(404, `no item with id "${id}"`) : respond(200, item);
};

const listItems = async (event) => {
  const text = event.queryStringParameters?.limit ?? "10";
  const limit = Number(text);
  if (!/^[0-9]+$/.test(text) || limit < 1 || limit > 100) {
    return error(400, "limit must be a whole number from 1 to 100");
  }
  const listing = await s3.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "items/", MaxKeys: limit }),
  );
  const items = [];
  for (const entry of listing.Contents ?? []) {
    const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: entry.Key }));
    items.push(JSON.parse(await obj.Body.transformToString()));
  }
  return respond(200, { items });
};

const createItem = async (event) => {
  let data;
  try {
    data = JSON.parse(event.body ?? "");
  } catch {
    return error(400, "the body must be a JSON object");
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return error(400, "the body must be a JSON object");
  }
  const { name, price } = data;
  if (typeof name !== "string" || name.trim() === "") {
    return error(400, "name must be a non-empty string");
  }
  if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) {
    return error(400, "price must be a number above 0");
  }
  const item = { id: randomUUID().slice(0, 12), name, price };
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: `items/${item.id}.json`,
      Body: JSON.stringify(item),
      ContentType: "application/json",
    }),
  );
  return respond(201, item);
};

const ROUTES = {
  "GET /items/{id}": getItem,
  "GET /items": listItems,
  "POST /items": createItem,
};

export const handler = async (event) => {
  const route = ROUTES[`${event.httpMethod} ${event.resource}`];
  if (!route) {
    const allowed = Object.keys(ROUTES)
      .filter((key) => key.endsWith(` ${event.resource}`))
      .map((key) => key.split(" ")[0]);
    return error(405, `${event.httpMethod} is not allowed on ${event.resource}`, {
      Allow: allowed.join(", "),
    });
  }
  return route(event);
};
