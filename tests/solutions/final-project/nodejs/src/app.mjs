// Resize and convert each uploaded image to the configured widths and formats.
import { S3Client, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { SNSClient, PublishCommand } from "@aws-sdk/client-sns";
import { createJimp } from "@jimp/core";
import { defaultFormats, defaultPlugins } from "jimp";
import { loadWebp, webpFormat } from "./webp.mjs";

const s3 = new S3Client({});
const sns = new SNSClient({});

const OUTPUT_BUCKET = process.env.OUTPUT_BUCKET;
const TOPIC_ARN = process.env.TOPIC_ARN;
const SIZES = (process.env.SIZES ?? "800").split(",").map((s) => Number(s.trim()));
const FORMATS = (process.env.FORMATS ?? "jpeg").split(",").map((f) => f.trim().toLowerCase());
const NAMESPACE = process.env.METRIC_NAMESPACE ?? "ImageProcessor";
const MAX_PIXELS = Number(process.env.MAX_PIXELS ?? 40_000_000);
const MIME = { jpeg: "image/jpeg", jpg: "image/jpeg", png: "image/png", webp: "image/webp", gif: "image/gif" };

// Once per execution environment, not once per image.
await loadWebp();
const Jimp = createJimp({ formats: [...defaultFormats, webpFormat], plugins: defaultPlugins });

class Rejected extends Error {}

function log(message, fields = {}) {
  console.log(JSON.stringify({ message, ...fields }));
}

// The image, upright (Jimp applies the EXIF rotation); Rejected when it is not one.
async function openImage(body) {
  let img;
  try {
    img = await Jimp.fromBuffer(body);
  } catch (err) {
    throw new Rejected(`not a readable image: ${err.message}`);
  }
  if (img.width * img.height > MAX_PIXELS)
    throw new Rejected(`${img.width}x${img.height} is over ${MAX_PIXELS} pixels`);
  return img;
}

// img at width (never enlarged, aspect kept) in format fmt: { data, w, h }.
async function render(img, width, fmt) {
  const w = Math.min(width, img.width);
  const h = Math.max(1, Math.round((img.height * w) / img.width));
  const copy = img.clone().resize({ w, h });
  return { data: await copy.getBuffer(MIME[fmt]), w, h };
}

// Embedded metric format, written to stdout itself: with JSON logs, console.log wraps what it
// is given in a record of its own, where CloudWatch would not find the metrics.
function emitMetric(processed, saved) {
  const line = JSON.stringify({
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{
        Namespace: NAMESPACE,
        Dimensions: [[]],
        Metrics: [{ Name: "ImagesProcessed", Unit: "Count" }, { Name: "BytesSaved", Unit: "Bytes" }],
      }],
    },
    ImagesProcessed: processed,
    BytesSaved: saved,
  });
  process.stdout.write(line + "\n");
}

async function processUpload(bucket, key) {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = Buffer.from(await got.Body.transformToByteArray());
  const img = await openImage(body);
  const produced = [];
  let saved = 0;
  for (const width of SIZES) {
    for (const fmt of FORMATS) {
      const { data, w, h } = await render(img, width, fmt);
      const outKey = `${key.replace(/\.[^./]*$/, "")}-${width}.${fmt}`;
      await s3.send(new PutObjectCommand({
        Bucket: OUTPUT_BUCKET, Key: outKey, Body: data, ContentType: MIME[fmt],
        Metadata: { "source-key": encodeURIComponent(key), width: String(w), height: String(h) },
      }));
      produced.push({ key: outKey, width: w, height: h, bytes: data.length });
      saved += Math.max(0, body.length - data.length);
    }
  }
  await sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: JSON.stringify({ source: key, outputs: produced }) }));
  emitMetric(1, saved);
  log("processed", { key, outputs: produced.length });
}

export const handler = async (event) => {
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    try {
      await processUpload(bucket, key);
    } catch (err) {
      // Thrown again: after the retries the event goes to the on-failure queue.
      if (err instanceof Rejected) log("rejected", { key, reason: err.message });
      throw err;
    }
  }
  return { processed: event.Records.length };
};
