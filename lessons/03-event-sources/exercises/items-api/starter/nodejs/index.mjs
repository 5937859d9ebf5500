import { S3Client, GetObjectCommand, PutObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";

const s3 = new S3Client({});
const BUCKET = process.env.ITEMS_BUCKET;

const respond = (statusCode, data) => ({
  statusCode,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(data),
});

export const handler = async (event) => {
  const method = event.httpMethod;
  const resource = event.resource;
  // TODO: route on method and resource:
  //   GET /items/{id}  -> 200 with the item from items/<id>.json, or 404
  //   GET /items       -> 200 {"items": [...]}, honouring ?limit=N (1 to 100, default 10)
  //   POST /items      -> validate the JSON body, store the item, 201 with it
  //   anything else    -> 405
  return respond(200, { method, resource });
};
