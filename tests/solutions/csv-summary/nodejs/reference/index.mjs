import { S3Client, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";

const s3 = new S3Client({});
const OUTPUT_BUCKET = process.env.OUTPUT_BUCKET;

const summarise = (text) => {
  const lines = text.split(/\r?\n/).slice(1);
  let rows = 0;
  let total = 0;
  for (const line of lines) {
    if (line.trim() === "") continue;
    rows += 1;
    total += Number(line.split(",")[1]);
  }
  return { rows, total: Math.round(total * 100) / 100 };
};

const outputKey = (key) => {
  const name = key.replace(/^uploads\//, "").replace(/\.csv$/, "");
  return `summaries/${name}.json`;
};

export const handler = async (event) => {
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const { rows, total } = summarise(await obj.Body.transformToString());
    await s3.send(
      new PutObjectCommand({
        Bucket: OUTPUT_BUCKET,
        Key: outputKey(key),
        Body: JSON.stringify({ source: key, rows, total }),
        ContentType: "application/json",
      }),
    );
    console.log(`summarised s3://${bucket}/${key}: ${rows} rows, total ${total}`);
  }
};
