import { S3Client, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";

const s3 = new S3Client({});
const OUTPUT_BUCKET = process.env.OUTPUT_BUCKET;

export const handler = async (event) => {
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    const key = record.s3.object.key;
    // TODO: decode the key, read the CSV object, count its rows and add up its
    // amounts, then write {"source", "rows", "total"} as summaries/NAME.json
    // to OUTPUT_BUCKET.
    console.log(`new object s3://${bucket}/${key}`);
  }
};
