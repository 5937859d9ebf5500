// What an X-Ray SDK does underneath: read the invocation's trace header, send documents to the
// X-Ray daemon Lambda runs beside the function (UDP, AWS_XRAY_DAEMON_ADDRESS).
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

const HEADER = '{"format": "json", "version": 1}\n';

// { traceId, parentId, sampled } of the invocation being handled.
export function currentTrace() {
  const fields = {};
  for (const part of (process.env._X_AMZN_TRACE_ID ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return { traceId: fields.Root, parentId: fields.Parent, sampled: fields.Sampled === '1' };
}

// A segment or subsegment id: 16 hex digits.
export function newId() {
  return randomBytes(8).toString('hex');
}

// Send one segment or subsegment document (an object) to the daemon; resolves once sent.
export function send(document) {
  const address = process.env.AWS_XRAY_DAEMON_ADDRESS ?? '127.0.0.1:2000';
  const at = address.lastIndexOf(':');
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    socket.send(HEADER + JSON.stringify(document), Number(address.slice(at + 1)),
      address.slice(0, at), () => {
        socket.close();
        resolve();
      });
  });
}
