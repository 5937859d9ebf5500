import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";

const totals = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TABLE = process.env.TOTALS_TABLE;

export const handler = async (event) => {
  const failures = [];
  for (const record of event.Records) {
    const change = record.dynamodb;
    const oldImage = change.OldImage; // undefined for an INSERT
    const newImage = change.NewImage; // undefined for a REMOVE
    // TODO: work out how this change moves its customer's total (each image has
    // customer {S: ...} and amount {N: ...}), and add it to the customer's item in the
    // totals table with an UpdateCommand -- once only, even when Lambda delivers the
    // record again.
    // TODO: an amount that is not a number cannot be processed: report the record by its
    // change.SequenceNumber and go on with the others.
  }
  return { batchItemFailures: failures };
};
