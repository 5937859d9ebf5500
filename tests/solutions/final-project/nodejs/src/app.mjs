// Resize and convert each uploaded image to the configured widths and formats.
import { S3Client, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { SNSClient, PublishCommand } from "@aws-sdk/client-sns";
import sharp from "sharp";

const s3 = new S3Client({});
const sns = new SNSClient({});

const OUTPUT_BUCKET = process.env.OUTPUT_BUCKET;
const TOPIC_ARN = process.env.TOPIC_ARN;
const SIZES = (process.env.SIZES ?? "800").split(",").map((s) => Number(s.trim()));
const FORMATS = (process.env.FORMATS ?? "jpeg").split(",").map((f) => f.trim().toLowerCase());
const NAMESPACE = process.env.METRIC_NAMESPACE ?? "ImageProcessor";
const MAX_PIXELS = Number(process.env.MAX_PIXELS ?? 40_000_000);
const MIME = { jpeg: "image/jpeg", png: "image/png", webp: "image/webp", gif: "image/gif" };

class Rejected extends Error {}

function log(message, fields = {}) {
  console.log(JSON.stringify({ message, ...fields }));
}

// The image's size once upright (EXIF orientations 5 to 8 swap width and height); Rejected
// when it is not an image sharp reads, or is larger than MAX_PIXELS.
async function inspect(body) {
  let meta;
  try {
    // limitInputPixels refuses a decompression bomb before decoding it.
    meta = await sharp(body, { limitInputPixels: MAX_PIXELS }).metadata();
  } catch (err) {
    throw new Rejected(`not a readable image: ${err.message}`);
  }
  if (!MIME[meta.format]) throw new Rejected(`unsupported format ${meta.format}`);
  const turned = (meta.orientation ?? 1) >= 5;
  return { width: turned ? meta.height : meta.width, height: turned ? meta.width : meta.height };
}

// body at width (never enlarged, aspect kept, EXIF rotation applied) in format fmt.
async function render(body, size, width, fmt) {
  const w = Math.min(width, size.width);
  const h = Math.max(1, Math.round((size.height * w) / size.width));
  try {
    const data = await sharp(body, { limitInputPixels: MAX_PIXELS, animated: false })
      .rotate() // upright, from the EXIF orientation
      .resize(w, h)
      .toFormat(fmt)
      .toBuffer();
    return { data, w, h };
  } catch (err) {
    throw new Rejected(`cannot convert to ${fmt}: ${err.message}`); // a truncated file
  }
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
  const size = await inspect(body);
  const produced = [];
  let saved = 0;
  for (const width of SIZES) {
    for (const fmt of FORMATS) {
      const { data, w, h } = await render(body, size, width, fmt);
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
