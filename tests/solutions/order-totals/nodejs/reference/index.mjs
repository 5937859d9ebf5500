import { DynamoDBClient, ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";

const totals = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TABLE = process.env.TOTALS_TABLE;

// The image's customer and amount; throws when the amount is not a number.
const amount = (image) => {
  if (!image) return [null, 0];
  if (image.amount.N === undefined) throw new Error(`amount is not a number: ${JSON.stringify(image.amount)}`);
  return [image.customer.S, Number(image.amount.N)];
};

// Add delta to the customer's total, unless this record was applied before.
const apply = async (customer, delta, eventId) => {
  try {
    await totals.send(new UpdateCommand({
      TableName: TABLE,
      Key: { customer },
      UpdateExpression: "ADD #t :delta, applied :ids",
      ConditionExpression: "NOT contains(applied, :id)",
      ExpressionAttributeNames: { "#t": "total" },
      ExpressionAttributeValues: { ":delta": delta, ":ids": new Set([eventId]), ":id": eventId },
    }));
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
  }
};

export const handler = async (event) => {
  const failures = [];
  for (const record of event.Records) {
    const change = record.dynamodb;
    let oldCustomer, oldAmount, newCustomer, newAmount;
    try {
      [oldCustomer, oldAmount] = amount(change.OldImage);
      [newCustomer, newAmount] = amount(change.NewImage);
    } catch (e) {
      console.log(`cannot process ${change.SequenceNumber}: ${e.message}`);
      failures.push({ itemIdentifier: change.SequenceNumber });
      continue;
    }
    const deltas = new Map();
    if (oldCustomer) deltas.set(oldCustomer, (deltas.get(oldCustomer) ?? 0) - oldAmount);
    if (newCustomer) deltas.set(newCustomer, (deltas.get(newCustomer) ?? 0) + newAmount);
    for (const [customer, delta] of deltas) await apply(customer, delta, record.eventID);
  }
  return { batchItemFailures: failures };
};
