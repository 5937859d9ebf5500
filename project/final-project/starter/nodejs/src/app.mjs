// Resize and convert uploaded images (the course's final project): complete the TODOs.
import { S3Client, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { SNSClient, PublishCommand } from "@aws-sdk/client-sns";
// sharp (libvips) reads and writes JPEG, PNG, GIF and WebP. npm installs its prebuilt binary;
// install the packages beside the handler before packaging: npm ci --omit=dev --prefix src
// (on a machine that is not Linux x64, add --os=linux --cpu=x64: Lambda's x86_64 platform).
import sharp from "sharp";

const s3 = new S3Client({});
const sns = new SNSClient({});
const OUTPUT_BUCKET = process.env.OUTPUT_BUCKET;
const TOPIC_ARN = process.env.TOPIC_ARN;
const SIZES = (process.env.SIZES ?? "800").split(",").map(Number);
const FORMATS = (process.env.FORMATS ?? "jpeg").split(",").map((f) => f.trim().toLowerCase());

export const handler = async (event) => {
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    // TODO: read the object, resize to each width in SIZES keeping the aspect ratio and
    // applying the EXIF rotation (sharp(body).rotate().resize(width)), convert to each format
    // in FORMATS (.toFormat("webp").toBuffer()), put to OUTPUT_BUCKET with metadata, publish
    // one notification, emit a custom metric (embedded metric format, written with
    // process.stdout.write: with JSON logs console.log wraps it); bad files: log and throw.
    console.log(JSON.stringify({ message: "received", bucket, key }));
  }
  return { status: "todo" };
};
